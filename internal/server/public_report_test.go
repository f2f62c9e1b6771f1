package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// pngFile is the start of a PNG picture, enough to be recognised as one.
var pngFile = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 200)...)

// part is one part of a multipart form: a text field, or a file when name is set.
type part struct{ field, value, name string }

// multipartReport posts a report's form as a browser sends it.
func (e *env) multipartReport(parts []part, files map[string][]byte) (int, []byte) {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		if p.name == "" {
			mw.WriteField(p.field, p.value)
			continue
		}
		w, _ := mw.CreateFormFile(p.field, p.name)
		w.Write(files[p.name])
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.url+"/api/v1/reports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// blobs counts the files in the blob store.
func (e *env) blobs() int {
	e.t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(e.dir, "blobs", "sha256"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// reportCount counts the stored reports.
func (e *env) reportCount() int {
	var n int
	e.s.DB().QueryRow(`SELECT COUNT(*) FROM public_reports`).Scan(&n)
	return n
}

func TestReportsOverAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			router := "product:" + itoa(e.f.Router.ID)
			fields := []part{{field: "about", value: router}, {field: "subject", value: "firmware 3.1.0"},
				{field: "description", value: "The router opens an undeclared remote shell."}, {field: "contact_email", value: "li@example.cn"}}

			// A report with a picture, over multipart, as the web page sends it.
			code, body := e.multipartReport(append(fields, part{field: "file", name: "shell.png"}), map[string][]byte{"shell.png": pngFile})
			var rc store.ReportReceipt
			json.Unmarshal(body, &rc)
			if code != 201 || rc.Receipt == "" || rc.Code == "" {
				t.Fatalf("file with a picture: %d %s", code, body)
			}
			// An anonymous one over JSON.
			var anon store.ReportReceipt
			if code := e.do("", "POST", "/api/v1/reports", review.NewReport{ProviderOrgID: e.f.Orgs["provider2"].ID, Description: "Users' data leaves the country."}, &anon); code != 201 {
				t.Fatalf("file over JSON: %d", code)
			}

			t.Run("Status", func(t *testing.T) {
				var st store.PublicReportStatus
				if code := e.do("", "GET", "/api/v1/reports/status?receipt="+rc.Receipt+"&code="+rc.Code, nil, &st); code != 200 || st.Status != review.ReportReceived {
					t.Fatalf("status: %d %+v", code, st)
				}
				wrongCode, wrong := e.send("", "GET", "/api/v1/reports/status?receipt="+rc.Receipt+"&code="+anon.Code, nil, "en")
				noneCode, none := e.send("", "GET", "/api/v1/reports/status?receipt=JB-2026-ZZZZZZZZ&code="+anon.Code, nil, "en")
				if wrongCode != 404 || noneCode != 404 || !bytes.Equal(wrong, none) {
					t.Errorf("a wrong code (%d %s) and an unknown receipt (%d %s) must answer alike", wrongCode, wrong, noneCode, none)
				}
			})

			var list struct{ Items []store.ReportSummary }
			if code := e.do("office", "GET", "/api/v1/reports", nil, &list); code != 200 || len(list.Items) != 2 {
				t.Fatalf("office list: %d %+v", code, list)
			}
			id := list.Items[0].ID
			var v store.ReportView
			if code := e.do("office", "GET", "/api/v1/reports/"+itoa(id), nil, &v); code != 200 || v.Contact.Email != "li@example.cn" || len(v.Attachments) != 1 {
				t.Fatalf("office read: %d %+v", code, v)
			}

			t.Run("OfficeDownloadsTheFile", func(t *testing.T) {
				req, _ := http.NewRequest("GET", e.url+"/api/v1/reports/"+itoa(id)+"/files/"+itoa(v.Attachments[0].ID), nil)
				req.Header.Set("Authorization", "Bearer "+e.token("office"))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				sum := sha256.Sum256(pngFile)
				if resp.StatusCode != 200 || !bytes.Equal(got, pngFile) || resp.Header.Get("X-Content-SHA256") != "sha256:"+hex.EncodeToString(sum[:]) {
					t.Errorf("download: %d, %d bytes, %q", resp.StatusCode, len(got), resp.Header.Get("X-Content-SHA256"))
				}
				if v.Attachments[0].ContentType != "image/png" {
					t.Errorf("content type %q, want the recognised image/png", v.Attachments[0].ContentType)
				}
			})

			t.Run("OthersMayNotRead", func(t *testing.T) {
				paths := []string{"/api/v1/reports", "/api/v1/reports/" + itoa(id), "/api/v1/reports/" + itoa(id) + "/files/" + itoa(v.Attachments[0].ID)}
				for _, who := range []string{"provider1", "provider2", "lab1", "expert1", "committee", "admin", "procurer", "ciio"} {
					for _, p := range paths {
						code, body := e.send(who, "GET", p, nil, "en")
						if code != 403 || strings.Contains(string(body), "li@example.cn") || strings.Contains(string(body), "remote shell") {
							t.Errorf("%s GET %s: %d %s", who, p, code, body)
						}
					}
					if code := e.do(who, "POST", "/api/v1/reports/"+itoa(id)+"/triage", review.Triage{Action: review.TriageDismiss, Reason: "no"}, nil); code != 403 {
						t.Errorf("%s triages: %d", who, code)
					}
				}
				for _, p := range paths {
					if code, _ := e.send("", "GET", p, nil, "en"); code != 401 {
						t.Errorf("anonymous GET %s: %d", p, code)
					}
				}
				// The sector regulator: a report outside its sector does not exist for it.
				if code := e.do("finance-regulator", "GET", "/api/v1/reports/"+itoa(id), nil, nil); code != 404 {
					t.Errorf("finance regulator reads a report outside its sector: %d", code)
				}
			})

			t.Run("BadInputStoresNothing", func(t *testing.T) {
				blobs, reports := e.blobs(), e.reportCount()
				exe := append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 100)...)
				big := append(append([]byte{}, pngFile...), bytes.Repeat([]byte{1}, 1<<20)...) // over the test server's 1 MiB limit
				desc := part{field: "description", value: "Something long enough."}
				for _, c := range []struct {
					name  string
					parts []part
					files map[string][]byte
					code  int
					field string
				}{
					{"unknown product, with a file", []part{{field: "about", value: "product:99999"}, desc, {field: "file", name: "a.png"}},
						map[string][]byte{"a.png": pngFile}, 400, "product_id"},
					{"no description, with a file", []part{{field: "about", value: router}, {field: "file", name: "a.png"}},
						map[string][]byte{"a.png": pngFile}, 400, "description"},
					{"a program", []part{{field: "about", value: router}, desc, {field: "file", name: "tool.exe"}},
						map[string][]byte{"tool.exe": exe}, 400, "files"},
					{"a good file, then one too large", []part{{field: "about", value: router}, desc, {field: "file", name: "new.png"}, {field: "file", name: "big.png"}},
						map[string][]byte{"new.png": append([]byte("\x89PNG\r\n\x1a\nfresh"), pngFile...), "big.png": big}, 413, "files"},
					{"text after a file", []part{{field: "about", value: router}, desc, {field: "file", name: "new.png"}, {field: "subject", value: "late"}},
						map[string][]byte{"new.png": append([]byte("\x89PNG\r\n\x1a\nfresh"), pngFile...)}, 400, "subject"},
					{"a bad subject reference", []part{{field: "about", value: "case:1"}, desc}, nil, 400, "about"},
				} {
					code, body := e.multipartReport(c.parts, c.files)
					var ed errDoc
					json.Unmarshal(body, &ed)
					if code != c.code || ed.Error.Field != c.field || ed.Error.Message == "" {
						t.Errorf("%s: %d %s, want %d on %s", c.name, code, body, c.code, c.field)
					}
				}
				if e.blobs() != blobs || e.reportCount() != reports {
					t.Errorf("refused reports left %d files and %d reports behind", e.blobs()-blobs, e.reportCount()-reports)
				}
				if code, body := e.send("", "POST", "/api/v1/reports", map[string]any{"subject": "x", "description": "long enough text", "reporter": "me"}, "en"); code != 400 || !strings.Contains(string(body), "reporter") {
					t.Errorf("an unknown JSON field: %d %s", code, body)
				}
			})

			t.Run("ASharedFileStays", func(t *testing.T) {
				// The same bytes as a case's material: a refused report must not take them away.
				var c caseDoc
				e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}}, &c)
				shared := append([]byte("\x89PNG\r\n\x1a\nshared"), pngFile...)
				e.upload("provider1", c.Number, "shared.png", shared)
				blobs := e.blobs()
				big := append(append([]byte{}, pngFile...), bytes.Repeat([]byte{2}, 1<<20)...)
				code, _ := e.multipartReport([]part{{field: "about", value: router}, {field: "description", value: "Something long enough."},
					{field: "file", name: "shared.png"}, {field: "file", name: "big.png"}}, map[string][]byte{"shared.png": shared, "big.png": big})
				if code != 413 || e.blobs() != blobs {
					t.Fatalf("refused: %d; files %d → %d", code, blobs, e.blobs())
				}
				var cv caseDoc
				e.do("provider1", "GET", "/api/v1/cases/"+c.Number, nil, &cv)
				req, _ := http.NewRequest("GET", e.url+"/api/v1/cases/"+c.Number+"/materials/"+itoa(cv.Materials[0].ID), nil)
				req.Header.Set("Authorization", "Bearer "+e.token("provider1"))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !bytes.Equal(got, shared) {
					t.Errorf("the case's material is gone: %d, %d bytes", resp.StatusCode, len(got))
				}

				// The office links the report to that case; the reporter sees it.
				var tv store.ReportView
				if code := e.do("office", "POST", "/api/v1/reports/"+itoa(id)+"/triage", review.Triage{Action: review.TriageLink, Case: c.Number, Reason: "Taken into the review."}, &tv); code != 200 || tv.Status != review.ReportLinked {
					t.Fatalf("triage: %d %+v", code, tv)
				}
				var linked struct{ Items []store.ReportSummary }
				if code := e.do("office", "GET", "/api/v1/reports?case="+c.Number, nil, &linked); code != 200 || len(linked.Items) != 1 || linked.Items[0].ID != id {
					t.Errorf("the case's reports: %d %+v", code, linked)
				}
				var st store.PublicReportStatus
				e.do("", "GET", "/api/v1/reports/status?receipt="+rc.Receipt+"&code="+rc.Code, nil, &st)
				if st.Status != review.ReportLinked || st.Reason != "Taken into the review." || strings.Contains(st.Reason, c.Number) {
					t.Errorf("the reporter reads %+v", st)
				}
			})
		})
	}
}

// TestReportsPerHour: a client files only so many reports an hour; the
// register's own limit is not touched by it.
func TestReportsPerHour(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	srv, err := server.New(server.Config{Store: e.s, Blobs: nil, Rates: server.Rates{Anonymous: 20, Session: 50, Token: 2000, ReportsPerHour: 2}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	e.url = ts.URL
	in := review.NewReport{Subject: "a router", Description: "It calls home to an unknown server."}
	for i := range 3 {
		code, body := e.send("", "POST", "/api/v1/reports", in, "en")
		want := 201
		if i == 2 {
			want = 429
		}
		if code != want {
			t.Fatalf("report %d: %d %s", i+1, code, body)
		}
	}
	// A signed-in user files as the public: the same address, the same limit.
	if code, _ := e.send("office", "POST", "/api/v1/reports", in, "en"); code != 429 {
		t.Errorf("signed in: %d", code)
	}
	if code, _ := e.send("", "GET", "/api/v1/reports/status?receipt=JB-2026-00000000&code=000000000000", nil, "en"); code != 404 {
		t.Errorf("the status is not limited by filings: %d", code)
	}
}

// TestReportsPagedOverAPI: the office pages through the reports with the
// next_cursor of each answer, filters kept; the last page has none.
func TestReportsPagedOverAPI(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	ctx, office := t.Context(), e.f.Actors["office"]
	// Filed through the store: the server's limit per client is not what
	// this test is about.
	for i := range 11 {
		if _, err := e.s.FileReport(ctx, review.NewReport{Subject: "a router", Description: "Report " + itoa(int64(i)) + " of the paging test."}, nil); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.s.Reports(ctx, office, store.PublicReportFilter{Limit: store.MaxReportList})
	if err != nil || len(all.Items) != 11 || all.Next != "" {
		t.Fatalf("the whole list: %+v %v", all, err)
	}
	for _, r := range all.Items[2:5] {
		if _, err := e.s.TriageReport(ctx, office, r.ID, review.Triage{Action: review.TriageDismiss, Reason: "Nothing to check."}); err != nil {
			t.Fatal(err)
		}
	}

	// page reads the list as the API gives it, a page of limit at a time,
	// and returns the ids and the pages' sizes.
	page := func(query string, limit int) (ids []int64, sizes []int) {
		t.Helper()
		cursor := ""
		for range 20 {
			path := "/api/v1/reports?limit=" + itoa(int64(limit)) + query
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			code, body := e.send("office", "GET", path, nil, "en")
			var doc struct {
				Items  *[]store.ReportSummary
				Cursor *string `json:"next_cursor"`
			}
			if err := json.Unmarshal(body, &doc); code != 200 || err != nil || doc.Items == nil {
				t.Fatalf("GET %s: %d %s", path, code, body)
			}
			for _, r := range *doc.Items {
				ids = append(ids, r.ID)
			}
			sizes = append(sizes, len(*doc.Items))
			if doc.Cursor == nil {
				return ids, sizes
			}
			if *doc.Cursor == "" {
				t.Fatalf("GET %s: an empty next_cursor: %s", path, body)
			}
			cursor = *doc.Cursor
		}
		t.Fatal("the pages do not end")
		return nil, nil
	}
	want, err := e.s.Reports(ctx, office, store.PublicReportFilter{Limit: store.MaxReportList})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(list []store.ReportSummary, keep func(store.ReportSummary) bool) []int64 {
		var out []int64
		for _, r := range list {
			if keep(r) {
				out = append(out, r.ID)
			}
		}
		return out
	}
	got, sizes := page("", 4)
	if w := ids(want.Items, func(store.ReportSummary) bool { return true }); !slices.Equal(got, w) || !slices.Equal(sizes, []int{4, 4, 3}) {
		t.Errorf("paged by 4: %v in pages of %v, want %v", got, sizes, w)
	}
	// 8 received, by 4: the second page ends the list, with no cursor.
	got, sizes = page("&status=received", 4)
	if w := ids(want.Items, func(r store.ReportSummary) bool { return r.Status == review.ReportReceived }); !slices.Equal(got, w) || !slices.Equal(sizes, []int{4, 4}) {
		t.Errorf("the received paged by 4: %v in pages of %v, want %v", got, sizes, w)
	}
	got, _ = page("&status=dismissed", 2)
	if w := ids(want.Items, func(r store.ReportSummary) bool { return r.Status == review.ReportDismissed }); !slices.Equal(got, w) || len(w) != 3 {
		t.Errorf("the dismissed paged by 2: %v, want %v", got, w)
	}

	for _, c := range []string{"nonsense", "cjE", "%21%21"} {
		code, body := e.send("office", "GET", "/api/v1/reports?cursor="+c, nil, "en")
		var doc errDoc
		json.Unmarshal(body, &doc)
		if code != 400 || doc.Error.Field != "cursor" {
			t.Errorf("cursor %q: %d %s", c, code, body)
		}
	}
}
