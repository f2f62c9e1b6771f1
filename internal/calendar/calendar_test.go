package calendar

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The 2026 holidays used below, as published in holidays/2026.json
// (State Council notice of November 2025):
//
//	Spring Festival: make-up Sat 02-14; off Sun 02-15 … Mon 02-23; make-up Sat 02-28.
//	Mid-Autumn:      off Fri 09-25 … Sun 09-27.
//	National Day:    make-up Sun 09-20; off Thu 10-01 … Wed 10-07; make-up Sat 10-10.

func TestIsWorkingDay2026(t *testing.T) {
	cal := Default()
	tests := []struct {
		day  string
		want bool
		why  string
	}{
		{"2026-09-18", true, "ordinary Friday"},
		{"2026-09-19", false, "ordinary Saturday"},
		{"2026-09-20", true, "make-up Sunday for National Day"},
		{"2026-09-25", false, "Mid-Autumn Friday"},
		{"2026-09-30", true, "last working day before National Day"},
		{"2026-10-01", false, "National Day"},
		{"2026-10-05", false, "National Day Monday"},
		{"2026-10-07", false, "last day of Golden Week"},
		{"2026-10-08", true, "first working day after"},
		{"2026-10-10", true, "make-up Saturday for National Day"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2026-02-14", true, "make-up Saturday for Spring Festival"},
		{"2026-02-16", false, "Spring Festival Monday"},
		{"2026-02-23", false, "last day of Spring Festival"},
		{"2026-02-24", true, "first working day after Spring Festival"},
		{"2026-02-28", true, "make-up Saturday after Spring Festival"},
		{"2022-12-31", false, "listed in 2023.json (a Saturday anyway)"},
	}
	for _, tt := range tests {
		if got := cal.IsWorkingDay(date(tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tt.day, got, tt.want, tt.why)
		}
	}
	if d, ok := cal.Lookup(date("2026-10-10")); !ok || d.Name != "国庆节" || d.OffDay {
		t.Errorf("Lookup(2026-10-10) = %+v, %v; want the National Day make-up day", d, ok)
	}
	if _, ok := cal.Lookup(date("2026-10-12")); ok {
		t.Error("Lookup(2026-10-12) found an entry for an ordinary Monday")
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := Default()
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		// National Day 2026: Wed 09-30 is the working day before the holiday.
		{"NationalDay/over the holiday", "2026-09-30", 1, "2026-10-08"},
		{"NationalDay/Friday after", "2026-09-30", 2, "2026-10-09"},
		{"NationalDay/lands on make-up Saturday", "2026-09-30", 3, "2026-10-10"},
		{"NationalDay/then skips Sunday", "2026-09-30", 4, "2026-10-12"},
		{"NationalDay/two weeks", "2026-09-30", 10, "2026-10-20"},
		{"NationalDay/from inside the holiday", "2026-10-03", 1, "2026-10-08"},
		{"NationalDay/make-up Sunday before", "2026-09-18", 1, "2026-09-20"},
		{"NationalDay/Mid-Autumn and Golden Week", "2026-09-18", 12, "2026-10-12"},
		// Spring Festival 2026: Fri 02-13 is the working day before.
		{"SpringFestival/make-up Saturday first", "2026-02-13", 1, "2026-02-14"},
		{"SpringFestival/over the holiday", "2026-02-14", 1, "2026-02-24"},
		{"SpringFestival/trailing make-up Saturday", "2026-02-13", 6, "2026-02-28"},
		{"SpringFestival/Monday after", "2026-02-13", 7, "2026-03-02"},
		// Edge cases.
		{"zero returns the start", "2026-10-03", 0, "2026-10-03"},
		{"negative treated as zero", "2026-10-03", -5, "2026-10-03"},
		{"NewYear/make-up Sunday 2026-01-04", "2025-12-31", 1, "2026-01-04"},
		{"NewYear/then Monday", "2025-12-31", 2, "2026-01-05"},
		// 2026: 261 weekdays - 19 weekday holidays + 6 make-up days = 248.
		{"a whole year", "2025-12-31", 248, "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := date(tt.from)
			got := cal.AddWorkingDays(from, tt.n)
			if got.String() != tt.want {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
			if tt.n > 0 {
				if !cal.IsWorkingDay(got) {
					t.Errorf("result %s is not a working day", got)
				}
				if back := cal.WorkingDaysBetween(from, got); back != tt.n {
					t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", from, got, back, tt.n)
				}
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := Default()
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"NationalDay/over Golden Week", "2026-09-30", "2026-10-12", 4},
		{"NationalDay/holiday only", "2026-09-30", "2026-10-07", 0},
		{"NationalDay/with both make-up days", "2026-09-18", "2026-10-12", 12},
		{"NationalDay/end on make-up Saturday", "2026-10-09", "2026-10-10", 1},
		{"SpringFestival/whole holiday", "2026-02-12", "2026-03-02", 8},
		{"same day", "2026-10-08", "2026-10-08", 0},
		{"b before a", "2026-10-12", "2026-09-30", 0},
		{"ordinary week", "2026-03-06", "2026-03-13", 5},
		{"all of 2026", "2025-12-31", "2026-12-31", 248},
		{"all of 2024", "2023-12-31", "2024-12-31", 251},
	}
	for _, tt := range tests {
		if got := cal.WorkingDaysBetween(date(tt.a), date(tt.b)); got != tt.want {
			t.Errorf("%s: WorkingDaysBetween(%s, %s) = %d, want %d", tt.name, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestYearWithoutDataFallsBackToMondayFriday(t *testing.T) {
	cal := Default()
	if !cal.Provisional(2031) {
		t.Error("Provisional(2031) = false, want true: no data is embedded for 2031")
	}
	if cal.Provisional(2026) {
		t.Error("Provisional(2026) = true, want false")
	}
	tests := []struct {
		day  string
		want bool
	}{
		{"2031-01-01", true}, // Wednesday; New Year's Day, but 2031 has no data yet
		{"2031-01-03", true}, // Friday
		{"2031-01-04", false},
		{"2031-01-05", false},
		{"2031-10-01", true}, // Wednesday
	}
	for _, tt := range tests {
		if got := cal.IsWorkingDay(date(tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
	if got := cal.AddWorkingDays(date("2031-01-03"), 1); got != date("2031-01-06") {
		t.Errorf("AddWorkingDays(Fri 2031-01-03, 1) = %s, want Mon 2031-01-06", got)
	}
	if got := cal.WorkingDaysBetween(date("2030-12-31"), date("2031-12-31")); got != 261 {
		t.Errorf("working days in 2031 = %d, want 261 weekdays", got)
	}
}

func TestEmbeddedYears(t *testing.T) {
	cal := Default()
	if got, want := cal.Years(), []int{2020, 2021, 2022, 2023, 2024, 2025, 2026}; !slices.Equal(got, want) {
		t.Fatalf("Years() = %v, want %v", got, want)
	}
	for _, y := range cal.Years() {
		days := cal.Days(y)
		var off, makeUp int
		for _, d := range days {
			if d.OffDay {
				off++
			} else {
				makeUp++
				if !cal.IsWorkingDay(d.Date) {
					t.Errorf("%d: make-up day %s is not a working day", y, d.Date)
				}
			}
			if d.OffDay && cal.IsWorkingDay(d.Date) {
				t.Errorf("%d: holiday %s is a working day", y, d.Date)
			}
		}
		// Every notice since 2020 has holidays, and every one also moves
		// some working days onto weekends.
		if off == 0 || makeUp == 0 {
			t.Errorf("%d: %d off days and %d make-up days, want some of each", y, off, makeUp)
		}
		if cal.Provisional(y) {
			t.Errorf("Provisional(%d) = true", y)
		}
	}
	if Default() != cal {
		t.Error("Default() built a second calendar")
	}
}

// naiveCalendar answers from the raw entries, one day at a time, so the
// property test compares the indexed arithmetic with the definition.
type naiveCalendar map[Date]bool // date → OffDay

func newNaive(t testing.TB) naiveCalendar {
	years, err := loadEmbedded(holidayFiles)
	if err != nil {
		t.Fatal(err)
	}
	n := naiveCalendar{}
	for _, days := range years {
		for _, d := range days {
			n[d.Date] = d.OffDay
		}
	}
	return n
}

func (n naiveCalendar) isWorking(d Date) bool {
	if off, ok := n[d]; ok {
		return !off
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
}

func (n naiveCalendar) add(d Date, k int) Date {
	for k > 0 {
		d = d.AddDays(1)
		if n.isWorking(d) {
			k--
		}
	}
	return d
}

func (n naiveCalendar) between(a, b Date) int {
	c := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if n.isWorking(d) {
			c++
		}
	}
	return c
}

func TestAgainstNaive(t *testing.T) {
	cal, naive := Default(), newNaive(t)

	// Every day from 2019 to 2028 (covering all data and both fallbacks).
	for d := date("2019-01-01"); d.Before(date("2029-01-01")); d = d.AddDays(1) {
		if got, want := cal.IsWorkingDay(d), naive.isWorking(d); got != want {
			t.Fatalf("IsWorkingDay(%s) = %v, naive %v", d, got, want)
		}
	}

	rng := rand.New(rand.NewPCG(2026, 10))
	first := date("2020-01-01")
	span := date("2027-12-31").dayNumber() - first.dayNumber() + 1
	for range 5000 {
		d := first.AddDays(rng.IntN(span))
		n := 1 + rng.IntN(60)
		got := cal.AddWorkingDays(d, n)
		if want := naive.add(d, n); got != want {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, naive %s", d, n, got, want)
		}
		if !cal.IsWorkingDay(got) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", d, n, got)
		}
		if back := cal.WorkingDaysBetween(d, got); back != n {
			t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d) = %s) = %d", d, d, n, got, back)
		}
		// An arbitrary end date, not only working days.
		e := d.AddDays(rng.IntN(120))
		if got, want := cal.WorkingDaysBetween(d, e), naive.between(d, e); got != want {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, naive %d", d, e, got, want)
		}
	}
}

func TestNewAndWithYear(t *testing.T) {
	// A made-up year 2040: a holiday on Monday 01-02 and a make-up Saturday
	// 01-07; 2039-12-31 (Saturday) is listed under 2040 as a make-up day
	// but under 2039 as an off day, and the 2039 entry must win.
	input := map[int][]Day{
		2039: {{Date: date("2039-12-31"), Name: "own", OffDay: true}},
		2040: {
			{Date: date("2039-12-31"), Name: "spill", OffDay: false},
			{Date: date("2040-01-02"), Name: "元旦", OffDay: true},
			{Date: date("2040-01-07"), Name: "元旦", OffDay: false},
		},
	}
	cal := New(input)
	input[2040][1].OffDay = false // New must have copied its input
	delete(input, 2039)

	if cal.IsWorkingDay(date("2039-12-31")) {
		t.Error("the own-year entry for 2039-12-31 should win over the spill-over one")
	}
	if cal.IsWorkingDay(date("2040-01-02")) || !cal.IsWorkingDay(date("2040-01-07")) {
		t.Error("2040 entries not applied")
	}
	if got := cal.AddWorkingDays(date("2039-12-30"), 5); got != date("2040-01-07") {
		t.Errorf("AddWorkingDays = %s, want the make-up Saturday 2040-01-07", got)
	}
	if !slices.Equal(cal.Years(), []int{2039, 2040}) {
		t.Errorf("Years() = %v", cal.Years())
	}

	// WithYear replaces a year and leaves the original alone.
	replaced := cal.WithYear(2040, nil)
	if !replaced.IsWorkingDay(date("2040-01-02")) || replaced.IsWorkingDay(date("2040-01-07")) {
		t.Error("WithYear(2040, nil) should leave plain Monday–Friday in 2040")
	}
	if replaced.Provisional(2040) {
		t.Error("a year loaded with no entries is still loaded, not provisional")
	}
	if cal.IsWorkingDay(date("2040-01-02")) {
		t.Error("WithYear changed the original calendar")
	}
	added := Default().WithYear(2027, []Day{{Date: date("2027-01-01"), Name: "元旦", OffDay: true}})
	if added.Provisional(2027) || !Default().Provisional(2027) {
		t.Error("WithYear should add 2027 to the new calendar only")
	}
	if added.IsWorkingDay(date("2027-01-01")) || !Default().IsWorkingDay(date("2027-01-01")) {
		t.Error("WithYear(2027) not applied, or applied to Default")
	}
	if !added.IsWorkingDay(date("2026-10-10")) || added.IsWorkingDay(date("2026-10-01")) {
		t.Error("WithYear lost the other years")
	}

	// The zero Calendar is plain Monday–Friday.
	var zero Calendar
	if got := zero.AddWorkingDays(date("2026-09-30"), 1); got != date("2026-10-01") {
		t.Errorf("zero calendar: AddWorkingDays = %s", got)
	}
	if got := zero.WorkingDaysBetween(date("2026-09-30"), date("2026-10-12")); got != 8 {
		t.Errorf("zero calendar: WorkingDaysBetween = %d, want 8", got)
	}
	if !zero.Provisional(2026) || len(zero.Years()) != 0 {
		t.Error("zero calendar should have no years")
	}
	if z := (&zero).WithYear(2026, nil); z.Provisional(2026) {
		t.Error("WithYear on the zero calendar")
	}
}

// benchStarts are the start dates the benchmarks cycle through: every day
// from mid-2020 to the end of 2026, so that the work per call varies with
// how many holidays the range crosses, as it does on a real dashboard.
func benchStarts() []Date {
	var starts []Date
	for d := date("2020-06-01"); d.Before(date("2027-01-01")); d = d.AddDays(1) {
		starts = append(starts, d)
	}
	return starts
}

func BenchmarkAddWorkingDays(b *testing.B) {
	cal, starts := Default(), benchStarts()
	i := 0
	for b.Loop() {
		// Budgets of 10–45 working days, like the review clocks.
		cal.AddWorkingDays(starts[i%len(starts)], 10+i%36)
		i++
	}
}

func BenchmarkWorkingDaysBetween(b *testing.B) {
	cal, starts := Default(), benchStarts()
	i := 0
	for b.Loop() {
		// Ranges of 2–11 weeks.
		cal.WorkingDaysBetween(starts[i%len(starts)], starts[(i+14+i%64)%len(starts)])
		i++
	}
}
