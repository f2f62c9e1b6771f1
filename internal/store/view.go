package store

import (
	"context"
	"database/sql"

	"shencha/internal/calendar"
	"shencha/internal/review"
)

var chinaTime = calendar.Location()

// CaseView is a case as one actor may see it: everything its rules allow
// that actor, and nothing more.
type CaseView struct {
	Number         string           `json:"number"`
	State          review.State     `json:"state"`
	Trigger        review.Trigger   `json:"trigger"`
	PreviousCase   string           `json:"previous_case,omitempty"`
	Sector         string           `json:"sector"`
	Important      bool             `json:"important"`
	Complex        bool             `json:"complex"`
	Summary        string           `json:"summary,omitempty"`
	Product        ProductRef       `json:"product"`
	Versions       []review.Version `json:"versions"`
	Provider       OrgRef           `json:"provider"`
	Applicant      OrgRef           `json:"applicant"`
	Parties        []string         `json:"your_relations"`
	AllowedActions []string         `json:"allowed_actions"`
	Decision       *Decision        `json:"decision,omitempty"`
	Procurement    *ProcurementView `json:"procurement,omitempty"`
	Assignments    []AssignmentView `json:"assignments"`
	Clocks         []ClockView      `json:"clocks"`
	Supplements    []SupplementView `json:"supplements"`
	Materials      []MaterialView   `json:"materials"`
	Events         []EventView      `json:"events"`
	CatalogVersion string           `json:"catalog_version"`
	CreatedAt      string           `json:"created_at"`
	UpdatedAt      string           `json:"updated_at"`
}

// ProductRef names a product.
type ProductRef struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Category review.Category `json:"category"`
	Service  bool            `json:"service"`
}

// OrgRef names an organisation.
type OrgRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Decision is a case's outcome.
type Decision struct {
	Outcome   review.Outcome `json:"outcome"`
	Rationale string         `json:"rationale"`
	// Recommendation is what the default rule gave; a decision that departs
	// from it carries its DepartureRationale.
	Recommendation     review.Outcome     `json:"rule_recommendation,omitempty"`
	DepartureRationale string             `json:"departure_rationale,omitempty"`
	Fulfilments        []FulfilmentView   `json:"fulfilments,omitempty"`
	DecidedAt          string             `json:"decided_at"`
	Conditions         []review.Condition `json:"conditions,omitempty"`
	Scope              review.Scope       `json:"scope,omitempty"`
	PublishedAt        string             `json:"published_at,omitempty"`
}

// ProcurementView is a CIIO's declaration and its determination.
type ProcurementView struct {
	CIIO          OrgRef `json:"ciio"`
	Description   string `json:"description"`
	ContractRef   string `json:"contract_ref,omitempty"`
	Value         string `json:"value,omitempty"`
	Determination string `json:"determination,omitempty"`
	Rationale     string `json:"rationale,omitempty"`
	DeterminedAt  string `json:"determined_at,omitempty"`
}

// AssignmentView is a lab or expert on the case.
type AssignmentView struct {
	ID             int64                 `json:"id"`
	Kind           review.AssignmentKind `json:"kind"`
	Lab            *OrgRef               `json:"lab,omitempty"`
	Expert         string                `json:"expert,omitempty"`
	Method         review.Method         `json:"method,omitempty"`
	AssignedAt     string                `json:"assigned_at"`
	EndedAt        string                `json:"ended_at,omitempty"`
	EndedReason    string                `json:"ended_reason,omitempty"`
	ReportAt       string                `json:"report_at,omitempty"`
	Summary        string                `json:"summary,omitempty"`
	Recommendation review.Outcome        `json:"recommendation,omitempty"`
	OpinionAt      string                `json:"opinion_at,omitempty"`
}

// ClockView is a review clock with its working-day deadline.
type ClockView struct {
	Name      string `json:"name"`
	Budget    int    `json:"budget_working_days"`
	Used      int    `json:"used_working_days"`
	Remaining int    `json:"remaining_working_days"`
	Started   string `json:"started"`
	Deadline  string `json:"deadline,omitempty"`
	Running   bool   `json:"running"`
	Paused    bool   `json:"paused"`
	Stopped   string `json:"stopped,omitempty"`
	Overdue   bool   `json:"overdue"`
	Extended  bool   `json:"extended"`
	Reason    string `json:"extend_reason,omitempty"`
	// Provisional says the deadline falls in a year without holiday data.
	Provisional bool `json:"provisional,omitempty"`
}

// SupplementView is a request for material and its answer.
type SupplementView struct {
	ID          int64  `json:"id"`
	Items       string `json:"items"`
	RequestedAt string `json:"requested_at"`
	AnsweredAt  string `json:"answered_at,omitempty"`
	Answer      string `json:"answer,omitempty"`
	// Materials are the files the answer points to (ids of Materials).
	Materials []int64 `json:"materials"`
}

// MaterialView is a file on the case (its content is read separately, audited).
type MaterialView struct {
	ID          int64        `json:"id"`
	Digest      string       `json:"digest"`
	Size        int64        `json:"size"`
	Filename    string       `json:"filename"`
	ContentType string       `json:"content_type"`
	Label       review.Label `json:"label"`
	UploadedBy  string       `json:"uploaded_by"`
	UploadedAt  string       `json:"uploaded_at"`
	uploaderOrg int64
}

// mayReadMaterial: restricted files are for the office, experts, the
// committee and the uploading organisation only.
func mayReadMaterial(a review.Actor, p review.Party, m MaterialView) bool {
	return m.Label != review.LabelRestricted || m.uploaderOrg == a.OrgID ||
		p&(review.PartyOffice|review.PartyExpert|review.PartyCommittee) != 0
}

// EventView is one step of the timeline.
type EventView struct {
	Action string          `json:"action"`
	From   review.State    `json:"from,omitempty"`
	To     review.State    `json:"to"`
	Actor  string          `json:"actor"`
	At     string          `json:"at"`
	Input  *map[string]any `json:"input,omitempty"`
}

// reviewer reports whether the parties see the review's inner workings:
// assignments, opinions and event details are not the provider's to read.
func reviewer(p review.Party) bool {
	return p&(review.PartyOffice|review.PartyCommittee|review.PartyLab|review.PartyExpert|review.PartyCIIDepartment) != 0
}

// Case returns the case as the actor may see it, or not found.
func (s *Store) Case(ctx context.Context, a review.Actor, number string) (*CaseView, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, a, c)
}

func (s *Store) view(ctx context.Context, a review.Actor, c *review.Case) (*CaseView, error) {
	parties := review.PartiesOf(a, c)
	v := &CaseView{Number: c.Number, State: c.State, Trigger: c.Trigger, Sector: c.Sector, Important: c.Important,
		Complex: c.Complex, Parties: parties.Names(), AllowedActions: []string{}, CatalogVersion: c.CatalogVersion}
	for _, act := range review.Allowed(a, c) {
		v.AllowedActions = append(v.AllowedActions, string(act))
	}
	var outcome, rationale, departure, decided, scope, published, prevNumber string
	err := s.r.QueryRowContext(ctx, `SELECT c.summary, c.outcome, c.rationale, c.departure_rationale, c.decided_at, c.scope, c.published_at, c.created_at, c.updated_at,
		p.id, p.name, p.category, p.service, po.id, po.name, ao.id, ao.name, COALESCE(pc.number, '')
		FROM cases c JOIN products p ON p.id = c.product_id JOIN orgs po ON po.id = c.provider_org_id JOIN orgs ao ON ao.id = c.applicant_org_id
		LEFT JOIN cases pc ON pc.id = c.previous_case_id WHERE c.id = $1`, c.ID).Scan(
		&v.Summary, &outcome, &rationale, &departure, &decided, &scope, &published, &v.CreatedAt, &v.UpdatedAt,
		&v.Product.ID, &v.Product.Name, &v.Product.Category, &v.Product.Service, &v.Provider.ID, &v.Provider.Name,
		&v.Applicant.ID, &v.Applicant.Name, &prevNumber)
	if err != nil {
		return nil, wrap("case view", err)
	}
	v.PreviousCase = prevNumber
	if outcome != "" {
		v.Decision = &Decision{Outcome: review.Outcome(outcome), Rationale: rationale, DecidedAt: decided, Scope: review.Scope(scope), PublishedAt: published,
			Recommendation: c.Recommendation, DepartureRationale: departure}
		if v.Decision.Conditions, err = s.conditions(ctx, c.ID); err != nil {
			return nil, err
		}
		if v.Decision.Fulfilments, err = s.fulfilments(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	if v.Versions, err = s.versions(ctx, s.r, `WHERE id IN (SELECT version_id FROM case_versions WHERE case_id = $1) ORDER BY id`, c.ID); err != nil {
		return nil, err
	}
	if c.Trigger == review.TriggerCIIOProcurement {
		pv := &ProcurementView{}
		err := s.r.QueryRowContext(ctx, `SELECT o.id, o.name, p.description, p.contract_ref, p.amount, p.determination, p.rationale, p.determined_at
			FROM procurements p JOIN orgs o ON o.id = p.ciio_org_id WHERE p.case_id = $1`, c.ID).Scan(
			&pv.CIIO.ID, &pv.CIIO.Name, &pv.Description, &pv.ContractRef, &pv.Value, &pv.Determination, &pv.Rationale, &pv.DeterminedAt)
		if err == nil {
			v.Procurement = pv
		}
	}
	inner := reviewer(parties)
	if v.Assignments, err = s.assignmentViews(ctx, c.ID, inner); err != nil {
		return nil, err
	}
	if v.Clocks, err = s.clockViews(ctx, c.ID); err != nil {
		return nil, err
	}
	if v.Supplements, err = s.supplementViews(ctx, c.ID); err != nil {
		return nil, err
	}
	mats, err := s.materialViews(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	v.Materials = []MaterialView{}
	for _, m := range mats {
		if mayReadMaterial(a, parties, m) {
			v.Materials = append(v.Materials, m)
		}
	}
	if v.Events, err = s.eventViews(ctx, c.ID, inner); err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Store) conditions(ctx context.Context, caseID int64) ([]review.Condition, error) {
	return queryAll(ctx, s.r, "conditions", `SELECT id, text, due, suspend_if_overdue, met_at, overdue_at FROM conditions WHERE case_id = $1 ORDER BY id`,
		func(r *sql.Rows) (review.Condition, error) {
			var c review.Condition
			return c, r.Scan(&c.ID, &c.Text, &c.Due, &c.SuspendIfOverdue, &c.MetAt, &c.OverdueAt)
		}, caseID)
}

func (s *Store) assignmentViews(ctx context.Context, caseID int64, inner bool) ([]AssignmentView, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.id, a.kind, COALESCE(o.id, 0), COALESCE(o.name, ''), COALESCE(u.display_name, ''), a.method, a.assigned_at, a.ended_at, a.ended_reason,
		a.report_at, a.report_summary, a.report_recommendation, a.opinion_at, a.opinion_summary, a.opinion_recommendation
		FROM assignments a LEFT JOIN orgs o ON o.id = a.lab_org_id LEFT JOIN users u ON u.id = a.expert_user_id WHERE a.case_id = $1 ORDER BY a.id`, caseID)
	if err != nil {
		return nil, wrap("assignments", err)
	}
	defer rows.Close()
	out := []AssignmentView{}
	for rows.Next() {
		var v AssignmentView
		var labID int64
		var labName, rsum, rrec, osum, orec string
		if err := rows.Scan(&v.ID, &v.Kind, &labID, &labName, &v.Expert, &v.Method, &v.AssignedAt, &v.EndedAt, &v.EndedReason,
			&v.ReportAt, &rsum, &rrec, &v.OpinionAt, &osum, &orec); err != nil {
			return nil, wrap("assignments", err)
		}
		if labID != 0 {
			v.Lab = &OrgRef{labID, labName}
		}
		if v.Kind == review.AssignExpert && !inner {
			continue // experts stay anonymous to the provider
		}
		if inner {
			if v.Kind == review.AssignLab {
				v.Summary, v.Recommendation = rsum, review.Outcome(rrec)
			} else {
				v.Summary, v.Recommendation = osum, review.Outcome(orec)
			}
		}
		out = append(out, v)
	}
	return out, wrap("assignments", rows.Err())
}

func (s *Store) supplementViews(ctx context.Context, caseID int64) ([]SupplementView, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, items, requested_at, answered_at, answer, materials FROM supplements WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, wrap("supplements", err)
	}
	defer rows.Close()
	out := []SupplementView{}
	for rows.Next() {
		var v SupplementView
		var mats string
		if err := rows.Scan(&v.ID, &v.Items, &v.RequestedAt, &v.AnsweredAt, &v.Answer, &mats); err != nil {
			return nil, wrap("supplements", err)
		}
		v.Materials = []int64{}
		if err := jsonUnmarshal(mats, &v.Materials); err != nil {
			return nil, wrap("supplements", err)
		}
		out = append(out, v)
	}
	return out, wrap("supplements", rows.Err())
}

func (s *Store) materialViews(ctx context.Context, caseID int64) ([]MaterialView, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.id, m.digest, m.size, m.filename, m.content_type, m.label, u.username, u.org_id, m.uploaded_at FROM materials m JOIN users u ON u.id = m.uploaded_by WHERE m.case_id = $1 ORDER BY m.id`, caseID)
	if err != nil {
		return nil, wrap("materials", err)
	}
	defer rows.Close()
	out := []MaterialView{}
	for rows.Next() {
		var v MaterialView
		if err := rows.Scan(&v.ID, &v.Digest, &v.Size, &v.Filename, &v.ContentType, &v.Label, &v.UploadedBy, &v.uploaderOrg, &v.UploadedAt); err != nil {
			return nil, wrap("materials", err)
		}
		out = append(out, v)
	}
	return out, wrap("materials", rows.Err())
}

func (s *Store) eventViews(ctx context.Context, caseID int64, inner bool) ([]EventView, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT action, from_state, to_state, actor, at, input FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, wrap("events", err)
	}
	defer rows.Close()
	out := []EventView{}
	for rows.Next() {
		var v EventView
		var input string
		if err := rows.Scan(&v.Action, &v.From, &v.To, &v.Actor, &v.At, &input); err != nil {
			return nil, wrap("events", err)
		}
		if !inner {
			// The provider sees that a step happened and when, not who
			// inside the review took it or what they wrote.
			if review.Action(v.Action) == review.ActAssignExpert || review.Action(v.Action) == review.ActGiveOpinion {
				continue
			}
			v.Actor = ""
		} else if input != "" {
			m := map[string]any{}
			if jsonUnmarshal(input, &m) == nil {
				v.Input = &m
			}
		}
		out = append(out, v)
	}
	return out, wrap("events", rows.Err())
}

func (s *Store) clockViews(ctx context.Context, caseID int64) ([]ClockView, error) {
	clocks, err := s.clocks(ctx, s.r, caseID, false)
	if err != nil {
		return nil, err
	}
	cal, today := s.Calendar(), calendar.DateOf(s.Now())
	out := []ClockView{}
	for _, c := range clocks {
		v := ClockView{Name: c.Kind, Budget: c.Budget, Used: c.Used(cal, today), Remaining: c.Remaining(cal, today),
			Started: c.Started.String(), Running: c.Running(), Paused: c.Paused(), Overdue: c.Overdue(cal, today),
			Extended: c.Extended, Reason: c.ExtendReason}
		if c.Stopped != nil {
			v.Stopped = c.Stopped.String()
		}
		if d, ok := c.Deadline(cal, today); ok {
			v.Deadline = d.String()
			v.Provisional = cal.Provisional(d.Year)
		}
		out = append(out, v)
	}
	return out, nil
}
