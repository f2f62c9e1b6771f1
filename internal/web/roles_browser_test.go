package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCIIOChecksEligibility: the CIIO checks a purl from the demo
// on its eligibility page and sees the register's status. Screenshots of
// the CIIO's, the CII department's and the admin's pages in both languages.
func TestBrowserCIIOChecksEligibility(t *testing.T) {
	ctx, base := browser(t), startServer(t)
	dir := artifacts(t)
	signIn(t, ctx, base, "ciio")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#nav-eligibility")),
		chromedp.WaitVisible(chromedp.CSS("#eligibility-form")),
		chromedp.SendKeys(chromedp.CSS("#purl"), "pkg:generic/huaxin/hx-9000@3.1.0"),
		chromedp.Click(chromedp.CSS("#eligibility-submit")),
		chromedp.WaitVisible(chromedp.CSS("#eligibility-results")),
	)
	if got := text(t, ctx, "#eligibility-results"); !strings.Contains(got, "HX-9000") || !strings.Contains(got, "通过") {
		t.Errorf("the register's answer:\n%s", got)
	}
	screenshot(t, ctx, dir, "eligibility.zh-CN")
	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#eligibility-results"); !strings.Contains(got, "passed") {
		t.Errorf("the register's answer in English:\n%s", got)
	}
	screenshot(t, ctx, dir, "eligibility.en")
	do(t, ctx, chromedp.Click(chromedp.CSS("#declare-this")), chromedp.WaitVisible(chromedp.CSS("#declare-form")))
	screenshot(t, ctx, dir, "declare.en")
	switchLanguage(t, ctx, "zh-CN")
	screenshot(t, ctx, dir, "declare.zh-CN")

	for _, u := range []struct{ user, path, wait, name string }{
		{"cii", "/determinations", "#awaiting-list", "determinations"},
		{"admin", "/admin/orgs", "#org-list", "admin-orgs"},
		{"admin", "/admin/users", "#user-list", "admin-users"},
		{"admin", "/admin/accreditations", "#accreditation-list", "admin-accreditations"},
	} {
		signInTo(t, ctx, base, u.user, u.path, u.wait)
		for _, lang := range []string{"zh-CN", "en"} {
			do(t, ctx, chromedp.Navigate(base+u.path+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS(u.wait)))
			screenshot(t, ctx, dir, u.name+"."+lang)
		}
	}
}
