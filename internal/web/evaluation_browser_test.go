package web_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserLabWorkspace: on CSR-2026-0002 the office plans one more
// criterion for lab1 (the plan is the office's); lab1 then records a lab
// test report with its file of a few MB, which htmx sends with the
// progress bar moving (static/upload.js) and without reloading the page
// (refused first for a gap in its data, the reason shown beside the form),
// records a finding on the new criterion citing that evidence, and sees it
// in the findings matrix as a high-severity cell. Screenshots of the
// workspace and the matrix in both languages, and of the report page.
func TestBrowserLabWorkspace(t *testing.T) {
	ctx, base, dir := browser(t), startServer(t), ""
	dir = artifacts(t)
	const size = 3 << 20
	file := filepath.Join(t.TempDir(), "tidedb-robustness-test.pdf")
	content := make([]byte, size)
	rand.Read(content) // incompressible, so the transfer is really this size
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	caseURL := base + "/cases/CSR-2026-0002"

	signIn(t, ctx, base, "office")
	do(t, ctx, chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.CSS("#plan-form")),
		chromedp.SetValue(chromedp.CSS("#plan-criterion"), "R1-W-01"))
	submitAndWait(t, ctx, `#plan-form button[type="submit"]`, "#plan-list")
	if got := text(t, ctx, "#plan-list"); !strings.Contains(got, "R1-W-01") {
		t.Fatalf("the plan after the office's form:\n%s", got)
	}
	screenshot(t, ctx, dir, "case-plan-office.zh-CN")

	signIn(t, ctx, base, "lab1")
	do(t, ctx, chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.CSS("#evidence-form")),
		// A mark on the window: it survives only if the page is not reloaded.
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.SetValue(chromedp.CSS("#evidence-kind"), "lab_test_report"),
		chromedp.SetValue(chromedp.CSS("#evidence-title"), "抗干扰与故障恢复测试报告"),
		chromedp.Click(chromedp.CSS("#evidence-criteria-R1-W-01")),
		// The sample's version left out: refused, the reason shown beside
		// the form, which keeps what was typed and the file chosen.
		chromedp.SetValue(chromedp.CSS("#evidence-data"), `{"sample": {"name": "TideDB", "serial": "SN-7"},
  "tests": [{"id": "T-07", "title": "Node failure under load", "criterion": "R1-W-01", "result": "fail"}]}`),
		chromedp.SetUploadFiles(chromedp.CSS("#evidence-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#evidence-submit")),
		chromedp.WaitVisible(chromedp.CSS("#error-evidence")),
	)
	if got := text(t, ctx, "#error-evidence"); got != "结构化数据（JSON） — sample.version 为必填项。" {
		t.Errorf("refused evidence: %q", got)
	}
	screenshot(t, ctx, dir, "case-lab-evidence-error.zh-CN")
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#evidence-data"), `{"sample": {"name": "TideDB", "version": "5.0.2", "serial": "SN-7"},
  "tests": [{"id": "T-07", "title": "Node failure under load", "criterion": "R1-W-01", "result": "fail"}]}`),
		chromedp.Click(chromedp.CSS("#evidence-submit")))
	uploaded(t, ctx, "#evidence-list", "tidedb-robustness-test.pdf", "#evidence-progress", size)
	if got := text(t, ctx, "#evidence-table"); !strings.Contains(got, "3145728 字节") || !strings.Contains(got, "实验室检测报告") {
		t.Errorf("evidence list:\n%s", got)
	}

	// The finding form was refreshed with the upload: it offers the new
	// evidence without a reload.
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`#finding-evidence input[name="evidence"]`)),
		chromedp.SetValue(chromedp.CSS("#finding-criterion"), "R1-W-01"),
		chromedp.SetValue(chromedp.CSS("#finding-status"), "not_met"),
		chromedp.SetValue(chromedp.CSS("#finding-rationale"), "负载下节点故障后服务未能自动恢复。"),
		chromedp.Click(chromedp.CSS(`#finding-evidence input[name="evidence"]`)),
	)
	submitAndWait(t, ctx, "#finding-submit", "#findings-list")
	if got := text(t, ctx, "#findings-list"); !strings.Contains(got, "R1-W-01") || !strings.Contains(got, "不满足") {
		t.Errorf("findings:\n%s", got)
	}
	class, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#cell-R1-W").className`))
	if err != nil {
		t.Fatal(err)
	}
	if class != "cell cell-high" {
		t.Errorf("R1 × W cell class %q, want cell cell-high", class)
	}
	if got := text(t, ctx, "#cell-R1-W"); !strings.Contains(got, "未满足项最高：高") || !strings.Contains(got, "不满足 1") {
		t.Errorf("R1 × W cell reads %q", got)
	}
	screenshot(t, ctx, dir, "case-lab-findings.zh-CN")

	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#cell-R1-W"); !strings.Contains(got, "worst open: high") || !strings.Contains(got, "not met 1") {
		t.Errorf("R1 × W cell in English reads %q", got)
	}
	screenshot(t, ctx, dir, "case-lab-findings.en")

	// The report to sign (the lab signs it offline with `shencha sign`).
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#report-summary"), "The database does not recover from node failures under load."),
		chromedp.SetValue(chromedp.CSS("#report-recommendation"), "conditional_pass"),
	)
	submitAndWait(t, ctx, "#report-prepare", "#report-digest")
	if got := text(t, ctx, "#report-digest"); !strings.HasPrefix(got, "sha256:") {
		t.Errorf("report digest %q", got)
	}
	// Only R1-W-01 has its finding: the page says which are missing.
	if got := text(t, ctx, "#report-missing"); !strings.Contains(got, "R1-C-01, R1-C-02, R1-C-03, R1-C-04") || strings.Contains(got, "R1-W-01") {
		t.Errorf("missing findings: %q", got)
	}
	screenshot(t, ctx, dir, "report.en")
}
