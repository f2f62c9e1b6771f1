package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"shencha/internal/calendar"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func contains[T comparable](list []T, v T) bool { return slices.Contains(list, v) }

func joinStrings[T ~string](list []T) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = string(v)
	}
	return strings.Join(parts, ",")
}

func splitStrings[T ~string](s string) []T {
	if s == "" {
		return nil
	}
	var out []T
	for _, p := range strings.Split(s, ",") {
		out = append(out, T(p))
	}
	return out
}

// parseDay reads a stored date as midnight China time.
func parseDay(s string) time.Time {
	d, err := calendar.ParseDate(s)
	if err != nil {
		return time.Time{}
	}
	return d.Time()
}

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q queryer, op, query string, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, v)
	}
	return out, wrap(op, rows.Err())
}

// rowsAffected reads a result's count, or 0 when the statement failed.
func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
