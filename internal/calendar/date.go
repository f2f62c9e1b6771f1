package calendar

import (
	"fmt"
	"time"
)

// cst is China Standard Time. China has kept a single UTC+8 zone without
// daylight saving since 1991, so a fixed zone is exact for every date this
// package handles and spares the binary a dependency on the host's tzdata.
var cst = time.FixedZone("CST", 8*60*60)

// Location returns the fixed UTC+8 zone in which Dates are civil dates, for
// callers that need to format or construct times consistently with DateOf.
func Location() *time.Location { return cst }

// dateLayout is the only textual form of a Date, the one holiday-cn uses.
const dateLayout = "2006-01-02"

// Date is a civil date in China Standard Time (no time of day).
//
// The zero Date is not a real day; IsZero reports it. A Date whose fields
// are out of range (February 30) is interpreted the way time.Date
// normalises it (March 1 or 2), by every method except String.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date on which t falls in China Standard Time, so an
// instant just after midnight Beijing time belongs to the new day even when
// it is still the previous day in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.In(cst).Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses the form "2006-01-02". It rejects days that do not exist
// (2026-02-30), so a parsed Date is always normalised.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(dateLayout, s, cst)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: date %q is not a valid YYYY-MM-DD date: %w", s, err)
	}
	return DateOf(t), nil
}

// String formats d as "2006-01-02".
func (d Date) String() string {
	if d.Year < 0 || d.Year > 9999 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	// Written by hand: the register formats a date on every answer.
	var b [10]byte
	two := func(i, v int) { b[i], b[i+1] = byte('0'+v/10%10), byte('0'+v%10) }
	two(0, d.Year/100)
	two(2, d.Year%100)
	b[4], b[7] = '-', '-'
	two(5, int(d.Month))
	two(8, d.Day)
	return string(b[:])
}

// IsZero reports whether d is the zero Date, which stands for "no date".
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight at the start of d in China Standard Time.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, cst)
}

// AddDays returns the date n calendar days after d (before d if n < 0).
func (d Date) AddDays(n int) Date { return fromDayNumber(d.dayNumber() + n) }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.dayNumber() < o.dayNumber() }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.dayNumber() > o.dayNumber() }

// Compare returns -1, 0 or +1 as d is before, the same day as, or after o;
// it suits slices.SortFunc.
func (d Date) Compare(o Date) int {
	a, b := d.dayNumber(), o.dayNumber()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// Day 0, 1970-01-01, was a Thursday.
	return time.Weekday(floorMod(d.dayNumber()+int(time.Thursday), 7))
}

// MarshalText encodes d as "2006-01-02", and the zero Date as "", so a Clock
// and other structs holding Dates serialise readably as JSON.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText is the inverse of MarshalText: "" decodes to the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// dayNumber returns the number of days from 1970-01-01 to d. All arithmetic
// in this package is done on day numbers, where "the next day" is +1 and
// weeks are multiples of 7, rather than on year/month/day triples.
//
// The conversion is done by hand rather than through time.Date because it
// sits on the hot path of every deadline on a dashboard and the closed form
// is several times faster. Out-of-range months and days are normalised the
// way time.Date does it; a test checks the two agree.
func (d Date) dayNumber() int {
	y, m := d.Year, int(d.Month)-1 // m: 0 = January
	y += floorDiv(m, 12)
	m = floorMod(m, 12)
	// Count years from March, so that the leap day is the last day of a
	// counting year and month lengths repeat in a fixed 153-day pattern of
	// five months (31+30+31+30+31).
	if m < 2 {
		y--
		m += 10 // January and February are months 10 and 11 from March
	} else {
		m -= 2 // March is 0
	}
	era := floorDiv(y, 400) // the Gregorian calendar repeats every 400 years
	yoe := y - 400*era      // year of era, 0–399
	doy := (153*m+2)/5 + d.Day - 1
	doe := 365*yoe + yoe/4 - yoe/100 + doy // day of era
	return 146097*era + doe - unixEpochFromMarch
}

// unixEpochFromMarch is the day number, counted from 0000-03-01, of
// 1970-01-01.
const unixEpochFromMarch = 719468

// fromDayNumber is the inverse of dayNumber.
func fromDayNumber(n int) Date {
	z := n + unixEpochFromMarch
	era := floorDiv(z, 146097)
	doe := z - 146097*era // 0–146096
	// Remove the leap days of the era so far, then divide by 365.
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100) // 0–365, from March 1
	m := (5*doy + 2) / 153                   // 0 = March … 11 = February
	day := doy - (153*m+2)/5 + 1
	y := 400*era + yoe
	if m >= 10 {
		y++ // January and February belong to the next calendar year
		m -= 12
	}
	return Date{Year: y, Month: time.Month(m + 3), Day: day}
}

// floorDiv divides rounding towards negative infinity, so week arithmetic
// works the same on both sides of the epoch.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// floorMod is the remainder matching floorDiv; it has the sign of b.
func floorMod(a, b int) int { return a - b*floorDiv(a, b) }
