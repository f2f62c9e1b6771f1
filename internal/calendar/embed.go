package calendar

import (
	"embed"
	"fmt"
	"io/fs"
	"sync"
)

// holidayFiles are the official notices, one holiday-cn file per year. They
// are compiled in so a fresh install counts working days correctly with no
// setup and no network.
//
//go:embed holidays/*.json
var holidayFiles embed.FS

// Default returns the calendar built from the embedded holiday files. It is
// built on first use and shared; being immutable, it is safe for concurrent
// use. Years after the last embedded file are provisional.
func Default() *Calendar { return defaultCalendar() }

var defaultCalendar = sync.OnceValue(func() *Calendar {
	years, err := loadEmbedded(holidayFiles)
	if err != nil {
		// The files are part of the binary and a test loads every one, so
		// this is a build defect, not a run-time condition to handle.
		panic(err)
	}
	return New(years)
})

// loadEmbedded parses every holidays/*.json file in fsys.
func loadEmbedded(fsys fs.FS) (map[int][]Day, error) {
	names, err := fs.Glob(fsys, "holidays/*.json")
	if err != nil {
		return nil, err
	}
	years := make(map[int][]Day, len(names))
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		year, days, err := ParseYear(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if want := fmt.Sprintf("holidays/%d.json", year); name != want {
			return nil, fmt.Errorf("calendar: %s holds year %d; name it %s", name, year, want)
		}
		years[year] = days
	}
	return years, nil
}
