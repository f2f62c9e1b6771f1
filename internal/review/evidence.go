package review

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EvidenceKind is the shape of a piece of evidence; each of the four methods
// of Art. 3 has its own (DESIGN §4), plus documents and automated analyses.
type EvidenceKind string

// Evidence kinds.
const (
	EvidenceLabTest    EvidenceKind = "lab_test_report"
	EvidenceChecklist  EvidenceKind = "inspection_checklist"
	EvidenceMonitoring EvidenceKind = "monitoring_observations"
	EvidenceBackground EvidenceKind = "background_investigation"
	EvidenceDocument   EvidenceKind = "document"
	EvidenceAnalysis   EvidenceKind = "automated_analysis"
)

// EvidenceKindList lists every kind in a fixed order (the four methods'
// kinds, then documents and automated analyses), for forms and tests.
var EvidenceKindList = []EvidenceKind{EvidenceLabTest, EvidenceChecklist, EvidenceMonitoring, EvidenceBackground, EvidenceDocument, EvidenceAnalysis}

// EvidenceKinds lists every kind with the method it serves.
var EvidenceKinds = map[EvidenceKind]Method{
	EvidenceLabTest:    MethodLabTesting,
	EvidenceChecklist:  MethodOnSite,
	EvidenceMonitoring: MethodMonitoring,
	EvidenceBackground: MethodBackground,
	EvidenceDocument:   MethodDocumentary,
	EvidenceAnalysis:   MethodLabTesting,
}

// Label is a confidentiality label on evidence. Everything in a review is
// confidential (Art. 13); restricted evidence is further kept from labs other
// than the one that produced it and from the applicant.
type Label string

// Labels.
const (
	LabelConfidential Label = "confidential"
	LabelRestricted   Label = "restricted"
)

// Labels lists every label.
var Labels = []Label{LabelConfidential, LabelRestricted}

// EvidenceInput is what a submitter sends: the common fields and the
// kind's structured data.
type EvidenceInput struct {
	Kind      EvidenceKind    `json:"kind"`
	Title     string          `json:"title"`
	Label     Label           `json:"label,omitempty"`
	Criteria  []string        `json:"criteria,omitempty"`
	Materials []int64         `json:"materials,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// LabTestReport is a lab's test report on an identified sample.
type LabTestReport struct {
	Sample      Sample     `json:"sample"`
	Environment string     `json:"environment,omitempty"`
	Tests       []TestCase `json:"tests"`
}

// Sample identifies what was tested, so the result is tied to one build.
type Sample struct {
	Name    string `json:"name"`
	Model   string `json:"model,omitempty"`
	Version string `json:"version"`
	Serial  string `json:"serial,omitempty"`
	Digest  string `json:"digest,omitempty"` // sha256:… of the firmware or image
}

// TestCase is one test and its result.
type TestCase struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Criterion string `json:"criterion,omitempty"`
	Result    string `json:"result"` // pass, fail, inconclusive
	Note      string `json:"note,omitempty"`
}

// Checklist is an on-site inspection; its nonconformities are countersigned
// by the provider.
type Checklist struct {
	Site       string          `json:"site"`
	Date       string          `json:"date"`
	Inspectors []string        `json:"inspectors"`
	Items      []ChecklistItem `json:"items"`
}

// ChecklistItem is one check made on site.
type ChecklistItem struct {
	Criterion string `json:"criterion,omitempty"`
	Check     string `json:"check"`
	Result    string `json:"result"` // conforming, nonconforming, not_checked
	Note      string `json:"note,omitempty"`
}

// Nonconformities counts the items found nonconforming.
func (c *Checklist) Nonconformities() int {
	n := 0
	for _, it := range c.Items {
		if it.Result == "nonconforming" {
			n++
		}
	}
	return n
}

// Observations are time-stamped observations of a running service.
type Observations struct {
	Target string        `json:"target"`
	Items  []Observation `json:"items"`
}

// Observation is one thing seen at one time.
type Observation struct {
	At          string `json:"at"` // RFC 3339
	Probe       string `json:"probe,omitempty"`
	Criterion   string `json:"criterion,omitempty"`
	Observation string `json:"observation"`
}

// Background is a background investigation of the provider: its ownership
// and control chain as a graph, key personnel, sanctions and penalties.
type Background struct {
	Subject            string     `json:"subject"` // entity id of the provider
	UltimateController string     `json:"ultimate_controller"`
	Entities           []Entity   `json:"entities"`
	Holdings           []Holding  `json:"holdings"`
	KeyPersonnel       []Person   `json:"key_personnel,omitempty"`
	Sanctions          []Sanction `json:"sanctions,omitempty"`
}

// Entity is a person, company, fund or state body in the chain.
type Entity struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`         // person, company, fund, state_body
	Jurisdiction string `json:"jurisdiction"` // ISO 3166-1 alpha-2
}

// Holding is an ownership edge: Owner holds Share per cent of Owned.
type Holding struct {
	Owner   string  `json:"owner"`
	Owned   string  `json:"owned"`
	Share   float64 `json:"share"`
	Control bool    `json:"control,omitempty"` // control beyond the share (board seats, golden share, VIE)
}

// Person is a key person of the provider.
type Person struct {
	Name        string `json:"name"`
	Role        string `json:"role"`
	Nationality string `json:"nationality,omitempty"`
}

// Sanction is a sanction or penalty imposed on an entity of the chain.
type Sanction struct {
	Entity    string `json:"entity,omitempty"`
	Authority string `json:"authority"`
	Date      string `json:"date"`
	Measure   string `json:"measure"`
}

// Document is a declaration, commitment, contract or other paper.
type Document struct {
	DocKind     string `json:"doc_kind"` // declaration, commitment, contract, other
	Description string `json:"description,omitempty"`
}

var entityKinds = []string{"person", "company", "fund", "state_body"}

// CheckEvidence validates the common fields and decodes the kind's data,
// strictly: an unknown field is refused rather than silently dropped.
func CheckEvidence(in *EvidenceInput) (any, error) {
	if _, ok := EvidenceKinds[in.Kind]; !ok {
		if in.Kind == "" {
			return nil, Required("kind")
		}
		return nil, Invalid("kind", "field_unknown_value", "value", string(in.Kind))
	}
	if err := text("title", in.Title, 500); err != nil {
		return nil, err
	}
	if in.Label == "" {
		in.Label = LabelConfidential
	}
	if !slices.Contains(Labels, in.Label) {
		return nil, Invalid("label", "field_unknown_value", "value", string(in.Label))
	}
	if len(in.Criteria) > 200 {
		return nil, Invalid("criteria", "field_out_of_range", "min", "0", "max", "200")
	}
	if len(in.Materials) > 200 {
		return nil, Invalid("materials", "field_out_of_range", "min", "0", "max", "200")
	}
	var v interface{ check() error }
	switch in.Kind {
	case EvidenceLabTest:
		v = &LabTestReport{}
	case EvidenceChecklist:
		v = &Checklist{}
	case EvidenceMonitoring:
		v = &Observations{}
	case EvidenceBackground:
		v = &Background{}
	case EvidenceDocument:
		v = &Document{}
	case EvidenceAnalysis:
		if len(in.Data) == 0 || !json.Valid(in.Data) {
			return nil, Invalid("data", "field_invalid", "rule", "a JSON analysis result")
		}
		return in.Data, nil
	}
	if len(in.Data) == 0 {
		return nil, Required("data")
	}
	dec := json.NewDecoder(bytes.NewReader(in.Data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err != nil {
		return nil, Invalid("data", "field_invalid", "rule", "JSON for "+string(in.Kind)+": "+err.Error())
	}
	if err := v.check(); err != nil {
		return nil, err
	}
	return v, nil
}

func text(field, v string, max int) *Error {
	if strings.TrimSpace(v) == "" {
		return Required(field)
	}
	if len(v) > max {
		return Invalid(field, "field_too_long", "max", strconv.Itoa(max))
	}
	return nil
}

func oneOf(field, v string, allowed ...string) *Error {
	if !slices.Contains(allowed, v) {
		return Invalid(field, "field_unknown_value", "value", v)
	}
	return nil
}

func at(field string, i int, sub string) string {
	return field + "[" + strconv.Itoa(i) + "]." + sub
}

func (r *LabTestReport) check() error {
	if err := text("data.sample.name", r.Sample.Name, 500); err != nil {
		return err
	}
	if err := text("data.sample.version", r.Sample.Version, 200); err != nil {
		return err
	}
	if r.Sample.Digest == "" && r.Sample.Serial == "" {
		return Invalid("data.sample", "field_invalid", "rule", "a sample needs a digest or a serial number")
	}
	if d := r.Sample.Digest; d != "" && !isDigest(d) {
		return Invalid("data.sample.digest", "field_invalid", "rule", "sha256:<64 hex>")
	}
	if len(r.Tests) == 0 {
		return Required("data.tests")
	}
	for i, t := range r.Tests {
		if err := text(at("data.tests", i, "id"), t.ID, 100); err != nil {
			return err
		}
		if err := text(at("data.tests", i, "title"), t.Title, 1000); err != nil {
			return err
		}
		if err := oneOf(at("data.tests", i, "result"), t.Result, "pass", "fail", "inconclusive"); err != nil {
			return err
		}
	}
	return nil
}

func (c *Checklist) check() error {
	if err := text("data.site", c.Site, 500); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, c.Date); err != nil {
		return Invalid("data.date", "field_invalid", "rule", "YYYY-MM-DD")
	}
	if len(c.Inspectors) == 0 {
		return Required("data.inspectors")
	}
	if len(c.Items) == 0 {
		return Required("data.items")
	}
	for i, it := range c.Items {
		if err := text(at("data.items", i, "check"), it.Check, 2000); err != nil {
			return err
		}
		if err := oneOf(at("data.items", i, "result"), it.Result, "conforming", "nonconforming", "not_checked"); err != nil {
			return err
		}
	}
	return nil
}

func (o *Observations) check() error {
	if err := text("data.target", o.Target, 500); err != nil {
		return err
	}
	if len(o.Items) == 0 {
		return Required("data.items")
	}
	for i, it := range o.Items {
		if _, err := time.Parse(time.RFC3339, it.At); err != nil {
			return Invalid(at("data.items", i, "at"), "field_invalid", "rule", "RFC 3339 time")
		}
		if err := text(at("data.items", i, "observation"), it.Observation, 4000); err != nil {
			return err
		}
	}
	return nil
}

func (d *Document) check() error {
	if err := oneOf("data.doc_kind", d.DocKind, "declaration", "commitment", "contract", "other"); err != nil {
		return err
	}
	return nil
}

// check validates the ownership graph: every edge joins known entities,
// shares are percentages and no entity is more than wholly owned, and the
// ultimate controller actually reaches the provider through the chain.
func (b *Background) check() error {
	ids := map[string]bool{}
	for i, e := range b.Entities {
		if err := text(at("data.entities", i, "id"), e.ID, 100); err != nil {
			return err
		}
		if ids[e.ID] {
			return Invalid(at("data.entities", i, "id"), "field_invalid", "rule", "duplicate id "+e.ID)
		}
		ids[e.ID] = true
		if err := text(at("data.entities", i, "name"), e.Name, 500); err != nil {
			return err
		}
		if err := oneOf(at("data.entities", i, "kind"), e.Kind, entityKinds...); err != nil {
			return err
		}
		if j := e.Jurisdiction; len(j) != 2 || j[0] < 'A' || j[0] > 'Z' || j[1] < 'A' || j[1] > 'Z' {
			return Invalid(at("data.entities", i, "jurisdiction"), "field_invalid", "rule", "ISO 3166-1 alpha-2, e.g. CN")
		}
	}
	if !ids[b.Subject] {
		return Invalid("data.subject", "field_invalid", "rule", "must name an entity")
	}
	if !ids[b.UltimateController] {
		return Invalid("data.ultimate_controller", "field_invalid", "rule", "must name an entity")
	}
	owned := map[string]float64{}
	owners := map[string][]string{} // owned -> owners
	for i, h := range b.Holdings {
		if !ids[h.Owner] || !ids[h.Owned] || h.Owner == h.Owned {
			return Invalid(at("data.holdings", i, "owner"), "field_invalid", "rule", "owner and owned must be two different entities")
		}
		if !(h.Share >= 0 && h.Share <= 100) || math.IsNaN(h.Share) {
			return Invalid(at("data.holdings", i, "share"), "field_out_of_range", "min", "0", "max", "100")
		}
		owned[h.Owned] += h.Share
		if owned[h.Owned] > 100.0001 {
			return Invalid(at("data.holdings", i, "share"), "field_invalid", "rule", "shares of "+h.Owned+" add up to more than 100")
		}
		owners[h.Owned] = append(owners[h.Owned], h.Owner)
	}
	if b.UltimateController != b.Subject && !reaches(owners, b.Subject, b.UltimateController) {
		return Invalid("data.ultimate_controller", "field_invalid", "rule", "no chain of holdings leads from the ultimate controller to the subject")
	}
	for i, p := range b.KeyPersonnel {
		if err := text(at("data.key_personnel", i, "name"), p.Name, 200); err != nil {
			return err
		}
		if err := text(at("data.key_personnel", i, "role"), p.Role, 200); err != nil {
			return err
		}
	}
	for i, s := range b.Sanctions {
		if s.Entity != "" && !ids[s.Entity] {
			return Invalid(at("data.sanctions", i, "entity"), "field_invalid", "rule", "must name an entity")
		}
		if err := text(at("data.sanctions", i, "authority"), s.Authority, 500); err != nil {
			return err
		}
		if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
			return Invalid(at("data.sanctions", i, "date"), "field_invalid", "rule", "YYYY-MM-DD")
		}
		if err := text(at("data.sanctions", i, "measure"), s.Measure, 2000); err != nil {
			return err
		}
	}
	return nil
}

// isDigest checks the form sha256:<64 lowercase hex>.
func isDigest(d string) bool {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 || strings.ToLower(h) != h {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// reaches walks owners upward from the subject looking for the controller.
func reaches(owners map[string][]string, from, to string) bool {
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, o := range owners[n] {
			if o == to {
				return true
			}
			if !seen[o] {
				seen[o] = true
				queue = append(queue, o)
			}
		}
	}
	return false
}
