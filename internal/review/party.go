package review

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Role is what a user may do in the platform (DESIGN §2).
type Role string

// Roles.
const (
	RoleAdmin         Role = "admin"
	RoleOffice        Role = "office"
	RoleCommittee     Role = "committee"
	RoleExpert        Role = "expert"
	RoleLab           Role = "lab"
	RoleProvider      Role = "provider"
	RoleCIIO          Role = "ciio"
	RoleCIIDepartment Role = "cii_department"
	RoleRequester     Role = "requester"
	RoleProcurer      Role = "procurer"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleOffice, RoleCommittee, RoleExpert, RoleLab, RoleProvider,
	RoleCIIO, RoleCIIDepartment, RoleRequester, RoleProcurer}

// Government reports whether the role belongs to a government reviewer.
func (r Role) Government() bool {
	return r == RoleOffice || r == RoleCommittee || r == RoleCIIDepartment
}

// OrgKind is the kind of an organisation.
type OrgKind string

// Organisation kinds.
const (
	OrgPlatform            OrgKind = "platform" // the platform operator (admin)
	OrgReviewOffice        OrgKind = "review_office"
	OrgSectorRegulator     OrgKind = "sector_regulator"
	OrgCommittee           OrgKind = "committee"
	OrgExpertCommittee     OrgKind = "expert_committee"
	OrgLab                 OrgKind = "lab"
	OrgProvider            OrgKind = "provider"
	OrgCIIO                OrgKind = "ciio"
	OrgCIIDepartment       OrgKind = "cii_department"
	OrgStateDepartment     OrgKind = "state_department"
	OrgIndustryAssociation OrgKind = "industry_association"
	OrgProcurer            OrgKind = "procurer"
)

// OrgKinds lists every organisation kind.
var OrgKinds = []OrgKind{OrgPlatform, OrgReviewOffice, OrgSectorRegulator, OrgCommittee,
	OrgExpertCommittee, OrgLab, OrgProvider, OrgCIIO, OrgCIIDepartment, OrgStateDepartment,
	OrgIndustryAssociation, OrgProcurer}

// rolesOfKind says which roles the members of each kind of organisation may hold.
var rolesOfKind = map[OrgKind][]Role{
	OrgPlatform:            {RoleAdmin},
	OrgReviewOffice:        {RoleOffice},
	OrgSectorRegulator:     {RoleOffice},
	OrgCommittee:           {RoleCommittee},
	OrgExpertCommittee:     {RoleExpert},
	OrgLab:                 {RoleLab},
	OrgProvider:            {RoleProvider},
	OrgCIIO:                {RoleCIIO},
	OrgCIIDepartment:       {RoleCIIDepartment},
	OrgStateDepartment:     {RoleRequester},
	OrgIndustryAssociation: {RoleRequester},
	OrgProcurer:            {RoleProcurer},
}

// Sectors are the key sectors of Art. 9 and Art. 11; "" is national.
var Sectors = []string{"finance", "telecom", "energy", "transport", "water", "public_service", "e_government", "defence_industry", "other"}

// Org is an organisation of any kind.
type Org struct {
	ID     int64
	Kind   OrgKind
	Name   string
	Sector string // "" for national bodies
}

// Validate checks an organisation before it is stored.
func (o Org) Validate() error {
	if strings.TrimSpace(o.Name) == "" {
		return Required("name")
	}
	if len(o.Name) > 200 {
		return Invalid("name", "field_too_long", "max", "200")
	}
	if !slices.Contains(OrgKinds, o.Kind) {
		return Invalid("kind", "field_unknown_value", "value", string(o.Kind))
	}
	if o.Sector != "" && !slices.Contains(Sectors, o.Sector) {
		return Invalid("sector", "field_unknown_value", "value", o.Sector)
	}
	if o.Kind == OrgSectorRegulator && o.Sector == "" {
		return Invalid("sector", "field_required")
	}
	return nil
}

// User is a person with one role in one organisation.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	OrgID       int64
	Role        Role
	Disabled    bool
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// ValidateUser checks a user against the organisation it belongs to.
func ValidateUser(u User, org Org) error {
	if !usernameRE.MatchString(u.Username) {
		return Invalid("username", "field_invalid", "rule", "2-64 of a-z 0-9 . _ -")
	}
	if !slices.Contains(Roles, u.Role) {
		return Invalid("role", "field_unknown_value", "value", string(u.Role))
	}
	if !slices.Contains(rolesOfKind[org.Kind], u.Role) {
		return Invalid("role", "field_invalid", "rule", "role "+string(u.Role)+" does not fit an organisation of kind "+string(org.Kind))
	}
	return nil
}

// Actor is who is acting: the signed-in user with its organisation's facts.
// The zero Actor is the anonymous public.
type Actor struct {
	UserID   int64
	Username string
	Role     Role
	OrgID    int64
	Sector   string // the organisation's sector; "" is national
}

// Anonymous reports whether nobody is signed in.
func (a Actor) Anonymous() bool { return a.UserID == 0 && a.Username == "" }

// System is the actor of automatic work (timers); it is never a user.
var System = Actor{Username: "system"}

// Category is a product category (Art. 2; the list later Measures use).
type Category string

// Categories lists the built-in categories; an admin may add more.
var Categories = []Category{"core_network_equipment", "communications_products", "hpc_and_servers",
	"mass_storage", "databases_and_application_software", "network_security_equipment",
	"cloud_services", "other"}

// Product is a network product or service under review.
type Product struct {
	ID            int64
	ProviderOrgID int64
	Name          string
	Service       bool // a network service rather than a product
	Category      Category
}

// Validate checks a product before it is stored.
func (p Product) Validate() error {
	if strings.TrimSpace(p.Name) == "" {
		return Required("name")
	}
	if len(p.Name) > 200 {
		return Invalid("name", "field_too_long", "max", "200")
	}
	if !slices.Contains(Categories, p.Category) {
		return Invalid("category", "field_unknown_value", "value", string(p.Category))
	}
	return nil
}

// Version is one version of a product, with its identifiers.
type Version struct {
	ID        int64
	ProductID int64
	Version   string
	PURL      string // package URL without version qualifier is fine; stored as given
	CPE       string
	// ArtifactSHA256 is the SHA-256 of the delivered artifact (firmware
	// image, installer), as 64 lower-case hex digits, when declared: the
	// digest of the version in signed verdicts.
	ArtifactSHA256 string
}

// Validate checks a version before it is stored.
func (v Version) Validate() error {
	if strings.TrimSpace(v.Version) == "" {
		return Required("version")
	}
	if len(v.Version) > 100 {
		return Invalid("version", "field_too_long", "max", "100")
	}
	if v.PURL != "" && !strings.HasPrefix(v.PURL, "pkg:") {
		return Invalid("purl", "field_invalid", "rule", "must start with pkg:")
	}
	if v.CPE != "" && !strings.HasPrefix(v.CPE, "cpe:") {
		return Invalid("cpe", "field_invalid", "rule", "must start with cpe:")
	}
	if v.ArtifactSHA256 != "" && !IsSHA256Hex(v.ArtifactSHA256) {
		return Invalid("artifact_sha256", "field_invalid", "rule", "64 lower-case hex digits")
	}
	return nil
}

// IsSHA256Hex reports whether s is a SHA-256 as 64 lower-case hex digits.
func IsSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Method is an evaluation method of Art. 3, plus document review.
type Method string

// Methods.
const (
	MethodLabTesting  Method = "lab_testing"
	MethodOnSite      Method = "on_site_inspection"
	MethodMonitoring  Method = "online_monitoring"
	MethodBackground  Method = "background_investigation"
	MethodDocumentary Method = "document_review"
)

// Methods lists every evaluation method.
var Methods = []Method{MethodLabTesting, MethodOnSite, MethodMonitoring, MethodBackground, MethodDocumentary}

// Accreditation is a lab's state accreditation (Art. 7): what it may
// evaluate, by which methods, for which categories, and when.
type Accreditation struct {
	ID          int64
	LabOrgID    int64
	Methods     []Method
	Categories  []Category
	ValidFrom   time.Time // first day valid
	ValidTo     time.Time // last day valid
	SuspendedAt *time.Time
}

// Covers reports whether the accreditation allows method on category on day.
// It returns the reason when it does not, as an error code parameter.
func (a Accreditation) Covers(m Method, c Category, day time.Time) (bool, string) {
	switch {
	case a.SuspendedAt != nil && !a.SuspendedAt.After(day):
		return false, "suspended"
	case day.Before(a.ValidFrom):
		return false, "not_yet_valid"
	case day.After(a.ValidTo.Add(24*time.Hour - time.Nanosecond)):
		return false, "expired"
	case !slices.Contains(a.Methods, m):
		return false, "method_not_covered"
	case !slices.Contains(a.Categories, c):
		return false, "category_not_covered"
	}
	return true, ""
}

// TieKind is a declared relationship between an evaluator and a provider.
type TieKind string

// Tie kinds.
const (
	TieOwnership  TieKind = "ownership"
	TieConsulting TieKind = "consulting"
	TieEmployment TieKind = "employment"
	TieFamily     TieKind = "family"
)

// TieKinds lists every tie kind.
var TieKinds = []TieKind{TieOwnership, TieConsulting, TieEmployment, TieFamily}

// Tie is a declared tie of a lab (organisation) or an expert (user) to a
// provider. A tie that ended longer ago than the lookback (by default
// DefaultTieLookback, three years) no longer bars.
type Tie struct {
	ID            int64
	LabOrgID      int64 // set for a lab's tie
	ExpertUserID  int64 // set for an expert's tie
	ProviderOrgID int64
	Kind          TieKind
	Until         *time.Time // when the tie ended; nil while it lasts
	Note          string
}

// DefaultTieLookback is how long an ended tie still bars an assignment
// unless the office configures another period.
const DefaultTieLookback = 3 * 365 * 24 * time.Hour

// Bars reports whether the tie prevents assigning its holder on day, an
// ended tie barring for lookback after it ended.
func (t Tie) Bars(day time.Time, lookback time.Duration) bool {
	return t.Until == nil || day.Sub(*t.Until) < lookback
}
