package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// upload posts a file with the case page's form, as a browser without
// JavaScript would; an empty name sends the form with no file chosen.
func (c *client) upload(number, name string, content []byte) (int, http.Header, string) {
	c.t.Helper()
	return c.multipart("/cases/"+number+"/materials", []string{"label", "confidential"}, "file", name, content)
}

var productLink = regexp.MustCompile(`href="/products/(\d+)">Huaxin TideDB`)

func TestProviderPortal(t *testing.T) {
	base := startServer(t)

	t.Run("OwnProductsOnly", func(t *testing.T) {
		c := newClient(t, base)
		c.login("provider1")
		code, _, body := c.do("GET", "/products", nil, "Accept-Language", "en")
		if code != 200 || !strings.Contains(body, "TideDB") || !strings.Contains(body, `href="/cases/CSR-2026-0002"`) {
			t.Fatalf("%d %s", code, body)
		}
		// The published pass of the HX-9000 links to its result page.
		if !strings.Contains(body, `href="/results/1"`) {
			t.Error("no link to the published result")
		}
		if strings.Contains(body, "Lanyun") {
			t.Error("another provider's product or case shows")
		}
		m := productLink.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no link to the TideDB product page")
		}
		if code, _, body := c.do("GET", "/products/"+m[1], nil); code != 200 || !strings.Contains(body, "5.0.2") {
			t.Errorf("own product page: %d", code)
		}

		other := newClient(t, base)
		other.login("provider2")
		code, _, body = other.do("GET", "/products", nil)
		if code != 200 || strings.Contains(body, "TideDB") || !strings.Contains(body, "Lanyun") {
			t.Fatalf("provider2: %d %s", code, body)
		}
		if code, _, body := other.do("GET", "/products/"+m[1], nil); code != 404 || strings.Contains(body, "TideDB") {
			t.Errorf("another provider's product page: %d", code)
		}
		if code, _, _ := other.do("POST", "/products/"+m[1]+"/apply", url.Values{"version_id": {"1"}}); code != 404 {
			t.Errorf("applying for another provider's product: %d", code)
		}
	})

	t.Run("NotForOtherRoles", func(t *testing.T) {
		c := newClient(t, base)
		c.login("office")
		if code, _, _ := c.do("GET", "/products", nil); code != 403 {
			t.Errorf("office: %d", code)
		}
		if code, h, _ := newClient(t, base).do("GET", "/products", nil); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("signed out: %d %q", code, h.Get("Location"))
		}
	})

	t.Run("AddProductVersionApply", func(t *testing.T) {
		c := newClient(t, base)
		c.login("provider1")
		code, h, body := c.do("POST", "/products", url.Values{"name": {"Huaxin Edge Firewall"}, "category": {"core_network_equipment"}})
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/products/") {
			t.Fatalf("create product: %d %q %s", code, h.Get("Location"), body)
		}
		prod := h.Get("Location")
		// A malformed purl is refused beside the form, naming the field,
		// and what was typed stays in the form.
		code, _, body = c.do("POST", prod+"/versions", url.Values{"version": {"1.0.0"}, "purl": {"firewall-1.0"}}, "Accept-Language", "en")
		if code != 400 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "purl") || !strings.Contains(body, `value="firewall-1.0"`) {
			t.Fatalf("bad purl: %d %s", code, body)
		}
		code, _, _ = c.do("POST", prod+"/versions", url.Values{"version": {"1.0.0"}, "purl": {"pkg:generic/huaxin/edge-firewall@1.0.0"},
			"cpe": {"cpe:2.3:h:huaxin:edge-firewall:1.0.0:*:*:*:*:*:*:*"}, "artifact_sha256": {"sha256:" + strings.Repeat("ab", 32)}})
		if code != http.StatusSeeOther {
			t.Fatalf("add version: %d", code)
		}
		_, _, body = c.do("GET", prod, nil)
		m := regexp.MustCompile(`name="version_id" value="(\d+)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "pkg:generic/huaxin/edge-firewall@1.0.0") || !strings.Contains(body, strings.Repeat("ab", 32)) {
			t.Fatalf("version not listed:\n%s", body)
		}
		code, h, _ = c.do("POST", prod+"/apply", url.Values{"version_id": {m[1]}})
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cases/CSR-") {
			t.Fatalf("apply: %d %q", code, h.Get("Location"))
		}
		number := strings.TrimPrefix(h.Get("Location"), "/cases/")
		code, _, body = c.do("GET", "/cases/"+number, nil, "Accept-Language", "en")
		if code != 200 || !strings.Contains(body, `id="case-state">draft`) || !strings.Contains(body, "Huaxin Edge Firewall") || !strings.Contains(body, `id="action-submit"`) {
			t.Fatalf("new case: %d %s", code, body)
		}
		// The new case is listed among the provider's cases.
		if _, _, body := c.do("GET", "/products", nil); !strings.Contains(body, `href="/cases/`+number+`"`) {
			t.Error("the new case is not listed in the portal")
		}
	})

	t.Run("UploadWithoutJavaScript", func(t *testing.T) {
		c := newClient(t, base)
		c.login("provider1")
		content := bytes.Repeat([]byte("shencha "), 4096)
		code, h, body := c.upload("CSR-2026-0002", "sbom.spdx.json", content)
		if code != http.StatusSeeOther || h.Get("Location") != "/cases/CSR-2026-0002#materials" {
			t.Fatalf("upload: %d %q %s", code, h.Get("Location"), body)
		}
		_, _, body = c.do("GET", "/cases/CSR-2026-0002", nil)
		if !strings.Contains(body, "sbom.spdx.json (32768 B") {
			t.Errorf("material not listed:\n%s", body)
		}
		// No file chosen: refused naming the field.
		code, _, body = c.upload("CSR-2026-0002", "", nil)
		if code != 400 || !strings.Contains(body, `id="upload-error"`) || !strings.Contains(body, "文件") {
			t.Errorf("no file: %d %s", code, body)
		}
		// A provider not party to the case learns nothing of it.
		other := newClient(t, base)
		other.login("provider2")
		if code, _, body := other.upload("CSR-2026-0002", "x.txt", []byte("x")); code != 404 || strings.Contains(body, "TideDB") {
			t.Errorf("upload by a provider not party: %d", code)
		}
		// A case in a state without uploads shows no upload form.
		if _, _, body := c.do("GET", "/cases/CSR-2026-0001", nil); strings.Contains(body, `id="upload-form"`) {
			t.Error("upload form on a published case")
		}
	})
}

// TestUploadTooLarge: over the server's limit the upload is refused with
// the field and the limit named, and nothing is recorded on the case.
func TestUploadTooLarge(t *testing.T) {
	base := startServerWith(t, 1<<20)
	c := newClient(t, base)
	c.login("provider1")
	code, _, body := c.upload("CSR-2026-0002", "big.bin", make([]byte, 2<<20))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, `id="upload-error"`) || !strings.Contains(body, "1048576") {
		t.Fatalf("%d %s", code, body)
	}
	if !regexp.MustCompile(`id="upload-error">文件：`).MatchString(body) {
		t.Errorf("the refusal does not name the field:\n%s", body)
	}
	if strings.Contains(body, "big.bin") {
		t.Error("a refused file is listed")
	}
	code, h, _ := c.upload("CSR-2026-0002", "small.bin", make([]byte, 1000))
	if code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "#materials") {
		t.Errorf("a file under the limit: %d", code)
	}
}
