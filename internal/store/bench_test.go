package store_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

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
			minID := seedCases(b, e, total)
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

// seedCases inserts n cases directly, in one transaction through prepared
// statements, with lab1 actively assigned to every hundredth. It returns
// the smallest case id it created.
func seedCases(b testing.TB, e *env, n int) int64 {
	b.Helper()
	ctx := e.ctx
	tx, err := e.s.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	insCase, err := tx.PrepareContext(ctx, `INSERT INTO cases (number, trigger_kind, product_id, category, applicant_org_id, provider_org_id,
		sector, state, important, summary, created_by, created_at, updated_at, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12) RETURNING id`)
	if err != nil {
		b.Fatal(err)
	}
	insAssign, err := tx.PrepareContext(ctx, `INSERT INTO assignments (case_id, kind, lab_org_id, method, declaration, assigned_by, assigned_at)
		VALUES ($1, 'lab', $2, 'lab_testing', '{"no_conflict":true,"confidentiality":true,"signed_by":"lab1"}', $3, $4)`)
	if err != nil {
		b.Fatal(err)
	}
	type subject struct {
		product  review.Product
		provider string
	}
	subjects := []subject{{e.f.Router, "provider1"}, {e.f.Database, "provider1"}, {e.f.Cloud, "provider2"}}
	states := []review.State{review.StateScreening, review.StateAccepted, review.StateEvaluation, review.StateExpertAssessment,
		review.StatePublished, review.StatePublished, review.StateNotAccepted, review.StateWithdrawn}
	sectors := []string{"", "", "", "", "finance", "energy", "telecom", "transport"}
	base := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	lab1, office := e.f.Orgs["lab1"].ID, e.f.Users["office"].ID
	var minID int64
	for i := range n {
		sub := subjects[i%len(subjects)]
		created := base.Add(time.Duration(i) * 17 * time.Minute).Format("2006-01-02T15:04:05.000000Z")
		var id int64
		err := insCase.QueryRowContext(ctx, review.FormatNumber(2020+i/20000, i%20000+1), review.TriggerEnterpriseApplication, sub.product.ID,
			sub.product.Category, e.f.Orgs[sub.provider].ID, sub.product.ProviderOrgID, sectors[i%len(sectors)], states[i%len(states)],
			i%50 == 0, fmt.Sprintf("seeded case %d", i), e.f.Users[sub.provider].ID, created).Scan(&id)
		if err != nil {
			b.Fatalf("case %d: %v", i, err)
		}
		if i == 0 {
			minID = id
		}
		if i%100 == 0 {
			if _, err := insAssign.ExecContext(ctx, id, lab1, office, created); err != nil {
				b.Fatalf("assignment %d: %v", i, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if e.s.Dialect() == store.Postgres {
		// As autovacuum would on a live database.
		if _, err := e.s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return minID
}
