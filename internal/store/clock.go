package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"

	"shencha/internal/calendar"
	"shencha/internal/review"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// storedClock is a clock row with its id.
type storedClock struct {
	calendar.Clock
	ID        int64
	OverdueAt string
}

func dateOrNil(s string) *calendar.Date {
	if s == "" {
		return nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return nil
	}
	return &d
}

func dateText(d *calendar.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// clocks reads a case's clocks; live keeps only those not stopped.
func (s *Store) clocks(ctx context.Context, q queryer, caseID int64, live bool) ([]storedClock, error) {
	query := `SELECT id, name, budget, started, elapsed, running_since, stopped, extended, extend_reason, overdue_at FROM clocks WHERE case_id = $1`
	if live {
		query += ` AND stopped = ''`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`, caseID)
	if err != nil {
		return nil, wrap("clocks", err)
	}
	defer rows.Close()
	var out []storedClock
	for rows.Next() {
		var c storedClock
		var started, since, stopped string
		if err := rows.Scan(&c.ID, &c.Kind, &c.Budget, &started, &c.Elapsed, &since, &stopped, &c.Extended, &c.ExtendReason, &c.OverdueAt); err != nil {
			return nil, wrap("clocks", err)
		}
		c.Started = *dateOrNil(started)
		c.RunningSince, c.Stopped = dateOrNil(since), dateOrNil(stopped)
		out = append(out, c)
	}
	return out, wrap("clocks", rows.Err())
}

func (s *Store) saveClock(ctx context.Context, tx *sql.Tx, caseID int64, c *storedClock) error {
	if c.ID == 0 {
		err := tx.QueryRowContext(ctx, `INSERT INTO clocks (case_id, name, budget, started, elapsed, running_since, stopped, extended, extend_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			caseID, c.Kind, c.Budget, c.Started.String(), c.Elapsed, dateText(c.RunningSince), dateText(c.Stopped), c.Extended, c.ExtendReason).Scan(&c.ID)
		return wrap("save clock", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE clocks SET budget = $1, elapsed = $2, running_since = $3, stopped = $4, extended = $5, extend_reason = $6, overdue_at = $7 WHERE id = $8`,
		c.Budget, c.Elapsed, dateText(c.RunningSince), dateText(c.Stopped), c.Extended, c.ExtendReason, c.OverdueAt, c.ID)
	return wrap("save clock", err)
}

// moveClocks applies what a state change does to the case's clocks and
// schedules a deadline check for every clock left running.
func (s *Store) moveClocks(ctx context.Context, tx *sql.Tx, caseID int64, from, to review.State) error {
	effects := review.ClockEffects(from, to)
	if len(effects) == 0 {
		return nil
	}
	live, err := s.clocks(ctx, tx, caseID, true)
	if err != nil {
		return err
	}
	cal, today := s.Calendar(), calendar.DateOf(s.Now())
	for _, e := range effects {
		var c *storedClock
		for i := range live {
			if live[i].Kind == e.Clock {
				c = &live[i]
			}
		}
		switch {
		case e.Op == review.ClockStart:
			c = &storedClock{Clock: calendar.Start(e.Clock, s.Budgets[e.Clock], today)}
		case c == nil:
			continue // a clock that never started (e.g. a case created mid-way)
		case e.Op == review.ClockPause:
			err = c.Pause(cal, today)
		case e.Op == review.ClockResume:
			err = c.Resume(today)
		case e.Op == review.ClockStop:
			err = c.Stop(cal, today)
		}
		if err != nil {
			return review.Internal(err)
		}
		if err := s.saveClock(ctx, tx, caseID, c); err != nil {
			return err
		}
		if err := s.scheduleClockCheck(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// extendClock extends a case's live clock once.
func (s *Store) extendClock(ctx context.Context, tx *sql.Tx, caseID int64, name string, days int, reason string) error {
	live, err := s.clocks(ctx, tx, caseID, true)
	if err != nil {
		return err
	}
	for i := range live {
		if live[i].Kind != name {
			continue
		}
		if err := live[i].Extend(days, reason); err != nil {
			e := review.Conflict("clock_not_extendable", "clock", name)
			e.Field, e.Err = "clock", err
			return e
		}
		live[i].OverdueAt = ""
		if err := s.saveClock(ctx, tx, caseID, &live[i]); err != nil {
			return err
		}
		// A new deadline: its owner is reminded of it once more.
		if _, err := tx.ExecContext(ctx, `UPDATE clocks SET reminded_at = '' WHERE id = $1`, live[i].ID); err != nil {
			return wrap("extend clock", err)
		}
		return s.scheduleClockCheck(ctx, tx, &live[i])
	}
	e := review.Conflict("clock_not_extendable", "clock", name)
	e.Field = "clock"
	return e
}

// ClockCheckArgs asks the job queue to look at a clock once its deadline has passed.
type ClockCheckArgs struct {
	ClockID int64 `json:"clock_id"`
}

// Kind names the job.
func (ClockCheckArgs) Kind() string { return "clock_check" }

// ListingExpiryArgs expires a listing when its validity ends.
type ListingExpiryArgs struct {
	ListingID int64 `json:"listing_id"`
}

// Kind names the job.
func (ListingExpiryArgs) Kind() string { return "listing_expiry" }

// ConditionDueArgs checks a condition on its due date.
type ConditionDueArgs struct {
	ConditionID int64 `json:"condition_id"`
}

// Kind names the job.
func (ConditionDueArgs) Kind() string { return "condition_due" }

// SweepArgs is the periodic backstop that runs every timer check.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "timer_sweep" }

// startOfDayAfter is when a date has fully passed, in China time.
func startOfDayAfter(d calendar.Date) time.Time { return d.AddDays(1).Time() }

func (s *Store) scheduleClockCheck(ctx context.Context, tx *sql.Tx, c *storedClock) error {
	deadline, ok := c.Deadline(s.Calendar(), calendar.DateOf(s.Now()))
	if !ok {
		return nil
	}
	return s.enqueue(ctx, tx, ClockCheckArgs{c.ID}, startOfDayAfter(deadline))
}

// enqueue inserts a job in the caller's transaction, so it exists exactly
// when the change that caused it commits.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, args river.JobArgs, at time.Time) error {
	_, err := s.jobs.InsertTx(ctx, tx, args, &river.InsertOpts{ScheduledAt: at, MaxAttempts: 10})
	return wrap("enqueue "+args.Kind(), err)
}

// CheckClock marks a clock overdue if it is (job). It reports whether it did.
func (s *Store) CheckClock(ctx context.Context, clockID int64) (bool, error) {
	marked := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var caseID int64
		var number string
		err := tx.QueryRowContext(ctx, `SELECT k.case_id, c.number FROM clocks k JOIN cases c ON c.id = k.case_id WHERE k.id = $1`, clockID).Scan(&caseID, &number)
		if err != nil {
			return wrap("check clock", err)
		}
		clocks, err := s.clocks(ctx, tx, caseID, true)
		if err != nil {
			return err
		}
		for i := range clocks {
			c := &clocks[i]
			if c.ID != clockID || c.OverdueAt != "" || !c.Overdue(s.Calendar(), calendar.DateOf(s.Now())) {
				continue
			}
			c.OverdueAt = ts(s.Now())
			if err := s.saveClock(ctx, tx, caseID, c); err != nil {
				return err
			}
			marked = true
			return s.audit(ctx, tx, review.System, "clock.overdue", "case:"+number, map[string]any{"clock": c.Kind, "budget": c.Budget})
		}
		return nil
	})
	return marked, err
}

// OverdueClock is an overdue alert for the office's dashboard.
type OverdueClock struct {
	Case      string `json:"case"`
	Clock     string `json:"clock"`
	OverdueAt string `json:"overdue_at"`
	Sector    string `json:"sector"`
}

// Overdue lists the live clocks marked overdue that the actor's cases have.
func (s *Store) Overdue(ctx context.Context, a review.Actor) ([]OverdueClock, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	cond, args := visibilitySQL(review.VisibilityOf(a), 0)
	rows, err := s.r.QueryContext(ctx, `SELECT c.number, k.name, k.overdue_at, c.sector FROM clocks k JOIN cases c ON c.id = k.case_id
		WHERE k.stopped = '' AND k.overdue_at <> '' AND `+cond+` ORDER BY k.overdue_at`, args...)
	if err != nil {
		return nil, wrap("overdue", err)
	}
	defer rows.Close()
	out := []OverdueClock{}
	for rows.Next() {
		var o OverdueClock
		if err := rows.Scan(&o.Case, &o.Clock, &o.OverdueAt, &o.Sector); err != nil {
			return nil, wrap("overdue", err)
		}
		out = append(out, o)
	}
	return out, wrap("overdue", rows.Err())
}
