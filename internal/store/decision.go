package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"shencha/internal/catalog"
	"shencha/internal/review"
)

// OpinionView is one expert's written opinion.
type OpinionView struct {
	AssignmentID   int64                            `json:"assignment_id"`
	Expert         string                           `json:"expert"`
	Recommendation review.Outcome                   `json:"recommendation"`
	Rationale      string                           `json:"rationale"`
	Areas          map[string]review.AreaAssessment `json:"areas"`
	GivenAt        string                           `json:"given_at"`
}

// Recusal is an expert who stepped aside.
type Recusal struct {
	Expert string `json:"expert"`
	Reason string `json:"reason"`
	At     string `json:"at"`
}

// Assessment is the consolidated expert assessment of a case (Art. 6):
// every opinion, the tally with its majority and dissent, the spread of
// risk levels per area, and the recusals.
type Assessment struct {
	Recommendation review.Outcome                      `json:"rule_recommendation,omitempty"`
	RuleBasis      []string                            `json:"rule_basis,omitempty"`
	Opinions       []OpinionView                       `json:"opinions"`
	Tally          review.Tally                        `json:"tally"`
	Areas          map[string]map[review.RiskLevel]int `json:"areas"`
	Recusals       []Recusal                           `json:"recusals"`
}

// Assessment returns the consolidated expert assessment. Experts see the
// others' opinions only once their own is in, so that none is swayed.
func (s *Store) Assessment(ctx context.Context, a review.Actor, number string) (*Assessment, error) {
	c, p, err := s.reviewerCase(ctx, a, number)
	if err != nil {
		return nil, err
	}
	if p&(review.PartyOffice|review.PartyCommittee|review.PartyExpert) == 0 {
		return nil, review.Forbidden("read_opinions")
	}
	out := &Assessment{Opinions: []OpinionView{}, Areas: map[string]map[review.RiskLevel]int{}, Recusals: []Recusal{}, Recommendation: c.Recommendation}
	var basis string
	if err := s.r.QueryRowContext(ctx, `SELECT recommendation_basis FROM cases WHERE id = $1`, c.ID).Scan(&basis); err != nil {
		return nil, wrap("assessment", err)
	}
	if basis != "" {
		out.RuleBasis = strings.Split(basis, ",")
	}
	rows, err := queryAll(ctx, s.r, "opinions", `SELECT a.id, u.username, a.opinion_recommendation, a.opinion_summary, a.opinion_areas, a.opinion_at, a.ended_at, a.ended_reason, a.recused
		FROM assignments a JOIN users u ON u.id = a.expert_user_id WHERE a.case_id = $1 AND a.kind = 'expert' ORDER BY a.id`,
		func(r *sql.Rows) (opinionRow, error) {
			var x opinionRow
			return x, r.Scan(&x.AssignmentID, &x.Expert, &x.Recommendation, &x.Rationale, &x.areas, &x.GivenAt, &x.ended, &x.reason, &x.recused)
		}, c.ID)
	if err != nil {
		return nil, err
	}
	own := p&(review.PartyOffice|review.PartyCommittee) == 0 // an expert only
	mine := false
	for _, x := range rows {
		if x.Expert == a.Username && x.GivenAt != "" {
			mine = true
		}
	}
	var ballots []review.Ballot
	for _, x := range rows {
		if x.recused {
			out.Recusals = append(out.Recusals, Recusal{Expert: x.Expert, Reason: x.reason, At: x.ended})
			continue
		}
		if x.GivenAt == "" || x.ended != "" || own && !mine && x.Expert != a.Username {
			continue
		}
		json.Unmarshal([]byte(x.areas), &x.Areas)
		out.Opinions = append(out.Opinions, x.OpinionView)
		ballots = append(ballots, review.Ballot{Who: x.Expert, Outcome: x.Recommendation})
		for area, as := range x.Areas {
			if out.Areas[area] == nil {
				out.Areas[area] = map[review.RiskLevel]int{}
			}
			out.Areas[area][as.Level]++
		}
	}
	out.Tally = review.Count(ballots, c.OpinionQuorum())
	return out, nil
}

type opinionRow struct {
	OpinionView
	areas, ended, reason string
	recused              bool
}

// Vote is a committee member's vote.
type Vote struct {
	Member    string         `json:"member"`
	Outcome   review.Outcome `json:"outcome"`
	Rationale string         `json:"rationale"`
	CastAt    string         `json:"cast_at"`
}

// Votes lists the committee's votes with their tally (committee, office).
func (s *Store) Votes(ctx context.Context, a review.Actor, number string) ([]Vote, review.Tally, error) {
	c, p, err := s.reviewerCase(ctx, a, number)
	if err != nil {
		return nil, review.Tally{}, err
	}
	if p&(review.PartyOffice|review.PartyCommittee) == 0 {
		return nil, review.Tally{}, review.Forbidden("read_votes")
	}
	votes, err := queryAll(ctx, s.r, "votes", `SELECT u.username, v.outcome, v.rationale, v.cast_at FROM votes v JOIN users u ON u.id = v.user_id WHERE v.case_id = $1 ORDER BY v.id`,
		func(r *sql.Rows) (Vote, error) {
			var v Vote
			return v, r.Scan(&v.Member, &v.Outcome, &v.Rationale, &v.CastAt)
		}, c.ID)
	return votes, review.Count(c.Votes, c.VoteQuorum()), err
}

// evaluationEffects does what the evaluation and decision actions do
// beyond moving the state; ok is false for actions it does not handle.
func (s *Store) evaluationEffects(ctx context.Context, tx *sql.Tx, a review.Actor, c *review.Case, act review.Action, in *review.Input) (ok bool, err error) {
	now := ts(s.Now())
	exec := func(op, q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return wrap(op, err)
	}
	switch act {
	case review.ActSubmitReport:
		return true, s.submitReport(ctx, tx, c, a, in)
	case review.ActSubmitCommitment:
		return true, s.submitCommitment(ctx, tx, c, a, in)
	case review.ActCompleteEvaluation:
		return true, s.recommend(ctx, tx, c)
	case review.ActGiveOpinion:
		for _, as := range c.ActiveExperts() {
			if as.ExpertUserID != a.UserID {
				continue
			}
			if as.OpinionGiven {
				return true, review.Conflict("already_done", "action", "give_opinion")
			}
			areas, _ := jsonMarshal(in.Areas)
			return true, exec("opinion", `UPDATE assignments SET opinion_at = $1, opinion_summary = $2, opinion_recommendation = $3, opinion_areas = $4 WHERE id = $5`,
				now, in.Rationale, in.Recommendation, areas, as.ID)
		}
		return true, review.Forbidden("give_opinion")
	case review.ActRecuse:
		for _, as := range c.ActiveExperts() {
			if as.ExpertUserID != a.UserID {
				continue
			}
			if as.OpinionGiven {
				return true, review.Conflict("already_done", "action", "give_opinion")
			}
			return true, exec("recuse", `UPDATE assignments SET ended_at = $1, ended_reason = $2, recused = $3 WHERE id = $4`, now, in.Reason, true, as.ID)
		}
		return true, review.Forbidden("recuse")
	case review.ActCastVote:
		err := exec("vote", `INSERT INTO votes (case_id, user_id, outcome, rationale, cast_at) VALUES ($1, $2, $3, $4, $5)`, c.ID, a.UserID, in.Outcome, in.Rationale, now)
		if err != nil && isUnique(errors.Unwrap(err)) {
			return true, review.Conflict("already_done", "action", "cast_vote")
		}
		return true, err
	case review.ActDecide, review.ActCommitteeDecide:
		if err := exec("decide", `UPDATE cases SET outcome = $1, rationale = $2, departure_rationale = $3, decided_at = $4 WHERE id = $5`,
			in.Outcome, in.Rationale, in.DepartureRationale, now, c.ID); err != nil {
			return true, err
		}
		for _, cond := range in.Conditions {
			if err := exec("condition", `INSERT INTO conditions (case_id, text, due, suspend_if_overdue) VALUES ($1, $2, $3, $4)`, c.ID, cond.Text, cond.Due, cond.SuspendIfOverdue); err != nil {
				return true, err
			}
		}
		return true, nil
	case review.ActSubmitFulfilment, review.ActAcceptFulfilment, review.ActRejectFulfilment:
		return true, s.fulfilment(ctx, tx, a, c, act, in)
	}
	return false, nil
}

// recommend applies the default rule to the case's findings when the
// evaluation closes, and keeps the outcome and the criteria behind it.
func (s *Store) recommend(ctx context.Context, tx *sql.Tx, c *review.Case) error {
	cat, err := s.caseCatalog(ctx, c)
	if err != nil {
		return err
	}
	all, err := s.findings(ctx, tx, c.ID, 0)
	if err != nil {
		return err
	}
	fs := make([]catalog.Finding, len(all))
	for i, f := range all {
		fs[i] = catalog.Finding{CriterionID: f.CriterionID, Status: f.Status}
	}
	out, basis, err := catalog.Recommend(cat, fs)
	if err != nil {
		return review.Internal(err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE cases SET recommendation = $1, recommendation_basis = $2 WHERE id = $3`, out, strings.Join(basis, ","), c.ID)
	return wrap("recommend", err)
}

// FulfilmentView is a provider's evidence that a condition is met, and the
// office's answer.
type FulfilmentView struct {
	ID          int64   `json:"id"`
	ConditionID int64   `json:"condition_id"`
	Summary     string  `json:"summary"`
	Materials   []int64 `json:"materials"`
	SubmittedBy string  `json:"submitted_by"`
	SubmittedAt string  `json:"submitted_at"`
	Decision    string  `json:"decision,omitempty"`
	DecidedAt   string  `json:"decided_at,omitempty"`
	Note        string  `json:"note,omitempty"`
}

func (s *Store) fulfilment(ctx context.Context, tx *sql.Tx, a review.Actor, c *review.Case, act review.Action, in *review.Input) error {
	var met string
	err := tx.QueryRowContext(ctx, `SELECT met_at FROM conditions WHERE id = $1 AND case_id = $2`, in.ConditionID, c.ID).Scan(&met)
	if errors.Is(err, sql.ErrNoRows) {
		return review.Invalid("condition_id", "field_invalid", "rule", "no such condition on this case")
	}
	if err != nil {
		return wrap("fulfilment", err)
	}
	if met != "" {
		return review.Conflict("already_done", "action", "accept_fulfilment")
	}
	now := ts(s.Now())
	if act == review.ActSubmitFulfilment {
		if err := s.onCase(ctx, tx, c.ID, in.Materials); err != nil {
			return err
		}
		mats, _ := jsonMarshal(orEmpty(in.Materials))
		_, err := tx.ExecContext(ctx, `INSERT INTO fulfilments (condition_id, summary, materials, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5)`,
			in.ConditionID, in.Summary, mats, a.UserID, now)
		return wrap("fulfilment", err)
	}
	var fid int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM fulfilments WHERE condition_id = $1 AND decision = '' ORDER BY id DESC LIMIT 1`, in.ConditionID).Scan(&fid)
	if errors.Is(err, sql.ErrNoRows) {
		return review.Conflict("guard_failed", "rule", "no_fulfilment_pending")
	}
	if err != nil {
		return wrap("fulfilment", err)
	}
	decision := "accepted"
	if act == review.ActRejectFulfilment {
		decision = "rejected"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fulfilments SET decision = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5`, decision, a.UserID, now, in.Reason, fid); err != nil {
		return wrap("fulfilment", err)
	}
	if decision == "accepted" {
		_, err = tx.ExecContext(ctx, `UPDATE conditions SET met_at = $1 WHERE id = $2`, now, in.ConditionID)
	}
	return wrap("fulfilment", err)
}

func (s *Store) fulfilments(ctx context.Context, caseID int64) ([]FulfilmentView, error) {
	return queryAll(ctx, s.r, "fulfilments", `SELECT f.id, f.condition_id, f.summary, f.materials, u.username, f.submitted_at, f.decision, f.decided_at, f.note
		FROM fulfilments f JOIN conditions k ON k.id = f.condition_id JOIN users u ON u.id = f.submitted_by WHERE k.case_id = $1 ORDER BY f.id`,
		func(r *sql.Rows) (FulfilmentView, error) {
			var f FulfilmentView
			var mats string
			err := r.Scan(&f.ID, &f.ConditionID, &f.Summary, &mats, &f.SubmittedBy, &f.SubmittedAt, &f.Decision, &f.DecidedAt, &f.Note)
			json.Unmarshal([]byte(mats), &f.Materials)
			return f, err
		}, caseID)
}

// Letter returns the case for its decision letter, which goes to the
// parties: the office, the applicant, the provider and, for a referred case,
// the committee. committee says whether the committee decided.
func (s *Store) Letter(ctx context.Context, a review.Actor, number string) (*CaseView, bool, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, false, err
	}
	if review.PartiesOf(a, c)&(review.PartyOffice|review.PartyApplicant|review.PartyProvider|review.PartyCommittee) == 0 {
		return nil, false, review.Forbidden("read_letter")
	}
	if c.Outcome == "" {
		return nil, false, review.Conflict("guard_failed", "rule", "not_decided")
	}
	v, err := s.view(ctx, a, c)
	return v, c.Referred, err
}
