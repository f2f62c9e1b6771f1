package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"shencha/internal/catalog"
	"shencha/internal/review"
	"shencha/internal/signature"
)

// FindingInput is a lab's finding on one criterion.
type FindingInput struct {
	Status       catalog.Status `json:"status"`
	Rationale    string         `json:"rationale"`
	Evidence     []int64        `json:"evidence"`
	AssignmentID int64          `json:"assignment_id,omitempty"`
	// Version, if given, must be the finding's current version: two
	// reviewers editing one finding cannot overwrite each other unseen.
	Version int64 `json:"version,omitempty"`
}

// FindingView is a finding as stored.
type FindingView struct {
	ID           int64          `json:"id"`
	CriterionID  string         `json:"criterion_id"`
	AssignmentID int64          `json:"assignment_id"`
	Lab          string         `json:"lab"`
	Status       catalog.Status `json:"status"`
	Rationale    string         `json:"rationale"`
	Evidence     []int64        `json:"evidence"`
	UpdatedBy    string         `json:"updated_by"`
	UpdatedAt    string         `json:"updated_at"`
	Version      int64          `json:"version"`
	labOrg       int64
}

// checkFinding validates a finding's input (after the caller is known to be
// the case's lab).
func checkFinding(in FindingInput) error {
	if !slices.Contains(catalog.Statuses, in.Status) {
		if in.Status == "" {
			return review.Required("status")
		}
		return review.Invalid("status", "field_unknown_value", "value", string(in.Status))
	}
	if strings.TrimSpace(in.Rationale) == "" {
		return review.Required("rationale")
	}
	if len(in.Rationale) > 20000 {
		return review.Invalid("rationale", "field_too_long", "max", "20000")
	}
	if in.Status != catalog.StatusNotApplicable && len(in.Evidence) == 0 {
		return review.Invalid("evidence", "field_required")
	}
	if len(in.Evidence) > 200 {
		return review.Invalid("evidence", "field_out_of_range", "min", "0", "max", "200")
	}
	return nil
}

// PutFinding records or revises a lab's finding on a criterion of its plan,
// until its report is submitted.
func (s *Store) PutFinding(ctx context.Context, a review.Actor, number, criterion string, in FindingInput) (FindingView, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.visibleCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		if review.PartiesOf(a, c)&review.PartyLab == 0 {
			return review.Forbidden("record_finding")
		}
		if c.State != review.StateEvaluation {
			return review.Conflict("illegal_transition", "action", "record_finding", "state", string(c.State))
		}
		if criterion == "" {
			return review.Required("criterion")
		}
		if err := checkFinding(in); err != nil {
			return err
		}
		as, err := ownLabAssignment(c, a, in.AssignmentID)
		if err != nil {
			return err
		}
		if as.ReportSubmitted {
			return review.Conflict("already_done", "action", "submit_report")
		}
		var planned int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_items WHERE case_id = $1 AND assignment_id = $2 AND criterion_id = $3`, c.ID, as.ID, criterion).Scan(&planned); err != nil {
			return wrap("finding", err)
		}
		if planned == 0 {
			e := review.Invalid("criterion", "criterion_not_in_plan", "criterion", criterion)
			return e
		}
		for _, eid := range in.Evidence {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM evidence WHERE id = $1 AND case_id = $2`, eid, c.ID).Scan(&n); err != nil {
				return wrap("finding", err)
			}
			if n == 0 {
				return review.Invalid("evidence", "field_invalid", "rule", "no evidence "+itoa(eid)+" on this case")
			}
		}
		ev, _ := jsonMarshal(orEmpty(in.Evidence))
		now := ts(s.Now())
		var cur int64
		err = tx.QueryRowContext(ctx, `SELECT id, version FROM findings WHERE case_id = $1 AND assignment_id = $2 AND criterion_id = $3`, c.ID, as.ID, criterion).Scan(&id, &cur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if in.Version > 0 {
				return review.Conflict("concurrent_update")
			}
			err = tx.QueryRowContext(ctx, `INSERT INTO findings (case_id, assignment_id, criterion_id, status, rationale, evidence, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				c.ID, as.ID, criterion, in.Status, in.Rationale, ev, a.UserID, now).Scan(&id)
			if isUnique(err) { // someone wrote the first version at the same moment
				return review.Conflict("concurrent_update")
			}
		case err != nil:
		case in.Version > 0 && in.Version != cur:
			return review.Conflict("concurrent_update")
		default:
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE findings SET status = $1, rationale = $2, evidence = $3, updated_by = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7`,
				in.Status, in.Rationale, ev, a.UserID, now, id, cur)
			if n, _ := rowsAffected(res, err); err == nil && n != 1 {
				return review.Conflict("concurrent_update")
			}
		}
		if err != nil {
			return wrap("finding", err)
		}
		return s.audit(ctx, tx, a, "finding.put", "case:"+number, map[string]any{"criterion": criterion, "status": in.Status, "assignment": as.ID})
	})
	if err != nil {
		return FindingView{}, err
	}
	list, err := s.findings(ctx, s.r, 0, id)
	if err != nil || len(list) == 0 {
		return FindingView{}, errors.Join(err, review.NotFound("finding"))
	}
	return list[0], nil
}

// Findings lists a case's findings: all for the office, experts and the
// committee; its own for a lab.
func (s *Store) Findings(ctx context.Context, a review.Actor, number string) ([]FindingView, error) {
	c, p, err := s.reviewerCase(ctx, a, number)
	if err != nil {
		return nil, err
	}
	all, err := s.findings(ctx, s.r, c.ID, 0)
	out := []FindingView{}
	for _, f := range all {
		if !onlyOwnLab(p) || f.labOrg == a.OrgID {
			out = append(out, f)
		}
	}
	return out, err
}

func (s *Store) findings(ctx context.Context, q queryer, caseID, id int64) ([]FindingView, error) {
	return queryAll(ctx, q, "findings", `SELECT f.id, f.criterion_id, f.assignment_id, o.name, o.id, f.status, f.rationale, f.evidence, u.username, f.updated_at, f.version
		FROM findings f JOIN assignments s ON s.id = f.assignment_id JOIN orgs o ON o.id = s.lab_org_id JOIN users u ON u.id = f.updated_by
		WHERE ($1 = 0 OR f.case_id = $1) AND ($2 = 0 OR f.id = $2) ORDER BY f.criterion_id, f.id`, func(r *sql.Rows) (FindingView, error) {
		var f FindingView
		var ev string
		err := r.Scan(&f.ID, &f.CriterionID, &f.AssignmentID, &f.Lab, &f.labOrg, &f.Status, &f.Rationale, &ev, &f.UpdatedBy, &f.UpdatedAt, &f.Version)
		json.Unmarshal([]byte(ev), &f.Evidence)
		return f, err
	}, caseID, id)
}

// ReportDraft builds the canonical bytes a lab signs for its report: the
// case, its findings with the digests of their evidence, its summary and
// recommendation. Submitting the report rebuilds them and checks the
// signature over them.
func (s *Store) ReportDraft(ctx context.Context, a review.Actor, number string, assignmentID int64, summary string, rec review.Outcome) ([]byte, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, err
	}
	if review.PartiesOf(a, c)&review.PartyLab == 0 {
		return nil, review.Forbidden("submit_report")
	}
	as, err := ownLabAssignment(c, a, assignmentID)
	if err != nil {
		return nil, err
	}
	p, _, err := s.buildReport(ctx, s.r, c, as, summary, rec)
	if err != nil {
		return nil, err
	}
	return review.Canonical(p), nil
}

// buildReport assembles a lab's report payload from the record, and lists
// the planned criteria still without a finding.
func (s *Store) buildReport(ctx context.Context, q queryer, c *review.Case, as review.Assignment, summary string, rec review.Outcome) (*review.ReportPayload, []string, error) {
	lab, err := s.Org(ctx, as.LabOrgID)
	if err != nil {
		return nil, nil, err
	}
	p := &review.ReportPayload{Type: review.ReportType, Case: c.Number, CatalogVersion: c.CatalogVersion, LabOrgID: lab.ID, Lab: lab.Name,
		AssignmentID: as.ID, Method: as.Method, Summary: summary, Recommendation: rec, Findings: []review.SignedFinding{}}
	planned, err := queryAll(ctx, q, "report", `SELECT criterion_id FROM plan_items WHERE case_id = $1 AND assignment_id = $2 ORDER BY criterion_id`,
		func(r *sql.Rows) (string, error) {
			var id string
			return id, r.Scan(&id)
		}, c.ID, as.ID)
	if err != nil {
		return nil, nil, err
	}
	digests, err := queryAll(ctx, q, "report", `SELECT id, digest FROM evidence WHERE case_id = $1`, func(r *sql.Rows) ([2]string, error) {
		var id int64
		var d string
		err := r.Scan(&id, &d)
		return [2]string{itoa(id), d}, err
	}, c.ID)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]string{}
	for _, d := range digests {
		byID[d[0]] = d[1]
	}
	all, err := s.findings(ctx, q, c.ID, 0)
	if err != nil {
		return nil, nil, err
	}
	have := map[string]bool{}
	for _, f := range all {
		if f.AssignmentID != as.ID {
			continue
		}
		sf := review.SignedFinding{Criterion: f.CriterionID, Status: string(f.Status), Rationale: f.Rationale, Evidence: []string{}}
		for _, e := range f.Evidence {
			sf.Evidence = append(sf.Evidence, byID[itoa(e)])
		}
		p.Findings = append(p.Findings, sf)
		have[f.CriterionID] = true
	}
	var missing []string
	for _, id := range planned {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	if len(planned) == 0 {
		missing = []string{"(no criteria planned for this assignment)"}
	}
	return p, missing, nil
}

// submitReport is the effect of submit_report: the report must cover every
// planned criterion and carry a signature by one of the lab's registered
// keys over the canonical bytes.
func (s *Store) submitReport(ctx context.Context, tx *sql.Tx, c *review.Case, a review.Actor, in *review.Input) error {
	as, err := ownLabAssignment(c, a, in.AssignmentID)
	if err != nil {
		return err
	}
	if as.ReportSubmitted {
		return review.Conflict("already_done", "action", "submit_report")
	}
	p, missing, err := s.buildReport(ctx, tx, c, as, in.Summary, in.Recommendation)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return review.Invalid("findings", "report_incomplete", "missing", strings.Join(missing, ", "))
	}
	payload := review.Canonical(p)
	if err := s.storeSigned(ctx, tx, c, a, review.ReportType, as.ID, as.LabOrgID, payload, in.Signature); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE assignments SET report_at = $1, report_summary = $2, report_recommendation = $3 WHERE id = $4`,
		ts(s.Now()), in.Summary, in.Recommendation, as.ID)
	return wrap("report", err)
}

// CommitmentDraft builds the canonical bytes of the provider's commitment.
func (s *Store) CommitmentDraft(ctx context.Context, a review.Actor, number string) ([]byte, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, err
	}
	if review.PartiesOf(a, c)&review.PartyProvider == 0 {
		return nil, review.Forbidden("submit_commitment")
	}
	p, err := s.buildCommitment(ctx, s.r, c)
	if err != nil {
		return nil, err
	}
	return review.Canonical(p), nil
}

func (s *Store) buildCommitment(ctx context.Context, q queryer, c *review.Case) (*review.CommitmentPayload, error) {
	p := &review.CommitmentPayload{Type: review.CommitmentType, Case: c.Number, ProviderOrgID: c.ProviderOrgID,
		TextZH: review.CommitmentText[0], TextEN: review.CommitmentText[1], Versions: []string{}}
	if err := q.QueryRowContext(ctx, `SELECT o.name, p.name FROM orgs o, products p WHERE o.id = $1 AND p.id = $2`, c.ProviderOrgID, c.ProductID).Scan(&p.Provider, &p.Product); err != nil {
		return nil, wrap("commitment", err)
	}
	vs, err := s.versions(ctx, q, `WHERE id IN (SELECT version_id FROM case_versions WHERE case_id = $1) ORDER BY id`, c.ID)
	for _, v := range vs {
		p.Versions = append(p.Versions, v.Version)
	}
	return p, err
}

func (s *Store) submitCommitment(ctx context.Context, tx *sql.Tx, c *review.Case, a review.Actor, in *review.Input) error {
	p, err := s.buildCommitment(ctx, tx, c)
	if err != nil {
		return err
	}
	return s.storeSigned(ctx, tx, c, a, review.CommitmentType, 0, c.ProviderOrgID, review.Canonical(p), in.Signature)
}

// storeSigned verifies a signature against the organisation's registered
// keys and keeps the payload, the signature and the key that verified it.
func (s *Store) storeSigned(ctx context.Context, tx *sql.Tx, c *review.Case, a review.Actor, kind string, assignment, orgID int64, payload []byte, sig string) error {
	keys, err := s.signingKeys(ctx, tx, orgID, true)
	if err != nil {
		return err
	}
	org, err := s.Org(ctx, orgID)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return review.Invalid("signature", "no_signing_key", "org", org.Name)
	}
	keyID := ""
	for _, k := range keys {
		pub, err := signature.ParsePublicKey(k.PublicKey)
		if err == nil && signature.Verify(pub, payload, sig) == nil {
			keyID = k.KeyID
			break
		}
	}
	if keyID == "" {
		return review.Invalid("signature", "signature_invalid", "org", org.Name)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO signed_documents (case_id, kind, assignment_id, org_id, key_id, payload, signature, signed_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, kind, nullID(assignment), orgID, keyID, string(payload), strings.TrimSpace(sig), a.UserID, ts(s.Now()))
	return wrap("signed document", err)
}

// SignedDocument is a signed report or commitment with its verification,
// redone on every read: the signature over the stored bytes, and for a
// report whether the stored bytes still match the findings on record.
type SignedDocument struct {
	ID             int64           `json:"id"`
	Type           string          `json:"type"`
	AssignmentID   int64           `json:"assignment_id,omitempty"`
	Org            string          `json:"org"`
	KeyID          string          `json:"key_id"`
	PublicKey      string          `json:"public_key"`
	Payload        json.RawMessage `json:"payload"`
	Signature      string          `json:"signature"`
	SignedBy       string          `json:"signed_by"`
	SubmittedAt    string          `json:"submitted_at"`
	SignatureValid bool            `json:"signature_valid"`
	MatchesRecord  *bool           `json:"matches_record,omitempty"`
	orgID          int64
}

// SignedDocuments lists a case's signed documents the actor may read:
// reviewers all, a lab its own reports, the provider its commitment.
func (s *Store) SignedDocuments(ctx context.Context, a review.Actor, number string) ([]SignedDocument, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, err
	}
	p := review.PartiesOf(a, c)
	docs, err := s.signedDocuments(ctx, s.r, c.ID)
	if err != nil {
		return nil, err
	}
	out := []SignedDocument{}
	for _, d := range docs {
		own := d.orgID == a.OrgID
		if onlyOwnLab(p) && !own || !reviewer(p) && !own || p == review.PartyCIIDepartment {
			continue
		}
		if d.Type == review.ReportType {
			ok := false
			if as, found := assignmentByID(c, d.AssignmentID); found {
				var payload review.ReportPayload
				if json.Unmarshal(d.Payload, &payload) == nil {
					fresh, _, err := s.buildReport(ctx, s.r, c, as, payload.Summary, payload.Recommendation)
					ok = err == nil && string(review.Canonical(fresh)) == string(d.Payload)
				}
			}
			d.MatchesRecord = &ok
		}
		out = append(out, d)
	}
	return out, nil
}

func assignmentByID(c *review.Case, id int64) (review.Assignment, bool) {
	for _, as := range c.Assignments {
		if as.ID == id {
			return as, true
		}
	}
	return review.Assignment{}, false
}

func (s *Store) signedDocuments(ctx context.Context, q queryer, caseID int64) ([]SignedDocument, error) {
	return queryAll(ctx, q, "signed documents", `SELECT d.id, d.kind, COALESCE(d.assignment_id, 0), o.name, o.id, d.key_id, k.public_key, d.payload, d.signature, u.username, d.submitted_at
		FROM signed_documents d JOIN orgs o ON o.id = d.org_id JOIN users u ON u.id = d.signed_by JOIN signing_keys k ON k.key_id = d.key_id
		WHERE d.case_id = $1 ORDER BY d.id`, func(r *sql.Rows) (SignedDocument, error) {
		var d SignedDocument
		var payload string
		if err := r.Scan(&d.ID, &d.Type, &d.AssignmentID, &d.Org, &d.orgID, &d.KeyID, &d.PublicKey, &payload, &d.Signature, &d.SignedBy, &d.SubmittedAt); err != nil {
			return d, err
		}
		d.Payload = json.RawMessage(payload)
		pub, err := signature.ParsePublicKey(d.PublicKey)
		d.SignatureValid = err == nil && signature.Verify(pub, []byte(payload), d.Signature) == nil
		return d, nil
	}, caseID)
}

// SigningKey is a lab's or provider's registered public key.
type SigningKey struct {
	ID        int64  `json:"id"`
	OrgID     int64  `json:"org_id"`
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
	AddedAt   string `json:"added_at"`
	RevokedAt string `json:"revoked_at,omitempty"`
}

// AddSigningKey registers a lab's or provider's public key (admin, or the
// office on the provider's or lab's behalf). The private key stays with its
// owner: the server never sees it.
func (s *Store) AddSigningKey(ctx context.Context, a review.Actor, orgID int64, public string) (SigningKey, error) {
	if a.Role != review.RoleAdmin && a.Role != review.RoleOffice {
		return SigningKey{}, review.Forbidden("add_signing_key")
	}
	pub, err := signature.ParsePublicKey(public)
	if err != nil {
		return SigningKey{}, review.Invalid("public_key", "field_invalid", "rule", "ed25519:<base64 of 32 bytes>")
	}
	org, err := s.Org(ctx, orgID)
	if err != nil {
		return SigningKey{}, err
	}
	if org.Kind != review.OrgLab && org.Kind != review.OrgProvider {
		return SigningKey{}, review.Invalid("org_id", "field_invalid", "rule", "only labs and providers sign")
	}
	k := SigningKey{OrgID: orgID, KeyID: signature.KeyID(pub), PublicKey: signature.FormatPublicKey(pub), AddedAt: ts(s.Now())}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO signing_keys (org_id, key_id, public_key, added_by, added_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			orgID, k.KeyID, k.PublicKey, nullID(a.UserID), k.AddedAt).Scan(&k.ID)
		if isUnique(err) {
			return review.Conflict("duplicate", "what", "signing key")
		}
		if err != nil {
			return wrap("signing key", err)
		}
		return s.audit(ctx, tx, a, "signing_key.add", orgSubject(orgID), map[string]any{"key_id": k.KeyID})
	})
	return k, err
}

// RevokeSigningKey stops a key from signing new documents; what it signed
// before stays verifiable.
func (s *Store) RevokeSigningKey(ctx context.Context, a review.Actor, orgID int64, keyID string) error {
	if a.Role != review.RoleAdmin && a.Role != review.RoleOffice {
		return review.Forbidden("revoke_signing_key")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE signing_keys SET revoked_at = $1 WHERE org_id = $2 AND key_id = $3 AND revoked_at = ''`, ts(s.Now()), orgID, keyID)
		if err != nil {
			return wrap("signing key", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return review.NotFound("signing_key")
		}
		return s.audit(ctx, tx, a, "signing_key.revoke", orgSubject(orgID), map[string]any{"key_id": keyID})
	})
}

// SigningKeys lists an organisation's keys (public material, readable by
// any signed-in user so anyone can check a signature).
func (s *Store) SigningKeys(ctx context.Context, orgID int64) ([]SigningKey, error) {
	return s.signingKeys(ctx, s.r, orgID, false)
}

func (s *Store) signingKeys(ctx context.Context, q queryer, orgID int64, activeOnly bool) ([]SigningKey, error) {
	return queryAll(ctx, q, "signing keys", `SELECT id, org_id, key_id, public_key, added_at, revoked_at FROM signing_keys WHERE org_id = $1 AND ($2 = FALSE OR revoked_at = '') ORDER BY id`,
		func(r *sql.Rows) (SigningKey, error) {
			var k SigningKey
			return k, r.Scan(&k.ID, &k.OrgID, &k.KeyID, &k.PublicKey, &k.AddedAt, &k.RevokedAt)
		}, orgID, activeOnly)
}
