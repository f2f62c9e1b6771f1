package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
	"shencha/internal/transparency"
)

// stubPDF stands in for the PDF renderer, which internal/document tests:
// the store's concern is what it is given and what it keeps.
func stubPDF(r *store.ProviderReport, lang string) ([]byte, error) {
	b, _ := json.Marshal(r)
	return append([]byte("%PDF-stub "+lang+"\n"), b...), nil
}

// confidential are texts of the demo's reviews that no public report may
// carry: a finding's rationale, expert opinions, decision rationales.
var confidential = []string{"Checked on the sample", "Undeclared remote access path", "Fix the finding within six months",
	"One high-severity criterion not met", "A critical criterion is not met"}

// TestProviderReport drafts and publishes a report over the demo on both
// backends: who may, bad periods named by field with nothing written, what
// the report holds (public results only, finding counts without their
// text), and the published PDFs' digests in the log, verified.
func TestProviderReport(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			office := e.actor(t, "office")
			p1 := e.f.Orgs["provider1"].ID

			t.Run("OnlyTheNationalOffice", func(t *testing.T) {
				for who, kind := range map[string]review.Kind{"provider1": review.KindForbidden, "finance-regulator": review.KindForbidden, "lab1": review.KindForbidden} {
					if _, err := e.s.GenerateProviderReport(e.ctx, e.actor(t, who), p1, "2026-01-01", "2026-03-02"); !review.IsKind(err, kind) {
						t.Errorf("%s drafts a report: %v, want %s", who, err, kind)
					}
				}
				if _, err := e.s.GenerateProviderReport(e.ctx, review.Actor{}, p1, "2026-01-01", "2026-03-02"); !review.IsKind(err, review.KindUnauthorized) {
					t.Errorf("anonymous drafts a report: %v", err)
				}
			})
			t.Run("BadInputNamesTheField", func(t *testing.T) {
				for _, tc := range []struct {
					provider        int64
					from, to, field string
				}{
					{0, "2026-01-01", "2026-03-02", "provider_id"},
					{e.f.Orgs["lab1"].ID, "2026-01-01", "2026-03-02", "provider_id"},
					{p1, "", "2026-03-02", "period_from"},
					{p1, "2026-13-01", "2026-03-02", "period_from"},
					{p1, "2026-01-01", "31/03/2026", "period_to"},
					{p1, "2026-03-01", "2026-02-01", "period_to"},
					{p1, "2026-01-01", "2026-03-03", "period_to"}, // tomorrow
				} {
					_, err := e.s.GenerateProviderReport(e.ctx, office, tc.provider, tc.from, tc.to)
					var re *review.Error
					if !errors.As(err, &re) || re.Kind != review.KindInvalid || re.Field != tc.field {
						t.Errorf("%d %s..%s: %v, want invalid %s", tc.provider, tc.from, tc.to, err, tc.field)
					}
				}
				if list, _ := e.s.ProviderReports(e.ctx, office, store.ReportFilter{Drafts: true}); len(list) != 0 {
					t.Errorf("refused drafts left reports: %+v", list)
				}
			})

			r, err := e.s.GenerateProviderReport(e.ctx, office, p1, "2026-01-01", "2026-03-02")
			if err != nil {
				t.Fatal(err)
			}
			t.Run("PublicResultsOnly", func(t *testing.T) {
				c := r.Content
				listed := map[string]store.ReportListing{}
				for _, p := range c.Products {
					for _, v := range p.Versions {
						for _, l := range v.Listings {
							listed[p.Name+" "+v.Version] = l
						}
					}
				}
				if len(c.Products) != 3 || len(listed) != 2 {
					t.Fatalf("products %d, listings %v; want the router, the database and the switch, two of them listed", len(c.Products), listed)
				}
				router, sw := listed["Huaxin HX-9000 Core Router 3.1.0"], listed["Huaxin HX-S5700 Data Centre Switch 2.0.4"]
				if router.Case != "CSR-2026-0001" || router.StatusAtEnd != review.ListingPassed || router.StatusAtStart != "" ||
					len(router.Events) != 1 || router.Events[0].Action != "publish" || router.Events[0].On != "2026-03-02" {
					t.Errorf("router listing %+v", router)
				}
				if sw.StatusAtEnd != review.ListingConditionallyPassed {
					t.Errorf("switch listing %+v", sw)
				}
				// Case 1 met its four criteria; case 6 three of them and not a
				// fourth, of high severity (the demo's notMet).
				var total store.AreaSummary
				for _, a := range c.Areas {
					total.Assessed += a.Assessed
					total.Met += a.Met
					total.Critical, total.High, total.Medium, total.Low = total.Critical+a.Critical, total.High+a.High, total.Medium+a.Medium, total.Low+a.Low
				}
				if len(c.Areas) != 5 || total != (store.AreaSummary{Assessed: 8, Met: 7, High: 1}) {
					t.Errorf("areas %+v, total %+v; want 8 assessed, 7 met, 1 high short", c.Areas, total)
				}
				if len(c.Conditions) != 1 || c.Conditions[0].Case != "CSR-2026-0006" || c.Conditions[0].Standing != store.ConditionOpen ||
					!strings.HasPrefix(c.Conditions[0].Text, "Ship firmware 2.0.5") {
					t.Errorf("conditions %+v", c.Conditions)
				}
				b, _ := json.Marshal(r)
				for _, secret := range confidential {
					if strings.Contains(string(b), secret) {
						t.Errorf("the report carries confidential text %q", secret)
					}
				}
				// A public report filed about one of provider1's products is
				// counted as received; what it says is not in the report.
				received := func(c *store.ReportContent) int {
					for _, pr := range c.PublicReports {
						if pr.Status == review.ReportReceived {
							return pr.Count
						}
					}
					t.Fatalf("no count of received public reports: %+v", c.PublicReports)
					return 0
				}
				tip := "Port 2323 answers with a login prompt (public report text)"
				if _, err := e.s.FileReport(e.ctx, review.NewReport{ProductID: e.f.Router.ID, Description: tip}, nil); err != nil {
					t.Fatal(err)
				}
				r3, err := e.s.GenerateProviderReport(e.ctx, office, p1, "2026-01-01", "2026-03-02")
				if err != nil {
					t.Fatal(err)
				}
				if got, want := received(r3.Content), received(c)+1; got != want {
					t.Errorf("received public reports: %d, want %d", got, want)
				}
				if len(r3.Content.PublicReports) != len(review.ReportStatuses) {
					t.Errorf("public reports counted by %d statuses, want every one: %+v", len(r3.Content.PublicReports), r3.Content.PublicReports)
				}
				for i, pr := range r3.Content.PublicReports {
					if pr.Status != review.ReportStatuses[i] {
						t.Errorf("count %d is of %q, want %q", i, pr.Status, review.ReportStatuses[i])
					}
				}
				if b, _ := json.Marshal(r3); strings.Contains(string(b), tip) {
					t.Error("the report carries a public report's text")
				}
				// provider2's only result is a fail published to the parties:
				// its products show, the result does not.
				r2, err := e.s.GenerateProviderReport(e.ctx, office, e.f.Orgs["provider2"].ID, "2026-01-01", "2026-03-02")
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range r2.Content.Products {
					for _, v := range p.Versions {
						if len(v.Listings) != 0 {
							t.Errorf("provider2's %s %s shows a non-public listing %+v", p.Name, v.Version, v.Listings)
						}
					}
				}
				if b, _ := json.Marshal(r2); strings.Contains(string(b), "failed") || strings.Contains(string(b), "CSR-2026-0007") {
					t.Errorf("provider2's report names its parties-scoped fail: %s", b)
				}
			})
			t.Run("DraftsAreTheOffices", func(t *testing.T) {
				if _, err := e.s.ProviderReport(e.ctx, review.Actor{}, r.ID); !review.IsKind(err, review.KindNotFound) {
					t.Errorf("anonymous reads a draft: %v", err)
				}
				if _, err := e.s.ProviderReport(e.ctx, e.actor(t, "provider1"), r.ID); !review.IsKind(err, review.KindNotFound) {
					t.Errorf("the provider reads its draft: %v", err)
				}
				if list, _ := e.s.ProviderReports(e.ctx, review.Actor{}, store.ReportFilter{Drafts: true}); len(list) != 0 {
					t.Errorf("the public lists drafts: %+v", list)
				}
				if list, _ := e.s.ProviderReports(e.ctx, office, store.ReportFilter{Drafts: true, ProviderOrgID: p1}); len(list) != 1 || list[0].Status != store.ReportDraft {
					t.Errorf("the office's drafts of provider1: %+v", list)
				}
			})
			t.Run("OnlyTheOfficePublishes", func(t *testing.T) {
				for _, a := range []review.Actor{e.actor(t, "provider1"), e.actor(t, "finance-regulator"), e.actor(t, "committee"), review.System} {
					if _, err := e.s.PublishProviderReport(e.ctx, a, r.ID, stubPDF); !review.IsKind(err, review.KindForbidden) {
						t.Errorf("%s publishes: %v", a.Username, err)
					}
				}
				failing := func(*store.ProviderReport, string) ([]byte, error) { return nil, errors.New("renderer broke") }
				if _, err := e.s.PublishProviderReport(e.ctx, office, r.ID, failing); !review.IsKind(err, review.KindInternal) {
					t.Errorf("publish with a failing renderer: %v", err)
				}
				if got, _ := e.s.ProviderReport(e.ctx, office, r.ID); got.Status != store.ReportDraft || len(got.Documents) != 0 {
					t.Errorf("a failed publication left %+v", got)
				}
			})

			e.clk.Add(time.Hour)
			pub, err := e.s.PublishProviderReport(e.ctx, office, r.ID, stubPDF)
			if err != nil {
				t.Fatal(err)
			}
			if pub.Status != store.ReportPublished || len(pub.Documents) != 2 || pub.Documents[0].Lang != "zh-CN" || pub.Documents[1].Lang != "en" {
				t.Fatalf("published %+v", pub)
			}
			if _, err := e.s.PublishProviderReport(e.ctx, office, r.ID, stubPDF); !review.IsKind(err, review.KindConflict) {
				t.Errorf("publishing twice: %v", err)
			}
			if _, err := e.s.GenerateProviderReport(e.ctx, office, p1, "2026-01-01", "2026-03-02"); !review.IsKind(err, review.KindConflict) {
				t.Errorf("redrafting a published report: %v", err)
			}
			if rows := e.auditRows(t, "report.publish", "provider_report:"+itoa(r.ID)); len(rows) != 1 || rows[0].Actor != "office" {
				t.Errorf("publish audit rows %+v", rows)
			}

			t.Run("DigestsInTheLog", func(t *testing.T) {
				anon := review.Actor{}
				got, err := e.s.ProviderReport(e.ctx, anon, r.ID)
				if err != nil || len(got.Documents) != 2 {
					t.Fatalf("the public reads the published report: %v %+v", err, got)
				}
				_, att, err := e.s.DocumentByDigest(e.ctx, anon, "sha256:"+pub.Documents[1].SHA256)
				if err != nil || !att.Pending {
					t.Fatalf("before sequencing: %v %+v", err, att)
				}
				if _, err := e.s.Sequence(e.ctx, 0); err != nil {
					t.Fatal(err)
				}
				trust := transparency.Trust{VerdictKeys: e.s.Keys().VerdictKeys(), LogKeys: e.s.Keys().LogKeys()}
				for _, d := range pub.Documents {
					doc, err := e.s.ReportPDF(e.ctx, anon, r.ID, d.Lang)
					if err != nil {
						t.Fatal(err)
					}
					sum := sha256.Sum256(doc.PDF)
					if !strings.HasPrefix(string(doc.PDF), "%PDF-stub "+d.Lang+"\n") || !strings.Contains(string(doc.PDF), `"status":"published"`) ||
						hex.EncodeToString(sum[:]) != d.SHA256 || doc.SHA256 != d.SHA256 {
						t.Errorf("%s: the stored PDF is not the published report rendered at publication: %.80s", d.Lang, doc.PDF)
					}
					_, att, err := e.s.DocumentByDigest(e.ctx, anon, d.SHA256)
					if err != nil {
						t.Fatal(err)
					}
					v, err := transparency.VerifyDocument(att, trust, d.SHA256)
					if err != nil {
						t.Fatalf("%s: %v", d.Lang, err)
					}
					p := v.Statement.Predicate
					if att.Kind != transparency.KindDocument || p.Kind != transparency.DocProviderReport || p.Report != r.ID || p.Language != d.Lang ||
						p.PeriodFrom != "2026-01-01" || p.PeriodTo != "2026-03-02" || p.Provider != "Huaxin Networks Co., Ltd." {
						t.Errorf("%s: statement %+v in a %s entry", d.Lang, p, att.Kind)
					}
					// The other language's file is not this statement's.
					other := pub.Documents[0].SHA256
					if other == d.SHA256 {
						other = pub.Documents[1].SHA256
					}
					if _, err := transparency.VerifyDocument(att, trust, other); err == nil {
						t.Errorf("%s's statement verifies another file", d.Lang)
					}
				}
				if _, _, err := e.s.DocumentByDigest(e.ctx, anon, strings.Repeat("ab", 32)); !review.IsKind(err, review.KindNotFound) {
					t.Errorf("an unknown digest: %v", err)
				}
				var re *review.Error
				if _, _, err := e.s.DocumentByDigest(e.ctx, anon, "sha256:xyz"); !errors.As(err, &re) || re.Field != "digest" {
					t.Errorf("a malformed digest: %v", err)
				}
				if _, err := e.s.ReportPDF(e.ctx, anon, r.ID, "fr"); !errors.As(err, &re) || re.Field != "lang" {
					t.Errorf("a PDF in French: %v", err)
				}
			})
		})
	}
}

// TestLetterPDF issues a decision letter on its first request, serves the
// same bytes after, audits each read, and logs it as a commitment the
// parties open and no one else can look up.
func TestLetterPDF(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			renders := 0
			render := func(v *store.CaseView, committee bool, lang string) ([]byte, error) {
				renders++
				return []byte("%PDF-stub letter " + v.Number + " " + string(v.Decision.Outcome) + " " + lang), nil
			}
			const n = "CSR-2026-0001"
			first, err := e.s.LetterPDF(e.ctx, e.actor(t, "provider1"), n, "en", render)
			if err != nil {
				t.Fatal(err)
			}
			again, err := e.s.LetterPDF(e.ctx, e.actor(t, "office"), n, "en", render)
			if err != nil {
				t.Fatal(err)
			}
			if renders != 1 || again.ID != first.ID || string(again.PDF) != "%PDF-stub letter CSR-2026-0001 pass en" {
				t.Errorf("second request: %d renders, %+v", renders, again)
			}
			if rows := e.auditRows(t, "letter.read", "case:"+n); len(rows) != 2 {
				t.Errorf("letter.read audit rows: %+v", rows)
			}
			if _, err := e.s.LetterPDF(e.ctx, e.actor(t, "lab1"), n, "en", render); err == nil {
				t.Error("a lab reads the letter")
			}
			if _, err := e.s.LetterPDF(e.ctx, e.actor(t, "office"), "CSR-2026-0004", "en", render); !review.IsKind(err, review.KindConflict) {
				t.Errorf("the letter of an undecided case: %v", err)
			}
			if _, err := e.s.Sequence(e.ctx, 0); err != nil {
				t.Fatal(err)
			}
			for _, a := range []review.Actor{{}, e.actor(t, "provider2"), e.actor(t, "lab1")} {
				if _, _, err := e.s.DocumentByDigest(e.ctx, a, first.SHA256); !review.IsKind(err, review.KindNotFound) {
					t.Errorf("%q looks up the letter: %v", a.Username, err)
				}
			}
			_, att, err := e.s.DocumentByDigest(e.ctx, e.actor(t, "provider1"), first.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if att.Kind != transparency.KindCommitment || att.Salt == "" {
				t.Errorf("the letter's entry is %s with salt %q, want a salted commitment", att.Kind, att.Salt)
			}
			entry, err := e.s.Entry(e.ctx, att.Index)
			if err != nil || strings.Contains(string(entry.Entry), n) {
				t.Errorf("the public log entry reveals the case: %v %q", err, entry.Entry)
			}
			trust := transparency.Trust{VerdictKeys: e.s.Keys().VerdictKeys(), LogKeys: e.s.Keys().LogKeys()}
			v, err := transparency.VerifyDocument(att, trust, first.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if p := v.Statement.Predicate; p.Kind != transparency.DocDecisionLetter || p.Case != n || p.Language != "en" {
				t.Errorf("letter statement %+v", p)
			}
		})
	}
}

// TestDraftQuarterlyReports drafts, after a quarter ends, the report of
// each provider with a public result, once.
func TestDraftQuarterlyReports(t *testing.T) {
	e := newCasesEnv(t, storetest.Backends()[0])
	if n, err := e.s.DraftQuarterlyReports(e.ctx); err != nil || n != 0 {
		t.Fatalf("within the quarter: %d, %v; want none (Q4 2025 had no result)", n, err)
	}
	e.clk.Set(at(2026, 4, 2, 9))
	if n, err := e.s.DraftQuarterlyReports(e.ctx); err != nil || n != 1 {
		t.Fatalf("after Q1: %d drafts, %v; want provider1's only (provider2's result is not public)", n, err)
	}
	if n, err := e.s.DraftQuarterlyReports(e.ctx); err != nil || n != 0 {
		t.Errorf("the next day: %d drafts, %v; want none", n, err)
	}
	list, err := e.s.ProviderReports(e.ctx, e.actor(t, "office"), store.ReportFilter{Drafts: true})
	if err != nil || len(list) != 1 {
		t.Fatalf("drafts %+v, %v", list, err)
	}
	if r := list[0]; r.Provider.ID != e.f.Orgs["provider1"].ID || r.PeriodFrom != "2026-01-01" || r.PeriodTo != "2026-03-31" || r.GeneratedBy != "system" || r.Status != store.ReportDraft {
		t.Errorf("quarterly draft %+v", r)
	}
}

func TestLastQuarter(t *testing.T) {
	for _, tc := range []struct{ today, from, to string }{
		{"2026-01-15", "2025-10-01", "2025-12-31"},
		{"2026-04-01", "2026-01-01", "2026-03-31"},
		{"2026-06-30", "2026-01-01", "2026-03-31"},
		{"2026-12-31", "2026-07-01", "2026-09-30"},
	} {
		d, _ := time.ParseInLocation("2006-01-02", tc.today, cst)
		from, to := store.LastQuarter(calendar.DateOf(d))
		if from.String() != tc.from || to.String() != tc.to {
			t.Errorf("%s: %s..%s, want %s..%s", tc.today, from, to, tc.from, tc.to)
		}
	}
}
