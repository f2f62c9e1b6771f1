package web_test

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
)

// The case page shows the supply-chain analyses to those who may read them:
// the reviewers and the organisation that submitted the SBOM, not another
// provider or the public. The SBOM is the first components of a public
// CycloneDX document (testdata, CC0).
func TestCaseSupplyChain(t *testing.T) {
	base := startServer(t)
	doc, err := os.ReadFile("testdata/proton-bridge-v1.6.3-first8.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	provider := newClient(t, base)
	provider.login("provider1")
	req, _ := http.NewRequest("POST", base+"/api/v1/cases/CSR-2026-0002/sboms?filename=bridge.cdx.json", bytes.NewReader(doc))
	req.Header.Set("Content-Type", "application/vnd.cyclonedx+json")
	if code, _, body := provider.send(req, "Sec-Fetch-Site", "same-origin"); code != 201 {
		t.Fatalf("SBOM upload: %d %s", code, body)
	}
	for _, tc := range []struct {
		user string
		see  bool
	}{{"office", true}, {"lab1", true}, {"provider1", true}, {"provider2", false}, {"", false}} {
		c := newClient(t, base)
		if tc.user != "" {
			c.login(tc.user)
		}
		code, _, body := c.do("GET", "/cases/CSR-2026-0002", nil, "Accept-Language", "en")
		if code != 200 && tc.user != "" && tc.see {
			t.Fatalf("%q: case page %d", tc.user, code)
		}
		table := strings.Contains(body, `id="sbom-analyses"`)
		if table != tc.see {
			t.Errorf("%q sees the supply-chain table: %v, want %v", tc.user, table, tc.see)
		}
		if tc.see && (!strings.Contains(body, "bridge.cdx.json") || !strings.Contains(body, "Advisory matches")) {
			t.Errorf("%q: the table lacks the SBOM or its columns", tc.user)
		}
	}
}
