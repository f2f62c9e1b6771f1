package review

// Notice is a message the platform leaves for the people of a case when it
// changes. Code names the message (the catalogue's "notify.<code>"); To
// names the parties it is for. Only a person with one of these relations to
// the case (PartiesOf) receives it, so need-to-know decides who is told
// about a case exactly as it decides who may read it.
type Notice struct {
	Code string
	To   Party
	// LabOrgID and ExpertUserID narrow an assignment's notice to the lab or
	// the expert just assigned (0: anyone of the parties To names).
	LabOrgID, ExpertUserID int64
}

// Reaches reports whether the notice is for an actor with these relations
// to the case.
func (n Notice) Reaches(a Actor, parties Party) bool {
	return parties&n.To != 0 && (n.LabOrgID == 0 || a.OrgID == n.LabOrgID) &&
		(n.ExpertUserID == 0 || a.UserID == n.ExpertUserID)
}

// NoticesOf says what an action that moved a case from one state to
// another tells whom: the applicant and the provider follow their case's
// state (a request for material and the publication have messages of their
// own), a lab or an expert learns it was assigned, experts that an opinion
// is awaited, the committee that a vote is, the CII department that a
// determination is, and the office that requested material came in. The
// first notice that reaches a person is the one it gets.
func NoticesOf(act Action, from, to State, in *Input) []Notice {
	if in == nil {
		in = &Input{}
	}
	var out []Notice
	switch act {
	case ActAssignLab:
		out = append(out, Notice{Code: "assigned", To: PartyLab, LabOrgID: in.LabOrgID})
	case ActAssignExpert:
		code := "assigned"
		if to == StateExpertAssessment {
			code = "opinion_awaited"
		}
		out = append(out, Notice{Code: code, To: PartyExpert, ExpertUserID: in.ExpertUserID})
	case ActAnswerSupplement, ActResubmit:
		out = append(out, Notice{Code: "supplement_answered", To: PartyOffice})
	}
	if from == to {
		return out
	}
	switch to {
	case StateExpertAssessment:
		out = append(out, Notice{Code: "opinion_awaited", To: PartyExpert})
	case StateDeliberation:
		out = append(out, Notice{Code: "vote_awaited", To: PartyCommittee})
	case StateDetermination:
		out = append(out, Notice{Code: "determination_awaited", To: PartyCIIDepartment})
	}
	code := "case_state"
	switch to {
	case StateIncomplete, StateAwaitingSupplement:
		code = "supplement_requested"
	case StatePublished:
		code = "published"
	}
	return append(out, Notice{Code: code, To: PartyApplicant | PartyProvider})
}

// ClockOwner is who answers for a review clock, and is reminded before it
// runs out: the office screens and reviews, the CII department determines,
// the provider (or applicant) supplies material, the committee deliberates.
func ClockOwner(clock string) Party {
	switch clock {
	case "determination":
		return PartyCIIDepartment
	case "supplement":
		return PartyApplicant | PartyProvider
	case "deliberation":
		return PartyCommittee
	}
	return PartyOffice // screening, review
}

// NoticeCodes lists every notice code, so a test can check each has a
// message in every locale.
var NoticeCodes = []string{"assigned", "opinion_awaited", "supplement_answered", "vote_awaited",
	"determination_awaited", "case_state", "supplement_requested", "published", "deadline", "listing_changed"}

// MaySubscribe reports whether an actor's organisation may subscribe to
// listing changes by webhook: the buyers who act on the register (procurers
// and CII operators) and the office.
func MaySubscribe(a Actor) bool {
	return a.Role == RoleProcurer || a.Role == RoleCIIO || a.Role == RoleOffice
}
