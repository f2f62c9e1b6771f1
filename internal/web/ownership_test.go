package web_test

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	ownershipLink = regexp.MustCompile(`href="(/orgs/\d+/ownership)" id="ownership-link"`)
	graphSVG      = regexp.MustCompile(`(?s)<svg class="graph".*?</svg>`)
)

// ownershipPath finds a case's link to its provider's chain, as the
// office sees the case page.
func ownershipPath(t *testing.T, c *client, number string) string {
	t.Helper()
	_, _, body := c.do("GET", "/cases/"+number, nil)
	m := ownershipLink.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no ownership link on %s", number)
	}
	return m[1]
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the drawing (run with -update if the change is meant):\n%s", path, got)
	}
}

func TestOwnershipPage(t *testing.T) {
	base := startServer(t)
	office := newClient(t, base)
	office.login("office")
	huaxin := ownershipPath(t, office, "CSR-2026-0002") // TideDB, provider1
	lanyun := ownershipPath(t, office, "CSR-2026-0003") // the cloud, provider2

	t.Run("OfficeSeesTheGraph", func(t *testing.T) {
		code, _, body := office.do("GET", huaxin, nil, "Accept-Language", "en")
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		svg := graphSVG.FindString(body)
		if svg == "" {
			t.Fatalf("no graph:\n%s", body)
		}
		for _, want := range []string{
			`<title id="graph-title">Ownership and control of Huaxin Networks Co., Ltd.</title>`,
			`<g class="node provider" id="owner-provider">`,
			`>Huaxin Holdings Ltd.</text>`, `>Pacific Growth Fund LP</text>`, `>Harbour Bridge Capital Ltd.</text>`,
			`>72.50 %</text>`, `>12.00 %</text>`, `>61.00 % · control</text>`,
			`>company · KY (foreign)</text>`, `>person · CN</text>`,
			`>★ ultimate controller</text>`,
		} {
			if !strings.Contains(svg, want) {
				t.Errorf("the graph lacks %s", want)
			}
		}
		// The founder's box is the controller's; the foreign fund's is marked.
		if !regexp.MustCompile(`<g class="node controller" id="owner-\d+">\s*<title>Zhang Wei</title>`).MatchString(svg) {
			t.Error("Zhang Wei is not highlighted as the ultimate controller")
		}
		if !regexp.MustCompile(`<g class="node foreign" id="owner-\d+">\s*<title>Pacific Growth Fund LP</title>`).MatchString(svg) {
			t.Error("the Cayman fund is not marked foreign")
		}
		// Two edges lie on the chain of control: the holding's and the founder's.
		if n := strings.Count(svg, `class="edge on-path"`); n != 2 {
			t.Errorf("%d edges on the chain of control, want 2", n)
		}
		// The same data as a table, for screen readers and without the picture.
		if !strings.Contains(body, `id="ownership-table"`) || strings.Count(body, `<tr id="stake-`) != 5 {
			t.Error("the table does not list the five owners")
		}
		if !strings.Contains(body, `id="control-path">Huaxin Networks Co., Ltd. ← Huaxin Holdings Ltd. ← Zhang Wei</span>`) {
			t.Errorf("chain of control in words missing:\n%s", body)
		}
		golden(t, "ownership-huaxin.en.svg", svg)
	})

	t.Run("DrawsTheSameEveryTime", func(t *testing.T) {
		_, _, a := office.do("GET", huaxin, nil, "Accept-Language", "en")
		_, _, b := office.do("GET", huaxin, nil, "Accept-Language", "en")
		if graphSVG.FindString(a) != graphSVG.FindString(b) {
			t.Error("two drawings of one chain differ")
		}
	})

	t.Run("ChineseAndTheVIEChain", func(t *testing.T) {
		code, _, body := office.do("GET", lanyun, nil)
		if code != 200 {
			t.Fatalf("%d", code)
		}
		for _, want := range []string{"股权与控制关系", "实际控制人：Chen Jun（CN）", "0.00% · 控制", "企业 · KY（境外）", "企业 · US（境外）", "国家机构 · CN"} {
			if !strings.Contains(body, want) {
				t.Errorf("the Chinese page lacks %q", want)
			}
		}
	})

	t.Run("AssignedLabAndProviderItself", func(t *testing.T) {
		for _, who := range []string{"lab1", "provider1"} {
			c := newClient(t, base)
			c.login(who)
			if code, _, body := c.do("GET", huaxin, nil); code != 200 || !strings.Contains(body, "Zhang Wei") {
				t.Errorf("%s: %d", who, code)
			}
		}
		// The provider's portal links to its own chain.
		c := newClient(t, base)
		c.login("provider1")
		if _, _, body := c.do("GET", "/products", nil); !strings.Contains(body, `href="`+huaxin+`" id="own-ownership"`) {
			t.Error("the portal does not link to the provider's own chain")
		}
	})

	t.Run("OthersRefused", func(t *testing.T) {
		for _, who := range []string{"provider2", "lab2", "association", "procurer", "cii"} {
			c := newClient(t, base)
			c.login(who)
			code, _, body := c.do("GET", huaxin, nil)
			if code != http.StatusForbidden || strings.Contains(body, "Zhang Wei") || strings.Contains(body, "Huaxin Holdings") {
				t.Errorf("%s: %d", who, code)
			}
		}
		code, h, _ := newClient(t, base).do("GET", huaxin, nil)
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("signed out: %d %q", code, h.Get("Location"))
		}
		if code, _, _ := office.do("GET", "/orgs/99999/ownership", nil); code != http.StatusNotFound {
			t.Errorf("no such organisation: %d", code)
		}
		if code, _, _ := office.do("GET", "/orgs/x/ownership", nil); code != http.StatusNotFound {
			t.Errorf("a malformed id: %d", code)
		}
	})

	t.Run("LinkOnlyForReaders", func(t *testing.T) {
		// The CII department and the CIIO see the declaration, not the
		// provider's investigation.
		for _, who := range []string{"cii", "ciio"} {
			c := newClient(t, base)
			c.login(who)
			code, _, body := c.do("GET", "/cases/CSR-2026-0003", nil)
			if code != 200 || strings.Contains(body, "ownership-link") {
				t.Errorf("%s: %d, link shown: %v", who, code, strings.Contains(body, "ownership-link"))
			}
		}
	})
}
