package calendar

import (
	"errors"
	"testing"
)

// TestClockAcrossNationalDay follows a 10-day review clock through Golden
// Week 2026, a pause over the make-up weekend of 10-10/10-11, a resume, and
// an extension.
func TestClockAcrossNationalDay(t *testing.T) {
	cal := Default()
	c := Start("review", 10, date("2026-09-28")) // Monday

	// Counting from Mon 09-28 (not counted): 09-29, 09-30, [Golden Week],
	// 10-08, 10-09, 10-10 (make-up Saturday), 10-12 … 10-16.
	deadline0, ok := c.Deadline(cal, date("2026-09-28"))
	if !ok || deadline0 != date("2026-10-16") {
		t.Fatalf("initial deadline = %s, %v; want 2026-10-16", deadline0, ok)
	}
	steps := []struct {
		today string
		used  int
	}{
		{"2026-09-28", 0}, // the start day does not count
		{"2026-09-29", 1},
		{"2026-09-30", 2},
		{"2026-10-07", 2}, // all of Golden Week is free
		{"2026-10-08", 3},
		{"2026-10-16", 10}, // the deadline: on time
	}
	for _, s := range steps {
		if got := c.Used(cal, date(s.today)); got != s.used {
			t.Errorf("Used(%s) = %d, want %d", s.today, got, s.used)
		}
		if got := c.Remaining(cal, date(s.today)); got != 10-s.used {
			t.Errorf("Remaining(%s) = %d, want %d", s.today, got, 10-s.used)
		}
	}
	if c.Overdue(cal, date("2026-10-16")) {
		t.Error("overdue on the deadline day")
	}
	if !c.Overdue(cal, date("2026-10-19")) || c.Remaining(cal, date("2026-10-19")) != -1 {
		t.Error("not overdue, by one day, on the working day after the deadline")
	}

	// Pause on Fri 10-09 (counted), resume on Wed 10-14 (not counted). The
	// pause covers the make-up Saturday 10-10, Sunday, and Mon–Wed: 4
	// working days, so the deadline moves by exactly 4 working days.
	pause, resume := date("2026-10-09"), date("2026-10-14")
	if err := c.Pause(cal, pause); err != nil {
		t.Fatal(err)
	}
	if !c.Paused() || c.Running() || c.Elapsed != 4 {
		t.Fatalf("after Pause: paused=%v running=%v elapsed=%d; want paused with 4 elapsed", c.Paused(), c.Running(), c.Elapsed)
	}
	if _, ok := c.Deadline(cal, date("2026-10-12")); ok {
		t.Error("a paused clock has a deadline")
	}
	if got := c.Used(cal, date("2026-10-13")); got != 4 {
		t.Errorf("Used while paused = %d, want 4", got)
	}
	if c.Overdue(cal, date("2026-12-31")) {
		t.Error("a paused clock is overdue")
	}
	if err := c.Pause(cal, date("2026-10-12")); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Pause while paused: %v, want ErrNotRunning", err)
	}
	if err := c.Resume(resume); err != nil {
		t.Fatal(err)
	}
	if err := c.Resume(resume); !errors.Is(err, ErrNotPaused) {
		t.Errorf("Resume while running: %v, want ErrNotPaused", err)
	}

	pausedDays := cal.WorkingDaysBetween(pause, resume)
	if pausedDays != 4 {
		t.Fatalf("working days paused = %d, want 4", pausedDays)
	}
	deadline1, ok := c.Deadline(cal, resume)
	if !ok || deadline1 != date("2026-10-22") {
		t.Fatalf("deadline after resume = %s, %v; want 2026-10-22", deadline1, ok)
	}
	if moved := cal.AddWorkingDays(deadline0, pausedDays); deadline1 != moved {
		t.Errorf("deadline moved to %s, want %s (old deadline + %d working days)", deadline1, moved, pausedDays)
	}
	if got := c.Used(cal, date("2026-10-20")); got != 8 { // 4 + 10-15, 16, 19, 20
		t.Errorf("Used(2026-10-20) = %d, want 8", got)
	}

	// Extend once.
	if err := c.Extend(ComplexExtension, "  marked complex by the office  "); err != nil {
		t.Fatal(err)
	}
	if c.Budget != 25 || !c.Extended || c.ExtendReason != "marked complex by the office" {
		t.Errorf("after Extend: %+v", c)
	}
	if d, _ := c.Deadline(cal, resume); d != cal.AddWorkingDays(deadline1, ComplexExtension) {
		t.Errorf("extended deadline = %s, want %s", d, cal.AddWorkingDays(deadline1, ComplexExtension))
	}
	before := c
	if err := c.Extend(5, "again"); !errors.Is(err, ErrAlreadyExtended) {
		t.Errorf("second Extend: %v, want ErrAlreadyExtended", err)
	}
	if c != before {
		t.Error("a failed Extend changed the clock")
	}

	// Stop records the final period.
	if err := c.Stop(cal, date("2026-10-21")); err != nil {
		t.Fatal(err)
	}
	if c.Elapsed != 9 || c.Running() || c.Paused() || c.Stopped == nil {
		t.Errorf("after Stop: %+v", c)
	}
	if got := c.Used(cal, date("2027-06-01")); got != 9 {
		t.Errorf("Used after Stop = %d, want 9 for ever", got)
	}
	if _, ok := c.Deadline(cal, date("2026-10-22")); ok {
		t.Error("a stopped clock has a deadline")
	}
	for name, err := range map[string]error{
		"Pause":  c.Pause(cal, date("2026-10-22")),
		"Resume": c.Resume(date("2026-10-22")),
		"Stop":   c.Stop(cal, date("2026-10-22")),
		"Extend": c.Extend(1, "late"),
	} {
		if !errors.Is(err, ErrStopped) {
			t.Errorf("%s after Stop: %v, want ErrStopped", name, err)
		}
	}
}

func TestClockAcrossSpringFestival(t *testing.T) {
	cal := Default()
	c := Start("screening", Defaults["screening"], date("2026-02-10")) // Tuesday
	// 02-11, 02-12, 02-13, 02-14 (make-up Saturday), [02-15 … 02-23 off],
	// 02-24 … 02-27, 02-28 (make-up Saturday), 03-02.
	if d, ok := c.Deadline(cal, date("2026-02-10")); !ok || d != date("2026-03-02") {
		t.Errorf("deadline = %s, %v; want 2026-03-02", d, ok)
	}
	if got := c.Used(cal, date("2026-02-23")); got != 4 {
		t.Errorf("Used on the last day of the holiday = %d, want 4", got)
	}
	if got := c.Remaining(cal, date("2026-02-28")); got != 1 {
		t.Errorf("Remaining on the make-up Saturday = %d, want 1", got)
	}
}

func TestClockExtendValidation(t *testing.T) {
	tests := []struct {
		name   string
		days   int
		reason string
		want   error
	}{
		{"OK", 15, "complex", nil},
		{"ErrReasonRequired/empty", 15, "", ErrReasonRequired},
		{"ErrReasonRequired/blank", 15, " \t\n", ErrReasonRequired},
		{"ErrInvalidExtension/zero", 0, "complex", ErrInvalidExtension},
		{"ErrInvalidExtension/negative", -3, "complex", ErrInvalidExtension},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Start("deliberation", 15, date("2026-03-02"))
			err := c.Extend(tt.days, tt.reason)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Extend(%d, %q) = %v, want %v", tt.days, tt.reason, err, tt.want)
			}
			if tt.want != nil && (c.Extended || c.Budget != 15) {
				t.Errorf("a failed Extend changed the clock: %+v", c)
			}
			if tt.want == nil && (c.Budget != 30 || !c.Extended) {
				t.Errorf("Extend did not apply: %+v", c)
			}
		})
	}

	// A paused clock may be extended.
	c := Start("supplement", 10, date("2026-03-02"))
	if err := c.Pause(Default(), date("2026-03-03")); err != nil {
		t.Fatal(err)
	}
	if err := c.Extend(5, "provider asked"); err != nil {
		t.Errorf("Extend while paused: %v", err)
	}
}

func TestClockEdges(t *testing.T) {
	cal := Default()

	// Stopping a paused clock keeps what was used before the pause.
	c := Start("supplement", 10, date("2026-03-02"))
	_ = c.Pause(cal, date("2026-03-04")) // 03-03, 03-04
	if err := c.Stop(cal, date("2026-03-20")); err != nil || c.Elapsed != 2 {
		t.Errorf("Stop while paused: %v, elapsed %d; want 2", err, c.Elapsed)
	}

	// A clock whose budget ran out before it was paused is overdue as soon
	// as it runs again, and its deadline is reported as the resume day.
	c = Start("screening", 2, date("2026-03-02"))
	_ = c.Pause(cal, date("2026-03-06")) // 4 working days used
	_ = c.Resume(date("2026-03-09"))
	if d, ok := c.Deadline(cal, date("2026-03-09")); !ok || d != date("2026-03-09") {
		t.Errorf("deadline of an exhausted clock = %s, %v; want the resume day", d, ok)
	}
	if !c.Overdue(cal, date("2026-03-09")) || c.Remaining(cal, date("2026-03-10")) != -3 {
		t.Error("exhausted clock should be overdue")
	}

	// A pause dated before the period began consumes nothing.
	c = Start("screening", 10, date("2026-03-10"))
	if err := c.Pause(cal, date("2026-03-05")); err != nil || c.Elapsed != 0 {
		t.Errorf("backdated pause: %v, elapsed %d", err, c.Elapsed)
	}

	for kind, want := range map[string]int{"screening": 10, "determination": 10, "supplement": 10, "review": 30, "deliberation": 15} {
		if Defaults[kind] != want {
			t.Errorf("Defaults[%q] = %d, want %d (DESIGN §3)", kind, Defaults[kind], want)
		}
	}
}
