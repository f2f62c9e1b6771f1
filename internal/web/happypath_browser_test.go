package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"shencha/internal/signature"
)

// TestBrowserWholeHappyPath: a new version of provider1's TideDB goes
// through the whole review by clicks in the pages, each role in turn in
// one browser. provider1 adds the version, applies, uploads a material
// (the progress bar moving) and submits; the office finds it in its intake
// queue, screens and accepts it, assigns lab1 and three experts with their
// declarations, starts the evaluation and plans two criteria; lab1 finds
// it in My work, records evidence with its file and a finding per planned
// criterion, and submits its report signed with its key; provider1 signs
// and submits its commitment; the office completes the evaluation; the
// three experts give their opinions from My work; the office decides
// (pass) and publishes it to the public. An anonymous visitor then finds
// the version in the register, passed and preferred, and its result page
// verifies. The signatures are made as `shencha sign` makes them offline,
// with the demo's keys, over the bytes the pages' downloads give.
// Screenshots of each role's key page, some in Chinese, some in English.
func TestBrowserWholeHappyPath(t *testing.T) {
	ctx := browser(t)
	base, f, s := startDemoStore(t, 0)
	dir := artifacts(t)
	const version, purl = "5.1.0", "pkg:generic/huaxin/tidedb@5.1.0"

	// 1. provider1 (Chinese): the version, the application, a material,
	// the submission.
	signIn(t, ctx, base, "provider1")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-products")), chromedp.WaitVisible(chromedp.CSS("#product-list")),
		clickTideDB, chromedp.WaitVisible(chromedp.CSS("#version-form")),
		chromedp.SendKeys(chromedp.CSS("#version"), version),
		chromedp.SendKeys(chromedp.CSS("#purl"), purl))
	submitAndWait(t, ctx, "#version-submit", "#version-list")
	applyForm, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#version-list tbody tr")].find(r => r.cells[0].textContent.trim() === "`+version+`").querySelector("form").id`))
	if err != nil {
		t.Fatalf("the new version is not listed: %v", err)
	}
	screenshot(t, ctx, dir, "happy-1-product.zh-CN")
	submitAndWait(t, ctx, "#"+applyForm+` button[type="submit"]`, "#case-number")
	number := text(t, ctx, "#case-number")
	caseLink := `a[href="/cases/` + number + `"]`
	if got := text(t, ctx, "#case-state"); got != "草稿" {
		t.Errorf("a new application is in %q, want 草稿 (draft)", got)
	}
	const size = 2 << 20
	file := filepath.Join(t.TempDir(), "tidedb-5.1.0-security-declaration.pdf")
	content := make([]byte, size)
	rand.Read(content)
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload-submit")))
	uploaded(t, ctx, "#materials-list", filepath.Base(file), "#upload-progress", size)
	submitForm(t, ctx, "submit", "#timeline-list")
	wantState(t, ctx, "已提交")
	screenshot(t, ctx, dir, "happy-1-case-submitted.zh-CN")

	// 2. The office (Chinese): intake, screening, acceptance, the lab and
	// the experts, the evaluation and its plan.
	signIn(t, ctx, base, "office")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-intake")), chromedp.WaitVisible(chromedp.CSS("#intake-list")))
	if row := rowOf(t, ctx, "#intake-list", number); !strings.Contains(row, "Huaxin TideDB") || !strings.Contains(row, "已提交") {
		t.Errorf("%s in the intake queue: %q", number, row)
	}
	screenshot(t, ctx, dir, "happy-2-intake.zh-CN")
	do(t, ctx, chromedp.Click(chromedp.CSS("#intake-list "+caseLink)), chromedp.WaitVisible(chromedp.CSS("#action-begin_screening")))
	submitForm(t, ctx, "begin_screening", "#action-accept")
	submitForm(t, ctx, "accept", "#action-assign_lab")
	wantState(t, ctx, "已受理")
	declare := func(action, signer string) {
		t.Helper()
		do(t, ctx,
			chromedp.Click(chromedp.CSS(`#action-`+action+` [name="declaration.no_conflict"]`)),
			chromedp.Click(chromedp.CSS(`#action-`+action+` [name="declaration.confidentiality"]`)))
		setForm(t, ctx, action, map[string]string{"declaration.signed_by": signer})
	}
	setForm(t, ctx, "assign_lab", map[string]string{"lab_org_id": id(f.Orgs["lab1"].ID), "method": "lab_testing"})
	declare("assign_lab", "Zhang Wei, China Network Product Security Testing Centre")
	screenshot(t, ctx, dir, "happy-2-assign.zh-CN")
	submitForm(t, ctx, "assign_lab", "#action-begin_evaluation")
	for _, e := range []string{"expert1", "expert2", "expert3"} {
		setForm(t, ctx, "assign_expert", map[string]string{"expert_user_id": id(f.Users[e].ID)})
		declare("assign_expert", e)
		submitForm(t, ctx, "assign_expert", "#timeline-list")
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#error-assign_expert").length`)); n != 0 {
			t.Fatalf("assigning %s was refused: %s", e, text(t, ctx, "#error-assign_expert"))
		}
	}
	if got := text(t, ctx, "#assignments + ul"); strings.Count(got, "(专家)") != 3 || !strings.Contains(got, "China Network Product Security Testing Centre") {
		t.Errorf("assignments:\n%s", got)
	}
	submitForm(t, ctx, "begin_evaluation", "#plan-form")
	wantState(t, ctx, "评估中")
	criteria, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#plan-criterion option")].map(o => o.value).filter(v => v).slice(0, 2)`))
	if err != nil || len(criteria) != 2 {
		t.Fatalf("criteria to plan: %v (%v)", criteria, err)
	}
	for _, c := range criteria {
		do(t, ctx, chromedp.SetValue(chromedp.CSS("#plan-criterion"), c))
		submitAndWait(t, ctx, `#plan-form button[type="submit"]`, "#plan-list")
	}
	if got := text(t, ctx, "#plan-list"); !strings.Contains(got, criteria[0]) || !strings.Contains(got, criteria[1]) {
		t.Fatalf("the plan:\n%s", got)
	}
	screenshot(t, ctx, dir, "happy-2-case-planned.zh-CN")

	// 3. lab1 (English): My work, the evidence with its file, a finding
	// per planned criterion, the signed report.
	signIn(t, ctx, base, "lab1")
	switchLanguage(t, ctx, "en")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-work")), chromedp.WaitVisible(chromedp.CSS("#awaiting-list")))
	screenshot(t, ctx, dir, "happy-3-work-lab.en")
	do(t, ctx, chromedp.Click(chromedp.CSS("#awaiting-list "+caseLink)), chromedp.WaitVisible(chromedp.CSS("#evidence-form")))
	evidence := filepath.Join(t.TempDir(), "tidedb-5.1.0-test-report.pdf")
	if err := os.WriteFile(evidence, content[:size/2], 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.SetValue(chromedp.CSS("#evidence-kind"), "lab_test_report"),
		chromedp.SetValue(chromedp.CSS("#evidence-title"), "TideDB 5.1.0 test report"),
		chromedp.Click(chromedp.CSS("#evidence-criteria-"+criteria[0])),
		chromedp.Click(chromedp.CSS("#evidence-criteria-"+criteria[1])),
		chromedp.SetValue(chromedp.CSS("#evidence-data"), `{"sample": {"name": "TideDB", "version": "`+version+`", "serial": "SN-51"},
  "tests": [{"id": "T-01", "title": "`+criteria[0]+`", "criterion": "`+criteria[0]+`", "result": "pass"},
            {"id": "T-02", "title": "`+criteria[1]+`", "criterion": "`+criteria[1]+`", "result": "pass"}]}`),
		chromedp.SetUploadFiles(chromedp.CSS("#evidence-file"), []string{evidence}),
		chromedp.Click(chromedp.CSS("#evidence-submit")))
	uploaded(t, ctx, "#evidence-list", filepath.Base(evidence), "#evidence-progress", size/2)
	for _, c := range criteria {
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#finding-evidence input[name="evidence"]`)),
			chromedp.SetValue(chromedp.CSS("#finding-criterion"), c),
			chromedp.SetValue(chromedp.CSS("#finding-status"), "met"),
			chromedp.SetValue(chromedp.CSS("#finding-rationale"), "Test "+c+" passed on the sample."),
			chromedp.Click(chromedp.CSS(`#finding-evidence input[name="evidence"]`)))
		submitAndWait(t, ctx, "#finding-submit", "#findings-list")
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#findings-list .finding-met").length`)); n != 2 {
		t.Errorf("%d findings met, want 2:\n%s", n, text(t, ctx, "#findings-list"))
	}
	screenshot(t, ctx, dir, "happy-3-case-lab.en")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#report-summary"), "Both planned criteria are met on the tested sample."),
		chromedp.SetValue(chromedp.CSS("#report-recommendation"), "pass"))
	submitAndWait(t, ctx, "#report-prepare", "#report-digest")
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#report-missing").length`)); n != 0 {
		t.Errorf("the report misses findings: %s", text(t, ctx, "#report-missing"))
	}
	signDownload(t, ctx, "#draft-download", text(t, ctx, "#report-digest"), f.Keys["lab1"], "#report-signature")
	screenshot(t, ctx, dir, "happy-3-report.en")
	submitAndWait(t, ctx, "#report-submit", "#signed-list")
	if got := text(t, ctx, "#signed-list"); !strings.Contains(got, "signature valid") || !strings.Contains(got, "matches the record") || strings.Contains(got, "invalid") {
		t.Errorf("the signed report:\n%s", got)
	}

	// 4. provider1 (English): the commitment, signed.
	signIn(t, ctx, base, "provider1")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-products")), chromedp.WaitVisible(chromedp.CSS("#provider-cases")),
		chromedp.Click(chromedp.CSS("#provider-cases "+caseLink)), chromedp.WaitVisible(chromedp.CSS("#commitment-download")))
	signDownload(t, ctx, "#commitment-download", text(t, ctx, "#commitment-digest"), f.Keys["provider1"], "#commitment-signature")
	screenshot(t, ctx, dir, "happy-4-commitment.en")
	submitAndWait(t, ctx, "#commitment-submit", ".commitment-signed")
	if got := text(t, ctx, ".commitment-signed"); !strings.Contains(got, "signature valid") || strings.Contains(got, "invalid") {
		t.Errorf("the commitment: %q", got)
	}

	// 5. The office (Chinese) completes the evaluation; the experts give
	// their opinions from My work, expert1 in Chinese, the others in
	// English.
	signIn(t, ctx, base, "office")
	switchLanguage(t, ctx, "zh-CN")
	do(t, ctx, chromedp.Click(chromedp.CSS("#case-list "+caseLink)), chromedp.WaitVisible(chromedp.CSS("#action-complete_evaluation")))
	submitForm(t, ctx, "complete_evaluation", "#timeline-list")
	wantState(t, ctx, "专家评议中")
	for i, e := range []string{"expert1", "expert2", "expert3"} {
		signIn(t, ctx, base, e)
		if i == 1 {
			switchLanguage(t, ctx, "en")
		}
		do(t, ctx, chromedp.Click(chromedp.CSS("#nav-work")), chromedp.WaitVisible(chromedp.CSS("#awaiting-list "+caseLink)),
			chromedp.Click(chromedp.CSS("#awaiting-list "+caseLink)), chromedp.WaitVisible(chromedp.CSS("#action-give_opinion")))
		opinion := map[string]string{"recommendation": "pass", "rationale": "The evaluation found every planned criterion met."}
		for _, a := range []string{"R1", "R2", "R3", "R4", "R5"} {
			opinion["areas."+a+".level"] = "low"
		}
		setForm(t, ctx, "give_opinion", opinion)
		if i < 2 {
			screenshot(t, ctx, dir, "happy-5-opinion."+[]string{"zh-CN", "en"}[i])
		}
		submitForm(t, ctx, "give_opinion", "#timeline-list")
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#action-give_opinion").length`)); n != 0 {
			t.Fatalf("%s's opinion was not taken: %s", e, text(t, ctx, "main"))
		}
	}

	// 6. The office (Chinese) decides and publishes to the public.
	signIn(t, ctx, base, "office")
	switchLanguage(t, ctx, "zh-CN")
	do(t, ctx, chromedp.Click(chromedp.CSS("#case-list "+caseLink)), chromedp.WaitVisible(chromedp.CSS("#action-decide")))
	setForm(t, ctx, "decide", map[string]string{"outcome": "pass", "rationale": "实验室评估与专家意见一致：风险低。"})
	screenshot(t, ctx, dir, "happy-6-decide.zh-CN")
	submitForm(t, ctx, "decide", "#action-publish")
	wantState(t, ctx, "已决定")
	setForm(t, ctx, "publish", map[string]string{"scope": "public"})
	submitForm(t, ctx, "publish", "#decision")
	wantState(t, ctx, "已公布")
	screenshot(t, ctx, dir, "happy-6-published.zh-CN")
	// What `serve` runs beside the server: the sequencer puts the result's
	// signed statement into the log.
	if _, err := s.Sequence(context.Background(), 0); err != nil {
		t.Fatal(err)
	}

	// 7. An anonymous visitor (Chinese, then English) finds the version in
	// the register and verifies its result.
	submitAndWait(t, ctx, `.who form[action="/logout"] button`, `.who a[href='/login']`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/register"]`)), chromedp.WaitVisible(chromedp.CSS("#product")),
		chromedp.SendKeys(chromedp.CSS("#product"), "TideDB"),
		chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#results table")))
	row, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#results tbody tr")].filter(r => r.textContent.includes("`+purl+`")).map(r => r.textContent.replace(/\s+/g, " ")).join("|")`))
	if err != nil || !strings.Contains(row, "通过") || !strings.Contains(row, "优先采购") || strings.Contains(row, "|") {
		t.Errorf("the register's row of %s: %q (%v)", purl, row, err)
	}
	screenshot(t, ctx, dir, "happy-7-register.zh-CN")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#results tbody tr")].find(r => r.textContent.includes("`+purl+`")).querySelector("a[href^='/results/']").click()`),
		chromedp.WaitVisible(chromedp.CSS("#verify-verdict")))
	if got := text(t, ctx, "#verify-verdict"); !strings.HasPrefix(got, "验证通过") {
		t.Errorf("verification %q", got)
	}
	if got := text(t, ctx, "main .facts"); !strings.Contains(got, number) || !strings.Contains(got, version) || !strings.Contains(got, "优先采购") {
		t.Errorf("the result page:\n%s", got)
	}
	screenshot(t, ctx, dir, "happy-7-result.zh-CN")
	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#verify-verdict"); !strings.HasPrefix(got, "Verified") {
		t.Errorf("verification in English %q", got)
	}
	if got := text(t, ctx, "#result-status"); got != "passed" {
		t.Errorf("status in English %q", got)
	}
	screenshot(t, ctx, dir, "happy-7-result.en")
}

// wantState checks the case page's state.
func wantState(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	if got := text(t, ctx, "#case-state"); got != want {
		t.Fatalf("state %q, want %q; the page says:\n%s", got, want, text(t, ctx, "main"))
	}
}

// id is an id as a form's select has it.
func id(n int64) string { return strconv.FormatInt(n, 10) }

// signDownload signs what the page's download link gives, as `shencha
// sign` does offline with the downloaded file, after checking it is what
// the page says (its digest), and pastes the signature into the field.
func signDownload(t *testing.T, ctx context.Context, link, digest string, key ed25519.PrivateKey, field string) {
	t.Helper()
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("`+link+`").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download %s: %v", link, err)
	}
	sum := sha256.Sum256([]byte(body))
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != digest {
		t.Fatalf("the download's digest %s, the page says %s", got, digest)
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS(field), signature.Sign(key, []byte(body))))
}
