package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// Public reports (举报, Art. 3). Anyone reports a product or a provider
// from /report (linked from the register and each result): the form's
// text and files go to the API's own reading of a report (Config.Report),
// so the page and the API refuse the same things and store files the same
// way; the reporter is given the receipt number and check code once, and
// checks the status at /report/status. The office works the reports at
// /public-reports: the queue, and each report with the triage its store allows.

// maxHits bounds each kind of subject one search offers.
const maxHits = 20

// reportFormData is the report form: the subject search and its hits,
// and what was typed when a report was refused.
type reportFormData struct {
	Q         string
	Searched  bool
	Products  []store.ProductHit
	Providers []review.Org
	// About is the chosen subject: product:ID, provider:ID, or "" (other).
	About string
	Form  review.NewReport
	// ErrorField is the input a refusal names.
	ErrorField string
	MaxFiles   int
}

// ProductRef and ProviderRef are the about values of the hits.
func (reportFormData) ProductRef(id int64) string  { return "product:" + strconv.FormatInt(id, 10) }
func (reportFormData) ProviderRef(id int64) string { return "provider:" + strconv.FormatInt(id, 10) }

func (ui *UI) reportForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &reportFormData{Q: strings.TrimSpace(q.Get("q")), MaxFiles: review.MaxReportFiles}
	p := ui.newPage(r, "ui.pubreport.title", d)
	if id, err := strconv.ParseInt(q.Get("product"), 10, 64); err == nil && id > 0 {
		d.About = d.ProductRef(id)
	}
	if err := ui.subjects(r.Context(), d); err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			p.Error, d.ErrorField = msg, "q"
			ui.render(w, r, status, "report_new", p)
			return
		}
		ui.fail(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "report_new", p)
}

// subjects fills the choices of the form: what the search finds by product
// or provider name, and the chosen subject if the search did not find it.
func (ui *UI) subjects(ctx context.Context, d *reportFormData) error {
	seen := map[int64]bool{}
	if d.Q != "" {
		d.Searched = true
		for _, by := range [][2]string{{"", d.Q}, {d.Q, ""}} {
			hits, err := ui.cfg.Store.FindProducts(ctx, by[0], by[1], maxHits)
			if err != nil {
				return err
			}
			for _, h := range hits {
				if !seen[h.ID] {
					seen[h.ID] = true
					d.Products = append(d.Products, h)
				}
			}
		}
		var err error
		if d.Providers, err = ui.cfg.Store.FindProviders(ctx, d.Q, maxHits); err != nil {
			return err
		}
	}
	kind, ref, _ := strings.Cut(d.About, ":")
	id, _ := strconv.ParseInt(ref, 10, 64)
	switch {
	case kind == "product" && !seen[id]:
		p, err := ui.cfg.Store.Product(ctx, id)
		if err != nil {
			d.About = "" // a product that is not there is not offered
			return nil
		}
		org, err := ui.cfg.Store.Org(ctx, p.ProviderOrgID)
		if err != nil {
			return err
		}
		d.Products = append([]store.ProductHit{{ID: p.ID, Name: p.Name, Provider: org.Name}}, d.Products...)
	case kind == "provider":
		for _, o := range d.Providers {
			if o.ID == id {
				return nil
			}
		}
		if o, err := ui.cfg.Store.Org(ctx, id); err == nil && o.Kind == review.OrgProvider {
			d.Providers = append([]review.Org{o}, d.Providers...)
		} else {
			d.About = ""
		}
	}
	return nil
}

// reportFields maps the store's names of a report's fields to the form's
// inputs that hold them.
var reportFields = map[string]string{"product_id": "about", "provider_org_id": "about", "body": "files"}

// fileReport files the form's report through the API's reading of it and
// shows the receipt; a refusal shows the form again with what was typed
// (files must be chosen again: a page cannot hand them back) and the
// reason beside the input at fault.
func (ui *UI) fileReport(w http.ResponseWriter, r *http.Request) {
	in, rc, err := ui.cfg.Report(w, r)
	if err == nil {
		ui.render(w, r, http.StatusCreated, "report_receipt", ui.newPage(r, "ui.pubreport.receipt.title", rc))
		return
	}
	var e *review.Error
	if !errors.As(err, &e) || e.Kind == review.KindInternal {
		ui.fail(w, r, err)
		return
	}
	d := &reportFormData{Form: in, MaxFiles: review.MaxReportFiles, ErrorField: e.Field}
	if f, ok := reportFields[e.Field]; ok {
		d.ErrorField = f
	}
	if e.Kind == review.KindTooLarge {
		d.ErrorField = "files"
	}
	switch {
	case in.ProductID != 0:
		d.About = d.ProductRef(in.ProductID)
	case in.ProviderOrgID != 0:
		d.About = d.ProviderRef(in.ProviderOrgID)
	}
	if err := ui.subjects(r.Context(), d); err != nil {
		ui.fail(w, r, err)
		return
	}
	p := ui.newPage(r, "ui.pubreport.title", d)
	p.Error = fieldMessage(p.Lang, e)
	p.Path = "/report"
	ui.render(w, r, ui.cfg.Status(e.Kind), "report_new", p)
}

// reportStatusData is the status check: what was asked and the answer.
type reportStatusData struct {
	Receipt string
	Status  *store.PublicReportStatus
	// ErrorField is the input a refusal names.
	ErrorField string
}

func (ui *UI) reportStatusForm(w http.ResponseWriter, r *http.Request) {
	d := &reportStatusData{Receipt: strings.TrimSpace(r.URL.Query().Get("receipt"))}
	ui.render(w, r, http.StatusOK, "report_status", ui.newPage(r, "ui.pubreport.status.title", d))
}

// checkReportStatus answers the status check. The code is posted, not put
// in a URL, so it stays out of the browser's history and the server's
// logs; it is never shown back.
func (ui *UI) checkReportStatus(w http.ResponseWriter, r *http.Request) {
	d := &reportStatusData{Receipt: strings.TrimSpace(r.PostFormValue("receipt"))}
	p := ui.newPage(r, "ui.pubreport.status.title", d)
	p.Path = "/report/status"
	st, err := ui.cfg.Store.ReportStatus(r.Context(), d.Receipt, r.PostFormValue("code"))
	if err != nil {
		var e *review.Error
		if !errors.As(err, &e) || e.Kind == review.KindInternal {
			ui.fail(w, r, err)
			return
		}
		d.ErrorField = e.Field
		p.Error = fieldMessage(p.Lang, e)
		if e.Kind == review.KindNotFound {
			p.Error = i18n.T(p.Lang, "ui.pubreport.status.no_match", nil)
		}
		ui.render(w, r, ui.cfg.Status(e.Kind), "report_status", p)
		return
	}
	d.Status = &st
	ui.render(w, r, http.StatusOK, "report_status", p)
}

// publicReportsData is the office's queue, a page of it.
type publicReportsData struct {
	Items  []store.ReportSummary
	Status string
	Limit  int
	// Next is the cursor of the next page, "" on the last; Paged: this is
	// not the first page.
	Next  string
	Paged bool
}

// PageURL is the queue's address with the status filter kept: the first
// page, or the page at cursor.
func (d publicReportsData) PageURL(cursor string) string {
	q := url.Values{}
	if d.Status != "" {
		q.Set("status", d.Status)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/public-reports"
	}
	return "/public-reports?" + q.Encode()
}

// Statuses are the queue's filters.
func (publicReportsData) Statuses() []string { return names(review.ReportStatuses) }

// reportsLimit is how many reports a page of the queue shows.
const reportsLimit = 100

func (ui *UI) publicReports(w http.ResponseWriter, r *http.Request) {
	a, err := ui.roleActor(r, "read_reports", review.RoleOffice)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d := &publicReportsData{Status: q.Get("status"), Limit: reportsLimit, Paged: q.Get("cursor") != ""}
	page, err := ui.cfg.Store.Reports(r.Context(), a, store.PublicReportFilter{Status: review.ReportStatus(d.Status), Cursor: q.Get("cursor"), Limit: reportsLimit})
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d.Items, d.Next = page.Items, page.Next
	ui.render(w, r, http.StatusOK, "public_reports", ui.newPage(r, "ui.publicreports.title", d))
}

// publicReportData is one report for the office, with its triage form.
type publicReportData struct {
	Report store.ReportView
	// Triage is what was typed into a refused triage, and the input at fault.
	Triage     review.Triage
	ErrorField string
}

func (ui *UI) publicReport(w http.ResponseWriter, r *http.Request) {
	ui.showPublicReport(w, r, http.StatusOK, nil, review.Triage{})
}

// showPublicReport renders a report for the office, with a refused triage if
// there is one. Reading it is audited, as the reporter's contact shows.
func (ui *UI) showPublicReport(w http.ResponseWriter, r *http.Request, status int, refused *review.Error, t review.Triage) {
	a, err := ui.roleActor(r, "read_reports", review.RoleOffice)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		ui.fail(w, r, review.NotFound("report"))
		return
	}
	v, err := ui.cfg.Store.Report(r.Context(), a, id, r.RemoteAddr)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d := &publicReportData{Report: v, Triage: t}
	p := ui.newPage(r, "ui.publicreports.report_title", d)
	p.Path = "/public-reports/" + strconv.FormatInt(id, 10)
	if refused != nil {
		d.ErrorField = refused.Field
		p.Error = fieldMessage(p.Lang, refused)
	}
	ui.render(w, r, status, "public_report", p)
}

// triageReport takes the office's triage form through the store's
// TriageReport, as POST /api/v1/reports/{id}/triage does.
func (ui *UI) triageReport(w http.ResponseWriter, r *http.Request) {
	a := ui.cfg.Actor(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		ui.fail(w, r, review.NotFound("report"))
		return
	}
	t := review.Triage{Action: review.TriageAction(r.PostFormValue("action")), Reason: r.PostFormValue("reason"),
		Case: r.PostFormValue("case"), PreviousCase: r.PostFormValue("previous_case"), Summary: r.PostFormValue("summary")}
	if _, err := ui.cfg.Store.TriageReport(r.Context(), a, id, t); err != nil {
		var e *review.Error
		if errors.As(err, &e) && (e.Kind == review.KindInvalid || e.Kind == review.KindConflict) {
			ui.showPublicReport(w, r, ui.cfg.Status(e.Kind), e, t)
			return
		}
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/public-reports/"+url.PathEscape(r.PathValue("id"))+"#triage", http.StatusSeeOther)
}
