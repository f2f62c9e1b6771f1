package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// The provider portal: a provider's products and versions, applying for a
// review of a version, its cases and its results. Every read and write
// goes through the store functions the JSON API uses (Products, Versions,
// CreateProduct, AddVersion, CreateCase, ListCases, Listings), so the
// store decides who may do what; the handlers only pick the provider's
// own products out of what the store lists for it.

// portalActor is the signed-in provider user, or the error the visitor
// gets instead: sign in first, and the portal is a provider's (an office
// user manages products through the API).
func (ui *UI) portalActor(r *http.Request) (review.Actor, error) {
	a := ui.cfg.Actor(r)
	if a.Anonymous() {
		return a, review.Unauthorized()
	}
	if a.Role != review.RoleProvider {
		return a, review.Forbidden("provider_portal")
	}
	return a, nil
}

// productsData is the portal's front page.
type productsData struct {
	Products   []review.Product
	Categories []string
	// Form is what was typed into the new-product form, kept when the
	// store refused it.
	Form      review.Product
	Cases     []store.CaseSummary
	MoreCases bool
	// Results are the register's answers for the provider's products,
	// as the provider may see them.
	Results []store.ListingAnswer
	// Requests are the office's open requests for material on the
	// provider's cases, each awaiting its answer.
	Requests []openRequest
}

// openRequest is a request for material awaiting the provider.
type openRequest struct {
	Case        store.CaseSummary
	Items       string
	RequestedAt string
}

// waitingStates are the states in which a case waits on the provider's
// material: a request during evaluation, or an incomplete application.
var waitingStates = []review.State{review.StateAwaitingSupplement, review.StateIncomplete}

// maxPortalCases bounds the case list on the portal's front page.
const maxPortalCases = 50

func (ui *UI) productsData(r *http.Request, a review.Actor) (*productsData, error) {
	ctx := r.Context()
	d := &productsData{Categories: names(review.Categories)}
	var err error
	// The API lists a provider's own products the same way.
	if d.Products, err = ui.cfg.Store.Products(ctx, a.OrgID); err != nil {
		return nil, err
	}
	for _, p := range d.Products {
		ans, err := ui.cfg.Store.Listings(ctx, a, store.ListingQuery{ProductID: p.ID})
		if err != nil {
			return nil, err
		}
		d.Results = append(d.Results, ans...)
	}
	cases, err := ui.cfg.Store.ListCases(ctx, a, store.CaseFilter{Limit: maxPortalCases})
	if err != nil {
		return nil, err
	}
	d.Cases, d.MoreCases = cases.Items, cases.Next != ""
	for _, st := range waitingStates {
		waiting, err := ui.cfg.Store.ListCases(ctx, a, store.CaseFilter{State: st, Limit: maxPortalCases})
		if err != nil {
			return nil, err
		}
		for _, sum := range waiting.Items {
			c, err := ui.cfg.Store.Case(ctx, a, sum.Number)
			if err != nil {
				return nil, err
			}
			for _, sup := range c.Supplements {
				if sup.AnsweredAt == "" {
					d.Requests = append(d.Requests, openRequest{Case: sum, Items: sup.Items, RequestedAt: sup.RequestedAt})
				}
			}
		}
	}
	return d, nil
}

func (ui *UI) products(w http.ResponseWriter, r *http.Request) {
	ui.showProducts(w, r, http.StatusOK, review.Product{}, "")
}

// showProducts renders the portal's front page, with the new-product form
// refilled and an error above it after a refused submission.
func (ui *UI) showProducts(w http.ResponseWriter, r *http.Request, status int, form review.Product, msg string) {
	a, err := ui.portalActor(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d, err := ui.productsData(r, a)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d.Form = form
	p := ui.newPage(r, "ui.products.title", d)
	p.Error = msg
	ui.render(w, r, status, "products", p)
}

func (ui *UI) createProduct(w http.ResponseWriter, r *http.Request) {
	a, err := ui.portalActor(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	in := review.Product{Name: strings.TrimSpace(r.PostFormValue("name")), Category: review.Category(r.PostFormValue("category")),
		Service: r.PostFormValue("service") == "on"}
	p, err := ui.cfg.Store.CreateProduct(r.Context(), a, in)
	if err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			ui.showProducts(w, r, status, in, msg)
			return
		}
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/products/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

// refusal turns a refusal the visitor can correct (bad input, a duplicate,
// an act not allowed) into a message for the form's page; anything else
// is an error page.
func (ui *UI) refusal(r *http.Request, err error) (msg string, status int, ok bool) {
	var e *review.Error
	if errors.As(err, &e) && (e.Kind == review.KindInvalid || e.Kind == review.KindConflict || e.Kind == review.KindForbidden) {
		return ui.message(i18n.FromRequest(r), e), ui.cfg.Status(e.Kind), true
	}
	return "", 0, false
}

// productData is one product's page.
type productData struct {
	Product  review.Product
	Versions []review.Version
	// Results has the register's answer for each version.
	Results []store.ListingAnswer
	// Form is what was typed into the new-version form.
	Form review.Version
}

// ownProduct reads one of the provider's products: one the store does not
// list as the provider's is "no such product" here, as the portal manages
// only the provider's own.
func (ui *UI) ownProduct(r *http.Request, a review.Actor) (review.Product, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return review.Product{}, review.NotFound("product")
	}
	list, err := ui.cfg.Store.Products(r.Context(), a.OrgID)
	if err != nil {
		return review.Product{}, err
	}
	for _, p := range list {
		if p.ID == id {
			return p, nil
		}
	}
	return review.Product{}, review.NotFound("product")
}

func (ui *UI) productPage(w http.ResponseWriter, r *http.Request) {
	ui.showProduct(w, r, http.StatusOK, review.Version{}, "")
}

func (ui *UI) showProduct(w http.ResponseWriter, r *http.Request, status int, form review.Version, msg string) {
	a, err := ui.portalActor(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	prod, err := ui.ownProduct(r, a)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d := &productData{Product: prod, Form: form}
	if d.Versions, err = ui.cfg.Store.Versions(r.Context(), prod.ID); err != nil {
		ui.fail(w, r, err)
		return
	}
	if d.Results, err = ui.cfg.Store.Listings(r.Context(), a, store.ListingQuery{ProductID: prod.ID}); err != nil {
		ui.fail(w, r, err)
		return
	}
	p := ui.newPage(r, "ui.product.title", d)
	p.Error = msg
	ui.render(w, r, status, "product", p)
}

func (ui *UI) addVersion(w http.ResponseWriter, r *http.Request) {
	a, err := ui.portalActor(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	prod, err := ui.ownProduct(r, a)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	in := review.Version{ProductID: prod.ID, Version: strings.TrimSpace(r.PostFormValue("version")), PURL: strings.TrimSpace(r.PostFormValue("purl")),
		CPE: strings.TrimSpace(r.PostFormValue("cpe")), ArtifactSHA256: strings.TrimSpace(r.PostFormValue("artifact_sha256"))}
	if _, err := ui.cfg.Store.AddVersion(r.Context(), a, in); err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			ui.showProduct(w, r, status, in, msg)
			return
		}
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/products/"+strconv.FormatInt(prod.ID, 10)+"#versions", http.StatusSeeOther)
}

// apply opens a case for one version, as POST /api/v1/cases does with the
// trigger enterprise_application; the case starts in draft and the
// provider submits it from the case page.
func (ui *UI) apply(w http.ResponseWriter, r *http.Request) {
	a, err := ui.portalActor(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	prod, err := ui.ownProduct(r, a)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	vid, err := strconv.ParseInt(r.PostFormValue("version_id"), 10, 64)
	if err != nil || vid <= 0 {
		ui.showProduct(w, r, http.StatusBadRequest, review.Version{}, ui.message(i18n.FromRequest(r), review.Required("version_id")))
		return
	}
	c, err := ui.cfg.Store.CreateCase(r.Context(), a, review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: prod.ID,
		VersionIDs: []int64{vid}, Summary: strings.TrimSpace(r.PostFormValue("summary"))})
	if err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			ui.showProduct(w, r, status, review.Version{}, msg)
			return
		}
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+c.Number, http.StatusSeeOther)
}
