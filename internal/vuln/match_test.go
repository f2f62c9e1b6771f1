package vuln

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rec writes a record with one affected package.
func rec(id, eco, name, affected string, more ...string) string {
	extra := ""
	for _, m := range more {
		extra += "," + m
	}
	return fmt.Sprintf(`{"id":%q,"modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":%q,"name":%q},%s}]%s}`, id, eco, name, affected, extra)
}

func semver(events string) string { return `"ranges":[{"type":"SEMVER","events":[` + events + `]}]` }

// semanticsDB holds one record per range semantics to test.
func semanticsDB(t *testing.T) *DB {
	return NewDB(mustRecords(t,
		rec("GO-2099-0001", "Go", "example.com/fixed", semver(`{"introduced":"0"},{"fixed":"1.2.0"}`)),
		rec("GO-2099-0002", "Go", "example.com/last", semver(`{"introduced":"1.0.0"},{"last_affected":"1.4.0"}`)),
		rec("GO-2099-0003", "Go", "example.com/multi", `"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.1.0"},{"introduced":"2.0.0"},{"fixed":"2.1.0"}]},{"type":"SEMVER","events":[{"introduced":"3.0.0"},{"fixed":"3.0.5"}]}]`),
		rec("GO-2099-0004", "Go", "example.com/listed", `"versions":["1.0.0","1.0.1"]`),
		rec("GO-2099-0005", "Go", "example.com/withdrawn", semver(`{"introduced":"0"}`), `"withdrawn":"2024-06-01T00:00:00Z"`),
		rec("GO-2099-0006", "Go", "example.com/git", `"ranges":[{"type":"GIT","repo":"https://example.com/git","events":[{"introduced":"0"},{"fixed":"0123456789abcdef0123456789abcdef01234567"}]}]`),
		rec("GO-2099-0007", "Go", "example.com/gitsemver", `"ranges":[{"type":"GIT","repo":"https://example.com/gitsemver","events":[{"introduced":"0"}]},{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]`),
		rec("GO-2099-0008", "Go", "example.com/pre", semver(`{"introduced":"2.0.0-alpha"},{"fixed":"2.0.0-beta.2"}`)),
		rec("GO-2099-0009", "Go", "golang.org/x/net", semver(`{"introduced":"0"},{"fixed":"0.0.0-20210520170846-37e1c6afe023"}`)),
		rec("GO-2099-0010", "Go", "github.com/docker/docker", semver(`{"introduced":"0"},{"fixed":"20.10.9+incompatible"}`)),
		rec("GO-2099-0011", "Go", "stdlib", semver(`{"introduced":"0"},{"fixed":"1.20.2"},{"introduced":"1.21.0-0"},{"fixed":"1.21.1"}`)),
		rec("GO-2099-0012", "Go", "example.com/unsorted", semver(`{"fixed":"1.5.0"},{"introduced":"1.0.0"}`)),
		rec("GO-2099-0013", "Go", "example.com/limit", semver(`{"introduced":"0"},{"limit":"2.0.0"}`)),
		rec("GO-2099-0014", "Go", "example.com/empty", semver(`{"introduced":"1.0.0"},{"fixed":"1.0.0"}`)),
		rec("GO-2099-0015", "Go", "github.com/Foo/Bar/v2", semver(`{"introduced":"2.0.0"},{"fixed":"2.3.0"}`)),
		rec("RUSTSEC-2099-0001", "crates.io", "openssl", semver(`{"introduced":"0.0.0-0"},{"fixed":"0.9.0"},{"introduced":"1.0.0-rc.1"},{"fixed":"1.0.0"}`)),
		rec("PYSEC-2099-0001", "PyPI", "Django_Foo", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]}]`),
		rec("DSA-9999-1", "Debian:11", "curl", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.74.0-1.3+deb11u2"}]}]`),
		rec("USN-9999-1", "Ubuntu:22.04:LTS", "curl", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.81.0-1ubuntu1.4"}]}]`),
		rec("GHSA-aaaa-bbbb-cccc", "npm", "left-pad", `"versions":["1.0.0"]`),
		rec("GO-2099-0016", "Go", "example.com/nothing", `"versions":[]`),
		rec("RSEC-2099-0001", "CRAN", "foo", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]}]`),
		rec("RSEC-2099-0002", "CRAN", "bar", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"bad version"}]}]`),
	))
}

func TestRangeSemantics(t *testing.T) {
	db := semanticsDB(t)
	for _, tc := range []struct {
		name      string
		eco, pkg  string
		versions  map[string]bool // version → affected
		advisory  string
		wantFixed []string // for the first affected version in the table, if given
	}{
		{"IntroducedFixed", "Go", "example.com/fixed", map[string]bool{"v0.0.1": true, "v1.1.9": true, "1.1.0": true, "v1.2.0-rc.1": true, "v1.2.0": false, "1.2.0": false, "v1.2.1": false}, "GO-2099-0001", nil},
		{"LastAffected", "Go", "example.com/last", map[string]bool{"v0.9.0": false, "v1.0.0": true, "v1.4.0-beta": true, "v1.4.0": true, "v1.4.1": false}, "GO-2099-0002", nil},
		{"MultipleRanges", "Go", "example.com/multi", map[string]bool{"v0.9.0": false, "v1.0.5": true, "v1.5.0": false, "v2.0.0": true, "v2.1.0": false, "v3.0.4": true, "v3.0.5": false, "v4.0.0": false}, "GO-2099-0003", nil},
		{"VersionsOnly", "Go", "example.com/listed", map[string]bool{"v1.0.0": true, "1.0.1": true, "v1.0.2": false, "v0.9.9": false}, "GO-2099-0004", nil},
		{"Withdrawn", "Go", "example.com/withdrawn", map[string]bool{"v1.0.0": false}, "GO-2099-0005", nil},
		{"GitOnly", "Go", "example.com/git", map[string]bool{"v1.0.0": false}, "GO-2099-0006", nil},
		{"GitAndSemver", "Go", "example.com/gitsemver", map[string]bool{"v1.0.0": true, "v2.0.0": false}, "GO-2099-0007", nil},
		{"SemverPrerelease", "Go", "example.com/pre", map[string]bool{"v1.9.9": false, "v2.0.0-alpha": true, "v2.0.0-alpha.1": true, "v2.0.0-beta": true, "v2.0.0-beta.1": true, "v2.0.0-beta.2": false, "v2.0.0-beta.11": false, "v2.0.0": false}, "GO-2099-0008", nil},
		{"GoPseudoVersion", "Go", "golang.org/x/net", map[string]bool{"v0.0.0-20200707034311-ab3426394381": true, "v0.0.0-20210520170846-37e1c6afe023": false, "v0.1.0": false}, "GO-2099-0009", nil},
		{"GoIncompatible", "Go", "github.com/docker/docker", map[string]bool{"v20.10.8+incompatible": true, "v20.10.9+incompatible": false, "v17.0.0+incompatible": true}, "GO-2099-0010", nil},
		{"GoStdlib", "Go", "stdlib", map[string]bool{"go1.20.1": true, "v1.20.1": true, "go1.20.2": false, "go1.21rc2": true, "go1.21.0": true, "go1.21.1": false}, "GO-2099-0011", nil},
		{"UnsortedEvents", "Go", "example.com/unsorted", map[string]bool{"v0.9.0": false, "v1.2.0": true, "v1.5.0": false}, "GO-2099-0012", nil},
		{"Limit", "Go", "example.com/limit", map[string]bool{"v1.9.0": true, "v2.0.0": false, "v2.5.0": false}, "GO-2099-0013", nil},
		{"EmptyRange", "Go", "example.com/empty", map[string]bool{"v0.9.0": false, "v1.0.0": false, "v1.1.0": false}, "GO-2099-0014", nil},
		{"GoCaseAndMajor", "Go", "github.com/Foo/Bar/v2", map[string]bool{"v2.1.0": true, "v2.3.0": false}, "GO-2099-0015", nil},
		// A lower-cased module path (as the purl spec's golang type asks)
		// still finds the advisory; TestGoModuleCase checks the note.
		{"GoCaseFolded", "Go", "github.com/foo/bar/v2", map[string]bool{"v2.1.0": true, "v2.3.0": false}, "GO-2099-0015", nil},
		{"CratesSemver", "crates.io", "openssl", map[string]bool{"0.8.5": true, "0.9.0": false, "0.10.0": false, "1.0.0-rc.1": true, "1.0.0-rc.2": true, "1.0.0": false}, "RUSTSEC-2099-0001", nil},
		{"PyPIName", "PyPI", "django-foo", map[string]bool{"1.0rc1": true, "0.9": true, "1.0": false, "1.0.0": false, "1.0.post1": false}, "PYSEC-2099-0001", nil},
		{"DebianRelease", "Debian:11", "curl", map[string]bool{"7.74.0-1.3+deb11u1": true, "7.74.0-1.3+deb11u2": false, "1:7.0": false}, "DSA-9999-1", nil},
		{"OtherDebianRelease", "Debian:12", "curl", map[string]bool{"7.74.0-1.3+deb11u1": false}, "DSA-9999-1", nil},
		{"DebianWithoutRelease", "Debian", "curl", map[string]bool{"7.74.0-1.3+deb11u1": true}, "DSA-9999-1", nil},
		{"UbuntuReleasePrefix", "Ubuntu:22.04", "curl", map[string]bool{"7.81.0-1ubuntu1.3": true, "7.81.0-1ubuntu1.4": false}, "USN-9999-1", nil},
		{"NpmVersions", "npm", "left-pad", map[string]bool{"1.0.0": true, "1.0.1": false}, "GHSA-aaaa-bbbb-cccc", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for v, want := range tc.versions {
				ms, err := db.Match(Package{Ecosystem: tc.eco, Name: tc.pkg, Version: v})
				if err != nil {
					t.Fatalf("%s: %v", v, err)
				}
				got := slices.ContainsFunc(ms, func(m Match) bool { return m.ID == tc.advisory })
				if got != want {
					t.Errorf("%s@%s: affected = %v, want %v (matches %v)", tc.pkg, v, got, want, ms)
				}
			}
		})
	}
}

// TestGoModuleCase: Go module paths are case sensitive and OSV's Go records
// keep their case. An exact path matches plainly; a path that differs only
// in case matches with a note saying so, as osv-scanner v2.4.0 (which lower
// cases golang purls) does not; a different path does not match.
func TestGoModuleCase(t *testing.T) {
	db := semanticsDB(t)
	exact, _ := db.Match(Package{Ecosystem: "Go", Name: "github.com/Foo/Bar/v2", Version: "v2.1.0"})
	if len(exact) != 1 || len(exact[0].Notes) != 0 {
		t.Fatalf("exact path: %+v", exact)
	}
	folded, _ := db.Match(Package{Ecosystem: "Go", Name: "github.com/foo/bar/v2", Version: "v2.1.0"})
	if len(folded) != 1 || folded[0].ID != exact[0].ID || !slices.ContainsFunc(folded[0].Notes, func(n string) bool {
		return strings.Contains(n, "matched github.com/Foo/Bar/v2 ignoring case")
	}) {
		t.Fatalf("lower-cased path: %+v", folded)
	}
	if other, _ := db.Match(Package{Ecosystem: "Go", Name: "github.com/foo/bar", Version: "v2.1.0"}); len(other) != 0 {
		t.Fatalf("another module matched: %+v", other)
	}
	// Not for ecosystems whose names are case sensitive and not folded.
	if ms, _ := db.Match(Package{Ecosystem: "crates.io", Name: "OpenSSL", Version: "0.8.5"}); len(ms) != 0 {
		t.Fatalf("crates.io name folded: %+v", ms)
	}
}

func TestMatchDetails(t *testing.T) {
	db := semanticsDB(t)
	one := func(t *testing.T, p Package) Evaluation {
		t.Helper()
		ev, err := db.Evaluate(p)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	t.Run("GitOnlyIsUndetermined", func(t *testing.T) {
		ev := one(t, Package{Ecosystem: "Go", Name: "example.com/git", Version: "v1.0.0"})
		if len(ev.Matches) != 0 || len(ev.Undetermined) != 1 || ev.Undetermined[0].ID != "GO-2099-0006" ||
			!slices.Equal(ev.Undetermined[0].Notes, []string{"GIT range (https://example.com/git) not evaluated"}) {
			t.Errorf("%+v", ev)
		}
	})
	t.Run("GitNoteOnMatch", func(t *testing.T) {
		ev := one(t, Package{Ecosystem: "Go", Name: "example.com/gitsemver", Version: "v1.0.0"})
		if len(ev.Matches) != 1 || !slices.Equal(ev.Matches[0].Notes, []string{"GIT range (https://example.com/gitsemver) not evaluated"}) ||
			!slices.Equal(ev.Matches[0].Fixed, []string{"2.0.0"}) {
			t.Errorf("%+v", ev)
		}
		// Not affected by its SEMVER range: decided, not undetermined.
		ev = one(t, Package{Ecosystem: "Go", Name: "example.com/gitsemver", Version: "v2.0.0"})
		if len(ev.Matches) != 0 || len(ev.Undetermined) != 0 {
			t.Errorf("%+v", ev)
		}
	})
	t.Run("NothingListed", func(t *testing.T) {
		ev := one(t, Package{Ecosystem: "Go", Name: "example.com/nothing", Version: "v1.0.0"})
		if len(ev.Matches) != 0 || len(ev.Undetermined) != 1 || !strings.Contains(ev.Undetermined[0].Notes[0], "neither versions nor ranges") {
			t.Errorf("%+v", ev)
		}
	})
	t.Run("ReleaseNote", func(t *testing.T) {
		ev := one(t, Package{Ecosystem: "Debian", Name: "curl", Version: "7.74.0-1.3"})
		if len(ev.Matches) != 1 || !slices.Equal(ev.Matches[0].Notes, []string{"advisory is for Debian:11; the package names no release"}) {
			t.Errorf("%+v", ev)
		}
	})
	t.Run("FixedPerBranch", func(t *testing.T) {
		for v, want := range map[string][]string{"go1.19.0": {"1.20.2", "1.21.1"}, "go1.21.0": {"1.21.1"}} {
			ms, _ := db.Match(Package{Ecosystem: "Go", Name: "stdlib", Version: v})
			if len(ms) != 1 || !slices.Equal(ms[0].Fixed, want) {
				t.Errorf("%s: %+v, want fixed %v", v, ms, want)
			}
		}
		ms, _ := db.Match(Package{Ecosystem: "Go", Name: "example.com/last", Version: "v1.1.0"})
		if len(ms) != 1 || ms[0].Fixed != nil {
			t.Errorf("last_affected: %+v", ms)
		}
	})
	t.Run("FixedSkipsVersionsStillAffected", func(t *testing.T) {
		// Two entries for one module, as the Go database writes them: the
		// first entry's fix is inside the second entry's range.
		db := NewDB(mustRecords(t, `{"id":"GO-2099-0100","modified":"2024-01-01T00:00:00Z","affected":[
			{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]},
			{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"1.2.0"},{"fixed":"1.2.1"},{"introduced":"2.0.0"},{"fixed":"2.0.3"}]}]}]}`))
		ms, _ := db.Match(Package{Ecosystem: "Go", Name: "example.com/m", Version: "v1.0.0"})
		if len(ms) != 1 || !slices.Equal(ms[0].Fixed, []string{"1.2.1", "2.0.3"}) {
			t.Errorf("%+v", ms)
		}
	})
	t.Run("Withdrawn", func(t *testing.T) {
		if r, ok := db.Get("GO-2099-0005"); !ok || r.Withdrawn.IsZero() {
			t.Errorf("Get of a withdrawn record: %v %v", r.ID, ok)
		}
		ev := one(t, Package{Ecosystem: "Go", Name: "example.com/withdrawn", Version: "v1.0.0"})
		if len(ev.Matches)+len(ev.Undetermined) != 0 {
			t.Errorf("%+v", ev)
		}
	})
	t.Run("UnknownPackage", func(t *testing.T) {
		ms, err := db.Match(Package{Ecosystem: "Go", Name: "example.com/none", Version: "v1.0.0"})
		if ms != nil || err != nil {
			t.Errorf("%v %v", ms, err)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		for _, tc := range []struct {
			p    Package
			want error
		}{
			{Package{Ecosystem: "Go", Name: "example.com/fixed"}, ErrInvalidPackage},
			{Package{Ecosystem: "Go", Version: "1.0.0"}, ErrInvalidPackage},
			{Package{Ecosystem: "Nonesuch", Name: "x", Version: "1"}, ErrUnsupported},
			{Package{Ecosystem: "", Name: "x", Version: "1"}, ErrUnsupported},
			{Package{Ecosystem: "GIT", Name: "https://github.com/a/b", Version: "v1"}, ErrUnsupported},
			{Package{Ecosystem: "Android", Name: "platform/frameworks/base", Version: "13"}, ErrUnsupported},
		} {
			_, err := db.Match(tc.p)
			if !errors.Is(err, tc.want) {
				t.Errorf("%+v: err = %v, want %v", tc.p, err, tc.want)
			}
			var u *UnsupportedError
			if errors.As(err, &u) != (tc.want == ErrUnsupported) {
				t.Errorf("%+v: %T", tc.p, err)
			}
		}
	})
	t.Run("UnparsableVersion", func(t *testing.T) {
		ev := one(t, Package{Ecosystem: "CRAN", Name: "foo", Version: "not a version"})
		if len(ev.Matches) != 0 || len(ev.Undetermined) != 1 || !strings.Contains(ev.Undetermined[0].Notes[0], `CRAN version "not a version" cannot be parsed`) {
			t.Errorf("package: %+v", ev)
		}
		ev = one(t, Package{Ecosystem: "CRAN", Name: "bar", Version: "0.5"})
		if len(ev.Matches) != 0 || len(ev.Undetermined) != 1 || !strings.Contains(ev.Undetermined[0].Notes[0], `ECOSYSTEM range not evaluated: CRAN version "bad version" cannot be parsed`) {
			t.Errorf("record: %+v", ev)
		}
		ms, _ := db.Match(Package{Ecosystem: "CRAN", Name: "foo", Version: "0.5"})
		if len(ms) != 1 {
			t.Errorf("CRAN 0.5: %+v", ms)
		}
	})
}

func TestAliasGrouping(t *testing.T) {
	const cvss98 = `"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]`
	const cvss61 = `"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}]`
	all := semver(`{"introduced":"0"}`)
	db := NewDB(mustRecords(t,
		// A Go advisory and the GHSA that aliases it: one match, the GO id.
		rec("GO-2099-0001", "Go", "example.com/a", all, `"aliases":["CVE-2099-0001","GHSA-1111-2222-3333"]`, `"summary":"go summary"`),
		rec("GHSA-1111-2222-3333", "Go", "example.com/a", all, `"aliases":["CVE-2099-0001"]`, cvss98),
		// A chain: X aliases CVE-1, Y aliases CVE-1 and CVE-2, Z aliases CVE-2.
		rec("GHSA-xxxx-xxxx-xxxx", "crates.io", "b", all, `"aliases":["CVE-2099-0011"]`, cvss61),
		rec("CVE-2099-0012", "crates.io", "b", all, `"aliases":["CVE-2099-0011"]`, `"summary":"cve"`),
		rec("RUSTSEC-2099-0001", "crates.io", "b", all, `"aliases":["CVE-2099-0012"]`),
		// Unrelated, for the same package.
		rec("RUSTSEC-2099-0002", "crates.io", "b", all, `"related":["CVE-2099-0011"]`),
		// In npm, GHSA comes before CVE.
		rec("CVE-2099-0021", "npm", "c", all),
		rec("GHSA-cccc-cccc-cccc", "npm", "c", all, `"aliases":["CVE-2099-0021"]`),
	))
	ms, _ := db.Match(Package{Ecosystem: "Go", Name: "example.com/a", Version: "v1.0.0"})
	if len(ms) != 1 || ms[0].ID != "GO-2099-0001" || !slices.Equal(ms[0].Aliases, []string{"CVE-2099-0001", "GHSA-1111-2222-3333"}) ||
		ms[0].Summary != "go summary" || ms[0].Severity.Score != 9.8 || ms[0].Severity.Rating != RatingCritical {
		t.Errorf("Go: %+v", ms)
	}
	ms, _ = db.Match(Package{Ecosystem: "crates.io", Name: "b", Version: "1.0.0"})
	if len(ms) != 2 || ms[0].ID != "RUSTSEC-2099-0001" || ms[1].ID != "RUSTSEC-2099-0002" ||
		!slices.Equal(ms[0].Aliases, []string{"CVE-2099-0011", "CVE-2099-0012", "GHSA-xxxx-xxxx-xxxx"}) || ms[0].Summary != "cve" ||
		ms[0].Severity.Score != 6.1 || ms[1].Aliases != nil {
		t.Errorf("crates.io: %+v", ms)
	}
	ms, _ = db.Match(Package{Ecosystem: "npm", Name: "c", Version: "1.0.0"})
	if len(ms) != 1 || ms[0].ID != "GHSA-cccc-cccc-cccc" || !slices.Equal(ms[0].Aliases, []string{"CVE-2099-0021"}) {
		t.Errorf("npm: %+v", ms)
	}
}

// TestFixedVersionsLeaveAdvisory checks the whole testdata set: at every
// introduced version of every range the advisory matches (unless the range
// is empty), and every version of Match.Fixed leaves it, with and without
// the Go "v".
func TestFixedVersionsLeaveAdvisory(t *testing.T) {
	recs, _, db := loadTestdata(t)
	memo := map[Package][]Match{} // many events repeat (stdlib's introduced "0")
	match := func(p Package) []Match {
		ms, ok := memo[p]
		if !ok {
			var err error
			if ms, err = db.Match(p); err != nil {
				t.Fatal(err)
			}
			memo[p] = ms
		}
		return ms
	}
	in := func(ms []Match, id string) bool {
		return slices.ContainsFunc(ms, func(m Match) bool { return m.ID == id || slices.Contains(m.Aliases, id) })
	}
	checked, fixes, noFix := 0, 0, 0
	for _, r := range recs {
		if !r.Withdrawn.IsZero() {
			continue
		}
		for _, a := range r.Affected {
			for _, rg := range a.Ranges {
				for i, e := range rg.Events {
					if e.Introduced == "" || i+1 < len(rg.Events) && rg.Events[i+1].Fixed == e.Introduced {
						continue // not an introduced event, or an empty range (introduced = fixed)
					}
					v := e.Introduced
					if v == "0" {
						v = "0.0.0-0" // the lowest version there is
					}
					p := Package{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, Version: v}
					ms := match(p)
					i := slices.IndexFunc(ms, func(m Match) bool { return m.ID == r.ID || slices.Contains(m.Aliases, r.ID) })
					if i < 0 {
						t.Errorf("%s: %s@%s not matched", r.ID, p.Name, v)
						continue
					}
					checked++
					if len(ms[i].Fixed) == 0 {
						noFix++
					}
					for _, f := range ms[i].Fixed {
						fixes++
						for _, fv := range []string{f, "v" + f} {
							p.Version = fv
							if in(match(p), r.ID) {
								t.Errorf("%s: %s@%s still matched", r.ID, p.Name, fv)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d affected versions checked, %d fixed versions leave their advisory, %d without a known fix", checked, fixes, noFix)
}

// TestPreparedFixedVersions: the fixed versions NewDB prepares per record
// and package, cut at a version, are those fixedVersions computes from the
// entries for that version, at every version their events name and just
// beside them.
func TestPreparedFixedVersions(t *testing.T) {
	_, _, db := loadTestdata(t)
	runs := 0
	for key, entries := range db.index {
		for from := 0; from < len(entries); {
			to := from + 1
			for to < len(entries) && entries[to].rec == entries[from].rec {
				to++
			}
			l := entries[from].fixed
			if l == nil {
				from = to
				continue
			}
			var all []*entry
			for i := from; i < to; i++ {
				all = append(all, &entries[i])
			}
			var raws []string
			for _, e := range all {
				for _, rg := range e.ranges {
					for _, ev := range rg.events {
						if !ev.zero {
							raws = append(raws, ev.raw, ev.raw+"-0", ev.raw+".1", "v"+ev.raw)
						}
					}
				}
			}
			for _, raw := range append(raws, "0.0.0", "99999.0.0") {
				v, err := parseVersion(normVersion(key.base, key.name, raw), key.base, false)
				if err != nil {
					continue
				}
				if got, want := l.above(v), fixedVersions(all, v); !slices.Equal(got, want) || (got == nil) != (want == nil) {
					t.Fatalf("%s %s@%s: prepared %q, computed %q", db.recs[entries[from].rec].ID, key.name, raw, got, want)
				}
			}
			runs++
			from = to
		}
	}
	t.Logf("%d prepared lists checked", runs)
}

// TestMatchAllLikeMatch: MatchAll yields for each package what Match
// returns, in package order, and its error.
func TestMatchAllLikeMatch(t *testing.T) {
	_, _, db := loadTestdata(t)
	pkgs := scanPackages(db, 4000)
	pkgs = slices.Insert(pkgs, 100, Package{Ecosystem: "Go", Name: ""}, Package{Ecosystem: "Android", Name: "x", Version: "1"})
	b := db.MatchAll(pkgs)
	got := make([][]Match, len(pkgs))
	total := 0
	for i, m := range b.All() {
		got[i] = append(got[i], *m)
		total++
	}
	if total != b.Len() {
		t.Errorf("All yields %d matches, Len says %d", total, b.Len())
	}
	for i, p := range pkgs {
		want, err := db.Match(p)
		if fmt.Sprint(b.Err(i)) != fmt.Sprint(err) {
			t.Fatalf("%v: MatchAll error %v, Match %v", p, b.Err(i), err)
		}
		if !slices.EqualFunc(got[i], want, func(a, b Match) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Fatalf("%v: MatchAll %v, Match %v", p, got[i], want)
		}
	}
}
