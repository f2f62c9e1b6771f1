package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shencha/internal/calendar"
)

// TestBrowserOfficePublishesReport: the office drafts provider1's report
// from the reports page, reads the draft and publishes it; the page then
// shows the PDFs' digests, and the public list names the report.
// Screenshots of the list and the report in both languages.
func TestBrowserOfficePublishesReport(t *testing.T) {
	ctx, base := browser(t), startServer(t)
	dir := artifacts(t)
	signIn(t, ctx, base, "office")
	today := calendar.DateOf(time.Now())
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-reports")), chromedp.WaitVisible(chromedp.CSS("#draft-report")))
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#provider_id"), providerOption(t, ctx, "Huaxin Networks Co., Ltd.")),
		chromedp.SetValue(chromedp.CSS("#period_from"), today.AddDays(-30).String()),
		chromedp.SetValue(chromedp.CSS("#period_to"), today.String()),
	)
	screenshot(t, ctx, dir, "reports-draft-form.zh-CN")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#draft-report button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#publish-report")),
	)
	if got := text(t, ctx, "#report-listings"); !strings.Contains(got, "CSR-2026-0001") || !strings.Contains(got, "附条件通过") {
		t.Errorf("the draft's listings:\n%s", got)
	}
	screenshot(t, ctx, dir, "report-draft.zh-CN")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#publish-report button")),
		chromedp.WaitVisible(chromedp.CSS("#pdfs code.digest")),
	)
	if got := text(t, ctx, "#report-status"); !strings.Contains(got, "公布") {
		t.Errorf("after publishing, the status reads %q", got)
	}
	screenshot(t, ctx, dir, "report-published.zh-CN")
	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#report-areas"); !strings.Contains(got, "Illegal control") {
		t.Errorf("the areas in English:\n%s", got)
	}
	screenshot(t, ctx, dir, "report-published.en")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-reports")), chromedp.WaitVisible(chromedp.CSS("#published-reports")))
	if got := text(t, ctx, "#published-reports"); !strings.Contains(got, "Huaxin Networks") {
		t.Errorf("the published list:\n%s", got)
	}
	screenshot(t, ctx, dir, "reports.en")
	switchLanguage(t, ctx, "zh-CN")
	screenshot(t, ctx, dir, "reports.zh-CN")
}

// providerOption is the value of the draft form's option naming a provider.
func providerOption(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#provider_id option")].find(o => o.textContent === `+strconv.Quote(name)+`).value`))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
