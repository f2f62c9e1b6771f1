package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// secret is text a reporter typed; it must reach the office and no one else.
const secret = "MARKER-7f3a-the-reporter-wrote-this"

// fileReport files a report and fails the test on error.
func (e *env) fileReport(tb testing.TB, in review.NewReport, files ...store.ReportFile) store.ReportReceipt {
	tb.Helper()
	rc, err := e.s.FileReport(e.ctx, in, files)
	if err != nil {
		tb.Fatalf("file report: %v", err)
	}
	return rc
}

// rows counts a table's rows.
func (e *env) rows(tb testing.TB, table string) int {
	tb.Helper()
	var n int
	if err := e.s.DB().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func wantErr(tb testing.TB, err error, kind review.Kind, field string) {
	tb.Helper()
	e, ok := err.(*review.Error)
	if !ok || e.Kind != kind || e.Field != field {
		tb.Fatalf("got %v, want %s on field %q", err, kind, field)
	}
}

func TestPublicReports(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			office := e.actor(t, "office")
			file := store.ReportFile{Digest: "sha256:" + strings.Repeat("ab", 32), Size: 12, Filename: "capture.png", ContentType: "image/png"}
			named := e.fileReport(t, review.NewReport{ProductID: e.f.Router.ID, Subject: "firmware 3.1.0",
				Description: "The router sends traffic to an undeclared server. " + secret,
				Contact:     review.Contact{Name: "Wang " + secret, Email: "wang@example.cn", Phone: "+86 10 6512 3456"}}, file)
			anon := e.fileReport(t, review.NewReport{Subject: "a cloud service seen in a ministry", Description: "It asks for far more data than it needs."})

			t.Run("Receipt", func(t *testing.T) {
				if !strings.HasPrefix(named.Receipt, "JB-2026-") || len(named.Receipt) != len("JB-2026-")+8 || named.Receipt == anon.Receipt {
					t.Errorf("receipts %q %q", named.Receipt, anon.Receipt)
				}
				if len(named.Code) != 14 || named.Code == anon.Code || named.Status != review.ReportReceived {
					t.Errorf("receipt %+v", named)
				}
			})

			t.Run("StatusNeedsTheCode", func(t *testing.T) {
				st, err := e.s.ReportStatus(e.ctx, strings.ToLower(named.Receipt), strings.ReplaceAll(named.Code, "-", ""))
				if err != nil || st.Status != review.ReportReceived || st.Reason != "" {
					t.Fatalf("status: %+v %v", st, err)
				}
				b, _ := json.Marshal(st)
				if strings.Contains(string(b), secret) || strings.Contains(string(b), "undeclared") {
					t.Errorf("the status tells of the report's content: %s", b)
				}
				// The other report's code, and a number nobody has: the same answer.
				_, wrong := e.s.ReportStatus(e.ctx, named.Receipt, anon.Code)
				_, unknown := e.s.ReportStatus(e.ctx, "JB-2026-00000000", anon.Code)
				if !review.IsKind(wrong, review.KindNotFound) || wrong.Error() != unknown.Error() {
					t.Errorf("wrong code %v, unknown receipt %v: they must read the same", wrong, unknown)
				}
				_, err = e.s.ReportStatus(e.ctx, named.Receipt, "")
				wantErr(t, err, review.KindInvalid, "code")
			})

			t.Run("OnlyTheOfficeReads", func(t *testing.T) {
				list, err := items(e.s.Reports(e.ctx, office, store.PublicReportFilter{}))
				if err != nil || len(list) != 2 {
					t.Fatalf("office list: %+v %v", list, err)
				}
				// Both await triage: the older first.
				if list[0].Receipt != named.Receipt || list[0].Product != e.f.Router.Name || list[0].Files != 1 {
					t.Errorf("queue %+v", list)
				}
				before := e.rows(t, "audit")
				v, err := e.s.Report(e.ctx, office, list[0].ID, "127.0.0.1")
				if err != nil || v.Contact.Email != "wang@example.cn" || !strings.Contains(v.Description, secret) || len(v.Attachments) != 1 || v.Anonymous {
					t.Fatalf("office read: %+v %v", v, err)
				}
				if e.rows(t, "audit") != before+1 {
					t.Error("the office's read of a report is not audited")
				}
				for _, who := range []string{"provider1", "provider2", "lab1", "expert1", "committee", "admin", "procurer", "ciio", "cii", "association"} {
					if _, err := e.s.Reports(e.ctx, e.actor(t, who), store.PublicReportFilter{}); !review.IsKind(err, review.KindForbidden) {
						t.Errorf("%s lists reports: %v", who, err)
					}
					if _, err := e.s.Report(e.ctx, e.actor(t, who), list[0].ID, ""); !review.IsKind(err, review.KindForbidden) {
						t.Errorf("%s reads a report: %v", who, err)
					}
					if _, err := e.s.OpenReportFile(e.ctx, e.actor(t, who), list[0].ID, v.Attachments[0].ID, ""); !review.IsKind(err, review.KindForbidden) {
						t.Errorf("%s reads a report's file: %v", who, err)
					}
				}
				if _, err := e.s.Reports(e.ctx, review.Actor{}, store.PublicReportFilter{}); !review.IsKind(err, review.KindUnauthorized) {
					t.Errorf("the public lists reports: %v", err)
				}
				f, err := e.s.OpenReportFile(e.ctx, office, list[0].ID, v.Attachments[0].ID, "127.0.0.1")
				if err != nil || f.Digest != file.Digest {
					t.Errorf("office opens the file: %+v %v", f, err)
				}
			})

			t.Run("SectorRegulatorReadsItsSector", func(t *testing.T) {
				fin := e.actor(t, "finance-regulator")
				if list, err := items(e.s.Reports(e.ctx, fin, store.PublicReportFilter{})); err != nil || len(list) != 0 {
					t.Fatalf("the finance regulator sees reports outside its sector: %+v %v", list, err)
				}
				if _, err := e.s.Report(e.ctx, fin, 1, ""); !review.IsKind(err, review.KindNotFound) {
					t.Errorf("a report outside the sector: %v", err)
				}
				// A finance-sector review of the router brings its reports in.
				e.open(t, "finance-regulator", review.NewCase{Trigger: review.TriggerStateRequest, ProductID: e.f.Router.ID, VersionIDs: versionIDs(e.f.RouterV)})
				list, err := items(e.s.Reports(e.ctx, fin, store.PublicReportFilter{}))
				if err != nil || len(list) != 1 || list[0].Receipt != named.Receipt {
					t.Errorf("after a finance case on the router: %+v %v", list, err)
				}
			})

			t.Run("BadInputWritesNothing", func(t *testing.T) {
				reports, files, audit := e.rows(t, "public_reports"), e.rows(t, "public_report_files"), e.rows(t, "audit")
				desc := "Something long enough to describe."
				for _, c := range []struct {
					name  string
					in    review.NewReport
					files []store.ReportFile
					field string
				}{
					{"unknown product", review.NewReport{ProductID: 99999, Description: desc}, nil, "product_id"},
					{"not a provider", review.NewReport{ProviderOrgID: e.f.Orgs["lab1"].ID, Description: desc}, nil, "provider_org_id"},
					{"another provider's product", review.NewReport{ProductID: e.f.Router.ID, ProviderOrgID: e.f.Orgs["provider2"].ID, Description: desc}, nil, "provider_org_id"},
					{"no description", review.NewReport{ProductID: e.f.Router.ID}, nil, "description"},
					{"a file of a refused type", review.NewReport{ProductID: e.f.Router.ID, Description: desc},
						[]store.ReportFile{{Digest: file.Digest, Size: 1, Filename: "run.exe", ContentType: "application/octet-stream"}}, "files"},
					{"too many files", review.NewReport{ProductID: e.f.Router.ID, Description: desc},
						[]store.ReportFile{file, file, file, file, file, file}, "files"},
				} {
					_, err := e.s.FileReport(e.ctx, c.in, c.files)
					wantErr(t, err, review.KindInvalid, c.field)
				}
				if e.rows(t, "public_reports") != reports || e.rows(t, "public_report_files") != files || e.rows(t, "audit") != audit {
					t.Error("a refused report left rows behind")
				}
				if _, err := e.s.VerifyAudit(e.ctx); err != nil {
					t.Fatal(err)
				}
			})

			t.Run("Triage", func(t *testing.T) {
				list, _ := items(e.s.Reports(e.ctx, office, store.PublicReportFilter{Status: review.ReportReceived}))
				var namedID, anonID int64
				for _, r := range list {
					if r.Receipt == named.Receipt {
						namedID = r.ID
					} else {
						anonID = r.ID
					}
				}
				// Refusals first: each names its field, and nothing changes.
				cases, audit := e.rows(t, "cases"), e.rows(t, "audit")
				_, err := e.s.TriageReport(e.ctx, office, anonID, review.Triage{Action: review.TriageDismiss})
				wantErr(t, err, review.KindInvalid, "reason")
				_, err = e.s.TriageReport(e.ctx, office, anonID, review.Triage{Action: review.TriageLink, Reason: "x", Case: "CSR-2026-9999"})
				wantErr(t, err, review.KindInvalid, "case")
				// The anonymous report names no product: a re-review must name the case it follows.
				_, err = e.s.TriageReport(e.ctx, office, anonID, review.Triage{Action: review.TriageReReview, Reason: "x"})
				wantErr(t, err, review.KindInvalid, "previous_case")
				_, err = e.s.TriageReport(e.ctx, e.actor(t, "provider1"), namedID, review.Triage{Action: review.TriageDismiss, Reason: "nothing in it"})
				if !review.IsKind(err, review.KindForbidden) {
					t.Errorf("the provider triages: %v", err)
				}
				if e.rows(t, "cases") != cases || e.rows(t, "audit") != audit {
					t.Error("a refused triage wrote something")
				}

				v, err := e.s.TriageReport(e.ctx, office, anonID, review.Triage{Action: review.TriageLink, Reason: "Taken into a running review.", Case: "CSR-2026-0003"})
				if err != nil || v.Status != review.ReportLinked || v.Case != "CSR-2026-0003" || len(v.Timeline) != 2 || v.Timeline[1].Case != "CSR-2026-0003" {
					t.Fatalf("link: %+v %v", v, err)
				}
				if _, err := e.s.TriageReport(e.ctx, office, anonID, review.Triage{Action: review.TriageDismiss, Reason: "again"}); !review.IsKind(err, review.KindConflict) {
					t.Errorf("a second triage: %v", err)
				}
				st, _ := e.s.ReportStatus(e.ctx, anon.Receipt, anon.Code)
				if st.Status != review.ReportLinked || st.Reason != "Taken into a running review." || st.UpdatedAt == "" {
					t.Errorf("the reporter reads %+v", st)
				}

				// The router's report opens a re-review of its published result.
				v, err = e.s.TriageReport(e.ctx, office, namedID, review.Triage{Action: review.TriageReReview, Reason: "Substantiated: a re-review is open.",
					Summary: "Re-review of the HX-9000's remote access."})
				if err != nil || v.Status != review.ReportReReview || v.Case == "" {
					t.Fatalf("re-review: %+v %v", v, err)
				}
				c := e.view(t, "office", v.Case)
				if c.Trigger != review.TriggerReReview || c.PreviousCase != "CSR-2026-0001" || c.State != review.StateDraft {
					t.Errorf("the re-review case: trigger %s, previous %q, state %s", c.Trigger, c.PreviousCase, c.State)
				}
				// The provider sees the re-review, not the report behind it.
				pv := e.view(t, "provider1", v.Case)
				b, _ := json.Marshal(pv)
				if strings.Contains(string(b), secret) || strings.Contains(string(b), named.Receipt) || strings.Contains(string(b), "wang@") {
					t.Errorf("the provider's view of the re-review tells of the report: %s", b)
				}
				if e.rows(t, "cases") != cases+1 {
					t.Error("the re-review is not one new case")
				}
				// The office finds each report from its case.
				for number, want := range map[string]string{"CSR-2026-0003": anon.Receipt, v.Case: named.Receipt} {
					list, err := items(e.s.Reports(e.ctx, office, store.PublicReportFilter{Case: number}))
					if err != nil || len(list) != 1 || list[0].Receipt != want {
						t.Errorf("reports of %s: %+v %v", number, list, err)
					}
				}
			})
		})
	}
}
