package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/server"
	"shencha/internal/storetest"
)

// fuzzRoute is a JSON route the fuzz target posts to, as a user who may
// reach its decoder; path holds the demo's case numbers and ids.
type fuzzRoute struct {
	method, path, user string
	seed               string // a body the route accepts, or nearly
}

var fuzzRoutes = []fuzzRoute{
	{"POST", "/api/v1/login", "", `{"username":"office","password":"shencha-demo"}`},
	{"POST", "/api/v1/tokens", "provider1", `{"name":"ci","scopes":["read","write"],"ttl_hours":24}`},
	{"POST", "/api/v1/cases", "provider1", `{"trigger":"enterprise_application","product_id":1,"version_ids":[2],"summary":"s"}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/actions/request_supplement", "office", `{"items":"the source of module X"}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/actions/assign_lab", "office", `{"lab_org_id":6,"method":"lab_test","declaration":{"no_conflict":true,"confidentiality":true,"signed_by":"x"}}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/actions/assign_expert", "office", `{"expert_user_id":7,"declaration":{"no_conflict":true,"confidentiality":true,"signed_by":"x"}}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/actions/extend_clock", "office", `{"clock":"review","days":15,"reason":"complex"}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/actions/submit_report", "lab1", `{"summary":"s","recommendation":"pass","signature":"AAAA"}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/actions/submit_commitment", "provider1", `{"signature":"AAAA"}`},
	{"POST", "/api/v1/cases/CSR-2026-0004/actions/give_opinion", "expert1", `{"recommendation":"pass","rationale":"r","areas":{"R1":{"level":"low"},"R2":{"level":"low"},"R3":{"level":"medium","note":"n"},"R4":{"level":"low"},"R5":{"level":"high"}}}`},
	{"POST", "/api/v1/cases/CSR-2026-0004/actions/decide", "office", `{"outcome":"conditional_pass","rationale":"r","scope":"public","conditions":[{"text":"t","due":"2027-01-01","suspend_if_overdue":true}]}`},
	{"POST", "/api/v1/cases/CSR-2026-0005/actions/cast_vote", "committee2", `{"outcome":"pass","rationale":"r"}`},
	{"POST", "/api/v1/cases/CSR-2026-0006/actions/submit_fulfilment", "provider1", `{"condition_id":1,"summary":"done"}`},
	{"POST", "/api/v1/listings/1/actions/suspend", "office", `{"reason":"investigation"}`},
	{"POST", "/api/v1/listings/1/actions/reinstate", "office", `{"reason":"cleared"}`},
	{"POST", "/api/v1/products", "provider1", `{"name":"P","category":"network_equipment","service":false}`},
	{"POST", "/api/v1/products/1/versions", "provider1", `{"version":"9.9","purl":"pkg:generic/huaxin/hx-9000@9.9","cpe":"","artifact_sha256":""}`},
	{"POST", "/api/v1/orgs", "admin", `{"kind":"lab","name":"L","sector":""}`},
	{"POST", "/api/v1/users", "admin", `{"username":"u","display_name":"U","org_id":5,"role":"lab","password":"a long password"}`},
	{"POST", "/api/v1/accreditations", "admin", `{"lab_org_id":6,"methods":["lab_test"],"categories":["network_equipment"],"valid_from":"2026-01-01","valid_to":"2027-01-01"}`},
	{"POST", "/api/v1/ties", "admin", `{"lab_org_id":5,"provider_org_id":7,"kind":"shareholding","ended_on":"2025-01-01","note":"n"}`},
	{"POST", "/api/v1/calendar", "admin", `{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`},
	{"POST", "/api/v1/catalog", "admin", `{"version":"2027.1","criteria":[]}`},
	{"POST", "/api/v1/catalog/2026.1/approve", "committee", `{"note":"n"}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/plan", "office", `{"items":[{"criterion_id":"R1-C-01","method":"lab_test","assignment_id":1}]}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/evidence", "lab1", `{"kind":"lab_test_report","title":"t","data":{"sample":{"name":"n","version":"1","serial":"s"},"tests":[{"id":"1","title":"t","result":"pass"}]}}`},
	{"PUT", "/api/v1/cases/CSR-2026-0002/findings/R1-C-01", "lab1", `{"status":"satisfied","rationale":"r","evidence":[1],"version":1}`},
	{"POST", "/api/v1/cases/CSR-2026-0002/reports/draft", "lab1", `{"summary":"s","recommendation":"pass"}`},
	{"POST", "/api/v1/orgs/5/keys", "admin", `{"public_key":"ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`},
	{"POST", "/api/v1/advisories/GO-2020-0001/rating", "office", `{"rating":"high","rationale":"r"}`},
	{"POST", "/api/v1/rereview-flags/1/handle", "office", `{"note":"n"}`},
	{"POST", "/api/v1/eligibility/batch", "procurer", `[{"purl":"pkg:generic/huaxin/hx-9000@3.1.0"},{"listing":1}]`},
	{"POST", "/api/v1/eligibility/batch?format=csv", "procurer", "purl,listing\npkg:generic/huaxin/hx-9000@3.1.0,\n,1\n"},
}

// FuzzAPIBodies posts arbitrary bytes to the JSON routes through the real
// handler, on a real SQLite store with the demo's cases: no answer is a
// 5xx (a panic would be one), every error names its code in the caller's
// language, a refused field is named, and a body refused as bad leaves
// the database as it was (row counts and the audit chain's head).
func FuzzAPIBodies(f *testing.F) {
	server.PasswordParams = auth.Cheap
	e := newEnvWith(f, storetest.Backends()[0], func(c *server.Config) {
		c.MaxBody, c.Rates = 64<<10, server.Rates{Anonymous: 1e9, Session: 1e9, Token: 1e9}
	})
	ctx := context.Background()
	if err := demo.SeedCases(ctx, e.s, e.f); err != nil {
		f.Fatal(err)
	}
	if _, err := e.s.Sequence(ctx, 0); err != nil {
		f.Fatal(err)
	}
	tokens := map[string]string{}
	for _, r := range fuzzRoutes {
		if r.user != "" && tokens[r.user] == "" {
			tokens[r.user] = e.token(r.user)
		}
	}
	snapshot := databaseSnapshot(f, e)
	for i, r := range fuzzRoutes {
		f.Add(uint8(i), []byte(r.seed))
		f.Add(uint8(i), []byte(`{"unknown":1}`))
	}
	// The real catalogue and holiday files, through their upload routes.
	for path, file := range map[string]string{"/api/v1/catalog": "../catalog/data/catalog-2026.1.json", "/api/v1/calendar": "../calendar/holidays/2026.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(slices.IndexFunc(fuzzRoutes, func(r fuzzRoute) bool { return r.path == path })), b)
	}
	f.Add(uint8(0), []byte(`{"username":"office","password":"shencha-demo"}{}`))
	f.Add(uint8(3), []byte(`{"items":7}`))
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		before := snapshot()
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.Header.Set("Accept-Language", "en")
		if r.user != "" {
			req.Header.Set("Authorization", "Bearer "+tokens[r.user])
		}
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, w.Code, w.Body)
		}
		if w.Code < 400 {
			return
		}
		var doc errDoc
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.Error.Code == "" {
			t.Fatalf("%s %s %q: %d answered without an error code: %s", r.method, r.path, body, w.Code, w.Body)
		}
		if msg := doc.Error.Message; msg == "" || msg == "error."+doc.Error.Code {
			t.Fatalf("%s: code %s has no message", r.path, doc.Error.Code)
		}
		if strings.HasPrefix(doc.Error.Code, "field_") && doc.Error.Field == "" {
			t.Fatalf("%s %s %q: %s names no field: %s", r.method, r.path, body, doc.Error.Code, w.Body)
		}
		if w.Code == http.StatusBadRequest || w.Code == http.StatusRequestEntityTooLarge {
			if after := snapshot(); after != before {
				t.Fatalf("%s %s %q refused (%d %s) but the database changed: %s → %s", r.method, r.path, body, w.Code, doc.Error.Code, before, after)
			}
		}
	})
}

// databaseSnapshot returns a function reading the number of rows of every
// table and the audit chain's head: any write changes one or the other.
func databaseSnapshot(tb testing.TB, e *env) func() string {
	rows, err := e.s.DB().Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		tb.Fatal(err)
	}
	var counts []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		counts = append(counts, `(SELECT COUNT(*) FROM "`+name+`")`)
	}
	rows.Close()
	if len(counts) < 20 {
		tb.Fatalf("only %d tables", len(counts))
	}
	q := `SELECT ` + strings.Join(counts, " || ',' || ") + ` || ';' || (SELECT COALESCE(MAX(seq), 0) || ':' || COALESCE(MAX(hash), '') FROM audit WHERE seq = (SELECT MAX(seq) FROM audit))`
	return func() string {
		var s string
		if err := e.s.DB().QueryRow(q).Scan(&s); err != nil {
			tb.Fatal(err)
		}
		return s
	}
}
