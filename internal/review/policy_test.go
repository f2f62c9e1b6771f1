package review_test

import (
	"fmt"
	"testing"

	"shencha/internal/review"
)

// seeCases are the cases of the hand-written need-to-know matrix.
func seeCases() map[string]*review.Case {
	finance := enterpriseCase(review.StateEvaluation)
	finance.Assignments = []review.Assignment{
		labAssignment(1, orgLabA, true, false),
		labAssignment(2, orgLabC, false, true), // ended
		expertAssignment(3, expertZhang, true, false),
		expertAssignment(4, expertWang, false, true), // ended
	}
	energy := enterpriseCase(review.StateEvaluation)
	energy.Sector = "energy"
	referred := withQuorum(enterpriseCase(review.StateDeliberation))
	referred.Important, referred.Referred = true, true
	ciio := ciioCase(review.StateDetermination)
	request := &review.Case{Trigger: review.TriggerStateRequest, ApplicantOrgID: orgStateDept, ProviderOrgID: orgProviderP,
		Sector: "", State: review.StateScreening, Category: "cloud_services"}
	adminOrg := enterpriseCase(review.StateScreening) // an (odd) case whose applicant id is the platform's
	adminOrg.ApplicantOrgID = orgPlatform
	// An expert assignment whose user id equals a lab's org id: roles must not mix.
	crossed := enterpriseCase(review.StateEvaluation)
	crossed.Assignments = []review.Assignment{expertAssignment(1, orgLabB, true, false), labAssignment(2, expertLi, true, false)}
	return map[string]*review.Case{"finance": finance, "energy": energy, "referred": referred, "ciio": ciio,
		"request": request, "admin_org": adminOrg, "crossed": crossed}
}

func TestCanSee(t *testing.T) {
	cs := seeCases()
	labBActor := labB
	expertAsLabID := review.Actor{UserID: orgLabB, Username: "odd.expert", Role: review.RoleExpert, OrgID: orgExperts}
	labWithExpertID := review.Actor{UserID: 13, Username: "odd.lab", Role: review.RoleLab, OrgID: expertLi}
	tests := []struct {
		name  string
		actor review.Actor
		c     string
		want  bool
	}{
		{"NationalOffice/Finance", nationalOffice, "finance", true},
		{"NationalOffice/CIIO", nationalOffice, "ciio", true},
		{"NationalOffice/NationalRequest", nationalOffice, "request", true},
		{"FinanceOffice/Finance", financeOffice, "finance", true},
		{"FinanceOffice/Energy", financeOffice, "energy", false},
		{"FinanceOffice/NationalRequest", financeOffice, "request", false},
		{"FinanceOffice/CIIOEnergy", financeOffice, "ciio", false},
		{"Committee/Unreferred", committee, "finance", false},
		{"Committee/Referred", committee, "referred", true},
		{"Lab/Assigned", labA, "finance", true},
		{"Lab/Unassigned", labBActor, "finance", false},
		{"Lab/AssignmentEnded", labC, "finance", false},
		{"Lab/OtherCase", labA, "energy", false},
		{"Expert/Assigned", expZhang, "finance", true},
		{"Expert/Unassigned", expLi, "finance", false},
		{"Expert/AssignmentEnded", expWang, "finance", false},
		{"Expert/IDOfAnAssignedLab", expertAsLabID, "crossed", true},
		{"Lab/OrgIDOfAnAssignedExpert", labWithExpertID, "crossed", true},
		{"Lab/NotTheExpertAssignment", labBActor, "crossed", false},
		{"Provider/Owning", providerP, "finance", true},
		{"Provider/Other", providerQ, "finance", false},
		{"Provider/OfCIIOProcurement", providerQ, "ciio", true},
		{"Provider/OfStateRequest", providerP, "request", true},
		{"CIIO/Applicant", ciioEnergy, "ciio", true},
		{"CIIO/OtherCase", ciioEnergy, "energy", false},
		{"CIIDepartment/SameSector", ciiDeptEnergy, "ciio", true},
		{"CIIDepartment/OtherSector", ciiDeptFinance, "ciio", false},
		{"CIIDepartment/NotCIIORoute", ciiDeptFinance, "finance", false},
		{"CIIDepartment/NotCIIORouteSameSector", ciiDeptEnergy, "energy", false},
		{"Requester/Applicant", requester, "request", true},
		{"Requester/Other", requester, "finance", false},
		{"Procurer/SameSector", procurerFin, "finance", false},
		{"Admin", admin, "finance", false},
		{"Admin/ApplicantOrg", admin, "admin_org", false},
		{"Anonymous", anonymous, "finance", false},
		{"System", review.System, "finance", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cs[tt.c]
			if c == nil {
				t.Fatalf("no case %q", tt.c)
			}
			if got := review.CanSee(tt.actor, c); got != tt.want {
				t.Errorf("CanSee = %v, want %v (parties %v)", got, tt.want, review.PartiesOf(tt.actor, c).Names())
			}
			if got := review.VisibilityOf(tt.actor).Matches(c); got != tt.want {
				t.Errorf("VisibilityOf(actor).Matches = %v, want %v (%+v)", got, tt.want, review.VisibilityOf(tt.actor))
			}
		})
	}
}

func TestPartiesOf(t *testing.T) {
	cs := seeCases()
	tests := []struct {
		name  string
		actor review.Actor
		c     string
		want  review.Party
	}{
		{"ProviderApplicant", providerP, "finance", review.PartyApplicant | review.PartyProvider},
		{"ProviderOnly", providerQ, "ciio", review.PartyProvider},
		{"CIIOApplicant", ciioEnergy, "ciio", review.PartyApplicant},
		{"CIIDepartment", ciiDeptEnergy, "ciio", review.PartyCIIDepartment},
		{"Office", nationalOffice, "finance", review.PartyOffice},
		{"OfficeApplicant", nationalOffice, "admin_org", review.PartyOffice},
		{"Lab", labA, "finance", review.PartyLab},
		{"Expert", expZhang, "finance", review.PartyExpert},
		{"Committee", committee, "referred", review.PartyCommittee},
		{"Requester", requester, "request", review.PartyApplicant},
		{"Nobody", procurerFin, "finance", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := review.PartiesOf(tt.actor, cs[tt.c]); got != tt.want {
				t.Errorf("PartiesOf = %v, want %v", got.Names(), tt.want.Names())
			}
		})
	}
	t.Run("OfficeThatOpenedTheCase", func(t *testing.T) {
		c := &review.Case{Trigger: review.TriggerMarketFeedback, ApplicantOrgID: orgFinanceReg, Sector: "finance"}
		if got, want := review.PartiesOf(financeOffice, c), review.PartyOffice|review.PartyApplicant; got != want {
			t.Errorf("PartiesOf = %v, want %v", got.Names(), want.Names())
		}
	})
}

func TestVisibilityOf(t *testing.T) {
	tests := []struct {
		name  string
		actor review.Actor
		want  review.Visibility
	}{
		{"Anonymous", anonymous, review.Visibility{}},
		{"System", review.System, review.Visibility{}},
		{"NationalOffice", nationalOffice, review.Visibility{All: true, ApplicantOrgID: orgNational}},
		{"SectorOffice", financeOffice, review.Visibility{Sector: "finance", ApplicantOrgID: orgFinanceReg}},
		{"Committee", committee, review.Visibility{Referred: true, ApplicantOrgID: orgCommittee}},
		{"Lab", labA, review.Visibility{LabOrgID: orgLabA, ApplicantOrgID: orgLabA}},
		{"Expert", expZhang, review.Visibility{ExpertUserID: expertZhang, ApplicantOrgID: orgExperts}},
		{"Provider", providerP, review.Visibility{ProviderOrgID: orgProviderP, ApplicantOrgID: orgProviderP}},
		{"CIIO", ciioEnergy, review.Visibility{ApplicantOrgID: orgCIIOEnergy}},
		{"CIIDepartment", ciiDeptEnergy, review.Visibility{CIISector: "energy", ApplicantOrgID: orgCIIDEnergy}},
		{"Requester", requester, review.Visibility{ApplicantOrgID: orgStateDept}},
		{"Procurer", procurerFin, review.Visibility{ApplicantOrgID: orgProcurerFin}},
		{"Admin", admin, review.Visibility{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := review.VisibilityOf(tt.actor); got != tt.want {
				t.Errorf("VisibilityOf = %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("ZeroMatchesNothing", func(t *testing.T) {
		for _, c := range generatedCases() {
			if (review.Visibility{}).Matches(c) {
				t.Fatalf("zero Visibility matches %+v", c)
			}
		}
	})
}

// visibilityActors covers every role, with sectors and ids that do and do
// not meet the generated cases.
func visibilityActors() []review.Actor {
	return []review.Actor{
		anonymous, review.System, admin,
		nationalOffice, financeOffice,
		{UserID: 4, Username: "office.energy", Role: review.RoleOffice, OrgID: 103, Sector: "energy"},
		committee, labA, labB, labC, expZhang, expLi, expWang, expChen,
		providerP, providerQ, ciioEnergy, ciiDeptEnergy, ciiDeptFinance,
		{UserID: 52, Username: "ciid.national", Role: review.RoleCIIDepartment, OrgID: 602},
		requester, procurerFin,
		{UserID: 71, Username: "grid.buyer", Role: review.RoleProcurer, OrgID: 801, Sector: "energy"},
	}
}

// generatedCases varies sector, trigger, referral, assignments and the
// applicant and provider organisations. CIIO-route cases always have a
// sector, as CheckOpen and SectorOf guarantee.
func generatedCases() []*review.Case {
	assignmentSets := [][]review.Assignment{
		nil,
		{labAssignment(1, orgLabA, true, false)},
		{labAssignment(1, orgLabA, false, true)},
		{expertAssignment(1, expertZhang, true, false)},
		{expertAssignment(1, expertZhang, false, true)},
		{labAssignment(1, orgLabA, true, true), labAssignment(2, orgLabB, false, false),
			expertAssignment(3, expertLi, true, true), expertAssignment(4, expertWang, false, false)},
		// ids crossed between kinds
		{expertAssignment(1, orgLabC, true, false), labAssignment(2, expertChen, true, false)},
	}
	applicants := []int64{orgProviderP, orgCIIOEnergy, orgStateDept, orgNational, orgFinanceReg}
	providers := []int64{orgProviderP, orgProviderQ}
	var out []*review.Case
	id := int64(0)
	for _, tr := range review.Triggers {
		for _, sector := range []string{"", "finance", "energy"} {
			if tr == review.TriggerCIIOProcurement && sector == "" {
				continue
			}
			for _, referred := range []bool{false, true} {
				for _, as := range assignmentSets {
					for _, app := range applicants {
						for _, prov := range providers {
							id++
							out = append(out, &review.Case{ID: id, Trigger: tr, Sector: sector, Referred: referred,
								Assignments: as, ApplicantOrgID: app, ProviderOrgID: prov, State: review.StateEvaluation})
						}
					}
				}
			}
		}
	}
	return out
}

func TestVisibilityMatchesCanSee(t *testing.T) {
	cases := generatedCases()
	seen, hidden := 0, 0
	for _, a := range visibilityActors() {
		t.Run(fmt.Sprintf("%s_%s", a.Role, a.Username), func(t *testing.T) {
			v := review.VisibilityOf(a)
			for _, c := range cases {
				want := review.CanSee(a, c)
				if got := v.Matches(c); got != want {
					t.Errorf("case %d %+v: Matches = %v, CanSee = %v (parties %v, visibility %+v)",
						c.ID, *c, got, want, review.PartiesOf(a, c).Names(), v)
				}
				if want {
					seen++
				} else {
					hidden++
				}
			}
		})
	}
	// The comparison means something only if both answers occur often.
	if seen < 1000 || hidden < 1000 {
		t.Errorf("generated set too one-sided: %d seen, %d hidden", seen, hidden)
	}
}

// TestVisibilityEdgeCases covers inputs the ordinary flows never produce,
// where PartiesOf and Visibility still ought to agree (policy.go says they
// agree by construction).
func TestVisibilityEdgeCases(t *testing.T) {
	t.Run("NationalCIIDepartmentOnSectorlessCIIOCase", func(t *testing.T) {
		a := review.Actor{UserID: 52, Username: "ciid.national", Role: review.RoleCIIDepartment, OrgID: 602}
		c := ciioCase(review.StateDetermination)
		c.Sector = ""
		if got, want := review.VisibilityOf(a).Matches(c), review.CanSee(a, c); got != want {
			t.Errorf("Matches = %v, CanSee = %v; they must agree", got, want)
		}
	})
	t.Run("ActorWithoutOrgOnCaseWithoutApplicant", func(t *testing.T) {
		a := review.Actor{UserID: 99, Username: "orphan", Role: review.RoleRequester}
		c := enterpriseCase(review.StateScreening)
		c.ApplicantOrgID = 0
		if review.CanSee(a, c) {
			t.Errorf("an actor without organisation sees a case without applicant (parties %v)", review.PartiesOf(a, c).Names())
		}
		if got, want := review.VisibilityOf(a).Matches(c), review.CanSee(a, c); got != want {
			t.Errorf("Matches = %v, CanSee = %v; they must agree", got, want)
		}
	})
}

func TestCanSeeAgreesWithDecide(t *testing.T) {
	// An actor who cannot see a case gets not_found for every action, never
	// a hint (forbidden, conflict) that it exists.
	for _, a := range visibilityActors() {
		for _, c := range []*review.Case{enterpriseCase(review.StateScreening), ciioCase(review.StateDetermination)} {
			if review.CanSee(a, c) {
				continue
			}
			for _, act := range review.Actions() {
				_, err := review.Decide(a, c, act, fullInput())
				if !review.IsKind(err, review.KindNotFound) {
					t.Errorf("%s %s on unseen %s case: %v, want not_found", a.Username, act, c.Trigger, err)
				}
			}
			if got := review.Allowed(a, c); len(got) != 0 {
				t.Errorf("%s may %v on a case it cannot see", a.Username, got)
			}
		}
	}
}
