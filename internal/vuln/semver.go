package vuln

import (
	"cmp"
	"strings"
)

// strictSemver is a strict SemVer 2.0 version (MAJOR.MINOR.PATCH, an optional
// pre-release, optional build metadata) held so that two compare without
// allocating. osv-scalibr's SemverVersion compares the same versions the
// same way (FuzzSemverAgainstScalibr), but parses every numeric identifier
// into a big.Int, and every other one through an error, on each comparison:
// with Go pseudo-versions that dominated a scan.
type strictSemver struct {
	num [3]uint64
	pre []ident
}

// ident is one pre-release identifier.
type ident struct {
	s       string
	n       uint64
	numeric bool
}

// maxDigits keeps numbers inside uint64.
const maxDigits = 18

// parseSemver parses s when it is strict SemVer 2.0 whose numbers have at
// most maxDigits digits and whose pre-release identifiers do not start with
// "-" (osv-scalibr reads "-5" as a negative number); ok is false otherwise,
// and the caller compares with osv-scalibr instead.
func parseSemver(s string) (v strictSemver, ok bool) {
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !identifiers(s[i+1:], false) {
			return strictSemver{}, false
		}
		s = s[:i]
	}
	core, pre, hasPre := strings.Cut(s, "-")
	for i := range 3 {
		var part string
		if i < 2 {
			var found bool
			part, core, found = strings.Cut(core, ".")
			if !found {
				return strictSemver{}, false
			}
		} else {
			part = core
		}
		n, ok := number(part)
		if !ok {
			return strictSemver{}, false
		}
		v.num[i] = n
	}
	if !hasPre {
		return v, true
	}
	if !identifiers(pre, true) {
		return strictSemver{}, false
	}
	for id := range strings.SplitSeq(pre, ".") {
		n, numeric := number(id)
		v.pre = append(v.pre, ident{s: id, n: n, numeric: numeric})
	}
	return v, true
}

// number parses a non-empty run of at most maxDigits ASCII digits.
func number(s string) (uint64, bool) {
	if s == "" || len(s) > maxDigits {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// identifiers checks dot-separated identifiers of [0-9A-Za-z-]; pre adds
// the limits parseSemver needs for pre-release ones.
func identifiers(s string, pre bool) bool {
	for id := range strings.SplitSeq(s, ".") {
		if id == "" || pre && id[0] == '-' {
			return false
		}
		digits := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return false
			}
		}
		if pre && digits && len(id) > maxDigits {
			return false
		}
	}
	return true
}

// compare orders versions as SemVer 2.0 §11 says.
func (a *strictSemver) compare(b *strictSemver) int {
	for i := range a.num {
		if a.num[i] != b.num[i] {
			return cmp.Compare(a.num[i], b.num[i])
		}
	}
	switch {
	case len(a.pre) == 0 && len(b.pre) == 0:
		return 0
	case len(a.pre) == 0:
		return 1
	case len(b.pre) == 0:
		return -1
	}
	for i := range min(len(a.pre), len(b.pre)) {
		x, y := a.pre[i], b.pre[i]
		var c int
		switch {
		case x.numeric && y.numeric:
			c = cmp.Compare(x.n, y.n)
		case x.numeric:
			c = -1
		case y.numeric:
			c = 1
		default:
			c = strings.Compare(x.s, y.s)
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(uint64(len(a.pre)), uint64(len(b.pre)))
}
