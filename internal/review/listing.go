package review

import (
	"slices"
	"strings"
	"time"
)

// ListingStatus is the status of a product version in the register.
type ListingStatus string

// Listing statuses. The first seven are stored; the rest are derived.
const (
	ListingPassed              ListingStatus = "passed"
	ListingConditionallyPassed ListingStatus = "conditionally_passed"
	ListingFailed              ListingStatus = "failed"
	ListingSuspended           ListingStatus = "suspended"
	ListingRevoked             ListingStatus = "revoked"
	ListingExpired             ListingStatus = "expired"
	ListingSuperseded          ListingStatus = "superseded"
	ListingUnderReview         ListingStatus = "under_review"
	ListingNotReviewed         ListingStatus = "not_reviewed"
	// ListingNotDisclosed answers a caller outside the result's scope: a
	// result exists, and the office can tell those entitled to know it.
	ListingNotDisclosed ListingStatus = "not_disclosed"
)

// StatusOf maps a decision's outcome to the listing it creates.
func StatusOf(o Outcome) ListingStatus {
	switch o {
	case OutcomePass:
		return ListingPassed
	case OutcomeConditionalPass:
		return ListingConditionallyPassed
	}
	return ListingFailed
}

// Preferred reports whether state buyers should prefer the product (Art. 10).
func (s ListingStatus) Preferred() bool {
	return s == ListingPassed || s == ListingConditionallyPassed
}

// MustNotProcure reports whether state buyers must not procure it (Art. 10).
func (s ListingStatus) MustNotProcure() bool {
	return s == ListingFailed || s == ListingRevoked
}

// ListingAction changes a listing after publication.
type ListingAction string

// Listing actions.
const (
	ListSuspend   ListingAction = "suspend"
	ListReinstate ListingAction = "reinstate"
	ListRevoke    ListingAction = "revoke"
	ListExpire    ListingAction = "expire"
	ListSupersede ListingAction = "supersede"
)

// ListingRule is one row of the listing lifecycle table.
type ListingRule struct {
	Action ListingAction
	From   []ListingStatus
	// To is the new status; "" restores the status held before suspension.
	To ListingStatus
	// ByOffice: the office may take it; Automatic: timers or publication take it.
	ByOffice, Automatic bool
	NeedsReason         bool
	Doc                 string
}

var live = []ListingStatus{ListingPassed, ListingConditionallyPassed, ListingSuspended}

// ListingTable is the listing lifecycle (DESIGN §3), in the same shape as
// the case table.
var ListingTable = []ListingRule{
	{Action: ListSuspend, From: []ListingStatus{ListingPassed, ListingConditionallyPassed}, To: ListingSuspended,
		ByOffice: true, Automatic: true, NeedsReason: true, Doc: "suspend (by the office, or automatically for an overdue condition)"},
	{Action: ListReinstate, From: []ListingStatus{ListingSuspended}, ByOffice: true, NeedsReason: true,
		Doc: "reinstate the status held before suspension"},
	{Action: ListRevoke, From: live, To: ListingRevoked, ByOffice: true, NeedsReason: true,
		Doc: "revoke: the product must not be procured"},
	{Action: ListExpire, From: live, To: ListingExpired, Automatic: true,
		Doc: "validity ended (timer)"},
	{Action: ListSupersede, From: []ListingStatus{ListingPassed, ListingConditionallyPassed, ListingFailed, ListingSuspended},
		To: ListingSuperseded, Automatic: true, Doc: "a newer result for the same version was published"},
}

// ListingRuleFor finds a listing rule.
func ListingRuleFor(a ListingAction) (*ListingRule, bool) {
	for i := range ListingTable {
		if ListingTable[i].Action == a {
			return &ListingTable[i], true
		}
	}
	return nil, false
}

// ListingEvent is one row of a listing's history.
type ListingEvent struct {
	Status ListingStatus `json:"status"`
	At     time.Time     `json:"at"`
	Action string        `json:"action"` // "publish" or a ListingAction
	Reason string        `json:"reason,omitempty"`
}

// NextListingStatus checks a listing action against the history (oldest
// first) and returns the new status. automatic says the system acts.
func NextListingStatus(a Actor, act ListingAction, history []ListingEvent, reason string, automatic bool) (ListingStatus, error) {
	r, ok := ListingRuleFor(act)
	if !ok {
		return "", Invalid("action", "field_unknown_value", "value", string(act))
	}
	if automatic && !r.Automatic || !automatic && (!r.ByOffice || a.Role != RoleOffice || a.Sector != "") {
		return "", Forbidden(string(act))
	}
	if len(history) == 0 {
		return "", NotFound("listing")
	}
	cur := history[len(history)-1].Status
	if !slices.Contains(r.From, cur) {
		e := Conflict("illegal_transition", "action", string(act), "state", string(cur))
		for _, x := range ListingTable {
			if slices.Contains(x.From, cur) && (automatic && x.Automatic || !automatic && x.ByOffice) {
				e.Allowed = append(e.Allowed, string(x.Action))
			}
		}
		return "", e
	}
	if r.NeedsReason && !automatic && strings.TrimSpace(reason) == "" {
		return "", Required("reason")
	}
	if r.To != "" {
		return r.To, nil
	}
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Status != ListingSuspended {
			return history[i].Status, nil
		}
	}
	return "", Conflict("illegal_transition", "action", string(act), "state", string(cur))
}

// StatusAt returns the status a history (oldest first) shows at t, and
// false if the listing did not exist yet.
func StatusAt(history []ListingEvent, t time.Time) (ListingStatus, bool) {
	var s ListingStatus
	found := false
	for _, e := range history {
		if e.At.After(t) {
			break
		}
		s, found = e.Status, true
	}
	return s, found
}

// ScopeIncludes decides whether a result with a scope may be shown to the
// actor. parties says whether the actor is a party to the case (see PartiesOf).
func ScopeIncludes(s Scope, a Actor, caseSector string, parties Party) bool {
	switch s {
	case ScopePublic:
		return true
	case ScopeSector:
		if a.Anonymous() {
			return false
		}
		if parties != 0 || a.Role.Government() && (a.Sector == "" || a.Sector == caseSector) {
			return true
		}
		return (a.Role == RoleProcurer || a.Role == RoleCIIO || a.Role == RoleRequester) && (a.Sector == caseSector || caseSector == "")
	case ScopeParties:
		return parties != 0 || (a.Role == RoleOffice || a.Role == RoleCommittee) && (a.Sector == "" || a.Sector == caseSector)
	}
	return false
}

// ProcurementView reports whether an actor outside a result's scope is
// still told whether the product is preferred or must not be procured
// (Art. 10): a procurer or a CII operator of the case's sector, or a
// central procurer (no sector) for any case. They learn those two flags
// only, not the result.
func ProcurementView(a Actor, caseSector string) bool {
	return (a.Role == RoleProcurer || a.Role == RoleCIIO) && (a.Sector == "" || caseSector == "" || a.Sector == caseSector)
}
