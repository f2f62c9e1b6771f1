package calendar

import (
	"encoding/json"
	"fmt"
	"time"
)

// spillDays is how far into a neighbouring year a file may reach. holiday-cn
// lists every day of a holiday under the year the holiday is named for, so
// the New Year holiday can put a day or two of late December in the next
// year's file (2023.json lists 2022-12-31). A week covers that and still
// rejects a date that is simply wrong.
const spillDays = 7

// yearFile is the holiday-cn file format. Pointers tell a missing field from
// a zero value, so a file without "year" or "isOffDay" is rejected rather
// than read as year 0 or as a working day.
type yearFile struct {
	Year *int       `json:"year"`
	Days []dayEntry `json:"days"`
}

type dayEntry struct {
	Name     string `json:"name"`
	Date     string `json:"date"`
	IsOffDay *bool  `json:"isOffDay"`
}

// ParseYear parses one year of holiday data in the holiday-cn JSON format
// (see holidays/README.md) and validates it: "year" must be present and in
// 1–9999, "days" must be present, and every entry needs a date that parses,
// lies in that year (or within a week of it, for a holiday that straddles
// New Year), is listed once only, and an explicit "isOffDay". Errors name
// the offending entry by index, name and date. The days are returned in
// file order.
func ParseYear(data []byte) (year int, days []Day, err error) {
	var f yearFile
	if err := json.Unmarshal(data, &f); err != nil {
		return 0, nil, fmt.Errorf("calendar: holiday file is not valid JSON: %w", err)
	}
	if f.Year == nil {
		return 0, nil, fmt.Errorf(`calendar: holiday file has no "year"`)
	}
	year = *f.Year
	if year < 1 || year > 9999 {
		return 0, nil, fmt.Errorf(`calendar: holiday file "year" %d is outside 1–9999`, year)
	}
	if f.Days == nil {
		return 0, nil, fmt.Errorf(`calendar: holiday file for %d has no "days" list`, year)
	}

	first := Date{Year: year, Month: time.January, Day: 1}.AddDays(-spillDays)
	last := Date{Year: year, Month: time.December, Day: 31}.AddDays(spillDays)
	seen := make(map[Date]int, len(f.Days))
	days = make([]Day, 0, len(f.Days))
	for i, e := range f.Days {
		where := fmt.Sprintf("calendar: holiday file for %d: days[%d] (%q, date %q)", year, i, e.Name, e.Date)
		d, err := ParseDate(e.Date)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %w", where, err)
		}
		if d.Before(first) || d.After(last) {
			return 0, nil, fmt.Errorf("%s: date is not in %d", where, year)
		}
		if j, dup := seen[d]; dup {
			return 0, nil, fmt.Errorf("%s: date is already listed at days[%d]", where, j)
		}
		seen[d] = i
		if e.IsOffDay == nil {
			return 0, nil, fmt.Errorf(`%s: "isOffDay" is missing`, where)
		}
		days = append(days, Day{Date: d, Name: e.Name, OffDay: *e.IsOffDay})
	}
	return year, days, nil
}
