package review_test

import (
	"testing"
	"time"

	"shencha/internal/review"
)

func ptr[T any](v T) *T { return &v }

var labOrgA = review.Org{ID: orgLabA, Kind: review.OrgLab, Name: "Beijing Test Lab"}

// goodAcc covers lab testing and document review of databases and cloud
// services through 2027.
func goodAcc() review.Accreditation {
	return review.Accreditation{ID: 1, LabOrgID: orgLabA,
		Methods:    []review.Method{review.MethodLabTesting, review.MethodDocumentary},
		Categories: []review.Category{"databases_and_application_software", "cloud_services"},
		ValidFrom:  date(2025, 1, 1), ValidTo: date(2027, 12, 31)}
}

func accWith(f func(*review.Accreditation)) []review.Accreditation {
	a := goodAcc()
	f(&a)
	return []review.Accreditation{a}
}

func TestCheckLabAssignment(t *testing.T) {
	yearAgo := day.AddDate(-1, 0, 0)
	fourYearsAgo := day.AddDate(-4, 0, 0)
	tie := func(until *time.Time, provider int64) []review.Tie {
		return []review.Tie{{ID: 1, LabOrgID: orgLabA, ProviderOrgID: provider, Kind: review.TieConsulting, Until: until}}
	}
	accInvalid := func(reason string) *wantErr {
		return &wantErr{review.KindConflict, "accreditation_invalid", "lab_org_id",
			map[string]string{"reason": reason, "method": "lab_testing", "category": "databases_and_application_software"}}
	}
	tests := []struct {
		name   string
		c      *review.Case
		lab    review.Org
		method review.Method
		accs   []review.Accreditation
		ties   []review.Tie
		day    time.Time
		want   *wantErr // nil: no error
	}{
		{"OK", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()}, nil, day, nil},
		{"OK/FirstDay", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()}, nil, date(2025, 1, 1), nil},
		{"OK/LastDayEvening", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()}, nil,
			time.Date(2027, 12, 31, 23, 59, 0, 0, time.UTC), nil},
		{"OK/OneOfSeveral", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting,
			append(accWith(func(a *review.Accreditation) { a.ValidTo = date(2024, 12, 31) }), goodAcc()), nil, day, nil},
		{"OK/SuspensionInFuture", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting,
			accWith(func(a *review.Accreditation) { a.SuspendedAt = ptr(day.AddDate(0, 1, 0)) }), nil, day, nil},
		{"OK/TieEndedFourYearsAgo", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()},
			tie(&fourYearsAgo, orgProviderP), day, nil},
		{"OK/TieToOtherProvider", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()},
			tie(nil, orgProviderQ), day, nil},
		{"OK/SameLabOtherMethod", evaluationCase(labAssignment(1, orgLabA, true, false)), labOrgA, review.MethodDocumentary,
			[]review.Accreditation{goodAcc()}, nil, day, nil},
		{"OK/SameLabSameMethodEnded", evaluationCase(labAssignment(1, orgLabA, false, false)), labOrgA, review.MethodLabTesting,
			[]review.Accreditation{goodAcc()}, nil, day, nil},
		{"OK/OtherLabSameMethod", evaluationCase(labAssignment(1, orgLabB, true, false)), labOrgA, review.MethodLabTesting,
			[]review.Accreditation{goodAcc()}, nil, day, nil},
		{"ErrExpired", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting,
			accWith(func(a *review.Accreditation) { a.ValidTo = date(2026, 6, 14) }), nil, day, accInvalid("expired")},
		{"ErrExpired/DayAfterLastDay", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()},
			nil, date(2028, 1, 1), accInvalid("expired")},
		{"ErrNotYetValid", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting,
			accWith(func(a *review.Accreditation) { a.ValidFrom = date(2026, 7, 1) }), nil, day, accInvalid("not_yet_valid")},
		{"ErrSuspended", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting,
			accWith(func(a *review.Accreditation) { a.SuspendedAt = ptr(date(2026, 6, 1)) }), nil, day, accInvalid("suspended")},
		{"ErrSuspended/SameInstant", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting,
			accWith(func(a *review.Accreditation) { a.SuspendedAt = ptr(day) }), nil, day, accInvalid("suspended")},
		{"ErrMethodNotCovered", enterpriseCase(review.StateAccepted), labOrgA, review.MethodOnSite, []review.Accreditation{goodAcc()}, nil, day,
			&wantErr{review.KindConflict, "accreditation_invalid", "lab_org_id", map[string]string{"reason": "method_not_covered", "method": "on_site_inspection"}}},
		{"ErrCategoryNotCovered", func() *review.Case {
			c := enterpriseCase(review.StateAccepted)
			c.Category = "hpc_and_servers"
			return c
		}(),
			labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()}, nil, day,
			&wantErr{review.KindConflict, "accreditation_invalid", "lab_org_id", map[string]string{"reason": "category_not_covered", "category": "hpc_and_servers"}}},
		{"ErrNoAccreditation", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, nil, nil, day, accInvalid("no_accreditation")},
		{"ErrNoAccreditation/OtherLabs", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting,
			accWith(func(a *review.Accreditation) { a.LabOrgID = orgLabB }), nil, day, accInvalid("no_accreditation")},
		{"ErrNotALab", enterpriseCase(review.StateAccepted), review.Org{ID: orgProviderQ, Kind: review.OrgProvider, Name: "Q"},
			review.MethodLabTesting, []review.Accreditation{goodAcc()}, nil, day,
			&wantErr{review.KindInvalid, "field_invalid", "lab_org_id", map[string]string{"field": "lab_org_id", "rule": "not a lab"}}},
		{"ErrTieOngoing", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()},
			tie(nil, orgProviderP), day, &wantErr{review.KindConflict, "conflict_of_interest", "", map[string]string{"tie": "consulting"}}},
		{"ErrTieEndedAYearAgo", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, []review.Accreditation{goodAcc()},
			tie(&yearAgo, orgProviderP), day, &wantErr{review.KindConflict, "conflict_of_interest", "", map[string]string{"tie": "consulting"}}},
		{"ErrTieBeforeAccreditation", enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, nil,
			tie(nil, orgProviderP), day, &wantErr{review.KindConflict, "conflict_of_interest", "", nil}},
		{"ErrDuplicate", evaluationCase(labAssignment(1, orgLabA, true, false)), labOrgA, review.MethodLabTesting,
			[]review.Accreditation{goodAcc()}, nil, day, &wantErr{review.KindConflict, "duplicate", "", map[string]string{"what": "assignment"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := review.CheckLabAssignment(tt.c, tt.lab, tt.method, tt.accs, tt.ties, tt.day, review.DefaultTieLookback)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckLabAssignment = %v, want nil", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
		})
	}
}

func TestCheckExpertAssignment(t *testing.T) {
	expert := review.User{ID: expertZhang, Username: "zhang", OrgID: orgExperts, Role: review.RoleExpert}
	yearAgo := day.AddDate(-1, 0, 0)
	fourYearsAgo := day.AddDate(-4, 0, 0)
	tie := func(until *time.Time) []review.Tie {
		return []review.Tie{{ID: 1, ExpertUserID: expertZhang, ProviderOrgID: orgProviderP, Kind: review.TieFamily, Until: until}}
	}
	assessment := func(as ...review.Assignment) *review.Case {
		c := enterpriseCase(review.StateExpertAssessment)
		c.Assignments = as
		return c
	}
	coi := &wantErr{review.KindConflict, "conflict_of_interest", "", map[string]string{"tie": "family"}}
	notExpert := &wantErr{review.KindInvalid, "field_invalid", "expert_user_id", map[string]string{"rule": "not an active expert"}}
	tests := []struct {
		name   string
		c      *review.Case
		expert review.User
		ties   []review.Tie
		want   *wantErr
	}{
		{"OK", assessment(), expert, nil, nil},
		{"OK/OtherExpertAssigned", assessment(expertAssignment(1, expertLi, true, false)), expert, nil, nil},
		{"OK/OwnAssignmentEnded", assessment(expertAssignment(1, expertZhang, false, false)), expert, nil, nil},
		{"OK/TieEndedFourYearsAgo", assessment(), expert, tie(&fourYearsAgo), nil},
		{"OK/LabAssignmentWithSameID", assessment(labAssignment(1, expertZhang, true, false)), expert, nil, nil},
		{"ErrNotExpert", assessment(), review.User{ID: 9, Username: "lab.a", Role: review.RoleLab}, nil, notExpert},
		{"ErrDisabled", assessment(), review.User{ID: expertZhang, Username: "zhang", Role: review.RoleExpert, Disabled: true}, nil, notExpert},
		{"ErrDuplicate", assessment(expertAssignment(1, expertZhang, true, true)), expert, nil,
			&wantErr{review.KindConflict, "duplicate", "", map[string]string{"what": "assignment"}}},
		{"ErrTieOngoing", assessment(), expert, tie(nil), coi},
		{"ErrTieEndedAYearAgo", assessment(), expert, tie(&yearAgo), coi},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := review.CheckExpertAssignment(tt.c, tt.expert, tt.ties, day, review.DefaultTieLookback)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckExpertAssignment = %v, want nil", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
		})
	}
}

func TestAccreditationCovers(t *testing.T) {
	tests := []struct {
		name   string
		acc    review.Accreditation
		m      review.Method
		c      review.Category
		day    time.Time
		ok     bool
		reason string
	}{
		{"OK", goodAcc(), review.MethodDocumentary, "cloud_services", day, true, ""},
		{"OK/LastNanosecond", goodAcc(), review.MethodLabTesting, "cloud_services", date(2028, 1, 1).Add(-time.Nanosecond), true, ""},
		{"Expired/Midnight", goodAcc(), review.MethodLabTesting, "cloud_services", date(2028, 1, 1), false, "expired"},
		{"NotYetValid/NanosecondBefore", goodAcc(), review.MethodLabTesting, "cloud_services", date(2025, 1, 1).Add(-time.Nanosecond), false, "not_yet_valid"},
		{"SuspendedWinsOverExpired", func() review.Accreditation { a := goodAcc(); a.SuspendedAt = ptr(date(2026, 1, 1)); return a }(),
			review.MethodLabTesting, "cloud_services", date(2030, 1, 1), false, "suspended"},
		{"MethodBeforeCategory", goodAcc(), review.MethodMonitoring, "mass_storage", day, false, "method_not_covered"},
		{"Category", goodAcc(), review.MethodLabTesting, "mass_storage", day, false, "category_not_covered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := tt.acc.Covers(tt.m, tt.c, tt.day)
			if ok != tt.ok || reason != tt.reason {
				t.Errorf("Covers = %v, %q; want %v, %q", ok, reason, tt.ok, tt.reason)
			}
		})
	}
}

func TestTieBars(t *testing.T) {
	tests := []struct {
		name  string
		until *time.Time
		want  bool
	}{
		{"Ongoing", nil, true},
		{"EndsInFuture", ptr(day.AddDate(1, 0, 0)), true},
		{"EndedToday", ptr(day), true},
		{"EndedJustInsideLookback", ptr(day.Add(-review.DefaultTieLookback + time.Second)), true},
		{"EndedExactlyLookbackAgo", ptr(day.Add(-review.DefaultTieLookback)), false},
		{"EndedFourYearsAgo", ptr(day.AddDate(-4, 0, 0)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tie := review.Tie{ProviderOrgID: orgProviderP, Kind: review.TieOwnership, Until: tt.until}
			if got := tie.Bars(day, review.DefaultTieLookback); got != tt.want {
				t.Errorf("Bars = %v, want %v", got, tt.want)
			}
		})
	}
	// The office may configure a longer lookback: a tie that ended four
	// years ago then still bars.
	old := review.Tie{ProviderOrgID: orgProviderP, Kind: review.TieEmployment, Until: ptr(day.AddDate(-4, 0, 0))}
	if !old.Bars(day, 5*365*24*time.Hour) {
		t.Error("a tie that ended four years ago does not bar under a five-year lookback")
	}
}
