package store_test

import (
	"slices"
	"testing"

	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// wantAllowed compares a view's allowed actions with a hand-written list
// (in table order).
func wantAllowed(t *testing.T, v *store.CaseView, who string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(v.AllowedActions, want) {
		t.Errorf("%s on %s in %s: allowed %v, want %v", who, v.Number, v.State, v.AllowedActions, want)
	}
}

func wantState(t *testing.T, v *store.CaseView, st review.State) {
	t.Helper()
	if v.State != st {
		t.Fatalf("case %s is %s, want %s", v.Number, v.State, st)
	}
}

func TestHappyPath(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 3, 2, 10))
			auditBefore, err := e.s.VerifyAudit(e.ctx)
			if err != nil || auditBefore == 0 {
				t.Fatalf("audit after seed: %d rows, %v", auditBefore, err)
			}

			// provider1 opens a case on both router versions.
			v := e.open(t, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: e.f.Router.ID, VersionIDs: versionIDs(e.f.RouterV), Summary: "HX-9000 for state networks"})
			n := v.Number
			wantState(t, v, review.StateDraft)
			wantAllowed(t, v, "provider1", "submit", "upload_material", "withdraw")
			if !slices.Equal(v.Parties, []string{"applicant", "provider"}) {
				t.Errorf("provider1's relations %v, want [applicant provider]", v.Parties)
			}
			if len(v.Versions) != 2 || v.Product.ID != e.f.Router.ID || v.Sector != "" {
				t.Errorf("new case: versions %+v product %+v sector %q", v.Versions, v.Product, v.Sector)
			}

			v = e.step(t, 1, "provider1", n, review.ActSubmit, review.Input{})
			submitted := e.clk.Today()
			wantState(t, v, review.StateSubmitted)
			wantAllowed(t, v, "provider1", "withdraw")
			wantAllowed(t, e.view(t, "office", n), "office", "begin_screening", "end_assignment", "mark_important", "extend_clock", "terminate")
			if c := clockOf(t, v, "screening"); !c.Running || c.Budget != 10 || c.Started != submitted.String() {
				t.Errorf("screening clock after submit: %+v", c)
			}

			v = e.step(t, 1, "office", n, review.ActBeginScreening, review.Input{})
			wantState(t, v, review.StateScreening)
			wantAllowed(t, v, "office", "mark_incomplete", "accept", "not_accept", "end_assignment", "upload_material", "mark_important", "extend_clock", "terminate")

			v = e.step(t, 1, "office", n, review.ActAccept, review.Input{})
			wantState(t, v, review.StateAccepted)
			wantAllowed(t, v, "office", "assign_lab", "assign_expert", "end_assignment", "upload_material", "mark_important", "mark_complex", "extend_clock", "terminate")
			if c := clockOf(t, v, "screening"); c.Running || c.Stopped != e.clk.Today().String() {
				t.Errorf("screening clock after accept: %+v", c)
			}
			if c := clockOf(t, v, "review"); !c.Running || c.Budget != 30 {
				t.Errorf("review clock after accept: %+v", c)
			}

			v = e.step(t, 1, "office", n, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID,
				Method: review.MethodLabTesting, Declaration: demo.Declaration("Director, lab1")})
			wantAllowed(t, v, "office", "assign_lab", "assign_expert", "end_assignment", "begin_evaluation", "upload_material", "mark_important", "mark_complex", "extend_clock", "terminate")
			if len(v.Assignments) != 1 || v.Assignments[0].Lab == nil || v.Assignments[0].Lab.ID != e.f.Orgs["lab1"].ID {
				t.Errorf("assignments after assign_lab: %+v", v.Assignments)
			}

			v = e.step(t, 1, "office", n, review.ActBeginEvaluation, review.Input{})
			wantState(t, v, review.StateEvaluation)
			lv := e.view(t, "lab1", n)
			wantAllowed(t, lv, "lab1", "upload_material", "submit_report")
			if !slices.Equal(lv.Parties, []string{"assigned_lab"}) {
				t.Errorf("lab1's relations %v", lv.Parties)
			}

			digest := "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
			m, err := e.s.AddMaterial(e.ctx, e.actor(t, "lab1"), n, store.MaterialView{Digest: digest, Size: 4,
				Filename: "test-report.pdf", ContentType: "application/pdf"}, "127.0.0.1")
			if err != nil {
				t.Fatalf("lab1 adds material: %v", err)
			}
			if m.ID == 0 || m.UploadedBy != "lab1" || m.UploadedAt == "" {
				t.Errorf("material: %+v", m)
			}
			if ms := e.view(t, "office", n).Materials; len(ms) != 1 || ms[0].Digest != digest || ms[0].UploadedBy != "lab1" {
				t.Errorf("materials as office: %+v", ms)
			}
			if got, err := e.s.OpenMaterial(e.ctx, e.actor(t, "office"), n, m.ID, "127.0.0.1"); err != nil || got.Digest != digest {
				t.Errorf("office opens material: %+v, %v", got, err)
			}
			if rows := e.auditRows(t, "material.read", "case:"+n); len(rows) != 1 || rows[0].Actor != "office" {
				t.Errorf("material.read audit rows: %+v", rows)
			}

			// Before the report the evaluation cannot close.
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), n, review.ActCompleteEvaluation, review.Input{})
			reviewErr(t, err, review.KindConflict, "guard_failed")

			e.report(t, n, nil)
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "lab1"), n, review.ActSubmitReport, review.Input{Summary: "again", Recommendation: review.OutcomePass, Signature: "AAAA"})
			reviewErr(t, err, review.KindConflict, "already_done")
			wantAllowed(t, e.view(t, "office", n), "office", "assign_lab", "assign_expert", "end_assignment", "upload_material",
				"request_supplement", "complete_evaluation", "mark_important", "mark_complex", "extend_clock", "terminate")

			v = e.step(t, 1, "office", n, review.ActCompleteEvaluation, review.Input{})
			wantState(t, v, review.StateExpertAssessment)
			for _, x := range []string{"expert1", "expert2", "expert3"} {
				e.act(t, "office", n, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users[x].ID, Declaration: demo.Declaration(x)})
			}
			wantAllowed(t, e.view(t, "expert1", n), "expert1", "give_opinion", "recuse")
			// The provider does not learn who the experts are.
			pv := e.view(t, "provider1", n)
			for _, as := range pv.Assignments {
				if as.Kind == review.AssignExpert {
					t.Errorf("provider1 sees an expert assignment: %+v", as)
				}
			}
			for _, ev := range pv.Events {
				if ev.Actor != "" || ev.Action == string(review.ActAssignExpert) {
					t.Errorf("provider1 sees an inner event: %+v", ev)
				}
			}
			for _, x := range []string{"expert1", "expert2", "expert3"} {
				e.step(t, 1, x, n, review.ActGiveOpinion, opinion(review.OutcomePass))
			}
			wantAllowed(t, e.view(t, "office", n), "office", "assign_expert", "end_assignment", "decide", "mark_important", "mark_complex", "extend_clock", "terminate")

			// Not referred yet: the committee does not know the case.
			_, err = e.s.Case(e.ctx, e.actor(t, "committee"), n)
			reviewErr(t, err, review.KindNotFound, "")

			v = e.act(t, "office", n, review.ActMarkImportant, review.Input{})
			if !v.Important {
				t.Error("not important after mark_important")
			}
			wantAllowed(t, v, "office", "assign_expert", "end_assignment", "refer_to_committee", "mark_complex", "extend_clock", "terminate")
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), n, review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "x"})
			if re := reviewErr(t, err, review.KindConflict, "guard_failed"); !slices.Contains(re.Allowed, "refer_to_committee") {
				t.Errorf("guard failure names allowed %v, want refer_to_committee among them", re.Allowed)
			}

			v = e.step(t, 1, "office", n, review.ActReferToCommittee, review.Input{})
			wantState(t, v, review.StateDeliberation)
			wantAllowed(t, v, "office", "end_assignment", "extend_clock", "terminate")
			wantAllowed(t, e.view(t, "committee", n), "committee", "cast_vote", "extend_clock")
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), n, review.ActMarkImportant, review.Input{})
			reviewErr(t, err, review.KindConflict, "illegal_transition")

			for _, m := range []string{"committee", "committee2", "committee3"} {
				e.act(t, m, n, review.ActCastVote, review.Input{Outcome: review.OutcomePass, Rationale: "meets the requirements"})
			}
			// One vote per member: it is no longer offered once cast.
			wantAllowed(t, e.view(t, "committee", n), "committee", "committee_decide", "extend_clock")
			v = e.step(t, 2, "committee", n, review.ActCommitteeDecide, review.Input{Outcome: review.OutcomePass, Rationale: "meets the requirements"})
			wantState(t, v, review.StateDecided)
			if v.Decision == nil || v.Decision.Outcome != review.OutcomePass || v.Decision.PublishedAt != "" {
				t.Errorf("decision: %+v", v.Decision)
			}
			wantAllowed(t, e.view(t, "office", n), "office", "end_assignment", "publish", "extend_clock", "terminate")
			// Decided but unpublished: the register does not show it yet.
			anon := review.Actor{}
			ans, err := e.s.Listings(e.ctx, anon, store.ListingQuery{PURL: "pkg:generic/huaxin/hx-9000@3.1.0"})
			if err != nil || len(ans) != 1 || ans[0].Status != review.ListingUnderReview {
				t.Fatalf("listing before publication: %+v, %v", ans, err)
			}

			v = e.step(t, 1, "office", n, review.ActPublish, review.Input{Scope: review.ScopePublic})
			published := e.clk.Today()
			wantState(t, v, review.StatePublished)
			wantAllowed(t, v, "office")
			if v.Decision == nil || v.Decision.Scope != review.ScopePublic || v.Decision.PublishedAt == "" {
				t.Errorf("decision after publish: %+v", v.Decision)
			}
			wantEvents := []string{"open", "submit", "begin_screening", "accept", "assign_lab", "begin_evaluation", "upload_material",
				"add_evidence", "submit_report", "submit_commitment", "complete_evaluation", "assign_expert", "assign_expert", "assign_expert", "give_opinion", "give_opinion",
				"give_opinion", "mark_important", "refer_to_committee", "cast_vote", "cast_vote", "cast_vote", "committee_decide", "publish"}
			var gotEvents []string
			for _, ev := range v.Events {
				gotEvents = append(gotEvents, ev.Action)
			}
			if !slices.Equal(gotEvents, wantEvents) {
				t.Errorf("timeline %v\nwant     %v", gotEvents, wantEvents)
			}
			for _, c := range v.Clocks {
				if c.Running {
					t.Errorf("clock still running after publication: %+v", c)
				}
			}

			// The register, as the anonymous public sees it.
			listing := func(asOf string) store.ListingAnswer {
				t.Helper()
				ans, err := e.s.Listings(e.ctx, anon, store.ListingQuery{PURL: "pkg:generic/huaxin/hx-9000@3.1.0", AsOf: asOf})
				if err != nil || len(ans) != 1 {
					t.Fatalf("listing as of %q: %+v, %v", asOf, ans, err)
				}
				return ans[0]
			}
			now := listing("")
			if now.Status != review.ListingPassed || !now.Preferred || now.MustNotProcure || now.Case != n ||
				now.Scope != review.ScopePublic || now.Version != "3.1.0" || now.ListingID == 0 {
				t.Errorf("listing now: %+v", now)
			}
			if got := listing(published.String()); got.Status != review.ListingPassed {
				t.Errorf("as of publication day %s: %s", published, got.Status)
			}
			for _, d := range []string{submitted.String(), submitted.AddDays(5).String(), published.AddDays(-1).String()} {
				if got := listing(d); got.Status != review.ListingUnderReview || got.Preferred {
					t.Errorf("as of %s (under review): %s preferred=%v", d, got.Status, got.Preferred)
				}
			}
			if got := listing(submitted.AddDays(-1).String()); got.Status != review.ListingNotReviewed {
				t.Errorf("as of %s (before submission): %s", submitted.AddDays(-1), got.Status)
			}
			all, err := e.s.Listings(e.ctx, anon, store.ListingQuery{PURL: "pkg:generic/huaxin/hx-9000"})
			if err != nil || len(all) != 2 || all[0].Status != review.ListingPassed || all[1].Status != review.ListingPassed {
				t.Errorf("both versions: %+v, %v", all, err)
			}
			// A version the register does not know is answered as never reviewed.
			if ans, err := e.s.Listings(e.ctx, anon, store.ListingQuery{PURL: "pkg:generic/huaxin/hx-9000@9.9.9"}); err != nil || len(ans) != 1 ||
				ans[0].Status != review.ListingNotReviewed || ans[0].PURL != "pkg:generic/huaxin/hx-9000@9.9.9" || ans[0].ListingID != 0 {
				t.Errorf("unknown version: %+v, %v", ans, err)
			}

			// The CIIO route: declared, then found not to need a review.
			e.clk.AddDays(1)
			cv := e.open(t, "ciio", review.NewCase{Trigger: review.TriggerCIIOProcurement, ProductID: e.f.Database.ID,
				VersionIDs: versionIDs(e.f.DBV), Procurement: &review.Procurement{Description: "distributed database for grid dispatch",
					ContractRef: "NGP-2026-017", Value: "CNY 12,000,000"}})
			cn := cv.Number
			wantState(t, cv, review.StateDraft)
			wantAllowed(t, cv, "ciio", "declare", "upload_material", "withdraw")
			if cv.Sector != "energy" || cv.Procurement == nil || cv.Procurement.Description != "distributed database for grid dispatch" ||
				cv.Procurement.CIIO.ID != e.f.Orgs["ciio"].ID {
				t.Errorf("ciio case: sector %q procurement %+v", cv.Sector, cv.Procurement)
			}
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "ciio"), cn, review.ActSubmit, review.Input{})
			reviewErr(t, err, review.KindConflict, "guard_failed")
			_, err = e.s.Case(e.ctx, e.actor(t, "cii"), n)
			reviewErr(t, err, review.KindNotFound, "")

			cv = e.step(t, 1, "ciio", cn, review.ActDeclare, review.Input{})
			wantState(t, cv, review.StateDetermination)
			if c := clockOf(t, cv, "determination"); !c.Running || c.Budget != 10 {
				t.Errorf("determination clock: %+v", c)
			}
			wantAllowed(t, e.view(t, "cii", cn), "cii", "determine_required", "determine_not_required")
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "cii"), cn, review.ActDetermineNotRequired, review.Input{})
			if re := reviewErr(t, err, review.KindInvalid, "field_required"); re.Field != "rationale" {
				t.Errorf("missing rationale names field %q", re.Field)
			}
			cv = e.step(t, 2, "cii", cn, review.ActDetermineNotRequired, review.Input{Rationale: "domestic product, no cross-border data"})
			wantState(t, cv, review.StateNotRequired)
			if !cv.State.Closed() {
				t.Error("not_required is not closed")
			}
			wantAllowed(t, cv, "cii")
			wantAllowed(t, e.view(t, "ciio", cn), "ciio")
			if cv.Procurement == nil || cv.Procurement.Determination != "not_required" || cv.Procurement.DeterminedAt == "" {
				t.Errorf("determination: %+v", cv.Procurement)
			}
			if c := clockOf(t, cv, "determination"); c.Running || c.Stopped == "" {
				t.Errorf("determination clock after closing: %+v", c)
			}
			db, err := e.s.Listings(e.ctx, anon, store.ListingQuery{PURL: "pkg:generic/huaxin/tidedb@5.0.2"})
			if err != nil || len(db) != 1 || db[0].Status != review.ListingNotReviewed {
				t.Errorf("database after a closed CIIO case: %+v, %v", db, err)
			}

			auditAfter, err := e.s.VerifyAudit(e.ctx)
			if err != nil {
				t.Fatalf("verify audit: %v", err)
			}
			// 2 opens, 17 + 2 successful actions, a material added and read,
			// 2 listings; the evaluation's plan, evidence (added and read
			// back), 3 findings and the commitment; 3 votes. The refused
			// attempts leave nothing.
			if auditAfter != auditBefore+35 {
				t.Errorf("audit rows %d → %d, want exactly 35 more", auditBefore, auditAfter)
			}
			for _, want := range []struct {
				action, subject string
				n               int
			}{{"case.open", "case:" + n, 1}, {"case.publish", "case:" + n, 1}, {"case.committee_decide", "case:" + n, 1},
				{"material.add", "case:" + n, 1}, {"case.determine_not_required", "case:" + cn, 1}} {
				if got := e.auditRows(t, want.action, want.subject); len(got) != want.n {
					t.Errorf("audit %s %s: %d rows, want %d", want.action, want.subject, len(got), want.n)
				}
			}
			if got := e.auditRows(t, "listing.publish", ""); len(got) != 2 {
				t.Errorf("listing.publish audit rows: %d, want 2", len(got))
			}
		})
	}
}
