package review

import "slices"

// ClockSpec says in which states a review clock runs and in which it is
// paused (DESIGN §3). Clocks are derived from states, so the transition
// table need not name them: entering a running state from outside starts a
// clock, a paused state pauses it, leaving both stops it.
type ClockSpec struct {
	Runs   []State
	Pauses []State
}

// ClockSpecs are the clocks of a case by name; budgets live with the calendar.
var ClockSpecs = map[string]ClockSpec{
	"screening":     {Runs: []State{StateSubmitted, StateScreening}, Pauses: []State{StateIncomplete}},
	"determination": {Runs: []State{StateDetermination}},
	"supplement":    {Runs: []State{StateIncomplete, StateAwaitingSupplement}},
	"review":        {Runs: []State{StateAccepted, StateEvaluation, StateExpertAssessment}, Pauses: []State{StateAwaitingSupplement}},
	"deliberation":  {Runs: []State{StateDeliberation}},
}

// ClockOp is what a transition does to one clock.
type ClockOp string

// Clock operations.
const (
	ClockStart  ClockOp = "start"
	ClockPause  ClockOp = "pause"
	ClockResume ClockOp = "resume"
	ClockStop   ClockOp = "stop"
)

// ClockEffect is one clock operation caused by a transition.
type ClockEffect struct {
	Clock string
	Op    ClockOp
}

// ClockEffects lists what moving from one state to another does to the
// clocks, in a stable order.
func ClockEffects(from, to State) []ClockEffect {
	var out []ClockEffect
	for _, name := range ClockNames() {
		s := ClockSpecs[name]
		wasRun, wasPaused := slices.Contains(s.Runs, from), slices.Contains(s.Pauses, from)
		isRun, isPaused := slices.Contains(s.Runs, to), slices.Contains(s.Pauses, to)
		switch {
		case !wasRun && !wasPaused && isRun:
			out = append(out, ClockEffect{name, ClockStart})
		case wasRun && isPaused:
			out = append(out, ClockEffect{name, ClockPause})
		case wasPaused && isRun:
			out = append(out, ClockEffect{name, ClockResume})
		case (wasRun || wasPaused) && !isRun && !isPaused:
			out = append(out, ClockEffect{name, ClockStop})
		}
	}
	return out
}

// ClockNames lists the clocks in a fixed order.
func ClockNames() []string {
	return []string{"screening", "determination", "supplement", "review", "deliberation"}
}
