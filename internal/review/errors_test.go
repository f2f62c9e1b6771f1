package review_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"shencha/internal/review"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *review.Error
		want string
	}{
		{"Required", review.Required("name"), `field_required (field name) field="name"`},
		{"InvalidSortedParams", review.Invalid("days", "field_out_of_range", "min", "1", "max", "60"),
			`field_out_of_range (field days) field="days" max="60" min="1"`},
		{"NotFound", review.NotFound("case"), `not_found what="case"`},
		{"Forbidden", review.Forbidden("accept"), `forbidden action="accept"`},
		{"Unauthorized", review.Unauthorized(), `unauthorized`},
		{"Conflict", review.Conflict("duplicate", "what", "assignment"), `duplicate what="assignment"`},
		{"Internal", review.Internal(io.ErrUnexpectedEOF), `internal: unexpected EOF`},
		{"OddKeyValueIgnored", review.E(review.KindConflict, "guard_failed", "rule"), `guard_failed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want review.Kind
	}{
		{"Required", review.Required("x"), review.KindInvalid},
		{"NotFound", review.NotFound("x"), review.KindNotFound},
		{"Forbidden", review.Forbidden("x"), review.KindForbidden},
		{"Unauthorized", review.Unauthorized(), review.KindUnauthorized},
		{"Conflict", review.Conflict("duplicate"), review.KindConflict},
		{"Internal", review.Internal(io.EOF), review.KindInternal},
		{"Wrapped", fmt.Errorf("store: %w", review.NotFound("case")), review.KindNotFound},
		{"Plain", io.EOF, review.KindInternal},
		{"TooLarge", review.E(review.KindTooLarge, "body_too_large"), review.KindTooLarge},
		{"RateLimited", review.RateLimited(), review.KindRateLimited},
		{"Timeout", review.E(review.KindTimeout, "body_too_slow"), review.KindTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := review.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf = %q, want %q", got, tt.want)
			}
			if !review.IsKind(tt.err, tt.want) {
				t.Errorf("IsKind(%q) = false", tt.want)
			}
			other := review.KindInvalid
			if tt.want == review.KindInvalid {
				other = review.KindConflict
			}
			if review.IsKind(tt.err, other) {
				t.Errorf("IsKind(%q) = true", other)
			}
		})
	}
	t.Run("NilIsNoKind", func(t *testing.T) {
		if review.IsKind(nil, review.KindInternal) {
			t.Errorf("IsKind(nil, internal) = true")
		}
	})
	t.Run("UnwrapReachesCause", func(t *testing.T) {
		err := fmt.Errorf("ctx: %w", review.Internal(io.ErrClosedPipe))
		if !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("errors.Is does not reach the cause")
		}
	})
	t.Run("InvalidSetsFieldParam", func(t *testing.T) {
		e := review.Invalid("scope", "field_unknown_value", "value", "world")
		if e.Field != "scope" || e.Params["field"] != "scope" || e.Params["value"] != "world" || e.Kind != review.KindInvalid {
			t.Errorf("Invalid = %+v", e)
		}
	})
}

// TestErrorCodesListed: every code the package's constructors and checks
// return is in ErrorCodes, so each has a message in every locale.
func TestErrorCodesListed(t *testing.T) {
	produced := []string{
		review.Required("x").Code, review.NotFound("x").Code, review.Forbidden("x").Code,
		review.Unauthorized().Code, review.Internal(io.EOF).Code,
		"field_invalid", "field_too_long", "field_unknown_value", "field_out_of_range",
		"illegal_transition", "guard_failed", "duplicate", "conflict_of_interest",
		"accreditation_invalid", "declaration_required",
	}
	// Codes actually returned by a few representative calls.
	_, err := review.Decide(nationalOffice, enterpriseCase(review.StateDraft), review.ActAccept, nil)
	produced = append(produced, asError(t, err).Code)
	_, err = review.Decide(nationalOffice, enterpriseCase(review.StateAccepted), review.ActBeginEvaluation, nil)
	produced = append(produced, asError(t, err).Code)
	err = review.CheckLabAssignment(enterpriseCase(review.StateAccepted), labOrgA, review.MethodLabTesting, nil, nil, day, review.DefaultTieLookback)
	produced = append(produced, asError(t, err).Code)
	_, err = review.Decide(nationalOffice, recommended(withQuorum(enterpriseCase(review.StateExpertAssessment)), review.OutcomePass),
		review.ActDecide, &review.Input{Outcome: review.OutcomeFail, Rationale: "r"})
	produced = append(produced, asError(t, err).Code)
	_, err = review.Decide(committee, referred(review.OutcomePass, review.OutcomeFail, review.OutcomeConditionalPass),
		review.ActCommitteeDecide, &review.Input{Outcome: review.OutcomePass, Rationale: "r"})
	produced = append(produced, asError(t, err).Code)
	_, err = review.CheckEvidence(&review.EvidenceInput{Kind: review.EvidenceBackground, Title: "t", Data: []byte(`{"x":1}`)})
	produced = append(produced, asError(t, err).Code)
	for _, c := range produced {
		if !slices.Contains(review.ErrorCodes, c) {
			t.Errorf("code %q is not in ErrorCodes", c)
		}
	}
}
