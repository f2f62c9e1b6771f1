package calendar

import (
	"errors"
	"strings"
)

// Defaults are the working-day budgets of DESIGN §3, by clock kind. They are
// defaults only: callers read their configured budgets and fall back here.
var Defaults = map[string]int{
	"screening":     10, // submitted → accepted / not_accepted
	"determination": 10, // CIIO route: submitted → CII department's determination
	"supplement":    10, // materials requested → provider's answer
	"review":        30, // accepted → decided
	"deliberation":  15, // referred → committee decision
}

// ComplexExtension is the working days added, once, to a review clock when
// its case is marked complex (DESIGN §3: 30, +15 once if complex).
const ComplexExtension = 15

// Errors returned by Clock operations. They are sentinels so that callers
// can map them with errors.Is to a conflict or invalid-input response.
var (
	ErrNotRunning       = errors.New("calendar: clock is not running")
	ErrNotPaused        = errors.New("calendar: clock is not paused")
	ErrStopped          = errors.New("calendar: clock is stopped")
	ErrAlreadyExtended  = errors.New("calendar: clock has already been extended")
	ErrReasonRequired   = errors.New("calendar: an extension needs a reason")
	ErrInvalidExtension = errors.New("calendar: an extension must add at least one working day")
)

// Clock is a review timer counted in working days. It can be paused (while
// a case waits on the provider, say), resumed, extended once with a reason,
// and stopped when the step it times is done.
//
// A Clock is a plain value that storage can persist field by field; it does
// not know what today is, so every question about it takes the calendar and
// today's date. Counting follows WorkingDaysBetween: the day a clock starts
// or resumes does not count, and each working day counts once reached. A
// pause on day P keeps P (days in (RunningSince, P] were consumed), so the
// deadline moves by exactly the working days in (P, R] for a resume on R.
type Clock struct {
	// Kind names the clock, e.g. "screening"; this package does not
	// interpret it.
	Kind string
	// Budget is the working days allowed, including any extension.
	Budget int
	// Started is the day the clock was started.
	Started Date
	// Elapsed is the working days consumed by running periods that have
	// ended (by Pause or Stop); the current period is added by Used.
	Elapsed int
	// RunningSince is the day the current running period began; nil while
	// paused or stopped.
	RunningSince *Date
	// Stopped is the day the clock was finished; nil until then.
	Stopped *Date
	// Extended records that the one allowed extension has been used.
	Extended bool
	// ExtendReason is why it was extended, kept for the audit trail.
	ExtendReason string
}

// Start returns a clock of the given kind and budget, running from on.
func Start(kind string, budget int, on Date) Clock {
	return Clock{Kind: kind, Budget: budget, Started: on, RunningSince: &on}
}

// Running reports whether the clock is counting.
func (c Clock) Running() bool { return c.RunningSince != nil && c.Stopped == nil }

// Paused reports whether the clock is stopped temporarily: neither running
// nor finished.
func (c Clock) Paused() bool { return c.RunningSince == nil && c.Stopped == nil }

// Pause stops counting after day on, adding the working days of the current
// running period to Elapsed. A pause dated before the period began adds
// nothing. It fails with ErrStopped or ErrNotRunning.
func (c *Clock) Pause(cal *Calendar, on Date) error {
	if c.Stopped != nil {
		return ErrStopped
	}
	if c.RunningSince == nil {
		return ErrNotRunning
	}
	c.Elapsed += cal.WorkingDaysBetween(*c.RunningSince, on)
	c.RunningSince = nil
	return nil
}

// Resume restarts a paused clock; counting starts again the day after on.
// It fails with ErrStopped or ErrNotPaused.
func (c *Clock) Resume(on Date) error {
	if c.Stopped != nil {
		return ErrStopped
	}
	if c.RunningSince != nil {
		return ErrNotPaused
	}
	c.RunningSince = &on
	return nil
}

// Stop finishes the clock on day on, adding the working days of the current
// running period, if any, to Elapsed. A paused clock may be stopped (a case
// withdrawn while waiting on the provider). Stopping twice fails with
// ErrStopped.
func (c *Clock) Stop(cal *Calendar, on Date) error {
	if c.Stopped != nil {
		return ErrStopped
	}
	if c.RunningSince != nil {
		c.Elapsed += cal.WorkingDaysBetween(*c.RunningSince, on)
		c.RunningSince = nil
	}
	c.Stopped = &on
	return nil
}

// Extend adds days working days to the budget. A clock may be extended only
// once, and only with a non-blank reason, which is kept (trimmed) for the
// record. It fails with ErrStopped, ErrAlreadyExtended, ErrReasonRequired or
// ErrInvalidExtension, checked in that order; on failure the clock is
// unchanged. A paused clock may be extended.
func (c *Clock) Extend(days int, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case c.Stopped != nil:
		return ErrStopped
	case c.Extended:
		return ErrAlreadyExtended
	case reason == "":
		return ErrReasonRequired
	case days <= 0:
		return ErrInvalidExtension
	}
	c.Budget += days
	c.Extended = true
	c.ExtendReason = reason
	return nil
}

// Used returns the working days consumed up to and including today.
func (c Clock) Used(cal *Calendar, today Date) int {
	used := c.Elapsed
	if c.Running() {
		used += cal.WorkingDaysBetween(*c.RunningSince, today)
	}
	return used
}

// Remaining returns Budget minus Used; it is negative once the clock is
// overdue, by the number of working days overrun.
func (c Clock) Remaining(cal *Calendar, today Date) int {
	return c.Budget - c.Used(cal, today)
}

// Deadline returns the last working day allowed if the clock keeps running:
// the day on which Used reaches Budget. ok is false while the clock is paused
// or stopped, because then no deadline exists until it runs again.
//
// The deadline depends only on when the current period began and what was
// consumed before it, so today does not change it; the parameter keeps the
// signature in line with Used and Remaining. When the budget was already
// used up before the current period began, the deadline has passed and
// RunningSince is returned, the earliest day the clock could have hit it.
func (c Clock) Deadline(cal *Calendar, today Date) (deadline Date, ok bool) {
	if !c.Running() {
		return Date{}, false
	}
	left := c.Budget - c.Elapsed
	if left <= 0 {
		return *c.RunningSince, true
	}
	return cal.AddWorkingDays(*c.RunningSince, left), true
}

// Overdue reports whether a running clock has used more working days than
// its budget as of today: the deadline day itself is still on time. Paused
// and stopped clocks are never overdue; their lateness is judged when they
// run again or from Elapsed.
func (c Clock) Overdue(cal *Calendar, today Date) bool {
	return c.Running() && c.Used(cal, today) > c.Budget
}
