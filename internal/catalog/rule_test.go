package catalog

import (
	"errors"
	"slices"
	"testing"

	"shencha/internal/review"
)

func TestRecommend(t *testing.T) {
	cat := Default()
	// The first two criteria of each severity, in catalogue order.
	of := map[Severity][]string{}
	for _, c := range cat.Criteria {
		if len(of[c.Severity]) < 2 {
			of[c.Severity] = append(of[c.Severity], c.ID)
		}
	}
	crit, crit2, high, med, low := of[SeverityCritical][0], of[SeverityCritical][1], of[SeverityHigh][0], of[SeverityMedium][0], of[SeverityLow][0]
	f := func(id string, s Status) Finding { return Finding{CriterionID: id, Status: s} }

	cases := []struct {
		name     string
		findings []Finding
		want     review.Outcome
		basis    []string
	}{
		{"NoFindings", nil, review.OutcomePass, nil},
		{"AllMet", []Finding{f(crit, StatusMet), f(high, StatusMet), f(med, StatusMet)}, review.OutcomePass, nil},
		{"CriticalNotMet", []Finding{f(crit, StatusNotMet), f(high, StatusMet)}, review.OutcomeFail, []string{crit}},
		{"CriticalNotMetOutweighsHigh", []Finding{f(high, StatusNotMet), f(crit, StatusNotMet)}, review.OutcomeFail, []string{crit}},
		{"HighNotMet", []Finding{f(crit, StatusMet), f(high, StatusNotMet)}, review.OutcomeConditionalPass, []string{high}},
		{"CriticalPartiallyMet", []Finding{f(crit, StatusPartiallyMet)}, review.OutcomeConditionalPass, []string{crit}},
		{"CriticalPartlyAndHighNot", []Finding{f(high, StatusNotMet), f(crit, StatusPartiallyMet)}, review.OutcomeConditionalPass, []string{crit, high}},
		{"HighPartiallyMet", []Finding{f(high, StatusPartiallyMet)}, review.OutcomePass, nil},
		{"MediumAndLowNotMet", []Finding{f(med, StatusNotMet), f(low, StatusNotMet)}, review.OutcomePass, nil},
		{"CriticalNotApplicable", []Finding{f(crit, StatusNotApplicable)}, review.OutcomePass, nil},
		// Two labs on one criterion: the worse finding counts, once.
		{"TwoLabsDisagree", []Finding{f(crit, StatusMet), f(crit, StatusNotMet), f(crit, StatusNotMet)}, review.OutcomeFail, []string{crit}},
		{"BasisInCatalogueOrder", []Finding{f(crit2, StatusNotMet), f(crit, StatusNotMet)}, review.OutcomeFail, []string{crit, crit2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, basis, err := Recommend(cat, tc.findings)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || !slices.Equal(basis, tc.basis) {
				t.Errorf("Recommend = %s %v, want %s %v", got, basis, tc.want, tc.basis)
			}
		})
	}

	t.Run("ErrUnknownCriterion", func(t *testing.T) {
		_, _, err := Recommend(cat, []Finding{f(crit, StatusMet), f("R9-C-01", StatusMet)})
		if !errors.Is(err, ErrUnknownCriterion) {
			t.Fatalf("err = %v, want ErrUnknownCriterion", err)
		}
		if want := `catalog: unknown criterion "R9-C-01" in version 2026.1`; err.Error() != want {
			t.Errorf("err = %q, want %q", err, want)
		}
	})
	t.Run("ErrUnknownStatus", func(t *testing.T) {
		_, _, err := Recommend(cat, []Finding{f(crit, "fine")})
		if err == nil || err.Error() != `catalog: recommend: `+crit+`: unknown status "fine"` {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ErrNoCatalogue", func(t *testing.T) {
		if _, _, err := Recommend(nil, nil); err == nil {
			t.Error("no error without a catalogue")
		}
	})
}
