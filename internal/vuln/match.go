package vuln

import (
	"errors"
	"fmt"
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
	ev, err := db.Evaluate(p)
	return ev.Matches, err
}

// AppendMatches is Match appending to dst, so a caller matching many
// packages can reuse one buffer.
func (db *DB) AppendMatches(dst []Match, p Package) ([]Match, error) {
	ev, err := db.evaluate(p, dst, false)
	if ev.Matches == nil {
		ev.Matches = dst
	}
	return ev.Matches, err
}

// Evaluate is Match with the undetermined advisories too.
func (db *DB) Evaluate(p Package) (Evaluation, error) {
	return db.evaluate(p, nil, true)
}

// outcome is what one record says about a package, in Evaluate.
type outcome struct {
	rec                    int
	from, to               int // its entries are entries[from:to], those whose suffix matches
	affected, undetermined bool
	notes                  []string
}

// outcomes recycles Evaluate's scratch slices.
var outcomes = sync.Pool{New: func() any { return new([]outcome) }}

// evaluate appends the matches to dst (a fresh slice when nil) and, when
// undetermined is set, lists the undetermined advisories too.
func (db *DB) evaluate(p Package, dst []Match, undetermined bool) (Evaluation, error) {
	base, suffix := splitEcosystem(p.Ecosystem)
	switch {
	case p.Name == "":
		return Evaluation{}, fmt.Errorf("%w: no name (%s)", ErrInvalidPackage, p.PURL)
	case p.Version == "":
		return Evaluation{}, fmt.Errorf("%w: %s %s has no version", ErrInvalidPackage, p.Ecosystem, p.Name)
	case !ecosystems[base]:
		return Evaluation{}, &UnsupportedError{Ecosystem: p.Ecosystem, Reason: "not an OSV ecosystem"}
	case base == "GIT":
		return Evaluation{}, &UnsupportedError{Ecosystem: p.Ecosystem, Reason: "GIT versions (commits) are not evaluated"}
	case !comparable(base):
		return Evaluation{}, &UnsupportedError{Ecosystem: p.Ecosystem, Reason: "versions of this ecosystem are not compared"}
	}
	entries := db.index[indexKey(base, normName(base, p.Name))]
	var caseNote string
	if len(entries) == 0 && base == "Go" {
		entries, caseNote = db.foldedGo(p.Name)
	}
	if len(entries) == 0 {
		return Evaluation{}, nil
	}
	raw := normVersion(base, p.Name, p.Version)
	v, verr := parseVersion(raw, base, false)

	// The outcome per record, in index order (which is record order, with
	// the entries of one record next to each other).
	scratch := outcomes.Get().(*[]outcome)
	outs := (*scratch)[:0]
	defer func() {
		clear(outs)
		*scratch = outs[:0]
		outcomes.Put(scratch)
	}()
	for i := range entries {
		e := &entries[i]
		if !suffixMatches(e.suffix, suffix) {
			continue
		}
		if len(outs) == 0 || outs[len(outs)-1].rec != e.rec {
			outs = append(outs, outcome{rec: e.rec, from: i})
		}
		o := &outs[len(outs)-1]
		affected, evaluated, notes := e.evaluate(raw, v, verr)
		if suffix == "" && e.suffix != "" {
			notes = append(notes, fmt.Sprintf("advisory is for %s; the package names no release", e.ecosystem))
		}
		if caseNote != "" {
			notes = append(notes, caseNote)
		}
		o.to = i + 1
		o.notes = append(o.notes, notes...)
		o.affected = o.affected || affected
		o.undetermined = o.undetermined || !evaluated
	}

	var matched, unsure []int
	info := func(rec int) *outcome { // outs is in record order
		i, _ := slices.BinarySearchFunc(outs, rec, func(o outcome, rec int) int { return o.rec - rec })
		return &outs[i]
	}
	for i := range outs {
		o := &outs[i]
		switch {
		case o.affected:
			matched = append(matched, o.rec)
		case o.undetermined && undetermined:
			unsure = append(unsure, o.rec)
		}
	}
	build := func(group []int, fixes bool) Match {
		m := db.groupMatch(p, base, group)
		var all []*entry
		for _, r := range group {
			o := info(r)
			for j := o.from; j < o.to; j++ {
				if suffixMatches(entries[j].suffix, suffix) {
					all = append(all, &entries[j])
				}
			}
			m.Notes = append(m.Notes, o.notes...)
		}
		if len(m.Notes) > 1 {
			slices.Sort(m.Notes)
			m.Notes = slices.Compact(m.Notes)
		}
		if fixes && v != nil {
			m.Fixed = fixedVersions(all, v)
		}
		return m
	}
	var ev Evaluation
	if gs := db.groups(matched); len(gs) > 0 {
		start := len(dst)
		if dst == nil {
			dst = make([]Match, 0, len(gs))
		}
		for _, g := range gs {
			dst = append(dst, build(g, true))
		}
		slices.SortFunc(dst[start:], func(a, b Match) int { return strings.Compare(a.ID, b.ID) })
		ev.Matches = dst
	}
	for _, g := range db.groups(unsure) {
		ev.Undetermined = append(ev.Undetermined, build(g, false))
	}
	slices.SortFunc(ev.Undetermined, func(a, b Match) int { return strings.Compare(a.ID, b.ID) })
	return ev, nil
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
		entries = append(entries, db.index[indexKey("Go", k)]...)
		paths = append(paths, k)
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return a.rec - b.rec })
	return entries, fmt.Sprintf("module path %s matched %s ignoring case: Go module paths are case sensitive; check the SBOM's spelling", name, strings.Join(paths, ", "))
}

// fixedVersions are the fixed events of the entries above v that none of
// the entries affects, lowest first: the versions an upgrade can go to.
func fixedVersions(entries []*entry, v *version) []string {
	var cands []*pevent
	for _, e := range entries {
		for i := range e.ranges {
			for j := range e.ranges[i].events {
				if ev := &e.ranges[i].events[j]; ev.kind == evFixed && compare(ev.v, v) > 0 {
					cands = append(cands, ev)
				}
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b *pevent) int { return compare(a.v, b.v) })
	var out []string
next:
	for _, c := range cands {
		if slices.Contains(out, c.raw) {
			continue
		}
		for _, e := range entries {
			if affected, _, _ := e.evaluate(c.raw, c.v, nil); affected {
				continue next
			}
		}
		out = append(out, c.raw)
	}
	return out
}

// suffixMatches applies the ecosystem suffix rule of the package comment.
func suffixMatches(record, pkg string) bool {
	return record == "" || pkg == "" || record == pkg || strings.HasPrefix(record, pkg+":")
}

// groups splits records into groups that share an id or alias,
// transitively.
func (db *DB) groups(recs []int) [][]int {
	if len(recs) == 0 {
		return nil
	}
	// Records in different components of the whole database's alias graph
	// never group; when every record is alone in its component (nearly
	// always), each is its own group.
	if db.distinctComponents(recs) {
		out := make([][]int, len(recs))
		flat := slices.Clone(recs)
		for i := range flat {
			out[i] = flat[i : i+1 : i+1]
		}
		return out
	}
	find := linkShared(len(recs), func(i int) *Record { return &db.recs[recs[i]] })
	// Groups in the order of their first record; members in record order.
	members := make([][]int, len(recs))
	var roots []int
	for i, r := range recs {
		root := find(i)
		if members[root] == nil {
			roots = append(roots, root)
		}
		members[root] = append(members[root], r)
	}
	out := make([][]int, 0, len(roots))
	for _, root := range roots {
		out = append(out, members[root])
	}
	return out
}

// distinctComponents reports whether no two of recs share a component of
// the database's alias graph.
func (db *DB) distinctComponents(recs []int) bool {
	if len(recs) <= 16 {
		for i, r := range recs {
			for _, q := range recs[:i] {
				if db.comp[r] == db.comp[q] {
					return false
				}
			}
		}
		return true
	}
	comps := make([]int32, len(recs))
	for i, r := range recs {
		comps[i] = db.comp[r]
	}
	slices.Sort(comps)
	for i := 1; i < len(comps); i++ {
		if comps[i] == comps[i-1] {
			return false
		}
	}
	return true
}

// groupMatch makes the Match of a group of records: the preferred id, the
// other ids and aliases, the summary of the chosen record (or the first
// with one) and the highest severity.
func (db *DB) groupMatch(p Package, base string, group []int) Match {
	best := group[0]
	for _, r := range group[1:] {
		a, b := db.recs[r].ID, db.recs[best].ID
		if ra, rb := idRank(base, a), idRank(base, b); ra < rb || ra == rb && a < b {
			best = r
		}
	}
	m := Match{Package: p, ID: db.recs[best].ID, Summary: db.recs[best].Summary, Severity: db.sev[best]}
	if len(group) == 1 { // most groups: the record's own aliases, sorted once by NewDB
		m.Aliases = db.solo[best]
		return m
	}
	var ids []string
	for _, r := range group {
		rec := &db.recs[r]
		ids = append(ids, rec.ID)
		ids = append(ids, rec.Aliases...)
		if m.Summary == "" {
			m.Summary = rec.Summary
		}
		if s := db.sev[r]; higher(s, m.Severity) {
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
