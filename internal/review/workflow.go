package review

import (
	"slices"
	"strings"
	"time"
)

// Action is something a party does to a case. Most move it to another
// state; some (assignments, reports, opinions, flags) leave the state alone.
type Action string

// Party is an actor's relation to one case: who it is to that case, not just
// its role. Rules name parties, so need-to-know is part of the table.
type Party uint16

// Parties.
const (
	PartyOffice        Party = 1 << iota // the review office over the case's sector
	PartyApplicant                       // the organisation that opened the case
	PartyProvider                        // the provider of the reviewed product
	PartyLab                             // a lab with an active assignment
	PartyExpert                          // an expert with an active assignment
	PartyCommittee                       // the committee, once the case was referred
	PartyCIIDepartment                   // the CII department of the case's sector (CIIO route)
)

var partyNames = []struct {
	p    Party
	name string
}{{PartyOffice, "office"}, {PartyApplicant, "applicant"}, {PartyProvider, "provider"},
	{PartyLab, "assigned_lab"}, {PartyExpert, "assigned_expert"}, {PartyCommittee, "committee"},
	{PartyCIIDepartment, "cii_department"}}

// Names lists the parties in p, for documents and tests.
func (p Party) Names() []string {
	var out []string
	for _, n := range partyNames {
		if p&n.p != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// PartiesOf computes every relation the actor has to the case.
func PartiesOf(a Actor, c *Case) Party {
	if a.Anonymous() {
		return 0
	}
	var p Party
	if a.Role == RoleOffice && (a.Sector == "" || a.Sector == c.Sector) {
		p |= PartyOffice
	}
	if a.OrgID != 0 && a.OrgID == c.ApplicantOrgID && a.Role != RoleAdmin {
		p |= PartyApplicant
	}
	if a.Role == RoleProvider && a.OrgID == c.ProviderOrgID {
		p |= PartyProvider
	}
	for _, as := range c.Assignments {
		if !as.Active {
			continue
		}
		if a.Role == RoleLab && as.Kind == AssignLab && as.LabOrgID == a.OrgID {
			p |= PartyLab
		}
		if a.Role == RoleExpert && as.Kind == AssignExpert && as.ExpertUserID == a.UserID {
			p |= PartyExpert
		}
	}
	if a.Role == RoleCommittee && c.Referred {
		p |= PartyCommittee
	}
	if a.Role == RoleCIIDepartment && a.Sector != "" && c.Trigger == TriggerCIIOProcurement && c.Sector == a.Sector {
		p |= PartyCIIDepartment
	}
	return p
}

// Rule is one row of the transition table.
type Rule struct {
	Action Action
	From   []State
	To     State // "" leaves the state as it is
	By     Party // any of these parties may act
	// Guard checks the case before the action; nil always passes.
	Guard func(c *Case) *Error
	// Done reports that this actor has already taken the action it may
	// take once (an expert's opinion, a member's vote); nil: never.
	Done func(a Actor, c *Case) bool
	// Fits checks the input against the case (after Check, before Guard).
	Fits func(c *Case, in *Input) *Error
	// Needs lists the input fields the action requires, and Check validates them.
	Needs []string
	Check func(in *Input) error
	Doc   string
}

// Input is the body of an action. Each rule reads the fields it needs.
type Input struct {
	Reason         string       `json:"reason,omitempty"`
	Items          string       `json:"items,omitempty"`
	Outcome        Outcome      `json:"outcome,omitempty"`
	Rationale      string       `json:"rationale,omitempty"`
	Conditions     []Condition  `json:"conditions,omitempty"`
	Scope          Scope        `json:"scope,omitempty"`
	LabOrgID       int64        `json:"lab_org_id,omitempty"`
	ExpertUserID   int64        `json:"expert_user_id,omitempty"`
	Method         Method       `json:"method,omitempty"`
	Declaration    *Declaration `json:"declaration,omitempty"`
	AssignmentID   int64        `json:"assignment_id,omitempty"`
	Summary        string       `json:"summary,omitempty"`
	Recommendation Outcome      `json:"recommendation,omitempty"`
	Materials      []int64      `json:"materials,omitempty"`
	Clock          string       `json:"clock,omitempty"`
	Days           int          `json:"days,omitempty"`
	// DepartureRationale explains a decision that departs from the rule.
	DepartureRationale string                    `json:"departure_rationale,omitempty"`
	Areas              map[string]AreaAssessment `json:"areas,omitempty"`
	// Signature is a base64 Ed25519 signature over the canonical payload.
	Signature   string `json:"signature,omitempty"`
	ConditionID int64  `json:"condition_id,omitempty"`
}

// Declaration is the conflict-of-interest and confidentiality declaration an
// assignee signs before it may see a case (Art. 13).
type Declaration struct {
	NoConflict      bool   `json:"no_conflict"`
	Confidentiality bool   `json:"confidentiality"`
	SignedBy        string `json:"signed_by"`
}

// Condition is a commitment a conditional pass imposes, due by a date.
type Condition struct {
	ID   int64  `json:"id,omitempty"`
	Text string `json:"text"`
	Due  string `json:"due"` // YYYY-MM-DD
	// SuspendIfOverdue: the office chose that an overdue condition suspends
	// the listing; otherwise it is only flagged.
	SuspendIfOverdue bool   `json:"suspend_if_overdue,omitempty"`
	MetAt            string `json:"met_at,omitempty"`
	OverdueAt        string `json:"overdue_at,omitempty"`
}

// Action names.
const (
	ActSubmit               Action = "submit"
	ActDeclare              Action = "declare"
	ActDetermineRequired    Action = "determine_required"
	ActDetermineNotRequired Action = "determine_not_required"
	ActBeginScreening       Action = "begin_screening"
	ActMarkIncomplete       Action = "mark_incomplete"
	ActResubmit             Action = "resubmit"
	ActAccept               Action = "accept"
	ActNotAccept            Action = "not_accept"
	ActAssignLab            Action = "assign_lab"
	ActAssignExpert         Action = "assign_expert"
	ActEndAssignment        Action = "end_assignment"
	ActBeginEvaluation      Action = "begin_evaluation"
	ActUploadMaterial       Action = "upload_material"
	ActRequestSupplement    Action = "request_supplement"
	ActAnswerSupplement     Action = "answer_supplement"
	ActSubmitReport         Action = "submit_report"
	ActCompleteEvaluation   Action = "complete_evaluation"
	ActGiveOpinion          Action = "give_opinion"
	ActReferToCommittee     Action = "refer_to_committee"
	ActDecide               Action = "decide"
	ActCommitteeDecide      Action = "committee_decide"
	ActPublish              Action = "publish"
	ActMarkImportant        Action = "mark_important"
	ActMarkComplex          Action = "mark_complex"
	ActExtendClock          Action = "extend_clock"
	ActWithdraw             Action = "withdraw"
	ActTerminate            Action = "terminate"
	ActSubmitCommitment     Action = "submit_commitment"
	ActRecuse               Action = "recuse"
	ActCastVote             Action = "cast_vote"
	ActSubmitFulfilment     Action = "submit_fulfilment"
	ActAcceptFulfilment     Action = "accept_fulfilment"
	ActRejectFulfilment     Action = "reject_fulfilment"
)

// open states, in which a case may still be withdrawn (before a decision).
var beforeDecision = []State{StateDraft, StateSubmitted, StateScreening, StateIncomplete,
	StateDetermination, StateAccepted, StateEvaluation, StateAwaitingSupplement,
	StateExpertAssessment, StateDeliberation}

var openStates = append(slices.Clone(beforeDecision), StateDecided)

var review = []State{StateAccepted, StateEvaluation, StateAwaitingSupplement, StateExpertAssessment}

// Table is the whole workflow (DESIGN §3): the API's allowed_actions, the
// UI's buttons and the tests all derive from it.
var Table = []Rule{
	{Action: ActSubmit, From: []State{StateDraft}, To: StateSubmitted, By: PartyApplicant,
		Guard: notTrigger(TriggerCIIOProcurement), Doc: "applicant submits the application or request"},
	{Action: ActDeclare, From: []State{StateDraft}, To: StateDetermination, By: PartyApplicant,
		Guard: onlyTrigger(TriggerCIIOProcurement), Doc: "CIIO declares the procurement to the CII department (Art. 11)"},
	{Action: ActDetermineRequired, From: []State{StateDetermination}, To: StateAccepted, By: PartyCIIDepartment,
		Needs: []string{"rationale"}, Check: needText("rationale"), Doc: "CII department: the procurement may affect national security, review it"},
	{Action: ActDetermineNotRequired, From: []State{StateDetermination}, To: StateNotRequired, By: PartyCIIDepartment,
		Needs: []string{"rationale"}, Check: needText("rationale"), Doc: "CII department: no review is required (closes the case)"},
	{Action: ActBeginScreening, From: []State{StateSubmitted}, To: StateScreening, By: PartyOffice,
		Doc: "office starts screening the application"},
	{Action: ActMarkIncomplete, From: []State{StateScreening}, To: StateIncomplete, By: PartyOffice,
		Needs: []string{"items"}, Check: needText("items"), Doc: "office asks for missing material (screening pauses)"},
	{Action: ActResubmit, From: []State{StateIncomplete}, To: StateScreening, By: PartyApplicant | PartyProvider,
		Doc: "applicant completes the application"},
	{Action: ActAccept, From: []State{StateScreening}, To: StateAccepted, By: PartyOffice,
		Doc: "office accepts the case for review"},
	{Action: ActNotAccept, From: []State{StateScreening}, To: StateNotAccepted, By: PartyOffice,
		Needs: []string{"reason"}, Check: needText("reason"), Doc: "office declines the case (closes it)"},
	{Action: ActAssignLab, From: []State{StateAccepted, StateEvaluation}, By: PartyOffice,
		Needs: []string{"lab_org_id", "method", "declaration"}, Check: checkAssignLab,
		Doc: "office assigns an accredited lab for a method (Art. 7, 13)"},
	{Action: ActAssignExpert, From: []State{StateAccepted, StateEvaluation, StateAwaitingSupplement, StateExpertAssessment}, By: PartyOffice,
		Needs: []string{"expert_user_id", "declaration"}, Check: checkAssignExpert,
		Doc: "office assigns an expert (Art. 6, 13)"},
	{Action: ActEndAssignment, From: openStates, By: PartyOffice,
		Needs: []string{"assignment_id", "reason"}, Check: checkEndAssignment,
		Doc: "office ends an assignment; access ends at once"},
	{Action: ActBeginEvaluation, From: []State{StateAccepted}, To: StateEvaluation, By: PartyOffice,
		Guard: needLab, Doc: "office starts the third-party evaluation"},
	{Action: ActUploadMaterial, From: []State{StateDraft, StateScreening, StateIncomplete, StateDetermination, StateAccepted, StateEvaluation, StateAwaitingSupplement},
		By: PartyApplicant | PartyProvider | PartyLab | PartyOffice, Doc: "add a file to the case (multipart upload)"},
	{Action: ActRequestSupplement, From: []State{StateEvaluation}, To: StateAwaitingSupplement, By: PartyOffice,
		Needs: []string{"items"}, Check: needText("items"), Doc: "office asks the provider for supplementary material (the review clock pauses)"},
	{Action: ActAnswerSupplement, From: []State{StateAwaitingSupplement}, To: StateEvaluation, By: PartyProvider | PartyApplicant,
		Needs: []string{"summary"}, Check: needText("summary"),
		Doc: "provider answers the request: what it supplies (summary) and, optionally, the files it uploaded to the case for it (materials)"},
	{Action: ActSubmitCommitment, From: review, By: PartyProvider, Guard: noCommitment,
		Needs: []string{"signature"}, Check: needSignature,
		Doc: "provider submits its commitment (Art. 3), signed with its own key over the canonical bytes of POST /commitment/draft"},
	{Action: ActSubmitReport, From: []State{StateEvaluation}, By: PartyLab, Done: reported,
		Needs: []string{"summary", "recommendation", "signature"}, Check: checkReport,
		Doc: "assigned lab submits its evaluation report, signed with its own key over the canonical bytes of POST /reports/draft"},
	{Action: ActCompleteEvaluation, From: []State{StateEvaluation}, To: StateExpertAssessment, By: PartyOffice,
		Guard: both(allReportsIn, commitmentIn), Doc: "office closes the evaluation once every assigned lab reported and the provider committed; the default rule's recommendation is computed"},
	{Action: ActGiveOpinion, From: []State{StateExpertAssessment}, By: PartyExpert,
		Needs: []string{"recommendation", "rationale", "areas"}, Check: checkOpinion, Done: opinionGiven, Doc: "assigned expert gives a written opinion with an assessment per risk area"},
	{Action: ActRecuse, From: review, By: PartyExpert, Needs: []string{"reason"}, Check: needText("reason"), Done: opinionGiven,
		Doc: "assigned expert recuses itself before giving an opinion; its assignment and access end"},
	{Action: ActReferToCommittee, From: []State{StateExpertAssessment}, To: StateDeliberation, By: PartyOffice,
		Guard: both(onlyImportant, quorum), Doc: "office refers an important case to the committee (Art. 5)"},
	{Action: ActDecide, From: []State{StateExpertAssessment}, To: StateDecided, By: PartyOffice,
		Guard: both(notImportant, quorum), Needs: []string{"outcome", "rationale"}, Check: checkDecision, Fits: checkDeparture,
		Doc: "office decides a case that is not important; departing from the rule's recommendation needs departure_rationale"},
	{Action: ActCastVote, From: []State{StateDeliberation}, By: PartyCommittee,
		Needs: []string{"outcome", "rationale"}, Check: checkVote, Done: voted, Doc: "committee member votes on a referred case (once)"},
	{Action: ActCommitteeDecide, From: []State{StateDeliberation}, To: StateDecided, By: PartyCommittee,
		Guard: both(voteQuorum, hasMajority), Needs: []string{"outcome", "rationale"}, Check: checkDecision, Fits: checkCommitteeDecision,
		Doc: "committee decides a referred case by the majority of its votes (dissent recorded)"},
	{Action: ActPublish, From: []State{StateDecided}, To: StatePublished, By: PartyOffice,
		Needs: []string{"scope"}, Check: checkScope, Doc: "office publishes the result within a scope (Art. 8); listings follow"},
	{Action: ActMarkImportant, From: beforeDecision[:len(beforeDecision)-1], By: PartyOffice,
		Guard: notImportant, Doc: "office marks the case important (it will go to the committee)"},
	{Action: ActMarkComplex, From: review, By: PartyOffice, Guard: notComplex,
		Needs: []string{"reason"}, Check: needText("reason"), Doc: "office marks the case complex (review clock +15 working days, once)"},
	{Action: ActExtendClock, From: openStates, By: PartyOffice | PartyCommittee,
		Needs: []string{"clock", "days", "reason"}, Check: checkExtend, Doc: "extend a running clock once, with a reason"},
	{Action: ActWithdraw, From: beforeDecision, To: StateWithdrawn, By: PartyApplicant,
		Doc: "applicant withdraws before a decision"},
	{Action: ActTerminate, From: openStates, To: StateTerminated, By: PartyOffice,
		Needs: []string{"reason"}, Check: needText("reason"), Doc: "office terminates the case, with a reason"},
	{Action: ActSubmitFulfilment, From: []State{StateDecided, StatePublished}, By: PartyProvider, Guard: hasConditions,
		Needs: []string{"condition_id", "summary"}, Check: checkFulfilment, Doc: "provider submits evidence that a condition is fulfilled"},
	{Action: ActAcceptFulfilment, From: []State{StateDecided, StatePublished}, By: PartyOffice, Guard: hasConditions,
		Needs: []string{"condition_id"}, Check: needCondition, Doc: "office accepts the fulfilment: the condition is met"},
	{Action: ActRejectFulfilment, From: []State{StateDecided, StatePublished}, By: PartyOffice, Guard: hasConditions,
		Needs: []string{"condition_id", "reason"}, Check: checkRejectFulfilment, Doc: "office rejects the fulfilment, with a reason"},
}

// RuleFor finds the rule of an action.
func RuleFor(a Action) (*Rule, bool) {
	for i := range Table {
		if Table[i].Action == a {
			return &Table[i], true
		}
	}
	return nil, false
}

// Actions lists every action name in table order.
func Actions() []Action {
	out := make([]Action, len(Table))
	for i, r := range Table {
		out[i] = r.Action
	}
	return out
}

// CanSee reports whether the actor may know the case exists (need-to-know).
func CanSee(a Actor, c *Case) bool { return PartiesOf(a, c) != 0 }

// Allowed lists the actions the actor may take on the case now.
func Allowed(a Actor, c *Case) []Action {
	parties := PartiesOf(a, c)
	var out []Action
	for _, r := range Table {
		if parties&r.By == 0 || !slices.Contains(r.From, c.State) {
			continue
		}
		if r.Guard != nil && r.Guard(c) != nil || r.Done != nil && r.Done(a, c) {
			continue
		}
		out = append(out, r.Action)
	}
	return out
}

// IntakeStates are the states in which a case waits on the office's intake:
// those from which an office action leads to acceptance or refusal, directly
// or through another such state (submitted → screening → accepted or
// not_accepted). A case paused for missing material waits on the applicant,
// not the office, and comes back to screening when it is completed. The
// office's intake queue derives from the table through this, in States order.
func IntakeStates() []State {
	ends := []State{StateAccepted, StateNotAccepted}
	in := map[State]bool{}
	for grew := true; grew; {
		grew = false
		for _, r := range Table {
			if r.By&PartyOffice == 0 || r.To == "" || !(slices.Contains(ends, r.To) || in[r.To]) {
				continue
			}
			for _, from := range r.From {
				if !in[from] && !slices.Contains(ends, from) {
					in[from], grew = true, true
				}
			}
		}
	}
	var out []State
	for _, st := range States {
		if in[st] {
			out = append(out, st)
		}
	}
	return out
}

// Permit checks that the actor may take the action on the case now, before
// any input is read: the same checks, in the same order, as Decide's first
// (not found, forbidden, illegal transition, already done).
func Permit(a Actor, c *Case, act Action) (*Rule, error) {
	parties := PartiesOf(a, c)
	if parties == 0 {
		return nil, NotFound("case")
	}
	r, ok := RuleFor(act)
	if !ok {
		return nil, Invalid("action", "field_unknown_value", "value", string(act))
	}
	if parties&r.By == 0 {
		return nil, Forbidden(string(act))
	}
	if !slices.Contains(r.From, c.State) {
		e := Conflict("illegal_transition", "action", string(act), "state", string(c.State))
		for _, x := range Allowed(a, c) {
			e.Allowed = append(e.Allowed, string(x))
		}
		return nil, e
	}
	if r.Done != nil && r.Done(a, c) {
		e := Conflict("already_done", "action", string(act))
		for _, x := range Allowed(a, c) {
			e.Allowed = append(e.Allowed, string(x))
		}
		return nil, e
	}
	return r, nil
}

// Decide checks that the actor may take the action on the case with this
// input, and returns the rule that applies. Errors, in order: a case the
// actor may not see is not found; a party that may never take the action is
// forbidden; a state it cannot be taken from is a conflict naming the allowed
// actions; then the input, then the guard.
func Decide(a Actor, c *Case, act Action, in *Input) (*Rule, error) {
	r, err := Permit(a, c, act)
	if err != nil {
		return nil, err
	}
	if r.Check != nil {
		if in == nil {
			in = &Input{}
		}
		if err := r.Check(in); err != nil {
			return nil, err
		}
	}
	if r.Fits != nil {
		if err := r.Fits(c, in); err != nil {
			return nil, err
		}
	}
	if r.Guard != nil {
		if err := r.Guard(c); err != nil {
			for _, x := range Allowed(a, c) {
				err.Allowed = append(err.Allowed, string(x))
			}
			return nil, err
		}
	}
	return r, nil
}

// opinionGiven: the actor is an assigned expert whose opinion is in (which
// also ends its chance to recuse).
func opinionGiven(a Actor, c *Case) bool {
	for _, as := range c.ActiveExperts() {
		if as.ExpertUserID == a.UserID {
			return as.OpinionGiven
		}
	}
	return false
}

// reported: every active assignment of the actor's lab has its report in.
func reported(a Actor, c *Case) bool {
	n := 0
	for _, as := range c.ActiveLabs() {
		if as.LabOrgID == a.OrgID {
			if !as.ReportSubmitted {
				return false
			}
			n++
		}
	}
	return n > 0
}

// voted: the actor has cast its vote on the case.
func voted(a Actor, c *Case) bool {
	return slices.ContainsFunc(c.Votes, func(b Ballot) bool { return b.Who == a.Username })
}

func guardFailed(rule string) *Error { return Conflict("guard_failed", "rule", rule) }

func notTrigger(t Trigger) func(*Case) *Error {
	return func(c *Case) *Error {
		if c.Trigger == t {
			return guardFailed("not_for_trigger_" + string(t))
		}
		return nil
	}
}

func onlyTrigger(t Trigger) func(*Case) *Error {
	return func(c *Case) *Error {
		if c.Trigger != t {
			return guardFailed("only_for_trigger_" + string(t))
		}
		return nil
	}
}

func both(f, g func(*Case) *Error) func(*Case) *Error {
	return func(c *Case) *Error {
		if err := f(c); err != nil {
			return err
		}
		return g(c)
	}
}

func needLab(c *Case) *Error {
	if len(c.ActiveLabs()) == 0 {
		return guardFailed("a_lab_must_be_assigned")
	}
	return nil
}

func allReportsIn(c *Case) *Error {
	labs := c.ActiveLabs()
	if len(labs) == 0 {
		return guardFailed("a_lab_must_be_assigned")
	}
	for _, l := range labs {
		if !l.ReportSubmitted {
			return guardFailed("every_assigned_lab_must_report")
		}
	}
	return nil
}

func quorum(c *Case) *Error {
	if c.Opinions() < c.OpinionQuorum() {
		return guardFailed("expert_quorum_not_reached")
	}
	return nil
}

func voteQuorum(c *Case) *Error {
	if len(c.Votes) < c.VoteQuorum() {
		return guardFailed("committee_quorum_not_reached")
	}
	return nil
}

func commitmentIn(c *Case) *Error {
	if !c.Commitment {
		return guardFailed("provider_commitment_missing")
	}
	return nil
}

func noCommitment(c *Case) *Error {
	if c.Commitment {
		return guardFailed("commitment_already_submitted")
	}
	return nil
}

func hasConditions(c *Case) *Error {
	if c.Outcome != OutcomeConditionalPass {
		return guardFailed("only_a_conditional_pass_has_conditions")
	}
	return nil
}

func onlyImportant(c *Case) *Error {
	if !c.Important {
		return guardFailed("only_important_cases_go_to_the_committee")
	}
	return nil
}

func notImportant(c *Case) *Error {
	if c.Important {
		return guardFailed("important_cases_are_decided_by_the_committee")
	}
	return nil
}

func notComplex(c *Case) *Error {
	if c.Complex {
		return guardFailed("already_complex")
	}
	return nil
}

const maxText = 20000

func needText(field string) func(*Input) error {
	return func(in *Input) error {
		var v string
		switch field {
		case "reason":
			v = in.Reason
		case "items":
			v = in.Items
		case "rationale":
			v = in.Rationale
		case "summary":
			v = in.Summary
		}
		if strings.TrimSpace(v) == "" {
			return Required(field)
		}
		if len(v) > maxText {
			return Invalid(field, "field_too_long", "max", "20000")
		}
		return nil
	}
}

func checkDeclaration(in *Input) error {
	d := in.Declaration
	if d == nil {
		return Required("declaration")
	}
	if !d.NoConflict || !d.Confidentiality || strings.TrimSpace(d.SignedBy) == "" {
		return Invalid("declaration", "declaration_required")
	}
	return nil
}

func checkAssignLab(in *Input) error {
	if in.LabOrgID <= 0 {
		return Required("lab_org_id")
	}
	if !slices.Contains(Methods, in.Method) {
		if in.Method == "" {
			return Required("method")
		}
		return Invalid("method", "field_unknown_value", "value", string(in.Method))
	}
	return checkDeclaration(in)
}

func checkAssignExpert(in *Input) error {
	if in.ExpertUserID <= 0 {
		return Required("expert_user_id")
	}
	return checkDeclaration(in)
}

func checkEndAssignment(in *Input) error {
	if in.AssignmentID <= 0 {
		return Required("assignment_id")
	}
	return needText("reason")(in)
}

func checkOutcome(field string, o Outcome) error {
	if o == "" {
		return Required(field)
	}
	if !slices.Contains(Outcomes, o) {
		return Invalid(field, "field_unknown_value", "value", string(o))
	}
	return nil
}

func checkReport(in *Input) error {
	if err := checkOutcome("recommendation", in.Recommendation); err != nil {
		return err
	}
	if err := needText("summary")(in); err != nil {
		return err
	}
	return needSignature(in)
}

func needSignature(in *Input) error {
	if strings.TrimSpace(in.Signature) == "" {
		return Required("signature")
	}
	if len(in.Signature) > 200 {
		return Invalid("signature", "field_too_long", "max", "200")
	}
	return nil
}

func checkVote(in *Input) error {
	if err := checkOutcome("outcome", in.Outcome); err != nil {
		return err
	}
	return needText("rationale")(in)
}

func needCondition(in *Input) error {
	if in.ConditionID <= 0 {
		return Required("condition_id")
	}
	return nil
}

func checkFulfilment(in *Input) error {
	if err := needCondition(in); err != nil {
		return err
	}
	return needText("summary")(in)
}

func checkRejectFulfilment(in *Input) error {
	if err := needCondition(in); err != nil {
		return err
	}
	return needText("reason")(in)
}

func checkDecision(in *Input) error {
	if err := checkOutcome("outcome", in.Outcome); err != nil {
		return err
	}
	if err := needText("rationale")(in); err != nil {
		return err
	}
	if in.Outcome == OutcomeConditionalPass && len(in.Conditions) == 0 {
		return Invalid("conditions", "field_required")
	}
	if in.Outcome != OutcomeConditionalPass && len(in.Conditions) > 0 {
		return Invalid("conditions", "field_invalid", "rule", "only a conditional pass has conditions")
	}
	for _, c := range in.Conditions {
		if strings.TrimSpace(c.Text) == "" {
			return Required("conditions.text")
		}
		if _, err := time.Parse(time.DateOnly, c.Due); err != nil {
			return Invalid("conditions.due", "field_invalid", "rule", "YYYY-MM-DD")
		}
	}
	return nil
}

func checkScope(in *Input) error {
	if in.Scope == "" {
		return Required("scope")
	}
	if !slices.Contains(Scopes, in.Scope) {
		return Invalid("scope", "field_unknown_value", "value", string(in.Scope))
	}
	return nil
}

func checkExtend(in *Input) error {
	if _, ok := ClockSpecs[in.Clock]; !ok {
		if in.Clock == "" {
			return Required("clock")
		}
		return Invalid("clock", "field_unknown_value", "value", in.Clock)
	}
	if in.Days < 1 || in.Days > 60 {
		return Invalid("days", "field_out_of_range", "min", "1", "max", "60")
	}
	return needText("reason")(in)
}

// CheckLabAssignment decides whether a lab may be assigned to a case on a
// day: it must hold an accreditation covering the method and the product's
// category that day, and must have no tie to the provider that bars it
// (one lasting, or ended within lookback).
func CheckLabAssignment(c *Case, lab Org, method Method, accs []Accreditation, ties []Tie, day time.Time, lookback time.Duration) error {
	if lab.Kind != OrgLab {
		return Invalid("lab_org_id", "field_invalid", "rule", "not a lab")
	}
	for _, as := range c.ActiveLabs() {
		if as.LabOrgID == lab.ID && as.Method == method {
			return Conflict("duplicate", "what", "assignment")
		}
	}
	if err := checkTies(ties, c.ProviderOrgID, day, lookback); err != nil {
		return err
	}
	reason := "no_accreditation"
	for _, a := range accs {
		if a.LabOrgID != lab.ID {
			continue
		}
		ok, why := a.Covers(method, c.Category, day)
		if ok {
			return nil
		}
		reason = why
	}
	e := Conflict("accreditation_invalid", "reason", reason, "method", string(method), "category", string(c.Category))
	e.Field = "lab_org_id"
	return e
}

// CheckExpertAssignment decides whether an expert may be assigned: an
// active expert, not yet assigned, with no tie to the provider that bars
// it.
func CheckExpertAssignment(c *Case, expert User, ties []Tie, day time.Time, lookback time.Duration) error {
	if expert.Role != RoleExpert || expert.Disabled {
		return Invalid("expert_user_id", "field_invalid", "rule", "not an active expert")
	}
	for _, as := range c.ActiveExperts() {
		if as.ExpertUserID == expert.ID {
			return Conflict("duplicate", "what", "assignment")
		}
	}
	return checkTies(ties, c.ProviderOrgID, day, lookback)
}

func checkTies(ties []Tie, provider int64, day time.Time, lookback time.Duration) error {
	for _, t := range ties {
		if t.ProviderOrgID == provider && t.Bars(day, lookback) {
			return Conflict("conflict_of_interest", "tie", string(t.Kind))
		}
	}
	return nil
}
