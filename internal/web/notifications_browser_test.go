package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserNotifications: an expert follows the header's unread count to
// its notifications, opens the case one is about, comes back and marks one
// read; the count goes down by one. Screenshots in both languages.
func TestBrowserNotifications(t *testing.T) {
	ctx, base := browser(t), startServer(t)
	dir := artifacts(t)
	signIn(t, ctx, base, "expert3")
	before, err := strconv.Atoi(strings.Fields(text(t, ctx, "#unread-badge"))[0])
	if err != nil || before == 0 {
		t.Fatalf("unread badge %q: %v", text(t, ctx, "#unread-badge"), err)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-notifications")), chromedp.WaitVisible(chromedp.CSS("#notification-list")))
	list := text(t, ctx, "#notification-list")
	if !strings.Contains(list, "案件 CSR-2026-0004 等待您提出专家意见。") {
		t.Errorf("expert3 is not told that 0004 awaits its opinion:\n%s", list)
	}
	screenshot(t, ctx, dir, "notifications.zh-CN")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#notification-list li:first-child a`)),
		chromedp.WaitVisible(chromedp.CSS("#case-number")),
		chromedp.Click(chromedp.CSS("#nav-notifications")),
		chromedp.WaitVisible(chromedp.CSS("#notification-list")),
		chromedp.Click(chromedp.CSS(`#notification-list li.unread form button`)),
		// Every one was unread: the page after the form shows one read.
		chromedp.WaitVisible(chromedp.CSS("#notification-list li:not(.unread)")),
	)
	after := 0
	if b, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#unread-count"))); err == nil {
		f := strings.FieldsFunc(b, func(r rune) bool { return r < '0' || r > '9' })
		if len(f) > 0 {
			after, _ = strconv.Atoi(f[0])
		}
	}
	if after != before-1 {
		t.Errorf("unread %d after marking one read, want %d", after, before-1)
	}
	switchLanguage(t, ctx, "en")
	if list := text(t, ctx, "#notification-list"); !strings.Contains(list, "Case CSR-2026-0004 awaits your expert opinion.") {
		t.Errorf("in English:\n%s", list)
	}
	screenshot(t, ctx, dir, "notifications.en")
}
