package server_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"shencha/internal/catalog"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/storetest"
	"shencha/internal/vuln"
)

// postFile sends a raw body and returns the status and the answer.
func (e *env) postFile(user, path string, body []byte) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token(user))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

func TestSupplyChainOverAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			recs, stats, err := vuln.Import("../vuln/testdata/osv", vuln.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			// The first import lacks one advisory: it arrives later.
			var older []vuln.Record
			for _, r := range recs {
				if r.ID != "GO-2020-0017" {
					older = append(older, r)
				}
			}
			if _, err := e.s.ImportAdvisories(ctx, e.f.Actors["office"], "test", older, stats); err != nil {
				t.Fatal(err)
			}
			n, _ := e.toEvaluation(t, 0, false)
			sbomFile, err := os.ReadFile("../sbom/testdata/cyclonedx-examples/SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json")
			if err != nil {
				t.Fatal(err)
			}
			// Bad input: junk and a nested bomb are refused and leave no file.
			if code, body := e.postFile("provider1", "/api/v1/cases/"+n+"/sboms?filename=junk.json", []byte("{not json")); code != 400 || !strings.Contains(string(body), "body_invalid") {
				t.Fatalf("junk SBOM: %d %s", code, body)
			}
			deep := strings.Repeat(`{"components":[`, 10000)
			if code, _ := e.postFile("provider1", "/api/v1/cases/"+n+"/sboms?filename=deep.json", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":`+deep)); code != 400 {
				t.Fatalf("deep SBOM: %d", code)
			}
			var c caseDoc
			e.do("office", "GET", "/api/v1/cases/"+n, nil, &c)
			if len(c.Materials) != 0 {
				t.Fatalf("refused SBOMs left files: %+v", c.Materials)
			}
			code, body := e.postFile("provider1", "/api/v1/cases/"+n+"/sboms?filename=proton.cdx.json", sbomFile)
			if code != 201 {
				t.Fatalf("upload SBOM: %d %s", code, body)
			}
			var a struct {
				ID         int64 `json:"id"`
				EvidenceID int64 `json:"evidence_id"`
				Report     struct {
					Components int `json:"components"`
					Affected   int `json:"affected"`
					Quality    struct{ Score int }
				}
			}
			e.do("lab1", "GET", "/api/v1/cases/"+n+"/sboms/1", nil, &a)
			if a.Report.Components != 202 || a.Report.Affected != 57 || a.EvidenceID == 0 || a.Report.Quality.Score == 0 {
				t.Fatalf("analysis: %+v", a)
			}
			var ev struct {
				Kind     string   `json:"kind"`
				Criteria []string `json:"criteria"`
			}
			e.do("office", "GET", "/api/v1/cases/"+n+"/evidence/"+itoa(a.EvidenceID), nil, &ev)
			if ev.Kind != "automated_analysis" || len(ev.Criteria) == 0 || !strings.HasPrefix(ev.Criteria[0], "R2-") {
				t.Fatalf("evidence: %+v", ev)
			}
			// The provider's VEX suppresses one finding, with its reason.
			vex := `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"Huaxin","timestamp":"2026-03-01T00:00:00Z","version":1,
"statements":[{"vulnerability":{"name":"GO-2021-0113"},"products":[{"@id":"pkg:golang/golang.org/x/text@v0.3.5-0.20201125200606-c27b9fd57aec"}],"status":"not_affected","justification":"vulnerable_code_not_present"}]}`
			if code, body := e.postFile("provider1", "/api/v1/cases/"+n+"/sboms/"+itoa(a.ID)+"/vex", []byte(vex)); code != 200 || !strings.Contains(string(body), "vulnerable_code_not_present") {
				t.Fatalf("vex: %d %s", code, body)
			}
			e.do("office", "GET", "/api/v1/cases/"+n+"/sboms/1", nil, &a)
			if a.Report.Affected != 56 {
				t.Fatalf("affected after VEX: %d", a.Report.Affected)
			}
			// The version's inventory; a stranger may not read it.
			var inv struct {
				Components []struct {
					PURL       string `json:"purl"`
					Advisories []any  `json:"advisories"`
				} `json:"components"`
			}
			if code := e.do("office", "GET", "/api/v1/versions/"+itoa(e.f.RouterV[0].ID)+"/components", nil, &inv); code != 200 || len(inv.Components) != 202 {
				t.Fatalf("inventory: %d %d", code, len(inv.Components))
			}
			e.fails("provider2", "GET", "/api/v1/versions/"+itoa(e.f.RouterV[0].ID)+"/components", nil, 403, "forbidden")
			// Nor may a regulator of another sector, or the committee for a
			// case not referred to it (need-to-know).
			e.fails("finance-regulator", "GET", "/api/v1/versions/"+itoa(e.f.RouterV[0].ID)+"/components", nil, 403, "forbidden")
			e.fails("committee", "GET", "/api/v1/versions/"+itoa(e.f.RouterV[0].ID)+"/components", nil, 403, "forbidden")

			// The case passes and is published; then the missing advisory
			// arrives and flags the listed version for re-review.
			met := map[string]catalog.Status{}
			cat, _ := e.s.Catalog(ctx, "")
			for _, id := range demo.CriteriaFor(cat, review.MethodLabTesting, 1) {
				met[id] = catalog.StatusMet
			}
			if err := demo.Evaluate(ctx, e.s, e.f, n, "lab1", met, review.OutcomePass); err != nil {
				t.Fatal(err)
			}
			if err := demo.Commit(ctx, e.s, e.f, n, "provider1"); err != nil {
				t.Fatal(err)
			}
			e.act("office", n, review.ActCompleteEvaluation, review.Input{})
			for _, x := range []string{"expert1", "expert2", "expert3"} {
				e.act("office", n, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users[x].ID, Declaration: demo.Declaration(x)})
				e.act(x, n, review.ActGiveOpinion, review.Input{Recommendation: "pass", Rationale: "ok", Areas: demo.Areas(review.RiskLow, "")})
			}
			e.act("office", n, review.ActDecide, review.Input{Outcome: "pass", Rationale: "ok"})
			e.act("office", n, review.ActPublish, review.Input{Scope: review.ScopePublic})
			imp, err := e.s.ImportAdvisories(ctx, e.f.Actors["office"], "test", recs, stats)
			if err != nil || imp.Added != 1 {
				t.Fatalf("second import: %+v %v", imp, err)
			}
			if got, err := e.s.FlagReReviews(ctx, imp.ID); err != nil || got != 1 {
				t.Fatalf("flags: %d %v", got, err)
			}
			var flags struct {
				Items []struct{ Advisory, Component, Rating, Case string }
			}
			e.do("office", "GET", "/api/v1/rereview-flags?open=1", nil, &flags)
			if len(flags.Items) != 1 || flags.Items[0].Advisory != "GO-2020-0017" || flags.Items[0].Rating != "unrated" || flags.Items[0].Case != n {
				t.Fatalf("flags: %+v", flags)
			}
			if got, _ := e.s.FlagReReviews(ctx, imp.ID); got != 0 {
				t.Errorf("flagging twice added %d", got)
			}
			// Rated low by a reviewer, an advisory no longer triggers.
			if code := e.do("office", "POST", "/api/v1/advisories/GO-2020-0017/rating", map[string]string{"rating": "low", "rationale": "not reachable"}, nil); code != 200 {
				t.Fatalf("rate: %d", code)
			}
			e.fails("provider1", "GET", "/api/v1/rereview-flags", nil, 403, "forbidden")
			var all struct{ Items []struct{ ID int64 } }
			e.do("office", "GET", "/api/v1/rereview-flags", nil, &all)
			path := "/api/v1/rereview-flags/" + itoa(all.Items[0].ID) + "/handle"
			if code := e.do("office", "POST", path, map[string]string{"note": "re-review opened"}, nil); code != 204 {
				t.Fatalf("handle flag: %d", code)
			}
			e.fails("office", "POST", path, map[string]string{"note": "again"}, 409, "already_done")
			e.fails("office", "POST", "/api/v1/rereview-flags/9999/handle", map[string]string{"note": "x"}, 404, "not_found")
			e.do("office", "GET", "/api/v1/rereview-flags?open=1", nil, &flags)
			if len(flags.Items) != 0 {
				t.Errorf("open flags after handling: %+v", flags.Items)
			}
		})
	}
}
