package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
)

func TestDefault(t *testing.T) {
	c := Default()
	if c.Version != DefaultVersion {
		t.Errorf("version = %q, want %q", c.Version, DefaultVersion)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(c.Criteria); n < 45 {
		t.Errorf("%d criteria, want at least 45", n)
	}
	t.Run("ThreePerCell", func(t *testing.T) {
		for _, a := range Areas {
			for _, d := range Dimensions {
				if n := len(c.Cell(a, d)); n < 3 {
					t.Errorf("cell %s-%s has %d criteria, want at least 3", a, d, n)
				}
			}
		}
	})
	t.Run("EveryMethodUsed", func(t *testing.T) {
		for _, m := range review.Methods {
			if !slices.ContainsFunc(c.Criteria, func(x Criterion) bool { return slices.Contains(x.Methods, m) }) {
				t.Errorf("no criterion can be established by %s", m)
			}
		}
	})
	t.Run("SeverityMix", func(t *testing.T) {
		count := map[Severity]int{}
		for _, x := range c.Criteria {
			count[x.Severity]++
		}
		if count[SeverityCritical] < 3 || count[SeverityHigh] < count[SeverityCritical] || count[SeverityMedium] == 0 || count[SeverityLow] == 0 {
			t.Errorf("unrealistic severity mix: %v", count)
		}
	})
	t.Run("InOrder", func(t *testing.T) {
		// The file lists criteria by id, so "the first criterion that ..."
		// is stable for everyone reading it.
		if !slices.IsSortedFunc(c.Criteria, func(a, b Criterion) int { return strings.Compare(a.ID, b.ID) }) {
			t.Error("criteria are not in id order")
		}
	})
	t.Run("References", func(t *testing.T) {
		// Only these standards, with exactly these titles, and no clause:
		// their clause text was not checked (DESIGN §4).
		known := map[string]Bilingual{
			"GB 40050-2021":   {"网络关键设备安全通用要求", "Security requirements for critical network devices"},
			"GB/T 36637-2018": {"信息安全技术 ICT供应链安全风险管理指南", "Information security technology — Guidelines for ICT supply chain security risk management"},
			"GB/T 32921-2016": {"信息安全技术 信息技术产品供应方行为安全准则", "Information security technology — Security criterion of supplier behavior of information technology products"},
			"GB/T 39276-2020": {"信息安全技术 网络产品和服务安全通用要求", "Information security technology — General security requirements for network products and services"},
			"GB/T 35273-2020": {"信息安全技术 个人信息安全规范", "Information security technology — Personal information security specification"},
		}
		for _, x := range c.Criteria {
			if len(x.References) == 0 {
				t.Errorf("%s cites no standard", x.ID)
			}
			for _, r := range x.References {
				if want, ok := known[r.Standard]; !ok || r.Title != want {
					t.Errorf("%s cites %s %v", x.ID, r.Standard, r.Title)
				}
				if r.Clause != "" {
					t.Errorf("%s cites clause %s of %s, which was not checked", x.ID, r.Clause, r.Standard)
				}
				if r.Standard == "GB/T 35273-2020" && x.Area != AreaUserData {
					t.Errorf("%s outside R3 cites the personal information specification", x.ID)
				}
			}
		}
	})
	t.Run("ParsedOnce", func(t *testing.T) {
		if Default() != c {
			t.Error("Default parsed again")
		}
	})
	t.Run("JSONIsACopy", func(t *testing.T) {
		b := DefaultJSON()
		b[0] = 'x'
		if DefaultJSON()[0] == 'x' {
			t.Error("DefaultJSON hands out the embedded bytes")
		}
	})
}

func TestLookup(t *testing.T) {
	c := Default()
	x, ok := c.Lookup("R2-T-01")
	if !ok || x.Area != AreaSupplyChain || x.Dimension != Transparency || !strings.Contains(x.Title.EN, "SBOM") {
		t.Errorf("Lookup(R2-T-01) = %+v, %v", x, ok)
	}
	if _, ok := c.Lookup("R9-C-01"); ok {
		t.Error("Lookup found a criterion that does not exist")
	}
}

func TestNames(t *testing.T) {
	for _, a := range Areas {
		if n := a.Name(); n.ZH == "" || n.EN == "" {
			t.Errorf("area %s has no name", a)
		}
	}
	for _, d := range Dimensions {
		if n := d.Name(); n.ZH == "" || n.EN == "" {
			t.Errorf("dimension %s has no name", d)
		}
	}
	if RiskArea("R6").Known() || Dimension("X").Known() {
		t.Error("unknown codes reported as known")
	}
	if got := fmt.Sprint(review.RiskAreas); got != "[R1 R2 R3 R4 R5]" {
		t.Errorf("review.RiskAreas = %s, out of step with catalog.Areas", got)
	}
}

func TestDate(t *testing.T) {
	var d Date
	if err := d.UnmarshalText([]byte("2026-01-15")); err != nil {
		t.Fatal(err)
	}
	b, _ := d.MarshalJSON()
	tb, _ := d.MarshalText()
	if d.String() != "2026-01-15" || string(b) != `"2026-01-15"` || string(tb) != "2026-01-15" {
		t.Errorf("String %s, JSON %s, text %s", d, b, tb)
	}
	for _, bad := range []string{`"2026-02-30"`, `"2026-1-5"`, `20260115`, `""`} {
		if err := d.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
