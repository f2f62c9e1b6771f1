package vuln

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
)

// Package is a package version to look up: an OSV ecosystem ("Go",
// "crates.io", "Debian:11", ...), the package name in that ecosystem, the
// version, and the purl it came from, if any.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl,omitempty"`
}

// Match is one advisory affecting a package (see the package comment for
// how records that alias each other are grouped).
type Match struct {
	Package Package `json:"package"`
	// ID is the advisory's id in this database.
	ID string `json:"id"`
	// Aliases are the group's other ids and aliases, sorted. The slice may
	// be shared with the database: do not modify it.
	Aliases  []string `json:"aliases,omitempty"`
	Summary  string   `json:"summary,omitempty"`
	Severity Severity `json:"severity"`
	// Fixed are the fixed versions of the advisory's ranges for the package
	// that are above its version and that the advisory does not affect,
	// lowest first: upgrading to any of them leaves the advisory. Empty when
	// no fix is known (open ranges, last_affected ranges, versions lists).
	// Like Aliases, the slice may be shared with the database.
	Fixed []string `json:"fixed,omitempty"`
	// Notes say what was not evaluated or was assumed, e.g. "GIT range
	// (https://...) not evaluated".
	Notes []string `json:"notes,omitempty"`
}

// Evaluation is the full answer about one package: the advisories that
// affect it, and those that name it but could not be decided.
type Evaluation struct {
	Matches []Match
	// Undetermined are advisories naming the package whose affected entries
	// for it could not be evaluated (only GIT ranges, versions the
	// ecosystem's comparison cannot parse, neither ranges nor versions);
	// Notes say why. They are not matches.
	Undetermined []Match
}

// ErrUnsupported is matched (errors.Is) by every *UnsupportedError.
var ErrUnsupported = errors.New("vuln: unsupported ecosystem")

// ErrInvalidPackage is wrapped by the errors about a package that cannot be
// looked up at all (no name, no version).
var ErrInvalidPackage = errors.New("vuln: invalid package")

// UnsupportedError says that a package cannot be matched: its purl type has
// no OSV ecosystem, or its ecosystem is not one whose versions are compared
// here (GIT among them). Callers count these rather than fail.
type UnsupportedError struct {
	PURLType  string // the purl type, when the package came from a purl
	Ecosystem string // the OSV ecosystem, when there is one
	Reason    string
}

// Error says what is unsupported and why.
func (e *UnsupportedError) Error() string {
	var what []string
	if e.PURLType != "" {
		what = append(what, "purl type "+e.PURLType)
	}
	if e.Ecosystem != "" {
		what = append(what, "ecosystem "+e.Ecosystem)
	}
	return fmt.Sprintf("vuln: unsupported %s: %s", strings.Join(what, ", "), e.Reason)
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// MatchPURL parses purl (ParsePURL) and matches it (Match).
func (db *DB) MatchPURL(purl string) ([]Match, error) {
	p, err := ParsePURL(purl)
	if err != nil {
		return nil, err
	}
	return db.Match(p)
}

// Match returns the advisories affecting p, sorted by id. It returns an
// *UnsupportedError for an ecosystem OSV does not define or whose versions
// are not compared here (GIT, Android, Linux, ...), and an error wrapping
// ErrInvalidPackage for a package without name or version.
func (db *DB) Match(p Package) ([]Match, error) {
	return db.AppendMatches(nil, p)
}

// AppendMatches is Match appending to dst, so a caller matching many
// packages can reuse one buffer.
func (db *DB) AppendMatches(dst []Match, p Package) ([]Match, error) {
	sc := scratches.Get().(*scratch)
	defer sc.recycle()
	hits, err := db.evaluate(sc, p, sc.hits, nil)
	sc.hits = hits
	return db.appendMatches(dst, p, hits), err
}

// Evaluate is Match with the undetermined advisories too.
func (db *DB) Evaluate(p Package) (Evaluation, error) {
	sc := scratches.Get().(*scratch)
	defer sc.recycle()
	var unsure []hit
	hits, err := db.evaluate(sc, p, sc.hits, &unsure)
	sc.hits = hits
	return Evaluation{Matches: db.appendMatches(nil, p, hits), Undetermined: db.appendMatches(nil, p, unsure)}, err
}

// Batch holds the matches of many packages, made by MatchAll, and makes
// their Matches only when they are read, one at a time. A scan of
// thousands of packages then allocates its findings at once, knowing their
// number, and fills them from each Match, where a Match per advisory
// would be allocated only to be copied.
type Batch struct {
	db   *DB
	pkgs []Package
	hits [][]hit // per package
	errs []error // per package
	n    int
}

// MatchAll matches each package as Match does. pkgs must not be modified
// while the Batch is used.
func (db *DB) MatchAll(pkgs []Package) *Batch {
	b := &Batch{db: db, pkgs: pkgs, hits: make([][]hit, len(pkgs)), errs: make([]error, len(pkgs))}
	var sc scratch
	for i, p := range pkgs {
		hits, err := db.evaluate(&sc, p, sc.hits[:0], nil)
		sc.hits = hits
		b.errs[i] = err
		if len(hits) > 0 {
			b.hits[i] = slices.Clone(hits)
			clear(hits) // the scratch must not keep what the hits point to
			b.n += len(hits)
		}
	}
	return b
}

// Err is the error of package i, as Match would return it; a package with
// an error has no matches.
func (b *Batch) Err(i int) error { return b.errs[i] }

// Len is the number of matches of all the packages.
func (b *Batch) Len() int { return b.n }

// All yields the matches of the packages in their order, each package's
// sorted by id, with the package's index. The Match is valid only until
// the next iteration: it is one variable, refilled.
func (b *Batch) All() iter.Seq2[int, *Match] {
	return func(yield func(int, *Match) bool) {
		var m Match
		for i, hits := range b.hits {
			for j := range hits {
				b.db.fill(&m, b.pkgs[i], &hits[j])
				if !yield(i, &m) {
					return
				}
			}
		}
	}
}

// hit is a match as evaluate finds it, before a Match is made of it: the
// record, or for a group joining several records the group's Match (id,
// aliases, summary and severity merged); the fixed versions; the notes.
type hit struct {
	rec          int
	group        *Match
	fixed, notes []string
}

// id is the id of the hit's Match.
func (db *DB) id(h *hit) string {
	if h.group != nil {
		return h.group.ID
	}
	return db.recs[h.rec].ID
}

// fill makes m the Match of h for p.
func (db *DB) fill(m *Match, p Package, h *hit) {
	if h.group != nil {
		*m = *h.group
	} else {
		r := &db.recs[h.rec]
		*m = Match{ID: r.ID, Aliases: db.solo[h.rec], Summary: r.Summary, Severity: db.sev[h.rec]}
	}
	m.Package, m.Fixed, m.Notes = p, h.fixed, h.notes
}

// appendMatches appends the Matches of p's hits to dst.
func (db *DB) appendMatches(dst []Match, p Package, hits []hit) []Match {
	dst = slices.Grow(dst, len(hits))
	for i := range hits {
		var m Match
		db.fill(&m, p, &hits[i])
		dst = append(dst, m)
	}
	return dst
}

// outcome is what one record says about a package, in evaluate. It holds
// no pointer (its notes are in scratch.notes), so that the many written
// for a scan cost the garbage collector nothing.
type outcome struct {
	rec                    int
	from, to               int // its entries are entries[from:to], those whose suffix matches
	notes, notesEnd        int // its notes are scratch.notes[notes:notesEnd]
	affected, undetermined bool
}

// scratch is evaluate's working memory, recycled: a scan evaluates
// thousands of packages.
type scratch struct {
	matched, unsure []outcome
	notes           []string
	hits            []hit // for the caller
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// recycle empties the scratch, dropping what it points to, and returns it
// to the pool.
func (sc *scratch) recycle() {
	clear(sc.hits)
	sc.hits = sc.hits[:0]
	scratches.Put(sc)
}

// evaluate appends to hits those of the advisories affecting p, sorted by
// id, and when unsure is not nil to *unsure those of the advisories it
// could not decide. It uses sc but for sc.hits, which the caller may pass
// as hits.
func (db *DB) evaluate(sc *scratch, p Package, hits []hit, unsure *[]hit) ([]hit, error) {
	base, suffix := splitEcosystem(p.Ecosystem)
	switch {
	case p.Name == "":
		return hits, fmt.Errorf("%w: no name (%s)", ErrInvalidPackage, p.PURL)
	case p.Version == "":
		return hits, fmt.Errorf("%w: %s %s has no version", ErrInvalidPackage, p.Ecosystem, p.Name)
	case !ecosystems[base]:
		return hits, &UnsupportedError{Ecosystem: p.Ecosystem, Reason: "not an OSV ecosystem"}
	case base == "GIT":
		return hits, &UnsupportedError{Ecosystem: p.Ecosystem, Reason: "GIT versions (commits) are not evaluated"}
	case !comparable(base):
		return hits, &UnsupportedError{Ecosystem: p.Ecosystem, Reason: "versions of this ecosystem are not compared"}
	}
	entries := db.index[indexKey{base, normName(base, p.Name)}]
	var caseNote string
	if len(entries) == 0 && base == "Go" {
		entries, caseNote = db.foldedGo(p.Name)
	}
	if len(entries) == 0 {
		return hits, nil
	}
	raw := normVersion(base, p.Name, p.Version)
	v, verr := parseVersion(raw, base, false)

	// The outcome per record, from its entries (next to each other in
	// index order, which is record order), kept when it matches or, if
	// wanted, is undetermined.
	defer func() {
		clear(sc.notes)
		sc.matched, sc.unsure, sc.notes = sc.matched[:0], sc.unsure[:0], sc.notes[:0]
	}()
	for i := 0; i < len(entries); {
		o := outcome{rec: entries[i].rec, from: -1, notes: len(sc.notes), notesEnd: len(sc.notes)}
		for ; i < len(entries) && entries[i].rec == o.rec; i++ {
			e := &entries[i]
			if !suffixMatches(e.suffix, suffix) {
				continue
			}
			if o.from < 0 {
				o.from = i
			}
			o.to = i + 1
			affected, evaluated, notes := e.evaluate(raw, v, verr)
			if suffix == "" && e.suffix != "" {
				notes = append(notes, fmt.Sprintf("advisory is for %s; the package names no release", e.ecosystem))
			}
			if caseNote != "" {
				notes = append(notes, caseNote)
			}
			if len(notes) > 0 {
				sc.notes = append(sc.notes, notes...)
				o.notesEnd = len(sc.notes)
			}
			o.affected = o.affected || affected
			o.undetermined = o.undetermined || !evaluated
		}
		switch {
		case o.from < 0: // no entry for the package's ecosystem
		case o.affected:
			sc.matched = append(sc.matched, o)
		case o.undetermined && unsure != nil:
			sc.unsure = append(sc.unsure, o)
		default:
			clear(sc.notes[o.notes:])
			sc.notes = sc.notes[:o.notes]
		}
	}

	// makeHit makes the hit of a group of outcomes.
	makeHit := func(group []outcome, fixes bool) hit {
		h := hit{rec: group[0].rec}
		if len(group) > 1 {
			h.group = db.groupMatch(base, group)
		}
		for _, o := range group {
			h.notes = append(h.notes, sc.notes[o.notes:o.notesEnd]...)
		}
		if len(h.notes) > 1 {
			slices.Sort(h.notes)
			h.notes = slices.Compact(h.notes)
		}
		if !fixes || v == nil {
			return h
		}
		// One record's entries for the package, all of them (no suffix
		// to select by, not gathered from several paths by foldedGo):
		// their fixed versions are prepared.
		if len(group) == 1 && caseNote == "" && entries[group[0].from].fixed != nil {
			h.fixed = entries[group[0].from].fixed.above(v)
			return h
		}
		var all []*entry
		for _, o := range group {
			for j := o.from; j < o.to; j++ {
				if suffixMatches(entries[j].suffix, suffix) {
					all = append(all, &entries[j])
				}
			}
		}
		h.fixed = fixedVersions(all, v)
		return h
	}
	// The hits come in record order, which is id order unless a group
	// joins several records: its preferred id may not be the first
	// record's.
	add := func(hits []hit, outs []outcome, fixes bool) []hit {
		start, merged := len(hits), false
		db.groups(outs, func(group []outcome) {
			hits = append(hits, makeHit(group, fixes))
			merged = merged || len(group) > 1
		})
		if merged {
			slices.SortFunc(hits[start:], func(a, b hit) int { return strings.Compare(db.id(&a), db.id(&b)) })
		}
		return hits
	}
	hits = add(hits, sc.matched, true)
	if unsure != nil {
		*unsure = add(*unsure, sc.unsure, false)
	}
	return hits, nil
}

// foldedGo finds the entries of Go modules whose path differs from name
// only in case, for an SBOM that wrote a module path in lower case (as the
// purl specification's golang type says, though Go module paths are case
// sensitive and OSV's Go records keep the case): the entries in record
// order, and a note saying the match ignored case.
func (db *DB) foldedGo(name string) ([]entry, string) {
	keys := db.goFolded[strings.ToLower(name)]
	if len(keys) == 0 {
		return nil, ""
	}
	var entries []entry
	var paths []string
	for _, k := range keys {
		entries = append(entries, db.index[indexKey{"Go", k}]...)
		paths = append(paths, k)
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return a.rec - b.rec })
	return entries, fmt.Sprintf("module path %s matched %s ignoring case: Go module paths are case sensitive; check the SBOM's spelling", name, strings.Join(paths, ", "))
}

// fixedVersions are the fixed events of the entries above v that none of
// the entries affects, lowest first: the versions an upgrade can go to.
func fixedVersions(entries []*entry, v *version) []string {
	var out []string
	for _, ev := range fixedEvents(entries, v) {
		out = append(out, ev.raw)
	}
	return out
}

// fixedEvents are the events of fixedVersions, one per version; v nil
// means every version.
func fixedEvents(entries []*entry, v *version) []*pevent {
	var cands []*pevent
	for _, e := range entries {
		for i := range e.ranges {
			for j := range e.ranges[i].events {
				if ev := &e.ranges[i].events[j]; ev.kind == evFixed && (v == nil || compare(&ev.v, v) > 0) {
					cands = append(cands, ev)
				}
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b *pevent) int { return compare(&a.v, &b.v) })
	var out []*pevent
next:
	for _, c := range cands {
		if slices.ContainsFunc(out, func(o *pevent) bool { return o.raw == c.raw }) {
			continue
		}
		for _, e := range entries {
			if affected, _, _ := e.evaluate(c.raw, &c.v, nil); affected {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// suffixMatches applies the ecosystem suffix rule of the package comment.
func suffixMatches(record, pkg string) bool {
	return record == "" || pkg == "" || record == pkg || strings.HasPrefix(record, pkg+":")
}

// groups calls yield with each group of the outcomes' records that share
// an id or alias, transitively, in the order of their first record;
// members in record order. The group is valid only during the call.
func (db *DB) groups(outs []outcome, yield func(group []outcome)) {
	if len(outs) == 0 {
		return
	}
	// Records in different components of the whole database's alias graph
	// never group; when every record is alone in its component (nearly
	// always), each is its own group.
	if db.distinctComponents(outs) {
		for i := range outs {
			yield(outs[i : i+1 : i+1])
		}
		return
	}
	find := linkShared(len(outs), func(i int) *Record { return &db.recs[outs[i].rec] })
	members := make([][]outcome, len(outs))
	var roots []int
	for i, o := range outs {
		root := find(i)
		if members[root] == nil {
			roots = append(roots, root)
		}
		members[root] = append(members[root], o)
	}
	for _, root := range roots {
		yield(members[root])
	}
}

// distinctComponents reports whether no two of the outcomes' records share
// a component of the database's alias graph.
func (db *DB) distinctComponents(outs []outcome) bool {
	if len(outs) <= 16 {
		for i, x := range outs {
			for _, y := range outs[:i] {
				if db.comp[x.rec] == db.comp[y.rec] {
					return false
				}
			}
		}
		return true
	}
	comps := make([]int32, len(outs))
	for i, o := range outs {
		comps[i] = db.comp[o.rec]
	}
	slices.Sort(comps)
	for i := 1; i < len(comps); i++ {
		if comps[i] == comps[i-1] {
			return false
		}
	}
	return true
}

// groupMatch makes the Match of a group of several records (those of the
// outcomes), but for its package, fixed versions and notes: the preferred
// id, the other ids and aliases, the summary of the chosen record (or the
// first with one) and the highest severity.
func (db *DB) groupMatch(base string, group []outcome) *Match {
	best := group[0].rec
	for _, o := range group[1:] {
		a, b := db.recs[o.rec].ID, db.recs[best].ID
		if ra, rb := idRank(base, a), idRank(base, b); ra < rb || ra == rb && a < b {
			best = o.rec
		}
	}
	m := &Match{ID: db.recs[best].ID, Summary: db.recs[best].Summary, Severity: db.sev[best]}
	var ids []string
	for _, o := range group {
		rec := &db.recs[o.rec]
		ids = append(ids, rec.ID)
		ids = append(ids, rec.Aliases...)
		if m.Summary == "" {
			m.Summary = rec.Summary
		}
		if s := db.sev[o.rec]; higher(s, m.Severity) {
			m.Severity = s
		}
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == m.ID })
	slices.Sort(ids)
	m.Aliases = slices.Compact(ids)
	if len(m.Aliases) == 0 {
		m.Aliases = nil
	}
	return m
}

// nativePrefixes are the id prefixes of each ecosystem's own advisory
// database (from the OSV schema's list of home databases).
var nativePrefixes = map[string][]string{
	"AlmaLinux": {"ALSA-", "ALBA-", "ALEA-"}, "Alpaquita": {"BELL-"}, "Alpine": {"ALPINE-"},
	"Android": {"ASB-A-", "PUB-A-"}, "Azure Linux": {"AZL-"}, "BellSoft Hardened Containers": {"BELL-"},
	"Bitnami": {"BIT-"}, "Chainguard": {"CGA-"}, "CleanStart": {"CLEANSTART-"}, "crates.io": {"RUSTSEC-"},
	"Debian": {"DSA-", "DLA-", "DTSA-", "DEBIAN-"}, "Docker Hardened Images": {"DHI-"}, "Echo": {"ECHO-"},
	"FreeBSD": {"FreeBSD-"}, "GHC": {"HSEC-"}, "Go": {"GO-"}, "Hackage": {"HSEC-"}, "Hex": {"EEF-"},
	"Julia": {"JLSEC-"}, "Kubernetes": {"KUBE-"}, "Mageia": {"MGASA-"}, "MinimOS": {"MINI-"},
	"openEuler": {"OESA-"}, "openSUSE": {"openSUSE-SU-"}, "Photon OS": {"PHSA-"}, "PyPI": {"PYSEC-"},
	"Red Hat": {"RHSA-", "RHBA-", "RHEA-"}, "Rocky Linux": {"RLSA-", "RXSA-"}, "Root": {"ROOT-"},
	"SUSE": {"SUSE-SU-", "SUSE-RU-", "SUSE-FU-", "SUSE-OU-"}, "Ubuntu": {"USN-", "UBUNTU-"}, "Wolfi": {"CGA-"},
}

// idRank orders candidate ids for a group's Match.ID: the ecosystem's own
// database, GHSA, CVE, the rest.
func idRank(base, id string) int {
	for _, p := range nativePrefixes[base] {
		if strings.HasPrefix(id, p) {
			return 0
		}
	}
	switch {
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	case strings.HasPrefix(id, "CVE-"):
		return 2
	}
	return 3
}
