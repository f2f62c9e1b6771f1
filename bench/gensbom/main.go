// Command gensbom writes a large CycloneDX 1.5 JSON SBOM for the scan
// benchmark (see scantest.SBOM): about half of its components are real
// packages named by the OSV advisories given, at versions on both sides of
// their affected ranges; the rest are packages no advisory names.
//
//	go run ./bench/gensbom -osv internal/vuln/testdata/osv -n 10000 > big.cdx.json
package main

import (
	"flag"
	"log"
	"os"

	"shencha/internal/scan/scantest"
	"shencha/internal/vuln"
)

func main() {
	osv := flag.String("osv", "internal/vuln/testdata/osv", "OSV advisories")
	n := flag.Int("n", 10000, "components")
	flag.Parse()
	recs, _, err := vuln.Import(*osv, vuln.DefaultLimits)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := os.Stdout.Write(append(scantest.SBOM(recs, *n), '\n')); err != nil {
		log.Fatal(err)
	}
}
