package oscal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"shencha/internal/catalog"
	"shencha/internal/review"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

// sampleAssessment is a realistic case: two labs, four methods, findings
// of every status, one evidence record cited by two findings, one
// criterion planned but not yet found on.
func sampleAssessment() Assessment {
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.FixedZone("CST", 8*3600)) }
	scan := Evidence{Title: "Port scan and firmware analysis of sample HX-9000 3.1.0 (SN 2026-0117)", Digest: digest("scan"), Method: review.MethodLabTesting, Collected: day(4, 10)}
	updates := Evidence{Title: "Update integrity tests: tampered, unsigned, rollback packages", Digest: digest("update"), Method: review.MethodLabTesting, Collected: day(5, 15)}
	traffic := Evidence{Title: "Seven-day outbound traffic capture on the test network", Digest: digest("traffic"), Method: review.MethodMonitoring}
	sbom := Evidence{Title: "SBOM (CycloneDX 1.5) against composition analysis of the sample", Digest: digest("sbom"), Method: review.MethodLabTesting, Collected: day(6, 11)}
	owners := Evidence{Title: "Ownership and control chain, registry extracts", Digest: digest("owners"), Method: review.MethodBackground, Collected: day(9, 9)}
	build := Evidence{Title: "On-site inspection checklist, build and signing environment", Digest: digest("build"), Method: review.MethodOnSite, Collected: day(10, 14)}
	return Assessment{
		CaseNumber: "CSR-2026-0002",
		Title:      "网络安全审查 CSR-2026-0002 第三方评价结果 / Cybersecurity review CSR-2026-0002: HX-9000 core router 3.1.0",
		Catalog:    catalog.Default(),
		Start:      day(2, 9),
		End:        day(20, 17),
		Generated:  time.Date(2026, 3, 21, 8, 30, 0, 0, time.UTC),
		Parties: []Party{
			{ID: "org-1", Name: "网络安全审查办公室 / Cybersecurity Review Office", Type: "organization"},
			{ID: "org-7", Name: "华信网络安全检测实验室 / Huaxin Cybersecurity Testing Lab"},
			{ID: "org-9", Name: "北辰信息技术评测中心 / Beichen IT Evaluation Centre", Type: "organization"},
		},
		Plan: []PlanItem{
			{"R1-C-01", review.MethodLabTesting, "org-7"},
			{"R1-C-02", review.MethodLabTesting, "org-7"},
			{"R1-T-01", review.MethodMonitoring, "org-7"},
			{"R2-T-01", review.MethodLabTesting, "org-7"},
			{"R3-T-01", review.MethodLabTesting, "org-7"},
			{"R2-C-02", review.MethodOnSite, "org-9"},
			{"R5-T-01", review.MethodBackground, "org-9"},
			{"R5-W-01", review.MethodBackground, "org-9"},
			{"R5-W-03", review.MethodDocumentary, ""},
		},
		Findings: []Finding{
			{"R1-C-01", catalog.StatusMet, "Full TCP/UDP scan of the sample found only the SSH, HTTPS and SNMPv3 interfaces the manual lists; firmware analysis found no hidden account.", "org-7", []Evidence{scan}},
			{"R1-C-02", catalog.StatusMet, "Tampered, unsigned and rollback packages were all refused and logged.", "org-7", []Evidence{updates}},
			{"R1-T-01", catalog.StatusPartiallyMet, "One daily NTP query to a pool not in the declaration; all other connections match.", "org-7", []Evidence{traffic, scan}},
			{"R2-T-01", catalog.StatusNotMet, "Composition analysis found 14 components missing from the SBOM, among them two TLS libraries.", "org-7", []Evidence{sbom}},
			{"R3-T-01", catalog.StatusNotApplicable, "The router collects no user information; only its own management logs, kept on the device.", "org-7", nil},
			{"R2-C-02", catalog.StatusMet, "Signing keys are held in an HSM; access to the build system is logged; the binary was rebuilt from the recorded revision.", "org-9", []Evidence{build}},
			{"R5-T-01", catalog.StatusMet, "The disclosed chain up to the ultimate controller matches registry records.", "org-9", []Evidence{owners}},
		},
	}
}

func TestAssessmentResults(t *testing.T) {
	in := sampleAssessment()
	b, err := AssessmentResults(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, b); err != nil {
		t.Fatalf("the assessment-results do not validate:\n%v", err)
	}

	t.Run("Golden", func(t *testing.T) {
		const golden = "testdata/assessment-results.golden.json"
		if *update {
			if err := os.WriteFile(golden, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("output differs from %s; if the change is intended, run go test -update and review the diff", golden)
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		b2, _ := AssessmentResults(sampleAssessment())
		if !bytes.Equal(b, b2) {
			t.Error("two exports of one assessment differ")
		}
		// The store may hand findings in any order.
		shuffled := sampleAssessment()
		slices.Reverse(shuffled.Findings)
		b3, _ := AssessmentResults(shuffled)
		if !bytes.Equal(b, b3) {
			t.Error("the order of the findings changes the output")
		}
	})

	var doc assessmentResultsDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	a := doc.AssessmentResults
	r := a.Results[0]
	t.Run("ImportAPResolves", func(t *testing.T) {
		if a.ImportAP.Href != "#"+a.BackMatter.Resources[0].UUID {
			t.Errorf("import-ap %s does not point to the plan resource", a.ImportAP.Href)
		}
	})
	t.Run("ReviewedControls", func(t *testing.T) {
		var got []string
		for _, s := range r.ReviewedControls.ControlSelections[0].IncludeControls {
			got = append(got, s.ControlID)
		}
		for _, it := range in.Plan {
			if !slices.Contains(got, strings.ToLower(it.CriterionID)) {
				t.Errorf("planned %s not among the reviewed controls %v", it.CriterionID, got)
			}
		}
	})
	t.Run("Observations", func(t *testing.T) {
		// Six distinct evidence records; the scan is cited twice.
		if len(r.Observations) != 6 {
			t.Errorf("%d observations, want 6", len(r.Observations))
		}
		obs := map[string]observation{}
		for _, o := range r.Observations {
			obs[o.UUID] = o
		}
		for _, f := range r.Findings {
			for _, ro := range f.RelatedObservations {
				if _, ok := obs[ro.ObservationUUID]; !ok {
					t.Errorf("finding %s cites a missing observation", f.Title)
				}
			}
		}
		for _, o := range r.Observations {
			if strings.HasPrefix(o.Title, "Seven-day") && (o.Remarks == "" || o.Collected != "2026-03-02T01:00:00Z") {
				t.Errorf("evidence without a collection time: collected %s, remarks %q", o.Collected, o.Remarks)
			}
		}
	})
	t.Run("FindingStatus", func(t *testing.T) {
		want := map[string][3]string{ // criterion → state, reason, our status
			"r1-c-01_smt": {"satisfied", "pass", "met"},
			"r1-t-01_smt": {"not-satisfied", "other", "partially_met"},
			"r2-t-01_smt": {"not-satisfied", "fail", "not_met"},
			"r3-t-01_smt": {"satisfied", "other", "not_applicable"},
		}
		for _, f := range r.Findings {
			w, ok := want[f.Target.TargetID]
			if !ok {
				continue
			}
			got := [3]string{f.Target.Status.State, f.Target.Status.Reason, f.Target.Props[0].Value}
			if got != w || f.Target.Type != "statement-id" {
				t.Errorf("%s: %v, want %v", f.Target.TargetID, got, w)
			}
		}
	})
	t.Run("DefaultRule", func(t *testing.T) {
		// R2-T-01 (high) not met → conditional pass.
		if len(r.Props) != 2 || r.Props[0].Value != "conditional_pass" || r.Props[1].Value != "R2-T-01" {
			t.Errorf("result props = %+v", r.Props)
		}
	})
	t.Run("Assessors", func(t *testing.T) {
		// The office is a party but not an assessor.
		if rp := a.Metadata.ResponsibleParties; len(rp) != 1 || len(rp[0].PartyUUIDs) != 2 {
			t.Errorf("responsible parties = %+v", rp)
		}
	})
	t.Run("UUIDs", func(t *testing.T) {
		// Every uuid in the document matches OSCAL's pattern and none repeats.
		var generic any
		_ = json.Unmarshal(b, &generic)
		seen := map[string]bool{}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if u, ok := v["uuid"].(string); ok {
					if !oscalUUID.MatchString(u) || seen[u] {
						t.Errorf("uuid %s malformed or repeated", u)
					}
					seen[u] = true
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(generic)
	})
}

func TestObservationMethods(t *testing.T) {
	want := map[review.Method][]string{
		review.MethodLabTesting:  {"TEST"},
		review.MethodOnSite:      {"EXAMINE", "INTERVIEW"},
		review.MethodMonitoring:  {"TEST"},
		review.MethodBackground:  {"EXAMINE"},
		review.MethodDocumentary: {"EXAMINE"},
	}
	for _, m := range review.Methods {
		if got := observationMethods(m); !slices.Equal(got, want[m]) {
			t.Errorf("%s → %v, want %v", m, got, want[m])
		}
		if methodNames[m].ZH == "" || methodNames[m].EN == "" {
			t.Errorf("%s has no name", m)
		}
	}
}

func TestAssessmentResultsOpen(t *testing.T) {
	// A case whose evaluation just began: nothing planned, nothing found.
	in := Assessment{CaseNumber: "CSR-2026-0042", Catalog: catalog.Default(),
		Start: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC), Generated: time.Date(2026, 4, 1, 9, 5, 0, 0, time.UTC),
		Parties: []Party{{ID: "org-7", Name: " Huaxin Cybersecurity\nTesting Lab "}, {ID: "org-8", Name: ""}}}
	b, err := AssessmentResults(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, b); err != nil {
		t.Fatalf("does not validate:\n%v", err)
	}
	if !strings.Contains(string(b), `"name": "Huaxin Cybersecurity Testing Lab"`) {
		t.Error("party name not normalised to one line")
	}
	if strings.Contains(string(b), `"end"`) || strings.Contains(string(b), "default-rule-outcome") {
		t.Error("an open evaluation without findings has an end or an outcome")
	}
}

func TestAssessmentResultsErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(a *Assessment)
		want string
	}{
		{"NoCatalogue", func(a *Assessment) { a.Catalog = nil }, "oscal: assessment: no catalogue"},
		{"CaseNumberRequired", func(a *Assessment) { a.CaseNumber = "" }, "oscal: assessment: case number: required"},
		{"CaseNumberSpace", func(a *Assessment) { a.CaseNumber = "CSR 2026" }, `oscal: assessment: case number: "CSR 2026" contains white space`},
		{"StartRequired", func(a *Assessment) { a.Start = time.Time{} }, "oscal: assessment: start: required"},
		{"GeneratedRequired", func(a *Assessment) { a.Generated = time.Time{} }, "oscal: assessment: generated: required"},
		{"EndBeforeStart", func(a *Assessment) { a.End = a.Start.Add(-time.Hour) }, "oscal: assessment: end 2026-03-02T00:00:00Z is before start 2026-03-02T01:00:00Z"},
		{"YearOutOfRange", func(a *Assessment) { a.Generated = time.Date(3001, 1, 1, 0, 0, 0, 0, time.UTC) }, "oscal: assessment: generated: year 3001 is outside 1900-2999"},
		{"PartyDuplicate", func(a *Assessment) { a.Parties[2].ID = "org-7" }, `oscal: assessment: parties[2].id: duplicate "org-7"`},
		{"PartyType", func(a *Assessment) { a.Parties[0].Type = "agency" }, `oscal: assessment: parties[0].type: "agency" is neither organization nor person`},
		{"PlanUnknownCriterion", func(a *Assessment) { a.Plan[1].CriterionID = "R9-C-01" }, `oscal: assessment: plan[1].criterion: criterion "R9-C-01" is not in catalogue 2026.1`},
		{"PlanUnknownMethod", func(a *Assessment) { a.Plan[1].Method = "guessing" }, `oscal: assessment: plan[1].method: unknown method "guessing"`},
		{"PlanUnknownParty", func(a *Assessment) { a.Plan[1].PartyID = "org-99" }, `oscal: assessment: plan[1].party: party "org-99" is not among the parties`},
		{"FindingUnknownCriterion", func(a *Assessment) { a.Findings[3].CriterionID = "R2-T-99" }, `oscal: assessment: findings[3].criterion: criterion "R2-T-99" is not in catalogue 2026.1`},
		{"FindingUnknownStatus", func(a *Assessment) { a.Findings[3].Status = "fine" }, `oscal: assessment: findings[3].status: unknown status "fine"`},
		{"FindingUnknownParty", func(a *Assessment) { a.Findings[3].PartyID = "org-99" }, `oscal: assessment: findings[3].party: party "org-99" is not among the parties`},
		{"EvidenceDigestRequired", func(a *Assessment) { a.Findings[0].Evidence[0].Digest = "" }, "oscal: assessment: findings[0].evidence[0].digest: required"},
		{"EvidenceUnknownMethod", func(a *Assessment) { a.Findings[0].Evidence[0].Method = "" }, `oscal: assessment: findings[0].evidence[0].method: unknown method ""`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleAssessment()
			tc.edit(&in)
			_, err := AssessmentResults(in)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}
