package document

import (
	"strconv"
	"strings"

	"shencha/internal/store"
)

// DecisionLetter renders the decision letter of a case in a language
// (store.RenderLetter): what the HTML letter says, for the parties.
// committee says whether the committee decided.
func DecisionLetter(v *store.CaseView, committee bool, lang string) ([]byte, error) {
	d := v.Decision
	if d == nil {
		d = &store.Decision{}
	}
	issued := d.DecidedAt
	if d.PublishedAt != "" {
		issued = d.PublishedAt
	}
	decided := dateOf(d.DecidedAt)
	w := newWriter(lang, message(lang, "letter.title")+" "+v.Number, parseTime(issued), message(lang, "letter.title")+" · "+v.Number)
	w.title(w.t("letter.title"), 18)
	w.pdf.Ln(2)
	w.title(w.t("letter.case")+" "+v.Number, 11)
	w.pdf.Ln(6)
	to := v.Applicant.Name
	if v.Applicant.ID != v.Provider.ID {
		to += "; " + v.Provider.Name
	}
	var versions []string
	for _, x := range v.Versions {
		versions = append(versions, x.Version)
	}
	by := w.t("letter.decided_by.office")
	if committee {
		by = w.t("letter.decided_by.committee")
	}
	fields := [][2]string{
		{w.t("letter.to"), to},
		{w.t("letter.product"), v.Product.Name},
		{w.t("letter.versions"), strings.Join(versions, ", ")},
		{w.t("letter.decided"), decided},
		{w.t("letter.decided_by"), by},
		{w.t("letter.outcome"), w.t("letter.outcome." + string(d.Outcome))},
		{w.t("letter.rationale"), d.Rationale},
	}
	if d.Recommendation != "" {
		fields = append(fields, [2]string{w.t("letter.rule"), w.t("letter.outcome." + string(d.Recommendation))})
	}
	if d.DepartureRationale != "" {
		fields = append(fields, [2]string{w.t("letter.departure"), d.DepartureRationale})
	}
	conds := w.t("letter.none")
	if len(d.Conditions) > 0 {
		var b strings.Builder
		for i, c := range d.Conditions {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(strconv.Itoa(i+1) + ". " + c.Text + " (" + w.t("letter.condition.due") + " " + c.Due)
			if c.SuspendIfOverdue {
				b.WriteString("; " + w.t("letter.condition.suspends"))
			}
			b.WriteString(")")
		}
		conds = b.String()
	}
	scope := w.t("letter.scope.none")
	if d.Scope != "" {
		scope = w.t("letter.scope." + string(d.Scope))
	}
	fields = append(fields, [2]string{w.t("letter.conditions"), conds}, [2]string{w.t("letter.scope"), scope})
	w.fields(fields)
	w.para(w.t("letter.art10"))
	w.pdf.Ln(8)
	w.pdf.SetFont(font, "", 12)
	w.pdf.CellFormat(w.width, 7, w.t("letter.authority"), "", 1, "R", false, 0, "")
	w.pdf.CellFormat(w.width, 7, decided, "", 1, "R", false, 0, "")
	w.pdf.Ln(8)
	w.note(w.t("letter.confidential"))
	w.note(w.t("doc.verify"))
	return w.bytes()
}
