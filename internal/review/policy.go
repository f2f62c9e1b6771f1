package review

// Visibility is the need-to-know rule for lists of cases, in a form the store
// turns into SQL. A case is visible when any set field matches it; the
// zero Visibility shows nothing. Visibility.Matches and PartiesOf agree by
// construction (a test checks every role against every relation), and a
// store test checks that lists and single reads agree on a real database.
type Visibility struct {
	All            bool   // every case (the national office)
	Sector         string // cases of this sector (a sector regulator acting as office)
	ApplicantOrgID int64  // cases this organisation opened
	ProviderOrgID  int64  // cases about this provider's products
	LabOrgID       int64  // cases this lab holds an active assignment on
	ExpertUserID   int64  // cases this expert holds an active assignment on
	Referred       bool   // cases referred to the committee
	CIISector      string // CIIO-route cases of this sector
}

// VisibilityOf derives the list filter for an actor.
func VisibilityOf(a Actor) Visibility {
	var v Visibility
	if a.Anonymous() {
		return v
	}
	if a.Role != RoleAdmin {
		v.ApplicantOrgID = a.OrgID
	}
	switch a.Role {
	case RoleOffice:
		if a.Sector == "" {
			v.All = true
		} else {
			v.Sector = a.Sector
		}
	case RoleProvider:
		v.ProviderOrgID = a.OrgID
	case RoleLab:
		v.LabOrgID = a.OrgID
	case RoleExpert:
		v.ExpertUserID = a.UserID
	case RoleCommittee:
		v.Referred = true
	case RoleCIIDepartment:
		v.CIISector = a.Sector
	}
	return v
}

// Matches applies the rule to one case, for tests and for checks in Go.
func (v Visibility) Matches(c *Case) bool {
	if v.All || v.Sector != "" && c.Sector == v.Sector ||
		v.ApplicantOrgID != 0 && c.ApplicantOrgID == v.ApplicantOrgID ||
		v.ProviderOrgID != 0 && c.ProviderOrgID == v.ProviderOrgID ||
		v.Referred && c.Referred ||
		v.CIISector != "" && c.Trigger == TriggerCIIOProcurement && c.Sector == v.CIISector {
		return true
	}
	for _, as := range c.Assignments {
		if !as.Active {
			continue
		}
		if v.LabOrgID != 0 && as.Kind == AssignLab && as.LabOrgID == v.LabOrgID ||
			v.ExpertUserID != 0 && as.Kind == AssignExpert && as.ExpertUserID == v.ExpertUserID {
			return true
		}
	}
	return false
}
