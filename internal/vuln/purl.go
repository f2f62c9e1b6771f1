package vuln

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

// ParsePURL maps a package URL to the OSV package it names:
//
//	golang    Go         namespace/name, case kept ("github.com/foo/bar/v2"); version as given ("v2.1.0")
//	cargo     crates.io
//	npm       npm        "@scope/name" for a scoped package
//	pypi      PyPI       name normalised as PEP 503 says
//	maven     Maven      "group:artifact"
//	gem       RubyGems
//	nuget     NuGet
//	composer  Packagist  "vendor/name"
//	hex       Hex
//	pub       Pub
//	hackage   Hackage
//	cran      CRAN
//	deb       Debian or Ubuntu (the namespace), "Debian:12", "Ubuntu:22.04" with a distro qualifier
//	apk       Alpine ("Alpine:v3.18" with a distro qualifier), Wolfi, Chainguard
//	rpm       AlmaLinux, Rocky Linux, Mageia (with a release from the distro qualifier),
//	          Red Hat, openSUSE, SUSE, openEuler (without)
//	github    GIT        "https://github.com/owner/repo": parsed, but not evaluated by Match
//
// Other types (generic among them), and deb, apk and rpm namespaces or
// distro qualifiers it does not know, give an *UnsupportedError. A string
// that is not a valid purl gives another error. Versions are not
// normalised here: Match does that.
func ParsePURL(purl string) (Package, error) {
	if p, ok := parsePlainPURL(purl); ok {
		return p, nil
	}
	return parsePURL(purl)
}

// parsePlainPURL parses the purls most Go and Rust SBOMs are made of
// without packageurl-go, whose general parsing was a sixth of a scan of
// 10,000 components: "pkg:golang/" or "pkg:cargo/", a path of plain ASCII
// segments, "@" and a plain ASCII version; no percent-encoding,
// qualifiers or subpath, no empty segment. It gives what parsePURL gives
// for those (TestPlainPURLs, FuzzParsePURL), and ok false for any other
// purl.
func parsePlainPURL(purl string) (p Package, ok bool) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return Package{}, false
	}
	typ, rest, _ := strings.Cut(rest, "/")
	path, version, _ := strings.Cut(rest, "@")
	if !plainPath(path) || !plainVersion(version) {
		return Package{}, false
	}
	switch typ {
	case packageurl.TypeGolang:
		return Package{Ecosystem: "Go", Name: path, Version: version, PURL: purl}, true
	case packageurl.TypeCargo: // the name is the last segment, as for every plain type
		return Package{Ecosystem: "crates.io", Name: path[strings.LastIndexByte(path, '/')+1:], Version: version, PURL: purl}, true
	}
	return Package{}, false
}

// plainPath reports whether s is non-empty segments of [A-Za-z0-9._~-]
// separated by single slashes.
func plainPath(s string) bool {
	seg := 0 // length of the current segment
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '/':
			if seg == 0 {
				return false
			}
			seg = 0
		case plainByte(c):
			seg++
		default:
			return false
		}
	}
	return seg > 0
}

// plainVersion reports whether s is a non-empty run of [A-Za-z0-9._~+-].
func plainVersion(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte(s[i]) && s[i] != '+' {
			return false
		}
	}
	return s != ""
}

func plainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '~' || c == '-'
}

// parsePURL is ParsePURL for any purl.
func parsePURL(purl string) (Package, error) {
	u, err := packageurl.FromString(purl)
	if err != nil {
		return Package{}, fmt.Errorf("vuln: invalid purl %q: %w", purl, err)
	}
	p := Package{Name: u.Name, Version: u.Version, PURL: purl}
	withNamespace := func(sep string) string {
		if u.Namespace == "" {
			return u.Name
		}
		return u.Namespace + sep + u.Name
	}
	unsupported := func(reason string) (Package, error) {
		return Package{}, &UnsupportedError{PURLType: u.Type, Reason: reason}
	}
	q := u.Qualifiers.Map()
	if eco, ok := plainTypes[u.Type]; ok {
		p.Ecosystem = eco
		return p, nil
	}
	if ecosystemOf, ok := distroTypes[u.Type]; ok {
		eco, err := ecosystemOf(u.Namespace, q["distro"])
		if err != nil {
			return unsupported(err.Error())
		}
		p.Ecosystem = eco
		if epoch := q["epoch"]; u.Type == packageurl.TypeRPM && epoch != "" && p.Version != "" && !strings.Contains(p.Version, ":") {
			p.Version = epoch + ":" + p.Version
		}
		return p, nil
	}
	switch u.Type {
	case packageurl.TypeGolang:
		// packageurl-go lower-cases golang paths, but Go module paths
		// are case-sensitive and OSV keeps their case.
		path, err := golangPath(purl)
		if err != nil || !strings.EqualFold(path, withNamespace("/")) {
			path = withNamespace("/")
		}
		p.Ecosystem, p.Name = "Go", path
	case packageurl.TypeNPM:
		p.Ecosystem = "npm"
		if u.Namespace != "" && !strings.HasPrefix(u.Namespace, "@") {
			u.Namespace = "@" + u.Namespace
		}
		p.Name = withNamespace("/")
	case packageurl.TypePyPi:
		p.Ecosystem, p.Name = "PyPI", pep503(u.Name)
	case packageurl.TypeMaven:
		if u.Namespace == "" {
			return Package{}, fmt.Errorf("vuln: invalid purl %q: a maven purl needs a namespace (the group id)", purl)
		}
		p.Ecosystem, p.Name = "Maven", withNamespace(":")
	case packageurl.TypeComposer:
		p.Ecosystem, p.Name = "Packagist", withNamespace("/")
	case packageurl.TypeGithub:
		if u.Namespace == "" {
			return Package{}, fmt.Errorf("vuln: invalid purl %q: a github purl needs a namespace (the owner)", purl)
		}
		p.Ecosystem, p.Name = "GIT", "https://github.com/"+withNamespace("/")
	default:
		return unsupported("no OSV ecosystem for this purl type")
	}
	return p, nil
}

// plainTypes are the purl types whose name is the OSV package name.
var plainTypes = map[string]string{
	packageurl.TypeCargo: "crates.io", packageurl.TypeGem: "RubyGems", packageurl.TypeNuget: "NuGet", packageurl.TypeHex: "Hex",
	packageurl.TypePub: "Pub", packageurl.TypeHackage: "Hackage", packageurl.TypeCran: "CRAN",
}

// distroTypes are the purl types of distribution packages: the namespace is
// the distribution, the distro qualifier its release.
var distroTypes = map[string]func(namespace, distro string) (string, error){
	packageurl.TypeDebian: debEcosystem, packageurl.TypeApk: apkEcosystem, packageurl.TypeRPM: rpmEcosystem,
}

// golangPath extracts the namespace and name of a golang purl with their
// case, percent-decoded.
func golangPath(purl string) (string, error) {
	rest := purl[len("pkg:"):]
	rest = strings.TrimLeft(rest, "/")
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	_, rest, _ = strings.Cut(rest, "/") // the type
	if i := strings.LastIndex(rest, "@"); i > 0 {
		rest = rest[:i]
	}
	// Nearly always there is nothing to decode and no empty segment to
	// drop: the path is rest as it is.
	if !strings.Contains(rest, "%") && !strings.Contains(rest, "//") && !strings.HasPrefix(rest, "/") && !strings.HasSuffix(rest, "/") {
		return rest, nil
	}
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		if s == "" {
			continue
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", err
		}
		segs = append(segs, d)
	}
	return strings.Join(segs, "/"), nil
}

// distros are the deb namespaces with an OSV ecosystem: its name, the
// releases by code name, and the distro qualifiers that name a release
// (group 1: the release).
var distros = map[string]struct {
	ecosystem string
	codenames map[string]string
	release   *regexp.Regexp
}{
	"debian": {"Debian", map[string]string{"wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
		"bookworm": "12", "trixie": "13", "forky": "14"}, regexp.MustCompile(`^(?:debian-)?([0-9]+)(?:\.[0-9]+)*$`)},
	"ubuntu": {"Ubuntu", map[string]string{"trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04",
		"jammy": "22.04", "noble": "24.04"}, regexp.MustCompile(`^(?:ubuntu-)?([0-9]{2}\.[0-9]{2})(?:\.[0-9]+)?$`)},
}

var (
	alpineNumber = regexp.MustCompile(`^(?:alpine-)?v?([0-9]+\.[0-9]+)(?:\.[0-9]+)*$`)
	rpmNumber    = regexp.MustCompile(`^(?:[a-z-]+-)?([0-9]+)(?:\.[0-9]+)*$`)
)

// debEcosystem is the OSV ecosystem of a deb purl: Debian or Ubuntu, with
// the release of a distro qualifier such as "debian-12", "12" or
// "bookworm"; without a distro, every release.
func debEcosystem(namespace, distro string) (string, error) {
	d, ok := distros[namespace]
	if !ok {
		return "", fmt.Errorf("deb namespace %q is not debian or ubuntu", namespace)
	}
	distro = strings.ToLower(distro)
	if distro == "" {
		return d.ecosystem, nil
	}
	if r, ok := d.codenames[distro]; ok {
		return d.ecosystem + ":" + r, nil
	}
	if m := d.release.FindStringSubmatch(distro); m != nil {
		return d.ecosystem + ":" + m[1], nil
	}
	return "", fmt.Errorf("deb distro %q is not a %s release known here", distro, d.ecosystem)
}

// apkEcosystem is the OSV ecosystem of an apk purl.
func apkEcosystem(namespace, distro string) (string, error) {
	distro = strings.ToLower(distro)
	switch namespace {
	case "alpine":
		if distro == "" {
			return "Alpine", nil
		}
		if m := alpineNumber.FindStringSubmatch(distro); m != nil {
			return "Alpine:v" + m[1], nil
		}
		return "", fmt.Errorf("apk distro %q is not an Alpine release", distro)
	case "wolfi":
		return "Wolfi", nil
	case "chainguard":
		return "Chainguard", nil
	}
	return "", fmt.Errorf("apk namespace %q is not alpine, wolfi or chainguard", namespace)
}

// rpmEcosystem is the OSV ecosystem of an rpm purl. OSV's suffixes for Red
// Hat, SUSE and openEuler ("Red Hat:enterprise_linux:9::appstream") cannot
// be derived from a purl: those match every release.
func rpmEcosystem(namespace, distro string) (string, error) {
	var base string
	switch namespace {
	case "almalinux":
		base = "AlmaLinux"
	case "rocky", "rocky-linux", "rockylinux":
		base = "Rocky Linux"
	case "mageia":
		base = "Mageia"
	case "redhat":
		return "Red Hat", nil
	case "opensuse":
		return "openSUSE", nil
	case "suse":
		return "SUSE", nil
	case "openeuler":
		return "openEuler", nil
	default:
		return "", fmt.Errorf("rpm namespace %q has no OSV ecosystem known here", namespace)
	}
	if distro == "" {
		return base, nil
	}
	if m := rpmNumber.FindStringSubmatch(strings.ToLower(distro)); m != nil {
		return base + ":" + m[1], nil
	}
	return "", fmt.Errorf("rpm distro %q is not a release known here", distro)
}
