package sbom

import (
	"reflect"
	"testing"
)

func TestQuality(t *testing.T) {
	for _, tc := range []struct {
		file     string
		score    int
		elements []Element
		gaps     []string
	}{
		{
			// cyclonedx-gomod names no suppliers; everything else is there.
			file: cdxDir + "SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json", score: 86,
			elements: []Element{
				{ElementSupplier, 0, 202, false}, {ElementName, 202, 202, true}, {ElementVersion, 202, 202, true},
				{ElementIdentifier, 202, 202, true}, {ElementDeps, 1, 1, true}, {ElementAuthor, 1, 1, true}, {ElementTimestamp, 1, 1, true},
			},
			gaps: []string{"supplier missing on 202 of 202 components"},
		},
		{
			file: spdxDir + "proton-bridge-v1.6.3.spdx", score: 86,
			gaps: []string{"supplier missing on 202 of 202 components"},
		},
		{
			// The npm module wrote neither suppliers nor dependencies.
			file: cdxDir + "SBOM_juice-shop_v11.1.2-bom.json", score: 71,
			elements: []Element{
				{ElementSupplier, 0, 841, false}, {ElementName, 841, 841, true}, {ElementVersion, 841, 841, true},
				{ElementIdentifier, 841, 841, true}, {ElementDeps, 0, 1, false}, {ElementAuthor, 1, 1, true}, {ElementTimestamp, 1, 1, true},
			},
			gaps: []string{"supplier missing on 841 of 841 components", "no dependency relationships"},
		},
		{
			// Maven's publisher stands in for the supplier where given.
			file: cdxDir + "SBOM_keycloak-10.0.2-bom.json", score: 98,
			gaps: []string{"supplier missing on 148 of 904 components"},
		},
		{
			file: cdxDir + "SBOM_laravel-7.12.0-bom.1.4.json", score: 71,
			gaps: []string{"supplier missing on 63 of 63 components", "no timestamp"},
		},
		{
			file: cdxDir + "HBOM_PCIe-SATA-adapter-board-bom.json", score: 45,
			gaps: []string{"supplier missing on 1 of 7 components", "version missing on 5 of 7 components",
				"unique identifier missing on 7 of 7 components", "no dependency relationships", "no author of the SBOM data"},
		},
		{
			file: cdxDir + "VEX_CISA-Use-Cases_Case-7_vex.json", score: 0,
			gaps: []string{"no components", "no dependency relationships", "no author of the SBOM data", "no timestamp"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			q := parseFile(t, tc.file).Quality()
			if q.Score != tc.score {
				t.Errorf("score %d, want %d", q.Score, tc.score)
			}
			if tc.elements != nil && !reflect.DeepEqual(q.Elements, tc.elements) {
				t.Errorf("elements\n got %+v\nwant %+v", q.Elements, tc.elements)
			}
			if len(q.Elements) != 7 {
				t.Errorf("%d elements, want the 7 NTIA minimum elements", len(q.Elements))
			}
			if !reflect.DeepEqual(q.Gaps, tc.gaps) {
				t.Errorf("gaps\n got %q\nwant %q", q.Gaps, tc.gaps)
			}
		})
	}
}

// Any of a purl, a CPE, a SWID tag or a hash identifies a component.
func TestQualityIdentifiers(t *testing.T) {
	d := &Document{Components: []Component{
		{Name: "a", PURL: "pkg:npm/a@1"}, {Name: "b", CPE: "cpe:2.3:a:b:b:1"}, {Name: "c", SWID: "c-1"},
		{Name: "d", Hashes: []Hash{{"SHA-256", "00"}}}, {Name: "e"},
	}}
	q := d.Quality()
	if q.Elements[3] != (Element{ElementIdentifier, 4, 5, false}) || q.Gaps[2] != "unique identifier missing on 1 of 5 components" {
		t.Errorf("%+v %q", q.Elements[3], q.Gaps)
	}
}
