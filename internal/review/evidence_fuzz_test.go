package review_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"shencha/internal/review"
)

// FuzzCheckEvidence reads the structured evidence a lab or the office
// posts: a refusal is a bad request naming the field (inside data, with
// its path), and what is accepted reads back from its own JSON to the same JSON.
func FuzzCheckEvidence(f *testing.F) {
	kinds := []review.EvidenceKind{review.EvidenceLabTest, review.EvidenceChecklist, review.EvidenceMonitoring,
		review.EvidenceBackground, review.EvidenceDocument, review.EvidenceAnalysis, "unknown", ""}
	add := func(i int, v any) {
		b, _ := json.Marshal(v)
		f.Add(uint8(i), "evidence", "confidential", b)
	}
	add(0, validLabTest())
	add(1, validChecklist())
	add(2, validObservations())
	add(3, validBackground())
	add(4, review.Document{DocKind: "commitment", Description: "d"})
	add(5, map[string]any{"findings": []int{1}})
	cycle := validBackground()
	cycle.Holdings = append(cycle.Holdings, review.Holding{Owner: "P", Owned: "X", Share: 10})
	add(3, cycle)
	f.Add(uint8(0), "", "secret", []byte(`{"sample":{}}{}`))
	f.Fuzz(func(t *testing.T, kind uint8, title, label string, data []byte) {
		in := review.EvidenceInput{Kind: kinds[int(kind)%len(kinds)], Title: title, Label: review.Label(label), Data: data}
		v, err := review.CheckEvidence(&in)
		if err != nil {
			var e *review.Error
			if !errors.As(err, &e) || e.Kind != review.KindInvalid || e.Field == "" {
				t.Fatalf("refused without naming a field: %#v", err)
			}
			return
		}
		if !slices.Contains(review.Labels, in.Label) {
			t.Fatalf("accepted evidence labelled %q", in.Label)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted data that does not marshal: %v", err)
		}
		again := in
		again.Data = b
		w, err := review.CheckEvidence(&again)
		if err != nil {
			t.Fatalf("its own JSON %s is refused: %v", b, err)
		}
		// Read back, it writes the same JSON (an empty list and none are
		// one thing).
		if again, _ := json.Marshal(w); !bytes.Equal(again, b) {
			t.Fatalf("read back differently:\n%s\n%s", b, again)
		}
	})
}
