package store_test

import (
	"encoding/base64"
	"slices"
	"strconv"
	"testing"
	"time"

	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// BenchmarkTransitions measures case actions per second: each iteration
// applies one action, alternating mark_incomplete (office) and resubmit
// (provider1) on one case, each a full transaction with its clock moves,
// timeline event, audit row and jobs, and the view read back.
func BenchmarkTransitions(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			e := newEnv(b, be, at(2026, 6, 1, 10))
			n := e.openRouter(b)
			e.toScreening(b, n)
			state := review.StateScreening
			office, provider := e.actor(b, "office"), e.actor(b, "provider1")
			b.Run("mark_incomplete+resubmit", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if state == review.StateScreening {
						_, err = e.s.ApplyAction(e.ctx, office, n, review.ActMarkIncomplete, review.Input{Items: "missing document"})
						state = review.StateIncomplete
					} else {
						_, err = e.s.ApplyAction(e.ctx, provider, n, review.ActResubmit, review.Input{Summary: "attached"})
						state = review.StateScreening
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transitions/s")
			})
		})
	}
}

// BenchmarkListDeepPage measures a deep page of the case list over 100,000
// cases (10,000 with -short), as the national office (sees everything) and
// as lab1 (active assignments on 1% of them), reporting the 95th
// percentile latency of one ListCases call.
func BenchmarkListDeepPage(b *testing.B) {
	total := 100_000
	if testing.Short() {
		total = 10_000
	}
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			e := newEnv(b, be, at(2026, 6, 1, 10))
			start := time.Now()
			minID, err := demo.SyntheticCases(e.ctx, e.s, e.f, total)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d cases in %v", be.Name, total, time.Since(start).Round(time.Millisecond))
			cursor := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(minID+200, 10)))
			for _, c := range []struct {
				who       string
				wantItems int
			}{{"office", 50}, {"lab1", 2}} {
				b.Run(c.who, func(b *testing.B) {
					a := e.actor(b, c.who)
					var durs []time.Duration
					for b.Loop() {
						t0 := time.Now()
						p, err := e.s.ListCases(e.ctx, a, store.CaseFilter{Cursor: cursor, Limit: 50})
						durs = append(durs, time.Since(t0))
						if err != nil {
							b.Fatal(err)
						}
						if len(p.Items) != c.wantItems {
							b.Fatalf("%s: %d items on the deep page, want %d", c.who, len(p.Items), c.wantItems)
						}
					}
					slices.Sort(durs)
					p95 := durs[(len(durs)*95+99)/100-1]
					b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
					b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
				})
			}
		})
	}
}
