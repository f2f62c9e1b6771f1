package review

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Trigger is what started a review (Art. 8, Art. 11, and re-review).
type Trigger string

// Triggers.
const (
	TriggerStateRequest          Trigger = "state_request"
	TriggerAssociationSuggestion Trigger = "association_suggestion"
	TriggerMarketFeedback        Trigger = "market_feedback"
	TriggerEnterpriseApplication Trigger = "enterprise_application"
	TriggerCIIOProcurement       Trigger = "ciio_procurement"
	TriggerReReview              Trigger = "re_review"
)

// Triggers lists every trigger.
var Triggers = []Trigger{TriggerStateRequest, TriggerAssociationSuggestion, TriggerMarketFeedback,
	TriggerEnterpriseApplication, TriggerCIIOProcurement, TriggerReReview}

// State is where a case stands in its lifecycle (DESIGN §3).
type State string

// States.
const (
	StateDraft              State = "draft"
	StateSubmitted          State = "submitted"
	StateScreening          State = "screening"
	StateIncomplete         State = "incomplete"
	StateNotAccepted        State = "not_accepted"
	StateDetermination      State = "determination"
	StateNotRequired        State = "not_required"
	StateAccepted           State = "accepted"
	StateEvaluation         State = "evaluation"
	StateAwaitingSupplement State = "awaiting_supplement"
	StateExpertAssessment   State = "expert_assessment"
	StateDeliberation       State = "deliberation"
	StateDecided            State = "decided"
	StatePublished          State = "published"
	StateWithdrawn          State = "withdrawn"
	StateTerminated         State = "terminated"
)

// States lists every state in lifecycle order.
var States = []State{StateDraft, StateSubmitted, StateScreening, StateIncomplete, StateNotAccepted,
	StateDetermination, StateNotRequired, StateAccepted, StateEvaluation, StateAwaitingSupplement,
	StateExpertAssessment, StateDeliberation, StateDecided, StatePublished, StateWithdrawn, StateTerminated}

// Closed reports whether no further transition can leave the state.
func (s State) Closed() bool {
	switch s {
	case StateNotAccepted, StateNotRequired, StatePublished, StateWithdrawn, StateTerminated:
		return true
	}
	return false
}

// Paused reports whether the case waits on someone outside the review (its clocks stop).
func (s State) Paused() bool { return s == StateIncomplete || s == StateAwaitingSupplement }

// Outcome is a decision's result.
type Outcome string

// Outcomes.
const (
	OutcomePass            Outcome = "pass"
	OutcomeConditionalPass Outcome = "conditional_pass"
	OutcomeFail            Outcome = "fail"
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomePass, OutcomeConditionalPass, OutcomeFail}

// Scope is who may learn a published result (Art. 8).
type Scope string

// Scopes.
const (
	ScopePublic  Scope = "public"  // anyone
	ScopeSector  Scope = "sector"  // government users, procurers and CIIOs of the case's sector
	ScopeParties Scope = "parties" // the parties and government reviewers
)

// Scopes lists every scope.
var Scopes = []Scope{ScopePublic, ScopeSector, ScopeParties}

// AssignmentKind says whether a lab or an expert is assigned.
type AssignmentKind string

// Assignment kinds.
const (
	AssignLab    AssignmentKind = "lab"
	AssignExpert AssignmentKind = "expert"
)

// Assignment puts a lab or an expert on a case. Only an active assignment
// gives access (Art. 13): ending it ends access at once.
type Assignment struct {
	ID              int64
	Kind            AssignmentKind
	LabOrgID        int64
	ExpertUserID    int64
	Method          Method
	Active          bool
	ReportSubmitted bool // lab: its evaluation report is in
	OpinionGiven    bool // expert: its written opinion is in
	EndedReason     string
}

// Formerly reports whether the actor held an assignment on the case that
// has ended: it may no longer see the case, and is told why.
func (c *Case) Formerly(a Actor) (Assignment, bool) {
	for _, as := range c.Assignments {
		if !as.Active && (a.Role == RoleLab && as.Kind == AssignLab && as.LabOrgID == a.OrgID ||
			a.Role == RoleExpert && as.Kind == AssignExpert && as.ExpertUserID == a.UserID) {
			return as, true
		}
	}
	return Assignment{}, false
}

// Case is a review case with what its rules need to know.
type Case struct {
	ID             int64
	Number         string
	Trigger        Trigger
	PreviousCaseID int64
	ProductID      int64
	VersionIDs     []int64
	Category       Category
	ApplicantOrgID int64
	ProviderOrgID  int64
	Sector         string
	State          State
	Important      bool
	Complex        bool
	Referred       bool // has been referred to the committee
	Outcome        Outcome
	Scope          Scope
	Version        int64 // optimistic lock: bumped by every change
	Assignments    []Assignment
	CreatedAt      time.Time
	// CatalogVersion is the criteria catalogue the case started with; it
	// keeps it when a newer version is approved.
	CatalogVersion string
	// Recommendation is the default rule's outcome over the findings,
	// computed when the evaluation closes.
	Recommendation Outcome
	// Commitment says the provider's signed commitment (Art. 3) is in.
	Commitment bool
	// Votes are the committee's votes on a referred case.
	Votes []Ballot
	// ExpertQuorum and CommitteeQuorum are the opinions and votes a
	// decision needs; zero means the defaults.
	ExpertQuorum, CommitteeQuorum int
}

// ActiveLabs returns the active lab assignments.
func (c *Case) ActiveLabs() []Assignment { return c.active(AssignLab) }

// ActiveExperts returns the active expert assignments.
func (c *Case) ActiveExperts() []Assignment { return c.active(AssignExpert) }

func (c *Case) active(k AssignmentKind) []Assignment {
	var out []Assignment
	for _, a := range c.Assignments {
		if a.Active && a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

// Quorum is the default number of expert opinions (Art. 6) and of
// committee votes a decision needs.
const Quorum = 3

// OpinionQuorum is the number of expert opinions the case needs.
func (c *Case) OpinionQuorum() int { return cmp.Or(c.ExpertQuorum, Quorum) }

// VoteQuorum is the number of committee votes the case needs.
func (c *Case) VoteQuorum() int { return cmp.Or(c.CommitteeQuorum, Quorum) }

// Opinions counts the opinions given by active experts.
func (c *Case) Opinions() int {
	n := 0
	for _, a := range c.ActiveExperts() {
		if a.OpinionGiven {
			n++
		}
	}
	return n
}

// FormatNumber renders a case number: CSR-2026-0042, widening past 9999.
func FormatNumber(year, seq int) string { return fmt.Sprintf("CSR-%d-%04d", year, seq) }

// ParseNumber splits a case number into year and sequence.
func ParseNumber(s string) (year, seq int, err error) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || parts[0] != "CSR" || len(parts[1]) != 4 || len(parts[2]) < 4 {
		return 0, 0, Invalid("number", "field_invalid", "rule", "CSR-YYYY-NNNN")
	}
	year, err1 := strconv.Atoi(parts[1])
	seq, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || seq < 1 || year < 1000 || FormatNumber(year, seq) != s {
		return 0, 0, Invalid("number", "field_invalid", "rule", "CSR-YYYY-NNNN")
	}
	return year, seq, nil
}

// NewCase is what an applicant gives to open a case.
type NewCase struct {
	Trigger      Trigger `json:"trigger"`
	ProductID    int64   `json:"product_id"`
	VersionIDs   []int64 `json:"version_ids"`
	PreviousCase string  `json:"previous_case,omitempty"` // re_review: the earlier case's number
	Sector       string  `json:"sector,omitempty"`
	Important    bool    `json:"important,omitempty"`
	Summary      string  `json:"summary,omitempty"`
	// Procurement is the CIIO's declaration (trigger ciio_procurement).
	Procurement *Procurement `json:"procurement,omitempty"`
}

// Procurement is a CIIO's declaration of a purchase that may affect national security (Art. 11).
type Procurement struct {
	Description string `json:"description"`
	ContractRef string `json:"contract_ref,omitempty"`
	Value       string `json:"value,omitempty"`
}

// whoMayOpen says which roles may start a review by which trigger (Art. 8, 11).
var whoMayOpen = map[Trigger][]Role{
	TriggerStateRequest:          {RoleRequester, RoleOffice},
	TriggerAssociationSuggestion: {RoleRequester},
	TriggerMarketFeedback:        {RoleOffice},
	TriggerEnterpriseApplication: {RoleProvider},
	TriggerCIIOProcurement:       {RoleCIIO},
	TriggerReReview:              {RoleOffice},
}

// MayOpenCases reports whether the role may open a case by some trigger, so
// a role that may open none is refused before its input is read.
func MayOpenCases(r Role) bool {
	for _, roles := range whoMayOpen {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// CheckOpen validates a new case for an actor. product is the subject, and
// versions the subject's versions as stored (so ownership can be checked).
func CheckOpen(a Actor, in NewCase, p Product, versions []Version, previous *Case) error {
	if in.Trigger == "" {
		return Required("trigger")
	}
	roles, ok := whoMayOpen[in.Trigger]
	if !ok {
		return Invalid("trigger", "field_unknown_value", "value", string(in.Trigger))
	}
	if !slices.Contains(roles, a.Role) {
		return Forbidden("open_" + string(in.Trigger))
	}
	if in.Trigger == TriggerEnterpriseApplication && p.ProviderOrgID != a.OrgID {
		return Invalid("product_id", "field_invalid", "rule", "a provider applies for its own products")
	}
	if len(in.VersionIDs) == 0 {
		return Required("version_ids")
	}
	for _, id := range in.VersionIDs {
		if !slices.ContainsFunc(versions, func(v Version) bool { return v.ID == id && v.ProductID == p.ID }) {
			return Invalid("version_ids", "field_invalid", "rule", "every version must belong to the product")
		}
	}
	if in.Trigger == TriggerReReview && previous == nil {
		return Required("previous_case")
	}
	if previous != nil && previous.ProductID != p.ID {
		return Invalid("previous_case", "field_invalid", "rule", "the previous case must review the same product")
	}
	if in.Trigger == TriggerCIIOProcurement {
		if in.Procurement == nil || strings.TrimSpace(in.Procurement.Description) == "" {
			return Required("procurement.description")
		}
		if a.Sector == "" {
			return Invalid("sector", "field_required")
		}
	}
	if in.Sector != "" && !slices.Contains(Sectors, in.Sector) {
		return Invalid("sector", "field_unknown_value", "value", in.Sector)
	}
	if len(in.Summary) > 4000 {
		return Invalid("summary", "field_too_long", "max", "4000")
	}
	return nil
}

// SectorOf decides the sector a new case belongs to: a CIIO's or a sector
// regulator's own sector, else what the applicant named ("" is national).
func SectorOf(a Actor, in NewCase) string {
	if a.Role == RoleCIIO || (a.Role == RoleOffice && a.Sector != "") {
		return a.Sector
	}
	return in.Sector
}
