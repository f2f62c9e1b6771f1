package web

import (
	"net/http"
	"strconv"
	"unicode"

	"shencha/internal/review"
	"shencha/internal/store"
)

// The ownership page draws a provider's ownership and control chain
// (background investigation) as an SVG tree computed here, in whole
// pixels, like the dashboard's chart: the template only places what it is
// given, so the drawing needs no script and the same chain always draws
// the same picture. A table of the same data follows it, for screen
// readers and for reading without the picture.

// ownershipData is the page: the chain as the store gives it to the
// visitor, and its drawing.
type ownershipData struct {
	View  *store.OwnershipView
	Graph ownershipGraph
	// Rows are the stakes in the order the table lists them (by depth),
	// with the name of what each owner holds.
	Rows []ownershipRow
	// Path names the chain of control, provider first.
	Path []string
	// Controller is the ultimate controller, when one is determined.
	Controller *store.StakeView
}

type ownershipRow struct {
	store.StakeView
	Held string
}

// ownershipGraph is the drawing: owners above what they hold, the
// provider at the bottom, one layer per depth.
type ownershipGraph struct {
	Width, Height int
	Nodes         []graphNode
	Edges         []graphEdge
}

type graphNode struct {
	ID string // element id
	// X, Y is the box's top left; CX its centre line, where text is anchored.
	X, Y, CX     int
	W, H         int
	Name         string // the name as it fits in the box
	FullName     string
	Provider     bool
	Kind         review.OwnerKind
	Jurisdiction string
	Foreign      bool
	Controller   bool
	// NameY, DetailY and MarkY are the baselines of the box's three lines.
	NameY, DetailY, MarkY int
}

type graphEdge struct {
	// From the owner's box (X1, Y1, bottom centre) to the held box (X2,
	// Y2, top centre); the share is written at LabelX, LabelY.
	X1, Y1, X2, Y2 int
	LabelX, LabelY int
	Share          string
	Control        bool // recorded control beyond the share
	OnPath         bool // part of the chain of control
}

const (
	graphBoxW   = 240
	graphBoxH   = 64
	graphCol    = 260 // a box and the gap to its neighbour
	graphRow    = 130 // a box and the gap above it, where the shares are written
	graphMargin = 10
)

// layoutOwnership places the provider and its owners. Each owner sits
// centred above the owners of its own, every leaf in a column of its own,
// so no two edges cross; the order within a layer is the order of recording.
func layoutOwnership(v *store.OwnershipView) ownershipGraph {
	children := map[int64][]store.StakeView{}
	maxDepth := 0
	for _, st := range v.Stakes {
		children[st.HeldID] = append(children[st.HeldID], st)
		maxDepth = max(maxDepth, st.Depth)
	}
	onPath := map[int64]bool{}
	for _, id := range v.Control.Path {
		onPath[id] = true
	}
	leaves := map[int64]int{}
	var count func(id int64) int
	count = func(id int64) int {
		n := 0
		for _, c := range children[id] {
			n += count(c.ID)
		}
		leaves[id] = max(1, n)
		return leaves[id]
	}
	count(0)
	g := ownershipGraph{Width: leaves[0]*graphCol - (graphCol - graphBoxW) + 2*graphMargin,
		Height: maxDepth*graphRow + graphBoxH + 2*graphMargin}
	box := func(slot, span, depth int) graphNode {
		cx := graphMargin + slot*graphCol + span*graphCol/2 - (graphCol-graphBoxW)/2
		y := graphMargin + (maxDepth-depth)*graphRow
		return graphNode{X: cx - graphBoxW/2, Y: y, CX: cx, W: graphBoxW, H: graphBoxH, NameY: y + 22, DetailY: y + 40, MarkY: y + 57}
	}
	root := box(0, leaves[0], 0)
	root.ID, root.Provider, root.FullName, root.Name = "owner-provider", true, v.Org.Name, clip(v.Org.Name)
	g.Nodes = append(g.Nodes, root)
	var place func(held graphNode, id int64, slot int)
	place = func(held graphNode, id int64, slot int) {
		for _, st := range children[id] {
			n := box(slot, leaves[st.ID], st.Depth)
			n.ID = "owner-" + strconv.FormatInt(st.ID, 10)
			n.FullName, n.Name, n.Kind, n.Jurisdiction, n.Foreign = st.OwnerName, clip(st.OwnerName), st.OwnerKind, st.Jurisdiction, st.Foreign
			n.Controller = st.ID == v.Control.Ultimate
			g.Nodes = append(g.Nodes, n)
			e := graphEdge{X1: n.CX, Y1: n.Y + n.H, X2: held.CX, Y2: held.Y, Share: st.Share.String(), Control: st.Control, OnPath: onPath[st.ID]}
			// A third of the way down from the owner: the labels of owners
			// side by side stay apart where their edges converge.
			e.LabelX, e.LabelY = e.X1+(e.X2-e.X1)/3, e.Y1+(e.Y2-e.Y1)/3+4
			g.Edges = append(g.Edges, e)
			place(n, st.ID, slot)
			slot += leaves[st.ID]
		}
	}
	place(root, 0, 0)
	return g
}

// clip shortens a name to what fits in a box; the box's title and the
// table carry it in full. Widths are estimated in tenths of a pixel at the
// names' 12 px: a wide (CJK) character about 12.5 px, a capital 9, any
// other character 7.5; a clipped name keeps room for its ellipsis.
func clip(s string) string {
	const room, ellipsis = (graphBoxW - 20) * 10, 120
	width, cut := 0, -1
	for i, r := range s {
		w := 75
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r >= 0xFF00 && r <= 0xFFEF:
			w = 125
		case unicode.IsUpper(r):
			w = 90
		}
		if cut < 0 && width+w > room-ellipsis {
			cut = i
		}
		if width += w; width > room {
			return s[:cut] + "…"
		}
	}
	return s
}

// ownershipRows lists the stakes by depth, then in the order recorded,
// each with the name of what it holds.
func ownershipRows(v *store.OwnershipView) []ownershipRow {
	names := map[int64]string{0: v.Org.Name}
	for _, st := range v.Stakes {
		names[st.ID] = st.OwnerName
	}
	var out []ownershipRow
	for d := 1; len(out) < len(v.Stakes); d++ {
		for _, st := range v.Stakes {
			if st.Depth == d {
				out = append(out, ownershipRow{StakeView: st, Held: names[st.HeldID]})
			}
		}
	}
	return out
}

func (ui *UI) ownershipPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		ui.fail(w, r, review.NotFound("organisation"))
		return
	}
	v, err := ui.cfg.Store.Ownership(r.Context(), ui.cfg.Actor(r), id, r.RemoteAddr)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d := &ownershipData{View: v, Graph: layoutOwnership(v), Rows: ownershipRows(v), Path: []string{v.Org.Name}}
	for _, pid := range v.Control.Path {
		for i := range v.Stakes {
			if v.Stakes[i].ID == pid {
				d.Path = append(d.Path, v.Stakes[i].OwnerName)
				if pid == v.Control.Ultimate {
					d.Controller = &v.Stakes[i]
				}
			}
		}
	}
	ui.render(w, r, http.StatusOK, "ownership", ui.newPage(r, "ui.ownership.title", d))
}
