package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminCreatesOrgAndUser: the admin adds a lab through the
// organisations form (after a refusal that names the field), then a user
// of that lab through the users form, and the new user signs in.
// Screenshots of the admin's new pages and the office's intake queue in
// both languages.
func TestBrowserAdminCreatesOrgAndUser(t *testing.T) {
	ctx, base := browser(t), startServer(t)
	dir := artifacts(t)
	signInTo(t, ctx, base, "admin", "/admin/orgs", "#org-form")

	// A sector regulator needs its sector: refused, the name kept.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#org-name"), "Western Test Lab"),
		chromedp.SetValue(chromedp.CSS("#org-kind"), "sector_regulator"),
		chromedp.Click(chromedp.CSS("#org-submit")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
	)
	if got := text(t, ctx, "#page-error"); !strings.Contains(got, "所属行业") && !strings.Contains(got, "行业") {
		t.Errorf("the refusal does not name the sector: %q", got)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#org-name"))); err != nil || v != "Western Test Lab" {
		t.Errorf("the name typed is lost: %q %v", v, err)
	}
	screenshot(t, ctx, dir, "admin-org-refused.zh-CN")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#org-kind"), "lab"),
		chromedp.Click(chromedp.CSS("#org-submit")),
		chromedp.WaitVisible(chromedp.Search(`//table[@id="org-list"]//td[text()="Western Test Lab"]`)),
	)
	if got := text(t, ctx, "#org-list tbody tr:last-child"); !strings.Contains(got, "Western Test Lab") {
		t.Fatalf("the new organisation is not listed last: %q", got)
	}

	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-users")), chromedp.WaitVisible(chromedp.CSS("#user-form")))
	// The new organisation is the last offered (by id); the user's row
	// below shows it was the one chosen.
	org, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#user-org option:last-child"), "value"))
	if err != nil || !org.Exists {
		t.Fatalf("the organisation choice: %+v %v", org, err)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#user-username"), "westlab"),
		chromedp.SendKeys(chromedp.CSS("#user-display-name"), "Western tester"),
		chromedp.SetValue(chromedp.CSS("#user-org"), org.Value),
		chromedp.SetValue(chromedp.CSS("#user-role"), "lab"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), "western-secret"),
		chromedp.Click(chromedp.CSS("#user-submit")),
		chromedp.WaitVisible(chromedp.Search(`//table[@id="user-list"]//td[text()="westlab"]`)),
	)
	if got := text(t, ctx, "#user-list tbody tr:last-child"); !strings.Contains(got, "westlab") || !strings.Contains(got, "Western Test Lab") {
		t.Fatalf("the new user is not listed last: %q", got)
	}
	screenshot(t, ctx, dir, "admin-users.zh-CN")
	switchLanguage(t, ctx, "en")
	screenshot(t, ctx, dir, "admin-users.en")
	for _, p := range []struct{ path, wait, name string }{
		{"/admin/orgs", "#org-form", "admin-orgs-form"},
		{"/admin/ties", "#tie-form", "admin-ties"},
		{"/admin/calendar", "#calendar-form", "admin-calendar"},
		{"/catalog", "#catalog-form", "admin-catalog"},
		{"/keys", "#signer-list", "admin-keys"},
	} {
		for _, lang := range []string{"zh-CN", "en"} {
			do(t, ctx, chromedp.Navigate(base+p.path+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS(p.wait)))
			screenshot(t, ctx, dir, p.name+"."+lang)
		}
	}

	// The new user signs in with the password the admin set.
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "westlab"),
		chromedp.SendKeys(chromedp.CSS("#password"), "western-secret"),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#nav-work")),
	)
	if got := text(t, ctx, ".who span"); !strings.Contains(got, "westlab") {
		t.Errorf("signed in as %q", got)
	}

	signInTo(t, ctx, base, "office", "/intake", "#intake-total")
	for _, lang := range []string{"zh-CN", "en"} {
		do(t, ctx, chromedp.Navigate(base+"/intake?lang="+lang), chromedp.WaitVisible(chromedp.CSS("#intake-total")))
		screenshot(t, ctx, dir, "intake."+lang)
		do(t, ctx, chromedp.Navigate(base+"/dashboard?lang="+lang), chromedp.WaitVisible(chromedp.CSS("#months-chart")))
		screenshot(t, ctx, dir, "dashboard-months."+lang)
	}
}
