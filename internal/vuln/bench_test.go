package vuln

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// BenchmarkImport imports the whole testdata set (Go and crates.io, 5,497
// records) and indexes it.
func BenchmarkImport(b *testing.B) {
	for b.Loop() {
		recs, _, err := Import("testdata/osv", DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		NewDB(recs)
	}
}

// scanPackages builds n packages deterministically from db: every other one
// is a package some advisory names, at a version taken from the
// advisory's events (introduced versions are inside a range, fixed ones
// outside, a "0.0.0" one before everything), with Go's "v" as SBOMs write
// it; the others are packages no advisory names.
func scanPackages(db *DB, n int) []Package {
	type named struct {
		eco, name string
		versions  []string
	}
	byKey := map[string]*named{}
	for _, r := range db.recs {
		if !r.Withdrawn.IsZero() {
			continue
		}
		for _, a := range r.Affected {
			k := a.Package.Ecosystem + "\x00" + a.Package.Name
			p := byKey[k]
			if p == nil {
				p = &named{eco: a.Package.Ecosystem, name: a.Package.Name, versions: []string{"0.0.0"}}
				byKey[k] = p
			}
			for _, rg := range a.Ranges {
				for _, e := range rg.Events {
					if v := e.version(); v != "0" && !slices.Contains(p.versions, v) {
						p.versions = append(p.versions, v)
					}
				}
			}
		}
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range byKey {
			if !yield(k) {
				return
			}
		}
	})
	pkgs := make([]Package, 0, n)
	for i := range n {
		if i%2 == 1 {
			if i%4 == 1 {
				pkgs = append(pkgs, Package{Ecosystem: "Go", Name: fmt.Sprintf("example.com/unknown/m%d", i), Version: fmt.Sprintf("v1.%d.0", i)})
			} else {
				pkgs = append(pkgs, Package{Ecosystem: "crates.io", Name: fmt.Sprintf("unknown-crate-%d", i), Version: fmt.Sprintf("0.%d.1", i)})
			}
			continue
		}
		p := byKey[keys[(i/2*7919)%len(keys)]] // a prime stride spreads the picks
		v := p.versions[(i/2)%len(p.versions)]
		if p.eco == "Go" {
			v = "v" + strings.TrimPrefix(v, "v")
		}
		pkgs = append(pkgs, Package{Ecosystem: p.eco, Name: p.name, Version: v})
	}
	return pkgs
}

// BenchmarkMatch scans 10,000 packages; one op is the whole scan.
func BenchmarkMatch(b *testing.B) {
	_, _, db := loadTestdata(b)
	pkgs := scanPackages(db, 10_000)
	matches, affected := 0, 0
	for _, p := range pkgs {
		ms, err := db.Match(p)
		if err != nil {
			b.Fatal(err)
		}
		matches += len(ms)
		if len(ms) > 0 {
			affected++
		}
	}
	for b.Loop() {
		for _, p := range pkgs {
			if _, err := db.Match(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(matches), "matches/scan")
	b.ReportMetric(float64(affected), "affected/scan")
}
