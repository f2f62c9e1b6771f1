package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"shencha/internal/review"
)

// CaseSummary is a case as a list shows it.
type CaseSummary struct {
	Number      string `json:"number"`
	State       string `json:"state"`
	Trigger     string `json:"trigger"`
	Sector      string `json:"sector"`
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	Important   bool   `json:"important"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// CreateCase opens a case in draft. Its number is drawn from a per-year
// counter inside the same transaction, so numbers never repeat or skip.
func (s *Store) CreateCase(ctx context.Context, a review.Actor, in review.NewCase) (*CaseView, error) {
	p, prev, err := s.checkNewCase(ctx, a, in)
	if err != nil {
		return nil, err
	}
	var number string
	err = s.tx(ctx, func(tx *sql.Tx) error {
		number, err = s.insertCase(ctx, tx, a, in, p, prev)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Case(ctx, a, number)
}

// checkNewCase checks a new case for an actor and reads its product and
// the case it follows, if any.
func (s *Store) checkNewCase(ctx context.Context, a review.Actor, in review.NewCase) (review.Product, *review.Case, error) {
	if a.Anonymous() {
		return review.Product{}, nil, review.Unauthorized()
	}
	if !review.MayOpenCases(a.Role) {
		return review.Product{}, nil, review.Forbidden("open_case")
	}
	if in.ProductID <= 0 {
		return review.Product{}, nil, review.Required("product_id")
	}
	p, err := s.Product(ctx, in.ProductID)
	if err != nil {
		if review.IsKind(err, review.KindNotFound) {
			return p, nil, review.Invalid("product_id", "field_invalid", "rule", "no such product")
		}
		return p, nil, err
	}
	versions, err := s.Versions(ctx, p.ID)
	if err != nil {
		return p, nil, err
	}
	var prev *review.Case
	if in.PreviousCase != "" {
		prev, err = s.loadCase(ctx, s.r, in.PreviousCase)
		if err != nil || !review.CanSee(a, prev) {
			return p, nil, review.Invalid("previous_case", "field_invalid", "rule", "no such case")
		}
	}
	return p, prev, review.CheckOpen(a, in, p, versions, prev)
}

// insertCase writes a checked new case in the caller's transaction and
// returns its number.
func (s *Store) insertCase(ctx context.Context, tx *sql.Tx, a review.Actor, in review.NewCase, p review.Product, prev *review.Case) (string, error) {
	now := s.Now()
	year := now.In(chinaTime).Year()
	var seq int
	if err := tx.QueryRowContext(ctx, `INSERT INTO case_counters (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = case_counters.last + 1 RETURNING last`, year).Scan(&seq); err != nil {
		return "", wrap("case number", err)
	}
	number := review.FormatNumber(year, seq)
	var prevID int64
	if prev != nil {
		prevID = prev.ID
	}
	cat, err := s.currentCatalog(ctx, tx)
	if err != nil {
		return "", err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO cases (number, trigger_kind, previous_case_id, product_id, category, applicant_org_id, provider_org_id,
		sector, state, important, summary, created_by, created_at, updated_at, catalog_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) RETURNING id`,
		number, in.Trigger, nullID(prevID), p.ID, p.Category, a.OrgID, p.ProviderOrgID, review.SectorOf(a, in), review.StateDraft,
		in.Important && a.Role == review.RoleOffice, in.Summary, a.UserID, ts(now), cat).Scan(&id); err != nil {
		return "", wrap("create case", err)
	}
	for _, v := range in.VersionIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_versions (case_id, version_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, v); err != nil {
			return "", wrap("case versions", err)
		}
	}
	if pr := in.Procurement; pr != nil && in.Trigger == review.TriggerCIIOProcurement {
		if _, err := tx.ExecContext(ctx, `INSERT INTO procurements (case_id, ciio_org_id, description, contract_ref, amount) VALUES ($1, $2, $3, $4, $5)`,
			id, a.OrgID, pr.Description, pr.ContractRef, pr.Value); err != nil {
			return "", wrap("procurement", err)
		}
	}
	if err := s.event(ctx, tx, id, "open", "", review.StateDraft, a, in); err != nil {
		return "", err
	}
	return number, s.audit(ctx, tx, a, "case.open", "case:"+number, map[string]any{"trigger": in.Trigger, "product_id": p.ID})
}

// event appends to a case's timeline.
func (s *Store) event(ctx context.Context, tx *sql.Tx, caseID int64, action string, from, to review.State, a review.Actor, input any) error {
	body := ""
	if input != nil {
		b, _ := json.Marshal(input)
		if string(b) != "{}" && string(b) != "null" {
			body = string(b)
		}
	}
	actor := a.Username
	if actor == "" {
		actor = "system"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, action, from_state, to_state, actor_user_id, actor, at, input) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		caseID, action, from, to, nullID(a.UserID), actor, ts(s.Now()), body)
	return wrap("case event", err)
}

const caseColumns = `id, number, trigger_kind, COALESCE(previous_case_id, 0), product_id, category, applicant_org_id, provider_org_id, sector, state, important, complex, referred, outcome, scope, version, created_at, catalog_version, recommendation`

// loadCase reads a case with its assignments, the facts its rules need.
func (s *Store) loadCase(ctx context.Context, q queryer, number string) (*review.Case, error) {
	c := &review.Case{}
	var created string
	err := q.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE number = $1`, number).Scan(
		&c.ID, &c.Number, &c.Trigger, &c.PreviousCaseID, &c.ProductID, &c.Category, &c.ApplicantOrgID, &c.ProviderOrgID,
		&c.Sector, &c.State, &c.Important, &c.Complex, &c.Referred, &c.Outcome, &c.Scope, &c.Version, &created, &c.CatalogVersion, &c.Recommendation)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, review.NotFound("case")
	}
	if err != nil {
		return nil, wrap("load case", err)
	}
	c.CreatedAt = parseTS(created)
	c.ExpertQuorum, c.CommitteeQuorum = s.ExpertQuorum, s.CommitteeQuorum
	var commitments int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM signed_documents WHERE case_id = $1 AND kind = $2`, c.ID, review.CommitmentType).Scan(&commitments); err != nil {
		return nil, wrap("load case", err)
	}
	c.Commitment = commitments > 0
	if c.Votes, err = queryAll(ctx, q, "load votes", `SELECT u.username, v.outcome FROM votes v JOIN users u ON u.id = v.user_id WHERE v.case_id = $1 ORDER BY v.id`,
		func(r *sql.Rows) (review.Ballot, error) {
			var b review.Ballot
			return b, r.Scan(&b.Who, &b.Outcome)
		}, c.ID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, kind, COALESCE(lab_org_id, 0), COALESCE(expert_user_id, 0), method, ended_at, report_at, opinion_at, ended_reason FROM assignments WHERE case_id = $1 ORDER BY id`, c.ID)
	if err != nil {
		return nil, wrap("load assignments", err)
	}
	defer rows.Close()
	for rows.Next() {
		var as review.Assignment
		var ended, report, opinion string
		if err := rows.Scan(&as.ID, &as.Kind, &as.LabOrgID, &as.ExpertUserID, &as.Method, &ended, &report, &opinion, &as.EndedReason); err != nil {
			return nil, wrap("load assignments", err)
		}
		as.Active, as.ReportSubmitted, as.OpinionGiven = ended == "", report != "", opinion != ""
		c.Assignments = append(c.Assignments, as)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("load assignments", err)
	}
	vrows, err := q.QueryContext(ctx, `SELECT version_id FROM case_versions WHERE case_id = $1 ORDER BY version_id`, c.ID)
	if err != nil {
		return nil, wrap("load versions", err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var id int64
		if err := vrows.Scan(&id); err != nil {
			return nil, wrap("load versions", err)
		}
		c.VersionIDs = append(c.VersionIDs, id)
	}
	return c, wrap("load versions", vrows.Err())
}

// visibleCase loads a case the actor may see, or answers not found: a case's
// existence is itself confidential (Art. 13).
func (s *Store) visibleCase(ctx context.Context, q queryer, a review.Actor, number string) (*review.Case, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	c, err := s.loadCase(ctx, q, number)
	if err != nil {
		return nil, err
	}
	if !review.CanSee(a, c) {
		// A former assignee knew of the case; telling it that its access
		// ended reveals nothing new and explains the refusal.
		if as, ok := c.Formerly(a); ok {
			return nil, review.E(review.KindForbidden, "assignment_ended", "reason", as.EndedReason)
		}
		return nil, review.NotFound("case")
	}
	return c, nil
}

// Page is a cursor-paged slice of cases.
type Page struct {
	Items []CaseSummary `json:"items"`
	Next  string        `json:"next_cursor,omitempty"`
}

// CaseFilter narrows a list.
type CaseFilter struct {
	State  review.State
	Cursor string
	Limit  int
}

// visibilitySQL renders the need-to-know rule as a condition on alias c,
// numbering its parameters from n. A union of small id sets keeps deep pages
// fast for actors who see few cases.
func visibilitySQL(v review.Visibility, n int) (string, []any) {
	if v.All {
		return "TRUE", nil
	}
	var parts []string
	var args []any
	add := func(q string, arg any) {
		n++
		parts = append(parts, strings.ReplaceAll(q, "$?", "$"+strconv.Itoa(n)))
		args = append(args, arg)
	}
	if v.Sector != "" {
		add(`SELECT id FROM cases WHERE sector = $?`, v.Sector)
	}
	if v.ApplicantOrgID != 0 {
		add(`SELECT id FROM cases WHERE applicant_org_id = $?`, v.ApplicantOrgID)
	}
	if v.ProviderOrgID != 0 {
		add(`SELECT id FROM cases WHERE provider_org_id = $?`, v.ProviderOrgID)
	}
	if v.LabOrgID != 0 {
		add(`SELECT case_id FROM assignments WHERE lab_org_id = $? AND kind = 'lab' AND ended_at = ''`, v.LabOrgID)
	}
	if v.ExpertUserID != 0 {
		add(`SELECT case_id FROM assignments WHERE expert_user_id = $? AND kind = 'expert' AND ended_at = ''`, v.ExpertUserID)
	}
	if v.Referred {
		add(`SELECT id FROM cases WHERE referred = $?`, true)
	}
	if v.CIISector != "" {
		add(`SELECT id FROM cases WHERE trigger_kind = 'ciio_procurement' AND sector = $?`, v.CIISector)
	}
	if len(parts) == 0 {
		return "FALSE", nil
	}
	return "c.id IN (" + strings.Join(parts, " UNION ") + ")", args
}

// ListCases returns the cases the actor may see, newest first, a page at a
// time. The cursor is opaque to clients.
func (s *Store) ListCases(ctx context.Context, a review.Actor, f CaseFilter) (Page, error) {
	if a.Anonymous() {
		return Page{}, review.Unauthorized()
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		return Page{}, review.Invalid("limit", "field_out_of_range", "min", "1", "max", "200")
	}
	var after int64
	if f.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err == nil {
			after, err = strconv.ParseInt(string(b), 10, 64)
		}
		if err != nil || after <= 0 {
			return Page{}, review.Invalid("cursor", "field_invalid")
		}
	}
	if f.State != "" && !contains(review.States, f.State) {
		return Page{}, review.Invalid("state", "field_unknown_value", "value", string(f.State))
	}
	cond, args := visibilitySQL(review.VisibilityOf(a), 0)
	q := `SELECT c.id, c.number, c.state, c.trigger_kind, c.sector, c.product_id, p.name, c.important, c.created_at, c.updated_at
		FROM cases c JOIN products p ON p.id = c.product_id WHERE ` + cond
	if after > 0 {
		args = append(args, after)
		q += ` AND c.id < $` + strconv.Itoa(len(args))
	}
	if f.State != "" {
		args = append(args, string(f.State))
		q += ` AND c.state = $` + strconv.Itoa(len(args))
	}
	args = append(args, limit+1)
	q += ` ORDER BY c.id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, wrap("list cases", err)
	}
	defer rows.Close()
	var page Page
	var lastID int64
	for rows.Next() {
		var it CaseSummary
		var id int64
		if err := rows.Scan(&id, &it.Number, &it.State, &it.Trigger, &it.Sector, &it.ProductID, &it.ProductName, &it.Important, &it.CreatedAt, &it.UpdatedAt); err != nil {
			return Page{}, wrap("list cases", err)
		}
		if len(page.Items) == limit {
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(lastID, 10)))
			break
		}
		page.Items = append(page.Items, it)
		lastID = id
	}
	if page.Items == nil {
		page.Items = []CaseSummary{}
	}
	return page, wrap("list cases", rows.Err())
}
