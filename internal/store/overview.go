package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

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
