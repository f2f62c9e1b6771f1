package vuln

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// DB is an immutable set of advisories indexed by (ecosystem, package
// name). It is safe for concurrent use.
type DB struct {
	recs  []Record // sorted by id, one per id
	sev   []Severity
	solo  [][]string // per record: its aliases without its id, sorted, or nil
	comp  []int32    // per record: its component of the alias graph (records sharing ids or aliases)
	byID  map[string]int
	index map[indexKey][]entry
	// goFolded maps the lower case of each Go module path in index to
	// the paths, for foldedGo.
	goFolded map[string][]string
	digest   string
}

// entry is one affected package of one (not withdrawn) record, prepared
// for matching.
type entry struct {
	rec       int    // index in DB.recs
	ecosystem string // as in the record, suffix included
	suffix    string
	versions  []string // normalised
	ranges    []prange
	// fixed, shared by the record's entries for one package when none of
	// them has an ecosystem suffix, are their fixed versions as
	// fixedVersions gives them for any version (nil when they have a
	// suffix): a match then takes those above its version without
	// evaluating the entries again.
	fixed *fixedList
}

// fixedList is fixedVersions of some entries for every version: raw
// lowest first, v their parsed forms.
type fixedList struct {
	raw []string
	v   []*version
}

// above is fixedVersions of the entries for v: the fixed versions above it.
func (l *fixedList) above(v *version) []string {
	i := sort.Search(len(l.v), func(i int) bool { return compare(l.v[i], v) > 0 })
	if i == len(l.raw) {
		return nil
	}
	return l.raw[i:len(l.raw):len(l.raw)] // capped: the slice is shared
}

// prange is a range prepared for evaluation: events parsed and sorted, or
// a note saying why it is not evaluated.
type prange struct {
	events []pevent
	limits []pevent
	note   string
}

type eventKind uint8

const (
	evIntroduced eventKind = iota
	evFixed
	evLastAffected
	evLimit
)

type pevent struct {
	kind eventKind
	raw  string // normalised version
	zero bool   // an introduced "0", below every version: v is unset
	// v is held here rather than pointed to: a scan compares versions
	// with hundreds of thousands of events, and one load fewer each
	// showed.
	v version
}

// indexKey is an ecosystem without its suffix and a package name as
// normName gives it.
type indexKey struct{ base, name string }

// NewDB indexes records. Records with the same id are reduced to one (the
// later modified, then the higher hash of Raw). The records must not be
// modified afterwards.
func NewDB(records []Record) *DB {
	byID := make(map[string]int, len(records))
	var recs []Record
	for _, r := range records {
		if i, ok := byID[r.ID]; ok {
			if newer(r, recs[i]) {
				recs[i] = r
			}
			continue
		}
		byID[r.ID] = len(recs)
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	db := &DB{recs: recs, sev: make([]Severity, len(recs)), solo: make([][]string, len(recs)), byID: make(map[string]int, len(recs)), index: map[indexKey][]entry{}, goFolded: map[string][]string{}}
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for i, r := range recs {
		db.byID[r.ID] = i
		db.sev[i] = SeverityOf(r)
		db.solo[i] = soloAliases(r)
		sum := sha256.Sum256(r.Raw)
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(r.ID)))])
		h.Write([]byte(r.ID))
		h.Write(sum[:])
		if !r.Withdrawn.IsZero() {
			continue
		}
		for _, a := range r.Affected {
			base, suffix := splitEcosystem(a.Package.Ecosystem)
			if !ecosystems[base] {
				continue
			}
			e := entry{rec: i, ecosystem: a.Package.Ecosystem, suffix: suffix}
			for _, v := range a.Versions {
				e.versions = append(e.versions, normVersion(base, a.Package.Name, v))
			}
			for _, rg := range a.Ranges {
				e.ranges = append(e.ranges, prepareRange(base, a.Package.Name, rg))
			}
			name := normName(base, a.Package.Name)
			key := indexKey{base, name}
			if base == "Go" && len(db.index[key]) == 0 {
				lower := strings.ToLower(name)
				db.goFolded[lower] = append(db.goFolded[lower], name)
			}
			db.index[key] = append(db.index[key], e)
		}
	}
	db.digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	db.comp = components(recs)
	for _, entries := range db.index {
		pack(entries)
		prepareFixed(entries)
	}
	return db
}

// pack moves the ranges and events of a package's entries next to each
// other in memory, in the order a match reads them: a scan evaluates each
// version of a package against all of them, and reading them from where
// the import happened to allocate them cost a scan more than comparing.
func pack(entries []entry) {
	var nr, ne int
	for _, e := range entries {
		nr += len(e.ranges)
		for _, rg := range e.ranges {
			ne += len(rg.events) + len(rg.limits)
		}
	}
	ranges := make([]prange, 0, nr)
	events := make([]pevent, 0, ne)
	move := func(evs []pevent) []pevent {
		if len(evs) == 0 {
			return evs
		}
		start := len(events)
		events = append(events, evs...)
		return events[start:len(events):len(events)]
	}
	for i := range entries {
		e := &entries[i]
		start := len(ranges)
		for _, rg := range e.ranges {
			rg.events, rg.limits = move(rg.events), move(rg.limits)
			ranges = append(ranges, rg)
		}
		if len(e.ranges) > 0 {
			e.ranges = ranges[start:len(ranges):len(ranges)]
		}
	}
}

// prepareFixed gives each run of one record's entries for a package
// (adjacent in the index) its fixedList, unless one of them has a suffix:
// which of those apply depends on the package's ecosystem.
func prepareFixed(entries []entry) {
	for from := 0; from < len(entries); {
		to := from + 1
		for to < len(entries) && entries[to].rec == entries[from].rec {
			to++
		}
		run := entries[from:to]
		if !slices.ContainsFunc(run, func(e entry) bool { return e.suffix != "" }) {
			all := make([]*entry, len(run))
			for i := range run {
				all[i] = &run[i]
			}
			l := &fixedList{}
			for _, ev := range fixedEvents(all, nil) {
				l.raw = append(l.raw, ev.raw)
				l.v = append(l.v, &ev.v)
			}
			for i := range run {
				run[i].fixed = l
			}
		}
		from = to
	}
}

// components labels each record with its component of the graph in which
// records sharing an id or alias are joined.
func components(recs []Record) []int32 {
	find := linkShared(len(recs), func(i int) *Record { return &recs[i] })
	comp := make([]int32, len(recs))
	for i := range comp {
		comp[i] = int32(find(i))
	}
	return comp
}

// linkShared joins the n records rec gives that share an id or alias,
// transitively, and returns the function naming each one's root.
func linkShared(n int, rec func(i int) *Record) (find func(int) int) {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := make(map[string]int, 3*n)
	own := func(i int, id string) {
		if j, ok := owner[id]; ok {
			parent[find(i)] = find(j)
		} else {
			owner[id] = i
		}
	}
	for i := range n {
		r := rec(i)
		own(i, r.ID)
		for _, id := range r.Aliases {
			own(i, id)
		}
	}
	return find
}

// Digest identifies the advisory set: "sha256:" and the hex SHA-256 of, for
// each record in id order, the uvarint length of its id, the id and the
// SHA-256 of its raw bytes. Withdrawn records are part of the set.
func (db *DB) Digest() string { return db.digest }

// Len is the number of records, withdrawn ones included.
func (db *DB) Len() int { return len(db.recs) }

// Get returns the record with the given id, withdrawn or not.
func (db *DB) Get(id string) (Record, bool) {
	i, ok := db.byID[id]
	if !ok {
		return Record{}, false
	}
	return db.recs[i], true
}

// prepareRange parses and sorts a range's events for the ecosystem, or
// explains why it cannot be evaluated.
func prepareRange(base, name string, rg Range) prange {
	if rg.Type == RangeGit {
		return prange{note: fmt.Sprintf("GIT range (%s) not evaluated", rg.Repo)}
	}
	if !comparable(base) {
		return prange{note: fmt.Sprintf("%s range not evaluated: no version comparison for %s", rg.Type, base)}
	}
	var p prange
	for _, e := range rg.Events {
		raw := normVersion(base, name, e.version())
		pe := pevent{raw: raw}
		switch {
		case e.Introduced != "":
			pe.kind = evIntroduced
		case e.Fixed != "":
			pe.kind = evFixed
		case e.LastAffected != "":
			pe.kind = evLastAffected
		default:
			pe.kind = evLimit
		}
		if pe.kind == evIntroduced && raw == "0" {
			pe.zero = true
		} else {
			v, err := parseVersion(raw, base, true)
			if err != nil {
				return prange{note: fmt.Sprintf("%s range not evaluated: %v", rg.Type, err)}
			}
			pe.v = *v
		}
		if pe.kind == evLimit {
			p.limits = append(p.limits, pe)
		} else {
			p.events = append(p.events, pe)
		}
	}
	slices.SortStableFunc(p.events, func(a, b pevent) int {
		switch {
		case a.zero && b.zero:
			return 0
		case a.zero:
			return -1
		case b.zero:
			return 1
		}
		return compare(&a.v, &b.v)
	})
	return p
}

// contains evaluates the range for v as the OSV schema describes.
func (p *prange) contains(v *version) bool {
	affected := false
	for i := range p.events {
		e := &p.events[i]
		if !e.zero && compare(v, &e.v) < 0 {
			break // the events are sorted: none of the rest applies
		}
		switch e.kind {
		case evIntroduced:
			affected = true
		case evFixed:
			affected = false
		case evLastAffected:
			if compare(v, &e.v) > 0 {
				affected = false
			}
		}
	}
	if affected && len(p.limits) > 0 {
		for i := range p.limits {
			if compare(v, &p.limits[i].v) < 0 {
				return true
			}
		}
		return false
	}
	return affected
}

// evaluate tells whether the entry affects a version (raw, normalised; v,
// parsed, or nil with verr saying why not), whether anything in the entry
// could be evaluated, and notes on what was not.
func (e *entry) evaluate(raw string, v *version, verr error) (affected, evaluated bool, notes []string) {
	evaluated = len(e.versions) > 0
	affected = slices.Contains(e.versions, raw)
	for i := range e.ranges {
		rg := &e.ranges[i]
		switch {
		case rg.note != "":
			notes = append(notes, rg.note)
		case v == nil:
			notes = append(notes, verr.Error())
		default:
			evaluated = true
			affected = affected || rg.contains(v)
		}
	}
	if len(e.versions) == 0 && len(e.ranges) == 0 {
		notes = append(notes, "affected entry lists neither versions nor ranges")
	}
	return affected, evaluated, notes
}

// version is a parsed version: osv-scalibr's and, when it is strict SemVer,
// a form that compares without allocating. A package's version (parsed
// per call) may leave osv-scalibr's form to be made when first needed;
// the database's versions always have it, so they are never written to
// after NewDB.
type version struct {
	sv        semantic.Version
	fast      strictSemver // when strict
	strict    bool
	raw, base string
}

// scalibr gives osv-scalibr's form, parsing it now if it was left out.
func (v *version) scalibr() semantic.Version {
	if v.sv == nil {
		if p, err := parseVersion(v.raw, v.base, true); err == nil {
			v.sv = p.sv
		}
	}
	return v.sv
}

// compare compares two versions parsed for the same ecosystem.
func compare(a, b *version) int {
	if a.strict && b.strict {
		return a.fast.compare(&b.fast)
	}
	as, bs := a.scalibr(), b.scalibr()
	if as == nil || bs == nil { // cannot happen: strict SemVer parses
		return 0
	}
	c, err := as.Compare(bs)
	if err != nil { // cannot happen: both parsed for one ecosystem
		return 0
	}
	return c
}

// parseVersion parses a version for an ecosystem with osv-scalibr/semantic,
// turning a panic of the third-party parser into an error: versions come
// from uploaded SBOMs and advisories. Unless full is set, a strict SemVer
// version of an ecosystem osv-scalibr reads as SemVer skips osv-scalibr
// until a comparison needs it.
func parseVersion(s, base string, full bool) (v *version, err error) {
	if !full && semverEcosystems[base] {
		if f, ok := parseSemver(s); ok {
			return &version{fast: f, strict: true, raw: s, base: base}, nil
		}
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%s version %q cannot be parsed", base, s)
		}
	}()
	sv, err := semantic.Parse(s, base)
	if err != nil {
		return nil, fmt.Errorf("%s version %q cannot be parsed: %w", base, s, err)
	}
	v = &version{sv: sv, raw: s, base: base}
	if _, ok := sv.(semantic.SemverVersion); ok {
		if f, ok := parseSemver(s); ok {
			v.fast, v.strict = f, true
		}
	}
	return v, nil
}

// semverEcosystems are those whose versions osv-scalibr parses as SemVer.
var semverEcosystems = func() map[string]bool {
	m := map[string]bool{}
	for eco := range ecosystems {
		if v, err := semantic.Parse("1.0.0", eco); err == nil {
			if _, ok := v.(semantic.SemverVersion); ok {
				m[eco] = true
			}
		}
	}
	return m
}()

// comparable reports whether osv-scalibr/semantic compares versions of the
// ecosystem.
func comparable(base string) bool { return comparableEcosystems[base] }

var comparableEcosystems = func() map[string]bool {
	m := map[string]bool{}
	for eco := range ecosystems {
		_, err := semantic.Parse("1", eco)
		m[eco] = !errors.Is(err, semantic.ErrUnsupportedEcosystem)
	}
	return m
}()

// normVersion normalises a version the same way for records and packages.
// Go: OSV's Go versions have no "v" and the stdlib's no "go" ("go1.21.3" is
// 1.21.3).
func normVersion(base, name, v string) string {
	if base == "Go" {
		if (name == "stdlib" || name == "toolchain") && strings.HasPrefix(v, "go") {
			v = v[2:]
		}
		v = strings.TrimPrefix(v, "v")
	}
	return v
}

// normName normalises a package name the same way for records and
// packages: PyPI names as PEP 503 says, NuGet and Packagist names (case
// insensitive in their registries) in lower case.
func normName(base, name string) string {
	switch base {
	case "PyPI":
		return pep503(name)
	case "NuGet", "Packagist":
		return strings.ToLower(name)
	}
	return name
}

// pep503 lower-cases a Python project name and turns every run of "-", "_"
// and "." into one "-".
func pep503(name string) string {
	var b strings.Builder
	sep := false
	for _, c := range strings.ToLower(name) {
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		b.WriteRune(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// soloAliases are a record's aliases as a one-record group reports them.
func soloAliases(r Record) []string {
	ids := slices.DeleteFunc(slices.Clone(r.Aliases), func(id string) bool { return id == r.ID })
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil
	}
	return ids
}
