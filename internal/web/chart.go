package web

import (
	"shencha/internal/review"
	"shencha/internal/store"
)

// chart is a horizontal bar chart drawn as SVG by the template: the
// geometry is computed here, in whole pixels, so the template only places
// what it is given and the page needs no script.
type chart struct {
	Width, Height int
	// LabelWidth is the space left of the bars for the state names.
	LabelWidth int
	Bars       []bar
}

type bar struct {
	State review.State
	N     int
	// Y is the bar's top, W its length; TextY is the baseline of its
	// labels, CountX where its count is written.
	Y, W, TextY, CountX int
}

const (
	chartWidth  = 520
	chartLabels = 170
	chartRow    = 26
	chartBar    = 18
	// chartCount leaves room right of the longest bar for its count.
	chartCount = 40
)

// barChart lays out one bar per state, the longest for the largest count.
func barChart(counts []stateCount) chart {
	c := chart{Width: chartWidth, LabelWidth: chartLabels, Height: max(chartRow, len(counts)*chartRow)}
	most := 0
	for _, s := range counts {
		most = max(most, s.N)
	}
	room := chartWidth - chartLabels - chartCount
	for i, s := range counts {
		w := 0
		if most > 0 {
			w = max(1, s.N*room/most) // a non-zero count never vanishes
		}
		y := i * chartRow
		c.Bars = append(c.Bars, bar{State: s.State, N: s.N, Y: y + (chartRow-chartBar)/2, W: w,
			TextY: y + chartRow/2 + 5, CountX: chartLabels + w + 6})
	}
	return c
}

// monthChart is a column chart of the cases opened and closed per month:
// two columns a month, the tallest for the largest count, with the month
// under each pair. Like chart, the geometry is computed here.
type monthChart struct {
	Width, Height int
	// Base is the line the columns stand on; LabelY and YearY are the
	// baselines of the month and, under January and the first month, the
	// year.
	Base, LabelY, YearY int
	Months              []monthGroup
}

type monthGroup struct {
	store.MonthCount
	// Mid is the pair's centre, where its labels go.
	Mid         int
	Label, Year string
	Columns     [2]column
}

// column is one count drawn as a rectangle; Class says which count it is
// (opened, closed), TextY is the baseline of the count above it.
type column struct {
	Class        string
	N            int
	X, Y, W, H   int
	TextX, TextY int
}

const (
	monthWidth   = 520
	monthPlot    = 140 // column area, with room above the tallest for its count
	monthTallest = 120
	monthColumn  = 16
	monthLabels  = 34
)

// monthsChart lays out the months oldest first, as CasesPerMonth gives them.
func monthsChart(months []store.MonthCount) monthChart {
	c := monthChart{Width: monthWidth, Height: monthPlot + monthLabels, Base: monthPlot, LabelY: monthPlot + 15, YearY: monthPlot + 30}
	if len(months) == 0 {
		return c
	}
	most := 0
	for _, m := range months {
		most = max(most, m.Opened, m.Closed)
	}
	group := monthWidth / len(months)
	height := func(n int) int {
		if most == 0 || n == 0 {
			return 0
		}
		return max(1, n*monthTallest/most) // a non-zero count never vanishes
	}
	for i, m := range months {
		x := i*group + (group-2*monthColumn-2)/2
		g := monthGroup{MonthCount: m, Mid: i*group + group/2, Label: m.Month[5:]}
		if i == 0 || g.Label == "01" {
			g.Year = m.Month[:4]
		}
		for k, n := range []int{m.Opened, m.Closed} {
			h := height(n)
			cx := x + k*(monthColumn+2)
			g.Columns[k] = column{Class: [2]string{"opened", "closed"}[k], N: n, X: cx, Y: monthPlot - h, W: monthColumn, H: h,
				TextX: cx + monthColumn/2, TextY: monthPlot - h - 4}
		}
		c.Months = append(c.Months, g)
	}
	return c
}
