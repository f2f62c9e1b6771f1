package store

import (
	"context"
	"strconv"

	"shencha/internal/review"
)

// LiveDeadlines answers as Deadlines does (the live clocks of at most
// limit cases the actor may see, cases with more overdue clocks first,
// then by case id), in a way that stays fast with many cases: the cases
// with an overdue clock come from the clocks' running index, and the rest
// are read in id order only until the page is full, where Deadlines counts
// the overdue clocks of every case with a live clock before sorting. The
// dashboard uses it.
func (s *Store) LiveDeadlines(ctx context.Context, a review.Actor, limit int) ([]CaseDeadline, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	type caseRow struct {
		id           int64
		number, name string
		state        review.State
	}
	var cases []caseRow
	read := func(q string, n int) error {
		cond, args := visibilitySQL(review.VisibilityOf(a), 0)
		args = append(args, n)
		rows, err := s.r.QueryContext(ctx, q+` AND `+cond+` ORDER BY `+order(q)+` LIMIT $`+strconv.Itoa(len(args)), args...)
		if err != nil {
			return wrap("deadlines", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c caseRow
			if err := rows.Scan(&c.id, &c.number, &c.name, &c.state); err != nil {
				return wrap("deadlines", err)
			}
			cases = append(cases, c)
		}
		return wrap("deadlines", rows.Err())
	}
	if err := read(overdueCasesSQL, limit); err != nil {
		return nil, err
	}
	if len(cases) < limit {
		if err := read(onTimeCasesSQL, limit-len(cases)); err != nil {
			return nil, err
		}
	}
	out := []CaseDeadline{}
	for _, c := range cases {
		clocks, err := s.clockViews(ctx, c.id)
		if err != nil {
			return nil, err
		}
		for _, k := range clocks {
			if k.Stopped == "" {
				out = append(out, CaseDeadline{Number: c.number, Product: c.name, State: c.state, Clock: k})
			}
		}
	}
	return out, nil
}

// overdueCasesSQL: the cases with an overdue live clock, with how many.
const overdueCasesSQL = `SELECT c.id, c.number, p.name, c.state FROM (SELECT case_id, COUNT(*) AS n FROM clocks
	WHERE stopped = '' AND overdue_at <> '' GROUP BY case_id) k JOIN cases c ON c.id = k.case_id JOIN products p ON p.id = c.product_id WHERE TRUE`

// onTimeCasesSQL: the cases with a live clock and none overdue.
const onTimeCasesSQL = `SELECT c.id, c.number, p.name, c.state FROM cases c JOIN products p ON p.id = c.product_id
	WHERE EXISTS (SELECT 1 FROM clocks k WHERE k.case_id = c.id AND k.stopped = '')
	AND NOT EXISTS (SELECT 1 FROM clocks k WHERE k.case_id = c.id AND k.stopped = '' AND k.overdue_at <> '')`

func order(q string) string {
	if q == overdueCasesSQL {
		return `k.n DESC, c.id`
	}
	return `c.id`
}
