package web_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// clickTideDB follows the portal's link to the TideDB product page.
var clickTideDB = chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#product-list a")].find(a => a.textContent.includes("TideDB")).click()`)

// uploaded waits until the list (a selector) names the uploaded file, then
// checks that the progress bar ended at its maximum, at least the file's
// size, and that the page was not reloaded: the test sets
// window.notReloaded before the upload, so htmx must have sent it.
func uploaded(t *testing.T, ctx context.Context, list, name, progressBar string, size int) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("`+list+`").textContent.includes("`+name+`")`)); err != nil {
		t.Fatalf("%s is not listed in %s after the upload: %v", name, list, err)
	}
	progress, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(p => [p.value, p.max])(document.querySelector("`+progressBar+`"))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != 2 || progress[1] < float64(size) || progress[0] != progress[1] {
		t.Errorf("progress [value max] = %v, want both at least %d and equal", progress, size)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !ok {
		t.Errorf("the page was reloaded: htmx did not send the upload (%v)", err)
	}
}

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
	uploaded(t, ctx, "#materials-list", "tidedb-sbom.spdx.json", "#upload-progress", size)
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
