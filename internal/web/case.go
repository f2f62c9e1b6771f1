package web

import (
	"errors"
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
	// Letter: the decision letter's PDFs are offered, to the parties the
	// letter goes to, once the decision is published.
	Letter bool
}

// actionForm is one allowed action. Its fields are the inputs the
// transition table says the action needs (Rule.Needs); an action needing
// an input this page cannot collect yet (a signature, a declaration, a
// lab or an expert to assign) is listed without a form.
type actionForm struct {
	Action   string
	Fields   []field
	Possible bool
	// Values are what was typed into this form before the store refused
	// it, so nothing typed is lost; Error is the refusal, shown in the
	// form, and ErrorField the input it names (form field name).
	Values     url.Values
	Error      string
	ErrorField string
}

// Value is what was typed into the named input, for showing it again.
func (f actionForm) Value(name string) string { return f.Values.Get(name) }

// Invalid reports whether the refusal names this input (or, for the
// areas, one of its parts).
func (f actionForm) Invalid(name string) bool {
	return f.ErrorField != "" && (f.ErrorField == name || strings.HasPrefix(name, f.ErrorField+"."))
}

// InvalidAny reports whether the refusal names this group of inputs or any
// part of it. The store names a condition's text or due date without
// saying which row, so the whole set of conditions is marked.
func (f actionForm) InvalidAny(name string) bool {
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
}

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

// actionForms builds the forms of the actions the store allows the visitor.
func actionForms(allowed []string) []actionForm {
	var out []actionForm
	for _, name := range allowed {
		if name == string(review.ActUploadMaterial) {
			continue // the materials section has its own form (upload.go)
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

// refusal is an action form the store refused: which action, what was
// typed, and why.
type refusal struct {
	Action string
	Values url.Values
	Err    *review.Error
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
	// pending, not AllowedActions: no opinion or vote form for a person
	// whose opinion or vote is in (work.go).
	forms := actionForms(pending(c, a))
	if ref != nil {
		lang := i18n.FromRequest(r)
		if i := slices.IndexFunc(forms, func(f actionForm) bool { return f.Action == ref.Action && f.Possible }); i >= 0 {
			forms[i].Values, forms[i].Error, forms[i].ErrorField = ref.Values, fieldMessage(lang, ref.Err), ref.Err.Field
		} else {
			msg = ui.message(lang, ref.Err)
		}
	}
	p := ui.newPage(r, "ui.case.title", &caseData{Case: c, Actions: forms,
		CanUpload: slices.Contains(c.AllowedActions, string(review.ActUploadMaterial)), Labels: names(review.Labels), UploadError: uploadMsg,
		Letter: c.State == review.StatePublished && slices.ContainsFunc(c.Parties, func(p string) bool { return slices.Contains(letterParties, p) })})
	p.Error = msg
	// After a refused POST the URL is the action's; the language switch
	// must come back to the case, which GET serves.
	p.Path = "/cases/" + c.Number
	ui.render(w, r, status, "case", p)
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
		// A departure names outcomes by value; the form shows their names.
		for _, k := range []string{"outcome", "recommended"} {
			if v, ok := params[k]; ok && i18n.Has(lang, "outcome."+v) {
				params[k] = i18n.T(lang, "outcome."+v, nil)
			}
		}
	}
	return i18n.T(lang, "error."+e.Code, params)
}

// fieldLabel is the visible label of a store field name: an input's own
// label, or an area's name with its level or note.
func fieldLabel(lang, field string) string {
	if i18n.Has(lang, "input."+field) {
		return i18n.T(lang, "input."+field, nil)
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
	if !ok || !slices.ContainsFunc(actionForms([]string{string(act)}), func(f actionForm) bool { return f.Possible }) {
		ui.fail(w, r, review.Invalid("action", "field_unknown_value", "value", string(act)))
		return
	}
	_, err := ui.cfg.Store.ApplyAction(r.Context(), ui.cfg.Actor(r), number, act, formInput(r, rule))
	if err != nil {
		var e *review.Error
		// A refused action on a case the visitor sees is shown on the case
		// page, in its form with what was typed, so they can correct it;
		// anything else is an error page.
		if errors.As(err, &e) && (e.Kind == review.KindInvalid || e.Kind == review.KindConflict || e.Kind == review.KindForbidden) {
			if _, seeErr := ui.cfg.Store.Case(r.Context(), ui.cfg.Actor(r), number); seeErr == nil {
				ui.renderCase(w, r, ui.cfg.Status(e.Kind), "", "", &refusal{Action: string(act), Values: r.PostForm, Err: e})
				return
			}
		}
		ui.fail(w, r, err)
		return
	}
	// Post/redirect/get: a reload does not take the action twice.
	http.Redirect(w, r, "/cases/"+number+"#timeline", http.StatusSeeOther)
}
