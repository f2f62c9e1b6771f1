package store_test

import (
	"slices"
	"sync"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// race runs fns at once (released together) and returns their errors.
func race(fns ...func() error) []error {
	errs := make([]error, len(fns))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks exactly one nil error and that every other is a
// conflict of an expected code; it returns the winner's index.
func oneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Errorf("two winners: %d and %d", winner, i)
			}
			winner = i
			continue
		}
		re := reviewErr(t, err, review.KindConflict, "")
		if re.Code != "illegal_transition" && re.Code != "concurrent_update" {
			t.Errorf("loser %d: %v, want illegal_transition or concurrent_update", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no winner: %v", errs)
	}
	return winner
}

func countEvents(v *store.CaseView, action string) int {
	n := 0
	for _, ev := range v.Events {
		if ev.Action == action {
			n++
		}
	}
	return n
}

func TestConcurrentAction(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 6, 1, 10))
			office := e.actor(t, "office")

			t.Run("same action", func(t *testing.T) {
				n := e.openRouter(t)
				e.toScreening(t, n)
				fns := make([]func() error, 8)
				for i := range fns {
					fns[i] = func() error {
						_, err := e.s.ApplyAction(e.ctx, office, n, review.ActAccept, review.Input{})
						return err
					}
				}
				oneWinner(t, race(fns...))
				v := e.view(t, "office", n)
				wantState(t, v, review.StateAccepted)
				if got := countEvents(v, "accept"); got != 1 {
					t.Errorf("%d accept events, want 1", got)
				}
				if got := e.auditRows(t, "case.accept", "case:"+n); len(got) != 1 {
					t.Errorf("%d case.accept audit rows, want 1", len(got))
				}
				// One review clock started, the screening clock stopped once.
				var reviews, screenings int
				for _, c := range v.Clocks {
					switch c.Name {
					case "review":
						reviews++
					case "screening":
						screenings++
						if c.Stopped == "" {
							t.Errorf("screening clock not stopped: %+v", c)
						}
					}
				}
				if reviews != 1 || screenings != 1 {
					t.Errorf("clocks after a contested accept: %+v", v.Clocks)
				}
			})

			t.Run("different actions", func(t *testing.T) {
				for round := range 4 {
					n := e.openRouter(t)
					e.toScreening(t, n)
					errs := race(
						func() error {
							_, err := e.s.ApplyAction(e.ctx, office, n, review.ActAccept, review.Input{})
							return err
						},
						func() error {
							_, err := e.s.ApplyAction(e.ctx, office, n, review.ActNotAccept, review.Input{Reason: "out of scope"})
							return err
						},
					)
					w := oneWinner(t, errs)
					v := e.view(t, "office", n)
					want := []review.State{review.StateAccepted, review.StateNotAccepted}[w]
					if v.State != want {
						t.Errorf("round %d: winner %d but state %s", round, w, v.State)
					}
					if countEvents(v, "accept")+countEvents(v, "not_accept") != 1 {
						t.Errorf("round %d: events %+v", round, v.Events)
					}
				}
			})

			t.Run("actions on different cases", func(t *testing.T) {
				var numbers []string
				for range 6 {
					n := e.openRouter(t)
					e.toScreening(t, n)
					numbers = append(numbers, n)
				}
				var fns []func() error
				for _, n := range numbers {
					fns = append(fns, func() error {
						_, err := e.s.ApplyAction(e.ctx, office, n, review.ActAccept, review.Input{})
						return err
					})
				}
				for i, err := range race(fns...) {
					if err != nil {
						t.Errorf("accept %s: %v (no contention between cases)", numbers[i], err)
					}
				}
			})

			t.Run("case numbers", func(t *testing.T) {
				provider := e.actor(t, "provider1")
				numbers := make([]string, 8)
				var fns []func() error
				for i := range numbers {
					fns = append(fns, func() error {
						v, err := e.s.CreateCase(e.ctx, provider, review.NewCase{Trigger: review.TriggerEnterpriseApplication,
							ProductID: e.f.Database.ID, VersionIDs: versionIDs(e.f.DBV)})
						if err == nil {
							numbers[i] = v.Number
						}
						return err
					})
				}
				for _, err := range race(fns...) {
					if err != nil {
						t.Fatalf("concurrent create: %v", err)
					}
				}
				seqs := make([]int, len(numbers))
				for i, n := range numbers {
					_, seq, err := review.ParseNumber(n)
					if err != nil {
						t.Fatalf("number %q: %v", n, err)
					}
					seqs[i] = seq
				}
				slices.Sort(seqs)
				for i := 1; i < len(seqs); i++ {
					if seqs[i] != seqs[i-1]+1 {
						t.Errorf("case numbers repeat or skip: %v", seqs)
						break
					}
				}
			})

			if _, err := e.s.VerifyAudit(e.ctx); err != nil {
				t.Errorf("audit chain after concurrent writes: %v", err)
			}
		})
	}
}
