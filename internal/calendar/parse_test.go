package calendar

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseYear(t *testing.T) {
	year, days, err := ParseYear([]byte(`{"year":2026,"days":[
		{"name":"国庆节","date":"2026-09-20","isOffDay":false},
		{"name":"国庆节","date":"2026-10-01","isOffDay":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Day{
		{Date: date("2026-09-20"), Name: "国庆节", OffDay: false},
		{Date: date("2026-10-01"), Name: "国庆节", OffDay: true},
	}
	if year != 2026 || len(days) != 2 || days[0] != want[0] || days[1] != want[1] {
		t.Errorf("ParseYear = %d, %+v; want 2026, %+v", year, days, want)
	}

	// holiday-cn puts the New Year holiday's December days in the next
	// year's file; a few days of spill-over either way are accepted.
	for _, ok := range []string{
		`{"year":2023,"days":[{"name":"元旦","date":"2022-12-31","isOffDay":true}]}`,
		`{"year":2023,"days":[{"name":"元旦","date":"2024-01-02","isOffDay":true}]}`,
		`{"year":2023,"days":[]}`,
	} {
		if _, _, err := ParseYear([]byte(ok)); err != nil {
			t.Errorf("ParseYear(%s): %v", ok, err)
		}
	}
}

func TestParseYearErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // a fragment the error must contain, naming the culprit
	}{
		{"malformed JSON", `{"year":2026,"days":[`, "not valid JSON"},
		{"not an object", `[1,2,3]`, "not valid JSON"},
		{"wrong type", `{"year":"2026","days":[]}`, "not valid JSON"},
		{"empty input", ``, "not valid JSON"},
		{"no year", `{"days":[]}`, `no "year"`},
		{"year zero", `{"year":0,"days":[]}`, "outside"},
		{"no days", `{"year":2026}`, `no "days"`},
		{"bad date", `{"year":2026,"days":[{"name":"元旦","date":"2026-02-30","isOffDay":true}]}`,
			`days[0] ("元旦", date "2026-02-30")`},
		{"date outside year", `{"year":2026,"days":[
			{"name":"元旦","date":"2026-01-01","isOffDay":true},
			{"name":"国庆节","date":"2025-10-01","isOffDay":true}]}`,
			`days[1] ("国庆节", date "2025-10-01"): date is not in 2026`},
		{"just beyond the spill-over week", `{"year":2026,"days":[{"name":"元旦","date":"2025-12-24","isOffDay":true}]}`,
			"date is not in 2026"},
		{"duplicate date", `{"year":2026,"days":[
			{"name":"国庆节","date":"2026-10-01","isOffDay":true},
			{"name":"中秋节","date":"2026-09-25","isOffDay":true},
			{"name":"国庆节","date":"2026-10-01","isOffDay":false}]}`,
			`days[2] ("国庆节", date "2026-10-01"): date is already listed at days[0]`},
		{"isOffDay missing", `{"year":2026,"days":[{"name":"元旦","date":"2026-01-01"}]}`,
			`days[0] ("元旦", date "2026-01-01"): "isOffDay" is missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			year, days, err := ParseYear([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseYear = %d, %v; want an error", year, days)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if year != 0 || days != nil {
				t.Errorf("on error got %d, %v; want zero values", year, days)
			}
		})
	}
}

func TestLoadEmbeddedChecksFileNames(t *testing.T) {
	fsys := fstest.MapFS{
		"holidays/2027.json": {Data: []byte(`{"year":2026,"days":[]}`)},
	}
	if _, err := loadEmbedded(fsys); err == nil || !strings.Contains(err.Error(), "holds year 2026") {
		t.Errorf("loadEmbedded with a misnamed file: %v", err)
	}
	fsys = fstest.MapFS{
		"holidays/2026.json": {Data: []byte(`{"year":2026,"days":[{"date":"x","isOffDay":true}]}`)},
	}
	if _, err := loadEmbedded(fsys); err == nil || !strings.HasPrefix(err.Error(), "holidays/2026.json: ") {
		t.Errorf("loadEmbedded error should name the file: %v", err)
	}
}

func FuzzParseYear(f *testing.F) {
	names, err := fs.Glob(holidayFiles, "holidays/*.json")
	if err != nil || len(names) == 0 {
		f.Fatalf("no embedded files: %v", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(holidayFiles, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"year":2026,"days":[{"name":"x","date":"2026-10-01","isOffDay":true}]}`))
	f.Add([]byte(`{"year":9999,"days":[{"name":"x","date":"9999-12-31","isOffDay":false}]}`))
	f.Add([]byte(`{"year":1,"days":[{"name":"x","date":"0001-01-01","isOffDay":false}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		year, days, err := ParseYear(data)
		if err != nil {
			return
		}
		// What ParseYear accepts must satisfy its own contract and be
		// usable by a Calendar.
		seen := map[Date]bool{}
		for _, d := range days {
			if d.Date.Year < year-1 || d.Date.Year > year+1 {
				t.Fatalf("accepted %s in a file for %d", d.Date, year)
			}
			if seen[d.Date] {
				t.Fatalf("accepted duplicate %s", d.Date)
			}
			seen[d.Date] = true
		}
		cal := New(map[int][]Day{year: days})
		for _, d := range days {
			if cal.IsWorkingDay(d.Date) == d.OffDay {
				t.Fatalf("%s: IsWorkingDay disagrees with OffDay=%v", d.Date, d.OffDay)
			}
			if got := cal.AddWorkingDays(d.Date.AddDays(-1), 1); cal.WorkingDaysBetween(d.Date.AddDays(-1), got) != 1 {
				t.Fatalf("AddWorkingDays/WorkingDaysBetween disagree near %s", d.Date)
			}
		}
	})
}
