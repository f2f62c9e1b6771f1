// Package pdftest reads PDFs in tests with Debian's poppler-utils: the
// text pdftotext extracts, and the first page as a PNG from pdftoppm. A
// test that needs them skips when they are missing, except under CI=true,
// where it fails (.ci/run installs poppler-utils).
package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// need skips or fails the test when a poppler tool is missing.
func need(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: the PDF tests must run under CI=true (apt-get install poppler-utils)", tool)
		}
		t.Skipf("%s is not installed (apt-get install poppler-utils)", tool)
	}
}

// Text is the text pdftotext extracts from a PDF, in reading order.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	need(t, "pdftotext")
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, errb.Bytes())
	}
	return out.String()
}

// FirstPage writes the first page of a PDF as name.png into dir (at 100
// dpi) and returns the file's path.
func FirstPage(t testing.TB, pdf []byte, dir, name string) string {
	t.Helper()
	need(t, "pdftoppm")
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, name)
	if out, err := exec.Command("pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", in, base).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	png, err := os.ReadFile(base + ".png")
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("pdftoppm wrote no PNG at %s.png: %v", base, err)
	}
	t.Logf("first page: %s.png", base)
	return base + ".png"
}

// Artifacts is where screenshots go: SHENCHA_ARTIFACTS, else the test's
// temporary directory.
func Artifacts(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SHENCHA_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
