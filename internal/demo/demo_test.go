package demo

import (
	"context"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/calendar"
	"shencha/internal/review"
	"shencha/internal/storetest"
)

func TestSeed(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := storetest.Open(t, b)
			f, err := Seed(context.Background(), s, DefaultPassword, auth.Cheap)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range Users {
				if f.Users[u.Username].ID == 0 || string(f.Users[u.Username].Role) != u.Role {
					t.Errorf("user %s: %+v", u.Username, f.Users[u.Username])
				}
			}
			if f.Actors["ciio"].Sector != "energy" || f.Actors["finance-regulator"].Sector != "finance" {
				t.Errorf("sectors: %+v %+v", f.Actors["ciio"], f.Actors["finance-regulator"])
			}
			if _, err := s.VerifyAudit(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSeedCases walks the demo cases through the workflow on both
// databases and checks each stands where the demo says.
func TestSeedCases(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, b)
			f, err := Seed(ctx, s, DefaultPassword, auth.Cheap)
			if err != nil {
				t.Fatal(err)
			}
			if err := SeedCases(ctx, s, f); err != nil {
				t.Fatal(err)
			}
			want := []struct {
				state   review.State
				outcome review.Outcome
				rule    review.Outcome
			}{
				{review.StatePublished, review.OutcomePass, review.OutcomePass},
				{review.StateEvaluation, "", ""},
				{review.StateDetermination, "", ""},
				{review.StateExpertAssessment, "", review.OutcomePass},
				{review.StateDeliberation, "", review.OutcomeConditionalPass},
				{review.StatePublished, review.OutcomeConditionalPass, review.OutcomeConditionalPass},
				{review.StatePublished, review.OutcomeFail, review.OutcomeFail},
			}
			for i, w := range want {
				n := review.FormatNumber(s.Now().In(calendar.Location()).Year(), i+1)
				v, err := s.Case(ctx, f.Actors["office"], n)
				if err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				if v.State != w.state {
					t.Errorf("%s: state %s, want %s", n, v.State, w.state)
				}
				if w.outcome != "" && (v.Decision == nil || v.Decision.Outcome != w.outcome || v.Decision.Recommendation != w.rule) {
					t.Errorf("%s: decision %+v, want %s (rule %s)", n, v.Decision, w.outcome, w.rule)
				}
				if w.outcome == "" && w.rule != "" {
					a, err := s.Assessment(ctx, f.Actors["office"], n)
					if err != nil || a.Recommendation != w.rule {
						t.Errorf("%s: rule recommendation %+v, %v; want %s", n, a, err, w.rule)
					}
				}
			}
			// The conditional pass has an open condition that suspends the listing when overdue.
			v, _ := s.Case(ctx, f.Actors["office"], review.FormatNumber(s.Now().In(calendar.Location()).Year(), 6))
			if v == nil || v.Decision == nil || len(v.Decision.Conditions) != 1 || v.Decision.Conditions[0].MetAt != "" || !v.Decision.Conditions[0].SuspendIfOverdue {
				t.Errorf("case 6 conditions: %+v", v)
			}
			// The committee case has a vote in.
			votes, _, err := s.Votes(ctx, f.Actors["committee"], review.FormatNumber(s.Now().In(calendar.Location()).Year(), 5))
			if err != nil || len(votes) != 1 {
				t.Errorf("case 5 votes: %+v, %v", votes, err)
			}
			if _, err := s.VerifyAudit(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
