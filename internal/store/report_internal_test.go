package store

import (
	"testing"
	"time"

	"shencha/internal/calendar"
)

// TestConditionStanding: met by the period's end, on time or late, else
// overdue or still open; a condition met after the period was unmet in it.
func TestConditionStanding(t *testing.T) {
	to, _ := calendar.ParseDate("2026-03-31")
	end := to.AddDays(1).Time().Add(-time.Microsecond)
	stamp := func(d string) string { x, _ := calendar.ParseDate(d); return ts(x.Time().Add(10 * time.Hour)) }
	for _, tc := range []struct{ due, met, metOn, standing string }{
		{"2026-02-28", stamp("2026-02-20"), "2026-02-20", ConditionMetOnTime},
		{"2026-02-28", stamp("2026-02-28"), "2026-02-28", ConditionMetOnTime},
		{"2026-02-28", stamp("2026-03-10"), "2026-03-10", ConditionMetLate},
		{"2026-02-28", "", "", ConditionOverdue},
		{"2026-02-28", stamp("2026-04-10"), "", ConditionOverdue},
		{"2026-03-31", "", "", ConditionOpen},
		{"2027-05-31", "", "", ConditionOpen},
	} {
		metOn, st := conditionStanding(tc.due, tc.met, end, to)
		if metOn != tc.metOn || st != tc.standing {
			t.Errorf("due %s met %q: %q %s, want %q %s", tc.due, tc.met, metOn, st, tc.metOn, tc.standing)
		}
	}
}
