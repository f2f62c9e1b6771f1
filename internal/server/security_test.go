package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, like a browser whose every step the test sees.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// request sends a request with headers given as name, value pairs and
// returns the status, the headers and the body.
func request(t *testing.T, c *http.Client, method, u string, body io.Reader, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func errorCode(body string) string {
	var ed errDoc
	json.Unmarshal([]byte(body), &ed)
	return ed.Error.Code
}

// TestLoginLimitsOverAPI: a locked account and a client over its limit are
// refused with 429, Retry-After and a message saying how long to wait.
func TestLoginLimitsOverAPI(t *testing.T) {
	login := func(e *env, user, password string) (int, http.Header, errDoc) {
		code, h, body := request(t, http.DefaultClient, "POST", e.url+"/api/v1/login",
			jsonBody(map[string]string{"username": user, "password": password}), "Accept-Language", "en")
		var ed errDoc
		json.Unmarshal([]byte(body), &ed)
		return code, h, ed
	}
	t.Run("AccountLocked", func(t *testing.T) {
		e := newEnv(t, storetest.Backends()[0])
		for range store.LockAfter {
			if code, _, ed := login(e, "office", "wrong"); code != 401 || ed.Error.Code != "login_failed" {
				t.Fatalf("failure: %d %+v", code, ed)
			}
		}
		code, h, ed := login(e, "office", demo.DefaultPassword)
		if code != 429 || ed.Error.Code != "login_locked" || h.Get("Retry-After") != "30" || !strings.Contains(ed.Error.Message, "30 seconds") {
			t.Fatalf("locked: %d Retry-After %q %+v", code, h.Get("Retry-After"), ed)
		}
	})
	t.Run("ClientThrottled", func(t *testing.T) {
		e := newEnv(t, storetest.Backends()[0])
		// Good sign-ins from this address do not count.
		for range 2 * store.ClientFailures {
			if code, _, ed := login(e, "office", demo.DefaultPassword); code != 200 {
				t.Fatalf("good sign-in: %d %+v", code, ed)
			}
		}
		for i := range store.ClientFailures {
			if code, _, ed := login(e, fmt.Sprintf("guess%d", i), "x"); code != 401 {
				t.Fatalf("failure %d: %d %+v", i, code, ed)
			}
		}
		code, h, ed := login(e, "office", demo.DefaultPassword)
		if code != 429 || ed.Error.Code != "login_throttled" || h.Get("Retry-After") == "" {
			t.Fatalf("throttled: %d Retry-After %q %+v", code, h.Get("Retry-After"), ed)
		}
	})
}

// TestSessionsAndTokensOverAPI: signing in again with a session cookie ends
// the old session; an expired API token is refused with 401; a read-only
// token cannot write (TestErrorsOverAPI) but can read.
func TestSessionsAndTokensOverAPI(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	c := e.browser()
	signIn := func() string {
		code, _, body := request(t, c, "POST", e.url+"/api/v1/login", jsonBody(map[string]string{"username": "office", "password": demo.DefaultPassword}))
		var out struct{ Token string }
		json.Unmarshal([]byte(body), &out)
		if code != 200 || out.Token == "" {
			t.Fatalf("login: %d %s", code, body)
		}
		return out.Token
	}
	first := signIn()
	second := signIn() // the jar sends the first session's cookie
	if code, _, _ := request(t, http.DefaultClient, "GET", e.url+"/api/v1/me", nil, "Authorization", "Bearer "+first); code != 401 {
		t.Errorf("the session signed in over answered %d, want 401", code)
	}
	if code, _, _ := request(t, http.DefaultClient, "GET", e.url+"/api/v1/me", nil, "Authorization", "Bearer "+second); code != 200 {
		t.Errorf("the new session answered %d", code)
	}

	var tok struct{ Token string }
	if code := e.do("office", "POST", "/api/v1/tokens", map[string]any{"name": "nightly", "scopes": []string{"read"}, "ttl_hours": 1}, &tok); code != 201 {
		t.Fatalf("create token: %d", code)
	}
	if code, _, _ := request(t, http.DefaultClient, "GET", e.url+"/api/v1/cases", nil, "Authorization", "Bearer "+tok.Token); code != 200 {
		t.Errorf("a read-only token cannot read: %d", code)
	}
	e.advance(time.Hour + time.Second)
	code, _, body := request(t, http.DefaultClient, "GET", e.url+"/api/v1/cases", nil, "Authorization", "Bearer "+tok.Token)
	if code != 401 || errorCode(body) != "unauthorized" {
		t.Errorf("an expired token: %d %s", code, body)
	}
}

// TestCrossOriginRequests: a cookie-authenticated POST from another site
// is refused, in JSON on the API and with the error page in the UI; the
// same request from the site itself succeeds; a bearer token, which a
// browser never attaches by itself, is not affected.
func TestCrossOriginRequests(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	c := e.browser()
	form := url.Values{"username": {"provider1"}, "password": {demo.DefaultPassword}}
	if code, _, _ := request(t, c, "POST", e.url+"/login", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded"); code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", code)
	}
	newCase := func() io.Reader {
		return jsonBody(review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}})
	}
	newProduct := func(name string) io.Reader {
		return strings.NewReader(url.Values{"name": {name}, "category": {"core_network_equipment"}}.Encode())
	}
	crossSite := [][]string{
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Origin", "https://evil.example"}, // an older browser: no Sec-Fetch-Site
	}
	for i, h := range crossSite {
		code, hdr, body := request(t, c, "POST", e.url+"/api/v1/cases", newCase(), append(h, "Content-Type", "application/json")...)
		if code != 403 || errorCode(body) != "forbidden" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("API, cross-site %d: %d %s %s", i, code, hdr.Get("Content-Type"), body)
		}
		code, hdr, body = request(t, c, "POST", e.url+"/products", newProduct(fmt.Sprintf("Cross %d", i)), append(h, "Content-Type", "application/x-www-form-urlencoded")...)
		if code != 403 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "<html") {
			t.Errorf("UI, cross-site %d: %d %s %s", i, code, hdr.Get("Content-Type"), body)
		}
	}
	if _, _, body := request(t, c, "GET", e.url+"/products", nil); strings.Contains(body, "Cross 0") || strings.Contains(body, "Cross 1") {
		t.Error("a refused cross-site form created a product")
	}

	sameOrigin := []string{"Sec-Fetch-Site", "same-origin", "Origin", e.url}
	if code, _, body := request(t, c, "POST", e.url+"/api/v1/cases", newCase(), append(sameOrigin, "Content-Type", "application/json")...); code != 201 {
		t.Errorf("API, same origin: %d %s", code, body)
	}
	if code, _, _ := request(t, c, "POST", e.url+"/products", newProduct("Same Origin Router"), append(sameOrigin, "Content-Type", "application/x-www-form-urlencoded")...); code != http.StatusSeeOther {
		t.Errorf("UI, same origin: %d", code)
	}

	bearer := append(crossSite[0], "Authorization", "Bearer "+e.token("provider1"), "Content-Type", "application/json")
	if code, _, body := request(t, http.DefaultClient, "POST", e.url+"/api/v1/cases", newCase(), bearer...); code != 201 {
		t.Errorf("bearer token with cross-site headers: %d %s", code, body)
	}
}

// TestSecurityHeaders: every kind of answer carries the security headers;
// HSTS only over TLS.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	signedIn := e.browser()
	request(t, signedIn, "POST", e.url+"/api/v1/login", jsonBody(map[string]string{"username": "office", "password": demo.DefaultPassword}))
	_, _, page := request(t, http.DefaultClient, "GET", e.url+"/register", nil)
	static := regexp.MustCompile(`/static/[0-9a-f]+/style\.css`).FindString(page)
	if static == "" {
		t.Fatal("no stylesheet link on the register page")
	}
	paths := []struct {
		name, path string
		signedIn   bool
		status     int
	}{
		{"API", "/api/v1/openapi.json", false, 200},
		{"Page", "/register", false, 200},
		{"Static", static, false, 200},
		{"APIError", "/api/v1/cases", false, 401},
		{"PageError", "/cases/CSR-2099-9999", true, 404},
		{"UnknownPath", "/no/such/thing", false, 404},
	}
	check := func(t *testing.T, base string, anonymous, signedIn *http.Client, hsts bool) {
		for _, p := range paths {
			c := anonymous
			if p.signedIn {
				c = signedIn
			}
			code, h, _ := request(t, c, "GET", base+p.path, nil)
			if code != p.status {
				t.Errorf("%s: status %d, want %d", p.name, code, p.status)
			}
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("%s: Content-Security-Policy %q", p.name, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("%s: X-Content-Type-Options %q, Referrer-Policy %q", p.name, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != hsts {
				t.Errorf("%s: HSTS %q, want it %v", p.name, h.Get("Strict-Transport-Security"), hsts)
			}
		}
	}
	t.Run("HTTP", func(t *testing.T) { check(t, e.url, http.DefaultClient, signedIn, false) })
	t.Run("TLS", func(t *testing.T) {
		ts := httptest.NewUnstartedServer(e.srv)
		ts.Config = e.srv.HTTPServer()
		ts.StartTLS()
		defer ts.Close()
		signedIn := ts.Client()
		signedIn.Jar, _ = cookiejar.New(nil)
		request(t, signedIn, "POST", ts.URL+"/api/v1/login", jsonBody(map[string]string{"username": "office", "password": demo.DefaultPassword}))
		anonymous := &http.Client{Transport: ts.Client().Transport}
		check(t, ts.URL, anonymous, signedIn, true)
	})
}

// TestBodyLimits: every kind of body over its limit is refused with 413
// naming the limit, and nothing is written.
func TestBodyLimits(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	var c caseDoc
	if code := e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}}, &c); code != 201 {
		t.Fatalf("create case: %d", code)
	}
	countCases := func() int {
		var out struct{ Items []json.RawMessage }
		e.do("provider1", "GET", "/api/v1/cases?limit=100", nil, &out)
		return len(out.Items)
	}
	countMaterials := func() int {
		var cd caseDoc
		e.do("provider1", "GET", "/api/v1/cases/"+c.Number, nil, &cd)
		return len(cd.Materials)
	}
	cases, materials := countCases(), countMaterials()
	big := func(n int) io.Reader { return bytes.NewReader(bytes.Repeat([]byte("x"), n)) }
	tests := []struct {
		name, user, path, ctype string
		body                    io.Reader
		limit                   int
	}{
		{"JSON", "provider1", "/api/v1/cases", "application/json",
			jsonBody(map[string]any{"trigger": "enterprise_application", "summary": strings.Repeat("x", 2<<20)}), 1 << 20},
		{"Calendar", "admin", "/api/v1/calendar", "application/json", big(1<<20 + 1), 1 << 20},
		{"Catalog", "admin", "/api/v1/catalog", "application/json", big(4<<20 + 1), 4 << 20},
		{"Material", "provider1", "/api/v1/cases/" + c.Number + "/materials?filename=big.bin", "application/octet-stream", big(1<<20 + 1), 1 << 20},
		{"VEX", "provider1", "/api/v1/cases/" + c.Number + "/sboms/1/vex", "application/json", big(8<<20 + 1), 8 << 20},
		{"Batch", "", "/api/v1/eligibility/batch", "text/csv", big(32<<20 + 1), 32 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := []string{"Content-Type", tc.ctype, "Accept-Language", "en"}
			if tc.user != "" {
				h = append(h, "Authorization", "Bearer "+e.token(tc.user))
			}
			code, _, body := request(t, http.DefaultClient, "POST", e.url+tc.path, tc.body, h...)
			if code != 413 || errorCode(body) != "body_too_large" || !strings.Contains(body, fmt.Sprint(tc.limit)) {
				t.Fatalf("%d %s", code, body)
			}
		})
	}
	if n := countCases(); n != cases {
		t.Errorf("cases: %d, then %d after refusals", cases, n)
	}
	if n := countMaterials(); n != materials {
		t.Errorf("materials: %d, then %d after refusals", materials, n)
	}
}

// slowTimeouts are short enough for a test to see them act.
var slowTimeouts = server.Timeouts{Header: 2 * time.Second, Read: time.Second, Write: 2 * time.Second, Idle: 5 * time.Second, MinRate: 64 << 10}

// TestSlowClientsCutOff: a client sending its headers a byte a second is
// disconnected before it finishes; an upload that trickles is cut off and
// leaves nothing; an upload that takes longer than the read timeout but
// keeps the minimum rate goes through.
func TestSlowClientsCutOff(t *testing.T) {
	e := newEnvWith(t, storetest.Backends()[0], func(c *server.Config) { c.Timeouts = slowTimeouts })
	host := strings.TrimPrefix(e.url, "http://")

	t.Run("HeadersOneByteASecond", func(t *testing.T) {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		answer := make(chan []byte, 1)
		go func() { b, _ := io.ReadAll(conn); answer <- b }()
		req := "GET /healthz HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: slowloris\r\nAccept: */*\r\n\r\n"
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for sent := 0; ; sent++ {
			if sent == len(req) {
				t.Fatal("the server waited for a whole request sent one byte a second")
			}
			select {
			case b := <-answer:
				if bytes.Contains(b, []byte(" 200 ")) {
					t.Fatalf("the server answered the slow request: %q", b)
				}
				return // disconnected before the headers were complete
			case <-tick.C:
				conn.Write([]byte{req[sent]})
			}
		}
	})

	var c caseDoc
	if code := e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}}, &c); code != 201 {
		t.Fatalf("create case: %d", code)
	}
	upload := func(name string, body io.Reader, size int64) (int, string, error) {
		req, _ := http.NewRequest("POST", e.url+"/api/v1/cases/"+c.Number+"/materials?filename="+name, body)
		req.ContentLength = size
		req.Header.Set("Authorization", "Bearer "+e.token("provider1"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}

	t.Run("TricklingUpload", func(t *testing.T) {
		// 100 B/s, far under the minimum rate.
		code, body, err := upload("slow.bin", &pacedReader{left: 100_000, rate: 100}, 100_000)
		if err == nil && (code != http.StatusRequestTimeout || errorCode(body) != "body_too_slow") {
			t.Fatalf("a trickling upload: %d %s", code, body)
		}
		var cd caseDoc
		e.do("provider1", "GET", "/api/v1/cases/"+c.Number, nil, &cd)
		if len(cd.Materials) != 0 {
			t.Fatalf("a cut-off upload left a material: %+v", cd.Materials)
		}
	})

	t.Run("SteadyUploadLongerThanReadTimeout", func(t *testing.T) {
		// 640 KiB/s for about 1.4 s: longer than the read timeout, faster
		// than the minimum rate.
		const size = 900 << 10
		code, body, err := upload("steady.bin", &pacedReader{left: size, rate: 640 << 10}, size)
		if err != nil || code != 201 {
			t.Fatalf("a steady upload: %d %s %v", code, body, err)
		}
	})
}

// pacedReader yields left bytes at rate bytes/s, in small reads.
type pacedReader struct {
	left  int
	rate  float64
	start time.Time
	sent  int
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	n := min(len(b), p.left, max(1, int(p.rate/10)))
	for i := range n {
		b[i] = 'x'
	}
	p.left -= n
	p.sent += n
	time.Sleep(time.Until(p.start.Add(time.Duration(float64(p.sent) / p.rate * float64(time.Second)))))
	return n, nil
}
