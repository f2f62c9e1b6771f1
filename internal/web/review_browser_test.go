package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// setForm sets the inputs of one action form by name (names hold dots,
// which CSS ids would need escaped) and leaves the rest as they are.
func setForm(t *testing.T, ctx context.Context, action string, values map[string]string) {
	t.Helper()
	for name, v := range values {
		do(t, ctx, chromedp.SetValue(chromedp.CSS(`#action-`+action+` [name="`+name+`"]`), v))
	}
}

// submitForm presses an action form's button and waits for the page that
// answers: a mark set on the old page's window must be gone (the case
// page before the submission has a timeline too), and what should follow
// there: the timeline after the redirect, or the form's error.
func submitForm(t *testing.T, ctx context.Context, action, waitFor string) {
	t.Helper()
	submitAndWait(t, ctx, `#action-`+action+` button[type="submit"]`, waitFor)
}

// submitAndWait presses a form's button (selector) and waits for the page
// that answers, as submitForm does.
func submitAndWait(t *testing.T, ctx context.Context, button, waitFor string) {
	t.Helper()
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.oldPage = true`), chromedp.Click(chromedp.CSS(button)))
	// Evaluate, not Poll: the navigation would end a Poll with an error.
	// An evaluation during the navigation may fail too; it is retried.
	check := chromedp.Evaluate[bool](`window.oldPage !== true && document.readyState === "complete" && document.querySelector("` + waitFor + `") !== null`)
	var err error
	for range 200 {
		var ok bool
		if ok, err = chromedp.Run(ctx, check); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("after pressing %s, no %s within 10 s (last error %v)", button, waitFor, err)
}

// rowOf is the text of the row of a table that names the case.
func rowOf(t *testing.T, ctx context.Context, table, number string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(r => r ? r.textContent : "")([...document.querySelectorAll("`+table+` tbody tr")].find(r => r.textContent.includes("`+number+`")))`))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// TestBrowserReviewByRoles: different demo users act on cases through the
// pages. On CSR-2026-0004 (two of three opinions in) expert3 finds the case
// in its work queue and gives its opinion through the form, after a refusal
// that keeps what it typed; the office then decides it (a pass, as the
// rule recommends) and sees it decided on the dashboard. On CSR-2026-0005
// two committee members vote from their queues, after which committee3
// decides it as a conditional pass through the form (refused first without
// a condition); the office reads the decision, its condition and the votes.
// Screenshots of the queues and forms in both languages.
func TestBrowserReviewByRoles(t *testing.T) {
	ctx, base, dir := browser(t), startServer(t), ""
	dir = artifacts(t)
	areas := map[string]string{}
	for _, a := range []string{"R1", "R2", "R3", "R4", "R5"} {
		areas["areas."+a+".level"] = "low"
	}

	// expert3: the queue, in Chinese.
	signIn(t, ctx, base, "expert3")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-work")), chromedp.WaitVisible(chromedp.CSS("#awaiting-list")))
	if got := rowOf(t, ctx, "#awaiting-list", "CSR-2026-0004"); !strings.Contains(got, "专家评议中") || !strings.Contains(got, "提出专家意见") {
		t.Errorf("0004 in expert3's queue: %q", got)
	}
	if got := rowOf(t, ctx, "#awaiting-list", "CSR-2026-0005"); got != "" {
		t.Errorf("0005, whose opinion expert3 gave, awaits it: %q", got)
	}
	screenshot(t, ctx, dir, "work-expert.zh-CN")

	// The opinion with reasons of blanks only: refused, named, kept.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#awaiting-list a[href="/cases/CSR-2026-0004"]`)), chromedp.WaitVisible(chromedp.CSS("#action-give_opinion")))
	setForm(t, ctx, "give_opinion", areas)
	setForm(t, ctx, "give_opinion", map[string]string{"recommendation": "pass", "areas.R1.note": "远程管理模块可关闭。", "rationale": "   "})
	submitForm(t, ctx, "give_opinion", "#error-give_opinion")
	if got := text(t, ctx, "#error-give_opinion"); got != "理由 为必填项。" {
		t.Errorf("error in the form %q", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#action-give_opinion select, #action-give_opinion textarea")].map(e => e.name + "=" + e.value)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"recommendation=pass", "areas.R1.note=远程管理模块可关闭。", "areas.R5.level=low"} {
		if !strings.Contains(strings.Join(kept, "\n"), want) {
			t.Errorf("after the refusal the form lost %s: %v", want, kept)
		}
	}
	screenshot(t, ctx, dir, "case-opinion-error.zh-CN")

	// In English, the form again, then the opinion goes in.
	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#action-give_opinion legend"); got != "Assessment per risk area" {
		t.Errorf("areas legend %q", got)
	}
	setForm(t, ctx, "give_opinion", areas)
	setForm(t, ctx, "give_opinion", map[string]string{"recommendation": "pass", "rationale": "The remote management module is declared and can be disabled."})
	screenshot(t, ctx, dir, "case-opinion.en")
	submitForm(t, ctx, "give_opinion", "#timeline-list")
	if tl := text(t, ctx, "#timeline-list"); !strings.Contains(tl, "give an opinion") || !strings.Contains(tl, "expert3") {
		t.Errorf("timeline after the opinion:\n%s", tl)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#action-give_opinion").length`)); n != 0 {
		t.Error("the opinion form is still offered")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-work")), chromedp.WaitVisible(chromedp.CSS("#awaiting-none")))
	screenshot(t, ctx, dir, "work-expert.en")

	// Two committee members vote on 0005 from their queues; the second
	// in Chinese.
	for i, member := range []string{"committee2", "committee3"} {
		signIn(t, ctx, base, member)
		if i == 1 {
			switchLanguage(t, ctx, "zh-CN")
		}
		do(t, ctx, chromedp.Click(chromedp.CSS("#nav-work")), chromedp.WaitVisible(chromedp.CSS("#awaiting-list")))
		screenshot(t, ctx, dir, "work-committee."+[]string{"en", "zh-CN"}[i])
		do(t, ctx, chromedp.Click(chromedp.CSS(`#awaiting-list a[href="/cases/CSR-2026-0005"]`)), chromedp.WaitVisible(chromedp.CSS("#action-cast_vote")))
		setForm(t, ctx, "cast_vote", map[string]string{"outcome": "conditional_pass", "rationale": "Disclosure conditions suffice."})
		if i == 1 {
			screenshot(t, ctx, dir, "case-vote.zh-CN")
		}
		submitForm(t, ctx, "cast_vote", "#timeline-list")
		if tl := text(t, ctx, "#timeline-list"); !strings.Contains(tl, member) {
			t.Errorf("%s's vote is not in the timeline:\n%s", member, tl)
		}
	}
	// Three votes, a majority: the committee decides now. A conditional
	// pass without a condition is refused, naming the conditions, with
	// what was typed kept.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#action-committee_decide").length`)); n != 1 {
		t.Fatal("three votes in, no committee decision form")
	}
	decision := map[string]string{"outcome": "conditional_pass", "rationale": "委员会多数认为信息披露条件足以消除风险。"}
	setForm(t, ctx, "committee_decide", decision)
	submitForm(t, ctx, "committee_decide", "#error-committee_decide")
	if got := text(t, ctx, "#error-committee_decide"); got != "附加条件（附条件通过时填写） 为必填项。" {
		t.Errorf("error in the decision form %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#action-committee_decide [name=rationale]").value`)); got != decision["rationale"] {
		t.Errorf("after the refusal the rationale is %q", got)
	}
	screenshot(t, ctx, dir, "case-decision-error.zh-CN")

	// In English, with a condition that suspends the listing if overdue.
	switchLanguage(t, ctx, "en")
	setForm(t, ctx, "committee_decide", map[string]string{"outcome": "conditional_pass", "rationale": "The majority found the disclosure conditions sufficient.",
		"conditions.0.text": "Publish the hardening guide on the product's support site.", "conditions.0.due": "2026-12-31"})
	do(t, ctx, chromedp.Click(chromedp.CSS(`#action-committee_decide [name="conditions.0.suspend_if_overdue"]`)))
	screenshot(t, ctx, dir, "case-decision.en")
	submitForm(t, ctx, "committee_decide", "#decision")
	if got := text(t, ctx, `section[aria-labelledby="decision"]`); !strings.Contains(got, "conditional pass") ||
		!strings.Contains(got, "Publish the hardening guide on the product's support site. — due by 2026-12-31") {
		t.Errorf("the decision after the form:\n%s", got)
	}

	// The office decides 0004 and sees both on the dashboard and timeline.
	// The office reads Chinese (the language cookie is the browser's, left
	// in English by committee3).
	signIn(t, ctx, base, "office")
	switchLanguage(t, ctx, "zh-CN")
	do(t, ctx, chromedp.Navigate(base+"/cases/CSR-2026-0004"), chromedp.WaitVisible(chromedp.CSS("#action-decide")))
	setForm(t, ctx, "decide", map[string]string{"outcome": "pass", "rationale": "Lab report and the three opinions support a pass."})
	submitForm(t, ctx, "decide", "#decision")
	do(t, ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#case-list")))
	if got := rowOf(t, ctx, "#case-list", "CSR-2026-0004"); !strings.Contains(got, "已决定") {
		t.Errorf("dashboard row of 0004: %q", got)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#case-list a[href="/cases/CSR-2026-0005"]`)), chromedp.WaitVisible(chromedp.CSS("#timeline-list")))
	if got := text(t, ctx, `section[aria-labelledby="decision"]`); !strings.Contains(got, "附条件通过") || !strings.Contains(got, "Publish the hardening guide") {
		t.Errorf("office's view of 0005's decision:\n%s", got)
	}
	tl := text(t, ctx, "#timeline-list")
	for _, want := range []string{"投票", "committee2", "committee3"} {
		if !strings.Contains(tl, want) {
			t.Errorf("office's timeline of 0005 lacks %q:\n%s", want, tl)
		}
	}
	screenshot(t, ctx, dir, "case-votes.zh-CN")
}
