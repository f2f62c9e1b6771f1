package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestRolePages: the CIIO's, the CII department's and the admin's pages
// show their demo data to their role only.
func TestRolePages(t *testing.T) {
	base := startServer(t)
	as := func(user string) *client {
		c := newClient(t, base)
		c.login(user)
		return c
	}
	pages := map[string]string{ // page → the one role's demo user
		"/eligibility": "ciio", "/procurements/new": "ciio", "/determinations": "cii",
		"/admin/orgs": "admin", "/admin/users": "admin", "/admin/accreditations": "admin",
	}
	t.Run("OnlyForTheirRole", func(t *testing.T) {
		for page, owner := range pages {
			for _, user := range []string{"office", "provider1", "ciio", "cii", "admin"} {
				code, _, _ := as(user).do("GET", page, nil)
				if want := map[bool]int{true: 200, false: 403}[user == owner]; code != want {
					t.Errorf("%s as %s: %d, want %d", page, user, code, want)
				}
			}
		}
		if code, _, _ := newClient(t, base).do("GET", "/eligibility", nil); code != 303 {
			t.Errorf("signed out: %d, want a redirect to sign in", code)
		}
	})

	t.Run("CIIOChecksEligibility", func(t *testing.T) {
		c := as("ciio")
		code, _, body := c.do("GET", "/eligibility?purl="+url.QueryEscape("pkg:generic/huaxin/hx-9000@3.1.0"), nil, "Accept-Language", "en")
		res := section(body, `id="eligibility-results"`, "</section>")
		if code != 200 || !strings.Contains(res, "HX-9000") || !strings.Contains(res, "status-passed") || !strings.Contains(res, `href="/cases/CSR-2026-0001"`) {
			t.Fatalf("%d %s", code, body)
		}
		if !strings.Contains(body, `id="nav-eligibility"`) || !strings.Contains(body, `id="nav-declare"`) {
			t.Error("no header links for the CIIO")
		}
		// The failed object storage is published to the parties only: the
		// CIIO learns it must not be procured, not the result.
		_, _, body = c.do("GET", "/eligibility?product=Object+Storage", nil, "Accept-Language", "en")
		res = section(body, `id="eligibility-results"`, "</section>")
		if !strings.Contains(res, "must-not") || strings.Contains(res, "status-failed") {
			t.Errorf("object storage:\n%s", res)
		}
		if code, _, body := c.do("GET", "/eligibility?purl=nonsense", nil, "Accept-Language", "en"); code != 400 || !strings.Contains(body, `id="page-error"`) {
			t.Errorf("a malformed purl: %d", code)
		}
	})

	t.Run("CIIODeclares", func(t *testing.T) {
		c := as("ciio")
		form := url.Values{"purl": {"pkg:generic/huaxin/hx-9000@3.1.0"}, "description": {""}, "contract_ref": {"NGP-2026-200"}}
		code, _, body := c.do("POST", "/procurements", form, "Accept-Language", "en")
		if code != 400 || !strings.Contains(body, "NGP-2026-200") || !strings.Contains(body, `id="page-error"`) {
			t.Fatalf("without a description: %d %s", code, body)
		}
		form.Set("purl", "pkg:generic/nobody/nothing@1")
		form.Set("description", "Substation routers")
		if code, _, body := c.do("POST", "/procurements", form, "Accept-Language", "en"); code != 400 || !strings.Contains(body, "No product version has this package URL") {
			t.Fatalf("unknown purl: %d %s", code, section(body, `id="page-error"`, "</p>"))
		}
		form.Set("purl", "pkg:generic/huaxin/hx-9000@3.1.0")
		code, hdr, _ := c.do("POST", "/procurements", form)
		loc := hdr.Get("Location")
		if code != 303 || !strings.HasPrefix(loc, "/cases/CSR-2026-") {
			t.Fatalf("declare: %d %q", code, loc)
		}
		code, _, body = c.do("GET", loc, nil, "Accept-Language", "en")
		if code != 200 || !strings.Contains(body, "Substation routers") || !strings.Contains(body, "/actions/declare") {
			t.Fatalf("the new case: %d %s", code, body)
		}
		number := strings.TrimPrefix(loc, "/cases/")
		if code, _, _ := c.do("POST", loc+"/actions/declare", url.Values{}); code != 303 {
			t.Fatalf("declare action: %d", code)
		}
		// It is now the CII department's to determine.
		_, _, body = as("cii").do("GET", "/determinations", nil, "Accept-Language", "en")
		if !strings.Contains(section(body, `id="awaiting"`, `id="others"`), number) {
			t.Errorf("%s does not await the CII department:\n%s", number, body)
		}
		if code, _, _ := as("provider1").do("POST", "/procurements", form); code != 403 {
			t.Errorf("a provider declaring: %d", code)
		}
	})

	t.Run("CIIDeterminations", func(t *testing.T) {
		_, _, body := as("cii").do("GET", "/determinations", nil, "Accept-Language", "en")
		awaiting := section(body, `id="awaiting"`, `id="others"`)
		if !strings.Contains(awaiting, `href="/cases/CSR-2026-0003"`) || !strings.Contains(awaiting, "Lanyun Government Cloud") {
			t.Errorf("0003 does not await the CII department:\n%s", body)
		}
		if strings.Contains(body, "CSR-2026-0002") || !strings.Contains(body, `id="nav-determinations"`) {
			t.Error("a case outside the CIIO route shows, or no header link")
		}
	})

	t.Run("Admin", func(t *testing.T) {
		c := as("admin")
		_, _, body := c.do("GET", "/admin/orgs", nil, "Accept-Language", "en")
		if !strings.Contains(body, "Northern Grid Power Co., Ltd.") || !strings.Contains(body, "CII operator") || !strings.Contains(body, "energy") {
			t.Errorf("orgs:\n%s", body)
		}
		_, _, body = c.do("GET", "/admin/users", nil, "Accept-Language", "en")
		if !strings.Contains(body, "<td>provider1</td>") || !strings.Contains(body, "<td>cii</td>") || !strings.Contains(body, `id="nav-accreditations"`) {
			t.Errorf("users:\n%s", body)
		}
		_, _, body = c.do("GET", "/admin/accreditations", nil, "Accept-Language", "zh-CN")
		if !strings.Contains(body, `id="accreditation-list"`) || !strings.Contains(body, "实验室检测") {
			t.Errorf("accreditations:\n%s", body)
		}
	})
}
