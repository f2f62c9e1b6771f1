package web_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// clickTideDB follows the portal's link to the TideDB product page.
var clickTideDB = chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#product-list a")].find(a => a.textContent.includes("TideDB")).click()`)

// TestBrowserProviderUploads: a provider opens its portal and a product,
// then uploads a file of a few MB to one of its cases from the case page.
// htmx sends it and moves the progress bar (static/upload.js); the bar
// ends at its maximum, the page is not reloaded, and the material is
// listed. Screenshots of the portal pages and the case page after the
// upload in both languages.
func TestBrowserProviderUploads(t *testing.T) {
	ctx, base, dir := browser(t), startServer(t), ""
	dir = artifacts(t)
	const size = 4 << 20
	file := filepath.Join(t.TempDir(), "tidedb-sbom.spdx.json")
	content := make([]byte, size)
	rand.Read(content) // incompressible, so the transfer is really this size
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}

	signIn(t, ctx, base, "provider1")
	do(t, ctx, chromedp.Click(chromedp.CSS("#nav-products")), chromedp.WaitVisible(chromedp.CSS("#product-list")))
	if got := text(t, ctx, "h1"); got != "产品与审查" {
		t.Errorf("portal title %q", got)
	}
	if got := text(t, ctx, "#provider-cases"); !strings.Contains(got, "CSR-2026-0002") || !strings.Contains(got, "评估中") {
		t.Errorf("the provider's cases:\n%s", got)
	}
	screenshot(t, ctx, dir, "products.zh-CN")
	do(t, ctx, clickTideDB, chromedp.WaitVisible(chromedp.CSS("#version-list")))
	screenshot(t, ctx, dir, "product.zh-CN")

	do(t, ctx,
		chromedp.Navigate(base+"/cases/CSR-2026-0002"),
		chromedp.WaitVisible(chromedp.CSS("#upload-form")),
		// A mark on the window: it survives only if the page is not reloaded.
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload-submit")),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#materials-list").textContent.includes("tidedb-sbom.spdx.json")`)); err != nil {
		t.Fatalf("the material is not listed after the upload: %v", err)
	}
	progress, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(p => [p.value, p.max])(document.querySelector("#upload-progress"))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != 2 || progress[1] < size || progress[0] != progress[1] {
		t.Errorf("progress [value max] = %v, want both at least %d and equal", progress, size)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !ok {
		t.Errorf("the page was reloaded: htmx did not send the upload (%v)", err)
	}
	if got := text(t, ctx, "#materials-list"); !strings.Contains(got, "4194304 B") {
		t.Errorf("materials:\n%s", got)
	}
	screenshot(t, ctx, dir, "case-upload.zh-CN")

	switchLanguage(t, ctx, "en")
	if got := text(t, ctx, "#upload-form h3"); got != "Upload a material" {
		t.Errorf("upload form in English %q", got)
	}
	screenshot(t, ctx, dir, "case-upload.en")
	do(t, ctx, chromedp.Navigate(base+"/products"), chromedp.WaitVisible(chromedp.CSS("#product-list")))
	screenshot(t, ctx, dir, "products.en")
	do(t, ctx, clickTideDB, chromedp.WaitVisible(chromedp.CSS("#version-list")))
	if got := text(t, ctx, "h1"); got != "Product" {
		t.Errorf("product page title %q", got)
	}
	screenshot(t, ctx, dir, "product.en")
}
