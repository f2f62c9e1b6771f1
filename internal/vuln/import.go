package vuln

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Limits bound what an import reads, against zip bombs and absurd inputs.
// A zero field means the field of DefaultLimits.
type Limits struct {
	// MaxRecordBytes is the largest record, uncompressed; larger records
	// (JSON files or zip entries) are skipped as "too_large".
	MaxRecordBytes int64
	// MaxZipEntries is the most entries one zip may have; a zip with more
	// is refused (an error), before its directory is read.
	MaxZipEntries int
	// MaxTotalBytes is the most uncompressed bytes one import reads, over
	// all its files; an import that would read more is refused (an error).
	MaxTotalBytes int64
	// MaxCompressionRatio bounds the uncompressed/compressed ratio of a zip
	// entry; entries that reach it are skipped unread as
	// "compression_ratio". Entries under 4 KiB are exempt: for them the
	// ratio says more about deflate's overhead than about a bomb.
	MaxCompressionRatio int
}

// DefaultLimits are generous for the real databases (the largest Go or
// crates.io record is under 13 KiB, their zips deflate about 3:1 to 12:1).
var DefaultLimits = Limits{
	MaxRecordBytes:      1 << 20,
	MaxZipEntries:       200_000,
	MaxTotalBytes:       1 << 30,
	MaxCompressionRatio: 100,
}

// ratioFloor is the uncompressed size under which MaxCompressionRatio is not
// applied.
const ratioFloor = 4 << 10

func (l Limits) withDefaults() Limits {
	if l.MaxRecordBytes <= 0 {
		l.MaxRecordBytes = DefaultLimits.MaxRecordBytes
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = DefaultLimits.MaxZipEntries
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultLimits.MaxTotalBytes
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = DefaultLimits.MaxCompressionRatio
	}
	return l
}

// Skip reasons counted in ImportStats.Skipped.
const (
	SkipMalformed        = "malformed"         // not JSON, or not a usable OSV record
	SkipNoID             = "no_id"             // a record without id
	SkipUnknownEcosystem = "unknown_ecosystem" // no affected package in an OSV ecosystem
	SkipTooLarge         = "too_large"         // over Limits.MaxRecordBytes
	SkipRatio            = "compression_ratio" // zip entry over Limits.MaxCompressionRatio
	SkipCorrupt          = "corrupt"           // zip entry that does not decompress
	SkipDuplicate        = "duplicate"         // a second record with an id already read
	SkipNotJSON          = "not_json"          // a zip entry that is not a .json file
)

// ImportStats describes an import.
type ImportStats struct {
	// Archives is the number of zip files read.
	Archives int
	// Files is the number of JSON documents examined: loose .json files
	// and .json zip entries.
	Files int
	// Records is the number of records returned (withdrawn ones included);
	// Withdrawn is how many of them are withdrawn.
	Records, Withdrawn int
	// Skipped counts documents not returned, by reason (the Skip* constants).
	Skipped map[string]int
	// Unneeded is the number of documents ImportFor did not parse because
	// they name none of the packages it was given.
	Unneeded int
	// Ecosystems counts the returned records by the ecosystems they affect
	// (without release suffix: "Debian", not "Debian:11"); a record
	// affecting two ecosystems counts in both.
	Ecosystems map[string]int
}

// Import reads OSV records from path: a directory holding <Ecosystem>/all.zip
// files (osv-scanner's offline layout, also under an "osv-scanner/"
// subfolder), a directory of *.json records (recursively; zips and JSON
// files may be mixed), a single zip, or a single JSON record. Records that
// cannot be used are skipped and counted (ImportStats.Skipped); a zip over
// the entry limit, an import over the total size limit, a path without any
// zip or JSON file and I/O errors are errors. Records are returned sorted
// by id, one per id (see the package comment for which one).
func Import(path string, lim Limits) ([]Record, ImportStats, error) {
	return importPath(path, lim, nil)
}

func importPath(path string, lim Limits, want *names) ([]Record, ImportStats, error) {
	im := newImporter(lim)
	im.want = want
	info, err := os.Stat(path)
	if err != nil {
		return nil, ImportStats{}, fmt.Errorf("vuln: import: %w", err)
	}
	if !info.IsDir() {
		if err := im.file(path); err != nil {
			return nil, ImportStats{}, err
		}
		recs, stats := im.result()
		return recs, stats, nil
	}
	root := path
	if fi, err := os.Stat(filepath.Join(path, "osv-scanner")); err == nil && fi.IsDir() {
		root = filepath.Join(path, "osv-scanner")
	}
	found := false
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".zip", ".json":
			found = true
			return im.file(p)
		}
		return nil
	})
	if err != nil {
		return nil, ImportStats{}, fmt.Errorf("vuln: import %s: %w", path, err)
	}
	if !found {
		return nil, ImportStats{}, fmt.Errorf("vuln: import %s: no .zip or .json files", path)
	}
	recs, stats := im.result()
	return recs, stats, nil
}

// ImportZip reads the OSV records in a zip (an osv-scanner all.zip) of the
// given size, as Import does.
func ImportZip(r io.ReaderAt, size int64, lim Limits) ([]Record, ImportStats, error) {
	im := newImporter(lim)
	if err := im.zip(r, size); err != nil {
		return nil, ImportStats{}, err
	}
	recs, stats := im.result()
	return recs, stats, nil
}

// importer accumulates one import.
type importer struct {
	lim   Limits
	stats ImportStats
	read  int64 // uncompressed bytes read so far
	recs  map[string]Record
	want  *names // nil: every record
}

func newImporter(lim Limits) *importer {
	return &importer{lim: lim.withDefaults(), stats: ImportStats{Skipped: map[string]int{}, Ecosystems: map[string]int{}},
		recs: map[string]Record{}}
}

func (im *importer) skip(reason string) { im.stats.Skipped[reason]++ }

// file imports one .zip or .json file.
func (im *importer) file(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("vuln: import: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("vuln: import: %w", err)
	}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		im.stats.Files++
		if info.Size() > im.lim.MaxRecordBytes {
			im.skip(SkipTooLarge)
			return nil
		}
		b, err := im.readAll(f, path)
		if err != nil {
			return err
		}
		if b != nil {
			im.add(b)
		}
		return nil
	}
	if err := im.zip(f, info.Size()); err != nil {
		return fmt.Errorf("%w (%s)", err, path)
	}
	return nil
}

// readAll reads one record of at most MaxRecordBytes; nil, nil means it was
// larger and has been counted as skipped.
func (im *importer) readAll(r io.Reader, name string) ([]byte, error) {
	limit := im.lim.MaxRecordBytes
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		im.skip(SkipTooLarge)
		return nil, nil
	}
	if err := im.count(int64(len(b))); err != nil {
		return nil, fmt.Errorf("%w (at %s)", err, name)
	}
	return b, nil
}

// count adds n bytes to the import's total, refusing to go over the limit.
func (im *importer) count(n int64) error {
	im.read += n
	if im.read > im.lim.MaxTotalBytes {
		return fmt.Errorf("vuln: import reads over %d bytes uncompressed (Limits.MaxTotalBytes)", im.lim.MaxTotalBytes)
	}
	return nil
}

// zip imports the .json entries of one zip.
func (im *importer) zip(r io.ReaderAt, size int64) error {
	if n, ok := zipEntryCount(r, size); ok && n > uint64(im.lim.MaxZipEntries) {
		return fmt.Errorf("vuln: import: zip has %d entries, over the limit of %d (Limits.MaxZipEntries)", n, im.lim.MaxZipEntries)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("vuln: import: not a readable zip: %w", err)
	}
	if len(zr.File) > im.lim.MaxZipEntries {
		return fmt.Errorf("vuln: import: zip has %d entries, over the limit of %d (Limits.MaxZipEntries)", len(zr.File), im.lim.MaxZipEntries)
	}
	im.stats.Archives++
	// Refuse up front what the directory already says is too much, so a bomb
	// is not half-imported.
	var declared uint64
	for _, f := range zr.File {
		if f.UncompressedSize64 <= uint64(im.lim.MaxRecordBytes) {
			declared += f.UncompressedSize64
		}
	}
	if remaining := im.lim.MaxTotalBytes - im.read; declared > uint64(remaining) {
		return fmt.Errorf("vuln: import: zip entries total %d bytes uncompressed, over the limit of %d (Limits.MaxTotalBytes)", declared, im.lim.MaxTotalBytes)
	}
	var todo []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !strings.EqualFold(filepath.Ext(f.Name), ".json") {
			im.skip(SkipNotJSON)
			continue
		}
		im.stats.Files++
		if f.UncompressedSize64 > uint64(im.lim.MaxRecordBytes) {
			im.skip(SkipTooLarge)
			continue
		}
		if f.UncompressedSize64 >= ratioFloor && (f.CompressedSize64 == 0 || f.UncompressedSize64/f.CompressedSize64 >= uint64(im.lim.MaxCompressionRatio)) {
			im.skip(SkipRatio)
			continue
		}
		todo = append(todo, f)
	}
	return im.entries(todo)
}

// loaded is what one zip entry gave.
type loaded struct {
	rec      Record
	n        int64  // uncompressed bytes read
	skip     string // why it is not kept, or ""
	unneeded bool   // names none of the wanted packages; not parsed
}

// entries reads, filters and parses zip entries on every CPU, then merges
// the results in entry order, so what an import keeps does not depend on
// scheduling.
func (im *importer) entries(files []*zip.File) error {
	out := make([]loaded, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(files)); i = next.Add(1) - 1 {
				out[i] = im.load(files[i])
			}
		})
	}
	wg.Wait()
	for i, l := range out {
		// archive/zip stops each entry at its declared size and the
		// declared sizes were checked, so this is a second line only.
		if err := im.count(l.n); err != nil {
			return fmt.Errorf("%w (at zip entry %s)", err, files[i].Name)
		}
		switch {
		case l.skip != "":
			im.skip(l.skip)
		case l.unneeded:
			im.stats.Unneeded++
		default:
			im.keep(l.rec)
		}
	}
	return nil
}

// load reads one zip entry and, unless it is skipped or not wanted, parses
// it. It only reads im's limits and filter, so entries load concurrently.
func (im *importer) load(f *zip.File) loaded {
	rc, err := f.Open()
	if err != nil {
		return loaded{skip: SkipCorrupt}
	}
	defer rc.Close()
	// archive/zip itself stops at the declared size (and checks the CRC),
	// so a lying header gives a read error here, not a bomb.
	b, err := io.ReadAll(io.LimitReader(rc, im.lim.MaxRecordBytes+1))
	l := loaded{n: int64(len(b))}
	switch {
	case err != nil:
		l.skip = SkipCorrupt
	case l.n > im.lim.MaxRecordBytes:
		l.skip = SkipTooLarge
	case !im.want.mayName(b):
		l.unneeded = true
	default:
		l.rec, l.skip = parse(b)
	}
	return l
}

// parse parses one record, or gives the reason it is skipped.
func parse(b []byte) (Record, string) {
	r, err := ParseRecord(b)
	switch {
	case errors.Is(err, ErrNoID):
		return r, SkipNoID
	case errors.Is(err, ErrUnknownEcosystem):
		return r, SkipUnknownEcosystem
	case err != nil:
		return r, SkipMalformed
	}
	return r, ""
}

// add parses one record and keeps it, or counts why not.
func (im *importer) add(b []byte) {
	if !im.want.mayName(b) {
		im.stats.Unneeded++
		return
	}
	r, skip := parse(b)
	if skip != "" {
		im.skip(skip)
		return
	}
	im.keep(r)
}

// keep keeps a parsed record, one per id.
func (im *importer) keep(r Record) {
	if old, ok := im.recs[r.ID]; ok {
		im.skip(SkipDuplicate)
		if !newer(r, old) {
			return
		}
	}
	im.recs[r.ID] = r
}

// newer reports whether a replaces b, a record with the same id: the later
// modified time wins, then the higher hash of the raw bytes, so the choice
// does not depend on the order records are read in.
func newer(a, b Record) bool {
	if !a.Modified.Equal(b.Modified) {
		return a.Modified.After(b.Modified)
	}
	ha, hb := sha256.Sum256(a.Raw), sha256.Sum256(b.Raw)
	return bytes.Compare(ha[:], hb[:]) > 0
}

func (im *importer) result() ([]Record, ImportStats) {
	recs := make([]Record, 0, len(im.recs))
	for _, r := range im.recs {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	st := im.stats
	st.Records = len(recs)
	for _, r := range recs {
		if !r.Withdrawn.IsZero() {
			st.Withdrawn++
		}
		seen := map[string]bool{}
		for _, a := range r.Affected {
			base, _ := splitEcosystem(a.Package.Ecosystem)
			if ecosystems[base] && !seen[base] {
				seen[base] = true
				st.Ecosystems[base]++
			}
		}
	}
	return recs, st
}

// zipEntryCount reads the entry count from a zip's end of central directory
// record (or its zip64 version), before archive/zip allocates for every
// entry. ok is false when the record is not found; zip.NewReader then gives
// the error.
func zipEntryCount(r io.ReaderAt, size int64) (n uint64, ok bool) {
	const eocdLen, locLen, zip64Len = 22, 20, 56
	tail := min(size, eocdLen+0xffff)
	if tail < eocdLen {
		return 0, false
	}
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	n = uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if n != 0xffff || i < locLen {
		return n, true
	}
	loc := buf[i-locLen : i]
	if !bytes.Equal(loc[:4], []byte("PK\x06\x07")) {
		return n, true
	}
	off := binary.LittleEndian.Uint64(loc[8:])
	if off > uint64(size) || uint64(size)-off < zip64Len {
		return n, true
	}
	rec := make([]byte, zip64Len)
	if _, err := r.ReadAt(rec, int64(off)); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
		return n, true
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}
