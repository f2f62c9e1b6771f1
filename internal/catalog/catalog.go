package catalog

import (
	"fmt"
	"time"

	"shencha/internal/review"
)

// Bilingual is a text in the authoritative Chinese and in English.
type Bilingual struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// RiskArea is one of the five risk areas of Art. 4 (R1..R5).
type RiskArea string

// Risk areas.
const (
	AreaControl     RiskArea = "R1" // illegal control, interference, interruption
	AreaSupplyChain RiskArea = "R2" // R&D, delivery, technical support of the product and key components
	AreaUserData    RiskArea = "R3" // provider illegally collecting, storing, processing, using user information
	AreaDependence  RiskArea = "R4" // provider exploiting user dependence
	AreaOther       RiskArea = "R5" // other risks to national security and public interest
)

// Areas lists the risk areas in order.
var Areas = []RiskArea{AreaControl, AreaSupplyChain, AreaUserData, AreaDependence, AreaOther}

var areaNames = map[RiskArea]Bilingual{
	AreaControl: {"产品和服务被非法控制、干扰和中断运行的风险",
		"Risk of the product or service being illegally controlled, interfered with or interrupted"},
	AreaSupplyChain: {"产品及关键部件研发、交付、技术支持过程中的风险",
		"Risks in the research and development, delivery and technical support of the product and its key components"},
	AreaUserData: {"产品和服务提供者利用提供产品和服务的便利条件非法收集、存储、处理、利用用户相关信息的风险",
		"Risk of the provider using its position to illegally collect, store, process or use user information"},
	AreaDependence: {"产品和服务提供者利用用户对产品和服务的依赖，实施不正当竞争或损害用户利益的风险",
		"Risk of the provider exploiting users' dependence on the product or service for unfair competition or to harm users' interests"},
	AreaOther: {"其他可能危害国家安全和公共利益的风险",
		"Other risks that may endanger national security and the public interest"},
}

// Name is the area's name, as Art. 4 words it.
func (a RiskArea) Name() Bilingual { return areaNames[a] }

// Known reports whether a is one of the five areas.
func (a RiskArea) Known() bool { _, ok := areaNames[a]; return ok }

// Dimension is one of the evaluation dimensions of Art. 12.
type Dimension string

// Dimensions.
const (
	Controllability Dimension = "C" // 可控性
	Transparency    Dimension = "T" // 透明性
	Trustworthiness Dimension = "W" // 可信性
)

// Dimensions lists the dimensions in order.
var Dimensions = []Dimension{Controllability, Transparency, Trustworthiness}

var dimensionNames = map[Dimension]Bilingual{
	Controllability: {"可控性", "controllability"},
	Transparency:    {"透明性", "transparency"},
	Trustworthiness: {"可信性", "trustworthiness"},
}

// Name is the dimension's name.
func (d Dimension) Name() Bilingual { return dimensionNames[d] }

// Known reports whether d is one of the three dimensions.
func (d Dimension) Known() bool { _, ok := dimensionNames[d]; return ok }

// Severity says how much a criterion weighs in the decision rule.
type Severity string

// Severities.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// Severities lists the severities, most severe first.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow}

// Reference cites a standard by number and title. Clause stays empty unless
// the clause's text was checked against the criterion.
type Reference struct {
	Standard string    `json:"standard"` // e.g. "GB 40050-2021"
	Title    Bilingual `json:"title"`
	Clause   string    `json:"clause,omitempty"`
}

// Criterion is one checkable requirement of the catalogue. Its id is
// area-dimension-sequence, e.g. "R2-T-03".
type Criterion struct {
	ID        string    `json:"id"`
	Area      RiskArea  `json:"area"`
	Dimension Dimension `json:"dimension"`
	Title     Bilingual `json:"title"`
	// Text says what must be shown and how it is checked.
	Text Bilingual `json:"text"`
	// Methods are the evaluation methods that can establish the criterion.
	Methods    []review.Method `json:"methods"`
	Severity   Severity        `json:"severity"`
	References []Reference     `json:"references,omitempty"`
}

// Date is a calendar day, written YYYY-MM-DD (in JSON, in text and by
// String); its time is midnight UTC.
type Date struct{ time.Time }

// DateLayout is how a Date is written.
const DateLayout = "2006-01-02"

// String writes the day as YYYY-MM-DD.
func (d Date) String() string { return d.Format(DateLayout) }

// MarshalText writes the day as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(DateLayout, string(b))
	if err != nil {
		return fmt.Errorf("want a date YYYY-MM-DD, got %q", b)
	}
	d.Time = t
	return nil
}

// MarshalJSON writes the day as "YYYY-MM-DD". (It and UnmarshalJSON
// override the RFC 3339 methods time.Time would lend Date.)
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("want a date string YYYY-MM-DD, got %s", b)
	}
	return d.UnmarshalText(b[1 : len(b)-1])
}

// Catalog is one version of the criteria catalogue. A parsed catalogue is
// shared between goroutines: treat it as read-only.
type Catalog struct {
	Version   string      `json:"version"`
	Published Date        `json:"published"`
	Criteria  []Criterion `json:"criteria"`
}

// Lookup returns the criterion with the id.
func (c *Catalog) Lookup(id string) (Criterion, bool) {
	for _, x := range c.Criteria {
		if x.ID == id {
			return x, true
		}
	}
	return Criterion{}, false
}

// Cell returns the criteria of one area and dimension, in catalogue order.
func (c *Catalog) Cell(a RiskArea, d Dimension) []Criterion {
	var out []Criterion
	for _, x := range c.Criteria {
		if x.Area == a && x.Dimension == d {
			out = append(out, x)
		}
	}
	return out
}
