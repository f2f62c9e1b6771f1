package store_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"shencha/internal/store"
)

// The stored time's hand-written layout equals time.Format's, for times
// across the years and in other zones.
func TestTSMatchesFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("west", -11*3600)}
	for range 100_000 {
		tm := time.Unix(r.Int64N(253402300800)-62135596800, r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
		if got, want := store.TS(tm), tm.UTC().Format("2006-01-02T15:04:05.000000Z"); got != want {
			t.Fatalf("%v: %q, want %q", tm, got, want)
		}
	}
	for _, tm := range []time.Time{{}, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got, want := store.TS(tm), tm.UTC().Format("2006-01-02T15:04:05.000000Z"); got != want {
			t.Errorf("%v: %q, want %q", tm, got, want)
		}
	}
}
