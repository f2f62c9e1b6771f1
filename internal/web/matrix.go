package web

import (
	"slices"

	"shencha/internal/catalog"
	"shencha/internal/store"
)

// matrix is the findings matrix: a row per risk area (Art. 4), a column per
// dimension (Art. 12), each cell summing up the findings on the criteria of
// that area and dimension.
type matrix struct {
	Dimensions []catalog.Dimension
	Rows       []matrixRow
}

type matrixRow struct {
	Area  catalog.RiskArea
	Cells []matrixCell
}

// matrixCell counts a cell's findings by status. Worst is the highest
// severity among its criteria found not met or only partly met — the
// findings the decision rule weighs — and empty when there is none.
type matrixCell struct {
	Area      catalog.RiskArea
	Dimension catalog.Dimension
	Total     int
	Counts    []statusCount
	Worst     catalog.Severity
}

type statusCount struct {
	Status catalog.Status
	N      int
}

// Class is the cell's CSS class: its worst severity, "clear" when every
// finding is met or not applicable, "empty" without findings. The label
// the template writes says the same in words, so colour is never the only
// sign.
func (c matrixCell) Class() string {
	switch {
	case c.Total == 0:
		return "cell-empty"
	case c.Worst == "":
		return "cell-clear"
	}
	return "cell-" + string(c.Worst)
}

// buildMatrix sums up the findings by the area and dimension of their
// criteria in the case's catalogue; every finding counts, so two labs'
// findings on one criterion are two.
func buildMatrix(cat *catalog.Catalog, findings []store.FindingView) *matrix {
	m := &matrix{Dimensions: catalog.Dimensions}
	for _, a := range catalog.Areas {
		row := matrixRow{Area: a}
		for _, d := range catalog.Dimensions {
			row.Cells = append(row.Cells, matrixCell{Area: a, Dimension: d})
		}
		m.Rows = append(m.Rows, row)
	}
	for _, f := range findings {
		cr, ok := cat.Lookup(f.CriterionID)
		i, j := slices.Index(catalog.Areas, cr.Area), slices.Index(catalog.Dimensions, cr.Dimension)
		if !ok || i < 0 || j < 0 {
			continue
		}
		cell := &m.Rows[i].Cells[j]
		cell.Total++
		if k := slices.IndexFunc(cell.Counts, func(s statusCount) bool { return s.Status == f.Status }); k >= 0 {
			cell.Counts[k].N++
		} else {
			cell.Counts = append(cell.Counts, statusCount{Status: f.Status, N: 1})
		}
		if (f.Status == catalog.StatusNotMet || f.Status == catalog.StatusPartiallyMet) && worse(cr.Severity, cell.Worst) {
			cell.Worst = cr.Severity
		}
	}
	for i := range m.Rows {
		for j := range m.Rows[i].Cells {
			slices.SortFunc(m.Rows[i].Cells[j].Counts, func(a, b statusCount) int {
				return slices.Index(catalog.Statuses, a.Status) - slices.Index(catalog.Statuses, b.Status)
			})
		}
	}
	return m
}

// worse reports whether severity s is more severe than t ("" is the least).
func worse(s, t catalog.Severity) bool {
	if t == "" {
		return true
	}
	return slices.Index(catalog.Severities, s) < slices.Index(catalog.Severities, t)
}
