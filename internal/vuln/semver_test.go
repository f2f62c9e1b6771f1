package vuln

import (
	"cmp"
	"testing"

	"github.com/google/osv-scalibr/semantic"
)

// scalibrCompare compares two versions with osv-scalibr's SemVer.
func scalibrCompare(t testing.TB, a, b string) int {
	t.Helper()
	c, err := semantic.ParseSemverVersion(a).Compare(semantic.ParseSemverVersion(b))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSemverOrder(t *testing.T) {
	// Ascending, from SemVer 2.0 §11 and Go pseudo-versions; equal
	// neighbours are marked.
	order := []string{
		"0.0.0-20200707034311-ab3426394381",
		"0.0.0-20210520170846-37e1c6afe023",
		"1.0.0-0.3.7",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-alpha.beta",
		"1.0.0-beta",
		"1.0.0-beta.2",
		"1.0.0-beta.11",
		"1.0.0-rc.1",
		"1.0.0",
		"1.0.1-0.20231219184941-827e76c46e63",
		"1.0.1",
		"1.2.0",
		"1.10.0",
		"2.0.0",
		"20.10.8",
		"123456789012345678.0.0",
	}
	for i := range order {
		for j := range order {
			a, aok := parseSemver(order[i])
			b, bok := parseSemver(order[j])
			if !aok || !bok {
				t.Fatalf("not strict: %q %q", order[i], order[j])
			}
			want := cmp.Compare(i, j)
			if got := a.compare(&b); got != want {
				t.Errorf("compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
			if s := scalibrCompare(t, order[i], order[j]); s != want {
				t.Errorf("osv-scalibr: compare(%s, %s) = %d, want %d", order[i], order[j], s, want)
			}
		}
	}
	// Build metadata does not count.
	a, _ := parseSemver("20.10.8+incompatible")
	b, _ := parseSemver("20.10.8")
	if a.compare(&b) != 0 {
		t.Error("build metadata changed the order")
	}
	// What is not strict is left to osv-scalibr.
	for _, s := range []string{"1.0", "v1.0.0", "1.0.0-", "1.0.0-a..b", "1.0.0+", "1.0.0-rc.-5", "1.0.0-1234567890123456789", "1.2.3.4", "01.2.x", "1.0.0-ä"} {
		if _, ok := parseSemver(s); ok {
			t.Errorf("%q parsed as strict SemVer", s)
		}
	}
}

// FuzzSemverAgainstScalibr checks that the fast comparison orders every
// pair of strict versions as osv-scalibr does.
func FuzzSemverAgainstScalibr(f *testing.F) {
	for _, p := range [][2]string{
		{"1.0.0-alpha", "1.0.0-alpha.1"}, {"0.0.0-20200707034311-ab3426394381", "0.1.0"},
		{"1.0.0-rc.1+build.5", "1.0.0-rc.1"}, {"1.0.0-01", "1.0.0-1"}, {"1.0.0-a-1", "1.0.0-a"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, x, y string) {
		a, aok := parseSemver(x)
		b, bok := parseSemver(y)
		if !aok || !bok {
			return
		}
		if got, want := a.compare(&b), scalibrCompare(t, x, y); got != want {
			t.Fatalf("compare(%q, %q) = %d, osv-scalibr says %d", x, y, got, want)
		}
	})
}
