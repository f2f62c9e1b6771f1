package review_test

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
)

func ballots(kv ...string) []review.Ballot {
	var out []review.Ballot
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, review.Ballot{Who: kv[i], Outcome: review.Outcome(kv[i+1])})
	}
	return out
}

func TestCount(t *testing.T) {
	const (
		pass = review.OutcomePass
		cond = review.OutcomeConditionalPass
		fail = review.OutcomeFail
	)
	tests := []struct {
		name      string
		ballots   []review.Ballot
		quorum    int
		counts    map[review.Outcome]int
		majority  review.Outcome
		unanimous bool
		dissent   []string
	}{
		{"Empty", nil, 3, map[review.Outcome]int{}, "", false, nil},
		{"OneBallot", ballots("zhang", "pass"), 3, map[review.Outcome]int{pass: 1}, pass, true, nil},
		{"Unanimous", ballots("zhang", "fail", "li", "fail", "wang", "fail"), 3,
			map[review.Outcome]int{fail: 3}, fail, true, nil},
		{"MajorityWithDissentSorted", ballots("zhang", "pass", "wang", "fail", "li", "pass", "chen", "pass", "an", "conditional_pass"), 5,
			map[review.Outcome]int{pass: 3, fail: 1, cond: 1}, pass, false, []string{"an", "wang"}},
		{"TwoOfThree", ballots("li", "conditional_pass", "zhang", "pass", "wang", "conditional_pass"), 3,
			map[review.Outcome]int{cond: 2, pass: 1}, cond, false, []string{"zhang"}},
		{"HalfIsNoMajority", ballots("zhang", "pass", "li", "fail"), 2,
			map[review.Outcome]int{pass: 1, fail: 1}, "", false, nil},
		{"TwoOfFourIsNoMajority", ballots("zhang", "pass", "li", "pass", "wang", "fail", "chen", "conditional_pass"), 4,
			map[review.Outcome]int{pass: 2, fail: 1, cond: 1}, "", false, nil},
		{"ThreeWaySplit", ballots("zhang", "pass", "li", "fail", "wang", "conditional_pass"), 3,
			map[review.Outcome]int{pass: 1, fail: 1, cond: 1}, "", false, nil},
		{"BelowQuorumStillTallied", ballots("zhang", "fail", "li", "fail"), 5,
			map[review.Outcome]int{fail: 2}, fail, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := review.Count(tt.ballots, tt.quorum)
			if got.Cast != len(tt.ballots) || got.Quorum != tt.quorum {
				t.Errorf("Cast, Quorum = %d, %d; want %d, %d", got.Cast, got.Quorum, len(tt.ballots), tt.quorum)
			}
			if len(got.Counts) != len(tt.counts) {
				t.Errorf("Counts = %v, want %v", got.Counts, tt.counts)
			}
			for o, n := range tt.counts {
				if got.Counts[o] != n {
					t.Errorf("Counts[%s] = %d, want %d", o, got.Counts[o], n)
				}
			}
			if got.Majority != tt.majority {
				t.Errorf("Majority = %q, want %q", got.Majority, tt.majority)
			}
			if got.Unanimous != tt.unanimous {
				t.Errorf("Unanimous = %v, want %v", got.Unanimous, tt.unanimous)
			}
			if !slices.Equal(got.Dissent, tt.dissent) {
				t.Errorf("Dissent = %v, want %v", got.Dissent, tt.dissent)
			}
		})
	}

	t.Run("JSON", func(t *testing.T) {
		b, err := json.Marshal(review.Count(ballots("zhang", "pass", "li", "fail", "wang", "pass"), 3))
		if err != nil {
			t.Fatal(err)
		}
		want := `{"cast":3,"quorum":3,"counts":{"fail":1,"pass":2},"majority":"pass","unanimous":false,"dissent":["li"]}`
		if string(b) != want {
			t.Errorf("JSON = %s, want %s", b, want)
		}
	})
}

// TestDeparture: the office's decision against the default rule's
// recommendation needs a written departure rationale.
func TestDeparture(t *testing.T) {
	rule, _ := review.RuleFor(review.ActDecide)
	tests := []struct {
		name        string
		recommended review.Outcome
		in          review.Input
		want        *wantErr
	}{
		{"NoRecommendation", "", review.Input{Outcome: review.OutcomeFail}, nil},
		{"SameOutcome", review.OutcomeConditionalPass, review.Input{Outcome: review.OutcomeConditionalPass}, nil},
		{"SameOutcomeIgnoresRationale", review.OutcomePass, review.Input{Outcome: review.OutcomePass, DepartureRationale: strings.Repeat("x", 20001)}, nil},
		{"DiffersWithoutRationale", review.OutcomePass, review.Input{Outcome: review.OutcomeFail},
			&wantErr{review.KindInvalid, "departs_from_rule", "departure_rationale",
				map[string]string{"recommended": "pass", "outcome": "fail", "field": "departure_rationale"}}},
		{"DiffersBlankRationale", review.OutcomeFail, review.Input{Outcome: review.OutcomeConditionalPass, DepartureRationale: "\t \n"},
			&wantErr{review.KindInvalid, "departs_from_rule", "departure_rationale",
				map[string]string{"recommended": "fail", "outcome": "conditional_pass"}}},
		{"DiffersWithRationale", review.OutcomePass, review.Input{Outcome: review.OutcomeFail, DepartureRationale: "the update channel is remotely controlled"}, nil},
		{"RationaleAtLimit", review.OutcomePass, review.Input{Outcome: review.OutcomeFail, DepartureRationale: strings.Repeat("x", 20000)}, nil},
		{"RationaleTooLong", review.OutcomePass, review.Input{Outcome: review.OutcomeFail, DepartureRationale: strings.Repeat("x", 20001)},
			&wantErr{review.KindInvalid, "field_too_long", "departure_rationale", map[string]string{"max": "20000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := recommended(withQuorum(enterpriseCase(review.StateExpertAssessment)), tt.recommended)
			in := tt.in
			// Decide's order: the input against the case, then the guard.
			err := rule.Fits(c, &in)
			if err == nil {
				err = rule.Guard(c)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Fits = %v, want nil", err)
				}
			} else {
				checkErr(t, err, *tt.want)
			}
			// Decide agrees, once the input also passes Check.
			in.Rationale = "the findings"
			if in.Outcome == review.OutcomeConditionalPass {
				in.Conditions = []review.Condition{{Text: "logs", Due: "2026-12-31"}}
			}
			r, derr := review.Decide(nationalOffice, c, review.ActDecide, &in)
			if (derr == nil) != (tt.want == nil) {
				t.Errorf("Decide = %v, %v; Fits said %v", r, derr, err)
			}
		})
	}
}

// TestCommitteeDecision: the committee decides by its majority.
func TestCommitteeDecision(t *testing.T) {
	rule, _ := review.RuleFor(review.ActCommitteeDecide)
	const (
		pass = review.OutcomePass
		cond = review.OutcomeConditionalPass
		fail = review.OutcomeFail
	)
	tests := []struct {
		name        string
		votes       []review.Outcome
		recommended review.Outcome
		in          review.Input
		want        *wantErr
	}{
		{"NoVotes", nil, "", review.Input{Outcome: pass},
			&wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "committee_quorum_not_reached"}}},
		{"ThreeWaySplit", []review.Outcome{pass, fail, cond}, "", review.Input{Outcome: pass},
			&wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "committee_has_no_majority"}}},
		{"EvenSplit", []review.Outcome{pass, pass, fail, fail}, "", review.Input{Outcome: fail},
			&wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "committee_has_no_majority"}}},
		{"NotTheMajority", []review.Outcome{cond, cond, pass}, "", review.Input{Outcome: pass},
			&wantErr{review.KindInvalid, "field_invalid", "outcome", map[string]string{"rule": "must be the committee majority: conditional_pass"}}},
		{"Majority", []review.Outcome{fail, pass, fail}, "", review.Input{Outcome: fail}, nil},
		{"Unanimous", []review.Outcome{pass, pass, pass}, pass, review.Input{Outcome: pass}, nil},
		{"MajorityDepartsWithoutRationale", []review.Outcome{fail, fail, pass}, pass, review.Input{Outcome: fail},
			&wantErr{review.KindInvalid, "departs_from_rule", "departure_rationale", map[string]string{"recommended": "pass", "outcome": "fail"}}},
		{"MajorityDepartsWithRationale", []review.Outcome{fail, fail, pass}, pass,
			review.Input{Outcome: fail, DepartureRationale: "foreign control of the update server"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := recommended(referred(tt.votes...), tt.recommended)
			in := tt.in
			// Decide's order: the input against the case, then the guard.
			err := rule.Fits(c, &in)
			if err == nil {
				err = rule.Guard(c)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Fits = %v, want nil", err)
				}
			} else {
				checkErr(t, err, *tt.want)
			}
		})
	}

	t.Run("DecideWithQuorum", func(t *testing.T) {
		c := referred(cond, fail, pass)
		_, err := review.Decide(committee, c, review.ActCommitteeDecide, &review.Input{Outcome: cond, Rationale: "r",
			Conditions: []review.Condition{{Text: "logs", Due: "2026-12-31"}}})
		checkErr(t, err, wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "committee_has_no_majority"}})

		c = referred(cond, fail, cond)
		r, err := review.Decide(committee, c, review.ActCommitteeDecide, &review.Input{Outcome: cond, Rationale: "r",
			Conditions: []review.Condition{{Text: "logs", Due: "2026-12-31"}}})
		if err != nil || r.To != review.StateDecided {
			t.Errorf("Decide = %v, %v; want the majority's decision", r, err)
		}
	})
}

func TestOpinionAreas(t *testing.T) {
	rule, _ := review.RuleFor(review.ActGiveOpinion)
	with := func(f func(m map[string]review.AreaAssessment)) map[string]review.AreaAssessment {
		m := allAreas(review.RiskMedium)
		f(m)
		return m
	}
	tests := []struct {
		name  string
		areas map[string]review.AreaAssessment
		want  *wantErr
	}{
		{"AllFive", allAreas(review.RiskMedium), nil},
		{"MixedLevelsNoNotes", map[string]review.AreaAssessment{
			"R1": {Level: review.RiskLow}, "R2": {Level: review.RiskMedium}, "R3": {Level: review.RiskHigh},
			"R4": {Level: review.RiskLow}, "R5": {Level: review.RiskHigh}}, nil},
		{"NoteAtLimit", with(func(m map[string]review.AreaAssessment) {
			m["R5"] = review.AreaAssessment{Level: review.RiskLow, Note: strings.Repeat("x", 20000)}
		}), nil},
		{"Nil", nil, &wantErr{review.KindInvalid, "field_required", "areas", nil}},
		{"Empty", map[string]review.AreaAssessment{}, &wantErr{review.KindInvalid, "field_required", "areas", nil}},
		{"MissingArea", with(func(m map[string]review.AreaAssessment) { delete(m, "R3") }),
			&wantErr{review.KindInvalid, "field_required", "areas.R3", map[string]string{"field": "areas.R3"}}},
		{"OnlyOneArea", map[string]review.AreaAssessment{"R1": {Level: review.RiskLow}},
			&wantErr{review.KindInvalid, "field_required", "areas.R2", nil}},
		{"UnknownArea", with(func(m map[string]review.AreaAssessment) { m["R6"] = review.AreaAssessment{Level: review.RiskLow} }),
			&wantErr{review.KindInvalid, "field_unknown_value", "areas", map[string]string{"value": "R6"}}},
		{"LowercaseAreaIsUnknown", with(func(m map[string]review.AreaAssessment) { m["r1"] = m["R1"] }),
			&wantErr{review.KindInvalid, "field_unknown_value", "areas", map[string]string{"value": "r1"}}},
		{"BadLevel", with(func(m map[string]review.AreaAssessment) { m["R2"] = review.AreaAssessment{Level: "severe"} }),
			&wantErr{review.KindInvalid, "field_unknown_value", "areas.R2.level", map[string]string{"value": "severe"}}},
		{"MissingLevel", with(func(m map[string]review.AreaAssessment) { m["R4"] = review.AreaAssessment{Note: "no level"} }),
			&wantErr{review.KindInvalid, "field_unknown_value", "areas.R4.level", map[string]string{"value": ""}}},
		{"NoteTooLong", with(func(m map[string]review.AreaAssessment) {
			m["R1"] = review.AreaAssessment{Level: review.RiskHigh, Note: strings.Repeat("x", 20001)}
		}), &wantErr{review.KindInvalid, "field_too_long", "areas.R1.note", map[string]string{"max": "20000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &review.Input{Recommendation: review.OutcomePass, Rationale: "r", Areas: tt.areas}
			err := rule.Check(in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			checkErr(t, err, *tt.want)
			// Decide returns the same error for an assigned expert.
			_, derr := review.Decide(expZhang, awaitingOpinion(expertZhang), review.ActGiveOpinion, in)
			checkErr(t, derr, *tt.want)
		})
	}

	t.Run("RiskAreasAndLevels", func(t *testing.T) {
		if !slices.Equal(review.RiskAreas, []string{"R1", "R2", "R3", "R4", "R5"}) {
			t.Errorf("RiskAreas = %v", review.RiskAreas)
		}
		if !slices.Equal(review.RiskLevels, []review.RiskLevel{"low", "medium", "high"}) {
			t.Errorf("RiskLevels = %v, want lowest first", review.RiskLevels)
		}
	})
}

// TestQuorums: the opinions and votes a decision needs are per case, with
// Quorum as the default.
func TestQuorums(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c := enterpriseCase(review.StateExpertAssessment)
		if c.OpinionQuorum() != review.Quorum || c.VoteQuorum() != review.Quorum {
			t.Errorf("OpinionQuorum, VoteQuorum = %d, %d; want %d", c.OpinionQuorum(), c.VoteQuorum(), review.Quorum)
		}
	})
	t.Run("Configured", func(t *testing.T) {
		c := enterpriseCase(review.StateExpertAssessment)
		c.ExpertQuorum, c.CommitteeQuorum = 5, 7
		if c.OpinionQuorum() != 5 || c.VoteQuorum() != 7 {
			t.Errorf("OpinionQuorum, VoteQuorum = %d, %d; want 5, 7", c.OpinionQuorum(), c.VoteQuorum())
		}
	})

	// expertCase has n experts of whom `given` have given an opinion.
	expertCase := func(quorum, n, given int) *review.Case {
		c := enterpriseCase(review.StateExpertAssessment)
		c.Commitment, c.ExpertQuorum = true, quorum
		c.Assignments = []review.Assignment{labAssignment(1, orgLabA, true, true)}
		for i := range n {
			c.Assignments = append(c.Assignments, expertAssignment(int64(10+i), int64(100+i), true, i < given))
		}
		return c
	}
	pass := &review.Input{Outcome: review.OutcomePass, Rationale: "r"}
	for _, tt := range []struct {
		name          string
		quorum, given int
		ok            bool
	}{
		{"Default/2", 0, 2, false},
		{"Default/3", 0, 3, true},
		{"Five/3", 5, 3, false},
		{"Five/4", 5, 4, false},
		{"Five/5", 5, 5, true},
		{"Five/6", 5, 6, true},
		{"One/1", 1, 1, true},
		{"One/0", 1, 0, false},
	} {
		t.Run("Opinions/"+tt.name, func(t *testing.T) {
			c := expertCase(tt.quorum, 6, tt.given)
			_, err := review.Decide(nationalOffice, c, review.ActDecide, pass)
			if tt.ok {
				if err != nil {
					t.Errorf("Decide = %v, want nil", err)
				}
			} else {
				checkErr(t, err, wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "expert_quorum_not_reached"}})
			}
			if got := slices.Contains(review.Allowed(nationalOffice, c), review.ActDecide); got != tt.ok {
				t.Errorf("decide allowed = %v, want %v", got, tt.ok)
			}
			c.Important = true
			if got := slices.Contains(review.Allowed(nationalOffice, c), review.ActReferToCommittee); got != tt.ok {
				t.Errorf("refer_to_committee allowed = %v, want %v", got, tt.ok)
			}
		})
	}
	for _, tt := range []struct {
		name          string
		quorum, votes int
		ok            bool
	}{
		{"Default/2", 0, 2, false},
		{"Default/3", 0, 3, true},
		{"Five/4", 5, 4, false},
		{"Five/5", 5, 5, true},
		{"One/1", 1, 1, true},
	} {
		t.Run("Votes/"+tt.name, func(t *testing.T) {
			votes := make([]review.Outcome, tt.votes)
			for i := range votes {
				votes[i] = review.OutcomeFail
			}
			c := referred(votes...)
			c.CommitteeQuorum = tt.quorum
			_, err := review.Decide(committee, c, review.ActCommitteeDecide, &review.Input{Outcome: review.OutcomeFail, Rationale: "r"})
			if tt.ok {
				if err != nil {
					t.Errorf("Decide = %v, want nil", err)
				}
			} else {
				checkErr(t, err, wantErr{review.KindConflict, "guard_failed", "", map[string]string{"rule": "committee_quorum_not_reached"}})
			}
			if got := slices.Contains(review.Allowed(committee, c), review.ActCommitteeDecide); got != tt.ok {
				t.Errorf("committee_decide allowed = %v, want %v", got, tt.ok)
			}
		})
	}
}

func TestFormerly(t *testing.T) {
	c := enterpriseCase(review.StateEvaluation)
	ended := labAssignment(1, orgLabA, false, true)
	ended.EndedReason = "accreditation suspended"
	recused := expertAssignment(3, expertLi, false, false)
	recused.EndedReason = "recused: former employee"
	c.Assignments = []review.Assignment{
		ended,
		labAssignment(2, orgLabB, true, false),
		recused,
		expertAssignment(4, expertWang, true, false),
		// Lab C's org id reused as an expert's user id must not match.
		expertAssignment(5, orgLabC, false, false),
	}
	tests := []struct {
		name   string
		actor  review.Actor
		wantID int64
		reason string
	}{
		{"EndedLab", labA, 1, "accreditation suspended"},
		{"ActiveLab", labB, 0, ""},
		{"NeverAssignedLab", labC, 0, ""},
		{"RecusedExpert", expLi, 3, "recused: former employee"},
		{"ActiveExpert", expWang, 0, ""},
		{"NeverAssignedExpert", expChen, 0, ""},
		{"OfficeWithLabOrgID", review.Actor{UserID: 90, Role: review.RoleOffice, OrgID: orgLabA}, 0, ""},
		{"ProviderWithExpertUserID", review.Actor{UserID: expertLi, Role: review.RoleProvider, OrgID: orgProviderP}, 0, ""},
		{"ExpertWithEndedLabOrg", review.Actor{UserID: 91, Role: review.RoleExpert, OrgID: orgLabA}, 0, ""},
		{"Anonymous", anonymous, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as, ok := c.Formerly(tt.actor)
			if ok != (tt.wantID != 0) {
				t.Fatalf("Formerly = %+v, %v; want ok = %v", as, ok, tt.wantID != 0)
			}
			if !ok {
				if as != (review.Assignment{}) {
					t.Errorf("Formerly returned %+v with false", as)
				}
				return
			}
			if as.ID != tt.wantID || as.Active || as.EndedReason != tt.reason {
				t.Errorf("Formerly = %+v, want ended assignment %d (%q)", as, tt.wantID, tt.reason)
			}
			if review.CanSee(tt.actor, c) {
				t.Errorf("a former assignee still sees the case")
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	report := func() *review.ReportPayload {
		return &review.ReportPayload{
			Type: review.ReportType, Case: "CSR-2026-0001", CatalogVersion: "2026.1",
			LabOrgID: orgLabA, Lab: "Lab A <Beijing> & Co", AssignmentID: 1, Method: review.MethodLabTesting,
			Summary: "a<b && c>d", Recommendation: review.OutcomeConditionalPass,
			Findings: []review.SignedFinding{
				{Criterion: "R3.2", Status: "not_met", Rationale: "update channel", Evidence: []string{"sha256:cc", "sha256:aa"}},
				{Criterion: "R1.1", Status: "met", Rationale: "ok", Evidence: []string{"sha256:bb"}},
				{Criterion: "R2.10", Status: "met", Rationale: "ok", Evidence: []string{"sha256:ff", "sha256:00", "sha256:99"}},
			},
		}
	}

	t.Run("ExactBytes", func(t *testing.T) {
		got := string(review.Canonical(report()))
		want := `{"type":"shencha.lab-report/v1","case":"CSR-2026-0001","catalog_version":"2026.1","lab_org_id":200,` +
			`"lab":"Lab A <Beijing> & Co","assignment_id":1,"method":"` + string(review.MethodLabTesting) + `",` +
			`"summary":"a<b && c>d","recommendation":"conditional_pass","findings":[` +
			`{"criterion":"R1.1","status":"met","rationale":"ok","evidence":["sha256:bb"]},` +
			`{"criterion":"R2.10","status":"met","rationale":"ok","evidence":["sha256:00","sha256:99","sha256:ff"]},` +
			`{"criterion":"R3.2","status":"not_met","rationale":"update channel","evidence":["sha256:aa","sha256:cc"]}]}`
		if got != want {
			t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("NoHTMLEscapingNoTrailingNewline", func(t *testing.T) {
		b := review.Canonical(report())
		for _, esc := range []string{`\u003c`, `\u003e`, `\u0026`} {
			if bytes.Contains(b, []byte(esc)) {
				t.Errorf("Canonical escapes HTML: %s", b)
			}
		}
		if bytes.HasSuffix(b, []byte("\n")) || len(b) == 0 || b[len(b)-1] != '}' {
			t.Errorf("Canonical does not end at the closing brace: %q", b[max(0, len(b)-5):])
		}
		if !json.Valid(b) {
			t.Errorf("Canonical is not valid JSON")
		}
	})

	t.Run("DeterministicOverOrder", func(t *testing.T) {
		want := review.Canonical(report())
		if again := review.Canonical(report()); !bytes.Equal(again, want) {
			t.Errorf("two renderings differ")
		}
		p := report()
		slices.Reverse(p.Findings)
		for i := range p.Findings {
			slices.Reverse(p.Findings[i].Evidence)
		}
		if got := review.Canonical(p); !bytes.Equal(got, want) {
			t.Errorf("permuted findings render differently:\n%s\n%s", got, want)
		}
	})

	t.Run("ChangedFindingChangesBytes", func(t *testing.T) {
		want := review.Canonical(report())
		p := report()
		p.Findings[1].Status = "not_met"
		if bytes.Equal(review.Canonical(p), want) {
			t.Errorf("a changed finding renders the same bytes")
		}
	})

	t.Run("Commitment", func(t *testing.T) {
		p := &review.CommitmentPayload{
			Type: review.CommitmentType, Case: "CSR-2026-0001", ProviderOrgID: orgProviderP, Provider: "P & Sons <Ltd>",
			Product: "DB", Versions: []string{"2.0", "1.9"}, TextZH: review.CommitmentText[0], TextEN: review.CommitmentText[1],
		}
		b := review.Canonical(p)
		want := `{"type":"shencha.commitment/v1","case":"CSR-2026-0001","provider_org_id":400,"provider":"P & Sons <Ltd>",` +
			`"product":"DB","versions":["2.0","1.9"],"text_zh":"` + review.CommitmentText[0] + `","text_en":"` +
			review.CommitmentText[1] + `"}`
		if string(b) != want {
			t.Errorf("Canonical(commitment) =\n%s\nwant\n%s", b, want)
		}
		if !bytes.Equal(review.Canonical(p), b) {
			t.Errorf("not deterministic")
		}
	})

	t.Run("CommitmentText", func(t *testing.T) {
		if !strings.Contains(review.CommitmentText[0], "本单位承诺") || !strings.HasPrefix(review.CommitmentText[1], "We commit") {
			t.Errorf("CommitmentText = %q", review.CommitmentText)
		}
		if review.ReportType == review.CommitmentType {
			t.Errorf("report and commitment share a payload type")
		}
	})

	t.Run("PanicsOnUnencodable", func(t *testing.T) {
		defer func() {
			r := recover()
			if s, ok := r.(string); !ok || !strings.HasPrefix(s, "review: canonical: ") {
				t.Errorf("recover() = %v, want a review: canonical panic", r)
			}
		}()
		review.Canonical(math.Inf(1))
		t.Errorf("Canonical(+Inf) returned")
	})
}
