package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/blob"
	"shencha/internal/demo"
	"shencha/internal/server"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// startServer runs the real server on 127.0.0.1:0 over a fresh SQLite
// database with the demo seed (every case at its stage, results published
// and sequenced into the log) and returns its URL.
func startServer(t *testing.T) string {
	t.Helper()
	return startServerWith(t, 0)
}

// startServerWith is startServer with a blob store for uploads and the
// server's upload limit (0: the server's default).
func startServerWith(t *testing.T, maxUpload int64) string {
	t.Helper()
	base, _ := startDemo(t, maxUpload)
	return base
}

// startDemo is startServerWith that also returns the seed's fixture: its
// ids and the demo signers' private keys.
func startDemo(t *testing.T, maxUpload int64) (string, *demo.Fixture) {
	t.Helper()
	base, f, _ := startDemoStore(t, maxUpload)
	return base, f
}

// startDemoStore is startDemo that also returns the server's store, for a
// test that runs what `serve` runs beside the server (the log sequencer).
func startDemoStore(t *testing.T, maxUpload int64) (string, *demo.Fixture, *store.Store) {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t, storetest.Backends()[0])
	f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedCases(ctx, s, f); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sequence(ctx, 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kr, err := blob.OpenKeyring(filepath.Join(dir, "master.keys"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewEncrypted(filepath.Join(dir, "blobs"), kr)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: s, Blobs: blobs, MaxUpload: maxUpload, Demo: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv) // listens on 127.0.0.1:0
	t.Cleanup(ts.Close)
	return ts.URL, f, s
}

// client is a browser-like HTTP client: it keeps cookies and does not
// follow redirects, so tests see them.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values, header ...string) (int, http.Header, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return c.send(req, header...)
}

// send sends a request with the headers (name, value pairs) and reads the answer.
func (c *client) send(req *http.Request, header ...string) (int, http.Header, string) {
	c.t.Helper()
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (c *client) login(user string) {
	c.t.Helper()
	code, h, _ := c.do("POST", "/login", url.Values{"username": {user}, "password": {demo.DefaultPassword}, "next": {"/"}})
	if code != http.StatusSeeOther || h.Get("Location") != "/dashboard" {
		c.t.Fatalf("login %s: %d → %q", user, code, h.Get("Location"))
	}
}

func TestPages(t *testing.T) {
	base := startServer(t)

	t.Run("RegisterPublic", func(t *testing.T) {
		c := newClient(t, base)
		code, h, body := c.do("GET", "/register?purl="+url.QueryEscape("pkg:generic/huaxin/hx-9000@3.1.0"), nil)
		if code != 200 || !strings.Contains(body, "status-passed") || !strings.Contains(body, `href="/results/`) {
			t.Fatalf("%d %s", code, body)
		}
		if h.Get("Content-Language") != "zh-CN" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("headers: %v", h)
		}
		// The failed result is published to the parties only: the public
		// learns nothing of it but the Art. 10 mark, if anything.
		_, _, body = c.do("GET", "/register?product=Object+Storage", nil)
		if strings.Contains(body, "status-failed") {
			t.Error("a parties-only failure shows to the public")
		}
	})

	t.Run("BadPURLShownBesideTheForm", func(t *testing.T) {
		code, _, body := newClient(t, base).do("GET", "/register?purl=hx-9000", nil, "Accept-Language", "en")
		if code != 400 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "purl") {
			t.Fatalf("%d %s", code, body)
		}
	})

	t.Run("ResultVerifies", func(t *testing.T) {
		code, _, body := newClient(t, base).do("GET", "/results/1", nil, "Accept-Language", "en")
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		if n := strings.Count(body, `<li class="passed">`); n != 3 {
			t.Errorf("%d checks passed, want 3:\n%s", n, body)
		}
		if !strings.Contains(body, `id="verify-verdict" class="passed"`) {
			t.Error("no overall verdict")
		}
	})

	t.Run("ResultOutOfScopeIs404", func(t *testing.T) {
		// Listing 3 is the parties-only failure of CSR-2026-0007.
		code, _, body := newClient(t, base).do("GET", "/results/3", nil)
		if code != 404 {
			t.Fatalf("%d %s", code, body)
		}
	})

	t.Run("SignedOutGoesToLogin", func(t *testing.T) {
		code, h, _ := newClient(t, base).do("GET", "/dashboard", nil)
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
			t.Fatalf("%d %q", code, h.Get("Location"))
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		code, h, body := newClient(t, base).do("POST", "/login", url.Values{"username": {"office"}, "password": {"nope"}})
		if code != 401 || h.Get("Set-Cookie") != "" || !strings.Contains(body, `role="alert"`) {
			t.Fatalf("%d %v", code, h)
		}
	})

	t.Run("CrossOriginLoginRefused", func(t *testing.T) {
		code, _, _ := newClient(t, base).do("POST", "/login", url.Values{"username": {"office"}, "password": {demo.DefaultPassword}},
			"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if code != 403 {
			t.Fatalf("cross-origin sign-in: %d", code)
		}
	})

	t.Run("SessionCookie", func(t *testing.T) {
		c := newClient(t, base)
		_, h, _ := c.do("POST", "/login", url.Values{"username": {"office"}, "password": {demo.DefaultPassword}})
		ck := h.Get("Set-Cookie")
		for _, want := range []string{"shencha_session=", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(ck, want) {
				t.Errorf("cookie %q lacks %s", ck, want)
			}
		}
		c.do("POST", "/logout", url.Values{})
		if code, _, _ := c.do("GET", "/dashboard", nil); code != http.StatusSeeOther {
			t.Errorf("after sign-out the dashboard answered %d", code)
		}
	})

	t.Run("OfficeDashboardAndCase", func(t *testing.T) {
		c := newClient(t, base)
		c.login("office")
		code, _, body := c.do("GET", "/dashboard", nil)
		if code != 200 || !strings.Contains(body, "<svg") || !strings.Contains(body, `href="/cases/CSR-2026-0002"`) {
			t.Fatalf("%d %s", code, body)
		}
		code, _, body = c.do("GET", "/cases/CSR-2026-0004", nil)
		if code != 200 || !strings.Contains(body, `id="action-mark_important"`) {
			t.Fatalf("%d %s", code, body)
		}
		// The button works: the action is taken and shows in the timeline.
		code, h, _ := c.do("POST", "/cases/CSR-2026-0004/actions/mark_important", url.Values{})
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cases/CSR-2026-0004") {
			t.Fatalf("action: %d %q", code, h.Get("Location"))
		}
		_, _, body = c.do("GET", "/cases/CSR-2026-0004", nil, "Accept-Language", "en")
		if !strings.Contains(body, "mark important") || strings.Contains(body, `id="action-mark_important"`) {
			t.Errorf("after marking important:\n%s", body)
		}
		// An action the table does not offer now is refused on the page.
		code, _, body = c.do("POST", "/cases/CSR-2026-0004/actions/publish", url.Values{"scope": {"public"}})
		if code != 409 || !strings.Contains(body, `role="alert"`) {
			t.Errorf("publish in expert assessment: %d", code)
		}
	})

	t.Run("ProviderNotPartyGets404", func(t *testing.T) {
		c := newClient(t, base)
		c.login("provider2") // Lanyun: not the provider of the Huaxin router
		code, _, body := c.do("GET", "/cases/CSR-2026-0001", nil)
		if code != 404 || strings.Contains(body, "HX-9000") {
			t.Fatalf("%d %s", code, body)
		}
		code, _, _ = c.do("POST", "/cases/CSR-2026-0004/actions/withdraw", url.Values{})
		if code != 404 {
			t.Errorf("action on an unseen case: %d", code)
		}
	})

	t.Run("StaticCachedByHash", func(t *testing.T) {
		c := newClient(t, base)
		_, _, body := c.do("GET", "/login", nil)
		i := strings.Index(body, "/static/")
		if i < 0 {
			t.Fatal("no static URL")
		}
		u := body[i : i+strings.IndexByte(body[i:], '"')]
		code, h, _ := c.do("GET", u, nil)
		if code != 200 || !strings.Contains(h.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %q", u, code, h.Get("Cache-Control"))
		}
		if code, _, _ := c.do("GET", "/static/000000000000/style.css", nil); code != 404 {
			t.Errorf("stale hash: %d", code)
		}
	})

	t.Run("APIUnchanged", func(t *testing.T) {
		code, h, _ := newClient(t, base).do("GET", "/api/v1/cases", nil)
		if code != 401 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Errorf("/api/v1/cases signed out: %d %s", code, h.Get("Content-Type"))
		}
	})
}
