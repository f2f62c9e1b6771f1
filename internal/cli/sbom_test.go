package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

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
