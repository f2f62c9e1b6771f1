package web_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserPublicReport: an anonymous visitor follows the register's
// link to report the router, writes what it saw, attaches a picture and
// files the report (htmx sends it, the page is not reloaded); the receipt
// page shows the receipt number and the check code. The office signs in,
// opens the report from its queue and links it to a running case; signed
// out again, the visitor checks the status with the number and the code
// and reads the new status and the office's reason. Screenshots of the
// pages in both languages.
func TestBrowserPublicReport(t *testing.T) {
	ctx, base := browser(t), startServer(t)
	dir := artifacts(t)
	file := filepath.Join(t.TempDir(), "hidden-shell.png")
	content := make([]byte, 256<<10)
	rand.Read(content)
	copy(content, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") // a picture, as the server recognises one
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}

	do(t, ctx,
		chromedp.Navigate(base+"/register?product=HX-9000"),
		chromedp.WaitVisible(chromedp.CSS("#results table")),
		chromedp.Click(chromedp.CSS("#results a.report-link")),
		chromedp.WaitVisible(chromedp.CSS("#report-form")),
	)
	if got := text(t, ctx, "h1"); got != "举报" {
		t.Errorf("report page title %q", got)
	}
	chosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#report-about input:checked").labels[0].textContent`))
	if err != nil || !strings.Contains(chosen, "HX-9000") {
		t.Errorf("the register's link did not choose the router: %q %v", chosen, err)
	}
	screenshot(t, ctx, dir, "report.zh-CN")
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.SendKeys(chromedp.CSS("#report-subject"), "firmware 3.1.0"),
		chromedp.SendKeys(chromedp.CSS("#report-description"), "The router opens a remote shell on port 2323 that its manual does not declare."),
		chromedp.SetUploadFiles(chromedp.CSS("#report-files"), []string{file}),
		chromedp.Click(chromedp.CSS("#report-submit")),
		chromedp.WaitVisible(chromedp.CSS("#receipt-number")),
	)
	receipt, code := text(t, ctx, "#receipt-number"), text(t, ctx, "#receipt-code")
	if !strings.HasPrefix(receipt, "JB-2026-") || len(code) != 14 {
		t.Fatalf("receipt %q, code %q", receipt, code)
	}
	if got := text(t, ctx, "#receipt-warning"); !strings.Contains(got, "只显示这一次") {
		t.Errorf("no warning to keep them: %q", got)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !ok {
		t.Errorf("the page was reloaded: htmx did not send the report (%v)", err)
	}
	screenshot(t, ctx, dir, "report-receipt.zh-CN")

	// The office links the report to the router's running review.
	signInTo(t, ctx, base, "office", "/public-reports", "#reports-list")
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#reports-list a")].find(a => a.textContent === "`+receipt+`").click()`),
		chromedp.WaitVisible(chromedp.CSS("#triage-form")),
	)
	if got := text(t, ctx, "#report-files"); !strings.Contains(got, "hidden-shell.png") || !strings.Contains(got, "image/png") {
		t.Errorf("the attachment: %q", got)
	}
	if got := text(t, ctx, "#report-anonymous"); got == "" {
		t.Error("the report is not marked anonymous")
	}
	screenshot(t, ctx, dir, "public-report.zh-CN")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#triage-link")),
		chromedp.SendKeys(chromedp.CSS("#triage-reason"), "Taken into the running review of this product."),
		chromedp.SendKeys(chromedp.CSS("#triage-case"), "CSR-2026-0004"),
		chromedp.Click(chromedp.CSS("#triage-submit")),
		chromedp.WaitVisible(chromedp.CSS("#report-case")),
	)
	if got := text(t, ctx, "#report-status"); got != "已纳入审查" {
		t.Errorf("status after the link %q", got)
	}
	switchLanguage(t, ctx, "en")
	screenshot(t, ctx, dir, "public-report.en")
	do(t, ctx, chromedp.Navigate(base+"/public-reports"), chromedp.WaitVisible(chromedp.CSS("#reports-list")))
	screenshot(t, ctx, dir, "reports.en")
	switchLanguage(t, ctx, "zh-CN")
	screenshot(t, ctx, dir, "reports.zh-CN")
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#register-report")))

	// The visitor, signed out, checks the status.
	do(t, ctx,
		chromedp.Navigate(base+"/report/status?receipt="+receipt),
		chromedp.WaitVisible(chromedp.CSS("#status-form")),
		chromedp.SendKeys(chromedp.CSS("#status-code"), code),
		chromedp.Click(chromedp.CSS("#status-submit")),
		chromedp.WaitVisible(chromedp.CSS("#status-value")),
	)
	if got := text(t, ctx, "#status-value"); got != "已纳入审查" {
		t.Errorf("the visitor reads status %q", got)
	}
	if got := text(t, ctx, "#status-reason"); got != "Taken into the running review of this product." {
		t.Errorf("the visitor reads reason %q", got)
	}
	if got := text(t, ctx, "main"); strings.Contains(got, "CSR-2026-0004") || strings.Contains(got, "port 2323") {
		t.Errorf("the status page tells more than the status:\n%s", got)
	}
	screenshot(t, ctx, dir, "report-status.zh-CN")
	switchLanguage(t, ctx, "en")
	screenshot(t, ctx, dir, "report-status-form.en")
	do(t, ctx, chromedp.Navigate(base+"/report"), chromedp.WaitVisible(chromedp.CSS("#report-form")))
	if got := text(t, ctx, "h1"); got != "Report a problem (举报)" {
		t.Errorf("English title %q", got)
	}
	screenshot(t, ctx, dir, "report.en")
}
