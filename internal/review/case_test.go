package review_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		year, seq int
		want      string
	}{
		{2026, 42, "CSR-2026-0042"},
		{2026, 1, "CSR-2026-0001"},
		{2026, 9999, "CSR-2026-9999"},
		{2026, 10000, "CSR-2026-10000"},
		{2026, 12345, "CSR-2026-12345"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := review.FormatNumber(tt.year, tt.seq); got != tt.want {
				t.Errorf("FormatNumber(%d, %d) = %q, want %q", tt.year, tt.seq, got, tt.want)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	ok := []struct {
		s         string
		year, seq int
	}{
		{"CSR-2026-0042", 2026, 42},
		{"CSR-2026-0001", 2026, 1},
		{"CSR-2026-9999", 2026, 9999},
		{"CSR-2026-12345", 2026, 12345},
		{"CSR-1999-100000", 1999, 100000},
	}
	for _, tt := range ok {
		t.Run("OK/"+tt.s, func(t *testing.T) {
			y, s, err := review.ParseNumber(tt.s)
			if err != nil || y != tt.year || s != tt.seq {
				t.Fatalf("ParseNumber(%q) = %d, %d, %v; want %d, %d, nil", tt.s, y, s, err, tt.year, tt.seq)
			}
			if back := review.FormatNumber(y, s); back != tt.s {
				t.Errorf("FormatNumber round trip = %q, want %q", back, tt.s)
			}
		})
	}
	bad := []string{
		"", "CSR", "CSR-2026", "CSR-2026-42", "CSR-2026-042", "CSX-2026-0042", "csr-2026-0042",
		"CSR-26-0042", "CSR-20261-0042", "CSR-2026-0000", "CSR-2026-012345", "CSR-2026-0042-1",
		"CSR-abcd-0042", "CSR-2026-00a2", "CSR-2026--042", "CSR-2026-0x2A", " CSR-2026-0042", "CSR-2026-0042 ",
		"CSR-2026-99999999999999999999",
	}
	for _, s := range bad {
		t.Run(fmt.Sprintf("ErrNumberInvalid/%q", s), func(t *testing.T) {
			y, q, err := review.ParseNumber(s)
			checkErr(t, err, wantErr{review.KindInvalid, "field_invalid", "number", map[string]string{"rule": "CSR-YYYY-NNNN"}})
			if y != 0 || q != 0 {
				t.Errorf("ParseNumber(%q) returned %d, %d with an error", s, y, q)
			}
		})
	}
}

// TestParseNumberCanonical: a number parses only in the form FormatNumber
// writes, so one case has one number.
func TestParseNumberCanonical(t *testing.T) {
	for _, s := range []string{"CSR-+026-0042", "CSR-0026-0042", "CSR-0000-0001", "CSR-2026-+042", "CSR-2026-00042", "CSR-2026-+12345"} {
		t.Run(s, func(t *testing.T) {
			y, q, err := review.ParseNumber(s)
			if err == nil && review.FormatNumber(y, q) != s {
				t.Errorf("ParseNumber(%q) = %d, %d; FormatNumber gives %q", s, y, q, review.FormatNumber(y, q))
			}
		})
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"CSR-2026-0042", "CSR-2026-12345", "CSR-2026-0000", "CSR-2026-012345", "CSR-2026-42",
		"", "CSR--", "CSR-2026-99999999999999999999", "CSR-1999-0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		year, seq, err := review.ParseNumber(s)
		if err != nil {
			if !review.IsKind(err, review.KindInvalid) {
				t.Fatalf("ParseNumber(%q) error %v is not invalid", s, err)
			}
			if year != 0 || seq != 0 {
				t.Fatalf("ParseNumber(%q) = %d, %d with an error", s, year, seq)
			}
			return
		}
		if seq < 1 {
			t.Fatalf("ParseNumber(%q) sequence %d < 1", s, seq)
		}
		formatted := review.FormatNumber(year, seq)
		y2, s2, err := review.ParseNumber(formatted)
		if err != nil || y2 != year || s2 != seq {
			t.Fatalf("ParseNumber(%q) = %d, %d; FormatNumber → %q re-parses to %d, %d, %v", s, year, seq, formatted, y2, s2, err)
		}
	})
}

// openFixture is a valid opening for every trigger by a fitting actor.
type openFixture struct {
	actor    review.Actor
	in       review.NewCase
	product  review.Product
	versions []review.Version
	previous *review.Case
}

func newOpenFixture(tr review.Trigger, role review.Role) openFixture {
	return openFixture{
		actor: review.Actor{UserID: 9, Username: "opener", Role: role, OrgID: orgProviderP, Sector: "energy"},
		in: review.NewCase{Trigger: tr, ProductID: 7, VersionIDs: []int64{71, 72}, Sector: "energy", Summary: "routine",
			Procurement: &review.Procurement{Description: "SCADA gateways for the northern grid"}},
		product:  review.Product{ID: 7, ProviderOrgID: orgProviderP, Name: "GridOS", Category: "core_network_equipment"},
		versions: []review.Version{{ID: 71, ProductID: 7, Version: "1.0"}, {ID: 72, ProductID: 7, Version: "1.1"}, {ID: 81, ProductID: 8, Version: "9"}},
		previous: &review.Case{ID: 3, ProductID: 7, State: review.StatePublished},
	}
}

func TestCheckOpenTriggerRole(t *testing.T) {
	mayOpen := map[review.Trigger][]review.Role{
		review.TriggerStateRequest:          {review.RoleRequester, review.RoleOffice},
		review.TriggerAssociationSuggestion: {review.RoleRequester},
		review.TriggerMarketFeedback:        {review.RoleOffice},
		review.TriggerEnterpriseApplication: {review.RoleProvider},
		review.TriggerCIIOProcurement:       {review.RoleCIIO},
		review.TriggerReReview:              {review.RoleOffice},
	}
	if len(mayOpen) != len(review.Triggers) {
		t.Fatalf("the expectation covers %d triggers, the package has %d", len(mayOpen), len(review.Triggers))
	}
	for _, tr := range review.Triggers {
		for _, role := range review.Roles {
			allowed := slices.Contains(mayOpen[tr], role)
			name := "Forbidden"
			if allowed {
				name = "OK"
			}
			t.Run(fmt.Sprintf("%s/%s/%s", name, tr, role), func(t *testing.T) {
				fx := newOpenFixture(tr, role)
				err := review.CheckOpen(fx.actor, fx.in, fx.product, fx.versions, fx.previous)
				if allowed {
					if err != nil {
						t.Fatalf("CheckOpen: %v", err)
					}
					return
				}
				checkErr(t, err, wantErr{review.KindForbidden, "forbidden", "", map[string]string{"action": "open_" + string(tr)}})
			})
		}
	}
}

// TestMayOpenCases: the roles that may open a case by no trigger are
// refused before their input is read.
func TestMayOpenCases(t *testing.T) {
	may := []review.Role{review.RoleOffice, review.RoleProvider, review.RoleCIIO, review.RoleRequester}
	for _, role := range review.Roles {
		if got, want := review.MayOpenCases(role), slices.Contains(may, role); got != want {
			t.Errorf("MayOpenCases(%s) = %v, want %v", role, got, want)
		}
	}
}

func TestCheckOpen(t *testing.T) {
	tests := []struct {
		name   string
		tr     review.Trigger
		role   review.Role
		modify func(*openFixture)
		want   *wantErr
	}{
		{"OK/EnterpriseApplication", review.TriggerEnterpriseApplication, review.RoleProvider, func(fx *openFixture) { fx.previous = nil }, nil},
		{"OK/NationalSector", review.TriggerStateRequest, review.RoleRequester, func(fx *openFixture) { fx.in.Sector = "" }, nil},
		{"OK/SummaryAtLimit", review.TriggerStateRequest, review.RoleRequester, func(fx *openFixture) { fx.in.Summary = strings.Repeat("s", 4000) }, nil},
		{"OK/RequesterForAnotherProvidersProduct", review.TriggerStateRequest, review.RoleRequester, func(fx *openFixture) { fx.actor.OrgID = orgStateDept }, nil},
		{"ErrTriggerRequired", "", review.RoleProvider, nil, &wantErr{review.KindInvalid, "field_required", "trigger", nil}},
		{"ErrTriggerUnknown", "rumour", review.RoleProvider, nil,
			&wantErr{review.KindInvalid, "field_unknown_value", "trigger", map[string]string{"value": "rumour"}}},
		{"ErrAnotherProvidersProduct", review.TriggerEnterpriseApplication, review.RoleProvider,
			func(fx *openFixture) { fx.actor.OrgID = orgProviderQ },
			&wantErr{review.KindInvalid, "field_invalid", "product_id", map[string]string{"rule": "a provider applies for its own products"}}},
		{"ErrVersionsRequired", review.TriggerEnterpriseApplication, review.RoleProvider, func(fx *openFixture) { fx.in.VersionIDs = nil },
			&wantErr{review.KindInvalid, "field_required", "version_ids", nil}},
		{"ErrVersionOfOtherProduct", review.TriggerEnterpriseApplication, review.RoleProvider, func(fx *openFixture) { fx.in.VersionIDs = []int64{71, 81} },
			&wantErr{review.KindInvalid, "field_invalid", "version_ids", nil}},
		{"ErrVersionUnknown", review.TriggerEnterpriseApplication, review.RoleProvider, func(fx *openFixture) { fx.in.VersionIDs = []int64{99} },
			&wantErr{review.KindInvalid, "field_invalid", "version_ids", nil}},
		{"ErrReReviewWithoutPrevious", review.TriggerReReview, review.RoleOffice, func(fx *openFixture) { fx.previous = nil },
			&wantErr{review.KindInvalid, "field_required", "previous_case", nil}},
		{"ErrPreviousOfOtherProduct", review.TriggerReReview, review.RoleOffice, func(fx *openFixture) { fx.previous.ProductID = 8 },
			&wantErr{review.KindInvalid, "field_invalid", "previous_case", nil}},
		{"ErrProcurementRequired", review.TriggerCIIOProcurement, review.RoleCIIO, func(fx *openFixture) { fx.in.Procurement = nil },
			&wantErr{review.KindInvalid, "field_required", "procurement.description", nil}},
		{"ErrProcurementDescriptionBlank", review.TriggerCIIOProcurement, review.RoleCIIO,
			func(fx *openFixture) { fx.in.Procurement = &review.Procurement{Description: "  ", ContractRef: "C-1"} },
			&wantErr{review.KindInvalid, "field_required", "procurement.description", nil}},
		{"ErrCIIOWithoutSector", review.TriggerCIIOProcurement, review.RoleCIIO, func(fx *openFixture) { fx.actor.Sector = "" },
			&wantErr{review.KindInvalid, "field_required", "sector", nil}},
		{"ErrSectorUnknown", review.TriggerStateRequest, review.RoleOffice, func(fx *openFixture) { fx.in.Sector = "space" },
			&wantErr{review.KindInvalid, "field_unknown_value", "sector", map[string]string{"value": "space"}}},
		{"ErrSummaryTooLong", review.TriggerStateRequest, review.RoleOffice, func(fx *openFixture) { fx.in.Summary = strings.Repeat("s", 4001) },
			&wantErr{review.KindInvalid, "field_too_long", "summary", map[string]string{"max": "4000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newOpenFixture(tt.tr, tt.role)
			if tt.modify != nil {
				tt.modify(&fx)
			}
			err := review.CheckOpen(fx.actor, fx.in, fx.product, fx.versions, fx.previous)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckOpen: %v", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
		})
	}
}

func TestSectorOf(t *testing.T) {
	tests := []struct {
		name  string
		actor review.Actor
		named string
		want  string
	}{
		{"CIIOOwnSector", ciioEnergy, "finance", "energy"},
		{"SectorOfficeOwnSector", financeOffice, "energy", "finance"},
		{"NationalOfficeNamed", nationalOffice, "energy", "energy"},
		{"NationalOfficeNational", nationalOffice, "", ""},
		{"ProviderNamed", providerP, "telecom", "telecom"},
		{"RequesterNamed", requester, "water", "water"},
		{"CIIDepartmentNamed", ciiDeptFinance, "energy", "energy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := review.SectorOf(tt.actor, review.NewCase{Sector: tt.named}); got != tt.want {
				t.Errorf("SectorOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCaseAssignments(t *testing.T) {
	c := enterpriseCase(review.StateExpertAssessment)
	c.Assignments = []review.Assignment{
		labAssignment(1, orgLabA, true, true),
		labAssignment(2, orgLabB, false, true),
		expertAssignment(3, expertZhang, true, true),
		expertAssignment(4, expertLi, true, false),
		expertAssignment(5, expertWang, false, true),
		expertAssignment(6, expertChen, true, true),
	}
	ids := func(as []review.Assignment) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if got := ids(c.ActiveLabs()); !slices.Equal(got, []int64{1}) {
		t.Errorf("ActiveLabs = %v, want [1]", got)
	}
	if got := ids(c.ActiveExperts()); !slices.Equal(got, []int64{3, 4, 6}) {
		t.Errorf("ActiveExperts = %v, want [3 4 6]", got)
	}
	if got := c.Opinions(); got != 2 {
		t.Errorf("Opinions = %d, want 2 (ended expert 5 does not count, expert 4 has not given one)", got)
	}
	if review.Quorum != 3 {
		t.Errorf("Quorum = %d, want 3", review.Quorum)
	}
}

func TestStatePredicates(t *testing.T) {
	closed := setOf(review.StateNotAccepted, review.StateNotRequired, review.StatePublished, review.StateWithdrawn, review.StateTerminated)
	paused := setOf(review.StateIncomplete, review.StateAwaitingSupplement)
	for _, s := range review.States {
		t.Run(string(s), func(t *testing.T) {
			if s.Closed() != closed[s] {
				t.Errorf("Closed = %v, want %v", s.Closed(), closed[s])
			}
			if s.Paused() != paused[s] {
				t.Errorf("Paused = %v, want %v", s.Paused(), paused[s])
			}
		})
	}
}
