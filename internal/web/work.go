package web

import (
	"context"
	"net/http"
	"slices"

	"shencha/internal/review"
	"shencha/internal/store"
)

// The work queue ("My work") is for the people inside the review who are
// handed cases: a lab sees the cases it is assigned, an expert the cases
// awaiting its opinion, a committee member the cases referred to the
// committee. It reads through the store's need-to-know list (ListCases)
// and each case's view, so it never shows more than the case pages would.

// queueRelations are the relations to a case that put it in the viewer's
// queue, by role; a lab user whose organisation also applied for a case
// sees that case on the dashboard, not here.
var queueRelations = map[review.Role]string{
	review.RoleLab:       "assigned_lab",
	review.RoleExpert:    "assigned_expert",
	review.RoleCommittee: "committee",
}

// hasQueue reports whether the role has a work queue.
func hasQueue(r review.Role) bool {
	_, ok := queueRelations[r]
	return ok
}

// queueAction is the action that puts a case among those awaiting the
// viewer: an expert's opinion, a member's vote. A lab has several steps
// (evidence, report), so any action it may take counts.
var queueAction = map[review.Role]string{
	review.RoleExpert:    string(review.ActGiveOpinion),
	review.RoleCommittee: string(review.ActCastVote),
}

// queueLimit bounds the cases read for one queue page: each needs its
// case view, and a queue longer than this is better served by the API.
const queueLimit = 100

type workItem struct {
	Case store.CaseSummary
	// Pending are the actions the viewer may take now, in table order.
	Pending []string
}

// workSection is one table of the queue; Title and Empty are message keys.
type workSection struct {
	ID, Title, Empty string
	Items            []workItem
}

type workData struct {
	// Intro is the message key saying what this role's queue holds.
	Intro string
	// Sections: the cases with something for the viewer to do, then the
	// rest of the viewer's cases.
	Sections []workSection
	More     bool
}

// queueIntros are the message keys of each role's queue description.
var queueIntros = map[review.Role]string{
	review.RoleLab:       "ui.work.intro.lab",
	review.RoleExpert:    "ui.work.intro.expert",
	review.RoleCommittee: "ui.work.intro.committee",
}

func (ui *UI) work(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), ui.cfg.Actor(r)
	if a.Anonymous() {
		ui.fail(w, r, review.Unauthorized())
		return
	}
	relation, ok := queueRelations[a.Role]
	if !ok {
		// As the provider portal does for everyone else: the page exists,
		// but is not this role's.
		ui.fail(w, r, review.Forbidden("work_queue"))
		return
	}
	awaiting := workSection{ID: "awaiting", Title: "ui.work.awaiting", Empty: "ui.work.none_awaiting"}
	others := workSection{ID: "others", Title: "ui.work.others", Empty: "ui.work.none_others"}
	key := queueAction[a.Role]
	d, err := ui.queue(ctx, a, relation, func(pending []string) bool {
		return key == "" && len(pending) > 0 || key != "" && slices.Contains(pending, key)
	}, awaiting, others)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d.Intro = queueIntros[a.Role]
	ui.render(w, r, http.StatusOK, "work", ui.newPage(r, "ui.work.title", d))
}

// queue reads the cases the actor may see (the store's need-to-know list,
// the newest queueLimit) where it is the party named, and sorts them into
// those awaiting it and the others; the work queues of every role share it.
func (ui *UI) queue(ctx context.Context, a review.Actor, party string, awaits func(pending []string) bool, awaiting, others workSection) (*workData, error) {
	list, err := ui.cfg.Store.ListCases(ctx, a, store.CaseFilter{Limit: queueLimit})
	if err != nil {
		return nil, err
	}
	for _, sum := range list.Items {
		c, err := ui.cfg.Store.Case(ctx, a, sum.Number)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(c.Parties, party) {
			continue
		}
		it := workItem{Case: sum, Pending: c.AllowedActions}
		if awaits(it.Pending) {
			awaiting.Items = append(awaiting.Items, it)
		} else {
			others.Items = append(others.Items, it)
		}
	}
	return &workData{Sections: []workSection{awaiting, others}, More: list.Next != ""}, nil
}
