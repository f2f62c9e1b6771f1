package vuln

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Errors of ParseRecord, also used as skip reasons by Import.
var (
	// ErrMalformed is wrapped by every error about a record that is not
	// valid JSON or breaks the OSV schema in a way that matters for
	// matching; the message names the field.
	ErrMalformed = errors.New("vuln: malformed OSV record")
	// ErrNoID is returned for a record without an id.
	ErrNoID = errors.New("vuln: OSV record has no id")
	// ErrUnknownEcosystem is returned for a record whose affected packages
	// are all in ecosystems OSV does not define.
	ErrUnknownEcosystem = errors.New("vuln: OSV record names no known ecosystem")
)

// Record is one OSV advisory, as far as this package uses it. Raw keeps the
// record byte for byte as imported: it is what gets stored and hashed.
type Record struct {
	ID        string
	Modified  time.Time
	Published time.Time
	// Withdrawn is zero unless the advisory was withdrawn; a withdrawn
	// record is kept (it is part of the advisory set) but never matches.
	Withdrawn time.Time
	// Aliases are the other ids of the same vulnerability, sorted, without
	// duplicates.
	Aliases  []string
	Related  []string
	Summary  string
	Details  string
	Severity []SeverityEntry
	Affected []Affected
	Raw      []byte
}

// SeverityEntry is one entry of an OSV severity list: a type ("CVSS_V3",
// "CVSS_V4", "CVSS_V2", "Ubuntu") and a score, which for CVSS is a vector.
type SeverityEntry struct {
	Type  string
	Score string
}

// Affected is one affected package of a record with its affected versions.
type Affected struct {
	Package AffectedPackage
	// Severity is the per-package severity some databases give instead of
	// the record's.
	Severity []SeverityEntry
	Ranges   []Range
	Versions []string
}

// AffectedPackage names a package as OSV does.
type AffectedPackage struct {
	Ecosystem string // "Go", "crates.io", "Debian:11", ...
	Name      string
	PURL      string
}

// Range types of the OSV schema.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Range is an OSV range: a type, a repository for GIT ranges, and the
// events in the order of the record.
type Range struct {
	Type   string
	Repo   string
	Events []Event
}

// Event is one range event; exactly one of its fields is set.
type Event struct {
	Introduced   string
	Fixed        string
	LastAffected string
	Limit        string
}

// version returns the version the event is about.
func (e Event) version() string {
	return e.Introduced + e.Fixed + e.LastAffected + e.Limit // exactly one is set
}

// jsonRecord mirrors the OSV schema for decoding.
type jsonRecord struct {
	ID        string         `json:"id"`
	Modified  string         `json:"modified"`
	Published string         `json:"published"`
	Withdrawn string         `json:"withdrawn"`
	Aliases   []string       `json:"aliases"`
	Related   []string       `json:"related"`
	Summary   string         `json:"summary"`
	Details   string         `json:"details"`
	Severity  []jsonSeverity `json:"severity"`
	Affected  []jsonAffected `json:"affected"`
}

type jsonSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type jsonAffected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		PURL      string `json:"purl"`
	} `json:"package"`
	Severity []jsonSeverity `json:"severity"`
	Ranges   []jsonRange    `json:"ranges"`
	Versions []string       `json:"versions"`
}

type jsonRange struct {
	Type   string      `json:"type"`
	Repo   string      `json:"repo"`
	Events []jsonEvent `json:"events"`
}

type jsonEvent struct {
	Introduced   *string `json:"introduced"`
	Fixed        *string `json:"fixed"`
	LastAffected *string `json:"last_affected"`
	Limit        *string `json:"limit"`
}

// ParseRecord parses one OSV record (JSON). It keeps a copy of b as
// Record.Raw. It returns an error wrapping ErrNoID for a record without an
// id, ErrUnknownEcosystem when the record has affected packages but none in
// an ecosystem OSV defines (entries in unknown ecosystems next to known
// ones are kept: they can never match), and ErrMalformed for anything else
// that prevents matching: invalid JSON, timestamps that are not RFC 3339, an
// affected package without ecosystem or name, a range of unknown type,
// without events or without an introduced event, an event that is not
// exactly one of introduced/fixed/last_affected/limit or has an empty
// version, fixed and last_affected in one range, a GIT range without repo.
func ParseRecord(b []byte) (Record, error) {
	var j jsonRecord
	if err := json.Unmarshal(b, &j); err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if strings.TrimSpace(j.ID) == "" {
		return Record{}, ErrNoID
	}
	r := Record{ID: j.ID, Summary: j.Summary, Details: j.Details}
	var err error
	for _, f := range []struct {
		name string
		in   string
		out  *time.Time
	}{{"modified", j.Modified, &r.Modified}, {"published", j.Published, &r.Published}, {"withdrawn", j.Withdrawn, &r.Withdrawn}} {
		if f.in == "" {
			continue
		}
		if *f.out, err = time.Parse(time.RFC3339, f.in); err != nil {
			return Record{}, fmt.Errorf("%w: %s: %s: %q is not an RFC 3339 time", ErrMalformed, j.ID, f.name, f.in)
		}
	}
	r.Aliases = cleanIDs(j.Aliases)
	r.Related = cleanIDs(j.Related)
	r.Severity = severities(j.Severity)
	known := 0
	for i, a := range j.Affected {
		where := fmt.Sprintf("%s: affected[%d]", j.ID, i)
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			return Record{}, fmt.Errorf("%w: %s.package: ecosystem and name are required", ErrMalformed, where)
		}
		if knownEcosystem(a.Package.Ecosystem) {
			known++
		}
		out := Affected{
			Package:  AffectedPackage{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, PURL: a.Package.PURL},
			Severity: severities(a.Severity),
			Versions: slices.DeleteFunc(slices.Clone(a.Versions), func(v string) bool { return v == "" }),
		}
		for k, jr := range a.Ranges {
			rg, err := parseRange(jr)
			if err != nil {
				return Record{}, fmt.Errorf("%w: %s.ranges[%d]: %v", ErrMalformed, where, k, err)
			}
			out.Ranges = append(out.Ranges, rg)
		}
		r.Affected = append(r.Affected, out)
	}
	if len(j.Affected) > 0 && known == 0 {
		return Record{}, fmt.Errorf("%w: %s: %q", ErrUnknownEcosystem, j.ID, j.Affected[0].Package.Ecosystem)
	}
	r.Raw = slices.Clone(b)
	return r, nil
}

func parseRange(jr jsonRange) (Range, error) {
	switch jr.Type {
	case RangeSemver, RangeEcosystem:
	case RangeGit:
		if jr.Repo == "" {
			return Range{}, errors.New("a GIT range needs a repo")
		}
	default:
		return Range{}, fmt.Errorf("type %q is not SEMVER, ECOSYSTEM or GIT", jr.Type)
	}
	if len(jr.Events) == 0 {
		return Range{}, errors.New("no events")
	}
	rg := Range{Type: jr.Type, Repo: jr.Repo, Events: make([]Event, 0, len(jr.Events))}
	var introduced, fixed, lastAffected bool
	for i, je := range jr.Events {
		var e Event
		n := 0
		for _, f := range []struct {
			in  *string
			out *string
		}{{je.Introduced, &e.Introduced}, {je.Fixed, &e.Fixed}, {je.LastAffected, &e.LastAffected}, {je.Limit, &e.Limit}} {
			if f.in != nil {
				n++
				*f.out = *f.in
			}
		}
		if n != 1 {
			return Range{}, fmt.Errorf("events[%d]: want exactly one of introduced, fixed, last_affected, limit", i)
		}
		if e.version() == "" {
			return Range{}, fmt.Errorf("events[%d]: empty version", i)
		}
		introduced = introduced || e.Introduced != ""
		fixed = fixed || e.Fixed != ""
		lastAffected = lastAffected || e.LastAffected != ""
		rg.Events = append(rg.Events, e)
	}
	if !introduced {
		return Range{}, errors.New("no introduced event")
	}
	if fixed && lastAffected {
		return Range{}, errors.New("fixed and last_affected events are mutually exclusive")
	}
	return rg, nil
}

func severities(in []jsonSeverity) []SeverityEntry {
	var out []SeverityEntry
	for _, s := range in {
		if s.Type != "" || s.Score != "" {
			out = append(out, SeverityEntry(s))
		}
	}
	return out
}

// cleanIDs sorts ids and drops empty and repeated ones.
func cleanIDs(ids []string) []string {
	out := slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// ecosystems are the ecosystem names of the OSV schema (its ecosystemName
// enum, and GIT); an ecosystem string is one of them, optionally followed by
// ":" and a suffix.
var ecosystems = map[string]bool{
	"AlmaLinux": true, "Alpaquita": true, "Alpine": true, "Android": true, "Azure Linux": true,
	"BellSoft Hardened Containers": true, "Bioconductor": true, "Bitnami": true, "Chainguard": true,
	"CleanStart": true, "ConanCenter": true, "CRAN": true, "crates.io": true, "Debian": true,
	"Docker Hardened Images": true, "Echo": true, "FreeBSD": true, "GHC": true, "GitHub Actions": true,
	"Go": true, "Hackage": true, "Hex": true, "Julia": true, "Kubernetes": true, "Linux": true,
	"Mageia": true, "Maven": true, "MinimOS": true, "npm": true, "NuGet": true, "opam": true,
	"openEuler": true, "openSUSE": true, "OSS-Fuzz": true, "Packagist": true, "Photon OS": true,
	"Pub": true, "PyPI": true, "Red Hat": true, "Rocky Linux": true, "Root": true, "RubyGems": true,
	"SUSE": true, "SwiftURL": true, "TuxCare": true, "Ubuntu": true, "VSCode": true, "Wolfi": true,
	"GIT": true,
}

// splitEcosystem splits "Debian:11" into "Debian" and "11".
func splitEcosystem(eco string) (base, suffix string) {
	base, suffix, _ = strings.Cut(eco, ":")
	return base, suffix
}

func knownEcosystem(eco string) bool {
	base, _ := splitEcosystem(eco)
	return ecosystems[base]
}
