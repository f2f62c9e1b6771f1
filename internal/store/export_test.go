package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"shencha/internal/review"
)

// ListingsFromDatabase answers without the in-memory register, to compare.
func (s *Store) ListingsFromDatabase(ctx context.Context, a review.Actor, q ListingQuery) ([]ListingAnswer, error) {
	return s.listings(ctx, a, q, false, nil)
}

// RegisterMisses counts the statements the register rebuilt and found
// different from the log's entry.
func (s *Store) RegisterMisses() int64 { return s.regMisses.Load() }

// AttestedFromRegister reports whether the register serves the signed
// statements of an anonymous query's answers from memory.
func (s *Store) AttestedFromRegister(ctx context.Context, q ListingQuery) (bool, error) {
	picks, ok := s.reg.lookup(review.Actor{}, q, s.Now(), nil)
	if !ok || len(picks) == 0 {
		return false, nil
	}
	for i := range picks {
		if picks[i].scope != review.ScopePublic {
			continue
		}
		a, err := s.signedFromRegister(ctx, &picks[i], nil)
		if a == nil || err != nil {
			return false, err
		}
	}
	return true, nil
}

// ResetRegisterForTest drops the in-memory register.
func (s *Store) ResetRegisterForTest() { s.reg = newRegister() }

// BackfillSignaturesForTest reads log_signatures, empties it, runs the
// backfill of migration 0005 again and reads it once more, so a test can
// check that the migration derives from log_entries what the sequencer
// writes.
func (s *Store) BackfillSignaturesForTest(ctx context.Context) (written, backfilled [][4]string, err error) {
	read := func() ([][4]string, error) {
		return queryAll(ctx, s.r, "signatures", `SELECT idx, listing_event_id, key_id, sig FROM log_signatures ORDER BY idx`, func(r *sql.Rows) ([4]string, error) {
			var x [4]string
			return x, r.Scan(&x[0], &x[1], &x[2], &x[3])
		})
	}
	if written, err = read(); err != nil {
		return nil, nil, err
	}
	ms, err := readMigrations(s.dialect)
	if err != nil {
		return nil, nil, err
	}
	var backfill string
	for _, m := range ms {
		if m.version == 5 {
			_, backfill, _ = strings.Cut(m.sql, ";")    // after CREATE TABLE,
			backfill, _, _ = strings.Cut(backfill, ";") // the INSERT
		}
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM log_signatures`); err != nil {
		return nil, nil, err
	}
	if _, err := s.w.ExecContext(ctx, backfill); err != nil {
		return nil, nil, err
	}
	backfilled, err = read()
	return written, backfilled, err
}

// ListingEventInTx draws a listing event's id in a transaction it leaves
// open, as a writer slow to commit would, and returns its commit, so a test
// can interleave a second writer.
func (s *Store) ListingEventInTx(ctx context.Context, listingID int64, reason string) (commit func() error, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := s.lockListingEvents(ctx, tx); err != nil {
		tx.Rollback()
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO listing_events (listing_id, status, action, reason, at) VALUES ($1, 'suspended', 'suspend', $2, $3)`,
		listingID, reason, ts(s.Now())); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx.Commit, nil
}

// DeadlinesByCounting is Deadlines by its plain definition — count every
// case's overdue live clocks and sort all of them — for a test to compare
// the faster query with.
func (s *Store) DeadlinesByCounting(ctx context.Context, a review.Actor, limit int) ([]CaseDeadline, error) {
	cond, args := visibilitySQL(review.VisibilityOf(a), 0)
	args = append(args, limit)
	type caseRow struct {
		id int64
		d  CaseDeadline
	}
	cases, err := queryAll(ctx, s.r, "deadlines", `SELECT c.id, c.number, p.name, c.state FROM cases c JOIN products p ON p.id = c.product_id
		WHERE c.id IN (SELECT case_id FROM clocks WHERE stopped = '') AND `+cond+`
		ORDER BY (SELECT COUNT(*) FROM clocks k WHERE k.case_id = c.id AND k.stopped = '' AND k.overdue_at <> '') DESC, c.id
		LIMIT $`+strconv.Itoa(len(args)), func(r *sql.Rows) (caseRow, error) {
		var c caseRow
		return c, r.Scan(&c.id, &c.d.Number, &c.d.Product, &c.d.State)
	}, args...)
	if err != nil {
		return nil, err
	}
	out := []CaseDeadline{}
	for _, c := range cases {
		clocks, err := s.clockViews(ctx, c.id)
		if err != nil {
			return nil, err
		}
		for _, k := range clocks {
			if k.Stopped == "" {
				d := c.d
				d.Clock = k
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// TS is ts, for its test.
var TS = ts

// ReportCursorAt is a public-report cursor naming place ("r42", "t7"),
// with a good check whatever the place, to test what a cursor may name.
var ReportCursorAt = encodeReportCursor

// AlterRegisterForTest makes the register hold another end of validity
// for a listing, as if it had read it wrong.
func (s *Store) AlterRegisterForTest(listingID int64, validUntil string) {
	g := s.reg
	g.mu.Lock()
	defer g.mu.Unlock()
	li, _ := g.listingAt.get(listingID)
	g.listings[li].validUntil = g.intern(validUntil)
}

// RegisterMatched reports whether the register has found the statement it
// rebuilds for a listing's newest event to be that event's log entry.
func (s *Store) RegisterMatched(listingID int64) bool {
	g := s.reg
	g.mu.RLock()
	defer g.mu.RUnlock()
	li, _ := g.listingAt.get(listingID)
	e := g.listings[li].last
	return g.matched[e/32]&(1<<(e%32)) != 0
}
