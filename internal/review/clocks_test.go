package review_test

import (
	"slices"
	"testing"

	"shencha/internal/review"
)

func TestClockEffects(t *testing.T) {
	type ef = review.ClockEffect
	tests := []struct {
		name     string
		from, to review.State
		want     []ef
	}{
		{"SubmittedToScreeningKeepsRunning", review.StateSubmitted, review.StateScreening, nil},
		{"DraftToSubmittedStartsScreening", review.StateDraft, review.StateSubmitted, []ef{{"screening", review.ClockStart}}},
		{"ScreeningToIncomplete", review.StateScreening, review.StateIncomplete,
			[]ef{{"screening", review.ClockPause}, {"supplement", review.ClockStart}}},
		{"IncompleteToScreening", review.StateIncomplete, review.StateScreening,
			[]ef{{"screening", review.ClockResume}, {"supplement", review.ClockStop}}},
		{"ScreeningToAccepted", review.StateScreening, review.StateAccepted,
			[]ef{{"screening", review.ClockStop}, {"review", review.ClockStart}}},
		{"ScreeningToNotAccepted", review.StateScreening, review.StateNotAccepted, []ef{{"screening", review.ClockStop}}},
		{"IncompleteToWithdrawnStopsPaused", review.StateIncomplete, review.StateWithdrawn,
			[]ef{{"screening", review.ClockStop}, {"supplement", review.ClockStop}}},
		{"AcceptedToEvaluationKeepsRunning", review.StateAccepted, review.StateEvaluation, nil},
		{"EvaluationToAwaitingSupplement", review.StateEvaluation, review.StateAwaitingSupplement,
			[]ef{{"supplement", review.ClockStart}, {"review", review.ClockPause}}},
		{"AwaitingSupplementToEvaluation", review.StateAwaitingSupplement, review.StateEvaluation,
			[]ef{{"supplement", review.ClockStop}, {"review", review.ClockResume}}},
		{"EvaluationToExpertAssessment", review.StateEvaluation, review.StateExpertAssessment, nil},
		{"ExpertAssessmentToDeliberation", review.StateExpertAssessment, review.StateDeliberation,
			[]ef{{"review", review.ClockStop}, {"deliberation", review.ClockStart}}},
		{"ExpertAssessmentToDecided", review.StateExpertAssessment, review.StateDecided, []ef{{"review", review.ClockStop}}},
		{"DeliberationToDecided", review.StateDeliberation, review.StateDecided, []ef{{"deliberation", review.ClockStop}}},
		{"DraftToDetermination", review.StateDraft, review.StateDetermination, []ef{{"determination", review.ClockStart}}},
		{"DeterminationToAccepted", review.StateDetermination, review.StateAccepted,
			[]ef{{"determination", review.ClockStop}, {"review", review.ClockStart}}},
		{"DeterminationToNotRequired", review.StateDetermination, review.StateNotRequired, []ef{{"determination", review.ClockStop}}},
		{"DecidedToPublished", review.StateDecided, review.StatePublished, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := review.ClockEffects(tt.from, tt.to)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ClockEffects(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestClockSpecs(t *testing.T) {
	names := review.ClockNames()
	if len(names) != len(review.ClockSpecs) {
		t.Errorf("ClockNames %v and ClockSpecs (%d) differ", names, len(review.ClockSpecs))
	}
	for _, n := range names {
		spec, ok := review.ClockSpecs[n]
		if !ok {
			t.Errorf("clock %q has no spec", n)
			continue
		}
		if len(spec.Runs) == 0 {
			t.Errorf("clock %q never runs", n)
		}
		for _, s := range append(slices.Clone(spec.Runs), spec.Pauses...) {
			if !slices.Contains(review.States, s) {
				t.Errorf("clock %q names unknown state %q", n, s)
			}
			if s.Closed() {
				t.Errorf("clock %q runs or pauses in closed state %q", n, s)
			}
			if slices.Contains(spec.Runs, s) && slices.Contains(spec.Pauses, s) {
				t.Errorf("clock %q both runs and pauses in %q", n, s)
			}
		}
		for _, s := range spec.Pauses {
			if !s.Paused() {
				t.Errorf("clock %q pauses in %q, which is not a Paused state", n, s)
			}
		}
	}
	t.Run("SameStateNoEffect", func(t *testing.T) {
		for _, s := range review.States {
			if got := review.ClockEffects(s, s); len(got) != 0 {
				t.Errorf("ClockEffects(%s, %s) = %v", s, s, got)
			}
		}
	})
	t.Run("EveryTransitionOfTheTable", func(t *testing.T) {
		// Every transition the table allows, from a state where the clocks
		// are as the specs say, leaves them as the specs say.
		for _, r := range review.Table {
			if r.To == "" {
				continue
			}
			for _, from := range r.From {
				ct := clockTracker{}
				for name, spec := range review.ClockSpecs {
					if slices.Contains(spec.Runs, from) {
						ct[name] = "running"
					} else if slices.Contains(spec.Pauses, from) {
						ct[name] = "paused"
					}
				}
				ct.apply(t, from, r.To)
			}
		}
	})
	t.Run("ClosedStatesStopEverything", func(t *testing.T) {
		for _, from := range review.States {
			for _, to := range review.States {
				if !to.Closed() {
					continue
				}
				for _, e := range review.ClockEffects(from, to) {
					if e.Op != review.ClockStop {
						t.Errorf("ClockEffects(%s, %s) has %v", from, to, e)
					}
				}
			}
		}
	})
}
