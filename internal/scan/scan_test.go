package scan_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"shencha/internal/sbom"
	"shencha/internal/scan"
	"shencha/internal/scan/scantest"
	"shencha/internal/vuln"
)

const (
	osvDir    = "../vuln/testdata/osv"
	reference = "../vuln/testdata/proton-bridge-v1.6.3.osv-scanner.json"
)

var forms = []string{
	"../sbom/testdata/cyclonedx-examples/SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json",
	"../sbom/testdata/cyclonedx-examples/SBOM_proton-bridge_proton-bridge-v1.6.3.bom.xml",
	"../sbom/testdata/spdx-examples/proton-bridge-v1.6.3.spdx.json",
	"../sbom/testdata/spdx-examples/proton-bridge-v1.6.3.spdx",
}

func loadDB(t testing.TB) *vuln.DB {
	t.Helper()
	recs, _, err := vuln.Import(osvDir, vuln.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return vuln.NewDB(recs)
}

func parse(t testing.TB, path string) *sbom.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := sbom.Parse(f, sbom.DefaultLimits)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

// pairs renders findings as "name@version advisory" lines.
func pairs(r *scan.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Component.Name+"@"+strings.TrimPrefix(f.Component.Version, "v")+" "+f.Advisory)
	}
	sort.Strings(out)
	return out
}

// TestRecallAgainstPeer: every package and advisory osv-scanner v2.4.0
// found in proton-bridge v1.6.3 is found, identically in the four forms,
// and nothing beyond it.
func TestRecallAgainstPeer(t *testing.T) {
	db := loadDB(t)
	var ref struct {
		Matches []struct {
			Name, Version string
			IDs           []string
		}
	}
	b, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range ref.Matches {
		for _, id := range m.IDs {
			want = append(want, m.Name+"@"+strings.TrimPrefix(m.Version, "v")+" "+id)
		}
	}
	sort.Strings(want)
	if len(want) != 58 {
		t.Fatalf("reference has %d matches, want 58", len(want))
	}
	for _, path := range forms {
		r := scan.Run(parse(t, path), db, nil)
		if got := pairs(r); !slices.Equal(got, want) {
			t.Errorf("%s: %d matches, want the reference's %d\n got %v\nwant %v", path, len(got), len(want), got, want)
		}
		if r.Affected != 58 || r.AdvisoryDigest != db.Digest() {
			t.Errorf("%s: affected %d, digest %s", path, r.Affected, r.AdvisoryDigest)
		}
	}
}

// TestPrecision: each matched package moved to a fixed version of the
// advisory no longer matches it.
func TestPrecision(t *testing.T) {
	db := loadDB(t)
	doc := parse(t, forms[0])
	r := scan.Run(doc, db, nil)
	moved := 0
	for _, f := range r.Findings {
		if len(f.Fixed) == 0 {
			continue // an open range: no fixed version exists
		}
		fixed := *doc
		fixed.VEX = nil
		fixed.Components = nil
		for _, c := range doc.Components {
			if c.PURL == f.Component.PURL {
				c.Version = f.Fixed[0]
				c.PURL = c.PURL[:strings.LastIndex(c.PURL, "@")+1] + "v" + strings.TrimPrefix(f.Fixed[0], "v")
			}
			fixed.Components = append(fixed.Components, c)
		}
		for _, g := range scan.Run(&fixed, db, nil).Findings {
			if g.Component.Name == f.Component.Name && g.Advisory == f.Advisory {
				t.Errorf("%s at fixed version %s still matches %s", f.Component.Name, f.Fixed[0], f.Advisory)
			}
		}
		moved++
	}
	if moved < 50 {
		t.Errorf("only %d findings had a fixed version to move to", moved)
	}
}

// TestVEX: a provider statement marks one advisory not_affected; the report
// shows it suppressed with the reason, and the rest unchanged.
func TestVEX(t *testing.T) {
	db := loadDB(t)
	doc := parse(t, forms[0])
	vexDoc := `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/proton-bridge-1","author":"Proton AG","timestamp":"2026-03-01T00:00:00Z","version":1,
"statements":[{"vulnerability":{"name":"GO-2020-0017"},"products":[{"@id":"pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0"}],
"status":"not_affected","justification":"vulnerable_code_not_in_execute_path","impact_statement":"Bridge never validates audience claims with jwt-go."}]}`
	st, err := sbom.ParseVEX(strings.NewReader(vexDoc), sbom.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	plain := scan.Run(doc, db, nil)
	r := scan.Run(doc, db, st)
	if r.Affected != plain.Affected-1 || len(r.Findings) != len(plain.Findings) {
		t.Fatalf("affected %d of %d, before VEX %d", r.Affected, len(r.Findings), plain.Affected)
	}
	for _, f := range r.Findings {
		if f.Advisory == "GO-2020-0017" {
			if !f.Suppressed || f.VEX == nil || f.VEX.Status != "not_affected" || f.VEX.Justification != "vulnerable_code_not_in_execute_path" || !strings.Contains(f.VEX.Detail, "audience") {
				t.Errorf("jwt-go finding: %+v %+v", f, f.VEX)
			}
		} else if f.Suppressed || f.VEX != nil {
			t.Errorf("%s changed by a statement about another advisory", f.Advisory)
		}
	}
	// The same statement applied later, over a stored report, has the same effect.
	plain.ApplyVEX(st)
	if plain.Affected != r.Affected {
		t.Errorf("ApplyVEX: affected %d, want %d", plain.Affected, r.Affected)
	}
}

func BenchmarkScanProtonBridge(b *testing.B) {
	db := loadDB(b)
	doc := parse(b, forms[0])
	for b.Loop() {
		scan.Run(doc, db, nil)
	}
}

// BenchmarkScan10k scans the synthetic 10,000-component SBOM (the one
// bench/scan.sh gives osv-scanner) with the database loaded.
func BenchmarkScan10k(b *testing.B) {
	recs, _, err := vuln.Import(osvDir, vuln.DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	db := vuln.NewDB(recs)
	doc, err := sbom.Parse(bytes.NewReader(scantest.SBOM(recs, 10_000)), sbom.DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	var r *scan.Report
	for b.Loop() {
		r = scan.Run(doc, db, nil)
	}
	b.ReportMetric(float64(len(r.Findings)), "findings/scan")
}

// TestRunOrder: findings come in (purl, advisory) order whatever the order
// of the components, and a package listed twice is reported once.
func TestRunOrder(t *testing.T) {
	db := loadDB(t)
	doc := parse(t, forms[0])
	want := scan.Run(doc, db, nil)
	if !slices.IsSortedFunc(want.Findings, func(a, b scan.Finding) int {
		return cmp.Or(strings.Compare(a.Component.PURL, b.Component.PURL), strings.Compare(a.Advisory, b.Advisory))
	}) {
		t.Fatal("findings are not in (purl, advisory) order")
	}
	slices.Reverse(doc.Components)
	dup := doc.Components[len(doc.Components)-1]
	for _, c := range doc.Components {
		if strings.Contains(c.PURL, "golang.org/x/text@") {
			dup = c
		}
	}
	dup.PURL += "?type=module"
	doc.Components = append(doc.Components, dup)
	got := scan.Run(doc, db, nil)
	if !reflect.DeepEqual(got.Findings, want.Findings) {
		t.Fatalf("reordered components with a duplicate give %d findings, want the %d of the original", len(got.Findings), len(want.Findings))
	}
}
