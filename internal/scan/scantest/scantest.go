// Package scantest builds the synthetic SBOM the scan benchmarks use.
package scantest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"shencha/internal/vuln"
)

// SBOM builds a CycloneDX 1.5 JSON SBOM of n components: about half of them
// real packages named by recs, at versions on both sides of their affected
// ranges (an introduced or last_affected version, inside; a fixed version,
// outside); the rest Go modules no advisory names. It is deterministic and
// does not modify recs.
func SBOM(recs []vuln.Record, n int) []byte {
	recs = slices.Clone(recs)
	slices.SortFunc(recs, func(a, b vuln.Record) int { return strings.Compare(a.ID, b.ID) })
	type comp struct {
		Type    string `json:"type"`
		BOMRef  string `json:"bom-ref"`
		Name    string `json:"name"`
		Version string `json:"version"`
		PURL    string `json:"purl"`
	}
	var comps []comp
	seen := map[string]bool{}
	add := func(eco, name, version string) {
		var purl string
		switch eco {
		case "Go":
			purl = "pkg:golang/" + name + "@v" + strings.TrimPrefix(version, "v")
		case "crates.io":
			purl = "pkg:cargo/" + name + "@" + version
		default:
			return
		}
		if seen[purl] || len(comps) >= n/2 {
			return
		}
		seen[purl] = true
		comps = append(comps, comp{Type: "library", BOMRef: purl, Name: name, Version: version, PURL: purl})
	}
	for round := 0; len(comps) < n/2 && round < 4; round++ {
		for _, r := range recs {
			for _, a := range r.Affected {
				for _, rg := range a.Ranges {
					if rg.Type == vuln.RangeGit {
						continue
					}
					for i, ev := range rg.Events {
						if i%4 != round {
							continue
						}
						switch {
						case ev.Introduced != "" && ev.Introduced != "0":
							add(a.Package.Ecosystem, a.Package.Name, ev.Introduced) // inside the range
						case ev.Fixed != "":
							add(a.Package.Ecosystem, a.Package.Name, ev.Fixed) // outside it
						case ev.LastAffected != "":
							add(a.Package.Ecosystem, a.Package.Name, ev.LastAffected) // inside
						}
					}
				}
			}
		}
	}
	for i := 0; len(comps) < n; i++ {
		name := fmt.Sprintf("example.com/synthetic/module%05d", i)
		purl := "pkg:golang/" + name + "@v1.0." + fmt.Sprint(i%50)
		comps = append(comps, comp{Type: "library", BOMRef: purl, Name: name, Version: "v1.0." + fmt.Sprint(i%50), PURL: purl})
	}
	doc := map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"serialNumber": "urn:uuid:5c0b8e47-2a1f-4d55-9d0e-0c6f2f9a1b10",
		"metadata": map[string]any{"timestamp": "2026-11-25T00:00:00Z",
			"component": map[string]any{"type": "application", "name": "synthetic-benchmark", "version": "1.0.0", "bom-ref": "root"}},
		"components": comps,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // maps and strings always marshal
	}
	return b
}
