package vuln

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"
)

// reference is what osv-scanner v2.4.0 (offline, same advisories as
// testdata/osv) found in the proton-bridge v1.6.3 SBOM.
type reference struct {
	Tool    string `json:"tool"`
	Matches []struct {
		Ecosystem string   `json:"ecosystem"`
		Name      string   `json:"name"`
		Version   string   `json:"version"`
		IDs       []string `json:"ids"`
	} `json:"matches"`
}

// TestRecallAgainstOSVScanner matches every component of the proton-bridge
// SBOM (201 purls) and compares with osv-scanner's findings.
//
// osv-scanner lists the ids of the records it matched, one per record; we
// report one Match per alias group. So the comparison is on record ids:
// for each package, the ids of the records behind our matches (each
// match's ID and those of its Aliases that are records in the database)
// must be exactly the reference's ids, and each match must account for at
// least one of them. Packages the reference does not list must match
// nothing.
func TestRecallAgainstOSVScanner(t *testing.T) {
	_, _, db := loadTestdata(t)
	var ref reference
	readJSON(t, "testdata/proton-bridge-v1.6.3.osv-scanner.json", &ref)
	var bom struct {
		Components []struct {
			PURL string `json:"purl"`
		} `json:"components"`
	}
	readJSON(t, "testdata/SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json", &bom)

	want := map[Package][]string{}
	refIDs := 0
	for _, m := range ref.Matches {
		want[Package{Ecosystem: m.Ecosystem, Name: m.Name, Version: m.Version}] = slices.Sorted(slices.Values(m.IDs))
		refIDs += len(m.IDs)
	}
	if len(want) != 14 || refIDs != 58 {
		t.Fatalf("reference: %d packages, %d ids; the data README says 14 and 58", len(want), refIDs)
	}
	got := map[Package][]string{}
	found, groups := 0, 0
	for _, c := range bom.Components {
		p, err := ParsePURL(c.PURL)
		if err != nil {
			t.Errorf("%s: %v", c.PURL, err)
			continue
		}
		ms, err := db.MatchPURL(c.PURL)
		if err != nil {
			t.Errorf("%s: %v", c.PURL, err)
			continue
		}
		key := Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version}
		var ids []string
		for _, m := range ms {
			groups++
			recordIDs := []string{m.ID}
			for _, a := range m.Aliases {
				if _, ok := db.Get(a); ok {
					recordIDs = append(recordIDs, a)
				}
			}
			if w, listed := want[key]; listed && !slices.ContainsFunc(recordIDs, func(id string) bool { return slices.Contains(w, id) }) {
				t.Errorf("%s: match %s (%v) is not in the reference", c.PURL, m.ID, m.Aliases)
			}
			ids = append(ids, recordIDs...)
		}
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids)
		got[key] = slices.Compact(ids)
		found += len(got[key])
	}
	for p, w := range want {
		if g := got[p]; !slices.Equal(g, w) {
			t.Errorf("%s@%s: got %v, osv-scanner %v", p.Name, p.Version, g, w)
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s@%s: got %v, osv-scanner nothing", p.Name, p.Version, g)
		}
	}
	t.Logf("%d components, %d packages affected (reference %d), %d advisory ids (reference %d) in %d matches",
		len(bom.Components), len(got), len(want), found, refIDs, groups)
}

// TestPrecisionAtFixedVersions moves every affected package of the SBOM to
// each of the fixed versions of each of its matches (with the "v" Go purls
// carry) and checks that the advisory, and every id grouped with it, is
// gone.
func TestPrecisionAtFixedVersions(t *testing.T) {
	_, _, db := loadTestdata(t)
	var ref reference
	readJSON(t, "testdata/proton-bridge-v1.6.3.osv-scanner.json", &ref)
	moved, unfixed := 0, map[string]bool{}
	for _, r := range ref.Matches {
		p := Package{Ecosystem: r.Ecosystem, Name: r.Name, Version: r.Version}
		ms, err := db.Match(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if len(m.Fixed) == 0 {
				unfixed[m.ID] = true
			}
			for _, f := range m.Fixed {
				q := p
				q.Version = "v" + f
				after, err := db.Match(q)
				if err != nil {
					t.Fatal(err)
				}
				ids := map[string]bool{m.ID: true}
				for _, a := range m.Aliases {
					ids[a] = true
				}
				for _, a := range after {
					if ids[a.ID] || slices.ContainsFunc(a.Aliases, func(id string) bool { return ids[id] }) {
						t.Errorf("%s@%s: %s still matched at its fixed version %s", p.Name, p.Version, m.ID, q.Version)
					}
				}
				moved++
			}
		}
	}
	// GO-2020-0017 has no fix for github.com/dgrijalva/jwt-go (an open range:
	// the fix is in the /v4 module); every other match here has one.
	if got := slices.Sorted(maps.Keys(unfixed)); !slices.Equal(got, []string{"GO-2020-0017"}) {
		t.Errorf("matches without a fixed version: %v, want [GO-2020-0017]", got)
	}
	t.Logf("%d package moves to a fixed version, none still affected by the advisory", moved)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
