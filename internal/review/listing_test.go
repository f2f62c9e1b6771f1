package review_test

import (
	"slices"
	"testing"
	"time"

	"shencha/internal/review"
)

func history(statuses ...review.ListingStatus) []review.ListingEvent {
	out := make([]review.ListingEvent, len(statuses))
	for i, s := range statuses {
		action := "publish"
		if i > 0 {
			action = "change"
		}
		out[i] = review.ListingEvent{Status: s, At: day.AddDate(0, i, 0), Action: action, Reason: "r"}
	}
	return out
}

func TestNextListingStatus(t *testing.T) {
	const (
		passed = review.ListingPassed
		cond   = review.ListingConditionallyPassed
		failed = review.ListingFailed
		susp   = review.ListingSuspended
		revkd  = review.ListingRevoked
	)
	tests := []struct {
		name      string
		actor     review.Actor
		act       review.ListingAction
		hist      []review.ListingEvent
		reason    string
		automatic bool
		want      review.ListingStatus
		err       *wantErr
		allowed   []string
	}{
		{"OK/Suspend", nationalOffice, review.ListSuspend, history(passed), "condition overdue", false, susp, nil, nil},
		{"OK/SuspendAutomaticNoReason", review.System, review.ListSuspend, history(cond), "", true, susp, nil, nil},
		{"OK/ReinstateConditionallyPassed", nationalOffice, review.ListReinstate, history(cond, susp), "fixed", false, cond, nil, nil},
		{"OK/ReinstatePassed", nationalOffice, review.ListReinstate, history(passed, susp), "fixed", false, passed, nil, nil},
		{"OK/ReinstateAfterSecondSuspension", nationalOffice, review.ListReinstate, history(cond, susp, cond, susp), "fixed", false, cond, nil, nil},
		{"OK/RevokeFromSuspended", nationalOffice, review.ListRevoke, history(cond, susp), "not fixed", false, revkd, nil, nil},
		{"OK/RevokeFromPassed", nationalOffice, review.ListRevoke, history(passed), "backdoor", false, revkd, nil, nil},
		{"OK/ExpireAutomatic", review.System, review.ListExpire, history(passed), "", true, review.ListingExpired, nil, nil},
		{"OK/ExpireSuspended", review.System, review.ListExpire, history(passed, susp), "", true, review.ListingExpired, nil, nil},
		{"OK/SupersedeFailed", review.System, review.ListSupersede, history(failed), "", true, review.ListingSuperseded, nil, nil},
		{"ErrUnknownAction", nationalOffice, "delete", history(passed), "x", false, "",
			&wantErr{review.KindInvalid, "field_unknown_value", "action", map[string]string{"value": "delete"}}, nil},
		{"ErrForbidden/OfficeExpires", nationalOffice, review.ListExpire, history(passed), "x", false, "",
			&wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "expire"}}, nil},
		{"ErrForbidden/OfficeSupersedes", nationalOffice, review.ListSupersede, history(passed), "x", false, "",
			&wantErr{review.KindForbidden, "forbidden", "", nil}, nil},
		{"ErrForbidden/SectorOffice", financeOffice, review.ListSuspend, history(passed), "x", false, "",
			&wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "suspend"}}, nil},
		{"ErrForbidden/Committee", committee, review.ListRevoke, history(passed), "x", false, "",
			&wantErr{review.KindForbidden, "forbidden", "", nil}, nil},
		{"ErrForbidden/ProviderReinstates", providerP, review.ListReinstate, history(passed, susp), "x", false, "",
			&wantErr{review.KindForbidden, "forbidden", "", nil}, nil},
		{"ErrForbidden/AutomaticRevoke", review.System, review.ListRevoke, history(passed), "", true, "",
			&wantErr{review.KindForbidden, "forbidden", "", nil}, nil},
		{"ErrForbidden/AutomaticReinstate", review.System, review.ListReinstate, history(passed, susp), "", true, "",
			&wantErr{review.KindForbidden, "forbidden", "", nil}, nil},
		{"ErrForbidden/BeforeNotFound", financeOffice, review.ListSuspend, nil, "x", false, "",
			&wantErr{review.KindForbidden, "forbidden", "", nil}, nil},
		{"ErrNotFound/EmptyHistory", nationalOffice, review.ListSuspend, nil, "x", false, "",
			&wantErr{review.KindNotFound, "not_found", "", map[string]string{"what": "listing"}}, nil},
		{"ErrReasonRequired", nationalOffice, review.ListSuspend, history(passed), "", false, "",
			&wantErr{review.KindInvalid, "field_required", "reason", nil}, nil},
		{"ErrReasonRequired/Revoke", nationalOffice, review.ListRevoke, history(passed), "", false, "",
			&wantErr{review.KindInvalid, "field_required", "reason", nil}, nil},
		{"ErrIllegalTransition/FromRevoked", nationalOffice, review.ListReinstate, history(passed, revkd), "x", false, "",
			&wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"action": "reinstate", "state": "revoked"}}, nil},
		{"ErrIllegalTransition/ReinstatePassed", nationalOffice, review.ListReinstate, history(passed), "x", false, "",
			&wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"state": "passed"}}, []string{"suspend", "revoke"}},
		{"ErrIllegalTransition/SuspendSuspended", nationalOffice, review.ListSuspend, history(passed, susp), "x", false, "",
			&wantErr{review.KindConflict, "illegal_transition", "", nil}, []string{"reinstate", "revoke"}},
		{"ErrIllegalTransition/AutomaticSuspendFailed", review.System, review.ListSuspend, history(failed), "", true, "",
			&wantErr{review.KindConflict, "illegal_transition", "", nil}, []string{"supersede"}},
		{"ErrIllegalTransition/RevokeFailed", nationalOffice, review.ListRevoke, history(failed), "x", false, "",
			&wantErr{review.KindConflict, "illegal_transition", "", nil}, nil},
		{"ErrIllegalTransition/ReinstateWithoutEarlierStatus", nationalOffice, review.ListReinstate, history(susp), "x", false, "",
			&wantErr{review.KindConflict, "illegal_transition", "", map[string]string{"state": "suspended"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := review.NextListingStatus(tt.actor, tt.act, tt.hist, tt.reason, tt.automatic)
			if tt.err == nil {
				if err != nil {
					t.Fatalf("NextListingStatus: %v", err)
				}
				if got != tt.want {
					t.Errorf("status = %q, want %q", got, tt.want)
				}
				return
			}
			if got != "" {
				t.Errorf("status %q returned along with an error", got)
			}
			e := checkErr(t, err, *tt.err)
			if !sameSet(e.Allowed, tt.allowed) {
				t.Errorf("Allowed = %v, want %v", e.Allowed, tt.allowed)
			}
		})
	}
}

func TestNextListingStatusBlankReason(t *testing.T) {
	_, err := review.NextListingStatus(nationalOffice, review.ListSuspend, history(review.ListingPassed), "  \t", false)
	checkErr(t, err, wantErr{review.KindInvalid, "field_required", "reason", nil})
}

func TestListingTable(t *testing.T) {
	stored := []review.ListingStatus{review.ListingPassed, review.ListingConditionallyPassed, review.ListingFailed,
		review.ListingSuspended, review.ListingRevoked, review.ListingExpired, review.ListingSuperseded}
	seen := map[review.ListingAction]bool{}
	for _, r := range review.ListingTable {
		if seen[r.Action] {
			t.Errorf("%s listed twice", r.Action)
		}
		seen[r.Action] = true
		if !r.ByOffice && !r.Automatic {
			t.Errorf("%s: nobody may take it", r.Action)
		}
		if r.NeedsReason && !r.ByOffice {
			t.Errorf("%s: needs a reason but only the system takes it", r.Action)
		}
		if len(r.From) == 0 {
			t.Errorf("%s: no From", r.Action)
		}
		for _, s := range append(slices.Clone(r.From), r.To) {
			if s != "" && !slices.Contains(stored, s) {
				t.Errorf("%s: status %q is not a stored status", r.Action, s)
			}
		}
		if got, ok := review.ListingRuleFor(r.Action); !ok || got.Action != r.Action {
			t.Errorf("ListingRuleFor(%s) = %v, %v", r.Action, got, ok)
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d listing actions, want 5", len(seen))
	}
	if _, ok := review.ListingRuleFor("delete"); ok {
		t.Errorf("ListingRuleFor(delete) found a rule")
	}
	// Revoked, expired and superseded are final.
	for _, r := range review.ListingTable {
		for _, s := range []review.ListingStatus{review.ListingRevoked, review.ListingExpired, review.ListingSuperseded} {
			if slices.Contains(r.From, s) {
				t.Errorf("%s leaves final status %s", r.Action, s)
			}
		}
	}
}

func TestStatusAt(t *testing.T) {
	h := []review.ListingEvent{
		{Status: review.ListingConditionallyPassed, At: date(2026, 1, 10), Action: "publish"},
		{Status: review.ListingSuspended, At: date(2026, 3, 1), Action: "suspend"},
		{Status: review.ListingConditionallyPassed, At: date(2026, 4, 1), Action: "reinstate"},
	}
	tests := []struct {
		name  string
		hist  []review.ListingEvent
		at    time.Time
		want  review.ListingStatus
		found bool
	}{
		{"BeforeFirst", h, date(2026, 1, 9), "", false},
		{"EmptyHistory", nil, day, "", false},
		{"AtFirst", h, date(2026, 1, 10), review.ListingConditionallyPassed, true},
		{"BetweenFirstAndSecond", h, date(2026, 2, 1), review.ListingConditionallyPassed, true},
		{"AtSecond", h, date(2026, 3, 1), review.ListingSuspended, true},
		{"BetweenSecondAndThird", h, date(2026, 3, 31), review.ListingSuspended, true},
		{"AfterLast", h, date(2027, 1, 1), review.ListingConditionallyPassed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := review.StatusAt(tt.hist, tt.at)
			if got != tt.want || found != tt.found {
				t.Errorf("StatusAt = %q, %v; want %q, %v", got, found, tt.want, tt.found)
			}
		})
	}
}

func TestListingStatusFlags(t *testing.T) {
	tests := []struct {
		s                         review.ListingStatus
		preferred, mustNotProcure bool
	}{
		{review.ListingPassed, true, false},
		{review.ListingConditionallyPassed, true, false},
		{review.ListingFailed, false, true},
		{review.ListingSuspended, false, false},
		{review.ListingRevoked, false, true},
		{review.ListingExpired, false, false},
		{review.ListingSuperseded, false, false},
		{review.ListingUnderReview, false, false},
		{review.ListingNotReviewed, false, false},
		{review.ListingNotDisclosed, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.s), func(t *testing.T) {
			if got := tt.s.Preferred(); got != tt.preferred {
				t.Errorf("Preferred = %v, want %v", got, tt.preferred)
			}
			if got := tt.s.MustNotProcure(); got != tt.mustNotProcure {
				t.Errorf("MustNotProcure = %v, want %v", got, tt.mustNotProcure)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	tests := []struct {
		o    review.Outcome
		want review.ListingStatus
	}{
		{review.OutcomePass, review.ListingPassed},
		{review.OutcomeConditionalPass, review.ListingConditionallyPassed},
		{review.OutcomeFail, review.ListingFailed},
	}
	for _, tt := range tests {
		t.Run(string(tt.o), func(t *testing.T) {
			if got := review.StatusOf(tt.o); got != tt.want {
				t.Errorf("StatusOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScopeIncludes(t *testing.T) {
	const sector = "finance"
	procurerOther := review.Actor{UserID: 71, Username: "grid.buyer", Role: review.RoleProcurer, OrgID: 801, Sector: "energy"}
	procurerNational := review.Actor{UserID: 72, Username: "state.buyer", Role: review.RoleProcurer, OrgID: 802}
	energyOffice := review.Actor{UserID: 4, Username: "office.energy", Role: review.RoleOffice, OrgID: 103, Sector: "energy"}
	ciioFinance := review.Actor{UserID: 41, Username: "bank.ciio", Role: review.RoleCIIO, OrgID: 501, Sector: "finance"}
	type row struct {
		name    string
		actor   review.Actor
		parties review.Party
		public  bool
		sector  bool
		parts   bool
	}
	tests := []row{
		{"Anonymous", anonymous, 0, true, false, false},
		{"ProcurerSameSector", procurerFin, 0, true, true, false},
		{"ProcurerOtherSector", procurerOther, 0, true, false, false},
		{"ProcurerNational", procurerNational, 0, true, false, false},
		{"CIIOSameSector", ciioFinance, 0, true, true, false},
		{"CIIOOtherSector", ciioEnergy, 0, true, false, false},
		{"Party", providerP, review.PartyProvider | review.PartyApplicant, true, true, true},
		{"PartyLabOtherwiseUnrelated", labA, review.PartyLab, true, true, true},
		{"NonPartyProvider", providerQ, 0, true, false, false},
		{"NationalOffice", nationalOffice, review.PartyOffice, true, true, true},
		{"NationalOfficeWithoutParties", nationalOffice, 0, true, true, true},
		{"SectorOfficeSame", financeOffice, 0, true, true, true},
		{"SectorOfficeOther", energyOffice, 0, true, false, false},
		{"Committee", committee, 0, true, true, true},
		{"CIIDepartmentSame", ciiDeptFinance, 0, true, true, false},
		{"CIIDepartmentOther", ciiDeptEnergy, 0, true, false, false},
		{"Admin", admin, 0, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				s    review.Scope
				want bool
			}{{review.ScopePublic, tt.public}, {review.ScopeSector, tt.sector}, {review.ScopeParties, tt.parts}} {
				if got := review.ScopeIncludes(c.s, tt.actor, sector, tt.parties); got != c.want {
					t.Errorf("ScopeIncludes(%s) = %v, want %v", c.s, got, c.want)
				}
			}
			if review.ScopeIncludes("world", tt.actor, sector, tt.parties) {
				t.Errorf("unknown scope includes the actor")
			}
		})
	}
	t.Run("SectorScopeOfNationalCase", func(t *testing.T) {
		if !review.ScopeIncludes(review.ScopeSector, procurerOther, "", 0) {
			t.Errorf("a procurer does not see a sector-scoped result of a national case")
		}
		if review.ScopeIncludes(review.ScopeSector, anonymous, "", 0) {
			t.Errorf("anonymous sees a sector-scoped result")
		}
	})
}

// TestProcurementView: outside a result's scope, procurers and CII
// operators of the case's sector (and national procurers) still learn
// whether to prefer or avoid the product; nobody else does.
func TestProcurementView(t *testing.T) {
	const sector = "finance"
	procurerOther := review.Actor{UserID: 71, Role: review.RoleProcurer, Sector: "energy"}
	procurerNational := review.Actor{UserID: 72, Role: review.RoleProcurer}
	ciioFinance := review.Actor{UserID: 41, Role: review.RoleCIIO, Sector: "finance"}
	for _, c := range []struct {
		name   string
		a      review.Actor
		sector string
		want   bool
	}{
		{"ProcurerSameSector", procurerFin, sector, true},
		{"ProcurerNational", procurerNational, sector, true},
		{"ProcurerOtherSector", procurerOther, sector, false},
		{"ProcurerOtherSectorCaseWithoutSector", procurerOther, "", true},
		{"CIIOSameSector", ciioFinance, sector, true},
		{"CIIOOtherSector", ciioEnergy, sector, false},
		{"Anonymous", anonymous, sector, false},
		{"NonPartyProvider", providerQ, sector, false},
		{"CIIDepartment", ciiDeptFinance, sector, false},
	} {
		if got := review.ProcurementView(c.a, c.sector); got != c.want {
			t.Errorf("%s: ProcurementView = %v, want %v", c.name, got, c.want)
		}
	}
}
