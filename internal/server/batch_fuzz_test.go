package server

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shencha/internal/review"
)

// The batch decoders read a buyer's purchase list as it comes. Seeds: the
// first components of a real SBOM (testdata/, CC0, see its README) as a
// CycloneDX document and as a CSV, and the forms the batch test sends.

// addBatchSeeds adds the files of testdata ending in ext ("" for none) and
// the extra bodies.
func addBatchSeeds(f *testing.F, ext string, extra ...string) {
	var files []string
	if ext != "" {
		files, _ = filepath.Glob(filepath.Join("testdata", "*."+ext))
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkLines holds for every decoded batch: a refused body names a field
// and is a bad request, line numbers count from 1 and increase (no two
// answers name the same line), and each line is a query that names
// something or says which field is wrong.
func checkLines(t *testing.T, lines []batchLine, err error) {
	t.Helper()
	if err != nil {
		var e *review.Error
		if !errors.As(err, &e) || e.Kind != review.KindInvalid || e.Field == "" {
			t.Fatalf("refused without naming a field: %#v", err)
		}
		return
	}
	if len(lines) > MaxBatch+1 {
		t.Fatalf("%d lines", len(lines))
	}
	last := 0
	for _, l := range lines {
		if l.Line <= last {
			t.Fatalf("line %d after line %d", l.Line, last)
		}
		last = l.Line
		if l.err != nil {
			if l.err.Kind != review.KindInvalid || l.err.Field == "" {
				t.Fatalf("line %d refused without naming a field: %#v", l.Line, l.err)
			}
			continue
		}
		if e := l.Query.check(); e != nil {
			t.Fatalf("line %d accepted with no identifier: %+v", l.Line, l.Query)
		}
	}
}

func FuzzBatchCSV(f *testing.F) {
	addBatchSeeds(f, "csv",
		"pkg:generic/huaxin/hx-9000@3.1.0\ncpe:2.3:h:huaxin:hx-9000:3.1.0:*:*:*:*:*:*:*\nsha256:"+strings.Repeat("ab", 32)+"\n1\n\nnot an id\n",
		"listing,product,version,as_of\n1,,,2026-01-01\n,2,3.1.0,\nx,,,\n",
		"purl,note\n\"pkg:generic/a@1\",\"two\nlines\"\n\"bare\"quote\",x\n\n,\npkg:generic/b@2,\"unterminated\n")
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := csvLines(body)
		checkLines(t, lines, err)
		// A cell is read without the spaces around it.
		for _, l := range lines {
			for _, v := range []string{l.Query.PURL, l.Query.CPE, l.Query.Digest, l.Query.Version, l.Query.AsOf} {
				if v != strings.TrimSpace(v) {
					t.Fatalf("line %d: value %q not trimmed", l.Line, v)
				}
			}
		}
	})
}

func FuzzBatchJSON(f *testing.F) {
	addBatchSeeds(f, "",
		`[{"purl":"pkg:generic/huaxin/hx-9000@3.1.0"},{"listing":1,"as_of":"2026-01-01"},{"product":2,"version":"3.1.0"},{},{"purl":1},{"x":1}]`,
		`{"items":[{"cpe":"cpe:2.3:h:a:b:1"},{"digest":"sha256:00"}]}`,
		`  [] `, `{"items":null}`, `[null,[],"x"]`)
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := jsonLines(body)
		checkLines(t, lines, err)
	})
}

func FuzzBatchSBOM(f *testing.F) {
	addBatchSeeds(f, "cdx.json")
	for _, name := range []string{"HBOM_PCIe-SATA-adapter-board-bom.json", "VEX_CISA-Use-Cases_Case-7-bom-1.json"} {
		// Real documents of the SBOM package's test data (CC0).
		if b, err := os.ReadFile(filepath.Join("..", "sbom", "testdata", "cyclonedx-examples", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := sbomLines(body)
		checkLines(t, lines, err)
		for _, l := range lines {
			if l.Query.PURL != "" && l.Query.CPE != "" {
				t.Fatalf("line %d asks by purl and CPE at once: %+v", l.Line, l.Query)
			}
		}
	})
}
