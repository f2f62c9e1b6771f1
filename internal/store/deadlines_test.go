package store_test

import (
	"reflect"
	"testing"

	"shencha/internal/storetest"
)

// TestDeadlinesMatchesCounting: the dashboard's query answers as counting
// and sorting every case would, for several users, whole and cut short,
// with a later case's clock overdue so that it comes first.
func TestDeadlinesMatchesCounting(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be, at(2026, 6, 1, 10))
			a, b, c := e.openRouter(t), e.openRouter(t), e.openRouter(t)
			e.toScreening(t, a)
			e.toEvaluation(t, b)
			e.toScreening(t, c)
			if _, err := e.s.DB().ExecContext(e.ctx, `UPDATE clocks SET overdue_at = '2026-06-01T10:00:00Z' WHERE stopped = '' AND case_id = (SELECT id FROM cases WHERE number = $1)`, c); err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{"office", "lab1", "provider1", "provider2"} {
				for _, limit := range []int{1, 2, 50} {
					want, err := e.s.DeadlinesByCounting(e.ctx, e.actor(t, who), limit)
					if err != nil {
						t.Fatal(err)
					}
					got, err := e.s.Deadlines(e.ctx, e.actor(t, who), limit)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s limit %d:\n got %+v\nwant %+v", who, limit, got, want)
					}
					if who == "office" && limit == 1 && (len(got) == 0 || got[0].Number != c) {
						t.Errorf("office limit 1: %+v, want %s first", got, c)
					}
				}
			}
		})
	}
}
