package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/catalog"
	"shencha/internal/review"
	"shencha/internal/store"
)

// The evaluation on the case page: the plan, the evidence, the findings
// and their matrix, each read through the store with the visitor (a part
// the store does not let the visitor read is left out, as the API would
// refuse it), and the forms of the visitor's part in it: the office plans
// criteria for the assigned labs, an assigned lab records evidence and
// findings and submits its signed report (report.go), and the provider
// countersigns inspection checklists. Every form is a plain form that works
// without JavaScript; the evidence form's file upload shows its progress
// through htmx and static/upload.js when they run.

// evaluation is the case's evaluation as the visitor may see it, and the
// forms of the visitor's part in it.
type evaluation struct {
	// ReadPlan, ReadEvidence and ReadFindings: the store lets the visitor
	// read that part (a lab reads its own plan and findings only).
	ReadPlan, ReadEvidence, ReadFindings bool
	Plan                                 []planRow
	Evidence                             []store.EvidenceView
	Findings                             []findingRow
	Matrix                               *matrix
	Signed                               []signedRow

	// PlanForm is the office's form to plan a criterion (nil: the visitor
	// may not change the plan now).
	PlanForm *planForm
	// Lab is an assigned lab's workspace (nil: no lab work now).
	Lab *labWork
	// Countersign: the visitor countersigns inspection checklists for the
	// provider (the store checks it is the provider).
	Countersign bool
}

// planRow is a planned criterion with its finding's status, as far as the
// visitor may see it ("" before the finding).
type planRow struct {
	store.PlanItem
	Criterion catalog.Criterion
	Status    catalog.Status
}

type findingRow struct {
	store.FindingView
	Criterion catalog.Criterion
}

// signedRow is a signed report or commitment (Report tells which), with
// its verification: for a report, Compared says the stored bytes were
// compared with the record, and Matches how that came out.
type signedRow struct {
	store.SignedDocument
	Report, Compared, Matches bool
}

// planForm offers the criteria of the case's catalogue that an assigned
// lab's method can establish, and those labs' assignments.
type planForm struct {
	Criteria    []catalog.Criterion
	Assignments []store.AssignmentView
	formState
}

// labWork is an assigned lab's workspace on a case in evaluation: its
// assignments still open (without a report) and those reported, the
// criteria planned for it, and its forms for evidence, findings and the
// report.
type labWork struct {
	Open, Reported []store.AssignmentView
	// Criteria are those planned for the lab, once each, in plan order.
	Criteria []catalog.Criterion
	// Kinds are those of the lab's methods, and documents.
	Kinds    []review.EvidenceKind
	Examples []example
	Labels   []string
	Statuses []string
	Outcomes []string
	// The forms' states after a refusal.
	Evidence, Finding, Report formState
}

// example shows the structured data of one kind of evidence.
type example struct {
	Kind review.EvidenceKind
	JSON string
}

// form finds one of the evaluation's forms by name; nil if the page does
// not show it.
func (e *evaluation) form(name string) *formState {
	switch {
	case e == nil:
	case name == "plan" && e.PlanForm != nil:
		return &e.PlanForm.formState
	case e.Lab == nil || len(e.Lab.Open) == 0:
	case name == "evidence":
		return &e.Lab.Evidence
	case name == "finding":
		return &e.Lab.Finding
	case name == "report":
		return &e.Lab.Report
	}
	return nil
}

// readable tells a part the store lets the visitor read from one it
// refuses (forbidden, or not found for want of need-to-know); any other
// error is the page's.
func readable(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case review.IsKind(err, review.KindForbidden), review.IsKind(err, review.KindNotFound):
		return false, nil
	}
	return false, err
}

// evaluation reads the case's evaluation as the visitor may see it.
// Reading the evidence is audited, as every read of it is (Art. 13).
func (ui *UI) evaluation(r *http.Request, c *store.CaseView) (*evaluation, error) {
	ctx, a, st := r.Context(), ui.cfg.Actor(r), ui.cfg.Store
	e := &evaluation{Countersign: slices.Contains(c.Parties, "provider")}
	plan, err := st.Plan(ctx, a, c.Number)
	if e.ReadPlan, err = readable(err); err != nil {
		return nil, err
	}
	findings, err := st.Findings(ctx, a, c.Number)
	if e.ReadFindings, err = readable(err); err != nil {
		return nil, err
	}
	e.Evidence, err = st.Evidence(ctx, a, c.Number, r.RemoteAddr)
	if e.ReadEvidence, err = readable(err); err != nil {
		return nil, err
	}
	signed, err := st.SignedDocuments(ctx, a, c.Number)
	if err != nil {
		return nil, err
	}
	for _, d := range signed {
		row := signedRow{SignedDocument: d, Report: d.Type == review.ReportType}
		if d.MatchesRecord != nil {
			row.Compared, row.Matches = true, *d.MatchesRecord
		}
		e.Signed = append(e.Signed, row)
	}
	if !e.ReadPlan && !e.ReadFindings {
		return e, nil // the provider's view: its documents and checklists only
	}
	cat, err := st.Catalog(ctx, c.CatalogVersion)
	if err != nil {
		return nil, err
	}
	status := map[string]catalog.Status{} // by criterion@assignment
	for _, f := range findings {
		cr, _ := cat.Lookup(f.CriterionID)
		e.Findings = append(e.Findings, findingRow{FindingView: f, Criterion: cr})
		status[f.CriterionID+"@"+strconv.FormatInt(f.AssignmentID, 10)] = f.Status
	}
	for _, it := range plan {
		cr, _ := cat.Lookup(it.CriterionID)
		e.Plan = append(e.Plan, planRow{PlanItem: it, Criterion: cr, Status: status[it.CriterionID+"@"+strconv.FormatInt(it.AssignmentID, 10)]})
	}
	if e.ReadFindings {
		e.Matrix = buildMatrix(cat, findings)
	}
	if slices.Contains(c.Parties, "office") && store.PlanOpen(c.State) {
		e.PlanForm = newPlanForm(c, cat)
	}
	// The table lets a lab submit its report exactly while it is assigned
	// and the case is in evaluation: that is when it works on the case.
	if slices.Contains(c.AllowedActions, string(review.ActSubmitReport)) {
		e.Lab = newLabWork(c, a, cat, e.Plan)
	}
	return e, nil
}

// labAssignments are the active assignments of the lab on the case.
func labAssignments(c *store.CaseView, a review.Actor) []store.AssignmentView {
	var out []store.AssignmentView
	for _, as := range c.Assignments {
		if as.Lab != nil && as.Lab.ID == a.OrgID && as.EndedAt == "" {
			out = append(out, as)
		}
	}
	return out
}

func newPlanForm(c *store.CaseView, cat *catalog.Catalog) *planForm {
	f := &planForm{}
	var methods []review.Method
	for _, as := range c.Assignments {
		if as.Lab != nil && as.EndedAt == "" && as.ReportAt == "" {
			f.Assignments = append(f.Assignments, as)
			methods = append(methods, as.Method)
		}
	}
	if len(f.Assignments) == 0 {
		return nil // no lab to plan for
	}
	for _, cr := range cat.Criteria {
		if slices.ContainsFunc(cr.Methods, func(m review.Method) bool { return slices.Contains(methods, m) }) {
			f.Criteria = append(f.Criteria, cr)
		}
	}
	return f
}

func newLabWork(c *store.CaseView, a review.Actor, cat *catalog.Catalog, plan []planRow) *labWork {
	w := &labWork{Labels: names(review.Labels), Statuses: names(catalog.Statuses), Outcomes: names(review.Outcomes)}
	for _, as := range labAssignments(c, a) {
		if as.ReportAt == "" {
			w.Open = append(w.Open, as)
		} else {
			w.Reported = append(w.Reported, as)
		}
	}
	for _, it := range plan {
		if !slices.ContainsFunc(w.Criteria, func(cr catalog.Criterion) bool { return cr.ID == it.CriterionID }) {
			w.Criteria = append(w.Criteria, it.Criterion)
		}
	}
	for _, k := range review.EvidenceKindList {
		if k == review.EvidenceDocument || slices.ContainsFunc(w.Open, func(as store.AssignmentView) bool { return review.EvidenceKinds[k] == as.Method }) {
			w.Kinds = append(w.Kinds, k)
			w.Examples = append(w.Examples, example{Kind: k, JSON: evidenceExample(k, c)})
		}
	}
	return w
}

// evidenceExample is an example of a kind's structured data, from the
// review package's own types, so it has exactly the fields the store
// checks. Its values only show the shape.
func evidenceExample(k review.EvidenceKind, c *store.CaseView) string {
	version := ""
	if len(c.Versions) > 0 {
		version = c.Versions[0].Version
	}
	today := calendar.DateOf(time.Now()).String()
	var v any
	switch k {
	case review.EvidenceLabTest:
		v = review.LabTestReport{Sample: review.Sample{Name: c.Product.Name, Version: version, Serial: "SN-0001"}, Environment: "isolated test bed",
			Tests: []review.TestCase{{ID: "T-01", Title: "Port scan against the declared interfaces", Result: "pass"}}}
	case review.EvidenceChecklist:
		v = review.Checklist{Site: "R&D centre", Date: today, Inspectors: []string{"Inspector A"},
			Items: []review.ChecklistItem{{Check: "Build server isolation", Result: "nonconforming", Note: "shared admin account"}}}
	case review.EvidenceMonitoring:
		v = review.Observations{Target: c.Product.Name, Items: []review.Observation{{At: today + "T10:00:00+08:00", Observation: "Outbound traffic only to declared endpoints."}}}
	case review.EvidenceBackground:
		v = review.Background{Subject: "p", UltimateController: "p", Entities: []review.Entity{{ID: "p", Name: c.Provider.Name, Kind: "company", Jurisdiction: "CN"}}}
	case review.EvidenceDocument:
		v = review.Document{DocKind: "declaration", Description: "Product security declaration"}
	default:
		v = map[string]any{"tool": "name and version of the tool", "result": "its output, as JSON"}
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// formDone answers a form of the case page: back to its section of the
// case (post/redirect/get, so a reload does not send it twice), or, when
// the store refused it on a case the visitor sees, the case page with the
// refusal in the form and what was typed kept. fields renames the store's
// field names to the form's inputs.
func (ui *UI) formDone(w http.ResponseWriter, r *http.Request, form, section string, values url.Values, err error, fields map[string]string) {
	number := r.PathValue("number")
	if err == nil {
		http.Redirect(w, r, "/cases/"+number+"#"+section, http.StatusSeeOther)
		return
	}
	var e *review.Error
	if errors.As(err, &e) {
		if f, ok := fields[e.Field]; ok {
			renamed := *e
			renamed.Field = f
			err = &renamed
		}
	}
	ui.refuseOnCase(w, r, number, &refusal{Action: form, Values: values}, err)
}

// planFields are the plan form's inputs for the store's field names: the
// form plans one item, and takes the method from the assignment.
var planFields = map[string]string{"items": "criterion", "items.criterion_id": "criterion", "items.assignment_id": "assignment_id", "items.method": "assignment_id"}

// addPlanItem plans a criterion for an assigned lab, by the method of its
// assignment (the office).
func (ui *UI) addPlanItem(w http.ResponseWriter, r *http.Request) {
	ctx, a, number := r.Context(), ui.cfg.Actor(r), r.PathValue("number")
	crit := r.PostFormValue("criterion")
	// The store checks who may plan before it checks the item: an
	// assignment that is not a number is none (0), which it refuses.
	asg, _ := strconv.ParseInt(r.PostFormValue("assignment_id"), 10, 64)
	err := func() error {
		c, err := ui.cfg.Store.Case(ctx, a, number)
		if err != nil {
			return err
		}
		item := store.PlanItem{CriterionID: crit, AssignmentID: asg}
		for _, as := range c.Assignments {
			if as.ID == asg {
				item.Method = as.Method
			}
		}
		_, err = ui.cfg.Store.AddPlanItems(ctx, a, number, []store.PlanItem{item})
		return err
	}()
	ui.formDone(w, r, "plan", "plan", r.PostForm, err, planFields)
}

// removePlanItem takes a criterion off the plan, with its finding (the office).
func (ui *UI) removePlanItem(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		ui.fail(w, r, review.NotFound("plan_item"))
		return
	}
	err = ui.cfg.Store.RemovePlanItem(r.Context(), ui.cfg.Actor(r), r.PathValue("number"), id)
	ui.formDone(w, r, "plan_remove", "plan", nil, err, nil)
}

// putFinding records or revises the lab's finding on a criterion of its
// plan, for the assignment the criterion is planned under.
func (ui *UI) putFinding(w http.ResponseWriter, r *http.Request) {
	ctx, a, number := r.Context(), ui.cfg.Actor(r), r.PathValue("number")
	crit := r.PostFormValue("criterion")
	err := func() error {
		// The store checks who may record a finding before its input: a
		// criterion left empty, or evidence that is not a number (read as
		// 0, no evidence's), it then refuses, naming the field.
		in := store.FindingInput{Status: catalog.Status(r.PostFormValue("status")), Rationale: r.PostFormValue("rationale")}
		for _, s := range r.PostForm["evidence"] {
			id, _ := strconv.ParseInt(s, 10, 64)
			in.Evidence = append(in.Evidence, id)
		}
		plan, err := ui.cfg.Store.Plan(ctx, a, number)
		if err != nil {
			return err
		}
		for _, it := range plan {
			if it.CriterionID == crit {
				in.AssignmentID = it.AssignmentID
				break
			}
		}
		_, err = ui.cfg.Store.PutFinding(ctx, a, number, crit, in)
		return err
	}()
	ui.formDone(w, r, "finding", "findings", r.PostForm, err, nil)
}

// countersign records the provider's countersignature of a checklist.
func (ui *UI) countersign(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		ui.fail(w, r, review.NotFound("evidence"))
		return
	}
	err = ui.cfg.Store.Countersign(r.Context(), ui.cfg.Actor(r), r.PathValue("number"), id, r.PostFormValue("note"))
	ui.formDone(w, r, "countersign", "evidence", nil, err, nil)
}

// evidenceFields are the evidence form's inputs for the names the store
// and the upload give the file.
var evidenceFields = map[string]string{"filename": "file", "materials": "file", "X-Content-SHA256": "file"}

// maxEvidenceFields bounds what the evidence form's fields other than the
// file may hold in all (the structured data is the largest).
const maxEvidenceFields = 1 << 20

// addEvidence records the lab's evidence from the case page's multipart
// form: its fields, then, optionally, the file it rests on, streamed into
// the blob store under the API's upload rules (Config.File). The file and
// the record are recorded in one transaction, so a refused record leaves no
// file on the case. The form sends the file last (the order of its
// inputs), so the record is known before the file's first byte is read and
// the file is never buffered.
func (ui *UI) addEvidence(w http.ResponseWriter, r *http.Request) {
	values := url.Values{}
	// Who may not add evidence to the case is refused before the form is read.
	if err := ui.cfg.Store.AuthorizeEvidence(r.Context(), ui.cfg.Actor(r), r.PathValue("number")); err != nil {
		ui.formDone(w, r, "evidence", "evidence", values, err, nil)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		ui.formDone(w, r, "evidence", "evidence", values, review.E(review.KindInvalid, "body_invalid", "reason", "multipart/form-data expected"), nil)
		return
	}
	left := int64(maxEvidenceFields)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ui.formDone(w, r, "evidence", "evidence", values, review.E(review.KindInvalid, "body_invalid", "reason", err.Error()), nil)
			return
		}
		if part.FormName() == "file" {
			if part.FileName() == "" {
				continue // a form sent with no file chosen still has the part
			}
			ui.formDone(w, r, "evidence", "evidence", values, ui.recordEvidence(r, values, part), evidenceFields)
			return
		}
		b, _ := io.ReadAll(io.LimitReader(part, left+1))
		if left -= int64(len(b)); left < 0 {
			ui.formDone(w, r, "evidence", "evidence", values, review.E(review.KindTooLarge, "body_too_large", "max", strconv.Itoa(maxEvidenceFields)), nil)
			return
		}
		values.Add(part.FormName(), string(b))
	}
	ui.formDone(w, r, "evidence", "evidence", values, ui.recordEvidence(r, values, nil), evidenceFields)
}

// recordEvidence records the evidence the form's values describe, with the
// file if one was sent. The evidence is the lab's under the assignment for
// its kind's method (a document under its first open assignment).
func (ui *UI) recordEvidence(r *http.Request, v url.Values, file *multipart.Part) error {
	ctx, a, number := r.Context(), ui.cfg.Actor(r), r.PathValue("number")
	in := review.EvidenceInput{Kind: review.EvidenceKind(v.Get("kind")), Title: v.Get("title"), Label: review.Label(v.Get("label")), Criteria: v["criteria"]}
	if data := strings.TrimSpace(v.Get("data")); data != "" {
		if !json.Valid([]byte(data)) {
			return review.Invalid("data", "field_invalid", "rule", "JSON")
		}
		in.Data = json.RawMessage(data)
	}
	// Checked before the file is stored: a bad record stores nothing. The
	// store checks it again, with the rest, when it records it.
	if _, err := review.CheckEvidence(&in); err != nil {
		return err
	}
	c, err := ui.cfg.Store.Case(ctx, a, number)
	if err != nil {
		return err
	}
	var asg int64
	for _, as := range labAssignments(c, a) {
		if as.ReportAt != "" {
			continue
		}
		if asg == 0 {
			asg = as.ID
		}
		if review.EvidenceKinds[in.Kind] == as.Method {
			asg = as.ID
			break
		}
	}
	if file == nil {
		_, err = ui.cfg.Store.AddEvidence(ctx, a, number, in, asg, r.RemoteAddr)
		return err
	}
	m, err := ui.cfg.File(r, number, file, file.FileName(), file.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	_, err = ui.cfg.Store.AddEvidenceFile(ctx, a, number, in, asg, m, r.RemoteAddr)
	return err
}
