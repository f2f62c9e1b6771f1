package review

import (
	"slices"
	"testing"
)

func TestNoticesOf(t *testing.T) {
	type want struct {
		code string
		to   Party
	}
	for _, c := range []struct {
		act      Action
		from, to State
		in       Input
		want     []want
	}{
		{ActBeginScreening, StateSubmitted, StateScreening, Input{}, []want{{"case_state", PartyApplicant | PartyProvider}}},
		{ActRequestSupplement, StateEvaluation, StateAwaitingSupplement, Input{}, []want{{"supplement_requested", PartyApplicant | PartyProvider}}},
		{ActMarkIncomplete, StateScreening, StateIncomplete, Input{}, []want{{"supplement_requested", PartyApplicant | PartyProvider}}},
		{ActAnswerSupplement, StateAwaitingSupplement, StateEvaluation, Input{}, []want{{"supplement_answered", PartyOffice}, {"case_state", PartyApplicant | PartyProvider}}},
		{ActAssignLab, StateAccepted, StateAccepted, Input{LabOrgID: 7}, []want{{"assigned", PartyLab}}},
		{ActAssignExpert, StateEvaluation, StateEvaluation, Input{ExpertUserID: 9}, []want{{"assigned", PartyExpert}}},
		{ActAssignExpert, StateExpertAssessment, StateExpertAssessment, Input{ExpertUserID: 9}, []want{{"opinion_awaited", PartyExpert}}},
		{ActCompleteEvaluation, StateEvaluation, StateExpertAssessment, Input{}, []want{{"opinion_awaited", PartyExpert}, {"case_state", PartyApplicant | PartyProvider}}},
		{ActReferToCommittee, StateExpertAssessment, StateDeliberation, Input{}, []want{{"vote_awaited", PartyCommittee}, {"case_state", PartyApplicant | PartyProvider}}},
		{ActDeclare, StateDraft, StateDetermination, Input{}, []want{{"determination_awaited", PartyCIIDepartment}, {"case_state", PartyApplicant | PartyProvider}}},
		{ActPublish, StateDecided, StatePublished, Input{}, []want{{"published", PartyApplicant | PartyProvider}}},
		{ActGiveOpinion, StateExpertAssessment, StateExpertAssessment, Input{}, nil},
		{ActCastVote, StateDeliberation, StateDeliberation, Input{}, nil},
	} {
		var got []want
		for _, n := range NoticesOf(c.act, c.from, c.to, &c.in) {
			got = append(got, want{n.Code, n.To})
			if !slices.Contains(NoticeCodes, n.Code) {
				t.Errorf("%s: code %q is not in NoticeCodes", c.act, n.Code)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s %s→%s: %v, want %v", c.act, c.from, c.to, got, c.want)
		}
	}
}

// An assignment's notice reaches the one assigned, not every lab or
// expert on the case.
func TestNoticeReachesTheOneAssigned(t *testing.T) {
	lab := NoticesOf(ActAssignLab, StateAccepted, StateAccepted, &Input{LabOrgID: 7})[0]
	if !lab.Reaches(Actor{UserID: 1, OrgID: 7, Role: RoleLab}, PartyLab) || lab.Reaches(Actor{UserID: 2, OrgID: 8, Role: RoleLab}, PartyLab) {
		t.Error("a lab's assignment notice reaches the wrong lab")
	}
	if lab.Reaches(Actor{UserID: 1, OrgID: 7, Role: RoleLab}, PartyProvider) {
		t.Error("the notice reaches someone who is not an assigned lab of the case")
	}
	expert := NoticesOf(ActAssignExpert, StateEvaluation, StateEvaluation, &Input{ExpertUserID: 9})[0]
	if !expert.Reaches(Actor{UserID: 9, Role: RoleExpert}, PartyExpert) || expert.Reaches(Actor{UserID: 10, Role: RoleExpert}, PartyExpert) {
		t.Error("an expert's assignment notice reaches the wrong expert")
	}
}

func TestClockOwner(t *testing.T) {
	want := map[string]Party{"screening": PartyOffice, "determination": PartyCIIDepartment, "supplement": PartyApplicant | PartyProvider,
		"review": PartyOffice, "deliberation": PartyCommittee}
	for _, name := range ClockNames() {
		if got, ok := want[name]; !ok || ClockOwner(name) != got {
			t.Errorf("clock %s: owner %v, want %v", name, ClockOwner(name).Names(), got.Names())
		}
	}
}
