package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"shencha/internal/review"
)

// Reads for the web UI's overview pages. Each applies the same need-to-know
// rule as ListCases, so a page built from them shows no more than the API.

// CasesByState counts the cases the actor may see, by state.
func (s *Store) CasesByState(ctx context.Context, a review.Actor) (map[review.State]int, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	cond, args := visibilitySQL(review.VisibilityOf(a), 0)
	rows, err := s.r.QueryContext(ctx, `SELECT c.state, COUNT(*) FROM cases c WHERE `+cond+` GROUP BY c.state`, args...)
	if err != nil {
		return nil, wrap("cases by state", err)
	}
	defer rows.Close()
	out := map[review.State]int{}
	for rows.Next() {
		var st review.State
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, wrap("cases by state", err)
		}
		out[st] = n
	}
	return out, wrap("cases by state", rows.Err())
}

// MonthCount is how many cases were opened (created) and closed in one
// month, counted in China time.
type MonthCount struct {
	Month  string // YYYY-MM
	Opened int
	Closed int
}

// CasesPerMonth counts the cases the actor may see that were opened and
// that were closed in each of the last n months (China time), oldest
// first, the current month last; a month with neither is there with
// zeros. It is one aggregate query whose parameters are the months'
// bounds as stored timestamps, so no case's time is converted: the counts
// are ranges of the creation and closing indexes.
func (s *Store) CasesPerMonth(ctx context.Context, a review.Actor, n int) ([]MonthCount, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	if n < 1 || n > 120 {
		return nil, review.Invalid("months", "field_out_of_range", "min", "1", "max", "120")
	}
	now := s.Now().In(chinaTime)
	first := time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, chinaTime)
	var months []string
	var args []any
	for i := range n {
		lo := first.AddDate(0, i, 0)
		args = append(args, lo.Format("2006-01"), ts(lo), ts(lo.AddDate(0, 1, 0)))
		months = append(months, fmt.Sprintf("($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3))
	}
	v := review.VisibilityOf(a)
	cond, condArgs := visibilitySQL(v, len(args))
	args = append(args, condArgs...)
	q := `WITH m (month, lo, hi) AS (VALUES ` + strings.Join(months, ", ") + `) `
	if v.All {
		// The national office: each count reads the index alone.
		q += `SELECT m.month,
			(SELECT COUNT(*) FROM cases c WHERE c.created_at >= m.lo AND c.created_at < m.hi),
			(SELECT COUNT(*) FROM cases c WHERE c.closed_at >= m.lo AND c.closed_at < m.hi)
			FROM m`
	} else {
		// Anyone else: the set of cases it may see is built once for each
		// count, not once a month, by joining the months to the cases.
		q += `SELECT month, SUM(opened), SUM(closed) FROM (
			SELECT m.month, COUNT(*) AS opened, 0 AS closed FROM cases c JOIN m ON c.created_at >= m.lo AND c.created_at < m.hi
				WHERE c.created_at >= $2 AND ` + cond + ` GROUP BY m.month
			UNION ALL
			SELECT m.month, 0 AS opened, COUNT(*) AS closed FROM cases c JOIN m ON c.closed_at >= m.lo AND c.closed_at < m.hi
				WHERE c.closed_at >= $2 AND ` + cond + ` GROUP BY m.month
		) e GROUP BY month`
	}
	counts, err := queryAll(ctx, s.r, "cases per month", q, func(r *sql.Rows) (MonthCount, error) {
		var m MonthCount
		return m, r.Scan(&m.Month, &m.Opened, &m.Closed)
	}, args...)
	if err != nil {
		return nil, err
	}
	out := make([]MonthCount, n)
	for i := range out {
		out[i].Month = args[3*i].(string)
		for _, c := range counts {
			if c.Month == out[i].Month {
				out[i] = c
			}
		}
	}
	return out, nil
}

// CaseDeadline is a live clock of a case the actor may see.
type CaseDeadline struct {
	Number  string
	Product string
	State   review.State
	Clock   ClockView
}

// Deadlines lists the live clocks of at most limit cases the actor may
// see, cases with more overdue clocks first, then by case id. Deadlines
// are computed on the working-day calendar, as on the case page. It stays
// fast with many cases: the cases with an overdue clock come from the
// clocks' running index, and the rest are read in id order only until the
// page is full, rather than counting every case's overdue clocks to sort.
func (s *Store) Deadlines(ctx context.Context, a review.Actor, limit int) ([]CaseDeadline, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	type caseRow struct {
		id           int64
		number, name string
		state        review.State
	}
	var cases []caseRow
	read := func(q, order string, n int) error {
		cond, args := visibilitySQL(review.VisibilityOf(a), 0)
		args = append(args, n)
		rows, err := s.r.QueryContext(ctx, q+` AND `+cond+` ORDER BY `+order+` LIMIT $`+strconv.Itoa(len(args)), args...)
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
	if err := read(overdueCasesSQL, `k.n DESC, c.id`, limit); err != nil {
		return nil, err
	}
	if len(cases) < limit {
		if err := read(onTimeCasesSQL, `c.id`, limit-len(cases)); err != nil {
			return nil, err
		}
	}
	out := []CaseDeadline{}
	for _, c := range cases {
		clocks, err := s.liveClocks(ctx, c.id)
		if err != nil {
			return nil, err
		}
		for _, k := range clocks {
			out = append(out, CaseDeadline{Number: c.number, Product: c.name, State: c.state, Clock: k})
		}
	}
	return out, nil
}

// liveClocks are a case's clocks that have not stopped, with their
// deadlines on the working-day calendar as the case page shows them; the
// dashboard's deadlines and the office's intake queue both read them.
func (s *Store) liveClocks(ctx context.Context, caseID int64) ([]ClockView, error) {
	clocks, err := s.clockViews(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(clocks, func(k ClockView) bool { return k.Stopped != "" }), nil
}

// overdueCasesSQL: the cases with an overdue live clock, with how many.
const overdueCasesSQL = `SELECT c.id, c.number, p.name, c.state FROM (SELECT case_id, COUNT(*) AS n FROM clocks
	WHERE stopped = '' AND overdue_at <> '' GROUP BY case_id) k JOIN cases c ON c.id = k.case_id JOIN products p ON p.id = c.product_id WHERE TRUE`

// onTimeCasesSQL: the cases with a live clock and none overdue.
const onTimeCasesSQL = `SELECT c.id, c.number, p.name, c.state FROM cases c JOIN products p ON p.id = c.product_id
	WHERE EXISTS (SELECT 1 FROM clocks k WHERE k.case_id = c.id AND k.stopped = '')
	AND NOT EXISTS (SELECT 1 FROM clocks k WHERE k.case_id = c.id AND k.stopped = '' AND k.overdue_at <> '')`

// ProductHit is a product found by name, with its provider.
type ProductHit struct {
	ID       int64
	Name     string
	Provider string
}

// FindProducts finds at most limit products whose name contains product
// and whose provider's name contains provider (either may be empty, not
// both), case-insensitively. Product and provider names are public: the
// register names them in every answer.
func (s *Store) FindProducts(ctx context.Context, provider, product string, limit int) ([]ProductHit, error) {
	provider, product = strings.TrimSpace(provider), strings.TrimSpace(product)
	if provider == "" && product == "" {
		return nil, review.Required("product")
	}
	if len(provider) > 200 || len(product) > 200 {
		return nil, review.Invalid("product", "field_too_long", "max", "200")
	}
	return queryAll(ctx, s.r, "find products", `SELECT p.id, p.name, o.name FROM products p JOIN orgs o ON o.id = p.provider_org_id
		WHERE LOWER(p.name) LIKE $1 ESCAPE '\' AND LOWER(o.name) LIKE $2 ESCAPE '\' ORDER BY p.id LIMIT $3`,
		func(r *sql.Rows) (ProductHit, error) {
			var h ProductHit
			return h, r.Scan(&h.ID, &h.Name, &h.Provider)
		}, likePattern(product), likePattern(provider), limit)
}

// likePattern matches text anywhere, its own % and _ taken literally.
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(text)) + "%"
}
