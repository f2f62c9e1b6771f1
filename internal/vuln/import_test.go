package vuln

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// wantDigest is the digest of testdata/osv. It changes only when the
// testdata or the digest's definition changes; the latter breaks the
// reproducibility of every stored result, so think twice.
const wantDigest = "sha256:b0a830bea207f603236f80442cdf4094dc04b5a53f6cc8df1940ecda29996215"

func TestImportTestdata(t *testing.T) {
	recs, stats, db := loadTestdata(t)
	t.Run("Counts", func(t *testing.T) {
		// The data README says 4,291 Go advisories; crates.io has 1,206
		// (counted with unzip -l). 17 Go and 13 crates.io ones are withdrawn.
		if want := map[string]int{"Go": 4291, "crates.io": 1206}; !maps.Equal(stats.Ecosystems, want) {
			t.Errorf("ecosystems = %v, want %v", stats.Ecosystems, want)
		}
		if stats.Archives != 2 || stats.Files != 5497 || stats.Records != 5497 || len(recs) != 5497 || db.Len() != 5497 {
			t.Errorf("archives %d, files %d, records %d (%d, db %d), want 2, 5497, 5497", stats.Archives, stats.Files, stats.Records, len(recs), db.Len())
		}
		if stats.Withdrawn != 30 {
			t.Errorf("withdrawn = %d, want 30", stats.Withdrawn)
		}
		if len(stats.Skipped) != 0 {
			t.Errorf("skipped = %v, want none", stats.Skipped)
		}
		withSeverity := 0
		for _, r := range recs {
			if strings.HasPrefix(r.ID, "GO-") && len(r.Severity) > 0 {
				t.Errorf("%s has a severity; the Go database gives none", r.ID)
			}
			if SeverityOf(r).Rating != RatingUnrated {
				withSeverity++
			}
		}
		if withSeverity != 360 { // the crates.io records with a CVSS v3 vector
			t.Errorf("%d records rated, want 360", withSeverity)
		}
	})
	t.Run("Digest", func(t *testing.T) {
		if got := db.Digest(); got != wantDigest {
			t.Errorf("digest = %s, want %s", got, wantDigest)
		}
		again, _, err := Import("testdata/osv", DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if d := NewDB(again).Digest(); d != wantDigest {
			t.Errorf("second import: digest = %s", d)
		}
		rev := slices.Clone(recs)
		slices.Reverse(rev)
		if d := NewDB(rev).Digest(); d != wantDigest {
			t.Errorf("records reversed: digest = %s", d)
		}
		// One advisory set read from zips with the entries in another order.
		var all []zipEntry
		for _, eco := range []string{"crates.io", "Go"} {
			all = append(all, zipEntries(t, filepath.Join("testdata/osv", eco, "all.zip"))...)
		}
		slices.Reverse(all)
		z := buildZip(t, zip.Store, all)
		recs2, _, err := ImportZip(bytes.NewReader(z), int64(len(z)), DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if d := NewDB(recs2).Digest(); d != wantDigest {
			t.Errorf("one zip, entries reversed: digest = %s", d)
		}
		if d := NewDB(nil).Digest(); d == wantDigest || !strings.HasPrefix(d, "sha256:") {
			t.Errorf("empty set: digest = %s", d)
		}
	})
}

func TestImportLayouts(t *testing.T) {
	_, _, db := loadTestdata(t)
	goZip, err := os.ReadFile("testdata/osv/Go/all.zip")
	if err != nil {
		t.Fatal(err)
	}
	cratesZip, err := os.ReadFile("testdata/osv/crates.io/all.zip")
	if err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T, path string, b []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("OSVScannerFolder", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "osv-scanner", "Go", "all.zip"), goZip)
		write(t, filepath.Join(dir, "osv-scanner", "crates.io", "all.zip"), cratesZip)
		write(t, filepath.Join(dir, "elsewhere.json"), []byte("not read: osv-scanner/ is the root"))
		recs, stats, err := Import(dir, DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if d := NewDB(recs).Digest(); d != wantDigest || len(stats.Skipped) != 0 {
			t.Errorf("digest %s, skipped %v", d, stats.Skipped)
		}
	})
	t.Run("SingleZip", func(t *testing.T) {
		recs, stats, err := Import("testdata/osv/Go/all.zip", DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 4291 || stats.Ecosystems["Go"] != 4291 || stats.Archives != 1 {
			t.Errorf("%d records, stats %+v", len(recs), stats)
		}
	})
	t.Run("JSONDirectory", func(t *testing.T) {
		dir := t.TempDir()
		var want []Record
		for i, e := range zipEntries(t, "testdata/osv/crates.io/all.zip")[:40] {
			write(t, filepath.Join(dir, fmt.Sprint(i%3), "sub", e.name), e.data)
			r, _ := db.Get(strings.TrimSuffix(e.name, ".json"))
			want = append(want, r)
		}
		write(t, filepath.Join(dir, "notes.txt"), []byte("ignored"))
		recs, stats, err := Import(dir, DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 40 || stats.Files != 40 || stats.Archives != 0 || NewDB(recs).Digest() != NewDB(want).Digest() {
			t.Errorf("%d records, stats %+v", len(recs), stats)
		}
		one := filepath.Join(dir, "0", "sub", "RUSTSEC-2016-0001.json")
		recs, _, err = Import(one, DefaultLimits)
		if err != nil || len(recs) != 1 || recs[0].ID != "RUSTSEC-2016-0001" {
			t.Errorf("single file: %v, %v", recs, err)
		}
	})
	t.Run("ErrNothingThere", func(t *testing.T) {
		if _, _, err := Import(t.TempDir(), DefaultLimits); err == nil || !strings.Contains(err.Error(), "no .zip or .json") {
			t.Errorf("empty directory: err = %v", err)
		}
		if _, _, err := Import(filepath.Join(t.TempDir(), "missing"), DefaultLimits); err == nil {
			t.Error("missing path: no error")
		}
	})
	t.Run("Duplicates", func(t *testing.T) {
		older := `{"id":"GO-2099-0001","modified":"2024-01-01T00:00:00Z","summary":"old","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`
		newer := strings.Replace(strings.Replace(older, "2024-01-01", "2025-01-01", 1), `"old"`, `"new"`, 1)
		same1 := strings.Replace(older, `"old"`, `"same time, one"`, 1)
		same2 := strings.Replace(older, `"old"`, `"same time, two"`, 1)
		var winners []string
		for _, order := range [][]string{{older, newer, same1, same2}, {same2, newer, older, same1}, {same1, same2, newer, older}} {
			var es []zipEntry
			for i, r := range order {
				es = append(es, zipEntry{fmt.Sprintf("%d.json", i), []byte(r)})
			}
			z := makeZip(t, es...)
			recs, stats, err := ImportZip(bytes.NewReader(z), int64(len(z)), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || stats.Skipped[SkipDuplicate] != 3 {
				t.Fatalf("%d records, skipped %v", len(recs), stats.Skipped)
			}
			winners = append(winners, recs[0].Summary)
			if d1, d2 := NewDB(mustRecords(t, order...)).Digest(), NewDB(recs).Digest(); d1 != d2 {
				t.Errorf("NewDB keeps another duplicate than Import: %s != %s", d1, d2)
			}
		}
		if winners[0] != "new" || winners[1] != "new" || winners[2] != "new" {
			t.Errorf("winners = %q, want the later modified each time", winners)
		}
		a := NewDB(mustRecords(t, same1, same2)).Digest()
		b := NewDB(mustRecords(t, same2, same1)).Digest()
		if a != b {
			t.Errorf("equal modified times: the winner depends on order")
		}
	})
}

// goRecord is a small valid record of the Go ecosystem.
func goRecord(id string) string {
	return `{"id":"` + id + `","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}`
}

// rawEntry is a zip entry whose header claims the given uncompressed size:
// a lying or an honest one.
type rawEntry struct {
	name    string
	data    []byte // deflated when written
	claimed uint64
}

// rawZip builds a zip of raw entries.
func rawZip(t *testing.T, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write(e.data)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate, CompressedSize64: uint64(comp.Len()), UncompressedSize64: e.claimed})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importBounded imports a zip, failing the test if that allocates more
// than budget bytes (runtime.MemStats.TotalAlloc).
func importBounded(t *testing.T, z []byte, lim Limits, budget uint64) (ImportStats, error) {
	t.Helper()
	var before, after runtime.MemStats
	var stats ImportStats
	var err error
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, stats, err = ImportZip(bytes.NewReader(z), int64(len(z)), lim)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > budget {
		t.Errorf("the import allocated %d bytes, more than %d", n, budget)
	}
	return stats, err
}

func TestImportZipBombs(t *testing.T) {
	const budget = 8 << 20 // what one import of these zips may allocate
	small := []byte(goRecord("GO-2099-0002"))
	padded := goRecord("GO-2099-0001")
	padded = padded[:len(padded)-1] + `,"details":"` + strings.Repeat(" ", 900<<10) + `"}`
	for _, tc := range []struct {
		name   string
		zip    []byte
		skip   string // the skip reason of the bomb entry
		others int    // records besides it
	}{
		{"EntryClaimsHugeSize", rawZip(t, rawEntry{"GO-2099-0001.json", []byte(goRecord("GO-2099-0001")), 10 << 30},
			rawEntry{"GO-2099-0002.json", small, uint64(len(small))}), SkipTooLarge, 1},
		// 64 MiB of zeros that the header says are 100 bytes.
		{"EntryLiesSmall", rawZip(t, rawEntry{"GO-2099-0001.json", make([]byte, 64<<20), 100}), SkipCorrupt, 0},
		// An honest entry under MaxRecordBytes that deflates 1000:1.
		{"AbsurdRatio", makeZip(t, zipEntry{"GO-2099-0001.json", []byte(padded)}, zipEntry{"GO-2099-0002.json", small}), SkipRatio, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stats, err := importBounded(t, tc.zip, DefaultLimits, budget)
			if err != nil || stats.Records != tc.others || stats.Skipped[tc.skip] != 1 {
				t.Errorf("err %v, stats %+v; want %d records and %s skipped", err, stats, tc.others, tc.skip)
			}
		})
	}
	t.Run("ErrTotalTooLarge", func(t *testing.T) {
		// 1,100 entries that each claim 1,000,000 bytes: over 1 GiB.
		var es []rawEntry
		for i := range 1100 {
			es = append(es, rawEntry{fmt.Sprintf("GO-2099-%04d.json", i), small, 1_000_000})
		}
		if _, err := importBounded(t, rawZip(t, es...), DefaultLimits, budget); err == nil || !strings.Contains(err.Error(), "MaxTotalBytes") {
			t.Errorf("err = %v", err)
		}
		// And the bytes actually read count too, over several files.
		dir := t.TempDir()
		for i := range 3 {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("GO-2099-%d.json", i)), []byte(goRecord(fmt.Sprintf("GO-2099-%d", i))), 0o644)
		}
		_, _, err := Import(dir, Limits{MaxTotalBytes: int64(2*len(goRecord("GO-2099-0")) + 10)})
		if err == nil || !strings.Contains(err.Error(), "MaxTotalBytes") {
			t.Errorf("loose files: err = %v", err)
		}
	})
	t.Run("ErrTooManyEntries", func(t *testing.T) {
		// Over 65,535 entries: the zip64 end of central directory.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range 70_000 {
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Store}); err != nil {
				t.Fatal(err)
			}
		}
		zw.Close()
		if n, ok := zipEntryCount(bytes.NewReader(buf.Bytes()), int64(buf.Len())); !ok || n != 70_000 {
			t.Errorf("zipEntryCount = %d, %v", n, ok)
		}
		// Refused from the end record, before reading the directory.
		_, err := importBounded(t, buf.Bytes(), Limits{MaxZipEntries: 65_000}, 1<<20)
		if err == nil || !strings.Contains(err.Error(), "70000 entries, over the limit of 65000") {
			t.Errorf("err = %v", err)
		}
		small := makeZip(t, zipEntry{"a.json", nil}, zipEntry{"b.json", nil}, zipEntry{"c.json", nil})
		if _, _, err := ImportZip(bytes.NewReader(small), int64(len(small)), Limits{MaxZipEntries: 2}); err == nil {
			t.Error("3 entries, limit 2: no error")
		}
	})
	t.Run("ErrNotAZip", func(t *testing.T) {
		z := makeZip(t, zipEntry{"GO-2099-0001.json", []byte(goRecord("GO-2099-0001"))})
		for name, b := range map[string][]byte{"text": []byte("hello"), "empty": nil, "truncated": z[:len(z)/2], "no end": z[:len(z)-10]} {
			if _, _, err := ImportZip(bytes.NewReader(b), int64(len(b)), DefaultLimits); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
	})
}

func TestImportSkips(t *testing.T) {
	huge := make([]byte, 800<<10)
	rand.Read(huge)
	big := `{"id":"GO-2099-0009","modified":"2024-01-01T00:00:00Z","details":"` + base64.StdEncoding.EncodeToString(huge) + `"}`
	z := makeZip(t,
		zipEntry{"GO-2099-0001.json", []byte(goRecord("GO-2099-0001"))},
		zipEntry{"copy/GO-2099-0001.json", []byte(goRecord("GO-2099-0001"))},
		zipEntry{"bad.json", []byte(`{"id": "GO-2099-0002", "affected": [`)},
		zipEntry{"array.json", []byte(`[1, 2]`)},
		zipEntry{"badrange.json", []byte(`{"id":"GO-2099-0003","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1"}]}]}]}`)},
		zipEntry{"unknown.json", []byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"Nonesuch","name":"m"},"versions":["1"]}]}`)},
		zipEntry{"noid.json", []byte(`{"modified":"2024-01-01T00:00:00Z"}`)},
		zipEntry{"big.json", []byte(big)},
		zipEntry{"README.txt", []byte("not a record")},
		zipEntry{"dir/", nil},
	)
	recs, stats, err := ImportZip(bytes.NewReader(z), int64(len(z)), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{SkipDuplicate: 1, SkipMalformed: 3, SkipUnknownEcosystem: 1, SkipNoID: 1, SkipTooLarge: 1, SkipNotJSON: 1}
	if len(recs) != 1 || !maps.Equal(stats.Skipped, want) || stats.Files != 8 {
		t.Errorf("%d records, files %d, skipped %v, want 1, 8, %v", len(recs), stats.Files, stats.Skipped, want)
	}
	// A loose JSON file over the limit is skipped without being read.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "big.json"), []byte(big), 0o644)
	os.WriteFile(filepath.Join(dir, "ok.json"), []byte(goRecord("GO-2099-0001")), 0o644)
	recs, stats, err = Import(dir, Limits{MaxRecordBytes: 4096})
	if err != nil || len(recs) != 1 || stats.Skipped[SkipTooLarge] != 1 {
		t.Errorf("loose files: %d records, %+v, %v", len(recs), stats, err)
	}
}

func TestParseRecordErrors(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      error
		contains  string
	}{
		{"NotJSON", `{`, ErrMalformed, ""},
		{"NotObject", `"GO-1"`, ErrMalformed, ""},
		{"Null", `null`, ErrNoID, ""},
		{"NoID", `{"summary":"x"}`, ErrNoID, ""},
		{"BlankID", `{"id":"  "}`, ErrNoID, ""},
		{"BadTime", `{"id":"GO-1","modified":"yesterday"}`, ErrMalformed, "modified"},
		{"NoPackageName", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go"}}]}`, ErrMalformed, "affected[0].package"},
		{"UnknownEcosystem", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Nonesuch","name":"m"}}]}`, ErrUnknownEcosystem, "Nonesuch"},
		{"RangeType", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}]}`, ErrMalformed, "DATE"},
		{"NoEvents", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[]}]}]}`, ErrMalformed, "no events"},
		{"NoIntroduced", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1"}]}]}]}`, ErrMalformed, "no introduced"},
		{"TwoKeys", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}`, ErrMalformed, "exactly one"},
		{"EmptyVersion", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":""}]}]}]}`, ErrMalformed, "empty version"},
		{"FixedAndLastAffected", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1"},{"last_affected":"2"}]}]}]}`, ErrMalformed, "mutually exclusive"},
		{"GitWithoutRepo", `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"GIT","events":[{"introduced":"0"}]}]}]}`, ErrMalformed, "repo"},
		{"WrongType", `{"id":"GO-1","aliases":"CVE-1"}`, ErrMalformed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tc.raw))
			if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.contains) {
				t.Errorf("err = %v, want %v containing %q", err, tc.want, tc.contains)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		raw := []byte(`{"id":"GO-1","modified":"2024-01-02T03:04:05.5Z","withdrawn":"2024-02-01T00:00:00Z","aliases":["CVE-2","CVE-1","CVE-2",""],
			"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
			"affected":[{"package":{"ecosystem":"Go","name":"m"},"versions":["1.0.0"],"ranges":[{"type":"GIT","repo":"https://example.com/r","events":[{"introduced":"0"},{"limit":"abc"}]}]},
			{"package":{"ecosystem":"Nonesuch","name":"m"}}], "database_specific": {"x": [1]}}`)
		r, err := ParseRecord(raw)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != "GO-1" || r.Modified.Nanosecond() != 5e8 || r.Withdrawn.IsZero() || !slices.Equal(r.Aliases, []string{"CVE-1", "CVE-2"}) ||
			len(r.Affected) != 2 || r.Affected[0].Ranges[0].Events[1].Limit != "abc" || !bytes.Equal(r.Raw, raw) {
			t.Errorf("%+v", r)
		}
		raw[0] = 'x'
		if r.Raw[0] != '{' {
			t.Error("Raw shares the caller's buffer")
		}
	})
}
