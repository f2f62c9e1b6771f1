package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
)

// reportPNG is the start of a PNG picture, enough to be recognised as one.
var reportPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a screenshot of the router's hidden shell")

var (
	receiptRE = regexp.MustCompile(`id="receipt-number">([^<]+)<`)
	codeRE    = regexp.MustCompile(`id="receipt-code">([^<]+)<`)
	reportRE  = regexp.MustCompile(`href="/public-reports/([0-9]+)"`)
)

// fileReport files a report from the page as an anonymous visitor and
// returns the receipt number and check code the page shows.
func fileReport(t *testing.T, base string, fields []string) (receipt, code string) {
	t.Helper()
	status, _, body := newClient(t, base).multipart("/report", fields, "file", "shell.png", reportPNG, en, "en")
	r, c := receiptRE.FindStringSubmatch(body), codeRE.FindStringSubmatch(body)
	if status != http.StatusCreated || r == nil || c == nil {
		t.Fatalf("file a report: %d %s", status, body)
	}
	return r[1], c[1]
}

func TestPublicReportPages(t *testing.T) {
	base, f := startDemo(t, 0)
	router := "product:" + strconv.FormatInt(f.Router.ID, 10)

	t.Run("LinkedFromTheRegisterAndResult", func(t *testing.T) {
		c := newClient(t, base)
		_, _, body := c.do("GET", "/register?product=HX-9000", nil, en, "en")
		if !strings.Contains(body, `href="/report?product=`+strconv.FormatInt(f.Router.ID, 10)+`"`) || !strings.Contains(body, `href="/report"`) {
			t.Errorf("the register does not link to the report page:\n%s", body)
		}
		_, _, body = c.do("GET", "/results/1", nil, en, "en")
		if !strings.Contains(body, `href="/report?product=`+strconv.FormatInt(f.Router.ID, 10)+`"`) {
			t.Errorf("the result page does not link to the report page")
		}
		// The link names the product as the report's subject.
		code, _, body := c.do("GET", "/report?product="+strconv.FormatInt(f.Router.ID, 10), nil, en, "en")
		if code != 200 || !strings.Contains(body, `value="`+router+`" checked`) || !strings.Contains(body, "Huaxin HX-9000 Core Router") {
			t.Errorf("the product is not chosen: %d\n%s", code, body)
		}
		// A search offers products and providers by name.
		_, _, body = c.do("GET", "/report?q=Lanyun", nil, en, "en")
		if !strings.Contains(body, "Lanyun Government Cloud") || !strings.Contains(body, `id="about-provider-`) {
			t.Errorf("the search finds no Lanyun products and provider:\n%s", body)
		}
	})

	t.Run("FileAndCheck", func(t *testing.T) {
		receipt, code := fileReport(t, base, []string{"about", router, "subject", "3.1.0", "description", "The router opens a hidden shell on port 2323."})
		if !strings.HasPrefix(receipt, "JB-2026-") || len(code) != 14 {
			t.Fatalf("receipt %q code %q", receipt, code)
		}
		c := newClient(t, base)
		status, _, body := c.do("POST", "/report/status", url.Values{"receipt": {receipt}, "code": {code}}, en, "en")
		if status != 200 || !strings.Contains(section(body, `id="status-value"`, "</span>"), "received") || strings.Contains(body, "hidden shell") {
			t.Errorf("status: %d\n%s", status, body)
		}
		status, _, body = c.do("POST", "/report/status", url.Values{"receipt": {receipt}, "code": {"AAAA-AAAA-AAAA"}}, en, "en")
		if status != 404 || !strings.Contains(pageError(body), "No report matches") || strings.Contains(body, `id="status-answer"`) {
			t.Errorf("a wrong code: %d\n%s", status, body)
		}
		status, _, unknown := c.do("POST", "/report/status", url.Values{"receipt": {"JB-2026-AAAAAAAA"}, "code": {"AAAA-AAAA-AAAA"}}, en, "en")
		if status != 404 || pageError(unknown) != pageError(body) {
			t.Errorf("an unknown receipt answers differently from a wrong code: %q vs %q", pageError(unknown), pageError(body))
		}
	})

	t.Run("RefusalKeepsWhatWasTyped", func(t *testing.T) {
		status, _, body := newClient(t, base).multipart("/report", []string{"about", router, "subject", "firmware 3.1.0", "description", "short",
			"contact_email", "wu@example.cn"}, "file", "shell.png", reportPNG, en, "en")
		if status != 400 || !strings.Contains(pageError(body), "What you observed") {
			t.Fatalf("a short description: %d %s", status, pageError(body))
		}
		for _, want := range []string{`value="firmware 3.1.0"`, `>short</textarea>`, `value="wu@example.cn"`, `value="` + router + `" checked`,
			`id="report-description" name="description" rows="8" required maxlength="10000" aria-describedby="report-description-hint page-error" aria-invalid="true"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %s", want)
			}
		}
		status, _, body = newClient(t, base).multipart("/report", []string{"about", router, "description", "A long enough description."}, "file", "tool.exe", []byte("MZ\x90\x00 a program"), en, "en")
		if status != 400 || !strings.Contains(body, `aria-describedby="report-files-hint page-error" aria-invalid="true"`) {
			t.Errorf("a program as a file: %d %s", status, pageError(body))
		}
	})

	t.Run("OfficeTriages", func(t *testing.T) {
		receipt, code := fileReport(t, base, []string{"about", router, "description", "Firmware calls an unknown server.", "contact_name", "Zhao", "contact_phone", "010 1234 5678"})
		office := signedIn(t, base, "office")
		_, _, body := office.do("GET", "/public-reports", nil, en, "en")
		if !strings.Contains(body, receipt) || !strings.Contains(body, `id="nav-publicreports"`) {
			t.Fatalf("the queue lacks %s:\n%s", receipt, body)
		}
		i := strings.Index(body, receipt)
		m := reportRE.FindAllStringSubmatch(body[:i+len(receipt)+2], -1)
		id := m[len(m)-1][1]
		status, _, page := office.do("GET", "/public-reports/"+id, nil, en, "en")
		if status != 200 || !strings.Contains(page, "Zhao") || !strings.Contains(page, "010 1234 5678") || !strings.Contains(page, `href="/api/v1/reports/`+id+`/files/`) {
			t.Fatalf("the report page: %d\n%s", status, page)
		}
		for _, a := range []string{"dismiss", "link", "re_review"} {
			if !strings.Contains(page, `id="triage-`+a+`"`) {
				t.Errorf("no %s choice", a)
			}
		}
		// A case the office does not have: refused, the reason kept.
		status, _, page = office.do("POST", "/public-reports/"+id+"/triage", url.Values{"action": {"link"}, "reason": {"Taken into the review."}, "case": {"CSR-2026-0999"}}, en, "en")
		if status != 400 || !strings.Contains(pageError(page), "Case to link to") || !strings.Contains(page, ">Taken into the review.</textarea>") ||
			!strings.Contains(page, `value="link" required checked`) {
			t.Fatalf("a link to no case: %d %s", status, pageError(page))
		}
		status, h, _ := office.do("POST", "/public-reports/"+id+"/triage", url.Values{"action": {"link"}, "reason": {"Taken into the review."}, "case": {"CSR-2026-0004"}}, en, "en")
		if status != http.StatusSeeOther || h.Get("Location") != "/public-reports/"+id+"#triage" {
			t.Fatalf("link: %d %q", status, h.Get("Location"))
		}
		_, _, page = office.do("GET", "/public-reports/"+id, nil, en, "en")
		if !strings.Contains(page, `id="report-case">CSR-2026-0004`) || strings.Contains(page, `id="triage-form"`) {
			t.Errorf("after the link:\n%s", page)
		}
		_, _, body = newClient(t, base).do("POST", "/report/status", url.Values{"receipt": {receipt}, "code": {code}}, en, "en")
		if !strings.Contains(section(body, `id="status-value"`, "</span>"), "taken into a review") || !strings.Contains(body, "Taken into the review.") || strings.Contains(body, "CSR-2026-0004") {
			t.Errorf("the reporter's status:\n%s", body)
		}

		// The office finds the report on the case; the provider, a party, does not.
		if _, _, page := office.do("GET", "/cases/CSR-2026-0004", nil, en, "en"); !strings.Contains(section(page, `id="case-report-list"`, "</ul>"), receipt) {
			t.Errorf("the office's case page does not list the report")
		}
		if _, _, page := signedIn(t, base, "provider1").do("GET", "/cases/CSR-2026-0004", nil, en, "en"); strings.Contains(page, receipt) || strings.Contains(page, "case-reports") {
			t.Errorf("the provider's case page tells of the report")
		}

		// Nobody else reads the queue or a report.
		for _, who := range []string{"provider1", "lab1", "expert1", "committee", "admin", "procurer"} {
			c := signedIn(t, base, who)
			for _, p := range []string{"/public-reports", "/public-reports/" + id} {
				if status, _, body := c.do("GET", p, nil, en, "en"); status != 403 || strings.Contains(body, "Zhao") {
					t.Errorf("%s GET %s: %d", who, p, status)
				}
			}
		}
		if status, _, _ := signedIn(t, base, "finance-regulator").do("GET", "/public-reports/"+id, nil); status != 404 {
			t.Errorf("the finance regulator reads a report outside its sector: %d", status)
		}
		if status, h, _ := newClient(t, base).do("GET", "/public-reports", nil); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("signed out: %d %q", status, h.Get("Location"))
		}
	})
}

// TestReportLeaksNothing files a report whose every field carries a
// marker, has the office open a re-review on it, then reads every page
// and API answer a person might reach as every demo user and as the
// public: the marker shows to the office only.
func TestReportLeaksNothing(t *testing.T) {
	base, f := startDemo(t, 0)
	const marker = "QX7MARKER"
	receipt, code := fileReport(t, base, []string{"about", "product:" + strconv.FormatInt(f.Router.ID, 10), "subject", "subject " + marker,
		"description", "description " + marker, "contact_name", "name " + marker, "contact_email", "x" + strings.ToLower(marker) + "@example.cn",
		"contact_phone", "+86 10 1111 2222"})
	office := signedIn(t, base, "office")
	_, _, body := office.do("GET", "/public-reports", nil)
	id := reportRE.FindStringSubmatch(body)[1]
	status, h, _ := office.do("POST", "/public-reports/"+id+"/triage", url.Values{"action": {"re_review"}, "reason": {"A re-review is open."},
		"summary": {"Re-review of the HX-9000 3.1.0's remote access."}})
	if status != http.StatusSeeOther {
		t.Fatalf("re-review: %d %q", status, h.Get("Location"))
	}
	_, _, page := office.do("GET", "/public-reports/"+id, nil)
	m := regexp.MustCompile(`id="report-case">(CSR-2026-[0-9]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no re-review case on the report:\n%s", page)
	}
	reReview := m[1]
	if page = html.UnescapeString(page); !strings.Contains(page, marker) || !strings.Contains(page, "+86 10 1111 2222") {
		t.Fatal("the office does not read the report: the test would prove nothing")
	}

	paths := []string{"/dashboard", "/work", "/intake", "/products", "/register?product=HX", "/results/1", "/cases/" + reReview, "/cases/CSR-2026-0001",
		"/public-reports", "/public-reports/" + id, "/report", "/report/status?receipt=" + receipt,
		"/api/v1/cases", "/api/v1/cases/" + reReview, "/api/v1/cases/CSR-2026-0001", "/api/v1/reports", "/api/v1/reports/" + id,
		"/api/v1/listings?purl=pkg:generic/huaxin/hx-9000@3.1.0", "/api/v1/rereview-flags", "/api/v1/overdue", "/api/v1/audit/verify"}
	users := []string{"", "provider1", "provider2", "lab1", "lab2", "expert1", "committee", "admin", "ciio", "cii", "procurer", "finance-regulator", "association"}
	for _, who := range users {
		c := newClient(t, base)
		if who != "" {
			c.login(who)
		}
		for _, p := range paths {
			_, _, body := c.do("GET", p, nil)
			body = html.UnescapeString(body)
			if strings.Contains(body, marker) || strings.Contains(strings.ToLower(body), strings.ToLower(marker)+"@") || strings.Contains(body, "1111 2222") {
				t.Errorf("%q reads the report's content at %s", who, p)
			}
		}
		// The status page, even with the right code, tells the status only.
		_, _, body := c.do("POST", "/report/status", url.Values{"receipt": {receipt}, "code": {code}})
		if strings.Contains(html.UnescapeString(body), marker) || !strings.Contains(body, `id="status-value"`) {
			t.Errorf("%q: the status page tells more than the status", who)
		}
	}
}

// TestPublicReportQueuePages: the office's queue shows a page of reports
// and a link to the next, which keeps the status filter; the next page
// lists the reports that follow, and the last page links to no other.
func TestPublicReportQueuePages(t *testing.T) {
	base, f, s := startDemoStore(t, 0)
	ctx, office := t.Context(), f.Actors["office"]
	// Filed through the store, past the page's 100: the limit per client
	// is not what this test is about.
	for i := range 104 {
		if _, err := s.FileReport(ctx, review.NewReport{Subject: "a router", Description: "Report " + strconv.Itoa(i) + " of the paging test."}, nil); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.Reports(ctx, office, store.PublicReportFilter{Limit: store.MaxReportList})
	if err != nil || len(list.Items) <= 100 {
		t.Fatalf("the whole list: %d %v", len(list.Items), err)
	}
	for _, r := range list.Items[:2] {
		if _, err := s.TriageReport(ctx, office, r.ID, review.Triage{Action: review.TriageDismiss, Reason: "Nothing to check."}); err != nil {
			t.Fatal(err)
		}
	}
	if list, err = s.Reports(ctx, office, store.PublicReportFilter{Limit: store.MaxReportList}); err != nil {
		t.Fatal(err)
	}
	var all, received []string
	for _, r := range list.Items {
		all = append(all, strconv.FormatInt(r.ID, 10))
		if r.Status == review.ReportReceived {
			received = append(received, strconv.FormatInt(r.ID, 10))
		}
	}
	nextRE := regexp.MustCompile(`<a href="([^"]+)" id="reports-next" rel="next">([^<]+)</a>`)
	c := signedIn(t, base, "office")
	// queue reads the queue from path to its last page, and returns the
	// reports listed, in order, and the pages read.
	queue := func(path, lang string) (ids []string, pages []string) {
		t.Helper()
		for range 10 {
			status, _, body := c.do("GET", path, nil, en, lang)
			if status != 200 {
				t.Fatalf("GET %s: %d %s", path, status, pageError(body))
			}
			pages = append(pages, body)
			for _, m := range reportRE.FindAllStringSubmatch(section(body, `id="reports-list"`, "</table>"), -1) {
				ids = append(ids, m[1])
			}
			m := nextRE.FindStringSubmatch(body)
			if m == nil {
				return ids, pages
			}
			path = html.UnescapeString(m[1])
		}
		t.Fatal("the pages do not end")
		return nil, nil
	}

	ids, pages := queue("/public-reports", "en")
	if !slices.Equal(ids, all) || len(pages) != 2 {
		t.Errorf("the queue in %d pages: %v, want %v", len(pages), ids, all)
	}
	if n := strings.Count(section(pages[0], `id="reports-list"`, "</table>"), "<tr>") - 1; n != 100 {
		t.Errorf("the first page lists %d reports", n)
	}
	if m := nextRE.FindStringSubmatch(pages[0]); m == nil || m[2] != "Next page" || strings.Contains(pages[0], `id="reports-first"`) {
		t.Errorf("the first page's links: %q", section(pages[0], `id="reports-pages"`, "</nav>"))
	}
	if !strings.Contains(pages[1], `<a href="/public-reports" id="reports-first">First page</a>`) {
		t.Errorf("the last page does not link to the first: %q", section(pages[1], `id="reports-pages"`, "</nav>"))
	}

	// The filter is kept from page to page, in Chinese too.
	ids, pages = queue("/public-reports?status=received", "zh-CN")
	if !slices.Equal(ids, received) || len(pages) != 2 {
		t.Errorf("the received in %d pages: %v, want %v", len(pages), ids, received)
	}
	m := nextRE.FindStringSubmatch(pages[0])
	if m == nil {
		t.Fatalf("the first page of the received has no next link")
	}
	if u, err := url.Parse(html.UnescapeString(m[1])); err != nil || u.Path != "/public-reports" || u.Query().Get("status") != "received" || u.Query().Get("cursor") == "" || m[2] != "下一页" {
		t.Errorf("the next link of the received: %q", m[0])
	}
	if !strings.Contains(pages[1], `<a href="/public-reports?status=received" id="reports-first">第一页</a>`) {
		t.Errorf("the last page of the received does not link to their first: %q", section(pages[1], `id="reports-pages"`, "</nav>"))
	}

	// A cursor the queue did not give: refused, naming it.
	if status, _, body := c.do("GET", "/public-reports?cursor=nonsense", nil, en, "en"); status != 400 || !strings.Contains(body, "cursor") {
		t.Errorf("a bad cursor: %d %s", status, pageError(body))
	}
}
