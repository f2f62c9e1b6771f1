package web

import (
	"net/http"

	"shencha/internal/review"
	"shencha/internal/store"
)

// The office's intake queue: the cases waiting for it to screen them and
// accept or refuse them (review.IntakeStates), the longest waiting first,
// each with its screening clock's working-day deadline, a page at a time.
// It reads through the store's IntakeQueue with the signed-in actor, so a
// sector regulator acting as office sees its sector's cases only.

// intakeLimit is how many cases one page of the queue shows.
const intakeLimit = 50

type intakeData struct {
	Page  store.IntakePage
	Limit int
	// Paged: this is not the first page.
	Paged bool
}

func (ui *UI) intake(w http.ResponseWriter, r *http.Request) {
	a, err := ui.roleActor(r, "intake_queue", review.RoleOffice)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	page, err := ui.cfg.Store.IntakeQueue(r.Context(), a, after, intakeLimit)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "intake", ui.newPage(r, "ui.intake.title", &intakeData{Page: page, Limit: intakeLimit, Paged: after != ""}))
}
