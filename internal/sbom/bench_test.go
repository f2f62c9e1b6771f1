package sbom

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkParse reads whole documents from memory, as the server does
// after storing an upload.
func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, file string }{
		{"juice-shop", cdxDir + "SBOM_juice-shop_v11.1.2-bom.json"},
		{"keycloak", cdxDir + "SBOM_keycloak-10.0.2-bom.json"},
		{"proton-bridge-xml", cdxDir + "SBOM_proton-bridge_proton-bridge-v1.6.3.bom.xml"},
		{"proton-bridge-spdx-json", spdxDir + "proton-bridge-v1.6.3.spdx.json"},
		{"proton-bridge-spdx-tag-value", spdxDir + "proton-bridge-v1.6.3.spdx"},
	} {
		data, err := os.ReadFile(bc.file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(data), DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkQuality(b *testing.B) {
	d := parseFile(b, cdxDir+"SBOM_keycloak-10.0.2-bom.json")
	b.ReportAllocs()
	for b.Loop() {
		d.Quality()
	}
}
