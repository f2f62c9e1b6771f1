package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shencha/internal/demo"
)

// Browser tests drive the real server in a real headless Chromium. Without
// Chromium they skip, except under CI=true, where they fail: CI installs
// it (.ci/run).

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium whose language is Chinese, as a
// reviewer's in China would be, and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed: the browser tests must run under CI=true (apt-get install chromium)")
		}
		t.Skip("browser tests skipped: no chromium on PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 900),
		chromedp.Flag("accept-lang", "zh-CN,zh"), chromedp.Flag("lang", "zh-CN"))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	// A bound on a hung browser, not a timing assertion.
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	return ctx
}

// artifacts is where screenshots go: SHENCHA_ARTIFACTS, else the test's
// temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("SHENCHA_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page as a PNG (quality 100 is PNG in chromedp).
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.DefaultPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#case-list")),
	)
}

// signInTo signs in through the sign-in page with the way back to path,
// and waits for wait there (signIn waits for the dashboard's case list,
// which an admin's dashboard has not).
func signInTo(t *testing.T, ctx context.Context, base, user, path, wait string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/login?next="+path),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.DefaultPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(wait)),
	)
}

// switchLanguage presses the header's language button and waits for the
// page to come back in the other language.
func switchLanguage(t *testing.T, ctx context.Context, to string) {
	t.Helper()
	do(t, ctx, chromedp.Click(chromedp.CSS("#lang-switch button")), chromedp.WaitVisible(chromedp.CSS(`html[lang="`+to+`"] main`)))
}

// TestBrowserOfficeOpensCase: the office signs in, sees the dashboard,
// opens a case from it and reads its timeline. Screenshots of both pages
// in both languages.
func TestBrowserOfficeOpensCase(t *testing.T) {
	ctx, base, dir := browser(t), startServer(t), ""
	dir = artifacts(t)
	signIn(t, ctx, base, "office")
	if got := text(t, ctx, "h1"); got != "工作台" {
		t.Errorf("dashboard title %q", got)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("svg.chart rect.bar")))
	screenshot(t, ctx, dir, "dashboard.zh-CN")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#case-list a[href="/cases/CSR-2026-0002"]`)),
		chromedp.WaitVisible(chromedp.CSS("#timeline-list")),
	)
	if got := text(t, ctx, "#case-number"); got != "CSR-2026-0002" {
		t.Errorf("case page shows %q", got)
	}
	if got := text(t, ctx, "#case-state"); got != "评估中" {
		t.Errorf("state %q, want 评估中 (evaluation)", got)
	}
	timeline := text(t, ctx, "#timeline-list")
	for _, want := range []string{"立案", "受理", "开始评估", "office"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	screenshot(t, ctx, dir, "case.zh-CN")

	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#case-state"); got != "evaluation" {
		t.Errorf("state in English %q", got)
	}
	if tl := text(t, ctx, "#timeline-list"); !strings.Contains(tl, "begin evaluation") {
		t.Errorf("English timeline:\n%s", tl)
	}
	screenshot(t, ctx, dir, "case.en")
	do(t, ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#case-list")))
	screenshot(t, ctx, dir, "dashboard.en")
}

// TestBrowserProviderNotParty: a provider who is not party to a case gets
// the not-found page for it, with nothing of the case on it.
func TestBrowserProviderNotParty(t *testing.T) {
	ctx, base := browser(t), startServer(t)
	signIn(t, ctx, base, "provider2")
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/cases/CSR-2026-0001"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 404 {
		t.Errorf("status %d, want 404", resp.Status)
	}
	page := text(t, ctx, "main")
	if strings.Contains(page, "HX-9000") || strings.Contains(page, "CSR-2026-0001") {
		t.Errorf("the refusal reveals the case:\n%s", page)
	}
	if got := text(t, ctx, "h1"); got != "无法显示此页面" {
		t.Errorf("error page title %q", got)
	}
}

// TestBrowserLanguageSwitch: Chinese by default, English after pressing the
// switch, and the choice sticks on the next page. Screenshots of the public
// pages and the sign-in page in both languages.
func TestBrowserLanguageSwitch(t *testing.T) {
	ctx, base, dir := browser(t), startServer(t), ""
	dir = artifacts(t)
	do(t, ctx, chromedp.Navigate(base+"/register?product=HX"), chromedp.WaitVisible(chromedp.CSS("#results table")))
	if got := text(t, ctx, "h1"); got != "审查结果名录" {
		t.Errorf("default title %q, want Chinese", got)
	}
	if got := text(t, ctx, "#results tbody"); !strings.Contains(got, "通过") || !strings.Contains(got, "优先采购") {
		t.Errorf("register rows:\n%s", got)
	}
	screenshot(t, ctx, dir, "register.zh-CN")
	do(t, ctx, chromedp.Navigate(base+"/results/1"), chromedp.WaitVisible(chromedp.CSS("#verify-verdict")))
	if got := text(t, ctx, "#verify-verdict"); !strings.Contains(got, "验证通过") {
		t.Errorf("verification %q", got)
	}
	screenshot(t, ctx, dir, "result.zh-CN")
	do(t, ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#username")))
	screenshot(t, ctx, dir, "login.zh-CN")

	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "h1"); got != "Sign in" {
		t.Errorf("title after switching %q", got)
	}
	screenshot(t, ctx, dir, "login.en")
	do(t, ctx, chromedp.Navigate(base+"/register?product=HX"), chromedp.WaitVisible(chromedp.CSS("#results table")))
	if got := text(t, ctx, "h1"); got != "Register of review results" {
		t.Errorf("the choice did not stick: %q", got)
	}
	screenshot(t, ctx, dir, "register.en")
	do(t, ctx, chromedp.Navigate(base+"/results/1"), chromedp.WaitVisible(chromedp.CSS("#verify-verdict")))
	if got := text(t, ctx, "#verify-verdict"); !strings.HasPrefix(got, "Verified") {
		t.Errorf("verification %q", got)
	}
	screenshot(t, ctx, dir, "result.en")

	switchLanguage(t, ctx, "zh-CN")
	if got := text(t, ctx, "h1"); got != "审查结果" {
		t.Errorf("back to Chinese: %q", got)
	}
}
