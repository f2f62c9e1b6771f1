package calendar

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// date parses a literal test date; a typo in a test is a bug in the test.
func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: "2026-10-01", want: Date{2026, time.October, 1}},
		{in: "2024-02-29", want: Date{2024, time.February, 29}},
		{in: "0001-01-01", want: Date{1, time.January, 1}},
		{in: "2025-02-29", wantErr: true}, // not a leap year
		{in: "2026-02-30", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-1-01", wantErr: true},
		{in: "2026/01/01", wantErr: true},
		{in: "2026-01-01T00:00:00Z", wantErr: true},
		{in: " 2026-01-01", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseDate(%q) = %v, want error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseDate(%q).String() = %q", tt.in, s)
		}
	}
}

func TestDateOfUsesChinaStandardTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		// 16:00 UTC is midnight in Beijing: already the next day.
		{time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC), "2026-10-01"},
		{time.Date(2026, 9, 30, 15, 59, 59, 0, time.UTC), "2026-09-30"},
		{time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), "2027-01-01"},
		// A time in another zone is converted, not reinterpreted.
		{time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("X", -5*3600)), "2026-01-01"},
		{time.Date(2026, 1, 1, 11, 30, 0, 0, time.FixedZone("X", -5*3600)), "2026-01-02"},
	}
	for _, tt := range tests {
		if got := DateOf(tt.in).String(); got != tt.want {
			t.Errorf("DateOf(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := date("2026-10-01").Time(); !got.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v, want midnight CST", got)
	}
	if got := DateOf(date("2026-10-01").Time()); got != date("2026-10-01") {
		t.Errorf("DateOf(d.Time()) = %v, want round trip", got)
	}
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-01"},
		{"2026-02-28", 1, "2026-03-01"},
		{"2024-02-28", 1, "2024-02-29"},
		{"2026-12-31", 1, "2027-01-01"},
		{"2026-01-01", -1, "2025-12-31"},
		{"2026-10-01", 0, "2026-10-01"},
		{"2026-01-01", 365, "2027-01-01"},
		{"1970-01-01", -1, "1969-12-31"},
	}
	for _, tt := range tests {
		if got := date(tt.from).AddDays(tt.n).String(); got != tt.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}

	a, b := date("2026-09-30"), date("2026-10-01")
	if !a.Before(b) || a.After(b) || !b.After(a) || b.Before(a) || a.Before(a) || a.After(a) {
		t.Error("Before/After disagree with the calendar order")
	}
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Compare disagrees with the calendar order")
	}
	// An out-of-range date compares as the day time.Date makes of it.
	if (Date{2026, time.February, 29}).Compare(date("2026-03-01")) != 0 {
		t.Error("2026-02-29 should normalise to 2026-03-01")
	}
	if !(Date{}).IsZero() || date("2026-01-01").IsZero() {
		t.Error("IsZero wrong")
	}
}

// TestDayNumbersAgreeWithTime checks the day-number helpers, weekday and the
// closed-form weekday arithmetic against the time package and a naive count,
// on both sides of the epoch.
func TestDayNumbersAgreeWithTime(t *testing.T) {
	start := time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 366 * 70 {
		tm := start.AddDate(0, 0, i)
		d := Date{tm.Year(), tm.Month(), tm.Day()}
		n := d.dayNumber()
		if back := fromDayNumber(n); back != d {
			t.Fatalf("fromDayNumber(dayNumber(%v)) = %v", d, back)
		}
		if d.Weekday() != tm.Weekday() {
			t.Fatalf("%v.Weekday() = %v, want %v", d, d.Weekday(), tm.Weekday())
		}
		if wk := tm.Weekday() == time.Saturday || tm.Weekday() == time.Sunday; isWeekend(n) != wk {
			t.Fatalf("isWeekend(%v) = %v", d, !wk)
		}
	}

	naiveCount := func(a, b int) int { // weekdays in (a, b]
		c := 0
		for n := a + 1; n <= b; n++ {
			if !isWeekend(n) {
				c++
			}
		}
		return c
	}
	for a := -30; a < 30; a++ {
		for span := 0; span < 40; span++ {
			if got, want := weekdaysThrough(a+span)-weekdaysThrough(a), naiveCount(a, a+span); got != want {
				t.Fatalf("weekdays in (%d, %d] = %d, want %d", a, a+span, got, want)
			}
		}
		for count := 1; count < 30; count++ {
			got := nthWeekdayAfter(a, count)
			if isWeekend(got) || naiveCount(a, got) != count {
				t.Fatalf("nthWeekdayAfter(%d, %d) = %d (weekend %v, count %d)", a, count, got, isWeekend(got), naiveCount(a, got))
			}
		}
	}
}

func TestDateJSON(t *testing.T) {
	type rec struct {
		On   Date
		Zero Date
		Ptr  *Date
	}
	on := date("2026-10-08")
	in := rec{On: on, Ptr: &on}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"On":"2026-10-08","Zero":"","Ptr":"2026-10-08"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var out rec
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.On != on || !out.Zero.IsZero() || out.Ptr == nil || *out.Ptr != on {
		t.Errorf("round trip = %+v", out)
	}
	if err := json.Unmarshal([]byte(`{"On":"2026-02-30"}`), &out); err == nil {
		t.Error("invalid date decoded without error")
	}
}

// TestDayNumberMatchesTimeDate checks the hand-written conversion against
// the time package, far beyond the years the calendar needs and for
// out-of-range fields, which both must normalise the same way.
func TestDayNumberMatchesTimeDate(t *testing.T) {
	const secondsPerDay = 24 * 60 * 60
	viaTime := func(y int, m time.Month, d int) int {
		return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
	}
	// Every day of four centuries, including 1600 and 2000 (leap) and 1700,
	// 1800, 1900 (not leap), and either side of the epoch.
	for tm := time.Date(1599, 1, 1, 0, 0, 0, 0, time.UTC); tm.Year() < 2401; tm = tm.AddDate(0, 0, 1) {
		d := Date{tm.Year(), tm.Month(), tm.Day()}
		n := d.dayNumber()
		if want := int(tm.Unix() / secondsPerDay); n != want {
			t.Fatalf("dayNumber(%v) = %d, want %d", d, n, want)
		}
		if back := fromDayNumber(n); back != d {
			t.Fatalf("fromDayNumber(%d) = %v, want %v", n, back, d)
		}
	}
	// Out-of-range and extreme fields.
	for _, d := range []Date{
		{2026, time.February, 30}, {2026, 13, 1}, {2026, 0, 1}, {2026, -13, 40},
		{2026, time.March, 0}, {2026, time.March, -400}, {2024, time.February, 1000},
		{1, time.January, 1}, {0, time.March, 1}, {-1, time.December, 31}, {9999, time.December, 31},
		{-4713, time.November, 24}, {123456, time.July, 4},
	} {
		if got, want := d.dayNumber(), viaTime(d.Year, d.Month, d.Day); got != want {
			t.Errorf("dayNumber(%+v) = %d, time.Date says %d", d, got, want)
		}
		tm := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		if got, want := fromDayNumber(d.dayNumber()), (Date{tm.Year(), tm.Month(), tm.Day()}); got != want {
			t.Errorf("normalised %+v = %+v, time.Date says %+v", d, got, want)
		}
	}
}

// TestDateStringMatchesSprintf: String is written by hand for speed and
// must say what the plain format says, zero date and far years included.
func TestDateStringMatchesSprintf(t *testing.T) {
	for _, d := range []Date{{}, {Year: 2026, Month: 3, Day: 2}, {Year: 1999, Month: 12, Day: 31}, {Year: 7, Month: 1, Day: 9},
		{Year: 9999, Month: 12, Day: 31}, {Year: 10000, Month: 1, Day: 1}, {Year: -1, Month: 1, Day: 1}} {
		if got, want := d.String(), fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day); got != want {
			t.Errorf("%+v: %q, want %q", d, got, want)
		}
	}
}
