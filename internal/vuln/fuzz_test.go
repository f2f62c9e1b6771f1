package vuln

import (
	"bytes"
	"testing"
)

// fuzzLimits keep each fuzz input cheap.
var fuzzLimits = Limits{MaxRecordBytes: 64 << 10, MaxZipEntries: 1000, MaxTotalBytes: 1 << 20, MaxCompressionRatio: 100}

// seedRecords adds real records of both databases to a fuzz corpus,
// picked for variety: withdrawn, several affected entries, CVSS v3 and v4.
func seedRecords(f *testing.F) {
	want := map[string]bool{"GO-2020-0001.json": true, "GO-2023-2185.json": true, "GO-2024-2730.json": true,
		"GO-2025-3540.json": true, "RUSTSEC-2016-0001.json": true, "RUSTSEC-2022-0012.json": true, "RUSTSEC-2026-0020.json": true}
	for _, eco := range []string{"Go", "crates.io"} {
		for _, e := range zipEntries(f, "testdata/osv/"+eco+"/all.zip") {
			if want[e.name] {
				f.Add(e.data)
			}
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	seedRecords(f)
	f.Add([]byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"Debian:11","name":"curl"},"versions":["1:7.0-1"],"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"limit":"8"},{"fixed":"7.74.0-1.3+deb11u2"}]}]}]}`))
	f.Add([]byte(`{"id":"X-2","aliases":["X-1"],"affected":[{"package":{"ecosystem":"PyPI","name":"a.b_c"},"ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"0"}]},{"type":"ECOSYSTEM","events":[{"introduced":"1.0rc1"},{"last_affected":"2!1.0.post1"}]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			return
		}
		if r.ID == "" || !bytes.Equal(r.Raw, b) {
			t.Fatalf("accepted a record with id %q, raw changed: %v", r.ID, !bytes.Equal(r.Raw, b))
		}
		SeverityOf(r)
		other := r
		other.ID += "-other"
		other.Aliases = []string{r.ID}
		db := NewDB([]Record{r, other})
		if db.Len() != 2 {
			t.Fatalf("Len = %d", db.Len())
		}
		// Match every affected package at every version the record names.
		for _, a := range r.Affected {
			var vs []string
			vs = append(vs, a.Versions...)
			for _, rg := range a.Ranges {
				for _, e := range rg.Events {
					vs = append(vs, e.version(), "v"+e.version(), e.version()+".1")
				}
			}
			for _, v := range vs {
				ev, err := db.Evaluate(Package{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, Version: v})
				if err != nil {
					continue
				}
				if len(ev.Matches) > 1 {
					t.Fatalf("a record and its alias gave %d matches", len(ev.Matches))
				}
			}
		}
	})
}

func FuzzParsePURL(f *testing.F) {
	for _, s := range []string{
		"pkg:golang/github.com/foo/bar/v2@v2.1.0", "pkg:golang/stdlib@go1.21.3", "pkg:cargo/openssl@0.10.48",
		"pkg:npm/%40angular/core@12.3.1", "pkg:pypi/Django_Rest.Framework@3.12.0", "pkg:maven/org.a/b@1?type=jar",
		"pkg:gem/rails@6", "pkg:nuget/N.J@1", "pkg:composer/a/b@1", "pkg:hex/p@1", "pkg:pub/h@1",
		"pkg:deb/debian/curl@7.74.0-1.3%2Bdeb11u1?distro=debian-11", "pkg:apk/alpine/curl@8.1.2-r0?distro=alpine-3.18.4",
		"pkg:rpm/almalinux/openssl@3.0.7?distro=almalinux-9&epoch=1", "pkg:github/a/b@c", "pkg:generic/x@1", "pkg://golang//a//b@@v1#x",
	} {
		f.Add(s)
	}
	db := NewDB(nil)
	f.Fuzz(func(t *testing.T, s string) {
		if p, ok := parsePlainPURL(s); ok {
			if q, err := parsePURL(s); err != nil || q != p {
				t.Fatalf("%q: plain %+v, general %+v, %v", s, p, q, err)
			}
		}
		p, err := ParsePURL(s)
		if err != nil {
			return
		}
		if p.Ecosystem == "" || p.Name == "" || p.PURL != s {
			t.Fatalf("%q: %+v", s, p)
		}
		if q, _ := ParsePURL(s); q != p {
			t.Fatalf("%q: %+v then %+v", s, p, q)
		}
		db.Match(p)
	})
}

func FuzzImportZip(f *testing.F) {
	f.Add(makeZip(f, zipEntry{"GO-2099-0001.json", []byte(goRecord("GO-2099-0001"))}))
	f.Add(makeZip(f, zipEntry{"a.json", []byte(`{"id":"X-1"}`)}, zipEntry{"b/", nil}, zipEntry{"c.txt", []byte("x")}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, stats, err := ImportZip(bytes.NewReader(b), int64(len(b)), fuzzLimits)
		if err != nil {
			return
		}
		if stats.Records != len(recs) {
			t.Fatalf("stats say %d records, got %d", stats.Records, len(recs))
		}
		for _, r := range recs {
			if _, err := ParseRecord(r.Raw); err != nil {
				t.Fatalf("returned a record that does not parse: %v", err)
			}
		}
		NewDB(recs).Digest()
	})
}

func FuzzCVSS3(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N/E:X")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := CVSS3BaseScore(v)
		if err == nil && (s < 0 || s > 10) {
			t.Fatalf("%q = %v", v, s)
		}
	})
}

// FuzzMatch matches arbitrary versions in every ecosystem with a version
// comparison, against records of those ecosystems.
func FuzzMatch(f *testing.F) {
	ecos := []string{"Go", "crates.io", "npm", "PyPI", "Maven", "RubyGems", "NuGet", "Packagist", "Hex", "Pub",
		"Debian:11", "Ubuntu:22.04", "Alpine:v3.18", "AlmaLinux:9", "Red Hat", "CRAN", "Hackage"}
	var raws []string
	for _, eco := range ecos {
		raws = append(raws, rec("X-"+eco, eco, "p", `"versions":["1.0"],"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.3-r4"}]},{"type":"ECOSYSTEM","events":[{"introduced":"2.0a1"},{"last_affected":"2.9.9"}]}]`))
	}
	db := NewDB(mustRecords(f, raws...))
	for _, v := range []string{"1.0", "v1.2.3", "1:2.3-4ubuntu1", "2.0a1.post3.dev4", "1.2.3_rc4-r5", "go1.21rc2", "1.0-SNAPSHOT"} {
		f.Add(uint8(0), v)
	}
	f.Fuzz(func(t *testing.T, i uint8, v string) {
		db.Evaluate(Package{Ecosystem: ecos[int(i)%len(ecos)], Name: "p", Version: v})
	})
}
