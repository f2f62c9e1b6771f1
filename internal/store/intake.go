package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"

	"shencha/internal/review"
)

// IntakeCase is a case waiting for the office's intake, with its live
// clocks (the screening clock, which runs from submission).
type IntakeCase struct {
	Number      string
	Product     string
	State       review.State
	SubmittedAt string
	Clocks      []ClockView
}

// IntakePage is the intake queue a page at a time.
type IntakePage struct {
	Items []IntakeCase
	// Total is how many cases wait in all, on every page.
	Total int
	// Next is the cursor of the following page; "" on the last.
	Next string
}

// IntakeQueue lists the cases the office may see that wait on its intake
// (review.IntakeStates: submitted, or under screening), the longest
// waiting first (by submission), at most limit a page. It is the
// office's: other roles are refused. Each state's cases are read from the
// (state, submitted_at, id) index only as far as the page needs, so a deep
// queue costs no more than a short one.
func (s *Store) IntakeQueue(ctx context.Context, a review.Actor, cursor string, limit int) (IntakePage, error) {
	if a.Anonymous() {
		return IntakePage{}, review.Unauthorized()
	}
	if a.Role != review.RoleOffice {
		return IntakePage{}, review.Forbidden("intake_queue")
	}
	if limit < 1 || limit > 200 {
		return IntakePage{}, review.Invalid("limit", "field_out_of_range", "min", "1", "max", "200")
	}
	afterAt, afterID, err := parseIntakeCursor(cursor)
	if err != nil {
		return IntakePage{}, err
	}
	cond, args := visibilitySQL(review.VisibilityOf(a), 0)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	after := ""
	if afterID > 0 {
		after = ` AND (c.submitted_at, c.id) > (` + arg(afterAt) + `, ` + arg(afterID) + `)`
	}
	n := arg(limit + 1)
	var parts []string
	for i, st := range review.IntakeStates() {
		p := arg(string(st))
		parts = append(parts, `SELECT * FROM (SELECT c.id, c.number, c.product_id, c.state, c.submitted_at FROM cases c
			WHERE c.state = `+p+` AND `+cond+after+` ORDER BY c.submitted_at, c.id LIMIT `+n+`) s`+strconv.Itoa(i))
	}
	type row struct {
		id int64
		c  IntakeCase
	}
	rows, err := queryAll(ctx, s.r, "intake queue", `SELECT q.id, q.number, p.name, q.state, q.submitted_at FROM (`+strings.Join(parts, " UNION ALL ")+`) q
		JOIN products p ON p.id = q.product_id ORDER BY q.submitted_at, q.id LIMIT `+n, func(r *sql.Rows) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.c.Number, &x.c.Product, &x.c.State, &x.c.SubmittedAt)
	}, args...)
	if err != nil {
		return IntakePage{}, err
	}
	var page IntakePage
	for i, x := range rows {
		if i == limit {
			last := rows[i-1]
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(last.c.SubmittedAt + "|" + strconv.FormatInt(last.id, 10)))
			break
		}
		if x.c.Clocks, err = s.liveClocks(ctx, x.id); err != nil {
			return IntakePage{}, err
		}
		page.Items = append(page.Items, x.c)
	}
	page.Total, err = s.intakeCount(ctx, a)
	return page, err
}

// intakeCount counts the cases waiting on the office's intake, from the
// state index.
func (s *Store) intakeCount(ctx context.Context, a review.Actor) (int, error) {
	cond, args := visibilitySQL(review.VisibilityOf(a), 0)
	var in []string
	for _, st := range review.IntakeStates() {
		args = append(args, string(st))
		in = append(in, "$"+strconv.Itoa(len(args)))
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE c.state IN (`+strings.Join(in, ", ")+`) AND `+cond, args...).Scan(&n)
	return n, wrap("intake count", err)
}

// parseIntakeCursor reads the submission time and id the previous page
// ended at.
func parseIntakeCursor(cursor string) (string, int64, error) {
	if cursor == "" {
		return "", 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	at, id, ok := strings.Cut(string(b), "|")
	n, perr := strconv.ParseInt(id, 10, 64)
	if err != nil || !ok || perr != nil || n <= 0 {
		return "", 0, review.Invalid("cursor", "field_invalid", "rule", "a cursor from the previous page")
	}
	return at, n, nil
}
