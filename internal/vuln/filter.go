package vuln

import (
	"bytes"
	"strings"
)

// ImportFor is Import restricted to the records that may affect one of
// pkgs: a record that names none of their package names is counted in
// ImportStats.Unneeded and not parsed. Matching pkgs against the result
// gives what matching them against a full import gives; the cheaper read
// suits a one-off scan, whose advisory digest then covers only the records
// it read.
func ImportFor(path string, lim Limits, pkgs []Package) ([]Record, ImportStats, error) {
	return importPath(path, lim, newNames(pkgs))
}

// names is the set of package names an import is restricted to, each as
// normName gives it for its ecosystem.
type names struct {
	set map[string]bool
	// lower and pep503 say whether some wanted ecosystem normalises names
	// (NuGet and Packagist to lower case, PyPI as PEP 503 says, Go when
	// an exact module path has no advisories), so that a name in a record
	// must also be looked up in that form.
	lower, pep503 bool
}

func newNames(pkgs []Package) *names {
	n := &names{set: make(map[string]bool, len(pkgs))}
	for _, p := range pkgs {
		base, _ := splitEcosystem(p.Ecosystem)
		n.set[normName(base, p.Name)] = true
		switch base {
		case "PyPI":
			n.pep503 = true
		case "NuGet", "Packagist":
			n.lower = true
		case "Go": // DB.Match falls back to ignoring case
			n.set[strings.ToLower(p.Name)] = true
			n.lower = true
		}
	}
	return n
}

// mayName reports whether the JSON document b may name one of the wanted
// packages: whether the string value of some "name" key in it, in any
// object, is one of them. It errs towards true, never towards false:
// encoding/json matches keys case-insensitively, so "Name" counts as well;
// a value with an escape in it counts whatever it says; and a document with
// a \u escape anywhere counts, since it could spell a key with one. A nil
// *names wants everything.
func (n *names) mayName(b []byte) bool {
	if n == nil || bytes.Contains(b, []byte(`\u`)) {
		return true
	}
	for i := 0; ; {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return false
		}
		i += q + 1
		// A quote inside a string value can start a false key here; that
		// only ever adds candidates.
		if len(b)-i < 5 || b[i+4] != '"' || !isName(b[i:i+4]) {
			continue
		}
		v, escaped, ok := valueAfterKey(b[i+5:])
		if !ok {
			continue
		}
		if escaped || n.wants(string(v)) {
			return true
		}
	}
}

// isName reports whether k is "name" in any case.
func isName(k []byte) bool {
	return k[0]|0x20 == 'n' && k[1]|0x20 == 'a' && k[2]|0x20 == 'm' && k[3]|0x20 == 'e'
}

// valueAfterKey reads `: "value"` (with JSON whitespace around the colon)
// at the start of b. ok is false when no string value follows; escaped is
// true when the value holds an escape, whose meaning is not worked out.
func valueAfterKey(b []byte) (v []byte, escaped, ok bool) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != ':' {
		return nil, false, false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) == 0 || b[0] != '"' {
		return nil, false, false
	}
	b = b[1:]
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return nil, false, false
	}
	v = b[:end]
	return v, bytes.IndexByte(v, '\\') >= 0, true
}

func (n *names) wants(name string) bool {
	return n.set[name] ||
		n.lower && n.set[strings.ToLower(name)] ||
		n.pep503 && n.set[pep503(name)]
}
