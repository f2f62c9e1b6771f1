package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"shencha/internal/review"
)

// PlanItem says which criterion a case evaluates, by which method, by which
// assigned lab.
type PlanItem struct {
	ID           int64         `json:"id"`
	CriterionID  string        `json:"criterion_id"`
	Method       review.Method `json:"method"`
	AssignmentID int64         `json:"assignment_id"`
	Lab          string        `json:"lab,omitempty"`
}

// planStates are the states in which the office may change the plan.
var planStates = []review.State{review.StateAccepted, review.StateEvaluation, review.StateAwaitingSupplement}

// PlanOpen reports whether a case in the state takes changes to its
// evaluation plan (by the office) and new evidence.
func PlanOpen(st review.State) bool { return slices.Contains(planStates, st) }

// AddPlanItems adds criteria to a case's evaluation plan (office). Each
// criterion must be in the case's catalogue version, the method one that can
// establish it, and the assignment an active lab assignment for that method.
func (s *Store) AddPlanItems(ctx context.Context, a review.Actor, number string, items []PlanItem) ([]PlanItem, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// Who may plan is checked before the items are read.
		c, err := s.officeCase(ctx, tx, a, number, "plan", planStates)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return review.Required("items")
		}
		if len(items) > 500 {
			return review.Invalid("items", "field_out_of_range", "min", "1", "max", "500")
		}
		cat, err := s.caseCatalog(ctx, c)
		if err != nil {
			return err
		}
		for i := range items {
			it := &items[i]
			if it.CriterionID == "" {
				return review.Required("items.criterion_id")
			}
			cr, ok := cat.Lookup(it.CriterionID)
			if !ok {
				return review.Invalid("items.criterion_id", "field_unknown_value", "value", it.CriterionID)
			}
			if !slices.Contains(cr.Methods, it.Method) {
				return review.Invalid("items.method", "field_invalid", "rule", string(it.Method)+" cannot establish "+it.CriterionID)
			}
			as, ok := activeAssignment(c, it.AssignmentID)
			if !ok || as.Kind != review.AssignLab {
				return review.Invalid("items.assignment_id", "field_invalid", "rule", "no active lab assignment with this id on this case")
			}
			if as.Method != it.Method {
				return review.Invalid("items.method", "field_invalid", "rule", "the lab is assigned for "+string(as.Method))
			}
			if as.ReportSubmitted {
				return review.Conflict("already_done", "action", "submit_report")
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO plan_items (case_id, criterion_id, method, assignment_id, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				c.ID, it.CriterionID, it.Method, it.AssignmentID, a.UserID, ts(s.Now())).Scan(&it.ID)
			if isUnique(err) {
				return review.Conflict("duplicate", "what", "plan item "+it.CriterionID)
			}
			if err != nil {
				return wrap("plan", err)
			}
		}
		return s.audit(ctx, tx, a, "plan.add", "case:"+number, map[string]any{"items": len(items)})
	})
	return items, err
}

// RemovePlanItem takes a criterion off the plan, with its finding (office).
func (s *Store) RemovePlanItem(ctx context.Context, a review.Actor, number string, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.officeCase(ctx, tx, a, number, "plan", planStates)
		if err != nil {
			return err
		}
		var crit string
		var asg int64
		err = tx.QueryRowContext(ctx, `SELECT criterion_id, assignment_id FROM plan_items WHERE id = $1 AND case_id = $2`, id, c.ID).Scan(&crit, &asg)
		if errors.Is(err, sql.ErrNoRows) {
			return review.NotFound("plan_item")
		}
		if err != nil {
			return wrap("plan", err)
		}
		if as, _ := activeAssignment(c, asg); as.ReportSubmitted {
			return review.Conflict("already_done", "action", "submit_report")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM findings WHERE case_id = $1 AND assignment_id = $2 AND criterion_id = $3`, c.ID, asg, crit); err != nil {
			return wrap("plan", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_items WHERE id = $1`, id); err != nil {
			return wrap("plan", err)
		}
		return s.audit(ctx, tx, a, "plan.remove", "case:"+number, map[string]any{"criterion": crit, "assignment": asg})
	})
}

// Plan lists a case's plan: all of it for the office, experts and the
// committee, its own items for a lab.
func (s *Store) Plan(ctx context.Context, a review.Actor, number string) ([]PlanItem, error) {
	c, p, err := s.reviewerCase(ctx, a, number)
	if err != nil {
		return nil, err
	}
	return s.plan(ctx, s.r, c, a, p)
}

func (s *Store) plan(ctx context.Context, q queryer, c *review.Case, a review.Actor, p review.Party) ([]PlanItem, error) {
	items, err := queryAll(ctx, q, "plan", `SELECT p.id, p.criterion_id, p.method, p.assignment_id, o.name, s.lab_org_id FROM plan_items p
		JOIN assignments s ON s.id = p.assignment_id JOIN orgs o ON o.id = s.lab_org_id WHERE p.case_id = $1 ORDER BY p.criterion_id, p.id`,
		func(r *sql.Rows) (planRow, error) {
			var x planRow
			return x, r.Scan(&x.ID, &x.CriterionID, &x.Method, &x.AssignmentID, &x.Lab, &x.labOrg)
		}, c.ID)
	out := []PlanItem{}
	for _, x := range items {
		if onlyOwnLab(p) && x.labOrg != a.OrgID {
			continue
		}
		out = append(out, x.PlanItem)
	}
	return out, err
}

type planRow struct {
	PlanItem
	labOrg int64
}

// onlyOwnLab: a lab that is nothing else to the case sees its own work only.
func onlyOwnLab(p review.Party) bool {
	return p&review.PartyLab != 0 && p&(review.PartyOffice|review.PartyExpert|review.PartyCommittee) == 0
}

func activeAssignment(c *review.Case, id int64) (review.Assignment, bool) {
	for _, as := range c.Assignments {
		if as.ID == id && as.Active {
			return as, true
		}
	}
	return review.Assignment{}, false
}

// ownLabAssignment finds the actor's active lab assignment on the case: the
// given one, or the only one if id is 0.
func ownLabAssignment(c *review.Case, a review.Actor, id int64) (review.Assignment, error) {
	var found []review.Assignment
	for _, as := range c.ActiveLabs() {
		if as.LabOrgID == a.OrgID && (id == 0 || as.ID == id) {
			found = append(found, as)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return review.Assignment{}, review.Required("assignment_id")
	}
	return review.Assignment{}, review.Invalid("assignment_id", "field_invalid", "rule", "no active assignment of your lab with this id on this case")
}

// officeCase loads a case for a change only the office makes, in one of states.
func (s *Store) officeCase(ctx context.Context, tx *sql.Tx, a review.Actor, number, what string, states []review.State) (*review.Case, error) {
	c, err := s.visibleCase(ctx, tx, a, number)
	if err != nil {
		return nil, err
	}
	if review.PartiesOf(a, c)&review.PartyOffice == 0 {
		return nil, review.Forbidden(what)
	}
	if !slices.Contains(states, c.State) {
		return nil, review.Conflict("illegal_transition", "action", what, "state", string(c.State))
	}
	return c, nil
}

// reviewerCase loads a case for reading the review's inner workings, which
// are for the office, assigned labs and experts, and the committee only.
func (s *Store) reviewerCase(ctx context.Context, a review.Actor, number string) (*review.Case, review.Party, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, 0, err
	}
	p := review.PartiesOf(a, c)
	if !reviewer(p) || p == review.PartyCIIDepartment {
		return nil, 0, review.Forbidden("read")
	}
	return c, p, nil
}

// EvidenceView is an evidence record as its reader may see it.
type EvidenceView struct {
	ID              int64               `json:"id"`
	Kind            review.EvidenceKind `json:"kind"`
	Method          review.Method       `json:"method"`
	Title           string              `json:"title"`
	Label           review.Label        `json:"label"`
	Criteria        []string            `json:"criteria"`
	Materials       []MaterialView      `json:"materials"`
	Data            json.RawMessage     `json:"data"`
	Digest          string              `json:"digest"`
	AssignmentID    int64               `json:"assignment_id,omitempty"`
	SubmittedBy     string              `json:"submitted_by"`
	SubmittedOrg    string              `json:"submitted_org"`
	SubmittedAt     string              `json:"submitted_at"`
	From            string              `json:"from,omitempty"`
	Countersigned   string              `json:"countersigned_at,omitempty"`
	CountersignedBy string              `json:"countersigned_by,omitempty"`
	CountersignNote string              `json:"countersign_note,omitempty"`
	submittedOrgID  int64
	materialIDs     []int64
}

// evidenceRecord is what the evidence digest covers: the record as
// submitted, with the digests of its files, so a signed report that cites
// it pins its content.
type evidenceRecord struct {
	Kind      review.EvidenceKind `json:"kind"`
	Title     string              `json:"title"`
	Label     review.Label        `json:"label"`
	Criteria  []string            `json:"criteria"`
	Materials []string            `json:"materials"`
	Data      json.RawMessage     `json:"data"`
}

// AddEvidence records a piece of evidence on a case. A lab submits evidence
// of its assigned method; the office any kind; the provider or applicant
// documents only. Files must already be uploaded to the case.
func (s *Store) AddEvidence(ctx context.Context, a review.Actor, number string, in review.EvidenceInput, assignmentID int64, from string) (EvidenceView, error) {
	return s.addEvidence(ctx, a, number, in, assignmentID, nil, from)
}

// AuthorizeEvidence checks, without changing anything, that the actor may
// add evidence to the case now: a page asks before it reads its form.
func (s *Store) AuthorizeEvidence(ctx context.Context, a review.Actor, number string) error {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return err
	}
	return mayAddEvidence(a, c)
}

// mayAddEvidence: the office, an assigned lab, the provider and the
// applicant add evidence, while the evaluation is planned or under way.
func mayAddEvidence(a review.Actor, c *review.Case) error {
	if review.PartiesOf(a, c)&(review.PartyOffice|review.PartyLab|review.PartyProvider|review.PartyApplicant) == 0 {
		return review.Forbidden("add_evidence")
	}
	if !slices.Contains(planStates, c.State) {
		return review.Conflict("illegal_transition", "action", "add_evidence", "state", string(c.State))
	}
	return nil
}

// AddEvidenceFile records evidence together with the file it rests on: the
// file, already in the blob store, becomes a material of the case (with the
// evidence's label) and the evidence cites it, in one transaction, so a
// refused record leaves no material behind (only an unreferenced blob, as a
// refused SBOM does). Whoever may record the evidence must also be allowed
// to upload to the case.
func (s *Store) AddEvidenceFile(ctx context.Context, a review.Actor, number string, in review.EvidenceInput, assignmentID int64, file MaterialView, from string) (EvidenceView, error) {
	return s.addEvidence(ctx, a, number, in, assignmentID, &file, from)
}

func (s *Store) addEvidence(ctx context.Context, a review.Actor, number string, in review.EvidenceInput, assignmentID int64, file *MaterialView, from string) (EvidenceView, error) {
	var v EvidenceView
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.visibleCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		// Who may add evidence at all is checked before the state and the
		// input; which kind each may add, after.
		if err := mayAddEvidence(a, c); err != nil {
			return err
		}
		p := review.PartiesOf(a, c)
		data, err := review.CheckEvidence(&in)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(data)
		if in.Kind == review.EvidenceAnalysis {
			raw = in.Data
		}
		var asg any
		switch {
		case p&review.PartyOffice != 0:
		case p&review.PartyLab != 0:
			as, err := ownLabAssignment(c, a, assignmentID)
			if err != nil {
				return err
			}
			if in.Kind != review.EvidenceDocument && review.EvidenceKinds[in.Kind] != as.Method {
				return review.Invalid("kind", "field_invalid", "rule", "your assignment is for "+string(as.Method))
			}
			asg = as.ID
		case p&(review.PartyProvider|review.PartyApplicant) != 0 && in.Kind == review.EvidenceDocument:
		default:
			return review.Forbidden("add_evidence")
		}
		if file != nil {
			file.Label = in.Label
			if err := s.insertMaterial(ctx, tx, c, a, file, from); err != nil {
				return err
			}
			in.Materials = append(in.Materials, file.ID)
		}
		v.ID, err = s.insertEvidence(ctx, tx, c, a, asg, in, raw, from)
		return err
	})
	if err != nil {
		return v, err
	}
	return s.OneEvidence(ctx, a, number, v.ID, from)
}

// insertEvidence records evidence on a case in the caller's transaction:
// its criteria must be in the case's catalogue and its files on the case.
// Its digest covers the record and the digests of its files.
func (s *Store) insertEvidence(ctx context.Context, tx *sql.Tx, c *review.Case, a review.Actor, asg any, in review.EvidenceInput, raw []byte, from string) (int64, error) {
	cat, err := s.caseCatalog(ctx, c)
	if err != nil {
		return 0, err
	}
	for _, id := range in.Criteria {
		if _, ok := cat.Lookup(id); !ok {
			return 0, review.Invalid("criteria", "field_unknown_value", "value", id)
		}
	}
	rec := evidenceRecord{Kind: in.Kind, Title: in.Title, Label: in.Label, Criteria: in.Criteria, Data: raw}
	for _, mid := range in.Materials {
		var d string
		err := tx.QueryRowContext(ctx, `SELECT digest FROM materials WHERE id = $1 AND case_id = $2`, mid, c.ID).Scan(&d)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, review.Invalid("materials", "field_invalid", "rule", "no file "+itoa(mid)+" on this case")
		}
		if err != nil {
			return 0, wrap("evidence", err)
		}
		rec.Materials = append(rec.Materials, d)
	}
	b, _ := json.Marshal(rec)
	digest := digestOf(b)
	crit, _ := jsonMarshal(orEmpty(in.Criteria))
	mats, _ := jsonMarshal(orEmpty(in.Materials))
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO evidence (case_id, assignment_id, kind, method, title, label, criteria, materials, data, digest, submitted_by, submitted_org, submitted_at, from_addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		c.ID, asg, in.Kind, review.EvidenceKinds[in.Kind], in.Title, in.Label, crit, mats, string(raw), digest, a.UserID, a.OrgID, ts(s.Now()), from).Scan(&id); err != nil {
		return 0, wrap("evidence", err)
	}
	if err := s.event(ctx, tx, c.ID, "add_evidence", c.State, c.State, a, map[string]any{"evidence": id, "kind": in.Kind, "digest": digest}); err != nil {
		return 0, err
	}
	return id, s.audit(ctx, tx, a, "evidence.add", "case:"+c.Number, map[string]any{"evidence": id, "kind": in.Kind, "digest": digest, "from": from})
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Evidence lists the evidence the actor may read on a case; the read is audited.
func (s *Store) Evidence(ctx context.Context, a review.Actor, number, from string) ([]EvidenceView, error) {
	return s.evidence(ctx, a, number, 0, from)
}

// OneEvidence reads one evidence record (audited).
func (s *Store) OneEvidence(ctx context.Context, a review.Actor, number string, id int64, from string) (EvidenceView, error) {
	list, err := s.evidence(ctx, a, number, id, from)
	if err != nil {
		return EvidenceView{}, err
	}
	if len(list) == 0 {
		return EvidenceView{}, review.NotFound("evidence")
	}
	return list[0], nil
}

// mayReadEvidence is the need-to-know rule for one record: reviewers read
// confidential evidence; restricted evidence is for the office, experts, the
// committee and the submitting organisation; a provider or applicant reads
// what it submitted and the inspection checklists of its own sites, which it
// must countersign whatever their label (the files a checklist cites keep
// their own label).
func mayReadEvidence(a review.Actor, p review.Party, v *EvidenceView) bool {
	if v.submittedOrgID == a.OrgID {
		return true
	}
	if p&(review.PartyOffice|review.PartyExpert|review.PartyCommittee) != 0 {
		return true
	}
	if p&review.PartyLab != 0 {
		return v.Label == review.LabelConfidential
	}
	return p&review.PartyProvider != 0 && v.Kind == review.EvidenceChecklist
}

func (s *Store) evidence(ctx context.Context, a review.Actor, number string, id int64, from string) ([]EvidenceView, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, err
	}
	p := review.PartiesOf(a, c)
	if p == review.PartyCIIDepartment {
		return nil, review.Forbidden("read")
	}
	all, err := queryAll(ctx, s.r, "evidence", `SELECT e.id, e.kind, e.method, e.title, e.label, e.criteria, e.materials, e.data, e.digest, COALESCE(e.assignment_id, 0),
		u.username, o.name, e.submitted_org, e.submitted_at, e.from_addr, e.countersigned_at, COALESCE(cu.username, ''), e.countersign_note
		FROM evidence e JOIN users u ON u.id = e.submitted_by JOIN orgs o ON o.id = e.submitted_org LEFT JOIN users cu ON cu.id = e.countersigned_by
		WHERE e.case_id = $1 AND ($2 = 0 OR e.id = $2) ORDER BY e.id`, scanEvidence, c.ID, id)
	if err != nil {
		return nil, err
	}
	mats, err := s.materialViews(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := []EvidenceView{}
	var ids []int64
	for _, v := range all {
		if !mayReadEvidence(a, p, &v) {
			continue
		}
		if !reviewer(p) {
			v.From = ""
		}
		v.Materials = []MaterialView{}
		for _, m := range mats {
			if slices.Contains(v.materialIDs, m.ID) && mayReadMaterial(a, p, m) {
				v.Materials = append(v.Materials, m)
			}
		}
		out = append(out, v)
		ids = append(ids, v.ID)
	}
	if len(ids) > 0 {
		err = s.tx(ctx, func(tx *sql.Tx) error {
			return s.audit(ctx, tx, a, "evidence.read", "case:"+number, map[string]any{"evidence": ids, "from": from})
		})
	}
	return out, err
}

func scanEvidence(r *sql.Rows) (EvidenceView, error) {
	var v EvidenceView
	var crit, mats, data string
	err := r.Scan(&v.ID, &v.Kind, &v.Method, &v.Title, &v.Label, &crit, &mats, &data, &v.Digest, &v.AssignmentID,
		&v.SubmittedBy, &v.SubmittedOrg, &v.submittedOrgID, &v.SubmittedAt, &v.From, &v.Countersigned, &v.CountersignedBy, &v.CountersignNote)
	json.Unmarshal([]byte(crit), &v.Criteria)
	json.Unmarshal([]byte(mats), &v.materialIDs)
	v.Data = json.RawMessage(data)
	return v, err
}

// Countersign records the provider's countersignature of an inspection
// checklist's nonconformities.
func (s *Store) Countersign(ctx context.Context, a review.Actor, number string, id int64, note string) error {
	if len(note) > 20000 {
		return review.Invalid("note", "field_too_long", "max", "20000")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.visibleCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		if review.PartiesOf(a, c)&review.PartyProvider == 0 {
			return review.Forbidden("countersign")
		}
		var kind, digest string
		err = tx.QueryRowContext(ctx, `SELECT kind, digest FROM evidence WHERE id = $1 AND case_id = $2`, id, c.ID).Scan(&kind, &digest)
		if errors.Is(err, sql.ErrNoRows) {
			return review.NotFound("evidence")
		}
		if err != nil {
			return wrap("countersign", err)
		}
		if review.EvidenceKind(kind) != review.EvidenceChecklist {
			return review.Invalid("id", "field_invalid", "rule", "only inspection checklists are countersigned")
		}
		res, err := tx.ExecContext(ctx, `UPDATE evidence SET countersigned_by = $1, countersigned_at = $2, countersign_note = $3 WHERE id = $4 AND countersigned_at = ''`,
			a.UserID, ts(s.Now()), note, id)
		if err != nil {
			return wrap("countersign", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return review.Conflict("already_done", "action", "countersign")
		}
		if err := s.event(ctx, tx, c.ID, "countersign", c.State, c.State, a, map[string]any{"evidence": id, "digest": digest}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "evidence.countersign", "case:"+number, map[string]any{"evidence": id, "digest": digest})
	})
}

// CustodyEvent is one step in a file's chain of custody.
type CustodyEvent struct {
	Event  string `json:"event"`
	Actor  string `json:"actor"`
	At     string `json:"at"`
	From   string `json:"from"`
	Digest string `json:"digest"`
}

func (s *Store) custody(ctx context.Context, tx *sql.Tx, materialID int64, event string, a review.Actor, from, digest string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO custody (material_id, event, actor_user_id, actor, at, from_addr, digest) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		materialID, event, nullID(a.UserID), a.Username, ts(s.Now()), from, digest)
	return wrap("custody", err)
}

// Custody lists a file's chain of custody: who stored it and who read it,
// when and from where (office, committee and experts).
func (s *Store) Custody(ctx context.Context, a review.Actor, number string, materialID int64) ([]CustodyEvent, error) {
	c, p, err := s.reviewerCase(ctx, a, number)
	if err != nil {
		return nil, err
	}
	if p&(review.PartyOffice|review.PartyCommittee|review.PartyExpert) == 0 {
		return nil, review.Forbidden("custody")
	}
	list, err := queryAll(ctx, s.r, "custody", `SELECT k.event, k.actor, k.at, k.from_addr, k.digest FROM custody k JOIN materials m ON m.id = k.material_id
		WHERE k.material_id = $1 AND m.case_id = $2 ORDER BY k.id`, func(r *sql.Rows) (CustodyEvent, error) {
		var e CustodyEvent
		return e, r.Scan(&e.Event, &e.Actor, &e.At, &e.From, &e.Digest)
	}, materialID, c.ID)
	if err == nil && len(list) == 0 {
		return nil, review.NotFound("material")
	}
	return list, err
}
