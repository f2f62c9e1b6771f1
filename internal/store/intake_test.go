package store_test

import (
	"reflect"
	"testing"
	"time"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// TestIntakeQueue: the office's queue holds the submitted cases and those
// under screening, the longest waiting first, with the screening clock's
// deadline; drafts, cases paused for material and accepted ones are not in
// it. Pages of one case walk the whole queue; other roles are refused.
func TestIntakeQueue(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be, at(2026, 6, 1, 10))
			draft, later, earlier, paused, accepted := e.openRouter(t), e.openRouter(t), e.openRouter(t), e.openRouter(t), e.openRouter(t)
			// earlier is submitted (and screened) before later, though opened after it.
			e.toScreening(t, earlier)
			e.step(t, 1, "provider1", later, review.ActSubmit, review.Input{})
			e.toScreening(t, paused)
			e.step(t, 0, "office", paused, review.ActMarkIncomplete, review.Input{Items: "the SBOM"})
			e.toScreening(t, accepted)
			e.step(t, 0, "office", accepted, review.ActAccept, review.Input{})

			office := e.actor(t, "office")
			page, err := e.s.IntakeQueue(e.ctx, office, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				got = append(got, it.Number)
			}
			if want := []string{earlier, later}; !reflect.DeepEqual(got, want) || page.Total != 2 || page.Next != "" {
				t.Fatalf("queue %v total %d next %q, want %v (not %s, %s, %s)", got, page.Total, page.Next, want, draft, paused, accepted)
			}
			first := page.Items[0]
			if first.State != review.StateScreening || page.Items[1].State != review.StateSubmitted || first.SubmittedAt == "" {
				t.Errorf("states: %+v", page.Items)
			}
			if len(first.Clocks) != 1 || first.Clocks[0].Name != "screening" || first.Clocks[0].Deadline == "" {
				t.Errorf("%s's clocks: %+v, want the running screening clock with its deadline", earlier, first.Clocks)
			}

			// A page of one: the cursor leads to the second and last.
			p1, err := e.s.IntakeQueue(e.ctx, office, "", 1)
			if err != nil || len(p1.Items) != 1 || p1.Items[0].Number != earlier || p1.Next == "" || p1.Total != 2 {
				t.Fatalf("page 1: %+v %v", p1, err)
			}
			p2, err := e.s.IntakeQueue(e.ctx, office, p1.Next, 1)
			if err != nil || len(p2.Items) != 1 || p2.Items[0].Number != later || p2.Next != "" {
				t.Fatalf("page 2: %+v %v", p2, err)
			}

			// A sector regulator sees only its sector's cases: none here.
			if p, err := e.s.IntakeQueue(e.ctx, e.actor(t, "finance-regulator"), "", 50); err != nil || len(p.Items) != 0 || p.Total != 0 {
				t.Errorf("finance regulator: %+v %v", p, err)
			}
			for _, who := range []string{"provider1", "lab1", "admin", "committee"} {
				_, err := e.s.IntakeQueue(e.ctx, e.actor(t, who), "", 50)
				reviewErr(t, err, review.KindForbidden, "forbidden")
			}
			_, err = e.s.IntakeQueue(e.ctx, review.Actor{}, "", 50)
			reviewErr(t, err, review.KindUnauthorized, "")
			_, err = e.s.IntakeQueue(e.ctx, office, "not-a-cursor", 50)
			if re := reviewErr(t, err, review.KindInvalid, "field_invalid"); re.Field != "cursor" {
				t.Errorf("bad cursor names %q", re.Field)
			}
		})
	}
}

// TestCasesPerMonth: cases opened and closed are counted in the month of
// China time they happened in, the last twelve months only, and only the
// cases the actor may see.
func TestCasesPerMonth(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be, at(2025, 6, 30, 10))
			tooOld := e.openRouter(t)
			// 00:30 on 1 July in China is still 30 June in UTC.
			e.clk.Set(time.Date(2025, 7, 1, 0, 30, 0, 0, cst))
			july := e.openRouter(t)
			e.clk.Set(at(2026, 3, 10, 10))
			e.openRouter(t)
			e.act(t, "provider1", tooOld, review.ActWithdraw, review.Input{})
			e.clk.Set(at(2026, 6, 1, 10))
			e.act(t, "provider1", july, review.ActWithdraw, review.Input{})

			want := map[string]store.MonthCount{
				"2025-07": {Month: "2025-07", Opened: 1},
				"2026-03": {Month: "2026-03", Opened: 1, Closed: 1},
				"2026-06": {Month: "2026-06", Closed: 1},
			}
			for _, who := range []string{"office", "provider1"} {
				got, err := e.s.CasesPerMonth(e.ctx, e.actor(t, who), 12)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 12 || got[0].Month != "2025-07" || got[11].Month != "2026-06" {
					t.Fatalf("%s: months %+v", who, got)
				}
				for _, m := range got {
					w, ok := want[m.Month]
					if !ok {
						w = store.MonthCount{Month: m.Month}
					}
					if m != w {
						t.Errorf("%s %s: %+v, want %+v", who, m.Month, m, w)
					}
				}
			}
			got, err := e.s.CasesPerMonth(e.ctx, e.actor(t, "provider2"), 12)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range got {
				if m.Opened != 0 || m.Closed != 0 {
					t.Errorf("provider2 counts another provider's case: %+v", m)
				}
			}
			_, err = e.s.CasesPerMonth(e.ctx, e.actor(t, "office"), 0)
			reviewErr(t, err, review.KindInvalid, "field_out_of_range")
		})
	}
}

// TestDeclaredTies: the admin's declared tie is listed for the admin and
// the office, and for no one else.
func TestDeclaredTies(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be, at(2026, 6, 1, 10))
			before, err := e.s.DeclaredTies(e.ctx, e.actor(t, "office"))
			if err != nil {
				t.Fatal(err)
			}
			tie, err := e.s.CreateTie(e.ctx, e.actor(t, "admin"), review.Tie{LabOrgID: e.f.Orgs["lab2"].ID, ProviderOrgID: e.f.Orgs["provider2"].ID,
				Kind: review.TieConsulting, Note: "advised on the 2025 audit"})
			if err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{"admin", "office"} {
				list, err := e.s.DeclaredTies(e.ctx, e.actor(t, who))
				if err != nil || len(list) != len(before)+1 || !reflect.DeepEqual(list[len(list)-1], tie) {
					t.Errorf("%s: %+v %v, want the new tie %+v last", who, list, err, tie)
				}
			}
			_, err = e.s.DeclaredTies(e.ctx, e.actor(t, "lab1"))
			reviewErr(t, err, review.KindForbidden, "forbidden")
		})
	}
}
