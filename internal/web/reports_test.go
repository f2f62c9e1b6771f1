package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"shencha/internal/calendar"
)

// confidentialTexts are texts of the demo's reviews that no public report
// may show: a finding's rationale, expert opinions, a decision's reasons.
var confidentialTexts = []string{"Checked on the sample", "Undeclared remote access", "Fix the finding within six months", "One high-severity criterion"}

// TestReportPages: the office drafts a report from the list page (a bad
// period refused in the form, named by its label, with what was typed
// kept), reads the draft no one else can, and publishes it; then everyone
// reads it and its PDFs, whose digests the page shows. Others get neither
// the form nor the button, and are refused if they post.
func TestReportPages(t *testing.T) {
	base := startServer(t)
	as := func(user string) *client {
		c := newClient(t, base)
		if user != "" {
			c.login(user)
		}
		return c
	}
	anon, office, provider := as(""), as("office"), as("provider1")

	code, _, body := anon.do("GET", "/reports", nil, "Accept-Language", "en")
	if code != 200 || !strings.Contains(body, "No report has been published yet") || strings.Contains(body, `id="draft-report"`) || !strings.Contains(body, `id="nav-reports"`) {
		t.Fatalf("the public list: %d %s", code, body)
	}
	if _, _, body := provider.do("GET", "/reports", nil); strings.Contains(body, `id="draft-report"`) {
		t.Error("the provider is offered the draft form")
	}
	_, _, body = office.do("GET", "/reports", nil, "Accept-Language", "en")
	m := regexp.MustCompile(`<option value="(\d+)">Huaxin Networks Co., Ltd.</option>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the office's draft form lists no provider1:\n%s", body)
	}
	today := calendar.DateOf(time.Now())
	form := url.Values{"provider_id": {m[1]}, "period_from": {today.AddDays(-30).String()}, "period_to": {"2099-12-31"}}
	if code, _, _ := provider.do("POST", "/reports", form); code != 403 {
		t.Errorf("the provider drafts: %d", code)
	}

	t.Run("RefusalNamesTheField", func(t *testing.T) {
		code, _, body := office.do("POST", "/reports", form, "Accept-Language", "en")
		msg := section(body, `id="error-draft"`, "</p>")
		if code != 400 || !strings.Contains(msg, "Period to") || !strings.Contains(body, `value="2099-12-31" aria-invalid="true"`) {
			t.Fatalf("a period ending in 2099: %d %q\n%s", code, msg, body)
		}
		if !strings.Contains(body, `<option value="`+m[1]+`" selected>`) {
			t.Error("the chosen provider was not kept")
		}
	})

	form.Set("period_to", today.String())
	code, hdr, _ := office.do("POST", "/reports", form)
	loc := hdr.Get("Location")
	if code != 303 || !strings.HasPrefix(loc, "/reports/") {
		t.Fatalf("draft: %d %q", code, loc)
	}
	id := strings.TrimPrefix(loc, "/reports/")

	t.Run("DraftIsTheOffices", func(t *testing.T) {
		code, _, body := office.do("GET", loc, nil, "Accept-Language", "en")
		if code != 200 || !strings.Contains(body, `id="publish-report"`) || !strings.Contains(body, "Huaxin HX-9000 Core Router") ||
			!strings.Contains(body, "CSR-2026-0006") || !strings.Contains(body, "Ship firmware 2.0.5") {
			t.Fatalf("the draft as the office: %d %s", code, body)
		}
		for _, c := range []*client{anon, provider} {
			if code, _, _ := c.do("GET", loc, nil); code != 404 {
				t.Errorf("another reads the draft: %d", code)
			}
		}
		if code, _, _ := provider.do("POST", loc+"/publish", url.Values{}); code != 403 {
			t.Errorf("the provider publishes: %d", code)
		}
		if code, hdr, _ := office.do("GET", "/api/v1/provider-reports/"+id+"/pdf?lang=en", nil); code != 200 || hdr.Get("X-Shencha-Draft") != "true" {
			t.Errorf("the office's preview: %d %v", code, hdr)
		}
	})

	if code, hdr, _ := office.do("POST", loc+"/publish", url.Values{}); code != 303 || hdr.Get("Location") != loc {
		t.Fatalf("publish: %d %v", code, hdr)
	}

	t.Run("PublishedForEveryone", func(t *testing.T) {
		for lang, want := range map[string][]string{
			"en":    {"Provider security assessment report", "3. Findings by risk area", "R1 Illegal control", "not yet due", "passed with conditions"},
			"zh-CN": {"三、各风险领域的评估结论", "尚未到期", "附条件通过"},
		} {
			code, _, body := anon.do("GET", loc, nil, "Accept-Language", lang)
			if code != 200 || strings.Contains(body, `id="publish-report"`) {
				t.Fatalf("%s: %d %s", lang, code, body)
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s page lacks %q", lang, w)
				}
			}
			for _, secret := range confidentialTexts {
				if strings.Contains(body, secret) {
					t.Errorf("%s page shows confidential text %q", lang, secret)
				}
			}
			digests := regexp.MustCompile(`<code class="digest">([0-9a-f]{64})</code>`).FindAllStringSubmatch(body, -1)
			if len(digests) != 2 {
				t.Fatalf("%s page shows %d digests", lang, len(digests))
			}
			code, hdr, pdf := anon.do("GET", "/api/v1/provider-reports/"+id+"/pdf?lang=en", nil)
			if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") ||
				(hdr.Get("X-Shencha-Document-SHA256") != digests[0][1] && hdr.Get("X-Shencha-Document-SHA256") != digests[1][1]) {
				t.Errorf("the English PDF: %d %v", code, hdr)
			}
		}
		_, _, body := anon.do("GET", "/reports", nil, "Accept-Language", "en")
		if list := section(body, `id="published-reports"`, "</table>"); !strings.Contains(list, `href="/reports/`+id+`"`) || !strings.Contains(list, "Huaxin Networks") {
			t.Errorf("the public list: %s", body)
		}
		if _, _, body := office.do("GET", "/reports", nil); strings.Contains(body, `id="publish-`+id+`"`) {
			t.Error("a published report is still offered for publication")
		}
	})

	t.Run("LetterLinks", func(t *testing.T) {
		for user, want := range map[string]bool{"provider1": true, "office": true} {
			_, _, body := as(user).do("GET", "/cases/CSR-2026-0001", nil)
			if strings.Contains(body, `id="letter-links"`) != want {
				t.Errorf("%s: letter links %v, want %v", user, !want, want)
			}
		}
		if _, _, body := office.do("GET", "/cases/CSR-2026-0004", nil); strings.Contains(body, `id="letter-links"`) {
			t.Error("an undecided case offers its letter")
		}
		code, hdr, pdf := provider.do("GET", "/api/v1/cases/CSR-2026-0001/letter.pdf?lang=zh-CN", nil)
		if code != 200 || !strings.HasPrefix(pdf, "%PDF-") || len(hdr.Get("X-Shencha-Document-SHA256")) != 64 {
			t.Errorf("the letter PDF: %d %v", code, hdr)
		}
	})
}
