package review_test

import (
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
)

// step is one action of a walk through the workflow, with what the store
// does to the case after the action succeeded.
type step struct {
	actor  review.Actor
	act    review.Action
	in     *review.Input
	want   review.State
	mutate func(c *review.Case)
}

var declaration = &review.Declaration{NoConflict: true, Confidentiality: true, SignedBy: "Liu Yang"}

// Signatures as the clients send them (base64 Ed25519); the domain only
// requires one, the store verifies it.
const (
	labSignature      = "bGFiIEEgc2lnbmVkIHRoZSBjYW5vbmljYWwgcmVwb3J0"
	providerSignature = "cHJvdmlkZXIgUCBjb21taXRzIChBcnQuIDMp"
)

func vote(who string, o review.Outcome) func(*review.Case) {
	return func(c *review.Case) { c.Votes = append(c.Votes, review.Ballot{Who: who, Outcome: o}) }
}

// clockTracker applies ClockEffects and checks that every effect is legal
// for the clock's current status and leaves it as the spec says.
type clockTracker map[string]string // name → running / paused; absent is stopped

func (ct clockTracker) apply(t *testing.T, from, to review.State) {
	t.Helper()
	for _, ef := range review.ClockEffects(from, to) {
		cur := ct[ef.Clock]
		switch ef.Op {
		case review.ClockStart:
			if cur != "" {
				t.Errorf("%s→%s starts %s while %s", from, to, ef.Clock, cur)
			}
			ct[ef.Clock] = "running"
		case review.ClockPause:
			if cur != "running" {
				t.Errorf("%s→%s pauses %s while %q", from, to, ef.Clock, cur)
			}
			ct[ef.Clock] = "paused"
		case review.ClockResume:
			if cur != "paused" {
				t.Errorf("%s→%s resumes %s while %q", from, to, ef.Clock, cur)
			}
			ct[ef.Clock] = "running"
		case review.ClockStop:
			if cur == "" {
				t.Errorf("%s→%s stops %s, which is not running", from, to, ef.Clock)
			}
			delete(ct, ef.Clock)
		default:
			t.Errorf("unknown clock op %q", ef.Op)
		}
	}
	for name, spec := range review.ClockSpecs {
		want := ""
		if slices.Contains(spec.Runs, to) {
			want = "running"
		} else if slices.Contains(spec.Pauses, to) {
			want = "paused"
		}
		if ct[name] != want {
			t.Errorf("after %s→%s clock %s is %q, want %q", from, to, name, ct[name], want)
		}
	}
}

// walk runs the steps through Decide, as a store would.
func walk(t *testing.T, c *review.Case, steps []step) {
	t.Helper()
	clocks := clockTracker{}
	for i, s := range steps {
		allowed := review.Allowed(s.actor, c)
		if !slices.Contains(allowed, s.act) {
			t.Fatalf("step %d: %s by %s in %s not in Allowed %v", i, s.act, s.actor.Username, c.State, allowed)
		}
		r, err := review.Decide(s.actor, c, s.act, s.in)
		if err != nil {
			t.Fatalf("step %d: Decide(%s, %s) in %s: %v", i, s.actor.Username, s.act, c.State, err)
		}
		if r.Action != s.act {
			t.Fatalf("step %d: Decide returned rule %s, want %s", i, r.Action, s.act)
		}
		from := c.State
		if r.To != "" {
			c.State = r.To
		}
		c.Version++
		if s.mutate != nil {
			s.mutate(c)
		}
		if c.State != s.want {
			t.Fatalf("step %d: %s left the case in %s, want %s", i, s.act, c.State, s.want)
		}
		if from != c.State {
			clocks.apply(t, from, c.State)
		}
	}
	if c.State.Closed() {
		// A closed case is final; only a published conditional pass keeps
		// the follow-up of its conditions, which leaves the state alone.
		followUp := setOf(review.ActSubmitFulfilment, review.ActAcceptFulfilment, review.ActRejectFulfilment)
		for _, a := range []review.Actor{nationalOffice, financeOffice, committee, providerP, labA, expZhang, ciioEnergy, ciiDeptEnergy} {
			for _, act := range review.Allowed(a, c) {
				r, _ := review.RuleFor(act)
				if r.To != "" || !followUp[act] || c.State != review.StatePublished || c.Outcome != review.OutcomeConditionalPass {
					t.Errorf("closed %s case (outcome %q): %s may still %s", c.State, c.Outcome, a.Username, act)
				}
			}
		}
		if len(clocks) != 0 {
			t.Errorf("closed case still has clocks %v", clocks)
		}
	}
}

func addAssignment(as review.Assignment) func(*review.Case) {
	return func(c *review.Case) { c.Assignments = append(c.Assignments, as) }
}

func setAssignment(id int64, f func(*review.Assignment)) func(*review.Case) {
	return func(c *review.Case) {
		for i := range c.Assignments {
			if c.Assignments[i].ID == id {
				f(&c.Assignments[i])
			}
		}
	}
}

// throughEvaluation steps an enterprise application from draft to
// expert_assessment with a reported lab and three opinions.
func throughEvaluation(important bool) []step {
	steps := []step{
		{providerP, review.ActUploadMaterial, nil, review.StateDraft, nil},
		{providerP, review.ActSubmit, nil, review.StateSubmitted, nil},
		{financeOffice, review.ActBeginScreening, nil, review.StateScreening, nil},
		{financeOffice, review.ActMarkIncomplete, &review.Input{Items: "architecture diagram"}, review.StateIncomplete, nil},
		{providerP, review.ActResubmit, nil, review.StateScreening, nil},
		{nationalOffice, review.ActAccept, nil, review.StateAccepted, nil},
	}
	if important {
		steps = append(steps, step{nationalOffice, review.ActMarkImportant, nil, review.StateAccepted,
			func(c *review.Case) { c.Important = true }})
	}
	steps = append(steps,
		step{nationalOffice, review.ActAssignLab, &review.Input{LabOrgID: orgLabA, Method: review.MethodLabTesting, Declaration: declaration},
			review.StateAccepted, addAssignment(labAssignment(1, orgLabA, true, false))},
		step{nationalOffice, review.ActBeginEvaluation, nil, review.StateEvaluation, nil},
		step{nationalOffice, review.ActRequestSupplement, &review.Input{Items: "test build"}, review.StateAwaitingSupplement, nil},
		step{providerP, review.ActAnswerSupplement, &review.Input{Summary: "test build uploaded"}, review.StateEvaluation, nil},
		step{labA, review.ActUploadMaterial, nil, review.StateEvaluation, nil},
		step{labA, review.ActSubmitReport, &review.Input{Summary: "42 controls tested", Recommendation: review.OutcomePass, Signature: labSignature},
			review.StateEvaluation, setAssignment(1, func(a *review.Assignment) { a.ReportSubmitted = true })},
		step{providerP, review.ActSubmitCommitment, &review.Input{Signature: providerSignature},
			review.StateEvaluation, func(c *review.Case) { c.Commitment = true }},
		// The store computes the default rule's recommendation as the
		// evaluation closes.
		step{nationalOffice, review.ActCompleteEvaluation, nil, review.StateExpertAssessment,
			func(c *review.Case) { c.Recommendation = review.OutcomePass }},
	)
	for i, e := range []review.Actor{expZhang, expLi, expWang} {
		id := int64(10 + i)
		steps = append(steps, step{nationalOffice, review.ActAssignExpert, &review.Input{ExpertUserID: e.UserID, Declaration: declaration},
			review.StateExpertAssessment, addAssignment(expertAssignment(id, e.UserID, true, false))})
	}
	for i, e := range []review.Actor{expZhang, expLi, expWang} {
		id := int64(10 + i)
		steps = append(steps, step{e, review.ActGiveOpinion, &review.Input{Rationale: "acceptable risk", Recommendation: review.OutcomeConditionalPass,
			Areas: allAreas(review.RiskMedium)},
			review.StateExpertAssessment, setAssignment(id, func(a *review.Assignment) { a.OpinionGiven = true })})
	}
	return steps
}

func TestDecideHappyPath(t *testing.T) {
	t.Run("OK/NotImportant", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		steps := append(throughEvaluation(false),
			step{nationalOffice, review.ActMarkComplex, &review.Input{Reason: "novel crypto"}, review.StateExpertAssessment,
				func(c *review.Case) { c.Complex = true }},
			// Deciding as the rule recommends needs no departure rationale.
			step{nationalOffice, review.ActDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "no risk found"},
				review.StateDecided, func(c *review.Case) { c.Outcome = review.OutcomePass }},
			step{nationalOffice, review.ActPublish, &review.Input{Scope: review.ScopePublic}, review.StatePublished,
				func(c *review.Case) { c.Scope = review.ScopePublic }},
		)
		walk(t, c, steps)
		if c.Referred || c.Important {
			t.Errorf("case got referred/important on the ordinary route: %+v", c)
		}
	})

	t.Run("OK/DepartsWithRationale/ConditionsFollowedUp", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		steps := append(throughEvaluation(false),
			step{nationalOffice, review.ActDecide, &review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "logging gaps",
				DepartureRationale: "the experts' view on audit logging outweighs the findings",
				Conditions:         []review.Condition{{Text: "ship audit logs", Due: "2026-12-31"}}},
				review.StateDecided, func(c *review.Case) { c.Outcome = review.OutcomeConditionalPass }},
			step{providerP, review.ActSubmitFulfilment, &review.Input{ConditionID: 1, Summary: "audit logs shipped in 2.1"},
				review.StateDecided, nil},
			step{nationalOffice, review.ActRejectFulfilment, &review.Input{ConditionID: 1, Reason: "logs are not tamper-evident"},
				review.StateDecided, nil},
			step{nationalOffice, review.ActPublish, &review.Input{Scope: review.ScopeParties}, review.StatePublished, nil},
			step{providerP, review.ActSubmitFulfilment, &review.Input{ConditionID: 1, Summary: "hash-chained logs in 2.2"},
				review.StatePublished, nil},
			step{financeOffice, review.ActAcceptFulfilment, &review.Input{ConditionID: 1}, review.StatePublished, nil},
		)
		walk(t, c, steps)
	})

	t.Run("OK/ExpertRecusesAndIsReplaced", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		steps := throughEvaluation(false)
		// Before the third opinion, Wang recuses and Chen takes the seat.
		steps = steps[:len(steps)-1]
		steps = append(steps,
			step{expWang, review.ActRecuse, &review.Input{Reason: "former employee of the provider"}, review.StateExpertAssessment,
				setAssignment(12, func(a *review.Assignment) { a.Active, a.EndedReason = false, "recused" })},
			step{nationalOffice, review.ActAssignExpert, &review.Input{ExpertUserID: expertChen, Declaration: declaration},
				review.StateExpertAssessment, addAssignment(expertAssignment(13, expertChen, true, false))},
			step{expChen, review.ActGiveOpinion, &review.Input{Rationale: "acceptable", Recommendation: review.OutcomePass, Areas: allAreas(review.RiskLow)},
				review.StateExpertAssessment, setAssignment(13, func(a *review.Assignment) { a.OpinionGiven = true })},
			step{nationalOffice, review.ActDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "no risk found"},
				review.StateDecided, func(c *review.Case) { c.Outcome = review.OutcomePass }},
		)
		walk(t, c, steps)
		if review.CanSee(expWang, c) {
			t.Errorf("a recused expert still sees the case")
		}
		if as, ok := c.Formerly(expWang); !ok || as.ID != 12 || as.EndedReason != "recused" {
			t.Errorf("Formerly(wang) = %+v, %v; want assignment 12 ended as recused", as, ok)
		}
	})

	t.Run("OK/ExpertQuorumFive", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		c.ExpertQuorum = 5
		steps := throughEvaluation(false)
		for i, e := range []review.Actor{expChen, {UserID: 24, Username: "zhao", Role: review.RoleExpert, OrgID: orgExperts}} {
			id := int64(20 + i)
			steps = append(steps,
				step{nationalOffice, review.ActAssignExpert, &review.Input{ExpertUserID: e.UserID, Declaration: declaration},
					review.StateExpertAssessment, addAssignment(expertAssignment(id, e.UserID, true, false))},
				step{e, review.ActGiveOpinion, &review.Input{Rationale: "fine", Recommendation: review.OutcomePass, Areas: allAreas(review.RiskLow)},
					review.StateExpertAssessment, setAssignment(id, func(a *review.Assignment) { a.OpinionGiven = true })})
		}
		steps = append(steps, step{nationalOffice, review.ActDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "five opinions"},
			review.StateDecided, nil})
		walk(t, c, steps)
	})

	t.Run("OK/Important", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		steps := throughEvaluation(true)
		steps = append(steps,
			step{nationalOffice, review.ActReferToCommittee, nil, review.StateDeliberation,
				func(c *review.Case) { c.Referred = true }},
			step{committee, review.ActExtendClock, &review.Input{Clock: "deliberation", Days: 10, Reason: "hearing"},
				review.StateDeliberation, nil},
			step{committee, review.ActCastVote, &review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "fix logging"},
				review.StateDeliberation, vote(committee.Username, review.OutcomeConditionalPass)},
			step{committeeMa, review.ActCastVote, &review.Input{Outcome: review.OutcomePass, Rationale: "no risk"},
				review.StateDeliberation, vote(committeeMa.Username, review.OutcomePass)},
			step{committeeSun, review.ActCastVote, &review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "agree with the experts"},
				review.StateDeliberation, vote(committeeSun.Username, review.OutcomeConditionalPass)},
			// The majority departs from the rule's pass, so it says why.
			step{committee, review.ActCommitteeDecide, &review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "fix logging",
				DepartureRationale: "the experts found audit logging insufficient",
				Conditions:         []review.Condition{{Text: "ship audit logs", Due: "2026-12-31"}}}, review.StateDecided,
				func(c *review.Case) { c.Outcome = review.OutcomeConditionalPass }},
			step{financeOffice, review.ActPublish, &review.Input{Scope: review.ScopeSector}, review.StatePublished, nil},
			step{providerP, review.ActSubmitFulfilment, &review.Input{ConditionID: 1, Summary: "audit logs shipped"}, review.StatePublished, nil},
			step{nationalOffice, review.ActAcceptFulfilment, &review.Input{ConditionID: 1}, review.StatePublished, nil},
		)
		walk(t, c, steps)
		tally := review.Count(c.Votes, c.VoteQuorum())
		if tally.Majority != review.OutcomeConditionalPass || !slices.Equal(tally.Dissent, []string{committeeMa.Username}) {
			t.Errorf("tally = %+v, want conditional_pass with Ma dissenting", tally)
		}
	})

	t.Run("OK/CommitteeQuorumOne", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		c.CommitteeQuorum = 1
		steps := append(throughEvaluation(true),
			step{nationalOffice, review.ActReferToCommittee, nil, review.StateDeliberation,
				func(c *review.Case) { c.Referred = true }},
			step{committee, review.ActCastVote, &review.Input{Outcome: review.OutcomePass, Rationale: "no risk"},
				review.StateDeliberation, vote(committee.Username, review.OutcomePass)},
			step{committee, review.ActCommitteeDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "no risk"},
				review.StateDecided, func(c *review.Case) { c.Outcome = review.OutcomePass }},
		)
		walk(t, c, steps)
	})

	t.Run("ImportantCaseCannotBeDecidedByOffice", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		walk(t, c, throughEvaluation(true))
		if slices.Contains(review.Allowed(nationalOffice, c), review.ActDecide) {
			t.Errorf("office may decide an important case")
		}
		if !slices.Contains(review.Allowed(nationalOffice, c), review.ActReferToCommittee) {
			t.Errorf("office may not refer an important case with quorum")
		}
		if review.CanSee(committee, c) {
			t.Errorf("committee sees the case before it was referred")
		}
	})

	t.Run("OK/CIIONotRequired", func(t *testing.T) {
		c := ciioCase(review.StateDraft)
		walk(t, c, []step{
			{ciioEnergy, review.ActUploadMaterial, nil, review.StateDraft, nil},
			{ciioEnergy, review.ActDeclare, nil, review.StateDetermination, nil},
			{ciiDeptEnergy, review.ActDetermineNotRequired, &review.Input{Rationale: "commodity hardware"}, review.StateNotRequired, nil},
		})
	})

	t.Run("OK/CIIORequired", func(t *testing.T) {
		c := ciioCase(review.StateDraft)
		walk(t, c, []step{
			{ciioEnergy, review.ActDeclare, nil, review.StateDetermination, nil},
			{ciiDeptEnergy, review.ActDetermineRequired, &review.Input{Rationale: "core grid control"}, review.StateAccepted, nil},
			{nationalOffice, review.ActAssignLab, &review.Input{LabOrgID: orgLabB, Method: review.MethodOnSite, Declaration: declaration},
				review.StateAccepted, addAssignment(review.Assignment{ID: 5, Kind: review.AssignLab, LabOrgID: orgLabB, Method: review.MethodOnSite, Active: true})},
			{nationalOffice, review.ActBeginEvaluation, nil, review.StateEvaluation, nil},
			{nationalOffice, review.ActTerminate, &review.Input{Reason: "procurement cancelled"}, review.StateTerminated, nil},
		})
	})

	t.Run("OK/Withdraw", func(t *testing.T) {
		c := enterpriseCase(review.StateDraft)
		walk(t, c, []step{
			{providerP, review.ActSubmit, nil, review.StateSubmitted, nil},
			{nationalOffice, review.ActBeginScreening, nil, review.StateScreening, nil},
			{providerP, review.ActWithdraw, nil, review.StateWithdrawn, nil},
		})
	})

	t.Run("OK/NotAccepted", func(t *testing.T) {
		c := &review.Case{Trigger: review.TriggerStateRequest, ApplicantOrgID: orgStateDept, ProviderOrgID: orgProviderQ,
			State: review.StateDraft, Category: "cloud_services"}
		walk(t, c, []step{
			{requester, review.ActSubmit, nil, review.StateSubmitted, nil},
			{nationalOffice, review.ActBeginScreening, nil, review.StateScreening, nil},
			{nationalOffice, review.ActNotAccept, &review.Input{Reason: "outside Art. 2"}, review.StateNotAccepted, nil},
		})
	})
}

func TestDecideErrors(t *testing.T) {
	important := func(c *review.Case) *review.Case { c.Important = true; return c }
	evaluation := func(as ...review.Assignment) *review.Case {
		c := enterpriseCase(review.StateEvaluation)
		c.Assignments = as
		return c
	}
	assessment := func(opinions int, imp bool) *review.Case {
		c := enterpriseCase(review.StateExpertAssessment)
		c.Important, c.Commitment = imp, true
		c.Assignments = []review.Assignment{labAssignment(1, orgLabA, true, true)}
		for i := range 3 {
			c.Assignments = append(c.Assignments, expertAssignment(int64(10+i), int64(expertZhang+i), true, i < opinions))
		}
		return c
	}
	decidePass := &review.Input{Outcome: review.OutcomePass, Rationale: "fine"}
	long := strings.Repeat("x", 20001)

	tests := []struct {
		name  string
		actor review.Actor
		c     *review.Case
		act   review.Action
		in    *review.Input
		want  wantErr
	}{
		{"ErrUnknownAction", nationalOffice, enterpriseCase(review.StateScreening), "approve", nil,
			wantErr{review.KindInvalid, "field_unknown_value", "action", map[string]string{"value": "approve"}}},
		{"ErrNotFound/UnassignedLab", labB, enterpriseCase(review.StateScreening), review.ActAccept, nil,
			wantErr{review.KindNotFound, "not_found", "", map[string]string{"what": "case"}}},
		{"ErrNotFound/Anonymous", anonymous, enterpriseCase(review.StateScreening), review.ActUploadMaterial, nil,
			wantErr{review.KindNotFound, "not_found", "", nil}},
		{"ErrNotFound/OtherSectorOffice", financeOffice, ciioCase(review.StateAccepted), review.ActAccept, nil,
			wantErr{review.KindNotFound, "not_found", "", nil}},
		{"ErrNotFound/BeforeUnknownAction", providerQ, enterpriseCase(review.StateScreening), "approve", nil,
			wantErr{review.KindNotFound, "not_found", "", nil}},
		{"ErrForbidden/ProviderAccepts", providerP, enterpriseCase(review.StateScreening), review.ActAccept, nil,
			wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "accept"}}},
		{"ErrForbidden/BeforeIllegalTransition", providerP, enterpriseCase(review.StateDraft), review.ActAccept, nil,
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrForbidden/LabDecides", labA, withQuorum(enterpriseCase(review.StateExpertAssessment)), review.ActDecide, decidePass,
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrForbidden/ExpertSubmitsReport", expZhang, evaluationCase(expertAssignment(2, expertZhang, true, false)), review.ActSubmitReport,
			&review.Input{Summary: "s", Recommendation: review.OutcomePass, Signature: labSignature},
			wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "submit_report"}}},
		{"ErrForbidden/OfficeGivesOpinion", nationalOffice, enterpriseCase(review.StateExpertAssessment), review.ActGiveOpinion, nil,
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrForbidden/CIIDeptOnOwnCaseCannotAccept", ciiDeptEnergy, ciioCase(review.StateScreening), review.ActAccept, nil,
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrIllegalTransition/AcceptDraft", nationalOffice, enterpriseCase(review.StateDraft), review.ActAccept, nil,
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "accept", "state": "draft"}}},
		{"ErrIllegalTransition/BeforeInput", nationalOffice, enterpriseCase(review.StateAccepted), review.ActNotAccept, nil,
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "not_accept", "state": "accepted"}}},
		{"ErrIllegalTransition/MarkImportantInDeliberation", nationalOffice, func() *review.Case {
			c := withQuorum(enterpriseCase(review.StateDeliberation))
			c.Important, c.Referred = true, true
			return c
		}(), review.ActMarkImportant, nil,
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "mark_important", "state": "deliberation"}}},
		{"ErrIllegalTransition/FromClosed", providerP, enterpriseCase(review.StatePublished), review.ActWithdraw, nil,
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"state": "published"}}},
		{"ErrReasonRequired/Nil", nationalOffice, enterpriseCase(review.StateScreening), review.ActNotAccept, nil,
			wantErr{review.KindInvalid, "field_required", "reason", map[string]string{"field": "reason"}}},
		{"ErrReasonRequired/Blank", nationalOffice, enterpriseCase(review.StateScreening), review.ActNotAccept, &review.Input{Reason: " \t\n"},
			wantErr{review.KindInvalid, "field_required", "reason", nil}},
		{"ErrReasonTooLong", nationalOffice, enterpriseCase(review.StateScreening), review.ActNotAccept, &review.Input{Reason: long},
			wantErr{review.KindInvalid, "field_too_long", "reason", map[string]string{"max": "20000"}}},
		{"ErrItemsRequired", nationalOffice, enterpriseCase(review.StateScreening), review.ActMarkIncomplete, &review.Input{Reason: "x"},
			wantErr{review.KindInvalid, "field_required", "items", nil}},
		{"ErrOutcomeRequired", nationalOffice, assessment(3, false), review.ActDecide, &review.Input{Rationale: "fine"},
			wantErr{review.KindInvalid, "field_required", "outcome", nil}},
		{"ErrOutcomeUnknown", nationalOffice, assessment(3, false), review.ActDecide, &review.Input{Outcome: "maybe", Rationale: "fine"},
			wantErr{review.KindInvalid, "field_unknown_value", "outcome", map[string]string{"value": "maybe"}}},
		{"ErrRationaleRequired/Office", nationalOffice, assessment(3, false), review.ActDecide, &review.Input{Outcome: review.OutcomeFail},
			wantErr{review.KindInvalid, "field_required", "rationale", nil}},
		{"ErrConditionsRequired", nationalOffice, assessment(3, false), review.ActDecide,
			&review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "fix logging"},
			wantErr{review.KindInvalid, "field_required", "conditions", nil}},
		{"ErrConditionsOnPass", nationalOffice, assessment(3, false), review.ActDecide,
			&review.Input{Outcome: review.OutcomePass, Rationale: "ok", Conditions: []review.Condition{{Text: "x", Due: "2026-12-31"}}},
			wantErr{review.KindInvalid, "field_invalid", "conditions", nil}},
		{"ErrConditionTextRequired", nationalOffice, assessment(3, false), review.ActDecide,
			&review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "ok", Conditions: []review.Condition{{Text: " ", Due: "2026-12-31"}}},
			wantErr{review.KindInvalid, "field_required", "conditions.text", nil}},
		{"ErrConditionDue/Month13", nationalOffice, assessment(3, false), review.ActDecide,
			&review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "ok", Conditions: []review.Condition{{Text: "logs", Due: "2026-13-01"}}},
			wantErr{review.KindInvalid, "field_invalid", "conditions.due", map[string]string{"rule": "YYYY-MM-DD"}}},
		{"ErrConditionDue/SecondBad", committee, func() *review.Case {
			c := assessment(3, true)
			c.State = review.StateDeliberation
			c.Referred = true
			return c
		}(),
			review.ActCommitteeDecide,
			&review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "ok", Conditions: []review.Condition{
				{Text: "logs", Due: "2026-12-31"}, {Text: "sbom", Due: "31/12/2026"}}},
			wantErr{review.KindInvalid, "field_invalid", "conditions.due", nil}},
		{"ErrScopeUnknown", nationalOffice, enterpriseCase(review.StateDecided), review.ActPublish, &review.Input{Scope: "world"},
			wantErr{review.KindInvalid, "field_unknown_value", "scope", map[string]string{"value": "world"}}},
		{"ErrScopeRequired", nationalOffice, enterpriseCase(review.StateDecided), review.ActPublish, &review.Input{},
			wantErr{review.KindInvalid, "field_required", "scope", nil}},
		{"ErrLabRequired", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignLab,
			&review.Input{Method: review.MethodLabTesting, Declaration: declaration},
			wantErr{review.KindInvalid, "field_required", "lab_org_id", nil}},
		{"ErrMethodRequired", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignLab,
			&review.Input{LabOrgID: orgLabA, Declaration: declaration},
			wantErr{review.KindInvalid, "field_required", "method", nil}},
		{"ErrMethodUnknown", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignLab,
			&review.Input{LabOrgID: orgLabA, Method: "x_ray", Declaration: declaration},
			wantErr{review.KindInvalid, "field_unknown_value", "method", map[string]string{"value": "x_ray"}}},
		{"ErrDeclarationRequired", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignLab,
			&review.Input{LabOrgID: orgLabA, Method: review.MethodLabTesting},
			wantErr{review.KindInvalid, "field_required", "declaration", nil}},
		{"ErrDeclarationConflict", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignExpert,
			&review.Input{ExpertUserID: expertZhang, Declaration: &review.Declaration{NoConflict: false, Confidentiality: true, SignedBy: "Zhang"}},
			wantErr{review.KindInvalid, "declaration_required", "declaration", nil}},
		{"ErrDeclarationConfidentiality", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignExpert,
			&review.Input{ExpertUserID: expertZhang, Declaration: &review.Declaration{NoConflict: true, SignedBy: "Zhang"}},
			wantErr{review.KindInvalid, "declaration_required", "declaration", nil}},
		{"ErrDeclarationUnsigned", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignExpert,
			&review.Input{ExpertUserID: expertZhang, Declaration: &review.Declaration{NoConflict: true, Confidentiality: true, SignedBy: "  "}},
			wantErr{review.KindInvalid, "declaration_required", "declaration", nil}},
		{"ErrExpertRequired", nationalOffice, enterpriseCase(review.StateAccepted), review.ActAssignExpert,
			&review.Input{ExpertUserID: -1, Declaration: declaration},
			wantErr{review.KindInvalid, "field_required", "expert_user_id", nil}},
		{"ErrAssignmentRequired", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActEndAssignment, &review.Input{Reason: "tie found"},
			wantErr{review.KindInvalid, "field_required", "assignment_id", nil}},
		{"ErrEndAssignmentReasonRequired", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActEndAssignment, &review.Input{AssignmentID: 1},
			wantErr{review.KindInvalid, "field_required", "reason", nil}},
		{"ErrClockRequired", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActExtendClock, &review.Input{Days: 5, Reason: "x"},
			wantErr{review.KindInvalid, "field_required", "clock", nil}},
		{"ErrClockUnknown", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActExtendClock, &review.Input{Clock: "lunch", Days: 5, Reason: "x"},
			wantErr{review.KindInvalid, "field_unknown_value", "clock", map[string]string{"value": "lunch"}}},
		{"ErrDaysZero", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActExtendClock, &review.Input{Clock: "review", Reason: "x"},
			wantErr{review.KindInvalid, "field_out_of_range", "days", map[string]string{"min": "1", "max": "60"}}},
		{"ErrDays61", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActExtendClock, &review.Input{Clock: "review", Days: 61, Reason: "x"},
			wantErr{review.KindInvalid, "field_out_of_range", "days", nil}},
		{"ErrExtendReasonRequired", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActExtendClock, &review.Input{Clock: "review", Days: 60},
			wantErr{review.KindInvalid, "field_required", "reason", nil}},
		{"ErrRecommendationRequired", labA, evaluation(labAssignment(1, orgLabA, true, false)), review.ActSubmitReport, &review.Input{Summary: "done", Signature: labSignature},
			wantErr{review.KindInvalid, "field_required", "recommendation", nil}},
		{"ErrSummaryRequired", labA, evaluation(labAssignment(1, orgLabA, true, false)), review.ActSubmitReport, &review.Input{Recommendation: review.OutcomeFail, Signature: labSignature},
			wantErr{review.KindInvalid, "field_required", "summary", nil}},
		{"ErrReportSignatureRequired", labA, evaluation(labAssignment(1, orgLabA, true, false)), review.ActSubmitReport,
			&review.Input{Summary: "done", Recommendation: review.OutcomeFail, Signature: "  "},
			wantErr{review.KindInvalid, "field_required", "signature", map[string]string{"field": "signature"}}},
		{"ErrReportSignatureTooLong", labA, evaluation(labAssignment(1, orgLabA, true, false)), review.ActSubmitReport,
			&review.Input{Summary: "done", Recommendation: review.OutcomeFail, Signature: strings.Repeat("A", 201)},
			wantErr{review.KindInvalid, "field_too_long", "signature", map[string]string{"max": "200"}}},

		// Commitment.
		{"ErrForbidden/LabCommits", labA, evaluation(labAssignment(1, orgLabA, true, false)), review.ActSubmitCommitment, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "submit_commitment"}}},
		{"ErrForbidden/CIIOApplicantCommits", ciioEnergy, ciioCase(review.StateEvaluation), review.ActSubmitCommitment, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrIllegalTransition/CommitInScreening", providerP, enterpriseCase(review.StateScreening), review.ActSubmitCommitment, fullInput(),
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "submit_commitment", "state": "screening"}}},
		{"ErrIllegalTransition/CommitInDeliberation", providerP, referred(), review.ActSubmitCommitment, fullInput(),
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"state": "deliberation"}}},
		{"ErrCommitmentSignatureRequired", providerP, enterpriseCase(review.StateEvaluation), review.ActSubmitCommitment, &review.Input{},
			wantErr{review.KindInvalid, "field_required", "signature", nil}},
		{"ErrCommitmentSignatureTooLong", providerP, enterpriseCase(review.StateAccepted), review.ActSubmitCommitment, &review.Input{Signature: strings.Repeat("A", 201)},
			wantErr{review.KindInvalid, "field_too_long", "signature", nil}},
		{"ErrGuard/CommitTwice", providerQ, func() *review.Case { c := ciioCase(review.StateEvaluation); c.Commitment = true; return c }(),
			review.ActSubmitCommitment, &review.Input{Signature: providerSignature},
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "commitment_already_submitted"}}},
		{"ErrGuard/CompleteEvaluationWithoutCommitment", nationalOffice, evaluation(labAssignment(1, orgLabA, true, true)), review.ActCompleteEvaluation, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "provider_commitment_missing"}}},

		// Opinions.
		{"ErrOpinionRecommendationRequired", expZhang, assessment(0, false), review.ActGiveOpinion,
			&review.Input{Rationale: "r", Areas: allAreas(review.RiskLow)},
			wantErr{review.KindInvalid, "field_required", "recommendation", nil}},
		{"ErrOpinionRecommendationUnknown", expZhang, assessment(0, false), review.ActGiveOpinion,
			&review.Input{Recommendation: "approve", Rationale: "r", Areas: allAreas(review.RiskLow)},
			wantErr{review.KindInvalid, "field_unknown_value", "recommendation", map[string]string{"value": "approve"}}},
		{"ErrOpinionRationaleRequired", expZhang, assessment(0, false), review.ActGiveOpinion,
			&review.Input{Recommendation: review.OutcomePass, Summary: "a summary is not a rationale", Areas: allAreas(review.RiskLow)},
			wantErr{review.KindInvalid, "field_required", "rationale", nil}},
		{"ErrOpinionAreasRequired", expZhang, assessment(0, false), review.ActGiveOpinion,
			&review.Input{Recommendation: review.OutcomePass, Rationale: "r"},
			wantErr{review.KindInvalid, "field_required", "areas", map[string]string{"field": "areas"}}},
		{"ErrOpinionAreaMissing", expZhang, assessment(0, false), review.ActGiveOpinion,
			&review.Input{Recommendation: review.OutcomePass, Rationale: "r", Areas: withoutArea(allAreas(review.RiskLow), "R4")},
			wantErr{review.KindInvalid, "field_required", "areas.R4", nil}},
		{"ErrIllegalTransition/OpinionInEvaluation", expZhang, evaluationCase(expertAssignment(2, expertZhang, true, false)), review.ActGiveOpinion, fullInput(),
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "give_opinion", "state": "evaluation"}}},

		{"ErrAlreadyDone/SecondOpinion", expZhang, withQuorum(enterpriseCase(review.StateExpertAssessment)), review.ActGiveOpinion, fullInput(),
			wantErr{review.KindConflict, "already_done", "", map[string]string{"action": "give_opinion"}}},
		{"ErrAlreadyDone/RecuseAfterOpinion", expZhang, withQuorum(enterpriseCase(review.StateExpertAssessment)), review.ActRecuse, &review.Input{Reason: "late"},
			wantErr{review.KindConflict, "already_done", "", map[string]string{"action": "recuse"}}},

		// Recusal.
		{"ErrForbidden/LabRecuses", labA, evaluation(labAssignment(1, orgLabA, true, false)), review.ActRecuse, &review.Input{Reason: "busy"},
			wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "recuse"}}},
		{"ErrForbidden/OfficeRecuses", nationalOffice, assessment(0, false), review.ActRecuse, &review.Input{Reason: "busy"},
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrNotFound/EndedExpertRecuses", expZhang, func() *review.Case {
			c := assessment(0, false)
			c.Assignments[1].Active = false
			return c
		}(), review.ActRecuse, &review.Input{Reason: "again"},
			wantErr{review.KindNotFound, "not_found", "", nil}},
		{"ErrIllegalTransition/RecuseInDeliberation", expZhang, func() *review.Case {
			c := referred()
			c.Assignments = append(c.Assignments, expertAssignment(9, expertChen, true, false))
			return c
		}(), review.ActRecuse, &review.Input{Reason: "late conflict"},
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "recuse", "state": "deliberation"}}},
		{"ErrIllegalTransition/RecuseWhenDecided", expZhang, decidedCase(review.StateDecided, review.OutcomePass), review.ActRecuse, &review.Input{Reason: "x"},
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"state": "decided"}}},
		{"ErrRecuseReasonRequired", expZhang, assessment(0, false), review.ActRecuse, &review.Input{Rationale: "not a reason"},
			wantErr{review.KindInvalid, "field_required", "reason", nil}},
		{"ErrRecuseReasonTooLong", expZhang, assessment(0, false), review.ActRecuse, &review.Input{Reason: long},
			wantErr{review.KindInvalid, "field_too_long", "reason", nil}},

		// Votes.
		{"ErrNotFound/CommitteeBeforeReferral", committee, assessment(3, true), review.ActCastVote, fullInput(),
			wantErr{review.KindNotFound, "not_found", "", nil}},
		{"ErrForbidden/OfficeVotes", nationalOffice, referred(), review.ActCastVote, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "cast_vote"}}},
		{"ErrForbidden/ExpertVotes", expZhang, referred(), review.ActCastVote, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrIllegalTransition/VoteWhenDecided", committee, func() *review.Case {
			c := referred(review.OutcomePass, review.OutcomePass, review.OutcomePass)
			c.State, c.Outcome = review.StateDecided, review.OutcomePass
			return c
		}(), review.ActCastVote, fullInput(),
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "cast_vote", "state": "decided"}}},
		{"ErrAlreadyDone/SecondReport", labA, evaluation(labAssignment(1, orgLabA, true, true)), review.ActSubmitReport, fullInput(),
			wantErr{review.KindConflict, "already_done", "", map[string]string{"action": "submit_report"}}},
		{"ErrAlreadyDone/SecondVote", committee, func() *review.Case {
			c := referred(review.OutcomePass)
			c.Votes[0].Who = committee.Username
			return c
		}(), review.ActCastVote, fullInput(),
			wantErr{review.KindConflict, "already_done", "", map[string]string{"action": "cast_vote"}}},
		{"ErrVoteOutcomeRequired", committee, referred(), review.ActCastVote, &review.Input{Rationale: "r"},
			wantErr{review.KindInvalid, "field_required", "outcome", nil}},
		{"ErrVoteOutcomeUnknown", committee, referred(), review.ActCastVote, &review.Input{Outcome: "abstain", Rationale: "r"},
			wantErr{review.KindInvalid, "field_unknown_value", "outcome", map[string]string{"value": "abstain"}}},
		{"ErrVoteRationaleRequired", committee, referred(), review.ActCastVote, &review.Input{Outcome: review.OutcomeFail},
			wantErr{review.KindInvalid, "field_required", "rationale", nil}},
		{"ErrGuard/CommitteeDecideWithoutQuorum", committee, referred(review.OutcomePass, review.OutcomePass), review.ActCommitteeDecide,
			&review.Input{Outcome: review.OutcomePass, Rationale: "r"},
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "committee_quorum_not_reached"}}},
		{"ErrGuard/CommitteeQuorumFive", committee, func() *review.Case {
			c := referred(review.OutcomePass, review.OutcomePass, review.OutcomePass, review.OutcomePass)
			c.CommitteeQuorum = 5
			return c
		}(), review.ActCommitteeDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "r"},
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "committee_quorum_not_reached"}}},
		{"ErrCommitteeOutcomeNotMajority", committee, referred(review.OutcomePass, review.OutcomeFail, review.OutcomeFail), review.ActCommitteeDecide,
			&review.Input{Outcome: review.OutcomePass, Rationale: "we prefer a pass"},
			wantErr{review.KindInvalid, "field_invalid", "outcome", map[string]string{"rule": "must be the committee majority: fail"}}},
		{"ErrCommitteeDeparts", committee, func() *review.Case {
			c := referred(review.OutcomeFail, review.OutcomeFail, review.OutcomePass)
			c.Recommendation = review.OutcomePass
			return c
		}(), review.ActCommitteeDecide, &review.Input{Outcome: review.OutcomeFail, Rationale: "foreign control"},
			wantErr{review.KindInvalid, "departs_from_rule", "departure_rationale",
				map[string]string{"recommended": "pass", "outcome": "fail", "field": "departure_rationale"}}},

		// Departure from the rule's recommendation.
		{"ErrDecideDeparts", nationalOffice, recommended(assessment(3, false), review.OutcomePass), review.ActDecide,
			&review.Input{Outcome: review.OutcomeFail, Rationale: "remote update channel", DepartureRationale: " "},
			wantErr{review.KindInvalid, "departs_from_rule", "departure_rationale", map[string]string{"recommended": "pass", "outcome": "fail"}}},
		{"ErrDepartureRationaleTooLong", nationalOffice, recommended(assessment(3, false), review.OutcomePass), review.ActDecide,
			&review.Input{Outcome: review.OutcomeFail, Rationale: "r", DepartureRationale: long},
			wantErr{review.KindInvalid, "field_too_long", "departure_rationale", map[string]string{"max": "20000"}}},
		{"InputFitsBeforeGuard", nationalOffice, recommended(assessment(2, true), review.OutcomeFail), review.ActDecide, decidePass,
			wantErr{review.KindInvalid, "departs_from_rule", "departure_rationale", nil}},
		{"CheckBeforeFits", nationalOffice, recommended(assessment(3, false), review.OutcomeFail), review.ActDecide,
			&review.Input{Outcome: review.OutcomePass},
			wantErr{review.KindInvalid, "field_required", "rationale", nil}},

		// Conditions' fulfilment.
		{"ErrForbidden/OfficeSubmitsFulfilment", nationalOffice, decidedCase(review.StateDecided, review.OutcomeConditionalPass),
			review.ActSubmitFulfilment, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "submit_fulfilment"}}},
		{"ErrForbidden/ProviderAcceptsFulfilment", providerP, decidedCase(review.StateDecided, review.OutcomeConditionalPass),
			review.ActAcceptFulfilment, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "accept_fulfilment"}}},
		{"ErrForbidden/ProviderRejectsFulfilment", providerP, decidedCase(review.StatePublished, review.OutcomeConditionalPass),
			review.ActRejectFulfilment, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrForbidden/CommitteeAcceptsFulfilment", committee, func() *review.Case {
			c := referred(review.OutcomeConditionalPass, review.OutcomeConditionalPass, review.OutcomeConditionalPass)
			c.State, c.Outcome = review.StateDecided, review.OutcomeConditionalPass
			return c
		}(), review.ActAcceptFulfilment, fullInput(),
			wantErr{review.KindForbidden, "forbidden", "", nil}},
		{"ErrIllegalTransition/FulfilmentBeforeDecision", providerP, assessment(3, false), review.ActSubmitFulfilment, fullInput(),
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "submit_fulfilment", "state": "expert_assessment"}}},
		{"ErrIllegalTransition/FulfilmentWithdrawn", nationalOffice, decidedCase(review.StateWithdrawn, review.OutcomeConditionalPass),
			review.ActAcceptFulfilment, fullInput(),
			wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"state": "withdrawn"}}},
		{"ErrFulfilmentConditionRequired", providerP, decidedCase(review.StateDecided, review.OutcomeConditionalPass),
			review.ActSubmitFulfilment, &review.Input{Summary: "done"},
			wantErr{review.KindInvalid, "field_required", "condition_id", map[string]string{"field": "condition_id"}}},
		{"ErrFulfilmentConditionNegative", nationalOffice, decidedCase(review.StatePublished, review.OutcomeConditionalPass),
			review.ActAcceptFulfilment, &review.Input{ConditionID: -3},
			wantErr{review.KindInvalid, "field_required", "condition_id", nil}},
		{"ErrFulfilmentSummaryRequired", providerP, decidedCase(review.StatePublished, review.OutcomeConditionalPass),
			review.ActSubmitFulfilment, &review.Input{ConditionID: 1},
			wantErr{review.KindInvalid, "field_required", "summary", nil}},
		{"ErrRejectFulfilmentConditionRequired", nationalOffice, decidedCase(review.StateDecided, review.OutcomeConditionalPass),
			review.ActRejectFulfilment, &review.Input{Reason: "not enough"},
			wantErr{review.KindInvalid, "field_required", "condition_id", nil}},
		{"ErrRejectFulfilmentReasonRequired", nationalOffice, decidedCase(review.StateDecided, review.OutcomeConditionalPass),
			review.ActRejectFulfilment, &review.Input{ConditionID: 2, Summary: "not a reason"},
			wantErr{review.KindInvalid, "field_required", "reason", nil}},
		{"ErrGuard/FulfilmentOfPass", providerP, decidedCase(review.StateDecided, review.OutcomePass),
			review.ActSubmitFulfilment, fullInput(),
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "only_a_conditional_pass_has_conditions"}}},
		{"ErrGuard/AcceptFulfilmentOfFail", nationalOffice, decidedCase(review.StatePublished, review.OutcomeFail),
			review.ActAcceptFulfilment, fullInput(),
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "only_a_conditional_pass_has_conditions"}}},
		{"ErrGuard/RejectFulfilmentOfPass", nationalOffice, decidedCase(review.StateDecided, review.OutcomePass),
			review.ActRejectFulfilment, fullInput(),
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "only_a_conditional_pass_has_conditions"}}},
		{"ErrRationaleRequired/CIIDept", ciiDeptEnergy, ciioCase(review.StateDetermination), review.ActDetermineRequired, nil,
			wantErr{review.KindInvalid, "field_required", "rationale", nil}},
		{"InputBeforeGuard", nationalOffice, assessment(3, true), review.ActDecide, &review.Input{},
			wantErr{review.KindInvalid, "field_required", "outcome", nil}},
		{"ErrGuard/BeginEvaluationNoLab", nationalOffice, enterpriseCase(review.StateAccepted), review.ActBeginEvaluation, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "a_lab_must_be_assigned"}}},
		{"ErrGuard/BeginEvaluationEndedLab", nationalOffice, func() *review.Case {
			c := enterpriseCase(review.StateAccepted)
			c.Assignments = []review.Assignment{labAssignment(1, orgLabA, false, false), expertAssignment(2, expertZhang, true, false)}
			return c
		}(), review.ActBeginEvaluation, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "a_lab_must_be_assigned"}}},
		{"ErrGuard/CompleteEvaluationUnreported", nationalOffice,
			evaluation(labAssignment(1, orgLabA, true, true), labAssignment(2, orgLabB, true, false)), review.ActCompleteEvaluation, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "every_assigned_lab_must_report"}}},
		{"ErrGuard/CompleteEvaluationNoActiveLab", nationalOffice,
			evaluation(labAssignment(1, orgLabA, false, true)), review.ActCompleteEvaluation, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "a_lab_must_be_assigned"}}},
		{"ErrGuard/DecideImportant", nationalOffice, assessment(3, true), review.ActDecide, decidePass,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "important_cases_are_decided_by_the_committee"}}},
		{"ErrGuard/DecideWithoutQuorum", nationalOffice, assessment(2, false), review.ActDecide, decidePass,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "expert_quorum_not_reached"}}},
		{"ErrGuard/OpinionsOfEndedExpertsDoNotCount", nationalOffice, func() *review.Case {
			c := assessment(3, false)
			c.Assignments[3].Active = false
			return c
		}(), review.ActDecide, decidePass,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "expert_quorum_not_reached"}}},
		{"ErrGuard/ReferWithoutQuorum", nationalOffice, assessment(2, true), review.ActReferToCommittee, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "expert_quorum_not_reached"}}},
		{"ErrGuard/ReferNotImportant", nationalOffice, assessment(3, false), review.ActReferToCommittee, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "only_important_cases_go_to_the_committee"}}},
		{"ErrGuard/MarkImportantTwice", nationalOffice, important(enterpriseCase(review.StateScreening)), review.ActMarkImportant, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "important_cases_are_decided_by_the_committee"}}},
		{"ErrGuard/MarkComplexTwice", nationalOffice, func() *review.Case { c := enterpriseCase(review.StateEvaluation); c.Complex = true; return c }(),
			review.ActMarkComplex, &review.Input{Reason: "again"},
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "already_complex"}}},
		{"ErrGuard/SubmitCIIOCase", ciioEnergy, ciioCase(review.StateDraft), review.ActSubmit, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "not_for_trigger_ciio_procurement"}}},
		{"ErrGuard/DeclareEnterpriseCase", providerP, enterpriseCase(review.StateDraft), review.ActDeclare, nil,
			wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "only_for_trigger_ciio_procurement"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := *tt.c
			r, err := review.Decide(tt.actor, tt.c, tt.act, tt.in)
			if r != nil {
				t.Errorf("Decide returned rule %s along with an error", r.Action)
			}
			e := checkErr(t, err, tt.want)
			if e.Kind == review.KindConflict {
				want := actionStrings(review.Allowed(tt.actor, tt.c))
				if !slices.Equal(e.Allowed, want) {
					t.Errorf("Allowed = %v, want Allowed(actor, case) = %v", e.Allowed, want)
				}
			} else if len(e.Allowed) != 0 {
				t.Errorf("a %s error lists Allowed %v", e.Kind, e.Allowed)
			}
			if tt.c.State != before.State || tt.c.Version != before.Version {
				t.Errorf("Decide changed the case")
			}
		})
	}
}

// TestDecideConflictAllowed checks the allowed actions an illegal transition
// names against a hand-written list.
func TestDecideConflictAllowed(t *testing.T) {
	tests := []struct {
		name  string
		actor review.Actor
		c     *review.Case
		act   review.Action
		in    *review.Input
		want  []string
	}{
		{"OfficeAcceptsDraft", nationalOffice, enterpriseCase(review.StateDraft), review.ActAccept, nil,
			[]string{"end_assignment", "upload_material", "mark_important", "extend_clock", "terminate"}},
		{"ProviderWithdrawsPublished", providerP, enterpriseCase(review.StatePublished), review.ActWithdraw, nil, nil},
		{"ProviderResubmitsScreening", providerP, enterpriseCase(review.StateScreening), review.ActResubmit, nil,
			[]string{"upload_material", "withdraw"}},
		{"GuardFailureAlsoListsAllowed", nationalOffice, enterpriseCase(review.StateAccepted), review.ActBeginEvaluation, nil,
			[]string{"assign_lab", "assign_expert", "end_assignment", "upload_material", "mark_important", "mark_complex", "extend_clock", "terminate"}},
		{"CommitmentGuardListsAllowed", providerP, func() *review.Case {
			c := enterpriseCase(review.StateEvaluation)
			c.Commitment = true
			return c
		}(), review.ActSubmitCommitment, fullInput(), []string{"upload_material", "withdraw"}},
		{"ExpertOpinionInEvaluation", expZhang, evaluationCase(expertAssignment(2, expertZhang, true, false)), review.ActGiveOpinion, fullInput(),
			[]string{"recuse"}},
		{"CommitteeDecidesBelowQuorum", committee, referred(review.OutcomePass, review.OutcomePass), review.ActCommitteeDecide, fullInput(),
			[]string{"cast_vote", "extend_clock"}},
		{"FulfilmentOfPassPublished", providerP, decidedCase(review.StatePublished, review.OutcomePass), review.ActSubmitFulfilment, fullInput(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := review.Decide(tt.actor, tt.c, tt.act, tt.in)
			e := asError(t, err)
			if e.Kind != review.KindConflict {
				t.Fatalf("kind = %s, want conflict (%v)", e.Kind, e)
			}
			if !sameSet(e.Allowed, tt.want) {
				t.Errorf("Allowed = %v, want %v", e.Allowed, tt.want)
			}
		})
	}
}

func TestDecideOK(t *testing.T) {
	tests := []struct {
		name  string
		actor review.Actor
		c     *review.Case
		act   review.Action
		in    *review.Input
		to    review.State
	}{
		{"SubmitNilInput", providerP, enterpriseCase(review.StateDraft), review.ActSubmit, nil, review.StateSubmitted},
		{"StatePreserving", nationalOffice, enterpriseCase(review.StateEvaluation), review.ActExtendClock,
			&review.Input{Clock: "review", Days: 60, Reason: "lab backlog"}, ""},
		{"ReasonAtLimit", nationalOffice, enterpriseCase(review.StateScreening), review.ActNotAccept,
			&review.Input{Reason: strings.Repeat("x", 20000)}, review.StateNotAccepted},
		{"SectorOfficeOnOwnSector", financeOffice, enterpriseCase(review.StateScreening), review.ActAccept, nil, review.StateAccepted},
		{"CommitteeExtendsOnReferred", committee, func() *review.Case {
			c := withQuorum(enterpriseCase(review.StateDeliberation))
			c.Important, c.Referred = true, true
			return c
		}(), review.ActExtendClock, &review.Input{Clock: "deliberation", Days: 1, Reason: "x"}, ""},
		{"ApplicantOfficeWithdraws", nationalOffice, &review.Case{Trigger: review.TriggerMarketFeedback, ApplicantOrgID: orgNational,
			ProviderOrgID: orgProviderP, State: review.StateScreening}, review.ActWithdraw, nil, review.StateWithdrawn},
		{"ConditionalPassWithConditions", nationalOffice, withQuorum(enterpriseCase(review.StateExpertAssessment)), review.ActDecide,
			&review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "ok", Conditions: []review.Condition{{Text: "logs", Due: "2027-02-28"}}},
			review.StateDecided},
		{"DecideAsRecommended", nationalOffice, recommended(withQuorum(enterpriseCase(review.StateExpertAssessment)), review.OutcomeFail),
			review.ActDecide, &review.Input{Outcome: review.OutcomeFail, Rationale: "as the findings say"}, review.StateDecided},
		{"DecideDepartsWithRationale", nationalOffice, recommended(withQuorum(enterpriseCase(review.StateExpertAssessment)), review.OutcomeFail),
			review.ActDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "r", DepartureRationale: "the failing finding is fixed in 2.1"},
			review.StateDecided},
		{"DepartureRationaleAtLimit", nationalOffice, recommended(withQuorum(enterpriseCase(review.StateExpertAssessment)), review.OutcomeFail),
			review.ActDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "r", DepartureRationale: strings.Repeat("x", 20000)},
			review.StateDecided},
		{"CommitmentInAccepted", providerP, enterpriseCase(review.StateAccepted), review.ActSubmitCommitment,
			&review.Input{Signature: providerSignature}, ""},
		{"CommitmentInExpertAssessment", providerQ, ciioCase(review.StateExpertAssessment), review.ActSubmitCommitment,
			&review.Input{Signature: strings.Repeat("A", 200)}, ""},
		{"ReportSigned", labA, evaluationCase(labAssignment(1, orgLabA, true, false)), review.ActSubmitReport,
			&review.Input{Summary: "s", Recommendation: review.OutcomeFail, Signature: labSignature}, ""},
		{"OpinionAllAreasHigh", expZhang, awaitingOpinion(expertZhang), review.ActGiveOpinion,
			&review.Input{Recommendation: review.OutcomeFail, Rationale: "r", Areas: allAreas(review.RiskHigh)}, ""},
		{"RecuseInAwaitingSupplement", expLi, func() *review.Case {
			c := enterpriseCase(review.StateAwaitingSupplement)
			c.Assignments = []review.Assignment{expertAssignment(3, expertLi, true, false)}
			return c
		}(), review.ActRecuse, &review.Input{Reason: "conflict discovered"}, ""},
		{"VoteBeforeQuorum", committee, referred(), review.ActCastVote, &review.Input{Outcome: review.OutcomeFail, Rationale: "r"}, ""},
		{"VoteAfterQuorum", committeeMa, referred(review.OutcomePass, review.OutcomePass, review.OutcomePass), review.ActCastVote,
			&review.Input{Outcome: review.OutcomeFail, Rationale: "dissent"}, ""},
		{"CommitteeDecidesMajority", committee, referred(review.OutcomeFail, review.OutcomePass, review.OutcomeFail), review.ActCommitteeDecide,
			&review.Input{Outcome: review.OutcomeFail, Rationale: "majority"}, review.StateDecided},
		{"CommitteeDecidesWithDeparture", committee, recommended(referred(review.OutcomeFail, review.OutcomeFail, review.OutcomeFail), review.OutcomePass),
			review.ActCommitteeDecide, &review.Input{Outcome: review.OutcomeFail, Rationale: "r", DepartureRationale: "foreign control"}, review.StateDecided},
		{"SubmitFulfilmentPublished", providerP, decidedCase(review.StatePublished, review.OutcomeConditionalPass), review.ActSubmitFulfilment,
			&review.Input{ConditionID: 4, Summary: "fixed"}, ""},
		{"AcceptFulfilmentDecided", nationalOffice, decidedCase(review.StateDecided, review.OutcomeConditionalPass), review.ActAcceptFulfilment,
			&review.Input{ConditionID: 4}, ""},
		{"RejectFulfilmentPublished", financeOffice, decidedCase(review.StatePublished, review.OutcomeConditionalPass), review.ActRejectFulfilment,
			&review.Input{ConditionID: 4, Reason: "not fixed"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := review.Decide(tt.actor, tt.c, tt.act, tt.in)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if r.Action != tt.act || r.To != tt.to {
				t.Errorf("rule %s → %q, want %s → %q", r.Action, r.To, tt.act, tt.to)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	const (
		upload   = review.ActUploadMaterial
		endAs    = review.ActEndAssignment
		extend   = review.ActExtendClock
		term     = review.ActTerminate
		markImp  = review.ActMarkImportant
		markCplx = review.ActMarkComplex
	)
	tests := []struct {
		name  string
		actor review.Actor
		c     *review.Case
		want  []review.Action
	}{
		{"OfficeScreening", nationalOffice, enterpriseCase(review.StateScreening),
			[]review.Action{review.ActMarkIncomplete, review.ActAccept, review.ActNotAccept, endAs, upload, markImp, extend, term}},
		{"OfficeScreeningImportant", nationalOffice, func() *review.Case { c := enterpriseCase(review.StateScreening); c.Important = true; return c }(),
			[]review.Action{review.ActMarkIncomplete, review.ActAccept, review.ActNotAccept, endAs, upload, extend, term}},
		{"OfficeApplicantScreening", nationalOffice, &review.Case{Trigger: review.TriggerMarketFeedback, ApplicantOrgID: orgNational,
			ProviderOrgID: orgProviderP, State: review.StateScreening},
			[]review.Action{review.ActMarkIncomplete, review.ActAccept, review.ActNotAccept, endAs, upload, markImp, extend, review.ActWithdraw, term}},
		{"OfficeSubmitted", financeOffice, enterpriseCase(review.StateSubmitted),
			[]review.Action{review.ActBeginScreening, endAs, markImp, extend, term}},
		{"OfficeEvaluationLabsReportedCommitted", nationalOffice, func() *review.Case {
			c := evaluationCase(labAssignment(1, orgLabA, true, true))
			c.Commitment = true
			return c
		}(),
			[]review.Action{review.ActAssignLab, review.ActAssignExpert, endAs, upload, review.ActRequestSupplement,
				review.ActCompleteEvaluation, markImp, markCplx, extend, term}},
		{"OfficeEvaluationLabsReportedNoCommitment", nationalOffice, evaluationCase(labAssignment(1, orgLabA, true, true)),
			[]review.Action{review.ActAssignLab, review.ActAssignExpert, endAs, upload, review.ActRequestSupplement,
				markImp, markCplx, extend, term}},
		{"OfficeEvaluationLabPending", nationalOffice, evaluationCase(labAssignment(1, orgLabA, true, false)),
			[]review.Action{review.ActAssignLab, review.ActAssignExpert, endAs, upload, review.ActRequestSupplement,
				markImp, markCplx, extend, term}},
		{"OfficeAssessmentQuorum", nationalOffice, withQuorum(enterpriseCase(review.StateExpertAssessment)),
			[]review.Action{review.ActAssignExpert, endAs, review.ActDecide, markImp, markCplx, extend, term}},
		{"OfficeAssessmentImportantQuorum", nationalOffice, func() *review.Case {
			c := withQuorum(enterpriseCase(review.StateExpertAssessment))
			c.Important = true
			return c
		}(), []review.Action{review.ActAssignExpert, endAs, review.ActReferToCommittee, markCplx, extend, term}},
		{"OfficeDeliberation", nationalOffice, func() *review.Case {
			c := withQuorum(enterpriseCase(review.StateDeliberation))
			c.Important, c.Referred = true, true
			return c
		}(), []review.Action{endAs, extend, term}},
		{"OfficeDecided", nationalOffice, decidedCase(review.StateDecided, review.OutcomePass),
			[]review.Action{endAs, review.ActPublish, extend, term}},
		{"OfficeDecidedConditional", nationalOffice, decidedCase(review.StateDecided, review.OutcomeConditionalPass),
			[]review.Action{endAs, review.ActPublish, extend, term, review.ActAcceptFulfilment, review.ActRejectFulfilment}},
		{"OfficePublished", nationalOffice, decidedCase(review.StatePublished, review.OutcomeFail), nil},
		{"OfficePublishedConditional", financeOffice, decidedCase(review.StatePublished, review.OutcomeConditionalPass),
			[]review.Action{review.ActAcceptFulfilment, review.ActRejectFulfilment}},
		{"OfficeTerminatedConditional", nationalOffice, decidedCase(review.StateTerminated, review.OutcomeConditionalPass), nil},
		{"ProviderDraft", providerP, enterpriseCase(review.StateDraft),
			[]review.Action{review.ActSubmit, upload, review.ActWithdraw}},
		{"ProviderIncomplete", providerP, enterpriseCase(review.StateIncomplete),
			[]review.Action{review.ActResubmit, upload, review.ActWithdraw}},
		{"ProviderAwaitingSupplement", providerP, enterpriseCase(review.StateAwaitingSupplement),
			[]review.Action{upload, review.ActAnswerSupplement, review.ActSubmitCommitment, review.ActWithdraw}},
		{"ProviderAwaitingSupplementCommitted", providerP, func() *review.Case {
			c := enterpriseCase(review.StateAwaitingSupplement)
			c.Commitment = true
			return c
		}(), []review.Action{upload, review.ActAnswerSupplement, review.ActWithdraw}},
		{"ProviderAccepted", providerP, enterpriseCase(review.StateAccepted),
			[]review.Action{upload, review.ActSubmitCommitment, review.ActWithdraw}},
		{"ProviderExpertAssessment", providerP, withQuorum(enterpriseCase(review.StateExpertAssessment)),
			[]review.Action{review.ActSubmitCommitment, review.ActWithdraw}},
		{"ProviderDeliberation", providerP, referred(), []review.Action{review.ActWithdraw}},
		{"ProviderDecided", providerP, decidedCase(review.StateDecided, review.OutcomePass), nil},
		{"ProviderDecidedConditional", providerP, decidedCase(review.StateDecided, review.OutcomeConditionalPass),
			[]review.Action{review.ActSubmitFulfilment}},
		{"ProviderPublishedConditional", providerP, decidedCase(review.StatePublished, review.OutcomeConditionalPass),
			[]review.Action{review.ActSubmitFulfilment}},
		{"NonApplicantProviderOnCIIOCase", providerQ, ciioCase(review.StateAwaitingSupplement),
			[]review.Action{upload, review.ActAnswerSupplement, review.ActSubmitCommitment}},
		{"CIIOApplicantPublishedConditional", ciioEnergy, func() *review.Case {
			c := ciioCase(review.StatePublished)
			c.Outcome = review.OutcomeConditionalPass
			return c
		}(), nil},
		{"NonApplicantProviderIncomplete", providerQ, ciioCase(review.StateIncomplete),
			[]review.Action{review.ActResubmit, upload}},
		{"LabEvaluation", labA, evaluationCase(labAssignment(1, orgLabA, true, false)),
			[]review.Action{upload, review.ActSubmitReport}},
		{"ExpertEvaluation", expZhang, evaluationCase(labAssignment(1, orgLabA, true, false), expertAssignment(2, expertZhang, true, false)),
			[]review.Action{review.ActRecuse}},
		{"ExpertAccepted", expZhang, func() *review.Case {
			c := enterpriseCase(review.StateAccepted)
			c.Assignments = []review.Assignment{expertAssignment(2, expertZhang, true, false)}
			return c
		}(), []review.Action{review.ActRecuse}},
		{"LabExpertAssessment", labA, withQuorum(enterpriseCase(review.StateExpertAssessment)), nil},
		{"ExpertAssessment", expZhang, awaitingOpinion(expertZhang),
			[]review.Action{review.ActGiveOpinion, review.ActRecuse}},
		// One opinion per expert, which also ends its chance to recuse.
		{"ExpertOpinionGiven", expZhang, withQuorum(enterpriseCase(review.StateExpertAssessment)), nil},
		{"ExpertDeliberation", expZhang, referred(), nil},
		{"UnassignedExpert", expChen, withQuorum(enterpriseCase(review.StateExpertAssessment)), nil},
		{"CommitteeDeliberationNoVotes", committee, referred(), []review.Action{review.ActCastVote, extend}},
		{"CommitteeDeliberationBelowQuorum", committee, referred(review.OutcomePass, review.OutcomePass),
			[]review.Action{review.ActCastVote, extend}},
		{"CommitteeDeliberationQuorum", committeeSun, referred(review.OutcomePass, review.OutcomePass, review.OutcomeFail),
			[]review.Action{review.ActCastVote, review.ActCommitteeDecide, extend}},
		{"CommitteeDeliberationQuorumOne", committee, func() *review.Case {
			c := referred(review.OutcomePass)
			c.CommitteeQuorum = 1
			return c
		}(), []review.Action{review.ActCastVote, review.ActCommitteeDecide, extend}},
		{"CommitteeDecidedConditional", committee, func() *review.Case {
			c := referred(review.OutcomePass, review.OutcomePass, review.OutcomePass)
			c.State, c.Outcome = review.StateDecided, review.OutcomeConditionalPass
			return c
		}(), []review.Action{extend}},
		{"CIIODraft", ciioEnergy, ciioCase(review.StateDraft),
			[]review.Action{review.ActDeclare, upload, review.ActWithdraw}},
		{"CIIODetermination", ciioEnergy, ciioCase(review.StateDetermination),
			[]review.Action{upload, review.ActWithdraw}},
		{"CIIDeptDetermination", ciiDeptEnergy, ciioCase(review.StateDetermination),
			[]review.Action{review.ActDetermineRequired, review.ActDetermineNotRequired}},
		{"CIIDeptOtherSector", ciiDeptFinance, ciioCase(review.StateDetermination), nil},
		{"Anonymous", anonymous, enterpriseCase(review.StateScreening), nil},
		{"Admin", admin, enterpriseCase(review.StateScreening), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := review.Allowed(tt.actor, tt.c)
			if !sameSet(got, tt.want) {
				t.Errorf("Allowed = %v, want %v", got, tt.want)
			}
			// Every allowed action is one Decide accepts, bar its input.
			for _, a := range got {
				_, err := review.Decide(tt.actor, tt.c, a, fullInput())
				if err != nil {
					t.Errorf("%s is allowed but Decide says %v", a, err)
				}
			}
		})
	}
}

// recommended sets the default rule's recommendation on a case.
func recommended(c *review.Case, o review.Outcome) *review.Case {
	c.Recommendation = o
	return c
}

// withoutArea drops one risk area from an assessment.
func withoutArea(m map[string]review.AreaAssessment, area string) map[string]review.AreaAssessment {
	delete(m, area)
	return m
}

func evaluationCase(as ...review.Assignment) *review.Case {
	c := enterpriseCase(review.StateEvaluation)
	c.Assignments = as
	return c
}
