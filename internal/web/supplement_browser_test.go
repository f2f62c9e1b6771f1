package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserProviderAnswersSupplement: the office asks for supplementary
// material on the TideDB case; the provider finds the request on its
// portal, opens the case, answers with a text and a file, and the case is
// back in evaluation with the answer and its file under the request.
// Screenshots of the request and the answer in both languages.
func TestBrowserProviderAnswersSupplement(t *testing.T) {
	ctx, base, dir := browser(t), startServer(t), ""
	dir = artifacts(t)
	office := newClient(t, base)
	office.login("office")
	if code, _, body := office.do("POST", "/cases/CSR-2026-0002/actions/request_supplement", url.Values{"items": {"The SBOM of build 5.0.2 and its VEX."}}); code != http.StatusSeeOther {
		t.Fatalf("request: %d %s", code, body)
	}
	file := filepath.Join(t.TempDir(), "tidedb-5.0.2.cdx.json")
	if err := os.WriteFile(file, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}

	signIn(t, ctx, base, "provider1")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-products")), chromedp.WaitVisible(chromedp.CSS("#open-requests")))
	if got := text(t, ctx, "#open-requests"); !strings.Contains(got, "CSR-2026-0002") || !strings.Contains(got, "The SBOM of build 5.0.2") {
		t.Errorf("the portal's open requests:\n%s", got)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#open-requests a[href^="/cases/CSR-2026-0002"]`)), chromedp.WaitVisible(chromedp.CSS("#answer-form")))
	if got := text(t, ctx, "#case-state"); got != "待补充材料" {
		t.Errorf("state %q, want awaiting supplement", got)
	}
	screenshot(t, ctx, dir, "supplement-request.zh-CN")

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#answer-summary"), "SBOM of 5.0.2 attached; the VEX follows next week."),
		chromedp.SetUploadFiles(chromedp.CSS("#answer-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#answer-submit")),
		chromedp.WaitVisible(chromedp.CSS(".answer-files")),
	)
	if got := text(t, ctx, "#case-state"); got != "评估中" {
		t.Errorf("state after the answer %q, want evaluation", got)
	}
	sup := text(t, ctx, `section[aria-labelledby="supplements"]`)
	for _, want := range []string{"已于", "SBOM of 5.0.2 attached", "tidedb-5.0.2.cdx.json"} {
		if !strings.Contains(sup, want) {
			t.Errorf("the answered request lacks %q:\n%s", want, sup)
		}
	}
	if got := text(t, ctx, "#materials-list"); !strings.Contains(got, "tidedb-5.0.2.cdx.json") {
		t.Errorf("the file is not among the case's materials:\n%s", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#answer-form").length`)); err != nil || n != 0 {
		t.Errorf("the answer form is still offered (%d, %v)", n, err)
	}
	screenshot(t, ctx, dir, "supplement-answered.zh-CN")
	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "h2#supplements"); got != "Requests for supplementary material" {
		t.Errorf("English heading %q", got)
	}
	screenshot(t, ctx, dir, "supplement-answered.en")

	// The provider's commitment is still awaited on this case: the page
	// says what to sign and links to the bytes.
	if got := text(t, ctx, "#commitment-digest"); !strings.HasPrefix(got, "sha256:") || len(got) != len("sha256:")+64 {
		t.Errorf("commitment digest %q", got)
	}
}

// TestBrowserOwnershipGraph: the office follows the case page's link to
// the provider's chain and sees the drawing and the table. Screenshots in
// both languages.
func TestBrowserOwnershipGraph(t *testing.T) {
	ctx, base, dir := browser(t), startServer(t), ""
	dir = artifacts(t)
	signIn(t, ctx, base, "office")
	do(t, ctx,
		chromedp.Navigate(base+"/cases/CSR-2026-0005"),
		chromedp.WaitVisible(chromedp.CSS("#ownership-link")),
		chromedp.Click(chromedp.CSS("#ownership-link")),
		chromedp.WaitVisible(chromedp.CSS("#ownership-graph")),
	)
	if got := text(t, ctx, "#ultimate-controller"); !strings.Contains(got, "Chen Jun") {
		t.Errorf("ultimate controller %q", got)
	}
	// Every owner's box is drawn inside the picture, and its (clipped)
	// name inside its box, in the browser's real font.
	outside, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const svg = document.querySelector("#ownership-graph").getBoundingClientRect();
		const within = (b, o) => b.left >= o.left && b.right <= o.right && b.top >= o.top && b.bottom <= o.bottom;
		return [...document.querySelectorAll("#ownership-graph .node")].filter(n => {
			const box = n.querySelector("rect").getBoundingClientRect();
			return !within(box, svg) || !within(n.querySelector("text.name").getBoundingClientRect(), box);
		}).map(n => n.querySelector("title").textContent);
	})()`))
	if err != nil || len(outside) > 0 {
		t.Errorf("drawn outside their place: %v (%v)", outside, err)
	}
	screenshot(t, ctx, dir, "ownership.zh-CN")
	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#graph-heading"); got != "Ownership structure" {
		t.Errorf("English heading %q", got)
	}
	screenshot(t, ctx, dir, "ownership.en")
}
