// Package vuln is the offline OSV advisory database of the supply chain
// analysis (DESIGN §5): it imports OSV records (https://ossf.github.io/osv-schema/)
// from osv-scanner's offline layout, indexes them by (ecosystem, package
// name) and tells which advisories affect a package version.
//
// What this package owns:
//
//   - The Record model of an OSV advisory, and its parsing (ParseRecord).
//   - Import of advisory sets: a directory of <Ecosystem>/all.zip files (also
//     under an "osv-scanner/" subfolder), a directory of *.json records, or
//     one all.zip (Import, ImportZip), with limits against zip bombs.
//   - The immutable, in-memory DB and its matcher (Match, MatchPURL,
//     Evaluate, and MatchAll for a scan of many packages), including the
//     purl to OSV package mapping (ParsePURL) and the severity of a match
//     (a CVSS v3.0/v3.1 base score calculator).
//   - The advisory set's Digest, which names exactly which advisories a
//     result was computed against.
//
// What it must not touch: storage, HTTP, SBOM formats and VEX. Callers (the
// scan, the store, the CLI) read SBOMs, persist records (Record.Raw is kept
// byte for byte for that) and apply VEX statements.
//
// # Matching
//
// A package matches an advisory when one of the advisory's affected entries
// names the package's ecosystem and name and the version is listed in the
// entry's versions or lies in one of its SEMVER or ECOSYSTEM ranges. Ranges
// are evaluated as the OSV schema describes and as osv-scanner does: the
// events are sorted by version (an introduced "0" first; events at one
// version keep the record's order, so "introduced 1.0, fixed 1.0" is an
// empty range), and the version is affected after an introduced event it is
// at or above, until a fixed event it is at or above or a last_affected
// event it is above; a range with limit events additionally requires the
// version to be below one of them.
// Versions are compared with github.com/google/osv-scalibr/semantic for the
// record's ecosystem (the comparison OSV itself is defined against), for
// SEMVER ranges too, as osv-scanner does. GIT ranges (commit hashes) and ranges
// in ecosystems that package cannot compare are not evaluated: they give a
// note on the match, or, when nothing else about the advisory applies, an
// undetermined result (see Evaluate) rather than a match. Withdrawn records
// never match; database_specific and ecosystem_specific are ignored (so Go
// matches are by module, not by imported symbol).
//
// Versions in `versions` lists are compared as strings after the same
// normalisation as the package version (for Go: no leading "v").
//
// # Ecosystems and names
//
// Ecosystems are OSV's names ("Go", "crates.io", "PyPI", ...). An ecosystem
// may carry a release suffix ("Debian:11", "Alpine:v3.18",
// "Ubuntu:22.04:LTS"). A package with a suffix matches records with the same
// suffix, a suffix that extends it ("Ubuntu:22.04" matches
// "Ubuntu:22.04:LTS") or no suffix; a package without a suffix matches
// records of every release of that ecosystem, which errs towards reporting.
//
// Names are compared exactly, except PyPI names, which are normalised on
// both sides as PEP 503 says (lower case, runs of "-", "_" and "." become
// "-"). Go module paths keep their case and their /vN major suffix; Go
// versions lose a leading "v" (OSV's Go ranges have none), "go1.21.3" becomes
// "1.21.3" for the stdlib and toolchain, and "+incompatible" is build metadata,
// which the comparison ignores.
//
// # Aliases
//
// Records for one package that share an identifier (one's id is in the
// other's aliases, or both alias the same CVE) are reported as one Match,
// transitively, as osv-scanner groups them. Its ID is the group's record
// id chosen in this order: an id of the ecosystem's own database (GO- for Go,
// RUSTSEC- for crates.io, PYSEC- for PyPI, ...), then GHSA-, then CVE-, then
// any other; ties go to the smaller id. Aliases holds every other id and
// alias of the group, sorted. The Severity is the highest one computed
// among the group's records.
//
// # Severity
//
// A CVSS_V3 vector gets its base score from the CVSS 3.0/3.1 specification
// formulas, and the qualitative rating of its score. Other vectors (CVSS_V2,
// CVSS_V4, Ubuntu) are kept but rated "unrated", as are records without a
// severity (all of the Go database): callers treat unrated as serious.
//
// # Reproducibility
//
// DB.Digest is a SHA-256 over the sorted (id, SHA-256 of the raw record)
// pairs, so the same advisory set gives the same digest whatever the order of
// files and entries it was read from. When a set holds two records with one
// id, the one with the later modified time wins, and between equal times the
// one whose raw bytes hash higher: the choice does not depend on order either.
package vuln
