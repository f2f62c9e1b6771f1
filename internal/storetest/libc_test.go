package storetest

import (
	"os"
	"regexp"
	"testing"
)

// TestSQLiteLibcPinned guards a known trap: modernc.org/sqlite works only
// with the exact modernc.org/libc its go.mod names; a dependency that bumps
// libc breaks SQLite at run time, not at build time. (Test binaries carry no
// dependency list in their build info, so the module file is read.)
func TestSQLiteLibcPinned(t *testing.T) {
	const sqlite, libc = "v1.62.0", "v1.80.1"
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"modernc.org/sqlite": sqlite, "modernc.org/libc": libc} {
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(path) + `\s+(\S+)`).FindSubmatch(mod)
		if m == nil || string(m[1]) != want {
			t.Errorf("go.mod requires %s %q; want %s (sqlite %s needs libc %s exactly: update both together)", path, m, want, sqlite, libc)
		}
	}
}
