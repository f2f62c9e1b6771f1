package store_test

import (
	"errors"
	"slices"
	"testing"

	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// TestNeedToKnow checks that a case's existence is known only to its parties
// (Art. 13): single reads answer not found to everyone else, lists leave it
// out, an ended assignment ends access at once, and lists and single reads
// agree for every demo actor.
func TestNeedToKnow(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))

			// A: provider1's router case, lab1 assigned, in evaluation.
			caseA := e.openRouter(t)
			e.toEvaluation(t, caseA)
			// B: an energy-sector CIIO declaration about the router.
			caseB := e.open(t, "ciio", review.NewCase{Trigger: review.TriggerCIIOProcurement, ProductID: e.f.Router.ID,
				VersionIDs: versionIDs(e.f.RouterV)[:1], Procurement: &review.Procurement{Description: "core routers for the grid backbone"}}).Number
			e.act(t, "ciio", caseB, review.ActDeclare, review.Input{})
			// C: the finance regulator opens a market-feedback review of the cloud.
			cv := e.open(t, "finance-regulator", review.NewCase{Trigger: review.TriggerMarketFeedback, ProductID: e.f.Cloud.ID,
				VersionIDs: versionIDs(e.f.CloudV), Summary: "outage reports from banks"})
			caseC := cv.Number
			if cv.Sector != "finance" || !sameSet(cv.Parties, []string{"office", "applicant"}) {
				t.Errorf("finance case: sector %q relations %v", cv.Sector, cv.Parties)
			}
			e.act(t, "finance-regulator", caseC, review.ActSubmit, review.Input{})
			// D: the industry association suggests reviewing the database.
			caseD := e.open(t, "association", review.NewCase{Trigger: review.TriggerAssociationSuggestion, ProductID: e.f.Database.ID,
				VersionIDs: versionIDs(e.f.DBV)}).Number
			e.act(t, "association", caseD, review.ActSubmit, review.Input{})
			// E: a second router case, referred to the committee with three experts.
			caseE := e.openRouter(t)
			e.toEvaluation(t, caseE)
			e.toOpinions(t, caseE)
			e.act(t, "office", caseE, review.ActMarkImportant, review.Input{})
			e.act(t, "office", caseE, review.ActReferToCommittee, review.Input{})
			all := []string{caseA, caseB, caseC, caseD, caseE}

			m, err := e.s.AddMaterial(e.ctx, e.actor(t, "provider1"), caseA, store.MaterialView{Digest: "sha256:00ff", Size: 2,
				Filename: "design.pdf", ContentType: "application/pdf"}, "127.0.0.1")
			if err != nil {
				t.Fatalf("provider1 adds material: %v", err)
			}

			outsiders := []string{"admin", "committee", "expert1", "lab2", "provider2", "ciio", "cii", "procurer", "finance-regulator", "association"}
			for _, who := range outsiders {
				_, err := e.s.Case(e.ctx, e.actor(t, who), caseA)
				reviewErr(t, err, review.KindNotFound, "not_found")
				if slices.Contains(e.listAll(t, who, 50), caseA) {
					t.Errorf("%s lists %s", who, caseA)
				}
				// Acting or reading material is no different from reading.
				_, err = e.s.ApplyAction(e.ctx, e.actor(t, who), caseA, review.ActSubmitReport, review.Input{Summary: "x", Recommendation: review.OutcomePass})
				reviewErr(t, err, review.KindNotFound, "not_found")
				_, err = e.s.OpenMaterial(e.ctx, e.actor(t, who), caseA, m.ID, "test")
				reviewErr(t, err, review.KindNotFound, "not_found")
			}
			_, err = e.s.Case(e.ctx, review.Actor{}, caseA)
			reviewErr(t, err, review.KindUnauthorized, "")
			_, err = e.s.ListCases(e.ctx, review.Actor{}, store.CaseFilter{})
			reviewErr(t, err, review.KindUnauthorized, "")
			_, err = e.s.Case(e.ctx, e.actor(t, "office"), "CSR-2026-9999")
			reviewErr(t, err, review.KindNotFound, "not_found")

			// The assigned lab sees the case and may read its material.
			if v := e.view(t, "lab1", caseA); !slices.Equal(v.Parties, []string{"assigned_lab"}) {
				t.Errorf("lab1's relations to %s: %v", caseA, v.Parties)
			}
			if !slices.Contains(e.listAll(t, "lab1", 50), caseA) {
				t.Errorf("lab1 does not list %s", caseA)
			}
			if _, err := e.s.OpenMaterial(e.ctx, e.actor(t, "lab1"), caseA, m.ID, "test"); err != nil {
				t.Errorf("lab1 opens material: %v", err)
			}

			want := map[string][]string{
				"admin": {}, "office": all, "committee": {caseE}, "committee2": {caseE}, "committee3": {caseE},
				"expert1": {caseE}, "expert2": {caseE}, "expert3": {caseE}, "expert4": {},
				"lab1": {caseA, caseE}, "lab2": {},
				"provider1": {caseA, caseB, caseD, caseE}, "provider2": {caseC},
				"ciio": {caseB}, "cii": {caseB}, "procurer": {},
				"finance-regulator": {caseC}, "association": {caseD},
			}
			e.checkAgreement(t, all, want)

			// Ending lab1's assignment ends its access at once.
			var asID int64
			for _, as := range e.view(t, "office", caseA).Assignments {
				if as.Kind == review.AssignLab && as.Lab != nil && as.Lab.ID == e.f.Orgs["lab1"].ID && as.EndedAt == "" {
					asID = as.ID
				}
			}
			if asID == 0 {
				t.Fatal("no active lab1 assignment on case A")
			}
			v := e.act(t, "office", caseA, review.ActEndAssignment, review.Input{AssignmentID: asID, Reason: "capacity"})
			if v.Assignments[0].EndedAt == "" || v.Assignments[0].EndedReason != "capacity" {
				t.Errorf("ended assignment: %+v", v.Assignments[0])
			}
			// A former assignee knew of the case; it is told its access ended.
			_, err = e.s.Case(e.ctx, e.actor(t, "lab1"), caseA)
			if re := reviewErr(t, err, review.KindForbidden, "assignment_ended"); re.Params["reason"] != "capacity" {
				t.Errorf("assignment_ended params: %v", re.Params)
			}
			_, err = e.s.OpenMaterial(e.ctx, e.actor(t, "lab1"), caseA, m.ID, "test")
			reviewErr(t, err, review.KindForbidden, "assignment_ended")
			_, err = e.s.AddMaterial(e.ctx, e.actor(t, "lab1"), caseA, store.MaterialView{Digest: "sha256:01", Size: 1, Filename: "late.pdf"}, "127.0.0.1")
			reviewErr(t, err, review.KindForbidden, "assignment_ended")
			// Ending it twice is refused.
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), caseA, review.ActEndAssignment, review.Input{AssignmentID: asID, Reason: "again"})
			reviewErr(t, err, review.KindInvalid, "field_invalid")

			want["lab1"] = []string{caseE}
			e.checkAgreement(t, all, want)

			// A lab can be assigned again, and sees the case again.
			e.act(t, "office", caseA, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID,
				Method: review.MethodDocumentary, Declaration: demo.Declaration("Director, lab1")})
			want["lab1"] = []string{caseA, caseE}
			e.checkAgreement(t, all, want)
		})
	}
}

// checkAgreement checks, for every demo actor, that its list holds exactly
// the expected cases, that every listed case reads, and that every case
// that reads is listed.
func (e *env) checkAgreement(t *testing.T, all []string, want map[string][]string) {
	t.Helper()
	for _, u := range demo.Users {
		who := u.Username
		expected, ok := want[who]
		if !ok {
			t.Errorf("no expectation for %s", who)
			continue
		}
		listed := e.listAll(t, who, 2)
		if !sameSet(listed, expected) {
			t.Errorf("%s lists %v, want %v", who, listed, expected)
		}
		if len(listed) != len(slices.Compact(slices.Sorted(slices.Values(listed)))) {
			t.Errorf("%s: a case listed twice: %v", who, listed)
		}
		for _, n := range listed {
			if _, err := e.s.Case(e.ctx, e.actor(t, who), n); err != nil {
				t.Errorf("%s lists %s but cannot read it: %v", who, n, err)
			}
		}
		for _, n := range all {
			_, err := e.s.Case(e.ctx, e.actor(t, who), n)
			switch {
			case err == nil && !slices.Contains(listed, n):
				t.Errorf("%s reads %s but does not list it", who, n)
			case err != nil && !review.IsKind(err, review.KindNotFound) && !isCode(err, "assignment_ended"):
				t.Errorf("%s reads %s: %v, want nil, not found or assignment ended", who, n, err)
			case err != nil && slices.Contains(listed, n):
				t.Errorf("%s lists %s but reading it fails: %v", who, n, err)
			}
		}
	}
}

func isCode(err error, code string) bool {
	var re *review.Error
	return errors.As(err, &re) && re.Code == code
}
