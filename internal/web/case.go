package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// caseData is a case as the visitor may see it and the forms of the actions
// the visitor may take now.
type caseData struct {
	Case    *store.CaseView
	Actions []actionForm
	// CanUpload: the store allows the visitor to upload a material now;
	// the upload form takes the place of the action's button.
	CanUpload bool
	Labels    []string
	// UploadError is a refused upload's message, shown beside the form.
	UploadError string
	// OwnershipURL links to the provider's ownership chain when the
	// visitor may read it.
	OwnershipURL string
	// Reports are the public reports linked to the case or that opened
	// it, for the office only: the parties never learn of them.
	Reports []store.ReportSummary
	// Supplements are the requests for material with their answers; the
	// open one carries the answer form when the visitor may answer.
	Supplements []supplementItem
	Answer      answerForm
	// Commitment is the provider's commitment: what to sign, or what was
	// signed; nil for everyone else.
	Commitment *commitmentData
	// SBOMs are the supply-chain analyses of the case's SBOMs the visitor
	// may read.
	SBOMs []store.AnalysisView
	// Eval is the evaluation: plan, evidence, findings and their matrix,
	// and the forms of the visitor's part in it (evaluation.go).
	Eval *evaluation
	// Letter: the decision letter's PDFs are offered, to the parties the
	// letter goes to, once the decision is published.
	Letter bool
}

// supplementItem is a request for material, with the files its answer
// points to as the visitor may see them.
type supplementItem struct {
	store.SupplementView
	Files []store.MaterialView
	// Answerable: this is the open request and the visitor may answer it.
	Answerable bool
}

// answerForm is the answer to a supplement request: a text and a file
// (supplement.go), kept with its refusal when the store refused it.
type answerForm struct {
	Summary    string
	Error      string
	ErrorField string
}

// commitmentData is the provider's commitment (Art. 3) as the case page
// shows it: the canonical bytes to sign and their digest while it is
// awaited, the signed documents once it is in.
type commitmentData struct {
	CanSubmit bool
	Draft     string
	Digest    string
	// Keys counts the organisation's active signing keys: none means the
	// signature cannot be checked until the office registers one.
	Keys   int
	Signed []store.SignedDocument
	// Signature is what was pasted before a refusal, and Error the refusal.
	Signature string
	Error     string
}

// actionForm is one allowed action. Its fields are the inputs the
// transition table says the action needs (Rule.Needs); an action needing
// an input this page cannot collect (an assignment to end, a clock to
// extend) is listed without a form, and one that has a section of its own
// on the page (Section) links to it.
type actionForm struct {
	Action   string
	Fields   []field
	Possible bool
	Section  string
	formState
}

// formState is what a refused form shows again: what was typed into it,
// so nothing typed is lost; the refusal (Error), shown in the form; and
// the input it names (ErrorField, a form field name).
type formState struct {
	Values     url.Values
	Error      string
	ErrorField string
}

// Value is what was typed into the named input, for showing it again.
func (f formState) Value(name string) string { return f.Values.Get(name) }

// Checked reports whether value was among those chosen for the named input
// (a checkbox of a group).
func (f formState) Checked(name, value string) bool { return slices.Contains(f.Values[name], value) }

// Invalid reports whether the refusal names this input (or, for the
// areas, one of its parts).
func (f formState) Invalid(name string) bool {
	return f.ErrorField != "" && (f.ErrorField == name || strings.HasPrefix(name, f.ErrorField+"."))
}

// InvalidAny reports whether the refusal names this group of inputs or any
// part of it. The store names a condition's text or due date without
// saying which row, so the whole set of conditions is marked.
func (f formState) InvalidAny(name string) bool {
	return f.Invalid(name) || strings.HasPrefix(f.ErrorField, name+".")
}

// field is one input of an action form.
type field struct {
	Name string
	// Options, when set, make a select; their labels are messages
	// OptionPrefix+value.
	Options      []string
	OptionPrefix string
	// Areas, when set, make a risk level and a note for each risk area,
	// named areas.<area>.level and areas.<area>.note.
	Areas []string
	// Conditions, when set, make that many rows of a condition's text,
	// due date and "suspend if overdue", named conditions.<i>.text etc.
	Conditions int
	// Optional: the store needs the input only in some cases, which Hint
	// (a message) explains; the browser must not insist on it.
	Optional bool
	Hint     string
	// Pick, when set, makes a select of the labs (pickLabs) or experts
	// (pickExperts) the page reads from the store into Choices.
	Pick    string
	Choices []choice
	// Declaration makes the assignee's declaration (Art. 13): its two
	// affirmations and who signed it, named declaration.no_conflict,
	// declaration.confidentiality and declaration.signed_by.
	Declaration bool
}

// choice is an option of a Pick select: an id and the name shown for it.
type choice struct {
	Value int64
	Label string
}

// The Pick selects.
const (
	pickLabs    = "labs"
	pickExperts = "experts"
)

// Rows are the condition rows' indexes.
func (f field) Rows() []int {
	out := make([]int, f.Conditions)
	for i := range out {
		out[i] = i
	}
	return out
}

// Levels are the risk levels an area's select offers.
func (field) Levels() []string { return names(review.RiskLevels) }

// inputs are the action inputs a plain form can collect, and how. They say
// what kind of value an input is; which actions need them, and who may take
// those actions, is the transition table's business.
var inputs = map[string]field{
	"reason":              {Name: "reason"},
	"items":               {Name: "items"},
	"rationale":           {Name: "rationale"},
	"summary":             {Name: "summary"},
	"outcome":             {Name: "outcome", Options: names(review.Outcomes), OptionPrefix: "outcome."},
	"recommendation":      {Name: "recommendation", Options: names(review.Outcomes), OptionPrefix: "outcome."},
	"scope":               {Name: "scope", Options: names(review.Scopes), OptionPrefix: "scope."},
	"areas":               {Name: "areas", Areas: review.RiskAreas},
	"conditions":          {Name: "conditions", Conditions: conditionRows, Optional: true, Hint: "ui.case.conditions_hint"},
	"departure_rationale": {Name: "departure_rationale", Optional: true, Hint: "ui.case.departure_hint"},
	"lab_org_id":          {Name: "lab_org_id", Pick: pickLabs},
	"method":              {Name: "method", Options: names(review.Methods), OptionPrefix: "method."},
	"expert_user_id":      {Name: "expert_user_id", Pick: pickExperts},
	"declaration":         {Name: "declaration", Declaration: true, Hint: "ui.case.declaration_hint"},
}

// conditionRows is how many conditions a decision form offers: a fixed
// number, so the form works without JavaScript.
const conditionRows = 3

// extras are inputs an action accepts beyond its Rule.Needs. The table
// lists what every decision needs; conditions are needed for a conditional
// pass only and a departure rationale only when the outcome departs from
// the decision rule's recommendation (review's checkDecision and
// checkDeparture). The forms always offer them and the store says when
// one is missing.
var extras = map[review.Action][]string{
	review.ActDecide:          {"conditions", "departure_rationale"},
	review.ActCommitteeDecide: {"conditions", "departure_rationale"},
}

// formInputs are the inputs an action's form collects.
func formInputs(rule *review.Rule) []string {
	return slices.Concat(rule.Needs, extras[rule.Action])
}

func names[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

// ownSections are the actions whose forms are sections of the case page of
// their own: an upload and an answer carry a file (upload.go,
// supplement.go), a commitment shows what to sign, and the lab's signed
// report has a page (report.go).
var ownSections = map[string]string{
	string(review.ActUploadMaterial):   "materials",
	string(review.ActAnswerSupplement): "supplements",
	string(review.ActSubmitCommitment): "commitment",
	string(review.ActSubmitReport):     "report",
}

// actionForms builds the forms of the actions the store allows the visitor.
func actionForms(allowed []string) []actionForm {
	var out []actionForm
	for _, name := range allowed {
		if sec, ok := ownSections[name]; ok {
			out = append(out, actionForm{Action: name, Section: sec})
			continue
		}
		rule, ok := review.RuleFor(review.Action(name))
		if !ok {
			continue
		}
		f := actionForm{Action: name, Possible: true}
		for _, n := range formInputs(rule) {
			in, ok := inputs[n]
			if !ok {
				f.Possible = false
				break
			}
			f.Fields = append(f.Fields, in)
		}
		out = append(out, f)
	}
	return out
}

// formInput reads the action's inputs from the form, only those the rule
// names (and the extras its form offers), so a form cannot smuggle in more
// than the action accepts.
func formInput(r *http.Request, rule *review.Rule) review.Input {
	var in review.Input
	for _, n := range formInputs(rule) {
		v := r.PostFormValue(n)
		switch n {
		case "reason":
			in.Reason = v
		case "items":
			in.Items = v
		case "rationale":
			in.Rationale = v
		case "summary":
			in.Summary = v
		case "outcome":
			in.Outcome = review.Outcome(v)
		case "recommendation":
			in.Recommendation = review.Outcome(v)
		case "scope":
			in.Scope = review.Scope(v)
		case "areas":
			in.Areas = formAreas(r)
		case "conditions":
			in.Conditions = formConditions(r)
		case "departure_rationale":
			in.DepartureRationale = v
		case "lab_org_id":
			in.LabOrgID = formID(r, n)
		case "expert_user_id":
			in.ExpertUserID = formID(r, n)
		case "method":
			in.Method = review.Method(v)
		case "declaration":
			in.Declaration = formDeclaration(r)
		case "signature":
			in.Signature = v
		}
	}
	return in
}

// formAreas reads an opinion's assessment per risk area. An area left
// wholly empty is left out, so the store names it as required; one with a
// note but no level is passed on, so the store names its level.
func formAreas(r *http.Request) map[string]review.AreaAssessment {
	var out map[string]review.AreaAssessment
	for _, a := range review.RiskAreas {
		level, note := r.PostFormValue("areas."+a+".level"), r.PostFormValue("areas."+a+".note")
		if level == "" && strings.TrimSpace(note) == "" {
			continue
		}
		if out == nil {
			out = map[string]review.AreaAssessment{}
		}
		out[a] = review.AreaAssessment{Level: review.RiskLevel(level), Note: note}
	}
	return out
}

// formConditions reads a decision's conditions. A row left wholly empty is
// left out (a pass has none); a row with anything in it is passed on, so
// the store names its missing text or due date.
func formConditions(r *http.Request) []review.Condition {
	var out []review.Condition
	for i := range conditionRows {
		p := fmt.Sprintf("conditions.%d.", i)
		text, due, suspend := r.PostFormValue(p+"text"), r.PostFormValue(p+"due"), r.PostFormValue(p+"suspend_if_overdue")
		if strings.TrimSpace(text) == "" && due == "" && suspend == "" {
			continue
		}
		out = append(out, review.Condition{Text: text, Due: due, SuspendIfOverdue: suspend != ""})
	}
	return out
}

// formDeclaration reads the assignee's declaration. One left wholly empty
// is left out, so the store names it as required; one partly filled is
// passed on, so the store says it must be affirmed and signed.
func formDeclaration(r *http.Request) *review.Declaration {
	d := review.Declaration{NoConflict: r.PostFormValue("declaration.no_conflict") != "",
		Confidentiality: r.PostFormValue("declaration.confidentiality") != "", SignedBy: strings.TrimSpace(r.PostFormValue("declaration.signed_by"))}
	if d == (review.Declaration{}) {
		return nil
	}
	return &d
}

// fillChoices reads the labs and experts the page's assignment forms
// offer. Only the office is offered those forms (the transition table),
// and the API lists labs and experts to it too; whether one may be
// assigned (accreditation, ties, already assigned) the store decides, and
// its refusal says why.
func (ui *UI) fillChoices(r *http.Request, forms []actionForm) error {
	for i := range forms {
		for j := range forms[i].Fields {
			f := &forms[i].Fields[j]
			switch f.Pick {
			case pickLabs:
				labs, err := ui.cfg.Store.Orgs(r.Context(), review.OrgLab)
				if err != nil {
					return err
				}
				for _, o := range labs {
					f.Choices = append(f.Choices, choice{Value: o.ID, Label: o.Name})
				}
			case pickExperts:
				experts, err := ui.cfg.Store.Users(r.Context(), review.RoleExpert)
				if err != nil {
					return err
				}
				for _, u := range experts {
					if !u.Disabled {
						f.Choices = append(f.Choices, choice{Value: u.ID, Label: u.DisplayName + " (" + u.Username + ")"})
					}
				}
			}
		}
	}
	return nil
}

func (ui *UI) casePage(w http.ResponseWriter, r *http.Request) {
	ui.showCase(w, r, http.StatusOK, "")
}

// showCase renders the case page, with an error above it after a refused
// action.
func (ui *UI) showCase(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ui.renderCase(w, r, status, msg, "", nil)
}

// showCaseWith renders the case page with an error above it (msg) or
// beside the upload form (uploadMsg).
func (ui *UI) showCaseWith(w http.ResponseWriter, r *http.Request, status int, msg, uploadMsg string) {
	ui.renderCase(w, r, status, msg, uploadMsg, nil)
}

// refusal is a form the store refused: which form (an action's name, or
// one of the evaluation's forms), what was typed, and why. Msg, when set,
// is the reason already in words (an upload's refusal comes from the API
// so), naming Field.
type refusal struct {
	Action string
	Values url.Values
	Err    *review.Error
	Msg    string
	Field  string
}

// renderCase renders the case page. A refusal is shown inside its form,
// with what was typed, when the form is on the page; otherwise above it.
func (ui *UI) renderCase(w http.ResponseWriter, r *http.Request, status int, msg, uploadMsg string, ref *refusal) {
	a := ui.cfg.Actor(r)
	c, err := ui.cfg.Store.Case(r.Context(), a, r.PathValue("number"))
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	ev, err := ui.evaluation(r, c)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	// AllowedActions leaves out what this person has done already (an
	// opinion, a vote, a report).
	d := &caseData{Case: c, Actions: actionForms(c.AllowedActions), Eval: ev,
		CanUpload: slices.Contains(c.AllowedActions, string(review.ActUploadMaterial)), Labels: names(review.Labels), UploadError: uploadMsg}
	if err := ui.caseSections(r, a, d); err != nil {
		ui.fail(w, r, err)
		return
	}
	if err := ui.fillChoices(r, d.Actions); err != nil {
		ui.fail(w, r, err)
		return
	}
	if ref != nil {
		lang := i18n.FromRequest(r)
		text, field := ref.Msg, ref.Field
		if ref.Err != nil {
			text, field = fieldMessage(lang, ref.Err), ref.Err.Field
		}
		switch f := d.form(ref.Action); {
		case f != nil:
			f.Values, f.Error, f.ErrorField = ref.Values, text, field
		case ref.Action == string(review.ActAnswerSupplement) && slices.ContainsFunc(d.Supplements, func(s supplementItem) bool { return s.Answerable }):
			d.Answer = answerForm{Summary: ref.Values.Get("summary"), Error: text, ErrorField: field}
		case ref.Action == string(review.ActSubmitCommitment) && d.Commitment != nil && d.Commitment.CanSubmit:
			d.Commitment.Signature, d.Commitment.Error = ref.Values.Get("signature"), text
		case ref.Err != nil:
			msg = ui.message(lang, ref.Err)
		default:
			msg = text
		}
	}
	d.Letter = c.State == review.StatePublished && slices.ContainsFunc(c.Parties, func(p string) bool { return slices.Contains(letterParties, p) })
	p := ui.newPage(r, "ui.case.title", d)
	p.Error = msg
	// After a refused POST the URL is the action's; the language switch
	// must come back to the case, which GET serves.
	p.Path = "/cases/" + c.Number
	ui.render(w, r, status, "case", p)
}

// form finds the state of the named form on the page: an action's form,
// or one of the evaluation's; nil if the page does not show it.
func (d *caseData) form(name string) *formState {
	for i := range d.Actions {
		if d.Actions[i].Action == name && d.Actions[i].Possible {
			return &d.Actions[i].formState
		}
	}
	return d.Eval.form(name)
}

// letterParties are the relations to a case whose holders receive its
// decision letter (store.Letter).
var letterParties = []string{"office", "applicant", "provider", "committee"}

// fieldMessage renders an error naming its field by the label the form
// shows for it ("Risk level, R2 …" rather than "areas.R2.level").
func fieldMessage(lang string, e *review.Error) string {
	params := e.Params
	if e.Field != "" {
		params = maps.Clone(e.Params)
		params["field"] = fieldLabel(lang, e.Field)
		// A departure names outcomes by value, a refused assignment the
		// method and category; the form shows their names.
		for k, prefix := range valueNames {
			if v, ok := params[k]; ok && i18n.Has(lang, prefix+v) {
				params[k] = i18n.T(lang, prefix+v, nil)
			}
		}
	}
	return i18n.T(lang, "error."+e.Code, params)
}

// valueNames are the message prefixes of the values an error's parameters
// may name, by parameter.
var valueNames = map[string]string{"outcome": "outcome.", "recommended": "outcome.", "method": "method.", "category": "category."}

// fieldLabel is the visible label of a store field name: an input's own
// label, an area's name with its level or note, or for a part of an
// evidence record's structured data the data's label and the part's path.
func fieldLabel(lang, field string) string {
	if i18n.Has(lang, "input."+field) {
		return i18n.T(lang, "input."+field, nil)
	}
	if part, ok := strings.CutPrefix(field, "data."); ok {
		return i18n.T(lang, "input.data", nil) + " — " + part
	}
	parts := strings.Split(field, ".")
	if len(parts) < 2 || parts[0] != "areas" || !i18n.Has(lang, "area."+parts[1]) {
		return field
	}
	label := i18n.T(lang, "area."+parts[1], nil)
	if len(parts) == 3 && areaParts[parts[2]] != "" {
		label = i18n.T(lang, areaParts[parts[2]], nil) + " — " + label
	}
	return label
}

// areaParts are the labels of an area's inputs, as the form shows them.
var areaParts = map[string]string{"level": "ui.case.area_level", "note": "ui.case.area_note"}

func (ui *UI) caseAction(w http.ResponseWriter, r *http.Request) {
	number, act := r.PathValue("number"), review.Action(r.PathValue("action"))
	rule, ok := review.RuleFor(act)
	if !ok || !formAction(act) {
		ui.fail(w, r, review.Invalid("action", "field_unknown_value", "value", string(act)))
		return
	}
	_, err := ui.cfg.Store.ApplyAction(r.Context(), ui.cfg.Actor(r), number, act, formInput(r, rule))
	// A refused action on a case the visitor sees is shown on the case
	// page, in its form with what was typed, so they can correct it.
	ui.formDone(w, r, string(act), "timeline", r.PostForm, err, nil)
}

// formAction reports whether a form of the case page may post the action
// here: one of the plain action forms, or the commitment's signature.
func formAction(act review.Action) bool {
	return act == review.ActSubmitCommitment || slices.ContainsFunc(actionForms([]string{string(act)}), func(f actionForm) bool { return f.Possible })
}
