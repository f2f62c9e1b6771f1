package web

import (
	"errors"
	"net/http"
	"slices"

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
}

// actionForm is one allowed action. Its fields are the inputs the
// transition table says the action needs (Rule.Needs); an action needing
// an input this page cannot collect yet (a signature, a declaration, a
// lab or an expert to assign) is listed without a form.
type actionForm struct {
	Action   string
	Fields   []field
	Possible bool
}

// field is one input of an action form.
type field struct {
	Name string
	// Options, when set, make a select; their labels are messages
	// OptionPrefix+value.
	Options      []string
	OptionPrefix string
}

// inputs are the action inputs a plain form can collect, and how. They say
// what kind of value an input is; which actions need them, and who may take
// those actions, is the transition table's business.
var inputs = map[string]field{
	"reason":         {Name: "reason"},
	"items":          {Name: "items"},
	"rationale":      {Name: "rationale"},
	"summary":        {Name: "summary"},
	"outcome":        {Name: "outcome", Options: names(review.Outcomes), OptionPrefix: "outcome."},
	"recommendation": {Name: "recommendation", Options: names(review.Outcomes), OptionPrefix: "outcome."},
	"scope":          {Name: "scope", Options: names(review.Scopes), OptionPrefix: "scope."},
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
		for _, n := range rule.Needs {
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
// names, so a form cannot smuggle in more than the table asks for.
func formInput(r *http.Request, rule *review.Rule) review.Input {
	var in review.Input
	for _, n := range rule.Needs {
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
		}
	}
	return in
}

func (ui *UI) casePage(w http.ResponseWriter, r *http.Request) {
	ui.showCase(w, r, http.StatusOK, "")
}

// showCase renders the case page, with an error above it after a refused
// action.
func (ui *UI) showCase(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ui.showCaseWith(w, r, status, msg, "")
}

// showCaseWith renders the case page with an error above it (msg) or
// beside the upload form (uploadMsg).
func (ui *UI) showCaseWith(w http.ResponseWriter, r *http.Request, status int, msg, uploadMsg string) {
	c, err := ui.cfg.Store.Case(r.Context(), ui.cfg.Actor(r), r.PathValue("number"))
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	// pending, not AllowedActions: no opinion or vote form for a person
	// whose opinion or vote is in (work.go).
	p := ui.newPage(r, "ui.case.title", &caseData{Case: c, Actions: actionForms(pending(c, ui.cfg.Actor(r))),
		CanUpload: slices.Contains(c.AllowedActions, string(review.ActUploadMaterial)), Labels: names(review.Labels), UploadError: uploadMsg})
	p.Error = msg
	ui.render(w, r, status, "case", p)
}

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
		// page, so they can correct it; anything else is an error page.
		if errors.As(err, &e) && (e.Kind == review.KindInvalid || e.Kind == review.KindConflict || e.Kind == review.KindForbidden) {
			if _, seeErr := ui.cfg.Store.Case(r.Context(), ui.cfg.Actor(r), number); seeErr == nil {
				ui.showCase(w, r, ui.cfg.Status(e.Kind), ui.message(i18n.FromRequest(r), e))
				return
			}
		}
		ui.fail(w, r, err)
		return
	}
	// Post/redirect/get: a reload does not take the action twice.
	http.Redirect(w, r, "/cases/"+number+"#timeline", http.StatusSeeOther)
}
