package demo

import (
	"context"
	"fmt"
	"time"

	"shencha/internal/review"
	"shencha/internal/store"
)

// SyntheticCases adds n cases over the demo's fixture straight into the
// tables, in one transaction, for load tests and benchmarks only: the
// demo's three products, states in rotation, sectors in rotation, lab1
// assigned to every hundredth, and for cases in a state with a running
// clock that clock, started within the last 60 days (every twentieth
// overdue). The cases were opened 17 minutes apart, the last one now, and
// a closed one closed 20 days after it opened (or now, if that is sooner),
// so the last year holds its share of them. Numbers start in 2030, clear
// of the demo's. It returns the smallest case id it created.
func SyntheticCases(ctx context.Context, s *store.Store, f *Fixture, n int) (int64, error) {
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	insCase, err := tx.PrepareContext(ctx, `INSERT INTO cases (number, trigger_kind, product_id, category, applicant_org_id, provider_org_id,
		sector, state, important, summary, created_by, created_at, updated_at, submitted_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12, $13) RETURNING id`)
	if err != nil {
		return 0, err
	}
	insAssign, err := tx.PrepareContext(ctx, `INSERT INTO assignments (case_id, kind, lab_org_id, method, declaration, assigned_by, assigned_at)
		VALUES ($1, 'lab', $2, 'lab_testing', '{"no_conflict":true,"confidentiality":true,"signed_by":"lab1"}', $3, $4)`)
	if err != nil {
		return 0, err
	}
	insClock, err := tx.PrepareContext(ctx, `INSERT INTO clocks (case_id, name, budget, started, elapsed, running_since, overdue_at) VALUES ($1, $2, $3, $4, 0, $4, $5)`)
	if err != nil {
		return 0, err
	}
	type subject struct {
		product  review.Product
		provider string
	}
	subjects := []subject{{f.Router, "provider1"}, {f.Database, "provider1"}, {f.Cloud, "provider2"}}
	states := []review.State{review.StateScreening, review.StateAccepted, review.StateEvaluation, review.StateExpertAssessment,
		review.StatePublished, review.StatePublished, review.StateNotAccepted, review.StateWithdrawn}
	clockOf := map[review.State]string{review.StateScreening: "screening", review.StateAccepted: "review",
		review.StateEvaluation: "review", review.StateExpertAssessment: "review"}
	sectors := []string{"", "", "", "", "finance", "energy", "telecom", "transport"}
	today := s.Now().UTC()
	base := today.Add(-time.Duration(n) * 17 * time.Minute)
	lab1, office := f.Orgs["lab1"].ID, f.Users["office"].ID
	const stamp = "2006-01-02T15:04:05.000000Z" // the store's
	var minID int64
	for i := range n {
		sub := subjects[i%len(subjects)]
		st := states[i%len(states)]
		opened := base.Add(time.Duration(i+1) * 17 * time.Minute)
		created := opened.Format(stamp)
		closed := ""
		if st.Closed() {
			at := opened.AddDate(0, 0, 20)
			if at.After(today) {
				at = today
			}
			closed = at.Format(stamp)
		}
		var id int64
		err := insCase.QueryRowContext(ctx, review.FormatNumber(2030+i/20000, i%20000+1), review.TriggerEnterpriseApplication, sub.product.ID,
			sub.product.Category, f.Orgs[sub.provider].ID, sub.product.ProviderOrgID, sectors[i%len(sectors)], st,
			i%50 == 0, fmt.Sprintf("seeded case %d", i), f.Users[sub.provider].ID, created, closed).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("case %d: %w", i, err)
		}
		if i == 0 {
			minID = id
		}
		if i%100 == 0 {
			if _, err := insAssign.ExecContext(ctx, id, lab1, office, created); err != nil {
				return 0, fmt.Errorf("assignment %d: %w", i, err)
			}
		}
		if name, ok := clockOf[st]; ok {
			started := today.AddDate(0, 0, -(i % 60)).Format("2006-01-02")
			overdue := ""
			if i%20 == 0 {
				overdue = today.Format(stamp)
			}
			if _, err := insClock.ExecContext(ctx, id, name, 15, started, overdue); err != nil {
				return 0, fmt.Errorf("clock %d: %w", i, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if s.Dialect() == store.Postgres {
		// As autovacuum would on a live database.
		if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
			return 0, err
		}
	}
	return minID, nil
}
