package demo

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"shencha/internal/catalog"
	"shencha/internal/review"
	"shencha/internal/store"
)

// script walks one case through the workflow, stopping at the first error.
type script struct {
	ctx    context.Context
	s      *store.Store
	f      *Fixture
	number string
	err    error
}

func (r *script) act(who string, act review.Action, in review.Input) *script {
	if r.err == nil {
		if _, err := r.s.ApplyAction(r.ctx, r.f.Actors[who], r.number, act, in); err != nil {
			r.err = fmt.Errorf("demo case %s: %s by %s: %w", r.number, act, who, err)
		}
	}
	return r
}

func (r *script) do(fn func() error) *script {
	if r.err == nil {
		if err := fn(); err != nil {
			r.err = fmt.Errorf("demo case %s: %w", r.number, err)
		}
	}
	return r
}

// open starts a case; the script carries its number.
func open(ctx context.Context, s *store.Store, f *Fixture, who string, in review.NewCase) *script {
	r := &script{ctx: ctx, s: s, f: f}
	c, err := s.CreateCase(ctx, f.Actors[who], in)
	if err != nil {
		r.err = fmt.Errorf("demo: open case for %s: %w", who, err)
		return r
	}
	r.number = c.Number
	return r
}

// toEvaluation takes a submitted application to evaluation by a lab.
func (r *script) toEvaluation(applicant, lab string, m review.Method) *script {
	return r.act(applicant, review.ActSubmit, review.Input{}).
		act("office", review.ActBeginScreening, review.Input{}).
		act("office", review.ActAccept, review.Input{}).
		act("office", review.ActAssignLab, review.Input{LabOrgID: r.f.Orgs[lab].ID, Method: m, Declaration: Declaration(lab)}).
		act("office", review.ActBeginEvaluation, review.Input{})
}

// evaluated has the lab report, the provider commit and the office close
// the evaluation, then assigns the three experts.
func (r *script) evaluated(lab, provider string, findings map[string]catalog.Status, rec review.Outcome) *script {
	r.do(func() error { return Evaluate(r.ctx, r.s, r.f, r.number, lab, findings, rec) }).
		do(func() error { return Commit(r.ctx, r.s, r.f, r.number, provider) }).
		act("office", review.ActCompleteEvaluation, review.Input{})
	for _, e := range []string{"expert1", "expert2", "expert3"} {
		r.act("office", review.ActAssignExpert, review.Input{ExpertUserID: r.f.Users[e].ID, Declaration: Declaration(e)})
	}
	return r
}

func (r *script) opinion(expert string, rec review.Outcome, level review.RiskLevel, why string) *script {
	return r.act(expert, review.ActGiveOpinion, review.Input{Recommendation: rec, Rationale: why, Areas: Areas(level, why)})
}

// SeedCases walks cases through the workflow so the demo shows every stage:
// a published pass, an evaluation in progress, a CIIO declaration, an expert
// assessment, a committee deliberation, a conditional pass with an open
// condition and a published fail.
func SeedCases(ctx context.Context, s *store.Store, f *Fixture) error {
	cat, err := s.Catalog(ctx, "")
	if err != nil {
		return err
	}
	lab := CriteriaFor(cat, review.MethodLabTesting, 4)
	allMet := map[string]catalog.Status{}
	for _, id := range lab {
		allMet[id] = catalog.StatusMet
	}
	// notMet is allMet with one more criterion, of the given severity, not met.
	notMet := func(sev catalog.Severity) map[string]catalog.Status {
		m := maps.Clone(allMet)
		m[firstWith(cat, review.MethodLabTesting, sev)] = catalog.StatusNotMet
		return m
	}

	// 1. The router 3.1.0: reviewed, passed, published to the public register.
	r := open(ctx, s, f, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: f.Router.ID, VersionIDs: []int64{f.RouterV[0].ID}, Summary: "Application for review of the HX-9000 core router, firmware 3.1.0."}).
		toEvaluation("provider1", "lab1", review.MethodLabTesting).
		evaluated("lab1", "provider1", allMet, review.OutcomePass).
		opinion("expert1", review.OutcomePass, review.RiskLow, "Risks controlled; recommend pass.").
		opinion("expert2", review.OutcomePass, review.RiskLow, "No undeclared interfaces; updates signed.").
		opinion("expert3", review.OutcomePass, review.RiskLow, "Supply chain documented.").
		act("office", review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "Lab report and expert opinions support a pass."}).
		act("office", review.ActPublish, review.Input{Scope: review.ScopePublic})
	if r.err != nil {
		return r.err
	}

	// 2. The database: under evaluation by lab1, plan made, evidence coming in.
	r = open(ctx, s, f, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: f.Database.ID, VersionIDs: []int64{f.DBV[0].ID}, Summary: "TideDB 5.0.2 for use in energy dispatch systems."}).
		toEvaluation("provider1", "lab1", review.MethodLabTesting)
	r.do(func() error {
		v, err := s.Case(ctx, f.Actors["office"], r.number)
		if err != nil {
			return err
		}
		var items []store.PlanItem
		for _, id := range lab {
			items = append(items, store.PlanItem{CriterionID: id, Method: review.MethodLabTesting, AssignmentID: v.Assignments[0].ID})
		}
		_, err = s.AddPlanItems(ctx, f.Actors["office"], r.number, items)
		return err
	})
	if r.err != nil {
		return r.err
	}

	// 3. A CIIO declares a cloud procurement; the CII department has to determine.
	r = open(ctx, s, f, "ciio", review.NewCase{Trigger: review.TriggerCIIOProcurement,
		ProductID: f.Cloud.ID, VersionIDs: []int64{f.CloudV[0].ID},
		Procurement: &review.Procurement{Description: "Dispatch data platform on Lanyun Government Cloud", ContractRef: "NGP-2026-117"}}).
		act("ciio", review.ActDeclare, review.Input{})
	if r.err != nil {
		return r.err
	}

	// 4. The router 3.2.0: evaluated, two of three experts have given opinions.
	r = open(ctx, s, f, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: f.Router.ID, VersionIDs: []int64{f.RouterV[1].ID}, Summary: "HX-9000 firmware 3.2.0, new remote management module."}).
		toEvaluation("provider1", "lab1", review.MethodLabTesting).
		evaluated("lab1", "provider1", allMet, review.OutcomePass).
		opinion("expert1", review.OutcomePass, review.RiskLow, "Remote management module is declared and can be disabled.").
		opinion("expert2", review.OutcomeConditionalPass, review.RiskMedium, "Ask for a hardening guide for the new module.")
	if r.err != nil {
		return r.err
	}

	// Three more products, so each stage has its own subject.
	more := []struct {
		provider, name     string
		cat                review.Category
		service            bool
		purl, cpe, version string
	}{
		{"provider1", "Huaxin HX-S5700 Data Centre Switch", "core_network_equipment", false, "pkg:generic/huaxin/hx-s5700", "cpe:2.3:h:huaxin:hx-s5700", "2.0.4"},
		{"provider2", "Lanyun Object Storage Service", "cloud_services", true, "pkg:generic/lanyun/object-storage", "cpe:2.3:a:lanyun:object-storage", "1.4"},
		{"provider2", "Lanyun Identity Gateway", "cloud_services", true, "pkg:generic/lanyun/identity-gateway", "cpe:2.3:a:lanyun:identity-gateway", "3.0"},
	}
	var ps []review.Product
	var vs []review.Version
	for _, m := range more {
		p, v, err := product(ctx, s, f.Actors[m.provider], m.name, m.cat, m.service, m.purl, m.cpe, m.version)
		if err != nil {
			return err
		}
		ps, vs = append(ps, p), append(vs, v[0])
	}

	// 5. An important case: the association suggested reviewing the identity
	// gateway; it went to the committee, which is voting.
	r = open(ctx, s, f, "association", review.NewCase{Trigger: review.TriggerAssociationSuggestion,
		ProductID: ps[2].ID, VersionIDs: []int64{vs[2].ID}, Summary: "Identity gateway used across ministries; concerns about foreign control."}).
		act("association", review.ActSubmit, review.Input{}).
		act("office", review.ActBeginScreening, review.Input{}).
		act("office", review.ActAccept, review.Input{}).
		act("office", review.ActMarkImportant, review.Input{}).
		act("office", review.ActAssignLab, review.Input{LabOrgID: f.Orgs["lab1"].ID, Method: review.MethodBackground, Declaration: Declaration("lab1")}).
		act("office", review.ActBeginEvaluation, review.Input{}).
		evaluated("lab1", "provider2", map[string]catalog.Status{firstWith(cat, review.MethodBackground, catalog.SeverityCritical): catalog.StatusPartiallyMet}, review.OutcomeConditionalPass).
		opinion("expert1", review.OutcomeConditionalPass, review.RiskMedium, "Offshore fund holds a minority stake; require disclosure updates.").
		opinion("expert2", review.OutcomeConditionalPass, review.RiskMedium, "Control chain is domestic; monitor changes.").
		opinion("expert3", review.OutcomeFail, review.RiskHigh, "Offshore fund's rights are not fully disclosed.").
		act("office", review.ActReferToCommittee, review.Input{}).
		act("committee", review.ActCastVote, review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "Agree with the expert majority."})
	if r.err != nil {
		return r.err
	}

	// 6. The switch: conditional pass, published, a condition still open.
	r = open(ctx, s, f, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: ps[0].ID, VersionIDs: []int64{vs[0].ID}, Summary: "HX-S5700 switch for government data centres."}).
		toEvaluation("provider1", "lab1", review.MethodLabTesting).
		evaluated("lab1", "provider1", notMet(catalog.SeverityHigh), review.OutcomeConditionalPass).
		opinion("expert1", review.OutcomeConditionalPass, review.RiskMedium, "Fix the finding within six months.").
		opinion("expert2", review.OutcomeConditionalPass, review.RiskMedium, "Agree: conditional pass.").
		opinion("expert3", review.OutcomeConditionalPass, review.RiskLow, "Minor issue, conditional pass.").
		act("office", review.ActDecide, review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "One high-severity criterion not met; the provider commits to fix it.",
			Conditions: []review.Condition{{Text: "Ship firmware 2.0.5 closing the finding and submit the lab's retest report.", Due: "2027-05-31", SuspendIfOverdue: true}}}).
		act("office", review.ActPublish, review.Input{Scope: review.ScopePublic})
	if r.err != nil {
		return r.err
	}

	// 7. The object storage service: failed, published.
	r = open(ctx, s, f, "provider2", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: ps[1].ID, VersionIDs: []int64{vs[1].ID}, Summary: "Object storage for government cloud tenants."}).
		toEvaluation("provider2", "lab1", review.MethodLabTesting).
		evaluated("lab1", "provider2", notMet(catalog.SeverityCritical), review.OutcomeFail).
		opinion("expert1", review.OutcomeFail, review.RiskHigh, "Undeclared remote access path.").
		opinion("expert2", review.OutcomeFail, review.RiskHigh, "Critical criterion not met.").
		opinion("expert3", review.OutcomeFail, review.RiskHigh, "Agree: fail.").
		act("office", review.ActDecide, review.Input{Outcome: review.OutcomeFail, Rationale: "A critical criterion is not met."}).
		// Published to the parties only: the public log holds a commitment,
		// and procurers are still told not to buy it.
		act("office", review.ActPublish, review.Input{Scope: review.ScopeParties})
	return r.err
}

// firstWith names the first criterion of a severity that a method can
// establish.
func firstWith(cat *catalog.Catalog, m review.Method, sev catalog.Severity) string {
	for _, c := range cat.Criteria {
		if c.Severity == sev && slices.Contains(c.Methods, m) {
			return c.ID
		}
	}
	return ""
}
