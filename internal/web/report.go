package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// A lab's report is signed by the lab with its own Ed25519 key, which the
// server never sees (DESIGN §6): the page cannot sign it. It does what the
// API does (POST /reports/draft, then submit_report): the lab gives its
// summary and recommendation on the case page; the report page shows the
// canonical bytes they make with the lab's findings, their digest, and a
// download of the exact bytes to sign offline with `shencha sign`; the lab
// pastes the signature it prints, and the store checks it over the same
// bytes rebuilt from the record.

// reportData is the report page.
type reportData struct {
	Case *store.CaseView
	// Report is what the lab signs: its assignment, summary,
	// recommendation and findings, which the page's forms carry on.
	Report review.ReportPayload
	// Payload is the canonical bytes, indented for reading; Digest and
	// Size are those of the exact bytes to sign, which DraftURL downloads
	// as File.
	Payload  string
	Digest   string
	Size     int
	File     string
	DraftURL string
	// Missing are the criteria planned for the assignment without a
	// finding yet: the submission would be refused.
	Missing string
	Form    formState
}

// reportInput reads a report's assignment, recommendation and summary, and
// checks the last two as submitting them will, so that no draft is signed
// that the submission would refuse for them. Assignment 0 lets the store
// take the lab's only assignment.
func reportInput(v url.Values) (int64, string, review.Outcome, error) {
	asg, _ := strconv.ParseInt(v.Get("assignment_id"), 10, 64)
	summary, rec := v.Get("summary"), review.Outcome(v.Get("recommendation"))
	switch {
	case rec == "":
		return 0, "", "", review.Required("recommendation")
	case !slices.Contains(review.Outcomes, rec):
		return 0, "", "", review.Invalid("recommendation", "field_unknown_value", "value", string(rec))
	case strings.TrimSpace(summary) == "":
		return 0, "", "", review.Required("summary")
	}
	return asg, summary, rec, nil
}

// draft builds the canonical bytes of the lab's report from the request's
// values. A refusal goes back to the case page's report form.
func (ui *UI) draft(w http.ResponseWriter, r *http.Request, v url.Values) (int64, string, review.Outcome, []byte, bool) {
	// Whoever may not submit the case's report is refused before the
	// values are read.
	err := ui.cfg.Store.Authorize(r.Context(), ui.cfg.Actor(r), r.PathValue("number"), review.ActSubmitReport)
	var asg int64
	var summary string
	var rec review.Outcome
	if err == nil {
		asg, summary, rec, err = reportInput(v)
	}
	var payload []byte
	if err == nil {
		payload, err = ui.cfg.Store.ReportDraft(r.Context(), ui.cfg.Actor(r), r.PathValue("number"), asg, summary, rec)
	}
	if err != nil {
		ui.formDone(w, r, "report", "report", v, err, nil)
		return 0, "", "", nil, false
	}
	return asg, summary, rec, payload, true
}

func (ui *UI) reportPage(w http.ResponseWriter, r *http.Request) {
	ui.showReport(w, r, http.StatusOK, r.URL.Query(), nil)
}

// showReport renders the report page for the values, with a refused
// submission's error in its form.
func (ui *UI) showReport(w http.ResponseWriter, r *http.Request, status int, v url.Values, refused *review.Error) {
	asg, summary, rec, payload, ok := ui.draft(w, r, v)
	if !ok {
		return
	}
	c, err := ui.cfg.Store.Case(r.Context(), ui.cfg.Actor(r), r.PathValue("number"))
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	d := &reportData{Case: c, Size: len(payload), File: reportFile(c.Number)}
	if err := json.Unmarshal(payload, &d.Report); err != nil {
		ui.fail(w, r, review.Internal(err))
		return
	}
	plan, err := ui.cfg.Store.Plan(r.Context(), ui.cfg.Actor(r), c.Number)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	var missing []string
	for _, it := range plan {
		if it.AssignmentID == d.Report.AssignmentID && !slices.ContainsFunc(d.Report.Findings, func(f review.SignedFinding) bool { return f.Criterion == it.CriterionID }) {
			missing = append(missing, it.CriterionID)
		}
	}
	d.Missing = strings.Join(missing, ", ")
	var indented bytes.Buffer
	json.Indent(&indented, payload, "", "  ")
	d.Payload = indented.String()
	sum := sha256.Sum256(payload)
	d.Digest = "sha256:" + hex.EncodeToString(sum[:])
	// The same inputs make the same bytes: the draft's link and the
	// language switch carry them.
	query := url.Values{"assignment_id": {strconv.FormatInt(asg, 10)}, "summary": {summary}, "recommendation": {string(rec)}}.Encode()
	d.DraftURL = "/cases/" + c.Number + "/report/draft?" + query
	if refused != nil {
		d.Form = formState{Values: v, Error: fieldMessage(i18n.FromRequest(r), refused), ErrorField: refused.Field}
	}
	page := ui.newPage(r, "ui.report.title", d)
	page.Path = "/cases/" + c.Number + "/report?" + query
	ui.render(w, r, status, "report", page)
}

// reportFile names the downloaded draft.
func reportFile(number string) string { return "report-" + number + ".json" }

// reportDraft answers the exact bytes to sign, as a file.
func (ui *UI) reportDraft(w http.ResponseWriter, r *http.Request) {
	_, _, _, payload, ok := ui.draft(w, r, r.URL.Query())
	if !ok {
		return
	}
	// The number is a case's the store found, so it is safe in the header.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+reportFile(r.PathValue("number"))+`"`)
	w.Write(payload)
}

// submitReport submits the signed report. A refusal (a signature that does
// not verify, findings missing) is shown on the report page, in its form,
// with what was pasted kept.
func (ui *UI) submitReport(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	r.ParseForm()
	err := ui.cfg.Store.Authorize(r.Context(), ui.cfg.Actor(r), number, review.ActSubmitReport)
	var asg int64
	var summary string
	var rec review.Outcome
	if err == nil {
		asg, summary, rec, err = reportInput(r.PostForm)
	}
	if err == nil {
		_, err = ui.cfg.Store.ApplyAction(r.Context(), ui.cfg.Actor(r), number, review.ActSubmitReport,
			review.Input{AssignmentID: asg, Summary: summary, Recommendation: rec, Signature: r.PostForm.Get("signature")})
	}
	if err == nil {
		http.Redirect(w, r, "/cases/"+number+"#report", http.StatusSeeOther)
		return
	}
	var e *review.Error
	if errors.As(err, &e) && (e.Kind == review.KindInvalid || e.Kind == review.KindConflict || e.Kind == review.KindForbidden) {
		ui.showReport(w, r, ui.cfg.Status(e.Kind), r.PostForm, e)
		return
	}
	ui.fail(w, r, err)
}
