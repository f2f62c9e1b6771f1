package catalog

import (
	"errors"
	"fmt"
	"slices"

	"shencha/internal/review"
)

// Status is a finding's verdict on one criterion.
type Status string

// Statuses of a finding.
const (
	StatusMet           Status = "met"
	StatusPartiallyMet  Status = "partially_met"
	StatusNotMet        Status = "not_met"
	StatusNotApplicable Status = "not_applicable"
)

// Statuses lists every status.
var Statuses = []Status{StatusMet, StatusPartiallyMet, StatusNotMet, StatusNotApplicable}

// Finding is the part of a finding the decision rule reads; the store keeps
// the full record (rationale, evidence, who and when).
type Finding struct {
	CriterionID string
	Status      Status
}

// ErrUnknownCriterion is wrapped by Recommend when a finding names a
// criterion the catalogue does not have.
var ErrUnknownCriterion = errors.New("catalog: unknown criterion")

// Recommend applies the default decision rule (DESIGN §4) to findings on
// the criteria of cat:
//
//   - any critical criterion not_met → fail;
//   - else any high criterion not_met, or any critical criterion
//     partially_met → conditional_pass;
//   - else pass (medium and low criteria, partially_met high ones and
//     not_applicable findings never lower the outcome by themselves).
//
// It returns the outcome and the ids of the criteria that drove it, in
// catalogue order without repeats (none for pass). Several findings on one
// criterion (from several labs) are all counted. A finding on a criterion
// cat does not have, or with an unknown status, is an error: the rule
// cannot be applied to it. Whether every planned criterion has a finding is
// not this rule's business.
func Recommend(cat *Catalog, findings []Finding) (review.Outcome, []string, error) {
	if cat == nil {
		return "", nil, errors.New("catalog: recommend: no catalogue")
	}
	pos := make(map[string]int, len(cat.Criteria))
	for i, c := range cat.Criteria {
		pos[c.ID] = i
	}
	var fail, cond []int
	for _, f := range findings {
		i, ok := pos[f.CriterionID]
		if !ok {
			return "", nil, fmt.Errorf("%w %q in version %s", ErrUnknownCriterion, f.CriterionID, cat.Version)
		}
		if !slices.Contains(Statuses, f.Status) {
			return "", nil, fmt.Errorf("catalog: recommend: %s: unknown status %q", f.CriterionID, f.Status)
		}
		sev := cat.Criteria[i].Severity
		switch {
		case sev == SeverityCritical && f.Status == StatusNotMet:
			fail = append(fail, i)
		case sev == SeverityHigh && f.Status == StatusNotMet,
			sev == SeverityCritical && f.Status == StatusPartiallyMet:
			cond = append(cond, i)
		}
	}
	ids := func(idx []int) []string {
		slices.Sort(idx)
		idx = slices.Compact(idx)
		out := make([]string, len(idx))
		for k, i := range idx {
			out[k] = cat.Criteria[i].ID
		}
		return out
	}
	switch {
	case len(fail) > 0:
		return review.OutcomeFail, ids(fail), nil
	case len(cond) > 0:
		return review.OutcomeConditionalPass, ids(cond), nil
	}
	return review.OutcomePass, nil, nil
}
