package document

import (
	"strconv"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/store"
)

// ProviderReport renders a provider security assessment report in a
// language (store.RenderReport). It shows what the report's content holds,
// which the store gathered from public results only.
func ProviderReport(r *store.ProviderReport, lang string) ([]byte, error) {
	issued := r.GeneratedAt
	if r.PublishedAt != "" {
		issued = r.PublishedAt
	}
	w := newWriter(lang, message(lang, "doc.report.title"), parseTime(issued),
		r.Provider.Name+" · "+periodText(lang, r.PeriodFrom, r.PeriodTo))
	w.title(w.t("doc.report.title"), 17)
	w.pdf.Ln(2)
	w.title(w.t("letter.authority"), 12)
	w.pdf.Ln(6)
	status := w.t("doc.report.draft")
	if r.Status == store.ReportPublished {
		status = w.t("doc.report.published_on", "date", dateOf(r.PublishedAt))
	}
	w.fields([][2]string{
		{w.t("doc.report.provider"), r.Provider.Name},
		{w.t("doc.report.period"), periodText(lang, r.PeriodFrom, r.PeriodTo)},
		{w.t("doc.report.number"), strconv.FormatInt(r.ID, 10)},
		{w.t("doc.report.status"), status},
	})
	w.para(w.t("doc.report.intro"))
	c := r.Content
	if c == nil {
		c = &store.ReportContent{}
	}

	w.heading(w.t("doc.report.products"))
	var rows, changes [][]string
	for _, p := range c.Products {
		name := w.t("doc.report.product_category", "name", p.Name, "category", w.t("category."+string(p.Category)))
		if len(p.Versions) == 0 {
			rows = append(rows, []string{name, "", "", w.t("doc.report.no_versions"), "", ""})
		}
		for _, v := range p.Versions {
			if len(v.Listings) == 0 {
				rows = append(rows, []string{name, v.Version, "", w.t("doc.report.no_public_result"), "", ""})
			}
			for _, l := range v.Listings {
				start := w.t("doc.report.not_listed")
				if l.StatusAtStart != "" {
					start = w.t("listing." + string(l.StatusAtStart))
				}
				rows = append(rows, []string{name, v.Version, l.Case + "\n" + w.t("outcome."+string(l.Outcome)), start,
					w.t("listing." + string(l.StatusAtEnd)), l.ValidUntil})
				for _, e := range l.Events {
					changes = append(changes, []string{e.On, p.Name + " " + v.Version + " (" + l.Case + ")",
						w.t("listing_action."+e.Action) + " → " + w.t("listing."+string(e.Status)), e.Reason})
				}
			}
		}
	}
	if len(rows) == 0 {
		w.para(w.t("doc.report.no_products"))
	} else {
		w.table([]float64{30, 12, 20, 14, 14, 12}, []string{w.t("doc.report.col.product"), w.t("doc.report.col.version"), w.t("doc.report.col.case"),
			w.t("doc.report.col.status_start"), w.t("doc.report.col.status_end"), w.t("doc.report.col.valid_until")}, rows)
	}

	w.heading(w.t("doc.report.changes"))
	if len(changes) == 0 {
		w.para(w.t("doc.report.no_changes"))
	} else {
		w.table([]float64{13, 34, 25, 28}, []string{w.t("doc.report.col.date"), w.t("doc.report.col.subject"), w.t("doc.report.col.change"), w.t("doc.report.col.reason")}, changes)
	}

	w.heading(w.t("doc.report.areas"))
	w.para(w.t("doc.report.areas_intro"))
	rows = nil
	for _, a := range c.Areas {
		rows = append(rows, []string{w.t("area." + a.Area), strconv.Itoa(a.Assessed), strconv.Itoa(a.Met),
			strconv.Itoa(a.Critical), strconv.Itoa(a.High), strconv.Itoa(a.Medium), strconv.Itoa(a.Low)})
	}
	w.table([]float64{40, 10, 10, 10, 10, 10, 10}, []string{w.t("doc.report.col.area"), w.t("doc.report.col.assessed"), w.t("doc.report.col.met"),
		w.t("doc.report.col.short_critical"), w.t("doc.report.col.short_high"), w.t("doc.report.col.short_medium"), w.t("doc.report.col.short_low")}, rows)

	w.heading(w.t("doc.report.conditions"))
	if len(c.Conditions) == 0 {
		w.para(w.t("doc.report.no_conditions"))
	} else {
		rows = nil
		for _, k := range c.Conditions {
			rows = append(rows, []string{k.Case + "\n" + k.Product, k.Text, k.Due, k.MetOn, w.t("doc.report.standing." + k.Standing)})
		}
		w.table([]float64{22, 40, 12, 12, 14}, []string{w.t("doc.report.col.case"), w.t("doc.report.col.condition"), w.t("doc.report.col.due"),
			w.t("doc.report.col.met_on"), w.t("doc.report.col.standing")}, rows)
	}

	w.heading(w.t("doc.report.public_reports"))
	w.para(w.t("doc.report.public_reports_intro"))
	rows = nil
	for _, pr := range c.PublicReports {
		rows = append(rows, []string{w.t("reportstatus." + string(pr.Status)), strconv.Itoa(pr.Count)})
	}
	w.table([]float64{70, 30}, []string{w.t("doc.report.col.handled"), w.t("doc.report.col.count")}, rows)

	w.pdf.Ln(4)
	w.note(w.t("doc.report.confidential"))
	w.note(w.t("doc.verify"))
	return w.bytes()
}

// periodText writes a period in a language.
func periodText(lang, from, to string) string {
	return message(lang, "doc.report.period_value", "from", from, "to", to)
}

// parseTime reads a stored RFC 3339 time; the zero time when it is not one.
func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// dateOf is the date in China time of a stored RFC 3339 time.
func dateOf(s string) string {
	if s == "" {
		return ""
	}
	return calendar.DateOf(parseTime(s)).String()
}
