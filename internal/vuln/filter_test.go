package vuln

import (
	"reflect"
	"strings"
	"testing"
)

// TestImportForMatchesLikeImport matches packages, half of them named by
// advisories, against a full import and against one restricted to them: the
// matches are the same, and the restricted import parsed fewer records.
func TestImportForMatchesLikeImport(t *testing.T) {
	recs, stats, full := loadTestdata(t)
	for _, n := range []int{200, 10_000} {
		pkgs := scanPackages(full, n)
		// Names that normalise, so the lower-case and PEP 503 lookups are used.
		pkgs = append(pkgs, Package{Ecosystem: "PyPI", Name: "Some_Project", Version: "1.0"},
			Package{Ecosystem: "NuGet", Name: "Newtonsoft.Json", Version: "12.0.1"})
		part, pstats, err := ImportFor("testdata/osv", DefaultLimits, pkgs)
		if err != nil {
			t.Fatal(err)
		}
		if len(part) >= len(recs) || pstats.Unneeded == 0 {
			t.Fatalf("%d packages: restricted import kept %d of %d records, %d unneeded: nothing was left out", n, len(part), len(recs), pstats.Unneeded)
		}
		if len(part)+pstats.Unneeded != stats.Records {
			t.Errorf("%d packages: kept %d + unneeded %d != %d records of a full import", n, len(part), pstats.Unneeded, stats.Records)
		}
		db := NewDB(part)
		matched := 0
		for _, p := range pkgs {
			want, werr := full.Match(p)
			got, gerr := db.Match(p)
			if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s %s@%s: restricted import gives %v (%v), full import %v (%v)", p.Ecosystem, p.Name, p.Version, got, gerr, want, werr)
			}
			matched += len(got)
		}
		if matched < n/10 {
			t.Fatalf("%d packages: only %d matches: the comparison says little", n, matched)
		}
		t.Logf("%d packages: restricted import read %d of %d records; %d matches identical", n, len(part), len(recs), matched)
	}
}

func TestMayName(t *testing.T) {
	want := newNames([]Package{
		{Ecosystem: "Go", Name: "golang.org/x/net"},
		{Ecosystem: "PyPI", Name: "zope.interface"},
		{Ecosystem: "NuGet", Name: "Newtonsoft.Json"},
	})
	for _, c := range []struct {
		doc  string
		want bool
	}{
		{`{"affected":[{"package":{"name":"golang.org/x/net","ecosystem":"Go"}}]}`, true},
		{`{"affected":[{"package":{"name":"golang.org/x/text","ecosystem":"Go"}}]}`, false},
		// encoding/json matches keys case-insensitively.
		{`{"affected":[{"package":{"NAME":"golang.org/x/net"}}]}`, true},
		{"{\"affected\":[{\"package\":{\"name\" \t\r\n: \n \"golang.org/x/net\"}}]}", true},
		// Registry spellings: PEP 503 and NuGet's case.
		{`{"affected":[{"package":{"name":"Zope_Interface"}}]}`, true},
		{`{"affected":[{"package":{"name":"newtonsoft.json"}}]}`, true},
		// An escaped value or any \u escape is read in full, whatever it says.
		{`{"affected":[{"package":{"name":"golang.org\/x\/text"}}]}`, true},
		{`{"n\u0061me":"golang.org/x/text"}`, true},
		// The name only as a value of other keys, or a "name" key without
		// a string value.
		{`{"summary":"name","details":"golang.org/x/net","credits":[{"name":1}],"x":"name"}`, false},
		{`{"name"`, false},
		{`{"name":"golang.org/x/net`, false},
		{``, false},
	} {
		if got := want.mayName([]byte(c.doc)); got != c.want {
			t.Errorf("mayName(%s) = %v, want %v", c.doc, got, c.want)
		}
	}
	var all *names
	if !all.mayName([]byte(`{}`)) {
		t.Error("a nil filter must want every record")
	}
}

// FuzzMayName checks the filter never drops a record it should keep: when a
// document parses as a record, mayName is true for the names of its
// affected packages.
func FuzzMayName(f *testing.F) {
	seedRecords(f)
	f.Add([]byte(`{"id":"X-1","affected":[{"package":{"Name":"a\"b","ecosystem":"PyPI"}}]}`))
	f.Add([]byte(`{"id":"X-1","affected":[{"package":{"nAmE" : "A.B","ecosystem":"NuGet"}}]}`))
	f.Add([]byte(`{"id":"X-1","affected":[{"package":{"name":"github.com/Foo/Bar","ecosystem":"Go"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			return
		}
		for _, a := range r.Affected {
			n := newNames([]Package{{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name}})
			if !n.mayName(b) {
				t.Fatalf("record names %s package %q but mayName is false:\n%s", a.Package.Ecosystem, a.Package.Name, b)
			}
			// The same package as an SBOM might spell it in a registry
			// that folds names.
			base, _ := splitEcosystem(a.Package.Ecosystem)
			if base == "Go" { // DB.Match falls back to ignoring case
				lower := newNames([]Package{{Ecosystem: "Go", Name: strings.ToLower(a.Package.Name)}})
				if !lower.mayName(b) {
					t.Fatalf("record names Go module %q but mayName(lower case) is false:\n%s", a.Package.Name, b)
				}
			}
			if upper := strings.ToUpper(a.Package.Name); normName(base, upper) == normName(base, a.Package.Name) {
				up := newNames([]Package{{Ecosystem: a.Package.Ecosystem, Name: upper}})
				if !up.mayName(b) {
					t.Fatalf("record names %s package %q but mayName(upper case) is false:\n%s", a.Package.Ecosystem, a.Package.Name, b)
				}
			}
		}
	})
}
