package review

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// RiskAreas are the five risk areas of Art. 4, the rows of every
// assessment; the catalogue organises its criteria by them.
var RiskAreas = []string{"R1", "R2", "R3", "R4", "R5"}

// RiskLevel is an expert's view of the risk in one area.
type RiskLevel string

// Risk levels.
const (
	RiskLow    RiskLevel = "low"
	RiskMedium RiskLevel = "medium"
	RiskHigh   RiskLevel = "high"
)

// RiskLevels lists every level, lowest first.
var RiskLevels = []RiskLevel{RiskLow, RiskMedium, RiskHigh}

// AreaAssessment is an expert's assessment of one risk area.
type AreaAssessment struct {
	Level RiskLevel `json:"level"`
	Note  string    `json:"note,omitempty"`
}

func checkAreas(in *Input) error {
	if len(in.Areas) == 0 {
		return Required("areas")
	}
	for _, a := range RiskAreas {
		x, ok := in.Areas[a]
		if !ok {
			return Invalid("areas."+a, "field_required")
		}
		if !slices.Contains(RiskLevels, x.Level) {
			return Invalid("areas."+a+".level", "field_unknown_value", "value", string(x.Level))
		}
		if len(x.Note) > maxText {
			return Invalid("areas."+a+".note", "field_too_long", "max", "20000")
		}
	}
	for k := range in.Areas {
		if !slices.Contains(RiskAreas, k) {
			return Invalid("areas", "field_unknown_value", "value", k)
		}
	}
	return nil
}

func checkOpinion(in *Input) error {
	if err := checkOutcome("recommendation", in.Recommendation); err != nil {
		return err
	}
	if err := needText("rationale")(in); err != nil {
		return err
	}
	return checkAreas(in)
}

// Ballot is one expert's recommendation or one committee member's vote.
type Ballot struct {
	Who     string  `json:"who"`
	Outcome Outcome `json:"outcome"`
}

// Tally is the consolidated view of ballots: how many for each outcome,
// the majority (more than half) if there is one, and who dissented from it.
type Tally struct {
	Cast     int             `json:"cast"`
	Quorum   int             `json:"quorum"`
	Counts   map[Outcome]int `json:"counts"`
	Majority Outcome         `json:"majority,omitempty"`
	// Unanimous is true when every ballot agrees.
	Unanimous bool     `json:"unanimous"`
	Dissent   []string `json:"dissent,omitempty"`
}

// Count tallies ballots against a quorum.
func Count(ballots []Ballot, quorum int) Tally {
	t := Tally{Cast: len(ballots), Quorum: quorum, Counts: map[Outcome]int{}}
	for _, b := range ballots {
		t.Counts[b.Outcome]++
	}
	for o, n := range t.Counts {
		if 2*n > len(ballots) {
			t.Majority = o
		}
	}
	t.Unanimous = len(ballots) > 0 && len(t.Counts) == 1
	if t.Majority != "" {
		for _, b := range ballots {
			if b.Outcome != t.Majority {
				t.Dissent = append(t.Dissent, b.Who)
			}
		}
		sort.Strings(t.Dissent)
	}
	return t
}

// checkDeparture refuses a decision that departs from the recommendation
// the default rule computed from the findings without a written rationale
// for the departure (DESIGN §4).
func checkDeparture(c *Case, in *Input) *Error {
	if c.Recommendation == "" || in.Outcome == c.Recommendation {
		return nil
	}
	if strings.TrimSpace(in.DepartureRationale) == "" {
		e := Invalid("departure_rationale", "departs_from_rule", "recommended", string(c.Recommendation), "outcome", string(in.Outcome))
		return e
	}
	if len(in.DepartureRationale) > maxText {
		return Invalid("departure_rationale", "field_too_long", "max", "20000")
	}
	return nil
}

// checkCommitteeDecision requires the committee's outcome to be the one its
// majority voted for; the dissenting votes stay on the record.
func checkCommitteeDecision(c *Case, in *Input) *Error {
	if m := Count(c.Votes, c.VoteQuorum()).Majority; m != "" && in.Outcome != m {
		return Invalid("outcome", "field_invalid", "rule", "must be the committee majority: "+string(m))
	}
	return checkDeparture(c, in)
}

// hasMajority: the committee decides only once its votes have a majority.
func hasMajority(c *Case) *Error {
	if Count(c.Votes, c.VoteQuorum()).Majority == "" {
		return guardFailed("committee_has_no_majority")
	}
	return nil
}

// SignedFinding is a finding as it stands in a signed report.
type SignedFinding struct {
	Criterion string   `json:"criterion"`
	Status    string   `json:"status"`
	Rationale string   `json:"rationale"`
	Evidence  []string `json:"evidence"` // digests of the evidence records
}

// ReportPayload is what a lab signs: the case, its own findings with the
// evidence they rest on, its summary and recommendation. The server builds
// it from the record, so a later change to any finding breaks the signature.
type ReportPayload struct {
	Type           string          `json:"type"`
	Case           string          `json:"case"`
	CatalogVersion string          `json:"catalog_version"`
	LabOrgID       int64           `json:"lab_org_id"`
	Lab            string          `json:"lab"`
	AssignmentID   int64           `json:"assignment_id"`
	Method         Method          `json:"method"`
	Summary        string          `json:"summary"`
	Recommendation Outcome         `json:"recommendation"`
	Findings       []SignedFinding `json:"findings"`
}

// CommitmentPayload is what a provider signs (Art. 3): the commitment text
// for the product versions under review.
type CommitmentPayload struct {
	Type          string   `json:"type"`
	Case          string   `json:"case"`
	ProviderOrgID int64    `json:"provider_org_id"`
	Provider      string   `json:"provider"`
	Product       string   `json:"product"`
	Versions      []string `json:"versions"`
	TextZH        string   `json:"text_zh"`
	TextEN        string   `json:"text_en"`
}

// Payload types, versioned.
const (
	ReportType     = "shencha.lab-report/v1"
	CommitmentType = "shencha.commitment/v1"
)

// CommitmentText is the provider's commitment (Art. 3, Art. 13), in the
// authoritative Chinese and in English.
var CommitmentText = [2]string{
	"本单位承诺：所申报的网络产品和服务不存在未声明的远程控制、干扰或中断运行的功能；不非法收集、存储、处理、使用用户信息；不利用用户对产品的依赖谋取不正当利益或损害用户权益；如实提供审查所需材料，积极配合网络安全审查，并对所提供材料的真实性负责。",
	"We commit that the network products and services under review contain no undeclared function for remote control, interference or interruption of their operation; that we do not illegally collect, store, process or use user information; that we do not exploit users' dependence on the product for undue gain or to harm their interests; and that we provide truthful material for the review, cooperate with it, and answer for the truth of what we provide.",
}

// Canonical renders a payload as the exact bytes that are signed: JSON in
// field order without HTML escaping, findings in criterion order.
func Canonical(v any) []byte {
	if p, ok := v.(*ReportPayload); ok {
		slices.SortFunc(p.Findings, func(a, b SignedFinding) int { return strings.Compare(a.Criterion, b.Criterion) })
		for i := range p.Findings {
			slices.Sort(p.Findings[i].Evidence)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("review: canonical: " + err.Error()) // payloads are plain structs
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}
