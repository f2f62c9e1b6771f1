package demo

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"

	"shencha/internal/catalog"
	"shencha/internal/review"
	"shencha/internal/signature"
	"shencha/internal/store"
)

// signers are the demo organisations that sign with their own keys.
var signers = []string{"lab1", "lab2", "provider1", "provider2"}

// registerKeys gives each signing demo organisation its own Ed25519 key and
// registers the public half, as the office would with a real lab or
// provider. The private keys stay in the fixture (and, for `shencha demo`,
// in files the user can sign with).
func registerKeys(ctx context.Context, s *store.Store, f *Fixture, root review.Actor) error {
	f.Keys = map[string]ed25519.PrivateKey{}
	for _, name := range signers {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			return err
		}
		if _, err := s.AddSigningKey(ctx, root, f.Orgs[name].ID, signature.FormatPublicKey(pub)); err != nil {
			return fmt.Errorf("seed key %s: %w", name, err)
		}
		f.Keys[name] = priv
	}
	return nil
}

// CriteriaFor lists the first n criteria of the catalogue that the method
// can establish.
func CriteriaFor(cat *catalog.Catalog, m review.Method, n int) []string {
	var out []string
	for _, c := range cat.Criteria {
		if len(out) < n && slices.Contains(c.Methods, m) {
			out = append(out, c.ID)
		}
	}
	return out
}

// Evaluate has a lab do its whole part on a case in evaluation: the office
// plans the criteria for the lab's assignment, the lab records a piece of
// evidence of its method and a finding per criterion, then signs its report
// with its own key and submits it.
func Evaluate(ctx context.Context, s *store.Store, f *Fixture, number, lab string, findings map[string]catalog.Status, rec review.Outcome) error {
	office, labActor := f.Actors["office"], f.Actors[lab]
	v, err := s.Case(ctx, office, number)
	if err != nil {
		return err
	}
	var asg store.AssignmentView
	for _, a := range v.Assignments {
		if a.Lab != nil && a.Lab.ID == f.Orgs[lab].ID && a.EndedAt == "" {
			asg = a
		}
	}
	if asg.ID == 0 {
		return fmt.Errorf("demo: %s has no active assignment on %s", lab, number)
	}
	ids := make([]string, 0, len(findings))
	for id := range findings {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var plan []store.PlanItem
	for _, id := range ids {
		plan = append(plan, store.PlanItem{CriterionID: id, Method: asg.Method, AssignmentID: asg.ID})
	}
	if _, err := s.AddPlanItems(ctx, office, number, plan); err != nil {
		return fmt.Errorf("demo plan %s: %w", number, err)
	}
	ev, err := s.AddEvidence(ctx, labActor, number, evidenceFor(asg.Method, v, ids), asg.ID, "demo")
	if err != nil {
		return fmt.Errorf("demo evidence %s: %w", number, err)
	}
	for _, id := range ids {
		st := findings[id]
		if _, err := s.PutFinding(ctx, labActor, number, id, store.FindingInput{Status: st, Rationale: rationale(st), Evidence: []int64{ev.ID}, AssignmentID: asg.ID}); err != nil {
			return fmt.Errorf("demo finding %s %s: %w", number, id, err)
		}
	}
	summary := fmt.Sprintf("%s evaluated %d criteria by %s.", f.Orgs[lab].Name, len(ids), asg.Method)
	payload, err := s.ReportDraft(ctx, labActor, number, asg.ID, summary, rec)
	if err != nil {
		return err
	}
	_, err = s.ApplyAction(ctx, labActor, number, review.ActSubmitReport, review.Input{AssignmentID: asg.ID, Summary: summary,
		Recommendation: rec, Signature: signature.Sign(f.Keys[lab], payload)})
	return err
}

func rationale(st catalog.Status) string {
	switch st {
	case catalog.StatusMet:
		return "Checked on the sample; the requirement is met."
	case catalog.StatusNotMet:
		return "Checked on the sample; the requirement is not met."
	case catalog.StatusPartiallyMet:
		return "Checked on the sample; the requirement is only partly met."
	}
	return "Does not apply to this product."
}

// evidenceFor builds a plausible evidence record for a method.
func evidenceFor(m review.Method, v *store.CaseView, criteria []string) review.EvidenceInput {
	ver := ""
	if len(v.Versions) > 0 {
		ver = v.Versions[0].Version
	}
	var kind review.EvidenceKind
	var data any
	switch m {
	case review.MethodLabTesting:
		kind = review.EvidenceLabTest
		data = review.LabTestReport{Sample: review.Sample{Name: v.Product.Name, Version: ver, Serial: "DEMO-SAMPLE-0001"},
			Environment: "isolated test bed", Tests: []review.TestCase{{ID: "T-01", Title: "Port scan against declared interfaces", Result: "pass"}}}
	case review.MethodOnSite:
		kind = review.EvidenceChecklist
		data = review.Checklist{Site: "Provider R&D centre", Date: "2026-03-02", Inspectors: []string{"Inspector A", "Inspector B"},
			Items: []review.ChecklistItem{{Check: "Source code access controls", Result: "conforming"}, {Check: "Build server isolation", Result: "nonconforming", Note: "shared admin account"}}}
	case review.MethodMonitoring:
		kind = review.EvidenceMonitoring
		data = review.Observations{Target: v.Product.Name, Items: []review.Observation{{At: "2026-03-02T10:00:00+08:00", Observation: "Outbound traffic only to declared endpoints."}}}
	case review.MethodBackground:
		kind = review.EvidenceBackground
		data = BackgroundOf(v.Provider.Name)
	default:
		kind = review.EvidenceDocument
		data = review.Document{DocKind: "declaration", Description: "Product security declaration"}
	}
	raw, _ := json.Marshal(data)
	return review.EvidenceInput{Kind: kind, Title: string(kind) + " for " + v.Product.Name + " " + ver, Criteria: criteria, Data: raw}
}

// BackgroundOf is a demo ownership and control chain for a provider.
func BackgroundOf(provider string) review.Background {
	return review.Background{Subject: "p", UltimateController: "founder",
		Entities: []review.Entity{{ID: "p", Name: provider, Kind: "company", Jurisdiction: "CN"},
			{ID: "hold", Name: "Huaxin Holdings Ltd.", Kind: "company", Jurisdiction: "CN"},
			{ID: "fund", Name: "Pacific Growth Fund LP", Kind: "fund", Jurisdiction: "KY"},
			{ID: "founder", Name: "Zhang Wei", Kind: "person", Jurisdiction: "CN"}},
		Holdings:     []review.Holding{{Owner: "hold", Owned: "p", Share: 72.5}, {Owner: "fund", Owned: "p", Share: 12}, {Owner: "founder", Owned: "hold", Share: 61, Control: true}},
		KeyPersonnel: []review.Person{{Name: "Zhang Wei", Role: "chairman", Nationality: "CN"}, {Name: "Li Na", Role: "chief security officer", Nationality: "CN"}},
		Sanctions:    []review.Sanction{{Entity: "p", Authority: "Municipal market regulator", Date: "2023-06-12", Measure: "fine for late filing of annual report"}}}
}

// Commit has the provider sign the commitment (Art. 3) with its own key.
func Commit(ctx context.Context, s *store.Store, f *Fixture, number, provider string) error {
	a := f.Actors[provider]
	payload, err := s.CommitmentDraft(ctx, a, number)
	if err != nil {
		return err
	}
	_, err = s.ApplyAction(ctx, a, number, review.ActSubmitCommitment, review.Input{Signature: signature.Sign(f.Keys[provider], payload)})
	return err
}

// Areas is an assessment of every risk area at one level.
func Areas(level review.RiskLevel, note string) map[string]review.AreaAssessment {
	out := map[string]review.AreaAssessment{}
	for _, a := range review.RiskAreas {
		out[a] = review.AreaAssessment{Level: level, Note: note}
	}
	return out
}
