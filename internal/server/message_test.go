package server

import (
	"strings"
	"testing"

	"shencha/internal/review"
)

// An error names a field by the label the forms show, with the API's name
// for it, in the caller's language.
func TestMessageNamesFieldByLabel(t *testing.T) {
	e := review.Invalid("departure_rationale", "departs_from_rule", "recommended", "pass", "outcome", "fail")
	for lang, want := range map[string]string{"zh-CN": "偏离理由 (departure_rationale)", "en": "(departure_rationale)"} {
		if got := message(lang, e); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to contain %q", lang, got, want)
		}
	}
	// A field no form labels keeps its API name.
	if got := message("en", review.Required("no_such_input")); !strings.Contains(got, "no_such_input") {
		t.Errorf("unlabelled field: %q", got)
	}
}
