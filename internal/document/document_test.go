package document_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"shencha/internal/document"
	"shencha/internal/document/pdftest"
	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// longCondition is long enough to wrap in its table cell, with no space to
// break at: every character must survive the wrapping.
const longCondition = "在二〇二七年五月三十一日前发布固件二点零点五版本，关闭远程管理接口中未声明的调试功能，并提交实验室复测报告及供应链组件清单。"

func sampleReport(status string) *store.ProviderReport {
	r := &store.ProviderReport{ID: 7, Provider: store.OrgRef{ID: 3, Name: "华信网络技术有限公司"}, PeriodFrom: "2026-01-01", PeriodTo: "2026-03-31",
		Status: status, GeneratedAt: "2026-04-01T01:00:00.000000Z", GeneratedBy: "system",
		Content: &store.ReportContent{
			Products: []store.ReportProduct{
				{Name: "HX-9000 核心路由器", Category: "core_network_equipment", Versions: []store.ReportVersion{
					{Version: "3.1.0", PURL: "pkg:generic/huaxin/hx-9000@3.1.0", Listings: []store.ReportListing{{ID: 1, Case: "CSR-2026-0001", Outcome: review.OutcomePass,
						ListedOn: "2026-02-10", ValidUntil: "2029-02-10", StatusAtEnd: review.ListingPassed,
						Events: []store.ReportEvent{{On: "2026-02-10", Action: "publish", Status: review.ListingPassed}}}}},
					{Version: "3.2.0", Listings: []store.ReportListing{}},
				}},
				{Name: "HX-S5700 Data Centre Switch", Category: "core_network_equipment", Versions: []store.ReportVersion{
					{Version: "2.0.4", Listings: []store.ReportListing{{ID: 2, Case: "CSR-2026-0006", Outcome: review.OutcomeConditionalPass,
						ListedOn: "2025-12-01", ValidUntil: "2028-12-01", StatusAtStart: review.ListingConditionallyPassed, StatusAtEnd: review.ListingSuspended,
						Events: []store.ReportEvent{{On: "2026-03-02", Action: "suspend", Status: review.ListingSuspended, Reason: "condition overdue"}}}}},
				}},
			},
			Areas: []store.AreaSummary{{Area: "R1", Assessed: 4, Met: 3, High: 1}, {Area: "R2", Assessed: 2, Met: 2}, {Area: "R3"}, {Area: "R4"}, {Area: "R5"}},
			Conditions: []store.ReportCondition{{Case: "CSR-2026-0006", Product: "HX-S5700 Data Centre Switch", Text: longCondition, Due: "2026-02-28",
				Standing: store.ConditionOverdue}},
		}}
	if status == store.ReportPublished {
		r.PublishedAt = "2026-04-02T02:00:00.000000Z"
	}
	return r
}

func sampleLetter() *store.CaseView {
	return &store.CaseView{Number: "CSR-2026-0006", State: review.StatePublished,
		Product:   store.ProductRef{Name: "HX-S5700 Data Centre Switch"},
		Versions:  []review.Version{{Version: "2.0.4"}},
		Provider:  store.OrgRef{ID: 3, Name: "华信网络技术有限公司"},
		Applicant: store.OrgRef{ID: 3, Name: "华信网络技术有限公司"},
		Decision: &store.Decision{Outcome: review.OutcomeConditionalPass, Rationale: "一项高严重度准则未符合，提供者承诺整改。",
			Recommendation: review.OutcomeConditionalPass, DecidedAt: "2026-01-05T03:00:00.000000Z", Scope: review.ScopePublic,
			PublishedAt: "2026-01-06T03:00:00.000000Z",
			Conditions:  []review.Condition{{Text: longCondition, Due: "2026-02-28", SuspendIfOverdue: true}}}}
}

// flat drops the whitespace pdftotext puts at line and cell breaks.
func flat(s string) string { return strings.Join(strings.Fields(s), "") }

func TestProviderReportPDF(t *testing.T) {
	dir := pdftest.Artifacts(t)
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"zh-CN", []string{"网络产品和服务提供者安全评估报告", "网络安全审查办公室", "华信网络技术有限公司", "2026-01-01 至 2026-03-31", "2026-04-02 公布",
			"一、产品、版本及列入名录情况", "HX-9000 核心路由器", "CSR-2026-0001", "无公开审查结果", "三、各风险领域的评估结论",
			"R1 被非法控制", "逾期未履行", "第 1 页，共"}},
		{"en", []string{"Security Assessment Report on a Provider of Network Products and Services", "Cybersecurity Review Office",
			"2026-01-01 to 2026-03-31", "published on 2026-04-02", "1. Products, versions and their listings", "HX-S5700 Data Centre Switch",
			"condition overdue", "no public result", "3. Findings by risk area", "overdue, not met", "Page 1 of"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			pdf, err := document.ProviderReport(sampleReport(store.ReportPublished), tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			text := pdftest.Text(t, pdf)
			for _, want := range tc.want {
				if !strings.Contains(text, want) && !strings.Contains(flat(text), flat(want)) {
					t.Errorf("%s report lacks %q:\n%s", tc.lang, want, text)
				}
			}
			if !strings.Contains(flat(text), longCondition) {
				t.Errorf("the wrapped condition lost characters:\n%s", text)
			}
			for _, raw := range []string{"doc.", "listing_action.", "{nb}", "category."} {
				if strings.Contains(text, raw) {
					t.Errorf("%s report shows an untranslated %q:\n%s", tc.lang, raw, text)
				}
			}
			again, _ := document.ProviderReport(sampleReport(store.ReportPublished), tc.lang)
			if !bytes.Equal(pdf, again) {
				t.Error("the same report rendered twice gives different bytes")
			}
			pdftest.FirstPage(t, pdf, dir, "pdf-provider-report-"+tc.lang)
		})
	}
	t.Run("Draft", func(t *testing.T) {
		pdf, err := document.ProviderReport(sampleReport(store.ReportDraft), "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if text := pdftest.Text(t, pdf); !strings.Contains(text, "草稿，尚未公布") {
			t.Errorf("a draft does not say so:\n%s", text)
		}
	})
}

func TestDecisionLetterPDF(t *testing.T) {
	dir := pdftest.Artifacts(t)
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"zh-CN", []string{"网络安全审查决定", "CSR-2026-0006", "华信网络技术有限公司", "HX-S5700 Data Centre Switch", "2.0.4", "一项高严重度准则未符合"}},
		{"en", []string{"Cybersecurity Review Decision", "CSR-2026-0006", "Passed the cybersecurity review with conditions", "due by 2026-02-28",
			"an unmet condition suspends the listing", "Article 10"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			pdf, err := document.DecisionLetter(sampleLetter(), false, tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			text := pdftest.Text(t, pdf)
			for _, want := range tc.want {
				if !strings.Contains(flat(text), flat(want)) {
					t.Errorf("%s letter lacks %q:\n%s", tc.lang, want, text)
				}
			}
			if !strings.Contains(flat(text), longCondition) {
				t.Errorf("the wrapped condition lost characters:\n%s", text)
			}
			pdftest.FirstPage(t, pdf, dir, "pdf-decision-letter-"+tc.lang)
		})
	}
}

// TestEveryMessageInEveryLocale checks the messages the documents use: the
// keys the code names, and every value of the lists whose names it looks
// up by prefix.
func TestEveryMessageInEveryLocale(t *testing.T) {
	keys := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				if (strings.HasPrefix(s, "doc.") || strings.HasPrefix(s, "letter.")) && !strings.HasSuffix(s, ".") {
					keys[s] = true
				}
			}
			return true
		})
	}
	if len(keys) < 40 {
		t.Fatalf("found only %d keys: is the walk broken?", len(keys))
	}
	for _, s := range store.ConditionStandings {
		keys["doc.report.standing."+s] = true
	}
	for _, a := range review.RiskAreas {
		keys["area."+a] = true
	}
	for _, c := range review.Categories {
		keys["category."+string(c)] = true
	}
	for _, o := range review.Outcomes {
		keys["outcome."+string(o)], keys["letter.outcome."+string(o)] = true, true
	}
	for _, s := range review.Scopes {
		keys["letter.scope."+string(s)] = true
	}
	keys["listing_action.publish"] = true
	for _, r := range review.ListingTable {
		keys["listing_action."+string(r.Action)] = true
	}
	for _, s := range []review.ListingStatus{review.ListingPassed, review.ListingConditionallyPassed, review.ListingFailed, review.ListingSuspended,
		review.ListingRevoked, review.ListingExpired, review.ListingSuperseded} {
		keys["listing."+string(s)] = true
	}
	for k := range keys {
		for _, l := range i18n.Locales {
			if !i18n.Has(l, k) {
				t.Errorf("locale %s lacks %q", l, k)
			}
		}
	}
}
