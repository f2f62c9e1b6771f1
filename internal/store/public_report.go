package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"shencha/internal/review"
)

// Public reports (举报, Art. 3). Anyone files one, named or anonymous; the
// office reads and triages it; the reporter checks its status with the
// receipt number and the check code given once at filing. A report is
// filed as the public even by a signed-in user, and nothing records where
// it came from: the reporter is known only by the contact they chose to
// leave, which the office alone reads. The provider concerned reads
// nothing of a report (review.MayReadReports).

// ReportReceipt is what a reporter is given, once: the receipt number and
// the check code that together open the report's status.
type ReportReceipt struct {
	Receipt string              `json:"receipt"`
	Code    string              `json:"code"`
	Status  review.ReportStatus `json:"status"`
	FiledAt string              `json:"filed_at"`
}

// PublicReportStatus is what the reporter learns: the status and the
// office's public reason, nothing of the report's content.
type PublicReportStatus struct {
	Receipt   string              `json:"receipt"`
	Status    review.ReportStatus `json:"status"`
	Reason    string              `json:"reason,omitempty"`
	FiledAt   string              `json:"filed_at"`
	UpdatedAt string              `json:"updated_at,omitempty"`
}

// ReportFile is a file a report carries, stored in the blob store.
type ReportFile struct {
	ID          int64  `json:"id"`
	Digest      string `json:"digest"`
	Size        int64  `json:"size"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
}

// ReportSummary is a report as the office's queue lists it.
type ReportSummary struct {
	ID        int64               `json:"id"`
	Receipt   string              `json:"receipt"`
	Status    review.ReportStatus `json:"status"`
	Product   string              `json:"product,omitempty"`
	Provider  string              `json:"provider,omitempty"`
	Subject   string              `json:"subject,omitempty"`
	Files     int                 `json:"files"`
	Case      string              `json:"case,omitempty"`
	FiledAt   string              `json:"filed_at"`
	TriagedAt string              `json:"triaged_at,omitempty"`
}

// ReportView is a whole report, for the office.
type ReportView struct {
	ReportSummary
	ProductID     int64                 `json:"product_id,omitempty"`
	ProviderOrgID int64                 `json:"provider_org_id,omitempty"`
	Description   string                `json:"description"`
	Contact       review.Contact        `json:"contact"`
	Anonymous     bool                  `json:"anonymous"`
	PublicReason  string                `json:"public_reason,omitempty"`
	TriagedBy     string                `json:"triaged_by,omitempty"`
	Attachments   []ReportFile          `json:"attachments"`
	Timeline      []PublicReportEvent   `json:"timeline"`
	Allowed       []review.TriageAction `json:"allowed_actions"`
}

// PublicReportEvent is one step of a report's timeline.
type PublicReportEvent struct {
	Action string `json:"action"`
	Actor  string `json:"actor"`
	At     string `json:"at"`
	Reason string `json:"reason,omitempty"`
	Case   string `json:"case,omitempty"`
}

// CheckReport checks a report before anything of it is stored, files
// included: its fields, and that the product or provider it names exists.
// A product names its provider.
func (s *Store) CheckReport(ctx context.Context, in *review.NewReport) error {
	if err := in.Check(); err != nil {
		return err
	}
	if in.ProductID != 0 {
		p, err := s.Product(ctx, in.ProductID)
		if review.IsKind(err, review.KindNotFound) {
			return review.Invalid("product_id", "field_invalid", "rule", "no such product")
		}
		if err != nil {
			return err
		}
		if in.ProviderOrgID != 0 && in.ProviderOrgID != p.ProviderOrgID {
			return review.Invalid("provider_org_id", "field_invalid", "rule", "not the product's provider")
		}
		in.ProviderOrgID = p.ProviderOrgID
	}
	if in.ProviderOrgID != 0 {
		o, err := s.Org(ctx, in.ProviderOrgID)
		if err == nil && o.Kind != review.OrgProvider || review.IsKind(err, review.KindNotFound) {
			return review.Invalid("provider_org_id", "field_invalid", "rule", "no such provider")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// FileReport records a report with its files, which are already in the
// blob store, and returns the receipt. The check code is shown here once:
// only its hash is kept.
func (s *Store) FileReport(ctx context.Context, in review.NewReport, files []ReportFile) (ReportReceipt, error) {
	if err := s.CheckReport(ctx, &in); err != nil {
		return ReportReceipt{}, err
	}
	for i, f := range files {
		if err := review.CheckAttachment(i, f.Filename, f.ContentType); err != nil {
			return ReportReceipt{}, err
		}
	}
	now := s.Now()
	rc := ReportReceipt{Status: review.ReportReceived, FiledAt: ts(now)}
	secret := make([]byte, review.CheckCodeLen)
	rand.Read(secret)
	rc.Code = review.FormatCheckCode(secret)
	code, _ := review.NormalizeCheckCode(rc.Code)
	// Receipt numbers are random, so they cannot be counted through; on
	// the rare repeat of one, draw again.
	number := make([]byte, review.ReceiptRandom)
	for range 5 {
		rand.Read(number)
		rc.Receipt = review.FormatReceipt(now.In(chinaTime).Year(), number)
		err := s.tx(ctx, func(tx *sql.Tx) error {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO public_reports (receipt, code_sha256, product_id, provider_org_id, subject, description,
				contact_name, contact_email, contact_phone, status, filed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
				rc.Receipt, codeHash(code), nullID(in.ProductID), nullID(in.ProviderOrgID), in.Subject, in.Description,
				in.Contact.Name, in.Contact.Email, in.Contact.Phone, review.ReportReceived, rc.FiledAt).Scan(&id)
			if err != nil {
				return err
			}
			for _, f := range files {
				if _, err := tx.ExecContext(ctx, `INSERT INTO public_report_files (report_id, digest, size, filename, content_type) VALUES ($1, $2, $3, $4, $5)`,
					id, f.Digest, f.Size, f.Filename, f.ContentType); err != nil {
					return wrap("report file", err)
				}
			}
			if err := s.reportEvent(ctx, tx, id, "file", review.Actor{}, nil); err != nil {
				return err
			}
			// The audit names the report, never its content or reporter.
			return s.audit(ctx, tx, review.Actor{}, "report.file", "report:"+itoa(id), map[string]any{"receipt": rc.Receipt, "files": len(files)})
		})
		if isUnique(err) {
			continue
		}
		if err != nil {
			return ReportReceipt{}, wrap("file report", err)
		}
		return rc, nil
	}
	return ReportReceipt{}, review.Internal(errors.New("file report: no free receipt number"))
}

func codeHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// ReportStatus answers the reporter: the status and public reason of the
// report with this receipt number, if the check code is its own. A wrong
// code and an unknown number get the same answer, so numbers cannot be
// probed.
func (s *Store) ReportStatus(ctx context.Context, receipt, code string) (PublicReportStatus, error) {
	var st PublicReportStatus
	receipt, err := review.ParseReceipt(receipt)
	if err != nil {
		return st, err
	}
	code, err = review.NormalizeCheckCode(code)
	if err != nil {
		return st, err
	}
	var hash string
	err = s.r.QueryRowContext(ctx, `SELECT receipt, code_sha256, status, public_reason, filed_at, triaged_at FROM public_reports WHERE receipt = $1`, receipt).
		Scan(&st.Receipt, &hash, &st.Status, &st.Reason, &st.FiledAt, &st.UpdatedAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return PublicReportStatus{}, wrap("report status", err)
	}
	// Compared in constant time, and compared even when no report has the
	// number, so neither the answer nor its timing tells the two apart.
	if subtle.ConstantTimeCompare([]byte(hash), []byte(codeHash(code))) != 1 {
		return PublicReportStatus{}, review.NotFound("report")
	}
	return st, nil
}

// reportVisible is the need-to-know rule for reports, as a condition on
// alias r with the reader's sector as $1: every report for the national
// office; for a sector regulator, those about a product or provider with a
// case in its sector.
const reportVisible = `($1 = '' OR r.product_id IN (SELECT product_id FROM cases WHERE sector = $1)
	OR r.provider_org_id IN (SELECT provider_org_id FROM cases WHERE sector = $1))`

const publicReportColumns = `r.id, r.receipt, r.status, COALESCE(p.name, ''), COALESCE(o.name, ''), r.subject,
	(SELECT COUNT(*) FROM public_report_files f WHERE f.report_id = r.id), COALESCE(c.number, ''), r.filed_at, r.triaged_at`

const reportFrom = ` FROM public_reports r LEFT JOIN products p ON p.id = r.product_id LEFT JOIN orgs o ON o.id = r.provider_org_id
	LEFT JOIN cases c ON c.id = r.case_id `

func scanReportSummary(r *sql.Rows) (ReportSummary, error) {
	var x ReportSummary
	return x, r.Scan(&x.ID, &x.Receipt, &x.Status, &x.Product, &x.Provider, &x.Subject, &x.Files, &x.Case, &x.FiledAt, &x.TriagedAt)
}

// readerSector is the sector of reports the actor reads ("" all), or the
// refusal: only the office reads reports.
func readerSector(a review.Actor) (string, error) {
	if a.Anonymous() {
		return "", review.Unauthorized()
	}
	sector, ok := review.MayReadReports(a)
	if !ok {
		return "", review.Forbidden("read_reports")
	}
	return sector, nil
}

// MaxReportList is how many reports one list answers.
const MaxReportList = 200

// PublicReportFilter narrows the office's list of reports.
type PublicReportFilter struct {
	Status review.ReportStatus
	// Case lists the reports linked to a case, or that opened it.
	Case string
	// Cursor is the Next of the page before, "" for the first page.
	Cursor string
	Limit  int
}

// ReportPage is a page of the office's list of reports; Next is the cursor
// of the page after it, empty when nothing follows.
type ReportPage struct {
	Items []ReportSummary `json:"items"`
	Next  string          `json:"next_cursor,omitempty"`
}

// A report's place in the list is its group, awaiting triage ('r') or
// triaged ('t'), and its id: ascending in the first group, descending in
// the second. A cursor is the place of the last report of a page ("r42")
// and a check of it (the first bytes of its SHA-256), in base64url; it is
// opaque to clients, who hand back what Next gave them. The check refuses
// a cursor cut short or altered; it is no secret, and needs none: a cursor
// only names a place in a list its reader may read anyway.

const reportCursorCheck = 4

func reportCursorSum(place []byte) []byte {
	sum := sha256.Sum256(append([]byte("shencha public report cursor\x00"), place...))
	return sum[:reportCursorCheck]
}

func reportCursor(r ReportSummary) string {
	group := "t"
	if r.Status == review.ReportReceived {
		group = "r"
	}
	return encodeReportCursor(group + strconv.FormatInt(r.ID, 10))
}

// encodeReportCursor is the cursor of a place, with its check.
func encodeReportCursor(place string) string {
	b := []byte(place)
	return base64.RawURLEncoding.EncodeToString(append(b, reportCursorSum(b)...))
}

// parseReportCursor reads a cursor back; anything Next did not make is
// refused.
func parseReportCursor(c string) (group string, id int64, err error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if n := len(b) - reportCursorCheck; err == nil && n > 1 && subtle.ConstantTimeCompare(b[n:], reportCursorSum(b[:n])) == 1 && (b[0] == 'r' || b[0] == 't') {
		group, digits := string(b[:1]), string(b[1:n])
		id, err = strconv.ParseInt(digits, 10, 64)
		if err == nil && id > 0 && strconv.FormatInt(id, 10) == digits {
			return group, id, nil
		}
	}
	return "", 0, review.Invalid("cursor", "field_invalid", "rule", "a next_cursor from an earlier page")
}

// Reports lists the reports the office may read, those awaiting triage
// first (the longest waiting first), then the triaged ones, newest first,
// a page at a time: the page's Next continues the list after its last
// report, with the same filters.
//
// The paging is by place, not by offset, so it holds while the list
// changes between pages. A report that keeps its place is never skipped
// nor shown twice. A new report joins the group awaiting triage at its
// end: it shows on a later page if the pages have not yet gone past that
// group, and otherwise only when the list is read again from the start.
// A report triaged between pages leaves the first group for the second:
// if it had already been shown it may show again among the triaged ones
// (the whole triaged group still lies ahead while the pages are in the
// first); if it had not, it shows among the triaged ones, so it is not
// lost either. Triage only moves a report from the first group to the
// second, never back.
func (s *Store) Reports(ctx context.Context, a review.Actor, f PublicReportFilter) (ReportPage, error) {
	page := ReportPage{Items: []ReportSummary{}}
	sector, err := readerSector(a)
	if err != nil {
		return page, err
	}
	if f.Status != "" && !contains(review.ReportStatuses, f.Status) {
		return page, review.Invalid("status", "field_unknown_value", "value", string(f.Status))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > MaxReportList {
		return page, review.Invalid("limit", "field_out_of_range", "min", "1", "max", strconv.Itoa(MaxReportList))
	}
	q := `SELECT ` + publicReportColumns + reportFrom + `WHERE ` + reportVisible + ` AND ($2 = '' OR r.status = $2) AND ($3 = '' OR c.number = $3)`
	args := []any{sector, string(f.Status), f.Case}
	if f.Cursor != "" {
		group, id, err := parseReportCursor(f.Cursor)
		if err != nil {
			return page, err
		}
		args = append(args, id)
		if group == "r" {
			// After a report awaiting triage: those awaiting triage filed
			// after it, then every triaged one.
			q += ` AND (r.status <> 'received' OR r.id > $4)`
		} else {
			q += ` AND r.status <> 'received' AND r.id < $4`
		}
	}
	// One more than the page, to know whether another follows.
	args = append(args, f.Limit+1)
	q += ` ORDER BY CASE WHEN r.status = 'received' THEN 0 ELSE 1 END, CASE WHEN r.status = 'received' THEN r.id ELSE -r.id END LIMIT $` + strconv.Itoa(len(args))
	list, err := queryAll(ctx, s.r, "reports", q, scanReportSummary, args...)
	if err != nil {
		return page, err
	}
	if len(list) > f.Limit {
		list = list[:f.Limit]
		page.Next = reportCursor(list[f.Limit-1])
	}
	page.Items = append(page.Items, list...)
	return page, nil
}

// Report reads one report for the office, with its reporter's contact and
// its files; the read is audited, as the contact is confidential.
func (s *Store) Report(ctx context.Context, a review.Actor, id int64, from string) (ReportView, error) {
	v, err := s.report(ctx, a, id)
	if err != nil {
		return v, err
	}
	return v, s.Audit(ctx, a, "report.read", "report:"+itoa(id), map[string]any{"from": from})
}

// report reads one report the actor may read, without auditing.
func (s *Store) report(ctx context.Context, a review.Actor, id int64) (ReportView, error) {
	var v ReportView
	sector, err := readerSector(a)
	if err != nil {
		return v, err
	}
	list, err := queryAll(ctx, s.r, "report", `SELECT `+publicReportColumns+`, COALESCE(r.product_id, 0), COALESCE(r.provider_org_id, 0), r.description,
		r.contact_name, r.contact_email, r.contact_phone, r.public_reason, COALESCE(u.username, '')`+reportFrom+`LEFT JOIN users u ON u.id = r.triaged_by
		WHERE `+reportVisible+` AND r.id = $2`, func(r *sql.Rows) (ReportView, error) {
		var x ReportView
		return x, r.Scan(&x.ID, &x.Receipt, &x.Status, &x.Product, &x.Provider, &x.Subject, &x.Files, &x.Case, &x.FiledAt, &x.TriagedAt,
			&x.ProductID, &x.ProviderOrgID, &x.Description, &x.Contact.Name, &x.Contact.Email, &x.Contact.Phone, &x.PublicReason, &x.TriagedBy)
	}, sector, id)
	if err != nil {
		return v, err
	}
	if len(list) == 0 {
		return v, review.NotFound("report")
	}
	v = list[0]
	v.Anonymous = v.Contact.Anonymous()
	if v.Attachments, err = queryAll(ctx, s.r, "report files", `SELECT id, digest, size, filename, content_type FROM public_report_files WHERE report_id = $1 ORDER BY id`,
		func(r *sql.Rows) (ReportFile, error) {
			var f ReportFile
			return f, r.Scan(&f.ID, &f.Digest, &f.Size, &f.Filename, &f.ContentType)
		}, id); err != nil {
		return v, err
	}
	if v.Timeline, err = queryAll(ctx, s.r, "report events", `SELECT action, actor, at, detail FROM public_report_events WHERE report_id = $1 ORDER BY id`,
		func(r *sql.Rows) (PublicReportEvent, error) {
			var e PublicReportEvent
			var detail string
			err := r.Scan(&e.Action, &e.Actor, &e.At, &detail)
			if detail != "" {
				json.Unmarshal([]byte(detail), &e)
			}
			return e, err
		}, id); err != nil {
		return v, err
	}
	v.Allowed = []review.TriageAction{}
	if v.Status == review.ReportReceived {
		v.Allowed = review.TriageActionList
	}
	return v, nil
}

// reportEvent appends to a report's timeline.
func (s *Store) reportEvent(ctx context.Context, tx *sql.Tx, id int64, action string, a review.Actor, detail *PublicReportEvent) error {
	body := ""
	if detail != nil {
		b, _ := json.Marshal(struct {
			Reason string `json:"reason,omitempty"`
			Case   string `json:"case,omitempty"`
		}{detail.Reason, detail.Case})
		body = string(b)
	}
	actor := a.Username
	if actor == "" {
		actor = "public"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO public_report_events (report_id, action, actor_user_id, actor, at, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, action, nullID(a.UserID), actor, ts(s.Now()), body)
	return wrap("report event", err)
}

// TriageReport is the office's decision on a received report: dismiss it,
// link it to a case the office runs, or open a re-review. A re-review is a
// case like any other (trigger re_review, following the case of the
// product's newest result unless another is named), opened in the same
// transaction as the report's change, by the same code as POST /cases.
func (s *Store) TriageReport(ctx context.Context, a review.Actor, id int64, t review.Triage) (ReportView, error) {
	v, err := s.report(ctx, a, id)
	if err != nil {
		return v, err
	}
	if err := t.Check(); err != nil {
		return v, err
	}
	if v.Status != review.ReportReceived {
		return v, review.Conflict("already_done", "action", "triage")
	}
	var linked *review.Case
	var reopen *review.NewCase
	var product review.Product
	var prev *review.Case
	switch t.Action {
	case review.TriageLink:
		c, err := s.visibleCase(ctx, s.r, a, t.Case)
		if err != nil || review.PartiesOf(a, c)&review.PartyOffice == 0 {
			return v, review.Invalid("case", "field_invalid", "rule", "no case you run has this number")
		}
		linked = c
	case review.TriageReReview:
		number := t.PreviousCase
		if number == "" && v.ProductID != 0 {
			err := s.r.QueryRowContext(ctx, `SELECT c.number FROM listings l JOIN cases c ON c.id = l.case_id WHERE c.product_id = $1 ORDER BY l.id DESC LIMIT 1`, v.ProductID).Scan(&number)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return v, wrap("re-review", err)
			}
		}
		if number == "" {
			return v, review.Required("previous_case")
		}
		c, err := s.visibleCase(ctx, s.r, a, number)
		if err != nil {
			return v, review.Invalid("previous_case", "field_invalid", "rule", "no such case")
		}
		reopen = &review.NewCase{Trigger: review.TriggerReReview, ProductID: c.ProductID, VersionIDs: c.VersionIDs,
			PreviousCase: c.Number, Sector: c.Sector, Summary: t.Summary}
		if product, prev, err = s.checkNewCase(ctx, a, *reopen); err != nil {
			return v, err
		}
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var status review.ReportStatus
		if err := tx.QueryRowContext(ctx, `SELECT status FROM public_reports WHERE id = $1`+s.forUpdate(), id).Scan(&status); err != nil {
			return wrap("triage", err)
		}
		if status != review.ReportReceived {
			return review.Conflict("already_done", "action", "triage")
		}
		var caseID int64
		var number string
		switch {
		case linked != nil:
			caseID, number = linked.ID, linked.Number
		case reopen != nil:
			var err error
			if number, err = s.insertCase(ctx, tx, a, *reopen, product, prev); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE number = $1`, number).Scan(&caseID); err != nil {
				return wrap("triage", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE public_reports SET status = $1, public_reason = $2, case_id = $3, triaged_by = $4, triaged_at = $5 WHERE id = $6`,
			review.TriageActions[t.Action], t.Reason, nullID(caseID), a.UserID, ts(s.Now()), id); err != nil {
			return wrap("triage", err)
		}
		if err := s.reportEvent(ctx, tx, id, string(t.Action), a, &PublicReportEvent{Reason: t.Reason, Case: number}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "report.triage", "report:"+itoa(id), map[string]any{"action": t.Action, "case": number})
	})
	if err != nil {
		return v, err
	}
	return s.report(ctx, a, id)
}

// OpenReportFile checks that the actor may read a report's file and audits
// the read before returning where its content is.
func (s *Store) OpenReportFile(ctx context.Context, a review.Actor, reportID, fileID int64, from string) (ReportFile, error) {
	var f ReportFile
	v, err := s.report(ctx, a, reportID)
	if err != nil {
		return f, err
	}
	for _, x := range v.Attachments {
		if x.ID == fileID {
			return x, s.Audit(ctx, a, "report.file.read", "report:"+itoa(reportID), map[string]any{"file": fileID, "digest": x.Digest, "from": from})
		}
	}
	return f, review.NotFound("file")
}

// BlobNamed reports whether any record names the blob: a case's material
// or a report's file. A file stored for a request that was then refused is
// removed only if nothing names it.
func (s *Store) BlobNamed(ctx context.Context, digest string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM materials WHERE digest = $1) + (SELECT COUNT(*) FROM public_report_files WHERE digest = $1)`, digest).Scan(&n)
	return n > 0, wrap("blob named", err)
}

// FindProviders finds at most limit providers whose name contains name,
// case-insensitively, for a reporter choosing whom a report is about.
// Providers' names are public: the register names them.
func (s *Store) FindProviders(ctx context.Context, name string, limit int) ([]review.Org, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, review.Required("q")
	}
	if len(name) > 200 {
		return nil, review.Invalid("q", "field_too_long", "max", "200")
	}
	return queryAll(ctx, s.r, "find providers", `SELECT id, kind, name, sector FROM orgs WHERE kind = $1 AND LOWER(name) LIKE $2 ESCAPE '\' ORDER BY id LIMIT $3`,
		func(r *sql.Rows) (review.Org, error) {
			var o review.Org
			return o, r.Scan(&o.ID, &o.Kind, &o.Name, &o.Sector)
		}, review.OrgProvider, likePattern(name), limit)
}
