package review_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
)

const allParties = review.PartyOffice | review.PartyApplicant | review.PartyProvider | review.PartyLab |
	review.PartyExpert | review.PartyCommittee | review.PartyCIIDepartment

// inputJSONNames lists the json names of Input's fields, from its struct tags.
func inputJSONNames(t *testing.T) map[string]reflect.StructField {
	t.Helper()
	out := map[string]reflect.StructField{}
	typ := reflect.TypeFor[review.Input]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			t.Fatalf("Input.%s has no json name", f.Name)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("json name %q used twice in Input", name)
		}
		out[name] = f
	}
	return out
}

// fullInput passes every rule's Check.
func fullInput() *review.Input {
	return &review.Input{
		Reason: "the applicant asked", Items: "source code escrow agreement", Outcome: review.OutcomePass,
		Rationale: "no risk found", Scope: review.ScopePublic, LabOrgID: orgLabA, ExpertUserID: expertZhang,
		Method:       review.MethodLabTesting,
		Declaration:  &review.Declaration{NoConflict: true, Confidentiality: true, SignedBy: "Zhang Wei"},
		AssignmentID: 1, Summary: "tested 42 controls", Recommendation: review.OutcomePass,
		Materials: []int64{9001}, Clock: "review", Days: 15,
		Signature: "c2lnbmVkIGJ5IHRoZSBsYWI=", ConditionID: 1, Areas: allAreas(review.RiskLow),
	}
}

// allAreas assesses every risk area at one level.
func allAreas(l review.RiskLevel) map[string]review.AreaAssessment {
	out := map[string]review.AreaAssessment{}
	for _, a := range review.RiskAreas {
		out[a] = review.AreaAssessment{Level: l, Note: "assessed " + a}
	}
	return out
}

func TestTable(t *testing.T) {
	t.Run("ActionsUnique", func(t *testing.T) {
		seen := map[review.Action]int{}
		for _, r := range review.Table {
			seen[r.Action]++
		}
		for a, n := range seen {
			if n != 1 {
				t.Errorf("action %q appears %d times", a, n)
			}
		}
		if len(seen) != 34 {
			t.Errorf("table has %d distinct actions, want 34", len(seen))
		}
	})

	t.Run("ActionsAndRuleFor", func(t *testing.T) {
		acts := review.Actions()
		if len(acts) != len(review.Table) {
			t.Fatalf("Actions() has %d entries, table %d", len(acts), len(review.Table))
		}
		for i, a := range acts {
			if a != review.Table[i].Action {
				t.Errorf("Actions()[%d] = %q, want %q", i, a, review.Table[i].Action)
			}
			r, ok := review.RuleFor(a)
			if !ok || r != &review.Table[i] {
				t.Errorf("RuleFor(%q) = %p, %v; want the table row %p", a, r, ok, &review.Table[i])
			}
		}
		if r, ok := review.RuleFor("approve"); ok || r != nil {
			t.Errorf("RuleFor(approve) = %v, %v; want nil, false", r, ok)
		}
	})

	t.Run("StatesKnown", func(t *testing.T) {
		for _, r := range review.Table {
			if len(r.From) == 0 {
				t.Errorf("%s: no From state", r.Action)
			}
			for _, s := range r.From {
				if !slices.Contains(review.States, s) {
					t.Errorf("%s: From state %q is not in States", r.Action, s)
				}
			}
			if r.To != "" && !slices.Contains(review.States, r.To) {
				t.Errorf("%s: To state %q is not in States", r.Action, r.To)
			}
			if r.To != "" && slices.Contains(r.From, r.To) {
				t.Errorf("%s: moves %q to itself; a state-preserving rule has no To", r.Action, r.To)
			}
		}
	})

	t.Run("StatesUnique", func(t *testing.T) {
		seen := map[review.State]bool{}
		for _, s := range review.States {
			if seen[s] {
				t.Errorf("state %q listed twice", s)
			}
			seen[s] = true
		}
		closed := 0
		for _, s := range review.States {
			if s.Closed() {
				closed++
			}
		}
		if closed != 5 {
			t.Errorf("%d closed states, want 5 (not_accepted, not_required, published, withdrawn, terminated)", closed)
		}
	})

	t.Run("NoRuleLeavesClosedState", func(t *testing.T) {
		// A closed state is final: no rule moves a case out of it. Only the
		// follow-up of a conditional pass's conditions (state-preserving)
		// may still be taken on a published case.
		followUp := setOf(review.ActSubmitFulfilment, review.ActAcceptFulfilment, review.ActRejectFulfilment)
		for _, r := range review.Table {
			for _, s := range r.From {
				if !s.Closed() {
					continue
				}
				if r.To != "" {
					t.Errorf("%s moves a case out of closed state %q to %q", r.Action, s, r.To)
				}
				if !followUp[r.Action] || s != review.StatePublished {
					t.Errorf("%s may be taken from closed state %q", r.Action, s)
				}
			}
		}
	})

	t.Run("ByNonZeroAndKnown", func(t *testing.T) {
		for _, r := range review.Table {
			if r.By == 0 {
				t.Errorf("%s: By is zero, nobody may take it", r.Action)
			}
			if r.By&^allParties != 0 {
				t.Errorf("%s: By %b has unknown party bits", r.Action, r.By)
			}
			if len(r.By.Names()) == 0 {
				t.Errorf("%s: By has no names", r.Action)
			}
			if strings.TrimSpace(r.Doc) == "" {
				t.Errorf("%s: no Doc", r.Action)
			}
		}
	})

	t.Run("EveryOpenStateHasAnExit", func(t *testing.T) {
		for _, s := range review.States {
			if s.Closed() {
				continue
			}
			ok := false
			for _, r := range review.Table {
				if r.To != "" && r.To != s && slices.Contains(r.From, s) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("open state %q has no rule leaving it", s)
			}
		}
	})

	t.Run("EveryStateReachableFromDraft", func(t *testing.T) {
		reached := reachable(review.StateDraft)
		for _, s := range review.States {
			if !reached[s] {
				t.Errorf("state %q is not reachable from draft", s)
			}
		}
	})

	t.Run("EveryOpenStateCanClose", func(t *testing.T) {
		for _, s := range review.States {
			if s.Closed() {
				continue
			}
			canClose := false
			for r := range reachable(s) {
				if r.Closed() {
					canClose = true
				}
			}
			if !canClose {
				t.Errorf("from %q no closed state is reachable", s)
			}
		}
	})

	t.Run("PublishedReachableWithoutTerminate", func(t *testing.T) {
		// The ordinary route must reach a published result without the
		// escape hatches (withdraw, terminate).
		reached := map[review.State]bool{review.StateDraft: true}
		queue := []review.State{review.StateDraft}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			for _, r := range review.Table {
				if r.Action == review.ActWithdraw || r.Action == review.ActTerminate {
					continue
				}
				if r.To != "" && slices.Contains(r.From, s) && !reached[r.To] {
					reached[r.To] = true
					queue = append(queue, r.To)
				}
			}
		}
		for _, s := range []review.State{review.StatePublished, review.StateNotAccepted, review.StateNotRequired} {
			if !reached[s] {
				t.Errorf("%q not reachable from draft without withdraw/terminate", s)
			}
		}
		for _, s := range []review.State{review.StateWithdrawn, review.StateTerminated} {
			if reached[s] {
				t.Errorf("%q reachable without withdraw/terminate", s)
			}
		}
	})

	t.Run("NeedsAreInputJSONNames", func(t *testing.T) {
		names := inputJSONNames(t)
		for _, r := range review.Table {
			if (len(r.Needs) == 0) != (r.Check == nil) {
				t.Errorf("%s: Needs %v but Check set = %v", r.Action, r.Needs, r.Check != nil)
			}
			seen := map[string]bool{}
			for _, n := range r.Needs {
				if _, ok := names[n]; !ok {
					t.Errorf("%s: Needs %q, which is not the json name of an Input field", r.Action, n)
				}
				if seen[n] {
					t.Errorf("%s: Needs %q twice", r.Action, n)
				}
				seen[n] = true
			}
		}
	})

	t.Run("CheckAcceptsFullInput", func(t *testing.T) {
		for _, r := range review.Table {
			if r.Check == nil {
				continue
			}
			if err := r.Check(fullInput()); err != nil {
				t.Errorf("%s: Check(full input) = %v, want nil", r.Action, err)
			}
		}
	})

	t.Run("CheckRejectsEmptyInputNamingANeed", func(t *testing.T) {
		for _, r := range review.Table {
			if r.Check == nil {
				continue
			}
			err := r.Check(&review.Input{})
			e := asError(t, err)
			if e.Kind != review.KindInvalid || !slices.Contains(r.Needs, e.Field) {
				t.Errorf("%s: Check(empty) = %v (kind %s field %q), want invalid naming one of %v", r.Action, e, e.Kind, e.Field, r.Needs)
			}
		}
	})

	t.Run("EachNeedIsRequired", func(t *testing.T) {
		names := inputJSONNames(t)
		for _, r := range review.Table {
			for _, n := range r.Needs {
				in := fullInput()
				f := names[n]
				v := reflect.ValueOf(in).Elem().FieldByIndex(f.Index)
				v.SetZero()
				err := r.Check(in)
				e := asError(t, err)
				if e.Kind != review.KindInvalid || e.Field != n || e.Params["field"] != n {
					t.Errorf("%s without %q: got %v (kind %s field %q), want invalid field %q", r.Action, n, e, e.Kind, e.Field, n)
				}
			}
		}
	})
}

// reachable follows the table's transitions from a state (BFS).
func reachable(from review.State) map[review.State]bool {
	reached := map[review.State]bool{from: true}
	queue := []review.State{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, r := range review.Table {
			if r.To != "" && slices.Contains(r.From, s) && !reached[r.To] {
				reached[r.To] = true
				queue = append(queue, r.To)
			}
		}
	}
	return reached
}

// TestTableParties pins who may take each action, written out from the
// design so that a change to the table's access is a deliberate one.
func TestTableParties(t *testing.T) {
	want := map[review.Action][]string{
		review.ActSubmit:               {"applicant"},
		review.ActDeclare:              {"applicant"},
		review.ActDetermineRequired:    {"cii_department"},
		review.ActDetermineNotRequired: {"cii_department"},
		review.ActBeginScreening:       {"office"},
		review.ActMarkIncomplete:       {"office"},
		review.ActResubmit:             {"applicant", "provider"},
		review.ActAccept:               {"office"},
		review.ActNotAccept:            {"office"},
		review.ActAssignLab:            {"office"},
		review.ActAssignExpert:         {"office"},
		review.ActEndAssignment:        {"office"},
		review.ActBeginEvaluation:      {"office"},
		review.ActUploadMaterial:       {"office", "applicant", "provider", "assigned_lab"},
		review.ActRequestSupplement:    {"office"},
		review.ActAnswerSupplement:     {"applicant", "provider"},
		review.ActSubmitReport:         {"assigned_lab"},
		review.ActCompleteEvaluation:   {"office"},
		review.ActGiveOpinion:          {"assigned_expert"},
		review.ActReferToCommittee:     {"office"},
		review.ActDecide:               {"office"},
		review.ActCommitteeDecide:      {"committee"},
		review.ActPublish:              {"office"},
		review.ActMarkImportant:        {"office"},
		review.ActMarkComplex:          {"office"},
		review.ActExtendClock:          {"office", "committee"},
		review.ActWithdraw:             {"applicant"},
		review.ActTerminate:            {"office"},
		review.ActSubmitCommitment:     {"provider"},
		review.ActRecuse:               {"assigned_expert"},
		review.ActCastVote:             {"committee"},
		review.ActSubmitFulfilment:     {"provider"},
		review.ActAcceptFulfilment:     {"office"},
		review.ActRejectFulfilment:     {"office"},
	}
	if len(want) != len(review.Table) {
		t.Errorf("expectation has %d actions, table %d", len(want), len(review.Table))
	}
	for _, r := range review.Table {
		t.Run(string(r.Action), func(t *testing.T) {
			w, ok := want[r.Action]
			if !ok {
				t.Fatalf("no expectation for %s", r.Action)
			}
			if got := r.By.Names(); !slices.Equal(got, w) {
				t.Errorf("By = %v, want %v", got, w)
			}
		})
	}
}

// TestTableRows pins where each action may be taken, where it leads and what
// input it needs, written out so that a change to the table is deliberate.
func TestTableRows(t *testing.T) {
	const (
		draft      = review.StateDraft
		submitted  = review.StateSubmitted
		screening  = review.StateScreening
		incomplete = review.StateIncomplete
		determ     = review.StateDetermination
		accepted   = review.StateAccepted
		evaluation = review.StateEvaluation
		awaiting   = review.StateAwaitingSupplement
		assessment = review.StateExpertAssessment
		delib      = review.StateDeliberation
		decided    = review.StateDecided
		published  = review.StatePublished
	)
	reviewing := []review.State{accepted, evaluation, awaiting, assessment}
	beforeDecision := []review.State{draft, submitted, screening, incomplete, determ, accepted, evaluation, awaiting, assessment, delib}
	open := append(slices.Clone(beforeDecision), decided)
	type row struct {
		from  []review.State
		to    review.State
		needs []string
	}
	want := map[review.Action]row{
		review.ActSubmit:               {[]review.State{draft}, submitted, nil},
		review.ActDeclare:              {[]review.State{draft}, determ, nil},
		review.ActDetermineRequired:    {[]review.State{determ}, accepted, []string{"rationale"}},
		review.ActDetermineNotRequired: {[]review.State{determ}, review.StateNotRequired, []string{"rationale"}},
		review.ActBeginScreening:       {[]review.State{submitted}, screening, nil},
		review.ActMarkIncomplete:       {[]review.State{screening}, incomplete, []string{"items"}},
		review.ActResubmit:             {[]review.State{incomplete}, screening, nil},
		review.ActAccept:               {[]review.State{screening}, accepted, nil},
		review.ActNotAccept:            {[]review.State{screening}, review.StateNotAccepted, []string{"reason"}},
		review.ActAssignLab:            {[]review.State{accepted, evaluation}, "", []string{"lab_org_id", "method", "declaration"}},
		review.ActAssignExpert:         {reviewing, "", []string{"expert_user_id", "declaration"}},
		review.ActEndAssignment:        {open, "", []string{"assignment_id", "reason"}},
		review.ActBeginEvaluation:      {[]review.State{accepted}, evaluation, nil},
		review.ActUploadMaterial:       {[]review.State{draft, screening, incomplete, determ, accepted, evaluation, awaiting}, "", nil},
		review.ActRequestSupplement:    {[]review.State{evaluation}, awaiting, []string{"items"}},
		review.ActAnswerSupplement:     {[]review.State{awaiting}, evaluation, []string{"summary"}},
		review.ActSubmitCommitment:     {reviewing, "", []string{"signature"}},
		review.ActSubmitReport:         {[]review.State{evaluation}, "", []string{"summary", "recommendation", "signature"}},
		review.ActCompleteEvaluation:   {[]review.State{evaluation}, assessment, nil},
		review.ActGiveOpinion:          {[]review.State{assessment}, "", []string{"recommendation", "rationale", "areas"}},
		review.ActRecuse:               {reviewing, "", []string{"reason"}},
		review.ActReferToCommittee:     {[]review.State{assessment}, delib, nil},
		review.ActDecide:               {[]review.State{assessment}, decided, []string{"outcome", "rationale"}},
		review.ActCastVote:             {[]review.State{delib}, "", []string{"outcome", "rationale"}},
		review.ActCommitteeDecide:      {[]review.State{delib}, decided, []string{"outcome", "rationale"}},
		review.ActPublish:              {[]review.State{decided}, published, []string{"scope"}},
		review.ActMarkImportant:        {beforeDecision[:len(beforeDecision)-1], "", nil},
		review.ActMarkComplex:          {reviewing, "", []string{"reason"}},
		review.ActExtendClock:          {open, "", []string{"clock", "days", "reason"}},
		review.ActWithdraw:             {beforeDecision, review.StateWithdrawn, nil},
		review.ActTerminate:            {open, review.StateTerminated, []string{"reason"}},
		review.ActSubmitFulfilment:     {[]review.State{decided, published}, "", []string{"condition_id", "summary"}},
		review.ActAcceptFulfilment:     {[]review.State{decided, published}, "", []string{"condition_id"}},
		review.ActRejectFulfilment:     {[]review.State{decided, published}, "", []string{"condition_id", "reason"}},
	}
	if len(want) != len(review.Table) {
		t.Errorf("expectation has %d actions, table %d", len(want), len(review.Table))
	}
	for _, r := range review.Table {
		t.Run(string(r.Action), func(t *testing.T) {
			w, ok := want[r.Action]
			if !ok {
				t.Fatalf("no expectation for %s", r.Action)
			}
			if !sameSet(r.From, w.from) {
				t.Errorf("From = %v, want %v", r.From, w.from)
			}
			if r.To != w.to {
				t.Errorf("To = %q, want %q", r.To, w.to)
			}
			if !sameSet(r.Needs, w.needs) {
				t.Errorf("Needs = %v, want %v", r.Needs, w.needs)
			}
		})
	}
}

// TestTableFits pins which rules check the input against the case.
func TestTableFits(t *testing.T) {
	fits := setOf(review.ActDecide, review.ActCommitteeDecide)
	for _, r := range review.Table {
		if (r.Fits != nil) != fits[r.Action] {
			t.Errorf("%s: Fits set = %v, want %v", r.Action, r.Fits != nil, fits[r.Action])
		}
		if r.Fits != nil && r.Check == nil {
			t.Errorf("%s: Fits without Check (Decide would pass it a nil input)", r.Action)
		}
	}
}

func TestPartyNames(t *testing.T) {
	tests := []struct {
		name string
		p    review.Party
		want []string
	}{
		{"Zero", 0, nil},
		{"Office", review.PartyOffice, []string{"office"}},
		{"ApplicantProvider", review.PartyApplicant | review.PartyProvider, []string{"applicant", "provider"}},
		{"All", allParties, []string{"office", "applicant", "provider", "assigned_lab", "assigned_expert", "committee", "cii_department"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Names(); !slices.Equal(got, tt.want) {
				t.Errorf("Names() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestIntakeStates: the office's intake is the submitted application and
// the one under screening; neither a case paused for material nor one
// already accepted waits on it.
func TestIntakeStates(t *testing.T) {
	got := review.IntakeStates()
	want := []review.State{review.StateSubmitted, review.StateScreening}
	if !slices.Equal(got, want) {
		t.Fatalf("IntakeStates() = %v, want %v", got, want)
	}
	// They are the states the screening clock runs in (DESIGN §3: submitted
	// → accepted / not_accepted), so the queue's deadline is that clock's.
	if runs := review.ClockSpecs["screening"].Runs; !slices.Equal(got, runs) {
		t.Errorf("IntakeStates() = %v, the screening clock runs in %v", got, runs)
	}
	// From each, the office has an action that moves the case on.
	for _, st := range got {
		moves := false
		for _, r := range review.Table {
			moves = moves || r.By&review.PartyOffice != 0 && slices.Contains(r.From, st) && r.To != "" && r.To != review.StateTerminated
		}
		if !moves {
			t.Errorf("%s: no office action moves it on", st)
		}
	}
}
