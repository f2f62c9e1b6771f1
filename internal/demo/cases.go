package demo

import (
	"context"
	"fmt"

	"shencha/internal/review"
	"shencha/internal/store"
)

// SeedCases walks a few cases through the workflow so the demo shows a
// register entry, a review in progress and a CIIO declaration waiting.
func SeedCases(ctx context.Context, s *store.Store, f *Fixture) error {
	step := func(who, number string, act review.Action, in review.Input) error {
		if _, err := s.ApplyAction(ctx, f.Actors[who], number, act, in); err != nil {
			return fmt.Errorf("demo case %s %s by %s: %w", number, act, who, err)
		}
		return nil
	}
	// 1. The router 3.1.0: reviewed, passed, published to the public register.
	c, err := s.CreateCase(ctx, f.Actors["provider1"], review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: f.Router.ID, VersionIDs: []int64{f.RouterV[0].ID}, Summary: "Application for review of the HX-9000 core router, firmware 3.1.0."})
	if err != nil {
		return err
	}
	n := c.Number
	steps := []struct {
		who string
		act review.Action
		in  review.Input
	}{
		{"provider1", review.ActSubmit, review.Input{}},
		{"office", review.ActBeginScreening, review.Input{}},
		{"office", review.ActAccept, review.Input{}},
		{"office", review.ActAssignLab, review.Input{LabOrgID: f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: Declaration("lab1")}},
		{"office", review.ActBeginEvaluation, review.Input{}},
		{"lab1", review.ActSubmitReport, review.Input{Summary: "Firmware 3.1.0 tested: no undeclared remote access, updates signed.", Recommendation: review.OutcomePass}},
		{"office", review.ActCompleteEvaluation, review.Input{}},
	}
	for _, e := range []string{"expert1", "expert2", "expert3"} {
		steps = append(steps, struct {
			who string
			act review.Action
			in  review.Input
		}{"office", review.ActAssignExpert, review.Input{ExpertUserID: f.Users[e].ID, Declaration: Declaration(e)}})
	}
	for _, e := range []string{"expert1", "expert2", "expert3"} {
		steps = append(steps, struct {
			who string
			act review.Action
			in  review.Input
		}{e, review.ActGiveOpinion, review.Input{Summary: "Risks controlled; recommend pass.", Recommendation: review.OutcomePass}})
	}
	steps = append(steps,
		struct {
			who string
			act review.Action
			in  review.Input
		}{"office", review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "Lab report and expert opinions support a pass."}},
		struct {
			who string
			act review.Action
			in  review.Input
		}{"office", review.ActPublish, review.Input{Scope: review.ScopePublic}})
	for _, st := range steps {
		if err := step(st.who, n, st.act, st.in); err != nil {
			return err
		}
	}
	// 2. The database: under evaluation by lab1.
	c, err = s.CreateCase(ctx, f.Actors["provider1"], review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: f.Database.ID, VersionIDs: []int64{f.DBV[0].ID}, Summary: "TideDB 5.0.2 for use in energy dispatch systems."})
	if err != nil {
		return err
	}
	for _, st := range steps[:5] {
		if err := step(st.who, c.Number, st.act, st.in); err != nil {
			return err
		}
	}
	// 3. A CIIO declares a cloud procurement; the CII department has to determine.
	c, err = s.CreateCase(ctx, f.Actors["ciio"], review.NewCase{Trigger: review.TriggerCIIOProcurement,
		ProductID: f.Cloud.ID, VersionIDs: []int64{f.CloudV[0].ID},
		Procurement: &review.Procurement{Description: "Dispatch data platform on Lanyun Government Cloud", ContractRef: "NGP-2026-117"}})
	if err != nil {
		return err
	}
	return step("ciio", c.Number, review.ActDeclare, review.Input{})
}
