package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shencha/internal/demo"
	"shencha/internal/store"
)

// TestLoginLockedPage: after five wrong passwords the sign-in page says,
// in the visitor's language, that the account is locked and for how long,
// with Retry-After; even the right password does not get in meanwhile.
func TestLoginLockedPage(t *testing.T) {
	base := startServer(t)
	c := newClient(t, base)
	for range store.LockAfter {
		if code, _, _ := c.do("POST", "/login", url.Values{"username": {"office"}, "password": {"nope"}}); code != 401 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	code, h, body := c.do("POST", "/login", url.Values{"username": {"office"}, "password": {demo.DefaultPassword}})
	if code != http.StatusTooManyRequests || h.Get("Retry-After") != "30" || h.Get("Set-Cookie") != "" {
		t.Fatalf("locked: %d Retry-After %q Set-Cookie %q", code, h.Get("Retry-After"), h.Get("Set-Cookie"))
	}
	if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "请在 30 秒后重试") || !strings.Contains(body, `value="office"`) {
		t.Errorf("the page does not say the account is locked, in Chinese, keeping the name:\n%s", body)
	}
	_, _, body = c.do("POST", "/login", url.Values{"username": {"office"}, "password": {demo.DefaultPassword}}, "Accept-Language", "en")
	if !strings.Contains(body, "try again in 30 seconds") {
		t.Errorf("no English message:\n%s", body)
	}
}

// TestLoginRotatesSession: signing in again in the same browser ends the
// session it held.
func TestLoginRotatesSession(t *testing.T) {
	base := startServer(t)
	c := newClient(t, base)
	c.login("office")
	u, _ := url.Parse(base)
	old := c.http.Jar.Cookies(u)
	c.login("office")
	stale := newClient(t, base)
	stale.http.Jar.SetCookies(u, old)
	if code, h, _ := stale.do("GET", "/dashboard", nil); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("the session signed in over still works: %d %q", code, h.Get("Location"))
	}
	if code, _, _ := c.do("GET", "/dashboard", nil); code != 200 {
		t.Errorf("the new session: %d", code)
	}
}

// TestFormLimits: a form over the body limit, or an upload form whose other
// fields take it over the upload limit, is refused with 413 naming the
// limit, and nothing is written.
func TestFormLimits(t *testing.T) {
	base := startServerWith(t, 1<<20)
	c := newClient(t, base)
	c.login("provider1")

	code, _, body := c.do("POST", "/products", url.Values{"name": {"Huge " + strings.Repeat("x", 2<<20)}, "category": {"core_network_equipment"}})
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "1048576") || !strings.Contains(body, `role="alert"`) {
		t.Fatalf("an oversized form: %d %s", code, body)
	}
	if _, _, body := c.do("GET", "/products", nil); strings.Contains(body, "Huge ") {
		t.Error("a refused form created a product")
	}

	// 3 MiB of another field before a small file: over 1 MiB (the file
	// limit) plus 1 MiB (the rest of the form).
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("label", "confidential")
	mw.WriteField("padding", strings.Repeat("x", 3<<20))
	fw, _ := mw.CreateFormFile("file", "small.bin")
	fw.Write([]byte("small"))
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/cases/CSR-2026-0002/materials", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "2097152") || !strings.Contains(string(b), `id="upload-error"`) {
		t.Fatalf("an oversized upload form: %d %s", resp.StatusCode, b)
	}
	if _, _, body := c.do("GET", "/cases/CSR-2026-0002", nil); strings.Contains(body, "small.bin") {
		t.Error("a refused upload form left a material")
	}
}

// TestRegisterPageRateLimited: the register's page asks what the API's
// eligibility route does, so an anonymous client is limited there too,
// and told so on a page in its language, with Retry-After.
func TestRegisterPageRateLimited(t *testing.T) {
	base := startServer(t)
	c := newClient(t, base)
	limited := 0
	for range 100 {
		code, h, body := c.do("GET", "/register?q=hx-9000", nil)
		if code == http.StatusTooManyRequests {
			limited++
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || h.Get("Retry-After") == "" || !strings.Contains(body, "请求过于频繁") {
				t.Fatalf("429 page: %s Retry-After %q\n%s", h.Get("Content-Type"), h.Get("Retry-After"), body)
			}
		} else if code != 200 {
			t.Fatalf("register page: %d", code)
		}
	}
	if limited < 40 {
		t.Fatalf("only %d of 100 quick anonymous page views limited", limited)
	}
	if code, _, _ := c.do("GET", "/healthz", nil); code != 200 {
		t.Fatalf("healthz limited: %d", code)
	}
}
