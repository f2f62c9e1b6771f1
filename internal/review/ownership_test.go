package review_test

import (
	"encoding/json"
	"slices"
	"testing"

	"shencha/internal/review"
)

func TestParsePercent(t *testing.T) {
	ok := map[string]review.Percent{"0": 0, "72.5": 7250, "72.50": 7250, "100": 10000, "100.00": 10000, "0.01": 1, " 12 ": 1200, "007": 700}
	for in, want := range ok {
		got, err := review.ParsePercent("share", in)
		if err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{"": "field_required", "100.01": "field_out_of_range", "101": "field_out_of_range",
		"-1": "field_invalid", "12.345": "field_invalid", "1e2": "field_invalid", "72.": "field_invalid", ".5": "field_invalid",
		"abc": "field_invalid", "1000": "field_invalid", "true": "field_invalid"}
	for in, code := range bad {
		_, err := review.ParsePercent("share", in)
		e, isErr := err.(*review.Error)
		if !isErr || e.Code != code || e.Field != "share" {
			t.Errorf("ParsePercent(%q): %v, want %s naming share", in, err, code)
		}
	}
	for p, want := range map[review.Percent]string{0: "0.00", 1: "0.01", 7250: "72.50", 10000: "100.00", 1205: "12.05"} {
		if got := p.String(); got != want {
			t.Errorf("Percent(%d) = %q, want %q", int(p), got, want)
		}
	}
	if b, _ := json.Marshal(struct{ S review.Percent }{7250}); string(b) != `{"S":72.50}` {
		t.Errorf("JSON %s", b)
	}
}

// A share arrives as a JSON number or a string; anything else is kept as
// text so the check names the field.
func TestDecimalFromJSON(t *testing.T) {
	for body, want := range map[string]review.Decimal{`{"share":72.5}`: "72.5", `{"share":"12.00"}`: "12.00", `{"share":true}`: "true", `{"share":null}`: ""} {
		var in review.NewStake
		if err := json.Unmarshal([]byte(body), &in); err != nil || in.Share != want {
			t.Errorf("%s: %q, %v; want %q", body, in.Share, err, want)
		}
	}
}

// chain builds stakes with ids 1, 2, … in order.
func chain(stakes ...review.Stake) []review.Stake {
	for i := range stakes {
		stakes[i].ID = int64(i + 1)
	}
	return stakes
}

func stake(held int64, name string, share review.Percent, control bool) review.Stake {
	return review.Stake{HeldID: held, OwnerName: name, OwnerKind: review.OwnerCompany, Jurisdiction: "CN", Share: share, Control: control}
}

func TestCheckStake(t *testing.T) {
	existing := chain(stake(0, "Holding", 7250, false), stake(0, "Fund", 1200, false), stake(1, "Founder", 6100, true))
	good := review.NewStake{OwnerName: "Employees' platform", OwnerKind: review.OwnerCompany, Jurisdiction: "CN", Share: "15.50"}
	st, err := review.CheckStake(good, existing)
	if err != nil || st.Share != 1550 || st.OwnerName != "Employees' platform" {
		t.Fatalf("a stake bringing the total to exactly 100: %+v %v", st, err)
	}
	with := func(f func(*review.NewStake)) review.NewStake {
		in := good
		f(&in)
		return in
	}
	cases := []struct {
		name, field, code string
		in                review.NewStake
	}{
		{"ErrTotalOver100", "share", "field_invalid", with(func(in *review.NewStake) { in.Share = "15.51" })},
		{"ErrShareOver100", "share", "field_out_of_range", with(func(in *review.NewStake) { in.Share = "100.5" })},
		{"ErrShareThreeDecimals", "share", "field_invalid", with(func(in *review.NewStake) { in.Share = "1.255" })},
		{"ErrShareMissing", "share", "field_required", with(func(in *review.NewStake) { in.Share = "" })},
		{"ErrNameRequired", "owner_name", "field_required", with(func(in *review.NewStake) { in.OwnerName = "  " })},
		{"ErrNameTwice", "owner_name", "field_invalid", with(func(in *review.NewStake) { in.OwnerName = "fund"; in.Share = "1" })},
		{"ErrKindUnknown", "owner_kind", "field_unknown_value", with(func(in *review.NewStake) { in.OwnerKind = "trust" })},
		{"ErrKindMissing", "owner_kind", "field_required", with(func(in *review.NewStake) { in.OwnerKind = "" })},
		{"ErrJurisdictionLower", "jurisdiction", "field_invalid", with(func(in *review.NewStake) { in.Jurisdiction = "cn" })},
		{"ErrJurisdictionName", "jurisdiction", "field_invalid", with(func(in *review.NewStake) { in.Jurisdiction = "China" })},
		{"ErrJurisdictionMissing", "jurisdiction", "field_required", with(func(in *review.NewStake) { in.Jurisdiction = "" })},
		{"ErrHeldUnknown", "held_id", "field_invalid", with(func(in *review.NewStake) { in.HeldID = 9 })},
		{"ErrHeldNegative", "held_id", "field_invalid", with(func(in *review.NewStake) { in.HeldID = -1 })},
		{"ErrNotesLong", "notes", "field_too_long", with(func(in *review.NewStake) { in.Notes = string(make([]byte, 2001)) })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := review.CheckStake(c.in, existing)
			e, ok := err.(*review.Error)
			if !ok || e.Field != c.field || e.Code != c.code {
				t.Errorf("%v, want %s naming %s", err, c.code, c.field)
			}
		})
	}
	// The total is per held entity: the founder's 61 % of the holding does
	// not count against the provider's 100 %.
	if _, err := review.CheckStake(with(func(in *review.NewStake) { in.HeldID = 1; in.Share = "39" }), existing); err != nil {
		t.Errorf("39 %% more of the holding: %v", err)
	}
	if _, err := review.CheckStake(with(func(in *review.NewStake) { in.HeldID = 1; in.Share = "39.01" }), existing); err == nil {
		t.Error("the holding's shares may not pass 100 %")
	}
}

func TestControlOf(t *testing.T) {
	cases := []struct {
		name     string
		chain    []review.Stake
		path     []int64
		disputed bool
	}{
		{"Majority", chain(stake(0, "A", 7250, false), stake(0, "B", 1200, false), stake(1, "C", 6100, false), stake(1, "D", 3900, false)), []int64{1, 3}, false},
		{"NoMajority", chain(stake(0, "A", 5000, false), stake(0, "B", 5000, false)), []int64{}, false},
		{"ExactlyHalfIsNotControl", chain(stake(0, "A", 5000, false)), []int64{}, false},
		{"ControlFlagWinsOverShares", chain(stake(0, "A", 5100, false), stake(1, "Nominee", 10000, false), stake(1, "VIE", 0, true), stake(3, "Founder", 6200, false)),
			[]int64{1, 3, 4}, false},
		{"TwoControlFlagsDispute", chain(stake(0, "A", 6000, false), stake(1, "X", 1000, true), stake(1, "Y", 1000, true)), nil, true},
		{"ChainStopsBelowWidelyHeld", chain(stake(0, "A", 8000, false), stake(1, "B", 3000, false), stake(1, "C", 3000, false)), []int64{1}, false},
		{"Empty", nil, []int64{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := review.ControlOf(c.chain)
			if got.Disputed != c.disputed {
				t.Fatalf("disputed %v, want %v", got.Disputed, c.disputed)
			}
			if c.disputed {
				if got.Ultimate != 0 {
					t.Errorf("a disputed chain names ultimate controller %d", got.Ultimate)
				}
				return
			}
			if !slices.Equal(got.Path, c.path) {
				t.Errorf("path %v, want %v", got.Path, c.path)
			}
			want := int64(0)
			if len(c.path) > 0 {
				want = c.path[len(c.path)-1]
			}
			if got.Ultimate != want {
				t.Errorf("ultimate %d, want %d", got.Ultimate, want)
			}
		})
	}
}

func TestDepths(t *testing.T) {
	c := chain(stake(0, "A", 1, false), stake(1, "B", 1, false), stake(0, "C", 1, false), stake(2, "D", 1, false))
	// Out of order on input: depth does not depend on the order handed in.
	slices.Reverse(c)
	d := review.Depths(c)
	want := map[int64]int{1: 1, 2: 2, 3: 1, 4: 3}
	for id, w := range want {
		if d[id] != w {
			t.Errorf("depth of %d = %d, want %d", id, d[id], w)
		}
	}
	if len(d) != len(want) {
		t.Errorf("depths %v", d)
	}
}

func TestOwnershipPolicy(t *testing.T) {
	const provider, other = 7, 8
	national := review.Actor{UserID: 1, Role: review.RoleOffice}
	sector := review.Actor{UserID: 2, Role: review.RoleOffice, Sector: "finance"}
	own := review.Actor{UserID: 3, Role: review.RoleProvider, OrgID: provider}
	rival := review.Actor{UserID: 4, Role: review.RoleProvider, OrgID: other}
	lab := review.Actor{UserID: 5, Role: review.RoleLab, OrgID: 20}
	cii := review.Actor{UserID: 6, Role: review.RoleCIIDepartment, Sector: "energy"}
	cases := []struct {
		name         string
		a            review.Actor
		rel          review.Party
		read, record bool
	}{
		{"NationalOffice", national, 0, true, true},
		{"SectorOfficeWithoutCase", sector, 0, false, false},
		{"SectorOfficeOnACase", sector, review.PartyOffice, true, true},
		{"ProviderItself", own, review.PartyProvider | review.PartyApplicant, true, true},
		{"AnotherProvider", rival, 0, false, false},
		{"AnotherProviderApplicant", rival, review.PartyApplicant, false, false},
		{"AssignedLab", lab, review.PartyLab, true, false},
		{"LabWithoutAssignment", lab, 0, false, false},
		{"Committee", review.Actor{UserID: 7, Role: review.RoleCommittee}, review.PartyCommittee, true, false},
		{"CIIDepartment", cii, review.PartyCIIDepartment, false, false},
		{"Anonymous", review.Actor{}, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := review.MayReadOwnership(c.a, provider, c.rel); got != c.read {
				t.Errorf("read %v, want %v", got, c.read)
			}
			if got := review.MayRecordOwnership(c.a, provider, c.rel); got != c.record {
				t.Errorf("record %v, want %v", got, c.record)
			}
		})
	}
}
