package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/blob"
	"shencha/internal/catalog"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// env is a running server on a real database with the demo seed.
type env struct {
	t      testing.TB
	url    string
	s      *store.Store
	f      *demo.Fixture
	srv    *server.Server
	tokens map[string]string
	mu     sync.Mutex
	now    time.Time
	dir    string // holds the blob store and its master key
}

func newEnv(t testing.TB, b storetest.Backend) *env { return newEnvWith(t, b, nil) }

// newEnvWith is newEnv with changes to the server's configuration (its
// logger, its rates, its timeouts) before it starts. The server runs in the
// http.Server serve runs (HTTPServer), timeouts and all.
func newEnvWith(t testing.TB, b storetest.Backend, change func(*server.Config)) *env {
	t.Helper()
	s := storetest.Open(t, b)
	e := &env{t: t, s: s, tokens: map[string]string{}, now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	s.Now = func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
	f, err := demo.Seed(context.Background(), s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		t.Fatal(err)
	}
	e.f = f
	e.dir = t.TempDir()
	kr, err := blob.OpenKeyring(filepath.Join(e.dir, "master.keys"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewEncrypted(filepath.Join(e.dir, "blobs"), kr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{Store: s, Blobs: blobs, Demo: true, MaxUpload: 1 << 20}
	if change != nil {
		change(&cfg)
	}
	if e.srv, err = server.New(cfg); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(e.srv)
	ts.Config = e.srv.HTTPServer()
	ts.Start()
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

// advance moves the clock by working-week days, so dates differ between steps.
// Sessions expire, so everyone signs in again afterwards.
func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
	clear(e.tokens)
}

func (e *env) token(user string) string {
	if tok, ok := e.tokens[user]; ok {
		return tok
	}
	var out struct{ Token string }
	code := e.do("", "POST", "/api/v1/login", map[string]string{"username": user, "password": demo.DefaultPassword}, &out)
	if code != 200 || out.Token == "" {
		e.t.Fatalf("login %s: %d", user, code)
	}
	e.tokens[user] = out.Token
	return out.Token
}

// do sends a JSON request as a user ("" for anonymous), in English, and
// decodes the answer.
func (e *env) do(user, method, path string, body any, out any) int {
	e.t.Helper()
	code, data := e.send(user, method, path, body, "en")
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, code, data, err)
		}
	}
	return code
}

// send sends a JSON request as a user and returns the status and body.
func (e *env) send(user, method, path string, body any, lang string) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, r)
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.token(user))
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, data
}

type caseDoc struct {
	Number         string   `json:"number"`
	State          string   `json:"state"`
	AllowedActions []string `json:"allowed_actions"`
	Assignments    []struct {
		ID   int64  `json:"id"`
		Kind string `json:"kind"`
	} `json:"assignments"`
	Materials []struct {
		ID     int64  `json:"id"`
		Digest string `json:"digest"`
	} `json:"materials"`
}

type errDoc struct {
	Error struct {
		Code           string   `json:"code"`
		Message        string   `json:"message"`
		Field          string   `json:"field"`
		AllowedActions []string `json:"allowed_actions"`
	} `json:"error"`
}

// act takes an action and checks it succeeded.
func (e *env) act(user, number string, action review.Action, in review.Input) caseDoc {
	e.t.Helper()
	var c caseDoc
	var raw json.RawMessage
	code := e.do(user, "POST", "/api/v1/cases/"+number+"/actions/"+string(action), in, &raw)
	if code != 200 {
		e.t.Fatalf("%s %s by %s: %d %s", number, action, user, code, raw)
	}
	json.Unmarshal(raw, &c)
	return c
}

func (e *env) status(user, query string) string {
	e.t.Helper()
	var out struct {
		Items []struct {
			Status string `json:"status"`
		} `json:"items"`
	}
	if code := e.do(user, "GET", "/api/v1/listings?"+query, nil, &out); code != 200 || len(out.Items) != 1 {
		e.t.Fatalf("listings %s: %d %+v", query, code, out)
	}
	return out.Items[0].Status
}

func TestHappyPathOverAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			var c caseDoc
			code := e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}}, &c)
			if code != 201 || c.State != "draft" || !strings.HasPrefix(c.Number, "CSR-2026-") {
				t.Fatalf("open: %d %+v", code, c)
			}
			n := c.Number
			day := 24 * time.Hour
			e.act("provider1", n, review.ActSubmit, review.Input{})
			e.advance(day)
			e.act("office", n, review.ActBeginScreening, review.Input{})
			c = e.act("office", n, review.ActAccept, review.Input{})
			if c.State != "accepted" {
				t.Fatalf("accept: %+v", c)
			}
			e.act("office", n, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")})
			e.act("office", n, review.ActBeginEvaluation, review.Input{})

			// The lab uploads its test report; the digest is checked.
			body := []byte("HX-9000 firmware 3.1.0 test report")
			sum := sha256.Sum256(body)
			req, _ := http.NewRequest("POST", e.url+"/api/v1/cases/"+n+"/materials?filename=report.txt", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.token("lab1"))
			req.Header.Set("X-Content-SHA256", "sha256:"+hex.EncodeToString(sum[:]))
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 201 {
				t.Fatalf("upload: %v %v", err, resp.Status)
			}
			resp.Body.Close()
			cat, err := e.s.Catalog(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			met := map[string]catalog.Status{}
			for _, id := range demo.CriteriaFor(cat, review.MethodLabTesting, 2) {
				met[id] = catalog.StatusMet
			}
			if err := demo.Evaluate(context.Background(), e.s, e.f, n, "lab1", met, review.OutcomePass); err != nil {
				t.Fatal(err)
			}
			if err := demo.Commit(context.Background(), e.s, e.f, n, "provider1"); err != nil {
				t.Fatal(err)
			}
			e.act("office", n, review.ActCompleteEvaluation, review.Input{})
			e.act("office", n, review.ActMarkImportant, review.Input{})
			for _, x := range []string{"expert1", "expert2", "expert3"} {
				e.act("office", n, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users[x].ID, Declaration: demo.Declaration(x)})
			}
			for _, x := range []string{"expert1", "expert2", "expert3"} {
				e.act(x, n, review.ActGiveOpinion, review.Input{Rationale: "controlled", Recommendation: review.OutcomePass, Areas: demo.Areas(review.RiskLow, "")})
			}
			// The committee cannot see the case until it is referred.
			if code := e.do("committee", "GET", "/api/v1/cases/"+n, nil, nil); code != 404 {
				t.Fatalf("committee before referral: %d", code)
			}
			c = e.act("office", n, review.ActReferToCommittee, review.Input{})
			if c.State != "deliberation" {
				t.Fatalf("refer: %+v", c)
			}
			var cc caseDoc
			e.do("committee", "GET", "/api/v1/cases/"+n, nil, &cc)
			if !slices.Equal(cc.AllowedActions, []string{"cast_vote", "extend_clock"}) {
				t.Fatalf("committee allowed actions: %v", cc.AllowedActions)
			}
			e.advance(2 * day)
			for _, m := range []string{"committee", "committee2", "committee3"} {
				e.act(m, n, review.ActCastVote, review.Input{Outcome: review.OutcomePass, Rationale: "risks controlled"})
			}
			e.act("committee", n, review.ActCommitteeDecide, review.Input{Outcome: review.OutcomePass, Rationale: "risks controlled"})
			midway := e.s.Now().Add(-day).Format(time.DateOnly)
			e.advance(day)
			c = e.act("office", n, review.ActPublish, review.Input{Scope: review.ScopePublic})
			if c.State != "published" || len(c.AllowedActions) != 0 {
				t.Fatalf("publish: %+v", c)
			}
			purl := "purl=pkg:generic/huaxin/hx-9000@3.1.0"
			if st := e.status("", purl); st != "passed" {
				t.Fatalf("listing after publication: %s", st)
			}
			if st := e.status("", purl+"&as_of="+midway); st != "under_review" {
				t.Fatalf("listing as of %s: %s", midway, st)
			}
			if st := e.status("", purl+"&as_of=2026-03-01"); st != "not_reviewed" {
				t.Fatalf("listing before submission: %s", st)
			}
			if st := e.status("", fmt.Sprintf("product=%d&version=3.2.0", e.f.Router.ID)); st != "not_reviewed" {
				t.Fatalf("other version: %s", st)
			}

			// The CIIO route.
			code = e.do("ciio", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerCIIOProcurement, ProductID: e.f.Cloud.ID,
				VersionIDs: []int64{e.f.CloudV[0].ID}, Procurement: &review.Procurement{Description: "dispatch platform"}}, &c)
			if code != 201 {
				t.Fatalf("declare: %d", code)
			}
			e.act("ciio", c.Number, review.ActDeclare, review.Input{})
			c = e.act("cii", c.Number, review.ActDetermineNotRequired, review.Input{Rationale: "no national-security impact"})
			if c.State != "not_required" || len(c.AllowedActions) != 0 {
				t.Fatalf("determination: %+v", c)
			}
			if _, err := e.s.VerifyAudit(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNeedToKnowOverAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			var c caseDoc
			e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[1].ID}}, &c)
			n := c.Number
			e.act("provider1", n, review.ActSubmit, review.Input{})
			e.act("office", n, review.ActBeginScreening, review.Input{})
			e.act("office", n, review.ActAccept, review.Input{})
			c = e.act("office", n, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")})
			listed := func(user string) bool {
				var page struct {
					Items []struct{ Number string } `json:"items"`
				}
				if code := e.do(user, "GET", "/api/v1/cases?limit=200", nil, &page); code != 200 {
					t.Fatalf("list as %s: %d", user, code)
				}
				return slices.ContainsFunc(page.Items, func(x struct{ Number string }) bool { return x.Number == n })
			}
			for _, user := range []string{"lab2", "provider2", "finance-regulator", "association", "procurer", "committee", "expert1", "cii", "ciio", "admin"} {
				t.Run("Refused/"+user, func(t *testing.T) {
					var ed errDoc
					if code := e.do(user, "GET", "/api/v1/cases/"+n, nil, &ed); code != 404 || ed.Error.Code != "not_found" {
						t.Fatalf("read: %d %+v", code, ed)
					}
					if listed(user) {
						t.Fatal("listed")
					}
					if code := e.do(user, "POST", "/api/v1/cases/"+n+"/actions/accept", map[string]any{}, nil); code != 404 {
						t.Fatalf("act: %d", code)
					}
				})
			}
			for _, user := range []string{"office", "provider1", "lab1"} {
				if code := e.do(user, "GET", "/api/v1/cases/"+n, nil, nil); code != 200 || !listed(user) {
					t.Fatalf("%s cannot see its case: %d", user, code)
				}
			}
			if code := e.do("", "GET", "/api/v1/cases/"+n, nil, nil); code != 401 {
				t.Fatalf("anonymous: %d", code)
			}
			// Ending the assignment ends the lab's access at once; it is
			// told why.
			e.act("office", n, review.ActEndAssignment, review.Input{AssignmentID: c.Assignments[0].ID, Reason: "reassigned"})
			var ended errDoc
			if code := e.do("lab1", "GET", "/api/v1/cases/"+n, nil, &ended); code != 403 || ended.Error.Code != "assignment_ended" || listed("lab1") {
				t.Fatalf("lab1 after its assignment ended: %d %+v", code, ended)
			}
			// A role that may know the case but not take the action: 403.
			if code := e.do("provider1", "POST", "/api/v1/cases/"+n+"/actions/accept", map[string]any{}, nil); code != 403 {
				t.Fatalf("provider accepting: %d", code)
			}
			// Admin endpoints refuse other roles with 403 (their existence is no secret).
			if code := e.do("office", "POST", "/api/v1/orgs", map[string]any{"kind": "lab", "name": "x"}, nil); code != 403 {
				t.Fatalf("office creating an org: %d", code)
			}
		})
	}
}

func TestErrorsOverAPI(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	var c caseDoc
	e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}}, &c)
	cases := []struct {
		name, user, method, path string
		body                     any
		status                   int
		code, field              string
	}{
		{"IllegalTransition", "office", "POST", "/api/v1/cases/" + c.Number + "/actions/accept", map[string]any{}, 409, "illegal_transition", ""},
		{"FieldRequired", "office", "POST", "/api/v1/cases", map[string]any{"trigger": "market_feedback"}, 400, "field_required", "product_id"},
		{"UnknownField", "office", "POST", "/api/v1/cases", map[string]any{"trigger": "market_feedback", "colour": "red"}, 400, "field_unknown", "colour"},
		{"WrongType", "office", "POST", "/api/v1/cases", map[string]any{"product_id": "one"}, 400, "field_invalid", "product_id"},
		{"UnknownAction", "provider1", "POST", "/api/v1/cases/" + c.Number + "/actions/approve_everything", map[string]any{}, 400, "field_unknown_value", "action"},
		{"BodyTooLarge", "office", "POST", "/api/v1/cases", map[string]any{"summary": strings.Repeat("x", 2<<20)}, 413, "body_too_large", ""},
		{"Unauthorized", "", "GET", "/api/v1/cases", nil, 401, "unauthorized", ""},
		{"BadCursor", "office", "GET", "/api/v1/cases?cursor=@@", nil, 400, "field_invalid", "cursor"},
		{"LoginFailed", "", "POST", "/api/v1/login", map[string]string{"username": "office", "password": "wrong"}, 401, "login_failed", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ed errDoc
			code := e.do(tc.user, tc.method, tc.path, tc.body, &ed)
			if code != tc.status || ed.Error.Code != tc.code || ed.Error.Field != tc.field || ed.Error.Message == "" {
				t.Fatalf("got %d %+v", code, ed)
			}
			if tc.code == "illegal_transition" && !slices.Contains(ed.Error.AllowedActions, "terminate") {
				t.Fatalf("allowed actions missing: %+v", ed)
			}
		})
	}
	t.Run("ChineseByDefault", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.url+"/api/v1/cases", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ed errDoc
		json.NewDecoder(resp.Body).Decode(&ed)
		if ed.Error.Message != "请先登录。" || resp.Header.Get("X-Shencha-Demo") != "true" {
			t.Fatalf("message %q, demo header %q", ed.Error.Message, resp.Header.Get("X-Shencha-Demo"))
		}
	})
	t.Run("UploadDigestMismatch", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.url+"/api/v1/cases/"+c.Number+"/materials?filename=a.txt", strings.NewReader("hello"))
		req.Header.Set("Authorization", "Bearer "+e.token("provider1"))
		req.Header.Set("X-Content-SHA256", "sha256:"+strings.Repeat("0", 64))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		var cd caseDoc
		e.do("provider1", "GET", "/api/v1/cases/"+c.Number, nil, &cd)
		if len(cd.Materials) != 0 {
			t.Fatalf("a refused upload left a material: %+v", cd.Materials)
		}
	})
	t.Run("ReadOnlyTokenCannotWrite", func(t *testing.T) {
		var out struct{ Token string }
		if code := e.do("office", "POST", "/api/v1/tokens", map[string]any{"name": "register sync", "scopes": []string{"read"}, "ttl_hours": 24}, &out); code != 201 {
			t.Fatalf("create token: %d", code)
		}
		req, _ := http.NewRequest("POST", e.url+"/api/v1/cases/"+c.Number+"/actions/terminate", strings.NewReader(`{"reason":"x"}`))
		req.Header.Set("Authorization", "Bearer "+out.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("write with a read-only token: %d", resp.StatusCode)
		}
	})
}

func TestOpenAPIListsEveryRouteAndAction(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if code := e.do("", "GET", "/api/v1/openapi.json", nil, &doc); code != 200 || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi: %d %q", code, doc.OpenAPI)
	}
	n := 0
	for _, m := range doc.Paths {
		n += len(m)
	}
	if n != len(e.srv.Routes()) {
		t.Fatalf("document has %d operations, server %d routes", n, len(e.srv.Routes()))
	}
	for _, r := range e.srv.Routes() {
		if _, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s missing from the document", r.Method, r.Path)
		}
	}
	op := string(doc.Paths["/api/v1/cases/{number}/actions/{action}"]["post"])
	for _, a := range review.Actions() {
		if !strings.Contains(op, `"`+string(a)+`"`) {
			t.Errorf("action %s missing from the document", a)
		}
	}
}

func TestConcurrentActionsOverAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			var c caseDoc
			e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}}, &c)
			e.act("provider1", c.Number, review.ActSubmit, review.Input{})
			e.act("office", c.Number, review.ActBeginScreening, review.Input{})
			e.token("office")
			var wg sync.WaitGroup
			codes := make([]int, 6)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					act, in := "accept", map[string]any{}
					if i%2 == 1 {
						act, in = "not_accept", map[string]any{"reason": "out of scope"}
					}
					codes[i] = e.do("office", "POST", "/api/v1/cases/"+c.Number+"/actions/"+act, in, nil)
				}()
			}
			wg.Wait()
			ok := 0
			for _, code := range codes {
				switch code {
				case 200:
					ok++
				case 409:
				default:
					t.Fatalf("unexpected status %d in %v", code, codes)
				}
			}
			if ok != 1 {
				t.Fatalf("%d actions won, want exactly 1: %v", ok, codes)
			}
		})
	}
}
