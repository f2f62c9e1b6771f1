package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shencha/internal/signature"
)

// evalCase is the demo case in evaluation: lab1 assigned for lab testing,
// four criteria planned, no evidence or findings yet.
const evalCase = "CSR-2026-0002"

// recordEvidence posts the case page's evidence form, in English.
func (c *client) recordEvidence(number string, fields [][2]string, name string, content []byte) (int, http.Header, string) {
	c.t.Helper()
	var pairs []string
	for _, f := range fields {
		pairs = append(pairs, f[0], f[1])
	}
	return c.multipart("/cases/"+number+"/evidence", pairs, "file", name, content, "Accept-Language", "en")
}

// count is how many items an API list of the case holds (plan, evidence,
// findings), read as the client's user.
func (c *client) count(number, list string) int {
	c.t.Helper()
	code, _, body := c.do("GET", "/api/v1/cases/"+number+"/"+list, nil)
	var v struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil {
		c.t.Fatalf("GET %s: %d %s", list, code, body)
	}
	return len(v.Items)
}

// materials is how many files the case has, as the client's user sees it.
func (c *client) materials(number string) int {
	c.t.Helper()
	_, _, body := c.do("GET", "/api/v1/cases/"+number, nil)
	var v struct {
		Materials []json.RawMessage `json:"materials"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		c.t.Fatal(err)
	}
	return len(v.Materials)
}

const testReport = `{"sample": {"name": "TideDB", "version": "5.0.2", "serial": "SN-7"}, "tests": [{"id": "T-01", "title": "Port scan", "result": "fail"}]}`

func evidenceFields(kind, title, data string, criteria ...string) [][2]string {
	f := [][2]string{{"kind", kind}, {"title", title}, {"label", "confidential"}}
	for _, c := range criteria {
		f = append(f, [2]string{"criteria", c})
	}
	return append(f, [2]string{"data", data})
}

// TestLabWorkspace: on a case in evaluation the office plans criteria for
// the assigned lab, which records evidence (with its file) and findings
// through the case page and submits its signed report; bad input is
// refused in its form, naming the field, and writes nothing; the findings
// matrix shows the worst open severity per cell; the provider and other
// labs see none of it.
func TestLabWorkspace(t *testing.T) {
	base, f := startDemo(t, 0)
	as := func(user string) *client {
		c := newClient(t, base)
		c.login(user)
		return c
	}
	office, lab, provider := as("office"), as("lab1"), as("provider1")
	path := "/cases/" + evalCase

	t.Run("WhoSeesWhat", func(t *testing.T) {
		_, _, body := lab.do("GET", path, nil, "Accept-Language", "en")
		for _, want := range []string{`id="plan-list"`, `id="evidence-form"`, `id="finding-form"`, `id="report-form"`, `id="findings-matrix"`, "R1-C-01", `href="#report"`} {
			if !strings.Contains(body, want) {
				t.Errorf("lab1's page lacks %s", want)
			}
		}
		if strings.Contains(body, `id="plan-form"`) {
			t.Error("the lab is offered the plan form, which is the office's")
		}
		_, _, body = office.do("GET", path, nil)
		if !strings.Contains(body, `id="plan-form"`) || !strings.Contains(body, `id="findings-matrix"`) || strings.Contains(body, `id="evidence-form"`) {
			t.Errorf("the office's page:\n%s", section(body, `id="plan"`, `id="timeline"`))
		}
		_, _, body = provider.do("GET", path, nil)
		for _, hidden := range []string{`id="plan-list"`, `id="findings-matrix"`, `id="finding-form"`, `id="evidence-form"`, "R1-C-01"} {
			if strings.Contains(body, hidden) {
				t.Errorf("the provider sees %s", hidden)
			}
		}
		other := as("lab2")
		if code, _, body := other.do("GET", path, nil); code != 404 || strings.Contains(body, "TideDB") {
			t.Errorf("lab2, not assigned: %d", code)
		}
		if code, _, _ := other.do("POST", path+"/findings", url.Values{"criterion": {"R1-C-01"}, "status": {"met"}, "rationale": {"x"}}); code != 404 {
			t.Errorf("lab2 records a finding: %d", code)
		}
	})

	t.Run("OfficePlans", func(t *testing.T) {
		_, _, body := office.do("GET", path, nil)
		m := regexp.MustCompile(`id="plan-assignment"[^>]*>\s*<option value="(\d+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no lab assignment to plan for")
		}
		asg := m[1]
		code, _, body := office.do("POST", path+"/plan", url.Values{"criterion": {""}, "assignment_id": {asg}}, "Accept-Language", "en")
		form := section(body, `id="plan-form"`, "</form>")
		if code != http.StatusBadRequest || !strings.Contains(form, `id="error-plan">Criterion is required.`) ||
			!strings.Contains(form, `name="criterion" required aria-invalid="true"`) {
			t.Errorf("no criterion: %d\n%s", code, form)
		}
		if n := office.count(evalCase, "plan"); n != 4 {
			t.Errorf("a refused plan item changed the plan: %d items", n)
		}
		for _, crit := range []string{"R1-W-01", "R1-T-01", "R1-T-03"} {
			code, h, _ := office.do("POST", path+"/plan", url.Values{"criterion": {crit}, "assignment_id": {asg}})
			if code != http.StatusSeeOther || h.Get("Location") != path+"#plan" {
				t.Fatalf("plan %s: %d %q", crit, code, h.Get("Location"))
			}
		}
		// A criterion the method cannot establish is named, in Chinese.
		_, _, body = office.do("POST", path+"/plan", url.Values{"criterion": {"R3-W-03"}, "assignment_id": {asg}})
		if got := section(body, `id="error-plan"`, "</p>"); !strings.Contains(got, "评估机构委派") {
			t.Errorf("a method that cannot establish the criterion: %s", got)
		}
		// Remove R1-T-03 again with its row's button.
		_, _, body = office.do("GET", path, nil)
		rm := regexp.MustCompile(`<code>R1-T-03</code>(?s:.*?)action="(/cases/` + evalCase + `/plan/\d+/remove)"`).FindStringSubmatch(body)
		if rm == nil {
			t.Fatal("no remove button for R1-T-03")
		}
		if code, _, _ := office.do("POST", rm[1], url.Values{}); code != http.StatusSeeOther {
			t.Errorf("remove: %d", code)
		}
		if n := office.count(evalCase, "plan"); n != 6 {
			t.Errorf("plan has %d items, want 6", n)
		}
		_, _, body = lab.do("GET", path, nil)
		if list := section(body, `id="plan-list"`, "</table>"); !strings.Contains(list, "R1-W-01") || strings.Contains(list, "R1-T-03") {
			t.Errorf("lab1's plan after the office's changes:\n%s", list)
		}
	})

	var fileDigest string
	t.Run("LabRecordsEvidence", func(t *testing.T) {
		planned := []string{"R1-C-01", "R1-C-02", "R1-C-03", "R1-C-04", "R1-W-01", "R1-T-01"}
		refused := []struct {
			name, kind, data, field string
		}{
			{"data not JSON", "lab_test_report", `{"sample": `, "Structured data (JSON) is not valid"},
			{"data lacks the sample's version", "lab_test_report", `{"sample": {"name": "TideDB", "serial": "SN-7"}, "tests": [{"id": "T-01", "title": "Port scan", "result": "pass"}]}`,
				"Structured data (JSON) — sample.version is required"},
			// Valid for its kind, but not of the lab's method: refused by the
			// store after the file is in the blob store, and still nothing
			// is left on the case.
			{"kind of another method", "inspection_checklist", `{"site": "R&D centre", "date": "2026-03-02", "inspectors": ["A"], "items": [{"check": "Build server", "result": "conforming"}]}`,
				"Kind of evidence is not valid"},
		}
		for _, tc := range refused {
			code, _, body := lab.recordEvidence(evalCase, evidenceFields(tc.kind, "Port scan report", tc.data, planned...), "scan.pdf", []byte("%PDF-1.7 scan"))
			if code != http.StatusBadRequest || !strings.Contains(section(body, `id="error-evidence"`, "</p>"), tc.field) {
				t.Errorf("%s: %d %s", tc.name, code, section(body, `id="evidence-list"`, "</div>"))
			}
			if form := section(body, `id="evidence-form"`, "</form>"); !strings.Contains(form, `value="Port scan report"`) || !strings.Contains(form, `value="R1-W-01" checked`) {
				t.Errorf("%s: the form lost what was typed:\n%s", tc.name, form)
			}
		}
		if n, m := lab.count(evalCase, "evidence"), lab.materials(evalCase); n != 0 || m != 0 {
			t.Fatalf("refused evidence left %d records and %d files", n, m)
		}

		content := bytes.Repeat([]byte("scan "), 600)
		sum := sha256.Sum256(content)
		fileDigest = "sha256:" + hex.EncodeToString(sum[:])
		code, h, _ := lab.recordEvidence(evalCase, evidenceFields("lab_test_report", "Port scan report", testReport, planned...), "scan.pdf", content)
		if code != http.StatusSeeOther || h.Get("Location") != path+"#evidence" {
			t.Fatalf("evidence: %d %q", code, h.Get("Location"))
		}
		// Without a file too.
		if code, _, _ := lab.recordEvidence(evalCase, evidenceFields("document", "Test method statement", `{"doc_kind": "other"}`), "", nil); code != http.StatusSeeOther {
			t.Errorf("evidence without a file: %d", code)
		}
		_, _, body := lab.do("GET", path, nil, "Accept-Language", "en")
		table := section(body, `id="evidence-table"`, "</table>")
		for _, want := range []string{"Port scan report", "lab test report", "scan.pdf (3000 bytes)", fileDigest, "lab1 (China Network Product Security Testing Centre)", "Test method statement"} {
			if !strings.Contains(table, want) {
				t.Errorf("the evidence list lacks %q:\n%s", want, table)
			}
		}
		if n, m := lab.count(evalCase, "evidence"), lab.materials(evalCase); n != 2 || m != 1 {
			t.Errorf("%d records and %d files, want 2 and 1", n, m)
		}
		if !strings.Contains(section(body, `id="finding-evidence"`, "</fieldset>"), "Port scan report") {
			t.Error("the finding form does not offer the new evidence")
		}
	})

	t.Run("LabRecordsFindings", func(t *testing.T) {
		_, _, body := lab.do("GET", path, nil)
		ev := regexp.MustCompile(`name="evidence" value="(\d+)"`).FindStringSubmatch(body)
		if ev == nil {
			t.Fatal("no evidence to cite")
		}
		finding := func(crit, status string) url.Values {
			return url.Values{"criterion": {crit}, "status": {status}, "rationale": {"Observed on sample SN-7."}, "evidence": {ev[1]}}
		}
		code, _, body := lab.do("POST", path+"/findings", finding("", "met"), "Accept-Language", "en")
		form := section(body, `id="finding-form"`, "</form>")
		if code != http.StatusBadRequest || !strings.Contains(form, `id="error-finding">Criterion is required.`) || !strings.Contains(form, "Observed on sample SN-7.") {
			t.Errorf("no criterion: %d\n%s", code, form)
		}
		code, _, body = lab.do("POST", path+"/findings", finding("R1-C-01", "severe"), "Accept-Language", "en")
		form = section(body, `id="finding-form"`, "</form>")
		if code != http.StatusBadRequest || !strings.Contains(form, "Result has an unknown value: severe.") ||
			!strings.Contains(form, `name="status" required aria-invalid="true"`) || !strings.Contains(form, `<option value="R1-C-01" selected>`) {
			t.Errorf("unknown result: %d\n%s", code, form)
		}
		// Chinese by default: the field is named by its label.
		_, _, body = lab.do("POST", path+"/findings", finding("R1-C-01", ""))
		if got := section(body, `id="error-finding"`, "</p>"); !strings.Contains(got, "评估结论 为必填项") {
			t.Errorf("no result, in Chinese: %s", got)
		}
		if n := office.count(evalCase, "findings"); n != 0 {
			t.Fatalf("refused findings wrote %d", n)
		}
		for crit, status := range map[string]string{"R1-C-01": "met", "R1-C-02": "not_met", "R1-C-03": "partially_met", "R1-C-04": "met", "R1-W-01": "not_met", "R1-T-01": "met"} {
			if code, h, _ := lab.do("POST", path+"/findings", finding(crit, status)); code != http.StatusSeeOther || h.Get("Location") != path+"#findings" {
				t.Fatalf("finding %s: %d", crit, code)
			}
		}
		if n := office.count(evalCase, "findings"); n != 6 {
			t.Errorf("%d findings, want 6", n)
		}
	})

	t.Run("MatrixShowsWorstSeverity", func(t *testing.T) {
		cells := map[string][2]string{ // cell → class, label
			"R1-C": {"cell-critical", "worst open: critical"},
			"R1-W": {"cell-high", "worst open: high"},
			"R1-T": {"cell-clear", "all met or not applicable"},
			"R2-T": {"cell-empty", "no findings"},
		}
		for _, who := range []*client{lab, office} {
			_, _, body := who.do("GET", path, nil, "Accept-Language", "en")
			for id, want := range cells {
				cell := section(body, `id="cell-`+id+`"`, "</td>")
				if !strings.Contains(cell, `class="cell `+want[0]+`"`) || !strings.Contains(cell, want[1]) {
					t.Errorf("cell %s:\n%s", id, cell)
				}
			}
			if cell := section(body, `id="cell-R1-C"`, "</td>"); !strings.Contains(cell, "met 2, partly met 1, not met 1") {
				t.Errorf("R1-C's counts:\n%s", cell)
			}
		}
		_, _, body := office.do("GET", path, nil)
		if cell := section(body, `id="cell-R1-W"`, "</td>"); !strings.Contains(cell, "未满足项最高：高") {
			t.Errorf("R1-W in Chinese:\n%s", cell)
		}
		_, _, body = provider.do("GET", path, nil)
		if strings.Contains(body, `id="findings-matrix"`) || strings.Contains(body, "Port scan report") || strings.Contains(body, fileDigest) {
			t.Error("the provider sees the lab's findings or evidence")
		}
		// The committee sees the matrix of a case referred to it: on
		// CSR-2026-0005 lab1 found a critical R5 controllability
		// criterion partly met.
		_, _, body = as("committee").do("GET", "/cases/CSR-2026-0005", nil)
		if cell := section(body, `id="cell-R5-C"`, "</td>"); !strings.Contains(cell, `class="cell cell-critical"`) || !strings.Contains(cell, "部分满足 1") {
			t.Errorf("the committee's matrix, R5 × C:\n%s", cell)
		}
	})

	t.Run("SignedReport", func(t *testing.T) {
		// The summary is required before any bytes are drafted.
		code, _, body := lab.do("GET", path+"/report?recommendation=fail&summary=+", nil, "Accept-Language", "en")
		if code != http.StatusBadRequest || !strings.Contains(section(body, `id="report-form"`, "</form>"), "Summary is required.") {
			t.Errorf("no summary: %d", code)
		}
		summary := "Two critical criteria not met or partly met."
		q := url.Values{"summary": {summary}, "recommendation": {"fail"}}.Encode()
		code, _, body = lab.do("GET", path+"/report?"+q, nil, "Accept-Language", "en")
		if code != 200 {
			t.Fatalf("report page: %d", code)
		}
		href := regexp.MustCompile(`href="([^"]+)" download`).FindStringSubmatch(body)
		digest := regexp.MustCompile(`id="report-digest">([^<]+)<`).FindStringSubmatch(body)
		if href == nil || digest == nil || !strings.Contains(body, "shencha sign --key lab.key report-"+evalCase+".json") {
			t.Fatalf("the report page lacks the draft, its digest or the command:\n%s", body)
		}
		if strings.Contains(body, `id="report-missing"`) {
			t.Error("every planned criterion has its finding, yet the page says some are missing")
		}
		code, h, payload := lab.do("GET", html.UnescapeString(href[1]), nil)
		sum := sha256.Sum256([]byte(payload))
		if code != 200 || !strings.Contains(h.Get("Content-Disposition"), "report-"+evalCase+".json") || "sha256:"+hex.EncodeToString(sum[:]) != digest[1] {
			t.Fatalf("draft: %d %q, digest %s", code, h.Get("Content-Disposition"), digest[1])
		}
		form := func(sig string) url.Values {
			v := url.Values{"signature": {sig}}
			for _, name := range []string{"assignment_id", "summary", "recommendation"} {
				m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("the submit form lacks %s", name)
				}
				v.Set(name, html.UnescapeString(m[1]))
			}
			return v
		}
		// Signed by the wrong key: refused on the report page, the
		// signature kept.
		wrong := signature.Sign(f.Keys["lab2"], []byte(payload))
		code, _, refused := lab.do("POST", path+"/report", form(wrong), "Accept-Language", "en")
		if code != http.StatusBadRequest || !strings.Contains(section(refused, `id="error-submit-report"`, "</p>"), "does not verify") || !strings.Contains(html.UnescapeString(refused), wrong) {
			t.Errorf("a signature by another key: %d\n%s", code, section(refused, `id="submit-report"`, "</form>"))
		}
		code, h, _ = lab.do("POST", path+"/report", form(signature.Sign(f.Keys["lab1"], []byte(payload))))
		if code != http.StatusSeeOther || h.Get("Location") != path+"#report" {
			t.Fatalf("submit: %d", code)
		}
		_, _, body = lab.do("GET", path, nil, "Accept-Language", "en")
		signed := section(body, `id="signed-list"`, "</table>")
		if !strings.Contains(signed, "evaluation report") || !strings.Contains(signed, "signature valid") || !strings.Contains(signed, "matches the record") {
			t.Errorf("the signed report:\n%s", signed)
		}
		for _, gone := range []string{`id="report-form"`, `id="finding-form"`, `id="evidence-form"`, `href="#report"`} {
			if strings.Contains(body, gone) {
				t.Errorf("after the report the page still offers %s", gone)
			}
		}
	})

	t.Run("ProviderCountersigns", func(t *testing.T) {
		checklist := map[string]any{"kind": "inspection_checklist", "title": "On-site inspection of the build site",
			"data": map[string]any{"site": "R&D centre", "date": "2026-03-02", "inspectors": []string{"A"},
				"items": []map[string]string{{"check": "Build server isolation", "result": "nonconforming"}}}}
		b, _ := json.Marshal(checklist)
		req, _ := http.NewRequest("POST", base+"/api/v1/cases/"+evalCase+"/evidence", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := office.http.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("office records a checklist: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		_, _, body := provider.do("GET", path, nil, "Accept-Language", "en")
		m := regexp.MustCompile(`action="(/cases/` + evalCase + `/evidence/\d+/countersign)"`).FindStringSubmatch(body)
		if m == nil || strings.Contains(body, "Port scan report") {
			t.Fatalf("the provider's evidence:\n%s", section(body, `id="evidence"`, "</section>"))
		}
		if code, _, _ := provider.do("POST", m[1], url.Values{"note": {"Fixed by 1 May."}}); code != http.StatusSeeOther {
			t.Fatalf("countersign: %d", code)
		}
		_, _, body = office.do("GET", path, nil, "Accept-Language", "en")
		if got := section(body, `id="evidence-table"`, "</table>"); !strings.Contains(got, "countersigned by provider1") || !strings.Contains(got, "Fixed by 1 May.") {
			t.Errorf("the countersignature:\n%s", got)
		}
		if code, _, _ := lab.do("POST", m[1], url.Values{}); code != http.StatusForbidden {
			t.Errorf("the lab countersigns: %d", code)
		}
	})
}
