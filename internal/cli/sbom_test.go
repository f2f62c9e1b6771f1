package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"shencha/internal/sbom"
	"shencha/internal/scan"
	"shencha/internal/vuln"
)

const (
	osvDir     = "../vuln/testdata/osv"
	protonJSON = "../sbom/testdata/cyclonedx-examples/SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json"
	protonSPDX = "../sbom/testdata/spdx-examples/proton-bridge-v1.6.3.spdx"
)

// TestSBOMScanMatchesFullDatabase runs `shencha sbom scan`, which reads only
// the advisories naming the SBOM's packages, and expects the findings the
// server's path gives: scan.Run against the whole advisory set.
func TestSBOMScanMatchesFullDatabase(t *testing.T) {
	recs, _, err := vuln.Import(osvDir, vuln.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	full := vuln.NewDB(recs)
	for _, file := range []string{protonJSON, protonSPDX} {
		var out, errb bytes.Buffer
		if code := Main([]string{"sbom", "scan", file, "--osv", osvDir, "--format", "json"}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", file, code, errb.String())
		}
		var got scan.Report
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := sbom.Parse(f, sbom.DefaultLimits)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := scan.Run(doc, full, nil)
		if len(got.Findings) != 58 || !reflect.DeepEqual(got.Findings, want.Findings) {
			t.Fatalf("%s: CLI gives %d findings, the full database %d; or they differ", file, len(got.Findings), len(want.Findings))
		}
		// Only the Go zip is opened: proton-bridge has no crates.
		if got.AdvisoriesSkipped == 0 || got.Advisories+got.AdvisoriesSkipped >= full.Len() {
			t.Errorf("%s: read %d advisories and left %d unread, of %d", file, got.Advisories, got.AdvisoriesSkipped, full.Len())
		}
	}

	var out, errb bytes.Buffer
	if code := Main([]string{"sbom", "scan", protonJSON, "--osv", osvDir}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "GO-2020-0017") || !strings.Contains(out.String(), "were not read") {
		t.Fatalf("table: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if code := Main([]string{"sbom", "scan", protonJSON}, &out, &errb); code == 0 {
		t.Fatal("a scan without --osv succeeded")
	}
}

// BenchmarkSBOMScan runs `shencha sbom scan` in process on proton-bridge,
// reading the advisories each time, as the command does.
func BenchmarkSBOMScan(b *testing.B) {
	for _, format := range []string{"json", "table"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				var out, errb bytes.Buffer
				if code := Main([]string{"sbom", "scan", protonJSON, "--osv", osvDir, "--format", format}, &out, &errb); code != 0 {
					b.Fatal(errb.String())
				}
			}
		})
	}
}

// TestSBOMSelf describes a build's modules as CycloneDX (the replacement
// where a module is replaced, the standard library as the toolchain's
// version), reads it back with the SBOM parser, and scans it: an
// advisory fails --fail-on-affected until the repository's VEX document
// explains it.
func TestSBOMSelf(t *testing.T) {
	bi, err := debug.ParseBuildInfo("go\tgo1.26.8\npath\tshencha/cmd/shencha\nmod\tshencha\t(devel)\t\n" +
		"dep\tgolang.org/x/crypto\tv0.59.0\th1:xS2jhqYbzNrpvkWP2YTDf4TJwBy3ykR03i8vFDxEc7c=\n" +
		"dep\tgithub.com/example/old\tv1.0.0\t\n=>\tgithub.com/example/fork\tv1.0.1\t\n")
	if err != nil {
		t.Fatal(err)
	}
	bi.GoVersion = "go1.26.8" // ParseBuildInfo leaves it out
	b, err := selfSBOM(bi, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sbom.Parse(bytes.NewReader(b), sbom.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	var purls []string
	for _, c := range doc.Components {
		purls = append(purls, c.PURL)
	}
	want := []string{"pkg:golang/shencha", "pkg:golang/stdlib@v1.26.8", "pkg:golang/golang.org/x/crypto@v0.59.0", "pkg:golang/github.com/example/fork@v1.0.1"}
	if doc.Format != sbom.CycloneDXJSON || doc.Name != "shencha" || !reflect.DeepEqual(purls, want) {
		t.Fatalf("sbom self: %s %q %v; want the components %v", doc.Format, doc.Name, purls, want)
	}

	file := filepath.Join(t.TempDir(), "self.cdx.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("sbom", "scan", file, "--osv", osvDir, "--fail-on-affected")
	if code != 1 || !strings.Contains(out, "GO-2026-5932") || !strings.Contains(errOut, "1 findings are not suppressed") {
		t.Fatalf("scan without VEX: %d %s %s", code, out, errOut)
	}
	code, out, errOut = run("sbom", "scan", file, "--osv", osvDir, "--fail-on-affected", "--vex", "../../security/vex.json")
	if code != 0 || !strings.Contains(out, "not_affected (vulnerable_code_not_present)") {
		t.Fatalf("scan with security/vex.json: %d %s %s", code, out, errOut)
	}
}
