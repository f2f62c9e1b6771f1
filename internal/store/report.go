package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/catalog"
	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/transparency"
)

// Provider security assessment reports (Art. 14): for one provider and one
// period, what the public register already shows, gathered: its products
// and versions, their public listings with every change of status in the
// period, per risk area how many criteria were assessed and how many fell
// short by severity (counts only: a finding's text is confidential and the
// generator never reads it), and the conditions of its conditional passes
// with whether they were met on time. Only results published to the public
// count. The office generates a draft (on demand, or the quarterly job does),
// reads it, and publishes it; publishing renders the PDFs, which are issued
// as documents with their digests in the log.

// Report statuses.
const (
	ReportDraft     = "draft"
	ReportPublished = "published"
)

// ProviderReport is one provider security assessment report.
type ProviderReport struct {
	ID          int64  `json:"id"`
	Provider    OrgRef `json:"provider"`
	PeriodFrom  string `json:"period_from"`
	PeriodTo    string `json:"period_to"`
	Status      string `json:"status"`
	GeneratedAt string `json:"generated_at"`
	// GeneratedBy is the office user who generated it, or "system" for
	// the quarterly job.
	GeneratedBy string `json:"generated_by"`
	PublishedAt string `json:"published_at,omitempty"`
	// Documents are the published PDFs, one per language.
	Documents []Document `json:"documents,omitempty"`
	// Content is the report itself (not filled in lists).
	Content *ReportContent `json:"content,omitempty"`
}

// ReportContent is what a report says.
type ReportContent struct {
	Products   []ReportProduct   `json:"products"`
	Areas      []AreaSummary     `json:"areas"`
	Conditions []ReportCondition `json:"conditions"`
	// PublicReports counts the public reports (举报) filed in the period
	// about the provider or its products, by how they were handled; what
	// they say and who filed them stay with the office (Art. 13).
	PublicReports []PublicReportCount `json:"public_reports"`
}

// PublicReportCount is how many of the period's public reports stand in a
// status (received: awaiting triage).
type PublicReportCount struct {
	Status review.ReportStatus `json:"status"`
	Count  int                 `json:"count"`
}

// ReportProduct is one of the provider's products with its versions.
type ReportProduct struct {
	Name     string          `json:"name"`
	Category review.Category `json:"category"`
	Service  bool            `json:"service"`
	Versions []ReportVersion `json:"versions"`
}

// ReportVersion is one version with its public listings.
type ReportVersion struct {
	Version  string          `json:"version"`
	PURL     string          `json:"purl,omitempty"`
	Listings []ReportListing `json:"listings"`
}

// ReportListing is one public listing: its status when the period began
// (empty when it was listed during the period) and ended, and its changes
// in the period.
type ReportListing struct {
	ID            int64                `json:"listing_id"`
	Case          string               `json:"case"`
	Outcome       review.Outcome       `json:"outcome"`
	ListedOn      string               `json:"listed_on"`
	ValidUntil    string               `json:"valid_until"`
	StatusAtStart review.ListingStatus `json:"status_at_start,omitempty"`
	StatusAtEnd   review.ListingStatus `json:"status_at_end"`
	Events        []ReportEvent        `json:"events"`
}

// ReportEvent is one change of a listing's status.
type ReportEvent struct {
	On     string               `json:"on"`
	Action string               `json:"action"`
	Status review.ListingStatus `json:"status"`
	Reason string               `json:"reason,omitempty"`
}

// AreaSummary counts the findings of one risk area over the reported
// cases: assessed (every finding but not_applicable), met, and those that
// fell short (partially or not met) by the criterion's severity.
type AreaSummary struct {
	Area     string `json:"area"`
	Assessed int    `json:"assessed"`
	Met      int    `json:"met"`
	Critical int    `json:"short_critical"`
	High     int    `json:"short_high"`
	Medium   int    `json:"short_medium"`
	Low      int    `json:"short_low"`
}

// Short is how many findings of the area fell short.
func (a AreaSummary) Short() int { return a.Critical + a.High + a.Medium + a.Low }

// Condition standings at the end of a report's period.
const (
	ConditionMetOnTime = "met_on_time"
	ConditionMetLate   = "met_late"
	ConditionOverdue   = "overdue"
	ConditionOpen      = "open"
)

// ConditionStandings lists them, for the messages' test.
var ConditionStandings = []string{ConditionMetOnTime, ConditionMetLate, ConditionOverdue, ConditionOpen}

// ReportCondition is one condition of a conditional pass.
type ReportCondition struct {
	Case     string `json:"case"`
	Product  string `json:"product"`
	Text     string `json:"text"`
	Due      string `json:"due"`
	MetOn    string `json:"met_on,omitempty"`
	Standing string `json:"standing"`
}

// mayIssueReports: the national office, and the quarterly job. A sector
// regulator acting as office sees only its sector, and a provider's report
// covers all of them.
func mayIssueReports(a review.Actor, action string) error {
	if a == review.System || a.Role == review.RoleOffice && a.Sector == "" {
		return nil
	}
	if a.Anonymous() {
		return review.Unauthorized()
	}
	return review.Forbidden(action)
}

// GenerateProviderReport makes the draft report of a provider for a period
// (dates, both included, China time). Generating again for the same
// provider and period refreshes the draft; a published report stays as
// published.
func (s *Store) GenerateProviderReport(ctx context.Context, a review.Actor, providerOrgID int64, from, to string) (*ProviderReport, error) {
	if err := mayIssueReports(a, "generate_report"); err != nil {
		return nil, err
	}
	if providerOrgID == 0 {
		return nil, review.Required("provider_id")
	}
	start, end, err := reportPeriod(from, to, calendar.DateOf(s.Now()))
	if err != nil {
		return nil, err
	}
	r := &ProviderReport{Provider: OrgRef{ID: providerOrgID}, PeriodFrom: start.String(), PeriodTo: end.String(), Status: ReportDraft,
		GeneratedAt: ts(s.Now()), GeneratedBy: a.Username}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var kind review.OrgKind
		err := tx.QueryRowContext(ctx, `SELECT kind, name FROM orgs WHERE id = $1`, providerOrgID).Scan(&kind, &r.Provider.Name)
		if errors.Is(err, sql.ErrNoRows) || err == nil && kind != review.OrgProvider {
			return review.Invalid("provider_id", "field_invalid", "rule", "a provider organisation")
		}
		if err != nil {
			return wrap("report", err)
		}
		if r.Content, err = s.reportContent(ctx, tx, providerOrgID, start, end); err != nil {
			return err
		}
		content, err := jsonMarshal(r.Content)
		if err != nil {
			return review.Internal(err)
		}
		var status string
		err = tx.QueryRowContext(ctx, `SELECT id, status FROM provider_reports WHERE provider_org_id = $1 AND period_from = $2 AND period_to = $3`+s.forUpdate(),
			providerOrgID, r.PeriodFrom, r.PeriodTo).Scan(&r.ID, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.QueryRowContext(ctx, `INSERT INTO provider_reports (provider_org_id, period_from, period_to, status, content, generated_by, generated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, providerOrgID, r.PeriodFrom, r.PeriodTo, ReportDraft, content, nullID(a.UserID), r.GeneratedAt).Scan(&r.ID)
		case err != nil:
		case status == ReportPublished:
			return review.Conflict("already_done", "action", "publish_report")
		default:
			_, err = tx.ExecContext(ctx, `UPDATE provider_reports SET content = $1, generated_by = $2, generated_at = $3 WHERE id = $4`,
				content, nullID(a.UserID), r.GeneratedAt, r.ID)
		}
		if err != nil {
			return wrap("report", err)
		}
		return s.audit(ctx, tx, a, "report.generate", "provider_report:"+itoa(r.ID), map[string]any{"provider": providerOrgID, "from": r.PeriodFrom, "to": r.PeriodTo})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// reportPeriod checks a period: two dates, in order, ending today at the
// latest.
func reportPeriod(from, to string, today calendar.Date) (start, end calendar.Date, err error) {
	for _, f := range []struct {
		name, value string
		d           *calendar.Date
	}{{"period_from", from, &start}, {"period_to", to, &end}} {
		if f.value == "" {
			return start, end, review.Required(f.name)
		}
		if *f.d, err = calendar.ParseDate(f.value); err != nil {
			return start, end, review.Invalid(f.name, "field_invalid", "rule", "YYYY-MM-DD")
		}
	}
	if end.Before(start) {
		return start, end, review.Invalid("period_to", "field_invalid", "rule", "on or after period_from")
	}
	if end.After(today) {
		return start, end, review.Invalid("period_to", "field_invalid", "rule", "today at the latest")
	}
	return start, end, nil
}

// finalStatuses end a listing: one that stood so when the period began and
// did not change in it is left out of the report.
var finalStatuses = []review.ListingStatus{review.ListingSuperseded, review.ListingRevoked, review.ListingExpired}

// reportContent gathers a report from public results only. It reads the
// findings' criteria and statuses, never their text.
func (s *Store) reportContent(ctx context.Context, q queryer, providerOrgID int64, from, to calendar.Date) (*ReportContent, error) {
	start, end := from.Time(), to.AddDays(1).Time().Add(-time.Microsecond)
	type product struct {
		id int64
		ReportProduct
	}
	products, err := queryAll(ctx, q, "report products", `SELECT id, name, category, service FROM products WHERE provider_org_id = $1 AND created_at <= $2 ORDER BY name, id`,
		func(r *sql.Rows) (product, error) {
			var p product
			return p, r.Scan(&p.id, &p.Name, &p.Category, &p.Service)
		}, providerOrgID, ts(end))
	if err != nil {
		return nil, err
	}
	out := &ReportContent{Products: []ReportProduct{}, Conditions: []ReportCondition{}}
	type reported struct {
		id      int64
		number  string
		product string
	}
	var cases []reported
	for _, p := range products {
		versions, err := s.versions(ctx, q, `WHERE product_id = $1 AND created_at <= $2 ORDER BY id`, p.id, ts(end))
		if err != nil {
			return nil, err
		}
		p.Versions = []ReportVersion{}
		for _, v := range versions {
			rv := ReportVersion{Version: v.Version, PURL: v.PURL, Listings: []ReportListing{}}
			type listing struct {
				ReportListing
				caseID    int64
				createdAt string
			}
			ls, err := queryAll(ctx, q, "report listings", `SELECT l.id, c.id, c.number, c.outcome, l.valid_until, l.created_at FROM listings l JOIN cases c ON c.id = l.case_id
				WHERE l.version_id = $1 AND l.scope = $2 AND l.created_at <= $3 ORDER BY l.id`,
				func(r *sql.Rows) (listing, error) {
					var l listing
					return l, r.Scan(&l.ID, &l.caseID, &l.Case, &l.Outcome, &l.ValidUntil, &l.createdAt)
				}, v.ID, review.ScopePublic, ts(end))
			if err != nil {
				return nil, err
			}
			for _, l := range ls {
				hist, err := s.listingHistory(ctx, q, l.ID)
				if err != nil {
					return nil, err
				}
				l.ListedOn = day(parseTS(l.createdAt))
				l.StatusAtStart, _ = review.StatusAt(hist, start.Add(-time.Microsecond))
				l.StatusAtEnd, _ = review.StatusAt(hist, end)
				l.Events = []ReportEvent{}
				for _, e := range hist {
					if !e.At.Before(start) && !e.At.After(end) {
						l.Events = append(l.Events, ReportEvent{On: day(e.At), Action: e.Action, Status: e.Status, Reason: e.Reason})
					}
				}
				if len(l.Events) == 0 && slices.Contains(finalStatuses, l.StatusAtStart) {
					continue
				}
				rv.Listings = append(rv.Listings, l.ReportListing)
				if !slices.ContainsFunc(cases, func(c reported) bool { return c.id == l.caseID }) {
					cases = append(cases, reported{l.caseID, l.Case, p.Name})
				}
			}
			p.Versions = append(p.Versions, rv)
		}
		out.Products = append(out.Products, p.ReportProduct)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].number < cases[j].number })
	areas := map[string]*AreaSummary{}
	for _, a := range review.RiskAreas {
		areas[a] = &AreaSummary{Area: a}
	}
	for _, c := range cases {
		if err := s.countFindings(ctx, q, c.id, areas); err != nil {
			return nil, err
		}
		conds, err := queryAll(ctx, q, "report conditions", `SELECT text, due, met_at FROM conditions WHERE case_id = $1 ORDER BY id`,
			func(r *sql.Rows) (ReportCondition, error) {
				rc := ReportCondition{Case: c.number, Product: c.product}
				return rc, r.Scan(&rc.Text, &rc.Due, &rc.MetOn)
			}, c.id)
		if err != nil {
			return nil, err
		}
		for _, rc := range conds {
			rc.MetOn, rc.Standing = conditionStanding(rc.Due, rc.MetOn, end, to)
			out.Conditions = append(out.Conditions, rc)
		}
	}
	for _, a := range review.RiskAreas {
		out.Areas = append(out.Areas, *areas[a])
	}
	counts, err := queryAll(ctx, q, "report public reports", `SELECT status, COUNT(*) FROM public_reports WHERE filed_at >= $1 AND filed_at <= $2
		AND (provider_org_id = $3 OR product_id IN (SELECT id FROM products WHERE provider_org_id = $3)) GROUP BY status`,
		func(r *sql.Rows) (PublicReportCount, error) {
			var c PublicReportCount
			return c, r.Scan(&c.Status, &c.Count)
		}, ts(start), ts(end), providerOrgID)
	if err != nil {
		return nil, err
	}
	// Every status, in their order, those without a report counted 0.
	out.PublicReports = make([]PublicReportCount, len(review.ReportStatuses))
	for i, st := range review.ReportStatuses {
		out.PublicReports[i].Status = st
		for _, c := range counts {
			if c.Status == st {
				out.PublicReports[i].Count = c.Count
			}
		}
	}
	return out, nil
}

// conditionStanding says how a condition stood at the end of the period:
// met (on time or late) by then, else overdue or still open.
func conditionStanding(due, metAt string, end time.Time, to calendar.Date) (metOn, standing string) {
	if metAt != "" && !parseTS(metAt).After(end) {
		metOn = day(parseTS(metAt))
		if metOn <= due {
			return metOn, ConditionMetOnTime
		}
		return metOn, ConditionMetLate
	}
	if due < to.String() {
		return "", ConditionOverdue
	}
	return "", ConditionOpen
}

// countFindings adds a case's findings to the areas' counts, by the
// criterion's area and severity in the catalogue the case was evaluated
// against. Only the criterion and status are read.
func (s *Store) countFindings(ctx context.Context, q queryer, caseID int64, areas map[string]*AreaSummary) error {
	var version string
	if err := q.QueryRowContext(ctx, `SELECT catalog_version FROM cases WHERE id = $1`, caseID).Scan(&version); err != nil {
		return wrap("report findings", err)
	}
	cat, err := s.Catalog(ctx, version)
	if err != nil {
		return err
	}
	type finding struct {
		criterion string
		status    catalog.Status
	}
	fs, err := queryAll(ctx, q, "report findings", `SELECT criterion_id, status FROM findings WHERE case_id = $1 ORDER BY id`,
		func(r *sql.Rows) (finding, error) {
			var f finding
			return f, r.Scan(&f.criterion, &f.status)
		}, caseID)
	if err != nil {
		return err
	}
	for _, f := range fs {
		c, ok := cat.Lookup(f.criterion)
		a := areas[string(c.Area)]
		if !ok || a == nil || f.status == catalog.StatusNotApplicable {
			continue
		}
		a.Assessed++
		if f.status == catalog.StatusMet {
			a.Met++
			continue
		}
		switch c.Severity {
		case catalog.SeverityCritical:
			a.Critical++
		case catalog.SeverityHigh:
			a.High++
		case catalog.SeverityMedium:
			a.Medium++
		default:
			a.Low++
		}
	}
	return nil
}

// ReportFilter narrows the list of reports.
type ReportFilter struct {
	ProviderOrgID int64
	// Drafts asks for the drafts too (the national office only).
	Drafts bool
}

// ProviderReports lists reports, newest period first: the published ones
// for everyone, the drafts too for the national office when asked.
func (s *Store) ProviderReports(ctx context.Context, a review.Actor, f ReportFilter) ([]ProviderReport, error) {
	drafts := f.Drafts && mayIssueReports(a, "") == nil
	return queryAll(ctx, s.r, "reports", `SELECT `+reportColumns+` WHERE ($1 = 0 OR r.provider_org_id = $1) AND (r.status = $2 OR $3)
		ORDER BY r.period_to DESC, o.name, r.id DESC LIMIT 500`, scanReport, f.ProviderOrgID, ReportPublished, drafts)
}

const reportColumns = `r.id, o.id, o.name, r.period_from, r.period_to, r.status, r.generated_at, COALESCE(g.username, 'system'), r.published_at
	FROM provider_reports r JOIN orgs o ON o.id = r.provider_org_id LEFT JOIN users g ON g.id = r.generated_by`

func scanReport(r *sql.Rows) (ProviderReport, error) {
	var p ProviderReport
	return p, r.Scan(&p.ID, &p.Provider.ID, &p.Provider.Name, &p.PeriodFrom, &p.PeriodTo, &p.Status, &p.GeneratedAt, &p.GeneratedBy, &p.PublishedAt)
}

// ProviderReport returns one report with its content and, once published,
// its documents. A draft is the national office's only: anyone else is
// told there is no such report.
func (s *Store) ProviderReport(ctx context.Context, a review.Actor, id int64) (*ProviderReport, error) {
	return s.providerReport(ctx, s.r, a, id)
}

func (s *Store) providerReport(ctx context.Context, q queryer, a review.Actor, id int64) (*ProviderReport, error) {
	var content string
	rows, err := queryAll(ctx, q, "report", `SELECT `+reportColumns+` WHERE r.id = $1`, scanReport, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].Status != ReportPublished && mayIssueReports(a, "") != nil {
		return nil, review.NotFound("report")
	}
	r := &rows[0]
	if err := q.QueryRowContext(ctx, `SELECT content FROM provider_reports WHERE id = $1`, id).Scan(&content); err != nil {
		return nil, wrap("report", err)
	}
	if err := json.Unmarshal([]byte(content), &r.Content); err != nil {
		return nil, review.Internal(err)
	}
	for _, lang := range i18n.Locales {
		d, err := s.document(ctx, q, false, `d.report_id = $1 AND d.lang = $2`, id, lang)
		if err != nil {
			return nil, err
		}
		if d != nil {
			r.Documents = append(r.Documents, *d)
		}
	}
	return r, nil
}

// RenderReport makes the PDF of a report in a language.
type RenderReport func(r *ProviderReport, lang string) ([]byte, error)

// PublishProviderReport publishes a draft (the national office only): in
// one transaction the report is marked published, render makes its PDF in
// each language, and each is issued with its statement queued for the log.
// A render that fails leaves the draft as it was.
func (s *Store) PublishProviderReport(ctx context.Context, a review.Actor, id int64, render RenderReport) (*ProviderReport, error) {
	if a == review.System {
		return nil, review.Forbidden("publish_report") // people publish, not the job
	}
	if err := mayIssueReports(a, "publish_report"); err != nil {
		return nil, err
	}
	var r *ProviderReport
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM provider_reports WHERE id = $1`+s.forUpdate(), id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return review.NotFound("report")
		}
		if err != nil {
			return wrap("publish report", err)
		}
		if status != ReportDraft {
			return review.Conflict("already_done", "action", "publish_report")
		}
		now := ts(s.Now())
		if _, err := tx.ExecContext(ctx, `UPDATE provider_reports SET status = $1, published_by = $2, published_at = $3 WHERE id = $4`,
			ReportPublished, a.UserID, now, id); err != nil {
			return wrap("publish report", err)
		}
		if r, err = s.providerReport(ctx, tx, a, id); err != nil {
			return err
		}
		pred := transparency.Document{Provider: r.Provider.Name, Report: id, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo}
		for _, lang := range i18n.Locales {
			pdf, err := render(r, lang)
			if err != nil {
				return review.Internal(err)
			}
			d := &Document{Kind: transparency.DocProviderReport, Lang: lang, ReportID: id, PDF: pdf}
			if err := s.issue(ctx, tx, d, pred, true); err != nil {
				return err
			}
			d.PDF = nil
			r.Documents = append(r.Documents, *d)
		}
		return s.audit(ctx, tx, a, "report.publish", "provider_report:"+itoa(id), map[string]any{"documents": r.Documents})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ReportPDF returns a published report's PDF in a language, as issued.
func (s *Store) ReportPDF(ctx context.Context, a review.Actor, id int64, lang string) (*Document, error) {
	if err := validLang(lang); err != nil {
		return nil, err
	}
	d, err := s.document(ctx, s.r, true, `d.report_id = $1 AND d.lang = $2`, id, lang)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, review.NotFound("document")
	}
	return d, nil
}

// QuarterlyReportsArgs is the daily job that drafts the reports of the
// quarter just ended.
type QuarterlyReportsArgs struct{}

// Kind names the job.
func (QuarterlyReportsArgs) Kind() string { return "provider_reports_quarterly" }

// LastQuarter is the last calendar quarter that ended before today.
func LastQuarter(today calendar.Date) (from, to calendar.Date) {
	first := calendar.Date{Year: today.Year, Month: (today.Month-1)/3*3 + 1, Day: 1}
	to = first.AddDays(-1)
	return calendar.Date{Year: to.Year, Month: to.Month - 2, Day: 1}, to
}

// DraftQuarterlyReports drafts, for the quarter just ended, the report of
// every provider with a public result listed by its end, unless the
// provider has a report for that quarter already. It returns how many it
// drafted; run daily, it drafts each quarter's reports once.
func (s *Store) DraftQuarterlyReports(ctx context.Context) (int, error) {
	from, to := LastQuarter(calendar.DateOf(s.Now()))
	end := to.AddDays(1).Time().Add(-time.Microsecond)
	ids, err := queryAll(ctx, s.r, "quarterly reports", `SELECT DISTINCT p.provider_org_id FROM listings l JOIN product_versions v ON v.id = l.version_id
		JOIN products p ON p.id = v.product_id WHERE l.scope = $1 AND l.created_at <= $2 AND NOT EXISTS (SELECT 1 FROM provider_reports r
		WHERE r.provider_org_id = p.provider_org_id AND r.period_from = $3 AND r.period_to = $4) ORDER BY p.provider_org_id`,
		func(r *sql.Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		}, review.ScopePublic, ts(end), from.String(), to.String())
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		if _, err := s.GenerateProviderReport(ctx, review.System, id, from.String(), to.String()); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}
