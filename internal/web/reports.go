package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"shencha/internal/document"
	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// Provider security assessment reports (Art. 14): everyone reads the
// published ones with their PDFs; the national office also sees the drafts
// (the quarterly job's and its own), drafts one for a provider and a
// period, and publishes, which issues the PDFs and logs their digests. The
// store decides who may; the pages only offer what it would allow.

// reportsData is the list page.
type reportsData struct {
	Published, Drafts []store.ProviderReport
	// Office: the visitor may draft and publish (the national office).
	Office    bool
	Providers []review.Org
	Form      reportForm
	// FormError is a refused draft's message, ErrorField the input it names.
	FormError, ErrorField string
}

// reportForm is what was typed into the draft form.
type reportForm struct {
	ProviderID           int64
	PeriodFrom, PeriodTo string
}

// mayIssue reports whether the visitor is the national office, to which
// the store gives drafts and publication.
func mayIssue(a review.Actor) bool { return a.Role == review.RoleOffice && a.Sector == "" }

func (ui *UI) reports(w http.ResponseWriter, r *http.Request) {
	ui.showReports(w, r, http.StatusOK, &reportsData{})
}

// showReports renders the list, keeping what d already holds of a
// refused form.
func (ui *UI) showReports(w http.ResponseWriter, r *http.Request, status int, d *reportsData) {
	a := ui.cfg.Actor(r)
	ctx := r.Context()
	var err error
	if d.Published, err = ui.cfg.Store.ProviderReports(ctx, a, store.ReportFilter{}); err != nil {
		ui.fail(w, r, err)
		return
	}
	if d.Office = mayIssue(a); d.Office {
		all, err := ui.cfg.Store.ProviderReports(ctx, a, store.ReportFilter{Drafts: true})
		if err == nil {
			d.Providers, err = ui.cfg.Store.Orgs(ctx, review.OrgProvider)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		for _, x := range all {
			if x.Status == store.ReportDraft {
				d.Drafts = append(d.Drafts, x)
			}
		}
	}
	ui.render(w, r, status, "reports", ui.newPage(r, "ui.reports.title", d))
}

// draftReport drafts a report as POST /api/v1/provider-reports does; a
// refusal is shown in the form, naming the field by its label, with what
// was typed kept.
func (ui *UI) draftReport(w http.ResponseWriter, r *http.Request) {
	a := ui.cfg.Actor(r)
	f := reportForm{PeriodFrom: strings.TrimSpace(r.PostFormValue("period_from")), PeriodTo: strings.TrimSpace(r.PostFormValue("period_to"))}
	f.ProviderID, _ = strconv.ParseInt(r.PostFormValue("provider_id"), 10, 64)
	rep, err := ui.cfg.Store.GenerateProviderReport(r.Context(), a, f.ProviderID, f.PeriodFrom, f.PeriodTo)
	if err != nil {
		var e *review.Error
		if errors.As(err, &e) && (e.Kind == review.KindInvalid || e.Kind == review.KindConflict) {
			ui.showReports(w, r, ui.cfg.Status(e.Kind), &reportsData{Form: f, FormError: fieldMessage(i18n.FromRequest(r), e), ErrorField: e.Field})
			return
		}
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(rep.ID, 10), http.StatusSeeOther)
}

// providerReportData is one provider report's page.
type providerReportData struct {
	Report *store.ProviderReport
	Office bool
	// Changes are the listings' changes in the period, in date order.
	Changes []reportChange
}

// reportChange is one change of a listing's status, with what it is of.
type reportChange struct {
	store.ReportEvent
	Subject string
}

// changesOf lists every change of status a report holds.
func changesOf(c *store.ReportContent) []reportChange {
	var out []reportChange
	if c == nil {
		return nil
	}
	for _, p := range c.Products {
		for _, v := range p.Versions {
			for _, l := range v.Listings {
				for _, e := range l.Events {
					out = append(out, reportChange{e, p.Name + " " + v.Version + " (" + l.Case + ")"})
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b reportChange) int { return strings.Compare(a.On, b.On) })
	return out
}

// reportID reads the report id of the path; a malformed one is no report.
func reportID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, review.NotFound("report")
	}
	return id, nil
}

func (ui *UI) providerReportPage(w http.ResponseWriter, r *http.Request) {
	a := ui.cfg.Actor(r)
	id, err := reportID(r)
	if err == nil {
		var rep *store.ProviderReport
		if rep, err = ui.cfg.Store.ProviderReport(r.Context(), a, id); err == nil {
			ui.render(w, r, http.StatusOK, "providerreport", ui.newPage(r, "ui.providerreport.title", &providerReportData{Report: rep, Office: mayIssue(a), Changes: changesOf(rep.Content)}))
			return
		}
	}
	ui.fail(w, r, err)
}

// publishReport publishes a draft as POST /api/v1/provider-reports/{id}/publish
// does, rendering its PDFs.
func (ui *UI) publishReport(w http.ResponseWriter, r *http.Request) {
	id, err := reportID(r)
	if err == nil {
		_, err = ui.cfg.Store.PublishProviderReport(r.Context(), ui.cfg.Actor(r), id, document.ProviderReport)
	}
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
