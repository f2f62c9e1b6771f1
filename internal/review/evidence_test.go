package review_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
)

const digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func validLabTest() review.LabTestReport {
	return review.LabTestReport{
		Sample:      review.Sample{Name: "GaussDB", Model: "G-9", Version: "2.1.0", Digest: digest},
		Environment: "isolated lab network",
		Tests: []review.TestCase{
			{ID: "T1", Title: "no undeclared remote access", Criterion: "R1.1", Result: "pass"},
			{ID: "T2", Title: "update channel authenticated", Criterion: "R1.2", Result: "fail", Note: "unsigned updates"},
			{ID: "T3", Title: "telemetry off by default", Result: "inconclusive"},
		},
	}
}

func validChecklist() review.Checklist {
	return review.Checklist{
		Site: "Shenzhen data centre", Date: "2026-06-10", Inspectors: []string{"Liu", "Zhou"},
		Items: []review.ChecklistItem{
			{Criterion: "R2.1", Check: "access log kept", Result: "conforming"},
			{Check: "admin accounts reviewed", Result: "nonconforming", Note: "shared root"},
			{Check: "backup offsite", Result: "not_checked"},
			{Check: "source escrow", Result: "nonconforming"},
		},
	}
}

func validObservations() review.Observations {
	return review.Observations{
		Target: "api.example.cn",
		Items: []review.Observation{
			{At: "2026-06-01T08:00:00Z", Probe: "tls", Observation: "TLS 1.3 only"},
			{At: "2026-06-02T08:00:00+08:00", Criterion: "R3.1", Observation: "traffic to an undeclared host"},
		},
	}
}

// validBackground: X (a person, US) holds 60% of H (HK), H holds 51% of the
// provider P (CN), a fund F holds the other 49%.
func validBackground() review.Background {
	return review.Background{
		Subject: "P", UltimateController: "X",
		Entities: []review.Entity{
			{ID: "P", Name: "Provider P Ltd", Kind: "company", Jurisdiction: "CN"},
			{ID: "H", Name: "P Holdings", Kind: "company", Jurisdiction: "HK"},
			{ID: "X", Name: "Mr X", Kind: "person", Jurisdiction: "US"},
			{ID: "F", Name: "Fund F", Kind: "fund", Jurisdiction: "KY"},
			{ID: "S", Name: "State Asset Bureau", Kind: "state_body", Jurisdiction: "CN"},
		},
		Holdings: []review.Holding{
			{Owner: "X", Owned: "H", Share: 60},
			{Owner: "H", Owned: "P", Share: 51, Control: true},
			{Owner: "F", Owned: "P", Share: 49},
		},
		KeyPersonnel: []review.Person{{Name: "Ms Y", Role: "CTO", Nationality: "CN"}},
		Sanctions:    []review.Sanction{{Entity: "H", Authority: "OFAC", Date: "2024-03-01", Measure: "entity list"}},
	}
}

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func evidence(kind review.EvidenceKind, data json.RawMessage) *review.EvidenceInput {
	return &review.EvidenceInput{Kind: kind, Title: "evidence of " + string(kind), Criteria: []string{"R1.1"}, Materials: []int64{3}, Data: data}
}

func TestCheckEvidenceOK(t *testing.T) {
	t.Run("LabTestReport", func(t *testing.T) {
		got, err := review.CheckEvidence(evidence(review.EvidenceLabTest, raw(t, validLabTest())))
		if err != nil {
			t.Fatal(err)
		}
		want := validLabTest()
		if r, ok := got.(*review.LabTestReport); !ok || !reflect.DeepEqual(*r, want) {
			t.Errorf("CheckEvidence = %#v, want %#v", got, &want)
		}
	})
	t.Run("LabTestReportSerialOnly", func(t *testing.T) {
		r := validLabTest()
		r.Sample.Digest, r.Sample.Serial = "", "SN-0042"
		if _, err := review.CheckEvidence(evidence(review.EvidenceLabTest, raw(t, r))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Checklist", func(t *testing.T) {
		got, err := review.CheckEvidence(evidence(review.EvidenceChecklist, raw(t, validChecklist())))
		if err != nil {
			t.Fatal(err)
		}
		c, ok := got.(*review.Checklist)
		if !ok || c.Site != "Shenzhen data centre" || len(c.Items) != 4 {
			t.Fatalf("CheckEvidence = %#v", got)
		}
		if n := c.Nonconformities(); n != 2 {
			t.Errorf("Nonconformities = %d, want 2", n)
		}
		if n := (&review.Checklist{}).Nonconformities(); n != 0 {
			t.Errorf("empty Nonconformities = %d, want 0", n)
		}
	})
	t.Run("Monitoring", func(t *testing.T) {
		got, err := review.CheckEvidence(evidence(review.EvidenceMonitoring, raw(t, validObservations())))
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := got.(*review.Observations); !ok || len(o.Items) != 2 || o.Items[1].Criterion != "R3.1" {
			t.Errorf("CheckEvidence = %#v", got)
		}
	})
	t.Run("Background", func(t *testing.T) {
		got, err := review.CheckEvidence(evidence(review.EvidenceBackground, raw(t, validBackground())))
		if err != nil {
			t.Fatal(err)
		}
		want := validBackground()
		if b, ok := got.(*review.Background); !ok || !reflect.DeepEqual(*b, want) {
			t.Errorf("CheckEvidence = %#v, want %#v", got, &want)
		}
	})
	for _, tt := range []struct {
		name string
		f    func(b *review.Background)
	}{
		{"ControllerIsSubject", func(b *review.Background) {
			b.UltimateController, b.Holdings, b.Sanctions = "P", nil, nil
		}},
		{"ControllerThroughLongChain", func(b *review.Background) {
			b.UltimateController = "S"
			b.Holdings = append(b.Holdings, review.Holding{Owner: "S", Owned: "F", Share: 100})
		}},
		{"ControlWithoutShares", func(b *review.Background) {
			b.UltimateController = "S"
			b.Holdings = append(b.Holdings, review.Holding{Owner: "S", Owned: "X", Share: 0, Control: true})
		}},
		{"CyclicHoldings", func(b *review.Background) {
			b.Holdings = append(b.Holdings, review.Holding{Owner: "H", Owned: "X", Share: 10}, review.Holding{Owner: "P", Owned: "F", Share: 5})
		}},
		{"SharesAddUpToExactly100", func(b *review.Background) {
			b.Holdings = append(b.Holdings[:2],
				review.Holding{Owner: "F", Owned: "P", Share: 16.33}, review.Holding{Owner: "S", Owned: "P", Share: 16.33},
				review.Holding{Owner: "X", Owned: "P", Share: 16.34})
		}},
		{"NoPersonnelNoSanctions", func(b *review.Background) { b.KeyPersonnel, b.Sanctions = nil, nil }},
	} {
		t.Run("Background/"+tt.name, func(t *testing.T) {
			b := validBackground()
			tt.f(&b)
			if _, err := review.CheckEvidence(evidence(review.EvidenceBackground, raw(t, b))); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("AutomatedAnalysis", func(t *testing.T) {
		for _, data := range []string{`{"tool":"binwalk","hits":[1,2]}`, `[1,2,3]`, `"a string"`, `42`, `null`} {
			got, err := review.CheckEvidence(evidence(review.EvidenceAnalysis, json.RawMessage(data)))
			if err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			if r, ok := got.(json.RawMessage); !ok || string(r) != data {
				t.Errorf("CheckEvidence(%s) = %#v, want the raw JSON back", data, got)
			}
		}
	})
	t.Run("LabelDefaultsToConfidential", func(t *testing.T) {
		in := evidence(review.EvidenceMonitoring, raw(t, validObservations()))
		if _, err := review.CheckEvidence(in); err != nil {
			t.Fatal(err)
		}
		if in.Label != review.LabelConfidential {
			t.Errorf("Label = %q, want confidential", in.Label)
		}
	})
	t.Run("RestrictedLabelKept", func(t *testing.T) {
		in := evidence(review.EvidenceLabTest, raw(t, validLabTest()))
		in.Label = review.LabelRestricted
		if _, err := review.CheckEvidence(in); err != nil {
			t.Fatal(err)
		}
		if in.Label != review.LabelRestricted {
			t.Errorf("Label = %q, want restricted", in.Label)
		}
	})
	t.Run("LimitsAt200AndTitleAt500", func(t *testing.T) {
		in := evidence(review.EvidenceChecklist, raw(t, validChecklist()))
		in.Title = strings.Repeat("t", 500)
		in.Criteria = make([]string, 200)
		in.Materials = make([]int64, 200)
		if _, err := review.CheckEvidence(in); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCheckEvidenceDocument: a valid document is accepted. It fails while
// (*Document).check returns oneOf's *Error straight as an error: a nil
// *Error becomes a non-nil error interface (see the report).
func TestCheckEvidenceDocument(t *testing.T) {
	for _, k := range []string{"declaration", "commitment", "contract", "other"} {
		t.Run(k, func(t *testing.T) {
			got, err := review.CheckEvidence(evidence(review.EvidenceDocument, raw(t, review.Document{DocKind: k, Description: "signed"})))
			if err != nil {
				t.Fatalf("CheckEvidence(valid %s document) = %#v, %#v (%T); want no error", k, got, err, err)
			}
			if d, ok := got.(*review.Document); !ok || d.DocKind != k || d.Description != "signed" {
				t.Errorf("CheckEvidence = %#v", got)
			}
		})
	}
}

func TestEvidenceKinds(t *testing.T) {
	kinds := []review.EvidenceKind{review.EvidenceLabTest, review.EvidenceChecklist, review.EvidenceMonitoring,
		review.EvidenceBackground, review.EvidenceDocument, review.EvidenceAnalysis}
	if len(review.EvidenceKinds) != len(kinds) {
		t.Errorf("EvidenceKinds has %d kinds, want %d", len(review.EvidenceKinds), len(kinds))
	}
	if !slices.Equal(review.EvidenceKindList, kinds) {
		t.Errorf("EvidenceKindList = %v, want %v", review.EvidenceKindList, kinds)
	}
	want := map[review.EvidenceKind]review.Method{
		review.EvidenceLabTest:    review.MethodLabTesting,
		review.EvidenceChecklist:  review.MethodOnSite,
		review.EvidenceMonitoring: review.MethodMonitoring,
		review.EvidenceBackground: review.MethodBackground,
		review.EvidenceDocument:   review.MethodDocumentary,
		review.EvidenceAnalysis:   review.MethodLabTesting,
	}
	for _, k := range kinds {
		if m, ok := review.EvidenceKinds[k]; !ok || m != want[k] || !slices.Contains(review.Methods, m) {
			t.Errorf("EvidenceKinds[%s] = %q, %v; want %q", k, m, ok, want[k])
		}
	}
	if !slices.Equal(review.Labels, []review.Label{review.LabelConfidential, review.LabelRestricted}) {
		t.Errorf("Labels = %v", review.Labels)
	}
}

func TestCheckEvidenceErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	lab := func(f func(r *review.LabTestReport)) func(t *testing.T) *review.EvidenceInput {
		return func(t *testing.T) *review.EvidenceInput {
			r := validLabTest()
			f(&r)
			return evidence(review.EvidenceLabTest, raw(t, r))
		}
	}
	checklist := func(f func(c *review.Checklist)) func(t *testing.T) *review.EvidenceInput {
		return func(t *testing.T) *review.EvidenceInput {
			c := validChecklist()
			f(&c)
			return evidence(review.EvidenceChecklist, raw(t, c))
		}
	}
	monitoring := func(f func(o *review.Observations)) func(t *testing.T) *review.EvidenceInput {
		return func(t *testing.T) *review.EvidenceInput {
			o := validObservations()
			f(&o)
			return evidence(review.EvidenceMonitoring, raw(t, o))
		}
	}
	background := func(f func(b *review.Background)) func(t *testing.T) *review.EvidenceInput {
		return func(t *testing.T) *review.EvidenceInput {
			b := validBackground()
			f(&b)
			return evidence(review.EvidenceBackground, raw(t, b))
		}
	}
	common := func(f func(in *review.EvidenceInput)) func(t *testing.T) *review.EvidenceInput {
		return func(t *testing.T) *review.EvidenceInput {
			in := evidence(review.EvidenceDocument, raw(t, review.Document{DocKind: "contract"}))
			f(in)
			return in
		}
	}
	rawData := func(kind review.EvidenceKind, data string) func(t *testing.T) *review.EvidenceInput {
		return func(t *testing.T) *review.EvidenceInput { return evidence(kind, json.RawMessage(data)) }
	}
	const (
		inv  = review.KindInvalid
		req  = "field_required"
		bad  = "field_invalid"
		unk  = "field_unknown_value"
		tool = "field_too_long"
		oor  = "field_out_of_range"
	)

	tests := []struct {
		name string
		in   func(t *testing.T) *review.EvidenceInput
		want wantErr
	}{
		// Common fields.
		{"KindRequired", common(func(in *review.EvidenceInput) { in.Kind = "" }), wantErr{inv, req, "kind", nil}},
		{"KindUnknown", common(func(in *review.EvidenceInput) { in.Kind = "rumour" }), wantErr{inv, unk, "kind", map[string]string{"value": "rumour"}}},
		{"TitleRequired", common(func(in *review.EvidenceInput) { in.Title = "  " }), wantErr{inv, req, "title", nil}},
		{"TitleTooLong", common(func(in *review.EvidenceInput) { in.Title = long(501) }), wantErr{inv, tool, "title", map[string]string{"max": "500"}}},
		{"LabelUnknown", common(func(in *review.EvidenceInput) { in.Label = "secret" }), wantErr{inv, unk, "label", map[string]string{"value": "secret"}}},
		{"TooManyCriteria", common(func(in *review.EvidenceInput) { in.Criteria = make([]string, 201) }),
			wantErr{inv, oor, "criteria", map[string]string{"min": "0", "max": "200"}}},
		{"DataRequired", common(func(in *review.EvidenceInput) { in.Data = nil }), wantErr{inv, req, "data", nil}},
		{"DataNotJSON", rawData(review.EvidenceDocument, `{"doc_kind":`), wantErr{inv, bad, "data", nil}},
		{"DataWrongShape", rawData(review.EvidenceChecklist, `["not", "an", "object"]`), wantErr{inv, bad, "data", nil}},
		{"DataWrongType", rawData(review.EvidenceBackground, `{"subject":"P","holdings":[{"owner":"X","owned":"P","share":"51%"}]}`),
			wantErr{inv, bad, "data", nil}},
		{"UnknownFieldRefused/Document", rawData(review.EvidenceDocument, `{"doc_kind":"contract","signed":true}`),
			wantErr{inv, bad, "data", nil}},
		{"UnknownFieldRefused/Nested", rawData(review.EvidenceLabTest,
			`{"sample":{"name":"n","version":"1","serial":"s","colour":"red"},"tests":[{"id":"1","title":"t","result":"pass"}]}`),
			wantErr{inv, bad, "data", nil}},
		{"TrailingDataRefused", rawData(review.EvidenceDocument, `{"doc_kind":"contract"} {"evil":1}`),
			wantErr{inv, bad, "data", nil}},
		{"AnalysisDataRequired", rawData(review.EvidenceAnalysis, ``), wantErr{inv, bad, "data", map[string]string{"rule": "a JSON analysis result"}}},
		{"AnalysisDataNotJSON", rawData(review.EvidenceAnalysis, `{"tool":`), wantErr{inv, bad, "data", nil}},

		// Lab test report.
		{"Lab/SampleNameRequired", lab(func(r *review.LabTestReport) { r.Sample.Name = "" }), wantErr{inv, req, "data.sample.name", nil}},
		{"Lab/SampleNameTooLong", lab(func(r *review.LabTestReport) { r.Sample.Name = long(501) }), wantErr{inv, tool, "data.sample.name", nil}},
		{"Lab/SampleVersionRequired", lab(func(r *review.LabTestReport) { r.Sample.Version = " " }), wantErr{inv, req, "data.sample.version", nil}},
		{"Lab/SampleVersionTooLong", lab(func(r *review.LabTestReport) { r.Sample.Version = long(201) }),
			wantErr{inv, tool, "data.sample.version", map[string]string{"max": "200"}}},
		{"Lab/NeitherDigestNorSerial", lab(func(r *review.LabTestReport) { r.Sample.Digest = "" }),
			wantErr{inv, bad, "data.sample", map[string]string{"rule": "a sample needs a digest or a serial number"}}},
		{"Lab/DigestWrongAlgorithm", lab(func(r *review.LabTestReport) { r.Sample.Digest = "md5:" + digest[7:] }),
			wantErr{inv, bad, "data.sample.digest", map[string]string{"rule": "sha256:<64 hex>"}}},
		{"Lab/DigestShort", lab(func(r *review.LabTestReport) { r.Sample.Digest = digest[:70] }), wantErr{inv, bad, "data.sample.digest", nil}},
		{"Lab/DigestLongWithSerial", lab(func(r *review.LabTestReport) { r.Sample.Digest, r.Sample.Serial = digest+"0", "SN-1" }),
			wantErr{inv, bad, "data.sample.digest", nil}},
		{"Lab/TestsRequired", lab(func(r *review.LabTestReport) { r.Tests = nil }), wantErr{inv, req, "data.tests", nil}},
		{"Lab/TestIDRequired", lab(func(r *review.LabTestReport) { r.Tests[1].ID = "" }), wantErr{inv, req, "data.tests[1].id", nil}},
		{"Lab/TestIDTooLong", lab(func(r *review.LabTestReport) { r.Tests[0].ID = long(101) }), wantErr{inv, tool, "data.tests[0].id", nil}},
		{"Lab/TestTitleRequired", lab(func(r *review.LabTestReport) { r.Tests[2].Title = "" }), wantErr{inv, req, "data.tests[2].title", nil}},
		{"Lab/TestResultUnknown", lab(func(r *review.LabTestReport) { r.Tests[1].Result = "passed" }),
			wantErr{inv, unk, "data.tests[1].result", map[string]string{"value": "passed", "field": "data.tests[1].result"}}},
		{"Lab/TestResultMissing", lab(func(r *review.LabTestReport) { r.Tests[0].Result = "" }), wantErr{inv, unk, "data.tests[0].result", nil}},

		// Inspection checklist.
		{"Checklist/SiteRequired", checklist(func(c *review.Checklist) { c.Site = "" }), wantErr{inv, req, "data.site", nil}},
		{"Checklist/DateInvalid", checklist(func(c *review.Checklist) { c.Date = "10/06/2026" }),
			wantErr{inv, bad, "data.date", map[string]string{"rule": "YYYY-MM-DD"}}},
		{"Checklist/DateRequired", checklist(func(c *review.Checklist) { c.Date = "" }), wantErr{inv, bad, "data.date", nil}},
		{"Checklist/InspectorsRequired", checklist(func(c *review.Checklist) { c.Inspectors = nil }), wantErr{inv, req, "data.inspectors", nil}},
		{"Checklist/ItemsRequired", checklist(func(c *review.Checklist) { c.Items = []review.ChecklistItem{} }), wantErr{inv, req, "data.items", nil}},
		{"Checklist/CheckRequired", checklist(func(c *review.Checklist) { c.Items[0].Check = "" }), wantErr{inv, req, "data.items[0].check", nil}},
		{"Checklist/CheckTooLong", checklist(func(c *review.Checklist) { c.Items[3].Check = long(2001) }),
			wantErr{inv, tool, "data.items[3].check", map[string]string{"max": "2000"}}},
		{"Checklist/ResultUnknown", checklist(func(c *review.Checklist) { c.Items[1].Result = "pass" }),
			wantErr{inv, unk, "data.items[1].result", map[string]string{"value": "pass"}}},

		// Monitoring observations.
		{"Monitoring/TargetRequired", monitoring(func(o *review.Observations) { o.Target = "" }), wantErr{inv, req, "data.target", nil}},
		{"Monitoring/ItemsRequired", monitoring(func(o *review.Observations) { o.Items = nil }), wantErr{inv, req, "data.items", nil}},
		{"Monitoring/AtNotRFC3339", monitoring(func(o *review.Observations) { o.Items[1].At = "2026-06-02 08:00:00" }),
			wantErr{inv, bad, "data.items[1].at", map[string]string{"rule": "RFC 3339 time"}}},
		{"Monitoring/AtWithoutZone", monitoring(func(o *review.Observations) { o.Items[0].At = "2026-06-02T08:00:00" }),
			wantErr{inv, bad, "data.items[0].at", nil}},
		{"Monitoring/ObservationRequired", monitoring(func(o *review.Observations) { o.Items[0].Observation = "" }),
			wantErr{inv, req, "data.items[0].observation", nil}},
		{"Monitoring/ObservationTooLong", monitoring(func(o *review.Observations) { o.Items[1].Observation = long(4001) }),
			wantErr{inv, tool, "data.items[1].observation", map[string]string{"max": "4000"}}},

		// Document.
		{"Document/DocKindRequired", rawData(review.EvidenceDocument, `{}`), wantErr{inv, unk, "data.doc_kind", map[string]string{"value": ""}}},
		{"Document/DocKindUnknown", rawData(review.EvidenceDocument, `{"doc_kind":"memo"}`),
			wantErr{inv, unk, "data.doc_kind", map[string]string{"value": "memo"}}},

		// Background investigation: entities.
		{"Background/EntityIDRequired", background(func(b *review.Background) { b.Entities[2].ID = "" }),
			wantErr{inv, req, "data.entities[2].id", nil}},
		{"Background/EntityIDTooLong", background(func(b *review.Background) { b.Entities[0].ID = long(101) }),
			wantErr{inv, tool, "data.entities[0].id", nil}},
		{"Background/DuplicateEntityID", background(func(b *review.Background) { b.Entities[3].ID = "H" }),
			wantErr{inv, bad, "data.entities[3].id", map[string]string{"rule": "duplicate id H"}}},
		{"Background/EntityNameRequired", background(func(b *review.Background) { b.Entities[1].Name = "" }),
			wantErr{inv, req, "data.entities[1].name", nil}},
		{"Background/EntityKindUnknown", background(func(b *review.Background) { b.Entities[4].Kind = "ministry" }),
			wantErr{inv, unk, "data.entities[4].kind", map[string]string{"value": "ministry"}}},
		{"Background/JurisdictionLowercase", background(func(b *review.Background) { b.Entities[0].Jurisdiction = "cn" }),
			wantErr{inv, bad, "data.entities[0].jurisdiction", map[string]string{"rule": "ISO 3166-1 alpha-2, e.g. CN"}}},
		{"Background/JurisdictionAlpha3", background(func(b *review.Background) { b.Entities[2].Jurisdiction = "USA" }),
			wantErr{inv, bad, "data.entities[2].jurisdiction", nil}},
		{"Background/JurisdictionMissing", background(func(b *review.Background) { b.Entities[1].Jurisdiction = "" }),
			wantErr{inv, bad, "data.entities[1].jurisdiction", nil}},
		{"Background/JurisdictionDigits", background(func(b *review.Background) { b.Entities[1].Jurisdiction = "00" }),
			wantErr{inv, bad, "data.entities[1].jurisdiction", nil}},

		// Background investigation: subject and controller.
		{"Background/SubjectUnknown", background(func(b *review.Background) { b.Subject = "Q" }),
			wantErr{inv, bad, "data.subject", map[string]string{"rule": "must name an entity"}}},
		{"Background/SubjectMissing", background(func(b *review.Background) { b.Subject = "" }),
			wantErr{inv, bad, "data.subject", nil}},
		{"Background/ControllerUnknown", background(func(b *review.Background) { b.UltimateController = "Z" }),
			wantErr{inv, bad, "data.ultimate_controller", map[string]string{"rule": "must name an entity"}}},

		// Background investigation: holdings.
		{"Background/HoldingOwnerUnknown", background(func(b *review.Background) { b.Holdings[0].Owner = "Z" }),
			wantErr{inv, bad, "data.holdings[0].owner", map[string]string{"rule": "owner and owned must be two different entities"}}},
		{"Background/HoldingOwnedUnknown", background(func(b *review.Background) { b.Holdings[2].Owned = "Z" }),
			wantErr{inv, bad, "data.holdings[2].owner", nil}},
		{"Background/HoldingOfItself", background(func(b *review.Background) { b.Holdings[1].Owned = "H" }),
			wantErr{inv, bad, "data.holdings[1].owner", nil}},
		{"Background/ShareNegative", background(func(b *review.Background) { b.Holdings[0].Share = -1 }),
			wantErr{inv, oor, "data.holdings[0].share", map[string]string{"min": "0", "max": "100"}}},
		{"Background/ShareOver100", background(func(b *review.Background) { b.Holdings[0].Share = 100.5 }),
			wantErr{inv, oor, "data.holdings[0].share", nil}},
		{"Background/SharesIntoOneEntityOver100", background(func(b *review.Background) {
			b.Holdings = []review.Holding{{Owner: "F", Owned: "P", Share: 60}, {Owner: "H", Owned: "P", Share: 41}, {Owner: "X", Owned: "H", Share: 100}}
		}), wantErr{inv, bad, "data.holdings[1].share", map[string]string{"rule": "shares of P add up to more than 100"}}},
		{"Background/SharesOver100Third", background(func(b *review.Background) {
			b.Holdings = append(b.Holdings, review.Holding{Owner: "S", Owned: "P", Share: 0.01})
		}), wantErr{inv, bad, "data.holdings[3].share", nil}},
		{"Background/ControllerDoesNotReachSubject", background(func(b *review.Background) { b.UltimateController = "S" }),
			wantErr{inv, bad, "data.ultimate_controller", map[string]string{"rule": "no chain of holdings leads from the ultimate controller to the subject"}}},
		{"Background/ControllerOwnedBySubject", background(func(b *review.Background) {
			b.UltimateController = "S"
			b.Holdings = append(b.Holdings, review.Holding{Owner: "P", Owned: "S", Share: 100})
		}), wantErr{inv, bad, "data.ultimate_controller", nil}},
		{"Background/ControllerWithNoHoldings", background(func(b *review.Background) { b.Holdings = nil }),
			wantErr{inv, bad, "data.ultimate_controller", nil}},
		{"Background/CycleNotReachingController", background(func(b *review.Background) {
			b.UltimateController = "S"
			b.Holdings = append(b.Holdings, review.Holding{Owner: "H", Owned: "X", Share: 10})
		}), wantErr{inv, bad, "data.ultimate_controller", nil}},

		// Background investigation: personnel and sanctions.
		{"Background/PersonNameRequired", background(func(b *review.Background) { b.KeyPersonnel = append(b.KeyPersonnel, review.Person{Role: "CEO"}) }),
			wantErr{inv, req, "data.key_personnel[1].name", nil}},
		{"Background/PersonRoleRequired", background(func(b *review.Background) { b.KeyPersonnel[0].Role = "" }),
			wantErr{inv, req, "data.key_personnel[0].role", nil}},
		{"Background/PersonRoleTooLong", background(func(b *review.Background) { b.KeyPersonnel[0].Role = long(201) }),
			wantErr{inv, tool, "data.key_personnel[0].role", nil}},
		{"Background/SanctionEntityUnknown", background(func(b *review.Background) { b.Sanctions[0].Entity = "nobody" }),
			wantErr{inv, bad, "data.sanctions[0].entity", map[string]string{"rule": "must name an entity"}}},
		{"Background/SanctionAuthorityRequired", background(func(b *review.Background) { b.Sanctions[0].Authority = "" }),
			wantErr{inv, req, "data.sanctions[0].authority", nil}},
		{"Background/SanctionDateInvalid", background(func(b *review.Background) { b.Sanctions[0].Date = "2024-02-30" }),
			wantErr{inv, bad, "data.sanctions[0].date", map[string]string{"rule": "YYYY-MM-DD"}}},
		{"Background/SanctionMeasureRequired", background(func(b *review.Background) {
			b.Sanctions = append(b.Sanctions, review.Sanction{Authority: "MOFCOM", Date: "2025-01-01"})
		}), wantErr{inv, req, "data.sanctions[1].measure", nil}},
		{"Background/SanctionMeasureTooLong", background(func(b *review.Background) { b.Sanctions[0].Measure = long(2001) }),
			wantErr{inv, tool, "data.sanctions[0].measure", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := review.CheckEvidence(tt.in(t))
			if got != nil {
				t.Errorf("CheckEvidence returned %#v along with an error", got)
			}
			e := checkErr(t, err, tt.want)
			if e.Params["field"] != tt.want.field {
				t.Errorf("params[field] = %q, want %q", e.Params["field"], tt.want.field)
			}
		})
	}

	t.Run("UnknownFieldNamed", func(t *testing.T) {
		_, err := review.CheckEvidence(evidence(review.EvidenceDocument, json.RawMessage(`{"doc_kind":"contract","signed":true}`)))
		e := asError(t, err)
		if !strings.Contains(e.Params["rule"], "document") || !strings.Contains(e.Params["rule"], `unknown field "signed"`) {
			t.Errorf("rule = %q, want it to name the kind and the unknown field", e.Params["rule"])
		}
	})

	t.Run("TooManyMaterials", func(t *testing.T) {
		in := evidence(review.EvidenceDocument, raw(t, review.Document{DocKind: "contract"}))
		in.Materials = make([]int64, 201)
		_, err := review.CheckEvidence(in)
		e := asError(t, err)
		// The error names field "criteria" for either list; see the report.
		if e.Kind != review.KindInvalid || e.Code != "field_out_of_range" || e.Params["max"] != "200" {
			t.Errorf("CheckEvidence(201 materials) = %v, want field_out_of_range max 200", e)
		}
	})
}
