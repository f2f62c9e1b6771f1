package review_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
)

func TestOrgValidate(t *testing.T) {
	tests := []struct {
		name string
		org  review.Org
		want *wantErr
	}{
		{"OK", review.Org{Kind: review.OrgLab, Name: "Beijing Test Lab"}, nil},
		{"OK/SectorRegulator", review.Org{Kind: review.OrgSectorRegulator, Name: "Finance Regulator", Sector: "finance"}, nil},
		{"OK/NameAtLimit", review.Org{Kind: review.OrgProvider, Name: strings.Repeat("n", 200)}, nil},
		{"ErrNameRequired", review.Org{Kind: review.OrgLab, Name: " \t"}, &wantErr{review.KindInvalid, "field_required", "name", nil}},
		{"ErrNameTooLong", review.Org{Kind: review.OrgLab, Name: strings.Repeat("n", 201)},
			&wantErr{review.KindInvalid, "field_too_long", "name", map[string]string{"max": "200"}}},
		{"ErrKindUnknown", review.Org{Kind: "bank", Name: "B"}, &wantErr{review.KindInvalid, "field_unknown_value", "kind", map[string]string{"value": "bank"}}},
		{"ErrKindRequired", review.Org{Name: "B"}, &wantErr{review.KindInvalid, "field_unknown_value", "kind", nil}},
		{"ErrSectorUnknown", review.Org{Kind: review.OrgCIIO, Name: "Grid", Sector: "space"},
			&wantErr{review.KindInvalid, "field_unknown_value", "sector", map[string]string{"value": "space"}}},
		{"ErrRegulatorSectorRequired", review.Org{Kind: review.OrgSectorRegulator, Name: "Reg"},
			&wantErr{review.KindInvalid, "field_required", "sector", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.org.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
		})
	}
	t.Run("EveryKindAndSector", func(t *testing.T) {
		for _, k := range review.OrgKinds {
			for _, s := range review.Sectors {
				if err := (review.Org{Kind: k, Name: "x", Sector: s}).Validate(); err != nil {
					t.Errorf("%s/%s: %v", k, s, err)
				}
			}
		}
	})
}

func TestValidateUser(t *testing.T) {
	fits := map[review.OrgKind][]review.Role{
		review.OrgPlatform:            {review.RoleAdmin},
		review.OrgReviewOffice:        {review.RoleOffice},
		review.OrgSectorRegulator:     {review.RoleOffice},
		review.OrgCommittee:           {review.RoleCommittee},
		review.OrgExpertCommittee:     {review.RoleExpert},
		review.OrgLab:                 {review.RoleLab},
		review.OrgProvider:            {review.RoleProvider},
		review.OrgCIIO:                {review.RoleCIIO},
		review.OrgCIIDepartment:       {review.RoleCIIDepartment},
		review.OrgStateDepartment:     {review.RoleRequester},
		review.OrgIndustryAssociation: {review.RoleRequester},
		review.OrgProcurer:            {review.RoleProcurer},
	}
	if len(fits) != len(review.OrgKinds) {
		t.Fatalf("the expectation covers %d kinds, the package has %d", len(fits), len(review.OrgKinds))
	}
	for _, k := range review.OrgKinds {
		for _, r := range review.Roles {
			ok := slices.Contains(fits[k], r)
			name := "ErrRoleDoesNotFit"
			if ok {
				name = "OK"
			}
			t.Run(fmt.Sprintf("%s/%s/%s", name, k, r), func(t *testing.T) {
				err := review.ValidateUser(review.User{Username: "zhang.wei", Role: r}, review.Org{Kind: k, Name: "x"})
				if ok {
					if err != nil {
						t.Fatalf("ValidateUser: %v", err)
					}
					return
				}
				checkErr(t, err, wantErr{review.KindInvalid, "field_invalid", "role", nil})
			})
		}
	}
	lab := review.Org{Kind: review.OrgLab, Name: "Lab"}
	tests := []struct {
		name string
		user review.User
		want *wantErr
	}{
		{"OK/ShortUsername", review.User{Username: "a1", Role: review.RoleLab}, nil},
		{"OK/Punctuation", review.User{Username: "zhang.wei_01-x", Role: review.RoleLab}, nil},
		{"OK/Length64", review.User{Username: strings.Repeat("a", 64), Role: review.RoleLab}, nil},
		{"ErrUsernameOneChar", review.User{Username: "a", Role: review.RoleLab}, &wantErr{review.KindInvalid, "field_invalid", "username", nil}},
		{"ErrUsernameLength65", review.User{Username: strings.Repeat("a", 65), Role: review.RoleLab}, &wantErr{review.KindInvalid, "field_invalid", "username", nil}},
		{"ErrUsernameUpper", review.User{Username: "Zhang", Role: review.RoleLab}, &wantErr{review.KindInvalid, "field_invalid", "username", nil}},
		{"ErrUsernameSpace", review.User{Username: "zhang wei", Role: review.RoleLab}, &wantErr{review.KindInvalid, "field_invalid", "username", nil}},
		{"ErrUsernameLeadingDot", review.User{Username: ".zhang", Role: review.RoleLab}, &wantErr{review.KindInvalid, "field_invalid", "username", nil}},
		{"ErrUsernameEmpty", review.User{Role: review.RoleLab}, &wantErr{review.KindInvalid, "field_invalid", "username", nil}},
		{"ErrRoleUnknown", review.User{Username: "zhang", Role: "root"},
			&wantErr{review.KindInvalid, "field_unknown_value", "role", map[string]string{"value": "root"}}},
		{"ErrRoleEmpty", review.User{Username: "zhang"}, &wantErr{review.KindInvalid, "field_unknown_value", "role", nil}},
		{"ErrRoleDoesNotFit", review.User{Username: "zhang", Role: review.RoleExpert},
			&wantErr{review.KindInvalid, "field_invalid", "role", map[string]string{"rule": "role expert does not fit an organisation of kind lab"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := review.ValidateUser(tt.user, lab)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateUser: %v", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
		})
	}
}

func TestProductValidate(t *testing.T) {
	tests := []struct {
		name string
		p    review.Product
		want *wantErr
	}{
		{"OK", review.Product{Name: "GridOS", Category: "core_network_equipment"}, nil},
		{"OK/Service", review.Product{Name: "CloudDB", Service: true, Category: "cloud_services"}, nil},
		{"ErrNameRequired", review.Product{Name: "  ", Category: "other"}, &wantErr{review.KindInvalid, "field_required", "name", nil}},
		{"ErrNameTooLong", review.Product{Name: strings.Repeat("p", 201), Category: "other"},
			&wantErr{review.KindInvalid, "field_too_long", "name", map[string]string{"max": "200"}}},
		{"ErrCategoryUnknown", review.Product{Name: "X", Category: "toys"},
			&wantErr{review.KindInvalid, "field_unknown_value", "category", map[string]string{"value": "toys"}}},
		{"ErrCategoryEmpty", review.Product{Name: "X"}, &wantErr{review.KindInvalid, "field_unknown_value", "category", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
		})
	}
	t.Run("EveryCategory", func(t *testing.T) {
		for _, c := range review.Categories {
			if err := (review.Product{Name: "x", Category: c}).Validate(); err != nil {
				t.Errorf("%s: %v", c, err)
			}
		}
	})
}

func TestVersionValidate(t *testing.T) {
	tests := []struct {
		name string
		v    review.Version
		want *wantErr
	}{
		{"OK", review.Version{Version: "1.2.3"}, nil},
		{"OK/Identifiers", review.Version{Version: "1.2.3", PURL: "pkg:generic/gridos@1.2.3", CPE: "cpe:2.3:a:grid:gridos:1.2.3:*:*:*:*:*:*:*"}, nil},
		{"OK/VersionAtLimit", review.Version{Version: strings.Repeat("9", 100)}, nil},
		{"ErrVersionRequired", review.Version{Version: " "}, &wantErr{review.KindInvalid, "field_required", "version", nil}},
		{"ErrVersionTooLong", review.Version{Version: strings.Repeat("9", 101)},
			&wantErr{review.KindInvalid, "field_too_long", "version", map[string]string{"max": "100"}}},
		{"ErrPURL", review.Version{Version: "1", PURL: "https://example.com/gridos"},
			&wantErr{review.KindInvalid, "field_invalid", "purl", map[string]string{"rule": "must start with pkg:"}}},
		{"OK/Artifact", review.Version{Version: "1", ArtifactSHA256: strings.Repeat("ab", 32)}, nil},
		{"ErrArtifactUpper", review.Version{Version: "1", ArtifactSHA256: strings.Repeat("AB", 32)},
			&wantErr{review.KindInvalid, "field_invalid", "artifact_sha256", map[string]string{"rule": "64 lower-case hex digits"}}},
		{"ErrArtifactShort", review.Version{Version: "1", ArtifactSHA256: "abc"},
			&wantErr{review.KindInvalid, "field_invalid", "artifact_sha256", map[string]string{"rule": "64 lower-case hex digits"}}},
		{"ErrCPE", review.Version{Version: "1", CPE: "gridos 1"},
			&wantErr{review.KindInvalid, "field_invalid", "cpe", map[string]string{"rule": "must start with cpe:"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
		})
	}
}

func TestRoleGovernment(t *testing.T) {
	gov := setOf(review.RoleOffice, review.RoleCommittee, review.RoleCIIDepartment)
	for _, r := range review.Roles {
		t.Run(string(r), func(t *testing.T) {
			if r.Government() != gov[r] {
				t.Errorf("Government = %v, want %v", r.Government(), gov[r])
			}
		})
	}
}

func TestActorAnonymous(t *testing.T) {
	tests := []struct {
		name string
		a    review.Actor
		want bool
	}{
		{"Zero", review.Actor{}, true},
		{"SignedIn", providerP, false},
		{"RoleWithoutUser", review.Actor{Role: review.RoleOffice, OrgID: orgNational}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Anonymous(); got != tt.want {
				t.Errorf("Anonymous = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("SystemSeesNoCase", func(t *testing.T) {
		for _, c := range generatedCases() {
			if review.CanSee(review.System, c) {
				t.Fatalf("System sees case %+v", *c)
			}
		}
	})
	t.Run("RoleWithoutUserSeesNothing", func(t *testing.T) {
		a := review.Actor{Role: review.RoleOffice, OrgID: orgNational}
		if review.CanSee(a, enterpriseCase(review.StateScreening)) {
			t.Errorf("an actor with no user id sees a case")
		}
	})
}

func TestEnumsUnique(t *testing.T) {
	check := func(name string, xs []string) {
		seen := map[string]bool{}
		for _, x := range xs {
			if x == "" || seen[x] {
				t.Errorf("%s: %q empty or repeated", name, x)
			}
			seen[x] = true
		}
	}
	str := func(n int, f func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	check("Roles", str(len(review.Roles), func(i int) string { return string(review.Roles[i]) }))
	check("OrgKinds", str(len(review.OrgKinds), func(i int) string { return string(review.OrgKinds[i]) }))
	check("Sectors", review.Sectors)
	check("Categories", str(len(review.Categories), func(i int) string { return string(review.Categories[i]) }))
	check("Methods", str(len(review.Methods), func(i int) string { return string(review.Methods[i]) }))
	check("TieKinds", str(len(review.TieKinds), func(i int) string { return string(review.TieKinds[i]) }))
	check("Triggers", str(len(review.Triggers), func(i int) string { return string(review.Triggers[i]) }))
	check("Outcomes", str(len(review.Outcomes), func(i int) string { return string(review.Outcomes[i]) }))
	check("Scopes", str(len(review.Scopes), func(i int) string { return string(review.Scopes[i]) }))
	check("ErrorCodes", review.ErrorCodes)
	if len(review.Roles) != 10 || len(review.OrgKinds) != 12 || len(review.Triggers) != 6 {
		t.Errorf("roles %d, kinds %d, triggers %d; want 10, 12, 6", len(review.Roles), len(review.OrgKinds), len(review.Triggers))
	}
}
