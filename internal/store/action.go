package store

import (
	"time"

	"context"
	"database/sql"
	"errors"
	"strings"

	"shencha/internal/calendar"
	"shencha/internal/review"
)

// Authorize checks, without changing anything and before any input is
// read, that the actor may take the action on the case now (a page asks
// before it reads a form or streams an upload).
func (s *Store) Authorize(ctx context.Context, a review.Actor, number string, act review.Action) error {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return err
	}
	_, err = review.Permit(a, c, act)
	return err
}

// CheckAction checks, without changing anything, that the actor may take
// the action on the case now with this input: the page checks an answer
// before it streams the file that goes with it.
func (s *Store) CheckAction(ctx context.Context, a review.Actor, number string, act review.Action, in review.Input) error {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return err
	}
	_, err = review.Decide(a, c, act, &in)
	return err
}

// ApplyAction takes an action on a case: the domain decides, and the change,
// its timeline event, clocks, audit row and jobs commit in one transaction.
// Of two concurrent actions on one case exactly one wins; the other gets a
// conflict (the case's version is checked on write).
func (s *Store) ApplyAction(ctx context.Context, a review.Actor, number string, act review.Action, in review.Input) (*CaseView, error) {
	var c *review.Case
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = s.visibleCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		rule, err := review.Decide(a, c, act, &in)
		if err != nil {
			return err
		}
		from, to := c.State, c.State
		if rule.To != "" {
			to = rule.To
		}
		now := ts(s.Now())
		sets := []string{"state = $1", "updated_at = $2", "version = version + 1"}
		if from == review.StateDraft && to != review.StateDraft {
			sets = append(sets, "submitted_at = $2")
			s.registerChanged(tx) // the register shows versions under review
		}
		if to.Closed() {
			sets = append(sets, "closed_at = $2")
			s.registerChanged(tx)
		}
		res, err := tx.ExecContext(ctx, `UPDATE cases SET `+strings.Join(sets, ", ")+` WHERE id = $3 AND version = $4`, to, now, c.ID, c.Version)
		if err != nil {
			return wrap("update case", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return review.Conflict("concurrent_update")
		}
		if err := s.effects(ctx, tx, a, c, act, &in); err != nil {
			return err
		}
		if err := s.moveClocks(ctx, tx, c.ID, from, to); err != nil {
			return err
		}
		if err := s.event(ctx, tx, c.ID, string(act), from, to, a, in); err != nil {
			return err
		}
		if err := s.notifyAction(ctx, tx, a, c.Number, act, from, to, &in); err != nil {
			return err
		}
		c.State = to
		return s.audit(ctx, tx, a, "case."+string(act), "case:"+number, map[string]any{"from": from, "to": to})
	})
	if err != nil {
		return nil, err
	}
	// Re-read as the actor. An expert who recused no longer sees the case:
	// the action is done, and the answer says only that.
	v, err := s.Case(ctx, a, number)
	var re *review.Error
	if errors.As(err, &re) && re.Code == "assignment_ended" {
		return &CaseView{Number: number, State: c.State, Parties: []string{}, AllowedActions: []string{}}, nil
	}
	return v, err
}

// effects does what an action does beyond moving the state.
func (s *Store) effects(ctx context.Context, tx *sql.Tx, a review.Actor, c *review.Case, act review.Action, in *review.Input) error {
	now := ts(s.Now())
	exec := func(op, q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return wrap(op, err)
	}
	if ok, err := s.evaluationEffects(ctx, tx, a, c, act, in); ok {
		return err
	}
	switch act {
	case review.ActDetermineRequired, review.ActDetermineNotRequired:
		det := "required"
		if act == review.ActDetermineNotRequired {
			det = "not_required"
		}
		return exec("determination", `UPDATE procurements SET determination = $1, rationale = $2, determined_at = $3 WHERE case_id = $4`, det, in.Rationale, now, c.ID)
	case review.ActMarkIncomplete, review.ActRequestSupplement:
		return exec("supplement", `INSERT INTO supplements (case_id, items, requested_by, requested_at) VALUES ($1, $2, $3, $4)`, c.ID, in.Items, a.UserID, now)
	case review.ActResubmit, review.ActAnswerSupplement:
		if err := s.onCase(ctx, tx, c.ID, in.Materials); err != nil {
			return err
		}
		mats, _ := jsonMarshal(orEmpty(in.Materials))
		return exec("supplement", `UPDATE supplements SET answered_by = $1, answered_at = $2, answer = $3, materials = $4 WHERE case_id = $5 AND answered_at = ''`,
			a.UserID, now, in.Summary, mats, c.ID)
	case review.ActAssignLab:
		lab, err := s.Org(ctx, in.LabOrgID)
		if err != nil {
			return review.Invalid("lab_org_id", "field_invalid", "rule", "no such lab")
		}
		accs, err := s.accreditations(ctx, tx, lab.ID)
		if err != nil {
			return err
		}
		ties, err := s.tiesOf(ctx, tx, lab.ID, 0)
		if err != nil {
			return err
		}
		if err := review.CheckLabAssignment(c, lab, in.Method, accs, ties, s.Now(), s.tieLookback()); err != nil {
			return err
		}
		decl, _ := jsonMarshal(in.Declaration)
		return exec("assign lab", `INSERT INTO assignments (case_id, kind, lab_org_id, method, declaration, assigned_by, assigned_at) VALUES ($1, 'lab', $2, $3, $4, $5, $6)`,
			c.ID, lab.ID, in.Method, decl, a.UserID, now)
	case review.ActAssignExpert:
		u, err := s.User(ctx, in.ExpertUserID)
		if err != nil {
			return review.Invalid("expert_user_id", "field_invalid", "rule", "no such expert")
		}
		ties, err := s.tiesOf(ctx, tx, 0, u.ID)
		if err != nil {
			return err
		}
		if err := review.CheckExpertAssignment(c, u, ties, s.Now(), s.tieLookback()); err != nil {
			return err
		}
		decl, _ := jsonMarshal(in.Declaration)
		return exec("assign expert", `INSERT INTO assignments (case_id, kind, expert_user_id, declaration, assigned_by, assigned_at) VALUES ($1, 'expert', $2, $3, $4, $5)`,
			c.ID, u.ID, decl, a.UserID, now)
	case review.ActEndAssignment:
		res, err := tx.ExecContext(ctx, `UPDATE assignments SET ended_at = $1, ended_reason = $2 WHERE id = $3 AND case_id = $4 AND ended_at = ''`, now, in.Reason, in.AssignmentID, c.ID)
		if err != nil {
			return wrap("end assignment", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return review.Invalid("assignment_id", "field_invalid", "rule", "no active assignment with this id on this case")
		}
	case review.ActReferToCommittee:
		return exec("refer", `UPDATE cases SET referred = $1 WHERE id = $2`, true, c.ID)
	case review.ActPublish:
		if err := exec("publish", `UPDATE cases SET scope = $1, published_at = $2 WHERE id = $3`, in.Scope, now, c.ID); err != nil {
			return err
		}
		return s.publishListings(ctx, tx, a, c, in.Scope)
	case review.ActMarkImportant:
		return exec("important", `UPDATE cases SET important = $1 WHERE id = $2`, true, c.ID)
	case review.ActMarkComplex:
		if err := exec("complex", `UPDATE cases SET complex = $1 WHERE id = $2`, true, c.ID); err != nil {
			return err
		}
		return s.extendClock(ctx, tx, c.ID, "review", calendar.ComplexExtension, "complex: "+in.Reason)
	case review.ActExtendClock:
		return s.extendClock(ctx, tx, c.ID, in.Clock, in.Days, in.Reason)
	}
	return nil
}

// onCase checks that every material id names a file on the case.
func (s *Store) onCase(ctx context.Context, tx *sql.Tx, caseID int64, materials []int64) error {
	for _, m := range materials {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM materials WHERE id = $1 AND case_id = $2`, m, caseID).Scan(&n); err != nil {
			return wrap("materials", err)
		}
		if n == 0 {
			return review.Invalid("materials", "field_invalid", "rule", "no file "+itoa(m)+" on this case")
		}
	}
	return nil
}

// Material is a file's record, for streaming its content from the blob store.
type Material struct {
	MaterialView
	CaseNumber string
}

// AddMaterial records an uploaded blob on a case, re-checking in the
// transaction that the actor may still upload.
func (s *Store) AddMaterial(ctx context.Context, a review.Actor, number string, m MaterialView, from string) (MaterialView, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.visibleCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		return s.insertMaterial(ctx, tx, c, a, &m, from)
	})
	return m, err
}

// insertMaterial records a stored file on a case in the caller's
// transaction, checking that the actor may upload to it now.
func (s *Store) insertMaterial(ctx context.Context, tx *sql.Tx, c *review.Case, a review.Actor, m *MaterialView, from string) error {
	if m.Label == "" {
		m.Label = review.LabelConfidential
	}
	if !contains(review.Labels, m.Label) {
		return review.Invalid("label", "field_unknown_value", "value", string(m.Label))
	}
	if len(m.Filename) > 255 || strings.ContainsAny(m.Filename, "/\\\x00") {
		return review.Invalid("filename", "field_invalid", "rule", "at most 255 bytes, no path separators")
	}
	if _, err := review.Decide(a, c, review.ActUploadMaterial, nil); err != nil {
		return err
	}
	m.UploadedAt, m.UploadedBy = ts(s.Now()), a.Username
	if err := tx.QueryRowContext(ctx, `INSERT INTO materials (case_id, digest, size, filename, content_type, label, from_addr, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		c.ID, m.Digest, m.Size, m.Filename, m.ContentType, m.Label, from, a.UserID, m.UploadedAt).Scan(&m.ID); err != nil {
		return wrap("add material", err)
	}
	if err := s.custody(ctx, tx, m.ID, "uploaded", a, from, m.Digest); err != nil {
		return err
	}
	if err := s.event(ctx, tx, c.ID, string(review.ActUploadMaterial), c.State, c.State, a, map[string]any{"filename": m.Filename, "digest": m.Digest}); err != nil {
		return err
	}
	return s.audit(ctx, tx, a, "material.add", "case:"+c.Number, map[string]any{"digest": m.Digest, "size": m.Size})
}

// MaterialDigests lists the digests ("sha256:<hex>") every material names:
// the blob files the database references. It reveals no content and no
// case, and is for the blob store's sweep at start, which needs no actor.
func (s *Store) MaterialDigests(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT digest FROM materials`)
	if err != nil {
		return nil, wrap("material digests", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, wrap("material digests", err)
		}
		out[d] = true
	}
	return out, wrap("material digests", rows.Err())
}

// OpenMaterial checks that the actor may read a material and audits the read
// before returning where its content is. Every read of confidential
// material leaves a row in the audit chain (Art. 13).
func (s *Store) OpenMaterial(ctx context.Context, a review.Actor, number string, id int64, from string) (MaterialView, error) {
	var m MaterialView
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.visibleCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT m.id, m.digest, m.size, m.filename, m.content_type, m.label, u.org_id, m.uploaded_at FROM materials m JOIN users u ON u.id = m.uploaded_by
			WHERE m.id = $1 AND m.case_id = $2`, id, c.ID).
			Scan(&m.ID, &m.Digest, &m.Size, &m.Filename, &m.ContentType, &m.Label, &m.uploaderOrg, &m.UploadedAt)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !mayReadMaterial(a, review.PartiesOf(a, c), m) {
			return review.NotFound("material")
		}
		if err != nil {
			return wrap("open material", err)
		}
		if err := s.custody(ctx, tx, m.ID, "downloaded", a, from, m.Digest); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "material.read", "case:"+number, map[string]any{"material": id, "digest": m.Digest, "from": from})
	})
	return m, err
}

// tieLookback is the configured period an ended tie still bars for.
func (s *Store) tieLookback() time.Duration {
	if s.TieLookback > 0 {
		return s.TieLookback
	}
	return review.DefaultTieLookback
}
