package review_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"shencha/internal/review"
)

// Organisation ids used across the tests.
const (
	orgPlatform    = 1
	orgNational    = 100 // national review office
	orgFinanceReg  = 101 // finance-sector regulator acting as office
	orgCommittee   = 102
	orgLabA        = 200
	orgLabB        = 201
	orgLabC        = 202
	orgExperts     = 300
	orgProviderP   = 400
	orgProviderQ   = 401
	orgCIIOEnergy  = 500
	orgCIIDEnergy  = 600
	orgCIIDFinance = 601
	orgStateDept   = 700
	orgProcurerFin = 800
	expertZhang    = 20
	expertLi       = 21
	expertWang     = 22
	expertChen     = 23
)

// Realistic actors.
var (
	nationalOffice = review.Actor{UserID: 1, Username: "office.national", Role: review.RoleOffice, OrgID: orgNational}
	financeOffice  = review.Actor{UserID: 2, Username: "office.finance", Role: review.RoleOffice, OrgID: orgFinanceReg, Sector: "finance"}
	committee      = review.Actor{UserID: 3, Username: "committee.chair", Role: review.RoleCommittee, OrgID: orgCommittee}
	committeeMa    = review.Actor{UserID: 4, Username: "committee.ma", Role: review.RoleCommittee, OrgID: orgCommittee}
	committeeSun   = review.Actor{UserID: 5, Username: "committee.sun", Role: review.RoleCommittee, OrgID: orgCommittee}
	labA           = review.Actor{UserID: 10, Username: "lab.a", Role: review.RoleLab, OrgID: orgLabA}
	labB           = review.Actor{UserID: 11, Username: "lab.b", Role: review.RoleLab, OrgID: orgLabB}
	labC           = review.Actor{UserID: 12, Username: "lab.c", Role: review.RoleLab, OrgID: orgLabC}
	expZhang       = review.Actor{UserID: expertZhang, Username: "zhang", Role: review.RoleExpert, OrgID: orgExperts}
	expLi          = review.Actor{UserID: expertLi, Username: "li", Role: review.RoleExpert, OrgID: orgExperts}
	expWang        = review.Actor{UserID: expertWang, Username: "wang", Role: review.RoleExpert, OrgID: orgExperts}
	expChen        = review.Actor{UserID: expertChen, Username: "chen", Role: review.RoleExpert, OrgID: orgExperts}
	providerP      = review.Actor{UserID: 30, Username: "provider.p", Role: review.RoleProvider, OrgID: orgProviderP}
	providerQ      = review.Actor{UserID: 31, Username: "provider.q", Role: review.RoleProvider, OrgID: orgProviderQ}
	ciioEnergy     = review.Actor{UserID: 40, Username: "grid.ciio", Role: review.RoleCIIO, OrgID: orgCIIOEnergy, Sector: "energy"}
	ciiDeptEnergy  = review.Actor{UserID: 50, Username: "ciid.energy", Role: review.RoleCIIDepartment, OrgID: orgCIIDEnergy, Sector: "energy"}
	ciiDeptFinance = review.Actor{UserID: 51, Username: "ciid.finance", Role: review.RoleCIIDepartment, OrgID: orgCIIDFinance, Sector: "finance"}
	requester      = review.Actor{UserID: 60, Username: "state.dept", Role: review.RoleRequester, OrgID: orgStateDept}
	procurerFin    = review.Actor{UserID: 70, Username: "bank.buyer", Role: review.RoleProcurer, OrgID: orgProcurerFin, Sector: "finance"}
	admin          = review.Actor{UserID: 80, Username: "root.admin", Role: review.RoleAdmin, OrgID: orgPlatform}
	anonymous      = review.Actor{}
)

// day is the reference day of the tests.
var day = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// enterpriseCase is a provider's own application in a state.
func enterpriseCase(s review.State) *review.Case {
	return &review.Case{
		ID: 1, Number: "CSR-2026-0001", Trigger: review.TriggerEnterpriseApplication,
		ProductID: 7, VersionIDs: []int64{71}, Category: "databases_and_application_software",
		ApplicantOrgID: orgProviderP, ProviderOrgID: orgProviderP, Sector: "finance",
		State: s, Version: 1, CreatedAt: day,
	}
}

// ciioCase is a CIIO's procurement declaration in a state.
func ciioCase(s review.State) *review.Case {
	return &review.Case{
		ID: 2, Number: "CSR-2026-0002", Trigger: review.TriggerCIIOProcurement,
		ProductID: 8, VersionIDs: []int64{81}, Category: "core_network_equipment",
		ApplicantOrgID: orgCIIOEnergy, ProviderOrgID: orgProviderQ, Sector: "energy",
		State: s, Version: 1, CreatedAt: day,
	}
}

func labAssignment(id, lab int64, active, reported bool) review.Assignment {
	return review.Assignment{ID: id, Kind: review.AssignLab, LabOrgID: lab, Method: review.MethodLabTesting,
		Active: active, ReportSubmitted: reported}
}

func expertAssignment(id, user int64, active, opinion bool) review.Assignment {
	return review.Assignment{ID: id, Kind: review.AssignExpert, ExpertUserID: user, Active: active, OpinionGiven: opinion}
}

// withQuorum adds a reported lab and three experts with opinions.
func withQuorum(c *review.Case) *review.Case {
	c.Assignments = append(c.Assignments,
		labAssignment(1, orgLabA, true, true),
		expertAssignment(2, expertZhang, true, true),
		expertAssignment(3, expertLi, true, true),
		expertAssignment(4, expertWang, true, true))
	return c
}

// awaitingOpinion is a case in expert assessment with a quorum of
// opinions in, bar the given expert's.
func awaitingOpinion(expert int64) *review.Case {
	c := withQuorum(enterpriseCase(review.StateExpertAssessment))
	for i := range c.Assignments {
		if c.Assignments[i].ExpertUserID == expert {
			c.Assignments[i].OpinionGiven = false
		}
	}
	return c
}

// referred is an important case in deliberation with a quorum of opinions
// and the given committee votes.
func referred(votes ...review.Outcome) *review.Case {
	c := withQuorum(enterpriseCase(review.StateDeliberation))
	c.Important, c.Referred, c.Commitment = true, true, true
	for i, o := range votes {
		c.Votes = append(c.Votes, review.Ballot{Who: "member" + string(rune('A'+i)), Outcome: o})
	}
	return c
}

// decidedCase is a decided (or published) case with an outcome.
func decidedCase(s review.State, o review.Outcome) *review.Case {
	c := withQuorum(enterpriseCase(s))
	c.Commitment, c.Outcome = true, o
	return c
}

// wantErr describes an expected *review.Error. Kind, code and field are
// always compared ("" field means none); only the listed params are.
type wantErr struct {
	kind   review.Kind
	code   string
	field  string
	params map[string]string
}

// asError asserts err is a *review.Error and returns it.
func asError(t *testing.T, err error) *review.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want a *review.Error")
	}
	var e *review.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *review.Error", err, err)
	}
	return e
}

func checkErr(t *testing.T, err error, w wantErr) *review.Error {
	t.Helper()
	e := asError(t, err)
	if e.Kind != w.kind {
		t.Errorf("kind = %q, want %q (error %v)", e.Kind, w.kind, e)
	}
	if e.Code != w.code {
		t.Errorf("code = %q, want %q (error %v)", e.Code, w.code, e)
	}
	if e.Field != w.field {
		t.Errorf("field = %q, want %q (error %v)", e.Field, w.field, e)
	}
	for k, v := range w.params {
		if got, ok := e.Params[k]; !ok || got != v {
			t.Errorf("params[%q] = %q (present %v), want %q (error %v)", k, got, ok, v, e)
		}
	}
	return e
}

func actionStrings(as []review.Action) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, string(a))
	}
	return out
}

// sameSet compares two lists as sets, ignoring order (duplicates count).
func sameSet[T ~string](a, b []T) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func setOf[T comparable](xs ...T) map[T]bool {
	m := map[T]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}
