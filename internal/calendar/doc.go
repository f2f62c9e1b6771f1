// Package calendar owns the Chinese working-day calendar and the review
// clocks that count in it.
//
// A review timer in shencha is measured in working days, not calendar days:
// public holidays do not count, and the make-up working days (调休) that the
// State Council moves onto Saturdays and Sundays do. The official holiday
// notices for 2020–2026 are embedded (see holidays/README.md); a year without
// data falls back to Monday–Friday and is reported as provisional until an
// administrator loads it with ParseYear and WithYear.
//
// Everything here is a pure function of the values handed in: the package
// reads only its embedded files, never the clock, the network or a database.
// "Today" is always a parameter, so storage and jobs decide what today is
// and every rule is testable with fixed dates. Dates are civil dates in
// China Standard Time (UTC+8, no daylight saving), represented by Date.
package calendar
