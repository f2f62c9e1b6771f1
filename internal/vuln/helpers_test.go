package vuln

import (
	"archive/zip"
	"bytes"
	"io"
	"sync"
	"testing"
)

// The whole testdata set is imported once per test binary.
var testdataSet struct {
	once  sync.Once
	recs  []Record
	stats ImportStats
	err   error
	db    *DB
}

// loadTestdata imports testdata/osv (Go and crates.io) and indexes it.
func loadTestdata(tb testing.TB) ([]Record, ImportStats, *DB) {
	tb.Helper()
	s := &testdataSet
	s.once.Do(func() {
		s.recs, s.stats, s.err = Import("testdata/osv", DefaultLimits)
		if s.err == nil {
			s.db = NewDB(s.recs)
		}
	})
	if s.err != nil {
		tb.Fatal(s.err)
	}
	return s.recs, s.stats, s.db
}

// zipEntry is one file of a zip built by a test.
type zipEntry struct {
	name string
	data []byte
}

// makeZip builds a zip of deflated entries.
func makeZip(tb testing.TB, entries ...zipEntry) []byte {
	return buildZip(tb, zip.Deflate, entries)
}

// buildZip builds a zip whose entries use method (zip.Store is faster to
// write).
func buildZip(tb testing.TB, method uint16, entries []zipEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// zipEntries reads every entry of a zip file.
func zipEntries(tb testing.TB, path string) []zipEntry {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	var out []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, zipEntry{f.Name, b})
	}
	return out
}

// mustRecords parses records written in a test, failing on any error.
func mustRecords(tb testing.TB, raws ...string) []Record {
	tb.Helper()
	var out []Record
	for _, raw := range raws {
		r, err := ParseRecord([]byte(raw))
		if err != nil {
			tb.Fatalf("%v\n%s", err, raw)
		}
		out = append(out, r)
	}
	return out
}
