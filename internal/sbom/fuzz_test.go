package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fuzzLimits keep each run small; the limits themselves are under test.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxComponents: 500}

const openVEXSeed = `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-05-01T10:00:00Z",
"statements":[{"vulnerability":{"name":"CVE-1","aliases":["GHSA-1"]},"products":[{"@id":"pkg:npm/a@1","identifiers":{"purl":"pkg:npm/a@1"},
"subcomponents":[{"@id":"pkg:npm/b@2"}]}],"status":"not_affected","justification":"component_not_present","impact_statement":"i"}]}`

const tagValueSeed = "SPDXVersion: SPDX-2.3\nDocumentName: d\nCreator: Tool: t\nCreated: 2024-01-01T00:00:00Z\n" +
	"PackageName: a\nSPDXID: SPDXRef-a\nPackageVersion: 1\nExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1\n" +
	"PackageComment: <text>two\nlines</text>\nFileName: f\nSPDXID: SPDXRef-f\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\n"

// seeds are the small test files and the documents the tests write.
func seeds(f *testing.F, vexOnly bool) {
	files, _ := filepath.Glob("testdata/*/*")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil || len(data) > 32<<10 || strings.Contains(name, "LICENSE") {
			continue // large seeds slow every mutation down
		}
		if vexOnly && !strings.Contains(name, "VEX") {
			continue
		}
		f.Add(data)
	}
	f.Add([]byte(openVEXSeed))
	f.Add([]byte(cdx16JSON))
	f.Add([]byte(cdx16XML))
	if !vexOnly {
		f.Add([]byte(tagValueSeed))
		f.Add([]byte(generate("cdx-xml-subject", 3)))
		f.Add([]byte(generate("spdx-json", 3)))
	}
}

// checkError: every failure names its kind and the package.
func checkError(t *testing.T, err error) {
	t.Helper()
	for _, kind := range []error{ErrTooLarge, ErrTooDeep, ErrTooMany, ErrUnknownFormat, ErrInvalid} {
		if errors.Is(err, kind) {
			if !strings.HasPrefix(err.Error(), "sbom: ") {
				t.Fatalf("error without the package name: %v", err)
			}
			return
		}
	}
	t.Fatalf("error of no known kind: %v", err)
}

func FuzzParse(f *testing.F) {
	seeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			checkError(t, err)
			return
		}
		max := fuzzLimits.MaxComponents
		if len(d.Components) > max || len(d.Services) > max || len(d.VEX) > max || len(d.Dependencies) > max {
			t.Fatalf("limits passed: %d components, %d services, %d statements, %d dependencies",
				len(d.Components), len(d.Services), len(d.VEX), len(d.Dependencies))
		}
		switch d.Format {
		case CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTagValue, OpenVEX:
		default:
			t.Fatalf("format %q", d.Format)
		}
		if len(d.Kinds) == 0 && d.Format != OpenVEX {
			t.Fatalf("no kinds")
		}
		for _, c := range d.Components {
			typ := strings.ToLower(c.Type)
			if c.PURL != strings.TrimSpace(c.PURL) || c.Hardware != (typ == "device" || typ == "firmware") {
				t.Fatalf("component %+v", c)
			}
		}
		for _, s := range d.VEX {
			if s.Vulnerability == "" || s.Status == "" {
				t.Fatalf("statement %+v", s)
			}
		}
		q := d.Quality()
		if q.Score < 0 || q.Score > 100 || len(q.Elements) != 7 {
			t.Fatalf("quality %+v", q)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		// Parsing is deterministic.
		again, err := Parse(bytes.NewReader(data), fuzzLimits)
		if err != nil || !reflect.DeepEqual(d, again) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}

func FuzzParseVEX(f *testing.F) {
	seeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseVEX(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			checkError(t, err)
			return
		}
		if len(st) > fuzzLimits.MaxComponents {
			t.Fatalf("%d statements", len(st))
		}
		for _, s := range st {
			switch s.Status {
			case "not_affected", "affected", "fixed", "under_investigation":
			default:
				t.Fatalf("status %q", s.Status)
			}
			if s.Vulnerability == "" {
				t.Fatalf("statement without a vulnerability: %+v", s)
			}
		}
		if _, err := json.Marshal(st); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}
