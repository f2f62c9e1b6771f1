package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shencha/internal/catalog"
	"shencha/internal/cli"
	"shencha/internal/demo"
	"shencha/internal/oscal/oscaltest"
	"shencha/internal/review"
	"shencha/internal/storetest"
)

// runCLI runs a shencha subcommand in process and returns its output.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Main(args, &out, &errb); code != 0 {
		t.Fatalf("shencha %v: exit %d: %s", args, code, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// party is a lab or provider with its own key, made with `shencha sign
// keygen` in a directory the server never reads; only the public key is
// registered.
type party struct {
	name, keyFile string
}

func (e *env) newParty(t *testing.T, name string) party {
	t.Helper()
	p := party{name: name, keyFile: filepath.Join(t.TempDir(), name+".key")}
	pub := runCLI(t, "sign", "keygen", "--out", p.keyFile)
	var k struct {
		KeyID string `json:"key_id"`
	}
	if code := e.do("office", "POST", "/api/v1/orgs/"+itoa(e.f.Orgs[name].ID)+"/keys", map[string]string{"public_key": pub}, &k); code != 201 || k.KeyID == "" {
		t.Fatalf("register %s key: %d %+v", name, code, k)
	}
	return p
}

// sign signs payload with the party's key through the CLI, as the party
// would on its own machine.
func (p party) sign(t *testing.T, payload []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "payload.json")
	if err := os.WriteFile(f, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	return runCLI(t, "sign", "--key", p.keyFile, f)
}

// raw sends a request in the server's default language.
func (e *env) raw(user, method, path string, body any) (int, []byte) {
	e.t.Helper()
	return e.send(user, method, path, body, "")
}

// fails sends a request that must be refused with a status and code.
func (e *env) fails(user, method, path string, body any, status int, code string) errDoc {
	e.t.Helper()
	var d errDoc
	if got := e.do(user, method, path, body, &d); got != status || d.Error.Code != code {
		e.t.Fatalf("%s %s as %s: %d %+v, want %d %s", method, path, user, got, d.Error, status, code)
	}
	return d
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// upload stores a file on a case and returns its material id.
func (e *env) upload(user, number, name string, body []byte) int64 {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+"/api/v1/cases/"+number+"/materials?filename="+name, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token(user))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		ID int64 `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 201 || m.ID == 0 {
		e.t.Fatalf("upload %s: %d", name, resp.StatusCode)
	}
	return m.ID
}

type signedDoc struct {
	Type           string          `json:"type"`
	Payload        json.RawMessage `json:"payload"`
	SignatureValid bool            `json:"signature_valid"`
	MatchesRecord  *bool           `json:"matches_record"`
}

// toEvaluation opens a router case and takes it into evaluation by lab1
// for lab testing; it returns the case number and the lab's assignment.
func (e *env) toEvaluation(t *testing.T, version int, important bool) (string, int64) {
	t.Helper()
	var c caseDoc
	if code := e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[version].ID}}, &c); code != 201 {
		t.Fatalf("open: %d", code)
	}
	n := c.Number
	e.act("provider1", n, review.ActSubmit, review.Input{})
	e.act("office", n, review.ActBeginScreening, review.Input{})
	e.act("office", n, review.ActAccept, review.Input{})
	if important {
		e.act("office", n, review.ActMarkImportant, review.Input{})
	}
	c = e.act("office", n, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")})
	e.act("office", n, review.ActBeginEvaluation, review.Input{})
	return n, c.Assignments[0].ID
}

// evaluate plans the criteria for the assignment, uploads a test report,
// records it as evidence and the given findings, and submits the report
// signed by lab.
func (e *env) evaluate(t *testing.T, n string, asg int64, lab party, findings map[string]catalog.Status) {
	t.Helper()
	var plan []map[string]any
	for id := range findings {
		plan = append(plan, map[string]any{"criterion_id": id, "method": "lab_testing", "assignment_id": asg})
	}
	if code := e.do("office", "POST", "/api/v1/cases/"+n+"/plan", map[string]any{"items": plan}, nil); code != 201 {
		t.Fatalf("plan: %d", code)
	}
	mid := e.upload("lab1", n, "hx9000-test-report.pdf", []byte("%PDF-1.7 HX-9000 test report"))
	var ev struct {
		ID     int64  `json:"id"`
		Digest string `json:"digest"`
	}
	if code := e.do("lab1", "POST", "/api/v1/cases/"+n+"/evidence", map[string]any{"kind": "lab_test_report", "title": "HX-9000 test report",
		"materials": []int64{mid}, "data": review.LabTestReport{Sample: review.Sample{Name: "HX-9000", Version: "3.1.0",
			Digest: "sha256:" + strings.Repeat("ab", 32)}, Tests: []review.TestCase{{ID: "T1", Title: "port scan", Result: "pass"}}}}, &ev); code != 201 || ev.Digest == "" {
		t.Fatalf("evidence: %d %+v", code, ev)
	}
	for id, st := range findings {
		if code := e.do("lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+id, map[string]any{"status": st, "rationale": "checked", "evidence": []int64{ev.ID}}, nil); code != 200 {
			t.Fatalf("finding %s: %d", id, code)
		}
	}
	rec := review.OutcomePass
	body := map[string]any{"summary": "tested", "recommendation": rec}
	code, payload := e.raw("lab1", "POST", "/api/v1/cases/"+n+"/reports/draft", body)
	if code != 200 {
		t.Fatalf("draft: %d %s", code, payload)
	}
	e.act("lab1", n, review.ActSubmitReport, review.Input{Summary: "tested", Recommendation: rec, Signature: lab.sign(t, payload)})
}

func TestEvaluationEndToEnd(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			lab, provider := e.newParty(t, "lab1"), e.newParty(t, "provider1")
			cat, err := e.s.Catalog(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			crit := demo.CriteriaFor(cat, review.MethodLabTesting, 3)
			n, asg := e.toEvaluation(t, 0, false)

			// The plan names criteria of the case's catalogue, a method that
			// can establish them and an assigned lab.
			e.fails("office", "POST", "/api/v1/cases/"+n+"/plan", map[string]any{"items": []map[string]any{{"criterion_id": "R9-X-99", "method": "lab_testing", "assignment_id": asg}}}, 400, "field_unknown_value")
			e.fails("lab1", "POST", "/api/v1/cases/"+n+"/plan", map[string]any{"items": []map[string]any{{"criterion_id": crit[0], "method": "lab_testing", "assignment_id": asg}}}, 403, "forbidden")
			var plan []map[string]any
			for _, id := range crit {
				plan = append(plan, map[string]any{"criterion_id": id, "method": "lab_testing", "assignment_id": asg})
			}
			if code := e.do("office", "POST", "/api/v1/cases/"+n+"/plan", map[string]any{"items": plan}, nil); code != 201 {
				t.Fatalf("plan: %d", code)
			}

			// Evidence: the upload is encrypted at rest, its custody recorded.
			file := []byte("%PDF-1.7 HX-9000 firmware 3.1.0 lab test report")
			mid := e.upload("lab1", n, "report.pdf", file)
			var ev struct {
				ID     int64  `json:"id"`
				Digest string `json:"digest"`
			}
			e.fails("lab1", "POST", "/api/v1/cases/"+n+"/evidence", map[string]any{"kind": "lab_test_report", "title": "x", "data": map[string]any{"sample": map[string]string{"name": "HX"}}}, 400, "field_required")
			e.fails("lab1", "POST", "/api/v1/cases/"+n+"/evidence", map[string]any{"kind": "inspection_checklist", "title": "x", "data": map[string]any{}}, 400, "field_required")
			// A lab assigned for lab testing does not file inspection checklists.
			d := e.fails("lab1", "POST", "/api/v1/cases/"+n+"/evidence", map[string]any{"kind": "inspection_checklist", "title": "x",
				"data": review.Checklist{Site: "plant", Date: "2026-03-01", Inspectors: []string{"a"}, Items: []review.ChecklistItem{{Check: "c", Result: "conforming"}}}}, 400, "field_invalid")
			if d.Error.Field != "kind" {
				t.Errorf("method mismatch names %q, want kind", d.Error.Field)
			}
			if code := e.do("lab1", "POST", "/api/v1/cases/"+n+"/evidence", map[string]any{"kind": "lab_test_report", "title": "HX-9000 3.1.0 test report",
				"criteria": crit, "materials": []int64{mid}, "data": review.LabTestReport{Sample: review.Sample{Name: "HX-9000", Version: "3.1.0", Serial: "SN-1"},
					Tests: []review.TestCase{{ID: "T1", Title: "port scan", Result: "pass"}}}}, &ev); code != 201 {
				t.Fatalf("evidence: %d", code)
			}
			code, got := e.raw("office", "GET", "/api/v1/cases/"+n+"/materials/"+itoa(mid), nil)
			if code != 200 || !bytes.Equal(got, file) {
				t.Fatalf("download: %d %q", code, got)
			}
			var custody struct {
				Items []struct{ Event, Actor string } `json:"items"`
			}
			e.do("office", "GET", "/api/v1/cases/"+n+"/materials/"+itoa(mid)+"/custody", nil, &custody)
			if len(custody.Items) != 2 || custody.Items[0].Event != "uploaded" || custody.Items[0].Actor != "lab1" || custody.Items[1].Event != "downloaded" || custody.Items[1].Actor != "office" {
				t.Fatalf("custody: %+v", custody)
			}
			e.fails("provider1", "GET", "/api/v1/cases/"+n+"/findings", nil, 403, "forbidden")

			// Findings: only for planned criteria, with evidence.
			outside := demo.CriteriaFor(cat, review.MethodLabTesting, 4)[3]
			e.fails("lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+outside, map[string]any{"status": "met", "rationale": "x", "evidence": []int64{ev.ID}}, 400, "criterion_not_in_plan")
			e.fails("lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+crit[0], map[string]any{"status": "fine", "rationale": "x", "evidence": []int64{ev.ID}}, 400, "field_unknown_value")
			for _, id := range crit[:2] {
				if code := e.do("lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+id, map[string]any{"status": "met", "rationale": "checked on the sample", "evidence": []int64{ev.ID}}, nil); code != 200 {
					t.Fatalf("finding: %d", code)
				}
			}
			// A stale version is a conflict, not a silent overwrite.
			e.fails("lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+crit[0], map[string]any{"status": "not_met", "rationale": "x", "evidence": []int64{ev.ID}, "version": 7}, 409, "concurrent_update")

			// A report missing a planned finding is refused, naming it.
			draft := map[string]any{"summary": "all planned criteria met", "recommendation": "pass"}
			_, payload := e.raw("lab1", "POST", "/api/v1/cases/"+n+"/reports/draft", draft)
			d = e.fails("lab1", "POST", "/api/v1/cases/"+n+"/actions/submit_report", review.Input{Summary: "all planned criteria met", Recommendation: "pass", Signature: lab.sign(t, payload)}, 400, "report_incomplete")
			if !strings.Contains(d.Error.Message, crit[2]) {
				t.Errorf("report_incomplete message %q does not name %s", d.Error.Message, crit[2])
			}
			if code := e.do("lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+crit[2], map[string]any{"status": "met", "rationale": "checked", "evidence": []int64{ev.ID}}, nil); code != 200 {
				t.Fatal("third finding")
			}
			code, payload = e.raw("lab1", "POST", "/api/v1/cases/"+n+"/reports/draft", draft)
			if code != 200 || !json.Valid(payload) || !bytes.Contains(payload, []byte(ev.Digest)) {
				t.Fatalf("draft %d %s", code, payload)
			}
			// A signature over other bytes, or none, is refused.
			e.fails("lab1", "POST", "/api/v1/cases/"+n+"/actions/submit_report", review.Input{Summary: "all planned criteria met", Recommendation: "pass", Signature: lab.sign(t, append(payload, ' '))}, 400, "signature_invalid")
			e.fails("lab1", "POST", "/api/v1/cases/"+n+"/actions/submit_report", review.Input{Summary: "all planned criteria met", Recommendation: "pass"}, 400, "field_required")
			e.act("lab1", n, review.ActSubmitReport, review.Input{Summary: "all planned criteria met", Recommendation: "pass", Signature: lab.sign(t, payload)})
			// Findings are locked once the report is in.
			e.fails("lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+crit[0], map[string]any{"status": "not_met", "rationale": "x", "evidence": []int64{ev.ID}}, 409, "already_done")

			// The evaluation closes only with the provider's signed commitment.
			e.fails("office", "POST", "/api/v1/cases/"+n+"/actions/complete_evaluation", nil, 409, "guard_failed")
			_, cp := e.raw("provider1", "POST", "/api/v1/cases/"+n+"/commitment/draft", nil)
			e.fails("provider1", "POST", "/api/v1/cases/"+n+"/actions/submit_commitment", review.Input{Signature: lab.sign(t, cp)}, 400, "signature_invalid")
			e.act("provider1", n, review.ActSubmitCommitment, review.Input{Signature: provider.sign(t, cp)})
			e.act("office", n, review.ActCompleteEvaluation, review.Input{})

			var signed struct{ Items []signedDoc }
			e.do("office", "GET", "/api/v1/cases/"+n+"/signed", nil, &signed)
			if len(signed.Items) != 2 || !signed.Items[0].SignatureValid || signed.Items[0].MatchesRecord == nil || !*signed.Items[0].MatchesRecord || !signed.Items[1].SignatureValid {
				t.Fatalf("signed documents: %+v", signed.Items)
			}

			// Experts: an unassigned one cannot give an opinion; a recused one
			// loses access at once and is told why.
			for _, x := range []string{"expert1", "expert2", "expert3"} {
				e.act("office", n, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users[x].ID, Declaration: demo.Declaration(x)})
			}
			op := func(o review.Outcome) review.Input {
				return review.Input{Recommendation: o, Rationale: "assessed", Areas: demo.Areas(review.RiskLow, "")}
			}
			e.fails("expert4", "POST", "/api/v1/cases/"+n+"/actions/give_opinion", op(review.OutcomePass), 404, "not_found")
			e.fails("expert1", "POST", "/api/v1/cases/"+n+"/actions/give_opinion", review.Input{Recommendation: "pass", Rationale: "x"}, 400, "field_required")
			e.act("expert3", n, review.ActRecuse, review.Input{Reason: "former employee of the provider"})
			e.fails("expert3", "POST", "/api/v1/cases/"+n+"/actions/give_opinion", op(review.OutcomePass), 403, "assignment_ended")
			e.act("office", n, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users["expert4"].ID, Declaration: demo.Declaration("expert4")})
			e.act("expert1", n, review.ActGiveOpinion, op(review.OutcomePass))
			e.act("expert2", n, review.ActGiveOpinion, op(review.OutcomePass))
			e.act("expert4", n, review.ActGiveOpinion, op(review.OutcomeConditionalPass))
			var as struct {
				Rule     string `json:"rule_recommendation"`
				Opinions []any  `json:"opinions"`
				Tally    review.Tally
				Recusals []struct{ Expert string }
			}
			e.do("office", "GET", "/api/v1/cases/"+n+"/assessment", nil, &as)
			if as.Rule != "pass" || len(as.Opinions) != 3 || as.Tally.Majority != "pass" || !slices.Equal(as.Tally.Dissent, []string{"expert4"}) || len(as.Recusals) != 1 {
				t.Fatalf("assessment: %+v", as)
			}

			// The decision follows the rule; departing needs a rationale.
			e.fails("office", "POST", "/api/v1/cases/"+n+"/actions/decide", review.Input{Outcome: "fail", Rationale: "no"}, 400, "departs_from_rule")
			e.act("office", n, review.ActDecide, review.Input{Outcome: "pass", Rationale: "The lab's findings and the experts support a pass."})

			// OSCAL exports, as served, validate against NIST's schema.
			for _, path := range []string{"/api/v1/cases/" + n + "/oscal", "/api/v1/catalog/" + cat.Version + "/oscal"} {
				code, doc := e.raw("office", "GET", path, nil)
				if err := oscaltest.Validate(doc); code != 200 || err != nil {
					t.Errorf("GET %s: %d, %v", path, code, err)
				}
			}
			e.fails("lab1", "GET", "/api/v1/cases/"+n+"/oscal", nil, 403, "forbidden")

			// The letter goes to the parties, in Chinese by default and in English.
			code, zh := e.raw("provider1", "GET", "/api/v1/cases/"+n+"/letter", nil)
			if code != 200 || !strings.Contains(string(zh), "网络安全审查决定书") || !strings.Contains(string(zh), "通过网络安全审查") || !strings.Contains(string(zh), n) {
				t.Fatalf("letter zh: %d %s", code, zh)
			}
			code, en := e.raw("provider1", "GET", "/api/v1/cases/"+n+"/letter?lang=en", nil)
			if code != 200 || !strings.Contains(string(en), "Passed the cybersecurity review") {
				t.Fatalf("letter en: %d %s", code, en)
			}
			e.fails("lab1", "GET", "/api/v1/cases/"+n+"/letter", nil, 403, "forbidden")
			// The letter's only style sheet is allowed by its hash; nothing else.
			req, _ := http.NewRequest("GET", e.url+"/api/v1/cases/"+n+"/letter", nil)
			req.Header.Set("Authorization", "Bearer "+e.token("office"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			_, css, _ := strings.Cut(string(zh), "<style>")
			css, _, _ = strings.Cut(css, "</style>")
			sum := sha256.Sum256([]byte(css))
			if !strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(string(zh), "<script") {
				t.Errorf("letter CSP %q does not pin its style sheet", csp)
			}

			// Altering the record after signing shows on every read.
			if _, err := e.s.DB().Exec(`UPDATE findings SET status = 'not_met' WHERE criterion_id = $1`, crit[1]); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.DB().Exec(`UPDATE signed_documents SET payload = replace(payload, 'planned', 'plannex') WHERE kind = $1`, review.ReportType); err != nil {
				t.Fatal(err)
			}
			e.do("office", "GET", "/api/v1/cases/"+n+"/signed", nil, &signed)
			if signed.Items[0].SignatureValid || *signed.Items[0].MatchesRecord {
				t.Fatalf("tampered report still verifies: %+v", signed.Items[0])
			}
		})
	}
}

// blobFile finds the one stored blob file under the env's blob store.
func (e *env) blobFile(t *testing.T) string {
	t.Helper()
	var found []string
	root := filepath.Join(e.dir, "blobs")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if rel, _ := filepath.Rel(root, p); err == nil && !d.IsDir() && strings.HasPrefix(rel, "sha256") {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 1 {
		t.Fatalf("blob files: %v", found)
	}
	return found[0]
}

func TestTamperedEvidenceIsRefusedOnDownload(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	n, _ := e.toEvaluation(t, 0, false)
	// Several chunks, so the damage can sit after good ones.
	file := bytes.Repeat([]byte("HX-9000 packet capture "), 20000)
	mid := e.upload("lab1", n, "capture.pcap", file)
	path := e.blobFile(t)
	stored, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte("HX-9000 packet capture")) {
		t.Fatal("the blob is stored in the clear")
	}
	get := func() (int, []byte, error) {
		req, _ := http.NewRequest("GET", e.url+"/api/v1/cases/"+n+"/materials/"+itoa(mid), nil)
		req.Header.Set("Authorization", "Bearer "+e.token("office"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	if code, b, err := get(); code != 200 || err != nil || !bytes.Equal(b, file) {
		t.Fatalf("intact download: %d %v", code, err)
	}
	for _, tc := range []struct {
		name   string
		damage func([]byte) []byte
		atEnd  bool // the damage is past the first chunk: some good bytes go out first
	}{
		{"FlipFirstChunk", func(b []byte) []byte { b = bytes.Clone(b); b[300] ^= 1; return b }, false},
		{"FlipLastChunk", func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-20] ^= 1; return b }, true},
		{"Truncate", func(b []byte) []byte { return b[:len(b)-1000] }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, tc.damage(stored), 0o600); err != nil {
				t.Fatal(err)
			}
			code, b, err := get()
			if !tc.atEnd && (code != 500 || len(b) > 200 || bytes.Contains(b, []byte("HX-9000"))) {
				t.Fatalf("damaged first chunk: %d %d bytes %v", code, len(b), err)
			}
			if tc.atEnd && (err == nil || len(b) >= len(file) || !bytes.Equal(b, file[:len(b)])) {
				t.Fatalf("damaged tail: %d, %d of %d bytes, err %v", code, len(b), len(file), err)
			}
		})
	}
}

func TestCommitteeDepartsFromRule(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			lab, provider := e.newParty(t, "lab1"), e.newParty(t, "provider1")
			cat, err := e.s.Catalog(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			var critical string
			for _, c := range cat.Criteria {
				if c.Severity == catalog.SeverityCritical && slices.Contains(c.Methods, review.MethodLabTesting) {
					critical = c.ID
					break
				}
			}
			if critical == "" {
				t.Fatal("the catalogue has no critical lab-testing criterion")
			}
			n, asg := e.toEvaluation(t, 1, true)
			findings := map[string]catalog.Status{critical: catalog.StatusNotMet}
			for _, id := range demo.CriteriaFor(cat, review.MethodLabTesting, 2) {
				if id != critical {
					findings[id] = catalog.StatusMet
				}
			}
			e.evaluate(t, n, asg, lab, findings)
			_, cp := e.raw("provider1", "POST", "/api/v1/cases/"+n+"/commitment/draft", nil)
			e.act("provider1", n, review.ActSubmitCommitment, review.Input{Signature: provider.sign(t, cp)})
			e.act("office", n, review.ActCompleteEvaluation, review.Input{})
			for _, x := range []string{"expert1", "expert2", "expert3"} {
				e.act("office", n, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users[x].ID, Declaration: demo.Declaration(x)})
				e.act(x, n, review.ActGiveOpinion, review.Input{Recommendation: review.OutcomeConditionalPass, Rationale: "the gap can be closed by a firmware fix",
					Areas: demo.Areas(review.RiskMedium, "")})
			}
			var as struct {
				Rule  string   `json:"rule_recommendation"`
				Basis []string `json:"rule_basis"`
			}
			e.do("office", "GET", "/api/v1/cases/"+n+"/assessment", nil, &as)
			if as.Rule != "fail" || !slices.Equal(as.Basis, []string{critical}) {
				t.Fatalf("rule: %+v", as)
			}
			e.act("office", n, review.ActReferToCommittee, review.Input{})
			early := []review.Condition{{Text: "t", Due: "2026-12-31"}}
			e.fails("committee", "POST", "/api/v1/cases/"+n+"/actions/committee_decide", review.Input{Outcome: "conditional_pass", Rationale: "x", Conditions: early, DepartureRationale: "d"}, 409, "guard_failed")
			votes := map[string]review.Outcome{"committee": "conditional_pass", "committee2": "conditional_pass", "committee3": "fail"}
			for _, m := range []string{"committee", "committee2", "committee3"} {
				e.act(m, n, review.ActCastVote, review.Input{Outcome: votes[m], Rationale: "my reasons"})
			}
			e.fails("committee", "POST", "/api/v1/cases/"+n+"/actions/cast_vote", review.Input{Outcome: "pass", Rationale: "again"}, 409, "already_done")
			conds := []review.Condition{{Text: "Ship firmware closing the finding", Due: "2026-06-30", SuspendIfOverdue: true}, {Text: "Publish a hardening guide", Due: "2026-04-30"}}
			e.fails("committee", "POST", "/api/v1/cases/"+n+"/actions/committee_decide", review.Input{Outcome: "fail", Rationale: "x"}, 400, "field_invalid")
			e.fails("committee", "POST", "/api/v1/cases/"+n+"/actions/committee_decide", review.Input{Outcome: "conditional_pass", Rationale: "majority", Conditions: conds}, 400, "departs_from_rule")
			e.act("committee", n, review.ActCommitteeDecide, review.Input{Outcome: "conditional_pass", Rationale: "The committee's majority finds the gap fixable.",
				DepartureRationale: "The critical finding concerns a debug port that a firmware update removes; the provider committed to it.", Conditions: conds})
			var vs struct {
				Items []struct{ Member, Outcome string }
				Tally review.Tally
			}
			e.do("office", "GET", "/api/v1/cases/"+n+"/votes", nil, &vs)
			if len(vs.Items) != 3 || vs.Tally.Majority != "conditional_pass" || !slices.Equal(vs.Tally.Dissent, []string{"committee3"}) {
				t.Fatalf("votes: %+v", vs)
			}
			e.fails("provider1", "GET", "/api/v1/cases/"+n+"/votes", nil, 403, "forbidden")
			_, letter := e.raw("committee", "GET", "/api/v1/cases/"+n+"/letter?lang=en", nil)
			for _, want := range []string{"by vote", "debug port", "Did not pass", "with conditions", "2026-06-30"} {
				if !strings.Contains(string(letter), want) {
					t.Errorf("letter lacks %q", want)
				}
			}
			e.act("office", n, review.ActPublish, review.Input{Scope: review.ScopePublic})

			// Conditions: the provider shows fulfilment, the office rejects,
			// then accepts.
			var c struct {
				Decision struct {
					Conditions []review.Condition `json:"conditions"`
				} `json:"decision"`
			}
			e.do("provider1", "GET", "/api/v1/cases/"+n, nil, &c)
			if len(c.Decision.Conditions) != 2 {
				t.Fatalf("conditions: %+v", c)
			}
			first, second := c.Decision.Conditions[0].ID, c.Decision.Conditions[1].ID
			e.fails("office", "POST", "/api/v1/cases/"+n+"/actions/accept_fulfilment", review.Input{ConditionID: first}, 409, "guard_failed")
			e.act("provider1", n, review.ActSubmitFulfilment, review.Input{ConditionID: first, Summary: "firmware 3.2.1 released"})
			e.act("office", n, review.ActRejectFulfilment, review.Input{ConditionID: first, Reason: "no retest report"})
			e.act("provider1", n, review.ActSubmitFulfilment, review.Input{ConditionID: first, Summary: "firmware 3.2.1 with lab1's retest report"})
			e.act("office", n, review.ActAcceptFulfilment, review.Input{ConditionID: first})
			e.fails("provider1", "POST", "/api/v1/cases/"+n+"/actions/submit_fulfilment", review.Input{ConditionID: first, Summary: "again"}, 409, "already_done")

			// The second condition runs overdue: flagged, but (as set) the
			// listing stays.
			e.advance(70 * 24 * time.Hour)
			if _, err := e.s.CheckCondition(context.Background(), second); err != nil {
				t.Fatal(err)
			}
			e.do("provider1", "GET", "/api/v1/cases/"+n, nil, &c)
			if c.Decision.Conditions[0].MetAt == "" || c.Decision.Conditions[1].OverdueAt == "" || c.Decision.Conditions[1].MetAt != "" {
				t.Fatalf("conditions after due date: %+v", c.Decision.Conditions)
			}
			if st := e.status("", "purl=pkg:generic/huaxin/hx-9000@3.2.0"); st != "conditionally_passed" {
				t.Fatalf("listing after a flagged condition: %s", st)
			}
		})
	}
}
