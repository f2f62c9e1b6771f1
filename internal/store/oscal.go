package store

import (
	"context"
	"database/sql"
	"time"

	"shencha/internal/oscal"
	"shencha/internal/review"
)

// OSCALAssessment gathers a case's evaluation for an OSCAL
// assessment-results export: the plan, the findings and the evidence they
// cite. It is for the office, the experts and the committee.
func (s *Store) OSCALAssessment(ctx context.Context, a review.Actor, number string) (*oscal.Assessment, error) {
	c, p, err := s.reviewerCase(ctx, a, number)
	if err != nil {
		return nil, err
	}
	if p&(review.PartyOffice|review.PartyExpert|review.PartyCommittee) == 0 {
		return nil, review.Forbidden("export")
	}
	cat, err := s.caseCatalog(ctx, c)
	if err != nil {
		return nil, err
	}
	v, err := s.view(ctx, a, c)
	if err != nil {
		return nil, err
	}
	out := &oscal.Assessment{CaseNumber: c.Number, Title: "Cybersecurity review " + c.Number + ": " + v.Product.Name,
		Catalog: cat, Start: c.CreatedAt, Generated: s.Now().UTC().Truncate(time.Second)}
	for _, ev := range v.Events {
		if ev.Action == string(review.ActBeginEvaluation) {
			out.Start = parseTS(ev.At)
		}
		if ev.Action == string(review.ActCompleteEvaluation) {
			out.End = parseTS(ev.At)
		}
	}
	party := map[int64]string{}
	for _, as := range v.Assignments {
		if as.Lab != nil && party[as.Lab.ID] == "" {
			party[as.Lab.ID] = "org-" + itoa(as.Lab.ID)
			out.Parties = append(out.Parties, oscal.Party{ID: party[as.Lab.ID], Name: as.Lab.Name, Type: "organization"})
		}
	}
	byAssignment := map[int64]string{}
	for _, as := range c.Assignments {
		byAssignment[as.ID] = party[as.LabOrgID]
	}
	plan, err := s.plan(ctx, s.r, c, a, p)
	if err != nil {
		return nil, err
	}
	for _, it := range plan {
		out.Plan = append(out.Plan, oscal.PlanItem{CriterionID: it.CriterionID, Method: it.Method, PartyID: byAssignment[it.AssignmentID]})
	}
	type idEvidence struct {
		id int64
		e  oscal.Evidence
	}
	evidence, err := queryAll(ctx, s.r, "oscal", `SELECT id, title, digest, method, submitted_at FROM evidence WHERE case_id = $1`, func(r *sql.Rows) (idEvidence, error) {
		var x idEvidence
		var at string
		err := r.Scan(&x.id, &x.e.Title, &x.e.Digest, &x.e.Method, &at)
		x.e.Collected = parseTS(at)
		return x, err
	}, c.ID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]oscal.Evidence{}
	for _, x := range evidence {
		byID[x.id] = x.e
	}
	findings, err := s.findings(ctx, s.r, c.ID, 0)
	if err != nil {
		return nil, err
	}
	for _, f := range findings {
		of := oscal.Finding{CriterionID: f.CriterionID, Status: f.Status, Rationale: f.Rationale, PartyID: byAssignment[f.AssignmentID]}
		for _, id := range f.Evidence {
			of.Evidence = append(of.Evidence, byID[id])
		}
		out.Findings = append(out.Findings, of)
	}
	return out, nil
}
