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
// zeros. It is one aggregate query, which reads only the months' range of
// the creation and closing indexes.
func (s *Store) CasesPerMonth(ctx context.Context, a review.Actor, n int) ([]MonthCount, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	if n < 1 || n > 120 {
		return nil, review.Invalid("months", "field_out_of_range", "min", "1", "max", "120")
	}
	now := s.Now().In(chinaTime)
	first := time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, chinaTime)
	cond, args := visibilitySQL(review.VisibilityOf(a), 1)
	args = append([]any{ts(first)}, args...)
	opened, closed := s.chinaMonth("c.created_at"), s.chinaMonth("c.closed_at")
	rows, err := queryAll(ctx, s.r, "cases per month", `SELECT m, SUM(opened), SUM(closed) FROM (
		SELECT `+opened+` AS m, 1 AS opened, 0 AS closed FROM cases c WHERE c.created_at >= $1 AND `+cond+`
		UNION ALL
		SELECT `+closed+` AS m, 0 AS opened, 1 AS closed FROM cases c WHERE c.closed_at >= $1 AND `+cond+`
	) e GROUP BY m`, func(r *sql.Rows) (MonthCount, error) {
		var m MonthCount
		return m, r.Scan(&m.Month, &m.Opened, &m.Closed)
	}, args...)
	if err != nil {
		return nil, err
	}
	out := make([]MonthCount, n)
	for i := range out {
		out[i].Month = first.AddDate(0, i, 0).Format("2006-01")
		for _, r := range rows {
			if r.Month == out[i].Month {
				out[i].Opened, out[i].Closed = r.Opened, r.Closed
			}
		}
	}
	return out, nil
}

// chinaMonth renders the SQL for the month (YYYY-MM, China time) of a
// stored timestamp column. China keeps one offset all year.
func (s *Store) chinaMonth(col string) string {
	_, off := time.Now().In(chinaTime).Zone()
	if s.dialect == Postgres {
		return fmt.Sprintf(`to_char(%s::timestamp + interval '%d seconds', 'YYYY-MM')`, col, off)
	}
	// SQLite keeps milliseconds: cut the stored microseconds off rather
	// than let them round up into the next month.
	return fmt.Sprintf(`strftime('%%Y-%%m', substr(%s, 1, 19), '+%d seconds')`, col, off)
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
