package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// Pages of the roles outside the review's working core: a CII operator
// checks eligibility and declares procurements, and the CII department
// determines them (the admin's pages are in admin.go). Each reads through
// the store functions the API uses with the signed-in actor, so it shows
// what the API would show them.

// roleActor is the signed-in actor if it holds one of the roles, else the
// error the visitor gets: sign in first, and the page is not for other
// roles (the page exists, so 403 rather than 404, as for the provider
// portal).
func (ui *UI) roleActor(r *http.Request, page string, roles ...review.Role) (review.Actor, error) {
	a := ui.cfg.Actor(r)
	if a.Anonymous() {
		return a, review.Unauthorized()
	}
	if !slices.Contains(roles, a.Role) {
		return a, review.Forbidden(page)
	}
	return a, nil
}

// lookup answers the register for a purl, or for the products a provider
// and product name find, as the actor may see them; the public register
// and the eligibility check share it.
func (ui *UI) lookup(ctx context.Context, a review.Actor, provider, product, purl string) ([]store.ListingAnswer, error) {
	if purl != "" {
		return ui.cfg.Store.Listings(ctx, a, store.ListingQuery{PURL: purl})
	}
	hits, err := ui.cfg.Store.FindProducts(ctx, provider, product, maxProducts)
	if err != nil {
		return nil, err
	}
	var out []store.ListingAnswer
	for _, h := range hits {
		ans, err := ui.cfg.Store.Listings(ctx, a, store.ListingQuery{ProductID: h.ID})
		if err != nil {
			return nil, err
		}
		out = append(out, ans...)
	}
	return out, nil
}

// eligibility is the CIIO's check: the register's answer as the CIIO may
// see it, so results published to its sector show their status too.
func (ui *UI) eligibility(w http.ResponseWriter, r *http.Request) {
	a, err := ui.roleActor(r, "check_eligibility", review.RoleCIIO)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d := registerData{Product: strings.TrimSpace(q.Get("product")), PURL: strings.TrimSpace(q.Get("purl"))}
	p := ui.newPage(r, "ui.eligibility.title", &d)
	if d.PURL != "" || d.Product != "" {
		d.Searched = true
		if d.Results, err = ui.lookup(r.Context(), a, "", d.Product, d.PURL); err != nil {
			if msg, status, ok := ui.refusal(r, err); ok {
				p.Error = msg
				ui.render(w, r, status, "eligibility", p)
				return
			}
			ui.fail(w, r, err)
			return
		}
	}
	ui.render(w, r, http.StatusOK, "eligibility", p)
}

// declareForm is what was typed into the declaration form.
type declareForm struct {
	PURL, Description, ContractRef, Value, Summary string
}

func (ui *UI) declareForm(w http.ResponseWriter, r *http.Request) {
	if _, err := ui.roleActor(r, "declare_procurement", review.RoleCIIO); err != nil {
		ui.fail(w, r, err)
		return
	}
	f := declareForm{PURL: strings.TrimSpace(r.URL.Query().Get("purl"))}
	ui.render(w, r, http.StatusOK, "declare", ui.newPage(r, "ui.declare.title", &f))
}

// declare opens a case as POST /api/v1/cases does with the trigger
// ciio_procurement. The version is named by its purl, the identifier the
// CIIO also checks eligibility with. The case starts in draft, and the
// CIIO declares it to the CII department from the case page, as a
// provider submits its application.
func (ui *UI) declare(w http.ResponseWriter, r *http.Request) {
	a, err := ui.roleActor(r, "declare_procurement", review.RoleCIIO)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	f := declareForm{PURL: strings.TrimSpace(r.PostFormValue("purl")), Description: strings.TrimSpace(r.PostFormValue("description")),
		ContractRef: strings.TrimSpace(r.PostFormValue("contract_ref")), Value: strings.TrimSpace(r.PostFormValue("value")),
		Summary: strings.TrimSpace(r.PostFormValue("summary"))}
	refuse := func(status int, msg string) {
		p := ui.newPage(r, "ui.declare.title", &f)
		p.Error = msg
		ui.render(w, r, status, "declare", p)
	}
	lang := i18n.FromRequest(r)
	if f.PURL == "" {
		refuse(http.StatusBadRequest, ui.message(lang, review.Required("purl")))
		return
	}
	ans, err := ui.cfg.Store.Listings(r.Context(), a, store.ListingQuery{PURL: f.PURL})
	if err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			refuse(status, msg)
			return
		}
		ui.fail(w, r, err)
		return
	}
	// A case reviews named versions: the purl must name exactly one. The
	// register answers a purl it does not know as not_reviewed, with no
	// version behind it.
	ans = slices.DeleteFunc(ans, func(x store.ListingAnswer) bool { return x.VersionID == 0 })
	switch {
	case len(ans) == 0:
		refuse(http.StatusBadRequest, i18n.T(lang, "ui.declare.no_version", nil))
		return
	case len(ans) > 1:
		refuse(http.StatusBadRequest, i18n.T(lang, "ui.declare.several_versions", nil))
		return
	}
	c, err := ui.cfg.Store.CreateCase(r.Context(), a, review.NewCase{Trigger: review.TriggerCIIOProcurement, ProductID: ans[0].ProductID,
		VersionIDs: []int64{ans[0].VersionID}, Summary: f.Summary,
		Procurement: &review.Procurement{Description: f.Description, ContractRef: f.ContractRef, Value: f.Value}})
	if err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			refuse(status, msg)
			return
		}
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+c.Number, http.StatusSeeOther)
}

// determinations is the CII department's queue: the CIIO-route cases of
// its sector it may see (the store's need-to-know list), those awaiting
// its determination first. It has the shape of "My work" and its template.
func (ui *UI) determinations(w http.ResponseWriter, r *http.Request) {
	a, err := ui.roleActor(r, "determinations", review.RoleCIIDepartment)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	awaiting := workSection{ID: "awaiting", Title: "ui.determinations.awaiting", Empty: "ui.determinations.none_awaiting"}
	others := workSection{ID: "others", Title: "ui.determinations.others", Empty: "ui.work.none_others"}
	d, err := ui.queue(r.Context(), a, "cii_department", func(pending []string) bool {
		return slices.Contains(pending, string(review.ActDetermineRequired))
	}, awaiting, others)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d.Intro = "ui.determinations.intro"
	ui.render(w, r, http.StatusOK, "work", ui.newPage(r, "ui.determinations.title", d))
}
