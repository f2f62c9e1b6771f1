package calendar

import (
	"maps"
	"slices"
)

// Day is one entry of a year's holiday notice: a public holiday or a
// make-up working day.
type Day struct {
	Date Date
	// Name is the festival the day belongs to, e.g. "国庆节"; make-up working
	// days carry the name of the holiday they pay for.
	Name string
	// OffDay is true for a public holiday (off even on a weekday) and false
	// for a make-up working day (working even on a Saturday or Sunday).
	OffDay bool
}

// Calendar answers whether a date is a working day in mainland China and
// counts working days between dates.
//
// A Calendar is immutable once built, so one value can be shared by every
// request and job without locking; WithYear returns a new Calendar rather
// than changing this one. The zero Calendar is usable: it has no data, so
// every year is provisional and only Monday–Friday are working days.
type Calendar struct {
	// years holds each loaded year's entries as given (copied), so Years,
	// Days, Provisional and WithYear can answer in terms of the input.
	years map[int][]Day

	// entries is every listed day, one per date, sorted by day number, for
	// IsWorkingDay and Lookup.
	entries []entry

	// specials are the day numbers, ascending, on which the notices override
	// the Monday–Friday rule: holidays on weekdays and make-up days on
	// weekends. Entries that agree with the rule (a holiday on a Sunday) are
	// not special. Counting is closed-form weekday arithmetic corrected by
	// the specials in range, so its cost grows with the number of specials
	// crossed, never with the number of days.
	specials []int

	// correction[i] is the net change to the Monday–Friday count made by
	// specials[:i]: +1 for each make-up day, -1 for each weekday holiday.
	// It has len(specials)+1 elements, so any range of specials is corrected
	// by one subtraction.
	correction []int
}

// entry is a listed day with its day number, the key it is sorted by.
type entry struct {
	n   int
	day Day
}

// New builds a Calendar from holiday data keyed by year. It is meant for
// tests and for years an administrator loads; validate untrusted input with
// ParseYear first, since New does not reject anything.
//
// A year present as a key, even with no days, counts as loaded (not
// provisional). When a date is listed more than once, the entry listed under
// the date's own year beats one listed under a neighbouring year (holiday-cn
// lists 2022-12-31 in its 2023 file, for the New Year holiday); otherwise
// the later year, and within a year the later entry, wins. New copies its
// input, so the caller may reuse the map and slices.
func New(years map[int][]Day) *Calendar {
	c := &Calendar{years: make(map[int][]Day, len(years))}
	for y, days := range years {
		c.years[y] = slices.Clone(days)
	}
	c.index()
	return c
}

// WithYear returns a new Calendar equal to c with year's data replaced by
// days (or added, if c had none), leaving c unchanged. This is how an
// administrator's upload of a new year's notice takes effect: build the new
// Calendar, then swap the pointer that requests read.
func (c *Calendar) WithYear(year int, days []Day) *Calendar {
	years := maps.Clone(c.years)
	if years == nil {
		years = make(map[int][]Day, 1)
	}
	years[year] = days
	// New copies every slice again; the years are small (a few dozen days)
	// and the copy keeps the ownership rule simple.
	return New(years)
}

// index builds entries, specials and correction from years.
func (c *Calendar) index() {
	byDay := make(map[int]Day)
	ys := slices.Sorted(maps.Keys(c.years))
	// Two passes implement the precedence documented on New: entries listed
	// under a neighbouring year first, then each date's own-year entries
	// overwrite them.
	for _, ownYearPass := range []bool{false, true} {
		for _, y := range ys {
			for _, d := range c.years[y] {
				n := d.Date.dayNumber()
				d.Date = fromDayNumber(n) // normalise out-of-range fields
				if (d.Date.Year == y) == ownYearPass {
					byDay[n] = d
				}
			}
		}
	}

	c.entries = make([]entry, 0, len(byDay))
	for n, d := range byDay {
		c.entries = append(c.entries, entry{n: n, day: d})
	}
	slices.SortFunc(c.entries, func(a, b entry) int { return a.n - b.n })

	c.specials = nil
	c.correction = []int{0}
	for _, e := range c.entries {
		weekend := isWeekend(e.n)
		if e.day.OffDay == weekend {
			continue // agrees with the Monday–Friday rule
		}
		delta := -1 // a holiday on a weekday
		if weekend {
			delta = +1 // a make-up working day on a weekend
		}
		c.specials = append(c.specials, e.n)
		c.correction = append(c.correction, c.correction[len(c.correction)-1]+delta)
	}
}

// Years returns the years the calendar has data for, ascending.
func (c *Calendar) Years() []int { return slices.Sorted(maps.Keys(c.years)) }

// Days returns a copy of the entries loaded for year, in the order given,
// or nil if the year has no data.
func (c *Calendar) Days(year int) []Day { return slices.Clone(c.years[year]) }

// Provisional reports whether the calendar has no data for year, in which
// case its answers for that year come from the Monday–Friday rule and may
// change once the year's notice is loaded. Deadlines that fall in a
// provisional year should be shown as such.
func (c *Calendar) Provisional(year int) bool {
	_, ok := c.years[year]
	return !ok
}

// Lookup returns the holiday-notice entry for d, if there is one.
func (c *Calendar) Lookup(d Date) (Day, bool) {
	i, ok := c.find(d.dayNumber())
	if !ok {
		return Day{}, false
	}
	return c.entries[i].day, true
}

// IsWorkingDay reports whether d is a working day: a make-up working day is
// one, a public holiday is not, and any other day is one if it falls
// Monday–Friday.
func (c *Calendar) IsWorkingDay(d Date) bool {
	n := d.dayNumber()
	if i, ok := c.find(n); ok {
		return !c.entries[i].day.OffDay
	}
	return !isWeekend(n)
}

// find returns the index of day number n in entries.
func (c *Calendar) find(n int) (int, bool) {
	return slices.BinarySearchFunc(c.entries, n, func(e entry, n int) int { return e.n - n })
}

// WorkingDaysBetween returns the number of working days in (a, b]: a itself
// does not count and b does, matching how a clock counts a day once it has
// been reached. It is 0 when b is not after a.
func (c *Calendar) WorkingDaysBetween(a, b Date) int {
	x, y := a.dayNumber(), b.dayNumber()
	if y <= x {
		return 0
	}
	lo, _ := slices.BinarySearch(c.specials, x+1)
	hi, _ := slices.BinarySearch(c.specials, y+1)
	return weekdaysThrough(y) - weekdaysThrough(x) + c.corrected(lo, hi)
}

// corrected returns the net correction made by specials[lo:hi].
func (c *Calendar) corrected(lo, hi int) int {
	if lo == hi {
		return 0 // also covers the zero Calendar, whose correction is nil
	}
	return c.correction[hi] - c.correction[lo]
}

// AddWorkingDays returns the n-th working day strictly after d, so that
// WorkingDaysBetween(d, AddWorkingDays(d, n)) == n and the result is a
// working day. For n == 0 it returns d unchanged, working day or not.
//
// Negative n is treated as 0 rather than counting backwards: no clock needs
// it, and on a dashboard a wrong-but-safe answer beats a panic.
func (c *Calendar) AddWorkingDays(d Date, n int) Date {
	if n <= 0 {
		return d
	}
	cur := d.dayNumber()
	// Walk from special day to special day. Between two specials the
	// Monday–Friday rule holds, so each gap is counted in O(1).
	for i, _ := slices.BinarySearch(c.specials, cur+1); i < len(c.specials); i++ {
		s := c.specials[i]
		gap := weekdaysThrough(s-1) - weekdaysThrough(cur)
		if gap >= n {
			break // the answer lies before s
		}
		n -= gap
		if isWeekend(s) { // a make-up working day
			n--
			if n == 0 {
				return fromDayNumber(s)
			}
		}
		cur = s
	}
	return fromDayNumber(nthWeekdayAfter(cur, n))
}

// refMonday is the day number of Monday 1970-01-05, the origin of the week
// arithmetic below.
const refMonday = 4

// isWeekend reports whether day number n is a Saturday or Sunday.
func isWeekend(n int) bool { return floorMod(n-refMonday, 7) >= 5 }

// weekdaysThrough returns the number of Mondays–Fridays from refMonday up to
// and including day n (negative before refMonday). Only differences are
// meaningful: weekdaysThrough(b) - weekdaysThrough(a) counts the weekdays in
// (a, b].
func weekdaysThrough(n int) int {
	k := n - refMonday
	w := floorDiv(k, 7)
	r := k - 7*w // 0 = Monday … 6 = Sunday
	return 5*w + min(r+1, 5)
}

// nthWeekdayAfter returns the count-th Monday–Friday strictly after day n,
// for count >= 1: the smallest day whose weekdaysThrough reaches the target.
func nthWeekdayAfter(n, count int) int {
	target := weekdaysThrough(n) + count
	w := floorDiv(target-1, 5) // whole weeks before the target's week
	q := target - 5*w          // 1 = Monday … 5 = Friday
	return refMonday + 7*w + q - 1
}
