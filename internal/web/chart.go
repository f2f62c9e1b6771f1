package web

import "shencha/internal/review"

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
