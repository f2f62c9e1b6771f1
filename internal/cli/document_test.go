package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/document/pdftest"
)

// post sends a JSON body as the holder of token and decodes the answer.
func (e *verifyEnv) post(path, token, body string, out any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		e.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		e.t.Fatalf("POST %s: %v: %s", path, err, b)
	}
}

// TestVerifyDocument drafts and publishes the demo provider's report
// through the API, reads its PDFs' text in Chinese and English (pdftotext),
// and checks each file with `shencha verify --document` against the
// server and offline; a changed file fails. The decision letter's PDF
// verifies for a party only. The first pages are saved as PNG.
func TestVerifyDocument(t *testing.T) {
	e := newVerifyEnv(t)
	ctx := context.Background()
	office := e.token("office")
	shots := pdftest.Artifacts(t)
	var rep struct {
		ID        int64 `json:"id"`
		Documents []struct {
			Lang   string `json:"language"`
			SHA256 string `json:"sha256"`
		} `json:"documents"`
	}
	// The demo's results were published today.
	today := calendar.DateOf(time.Now())
	from, to := today.AddDays(-30).String(), today.String()
	e.post("/api/v1/provider-reports", office, `{"provider_id":`+strconv.FormatInt(e.f.Orgs["provider1"].ID, 10)+`,"period_from":"`+from+`","period_to":"`+to+`"}`, &rep)
	id := strconv.FormatInt(rep.ID, 10)
	e.post("/api/v1/provider-reports/"+id+"/publish", office, "", &rep)
	if len(rep.Documents) != 2 {
		t.Fatalf("published with documents %+v", rep.Documents)
	}
	if _, err := e.s.Sequence(ctx, 0); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"zh-CN", []string{"网络产品和服务提供者安全评估报告", "网络安全审查办公室", "Huaxin Networks Co., Ltd.", from + " 至 " + to,
			"Huaxin HX-9000 Core Router（核心网络设备）", "CSR-2026-0001", "附条件通过", "三、各风险领域的评估结论", "R1 被非法控制、干扰和中断运行",
			"Ship firmware 2.0.5", "尚未到期", "无公开审查结果", "五、收到的举报及处理情况"}},
		{"en", []string{"Security Assessment Report on a Provider of Network Products and Services", "Huaxin Networks Co., Ltd.",
			from + " to " + to, "Huaxin HX-S5700 Data Centre Switch", "passed with conditions", "3. Findings by risk area",
			"Illegal control, interference or interruption", "not yet due", "no public result", "5. Public reports received and how they were handled"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			pdf := e.get("/api/v1/provider-reports/"+id+"/pdf?lang="+tc.lang, "")
			text := pdftest.Text(t, pdf)
			for _, want := range tc.want {
				if !strings.Contains(flatText(text), flatText(want)) {
					t.Errorf("the %s report lacks %q:\n%s", tc.lang, want, text)
				}
			}
			for _, secret := range []string{"Checked on the sample", "Undeclared remote access", "Fix the finding within six months", "One high-severity criterion"} {
				if strings.Contains(text, secret) {
					t.Errorf("the %s report carries confidential text %q", tc.lang, secret)
				}
			}
			pdftest.FirstPage(t, pdf, shots, "pdf-demo-provider-report-"+tc.lang)
			file := e.save("report-"+tc.lang+".pdf", pdf)
			code, out, errs := shencha("verify", "--document", file, "--server", e.url, "--key", e.keys)
			if code != 0 || !strings.HasPrefix(out, "OK ") || !strings.Contains(out, "provider report "+id+" on Huaxin Networks Co., Ltd.") {
				t.Fatalf("verify --document: exit %d\n%s%s", code, out, errs)
			}
			// Offline, from the saved lookup.
			var sha string
			for _, d := range rep.Documents {
				if d.Lang == tc.lang {
					sha = d.SHA256
				}
			}
			saved := e.save("report-"+tc.lang+".json", e.get("/api/v1/documents/sha256:"+sha, ""))
			if code, out, errs := shencha("verify", "--document", file, saved, "--key", e.keys); code != 0 || !strings.HasPrefix(out, "OK ") {
				t.Fatalf("verify --document offline: exit %d\n%s%s", code, out, errs)
			}
			// One changed byte: the server knows no such file, and the
			// saved statement is about another.
			pdf[len(pdf)/2] ^= 1
			changed := e.save("changed-"+tc.lang+".pdf", pdf)
			if code, _, errs := shencha("verify", "--document", changed, "--server", e.url, "--key", e.keys); code == 0 || !strings.Contains(errs, "knows no document") {
				t.Errorf("a changed report verified via the server: exit %d %s", code, errs)
			}
			if code, out, _ := shencha("verify", "--document", changed, saved, "--key", e.keys); code == 0 || !strings.Contains(out, "FAIL") {
				t.Errorf("a changed report verified offline: exit %d %s", code, out)
			}
		})
	}

	t.Run("Letter", func(t *testing.T) {
		provider := e.token("provider1")
		for _, lang := range []string{"zh-CN", "en"} {
			pdf := e.get("/api/v1/cases/CSR-2026-0001/letter.pdf?lang="+lang, provider)
			text := pdftest.Text(t, pdf)
			want := map[string]string{"zh-CN": "网络安全审查决定", "en": "Passed the cybersecurity review"}[lang]
			if !strings.Contains(text, want) || !strings.Contains(text, "CSR-2026-0001") {
				t.Errorf("the %s letter lacks %q:\n%s", lang, want, text)
			}
			pdftest.FirstPage(t, pdf, shots, "pdf-demo-decision-letter-"+lang)
			if _, err := e.s.Sequence(ctx, 0); err != nil {
				t.Fatal(err)
			}
			file := e.save("letter-"+lang+".pdf", pdf)
			if code, _, _ := shencha("verify", "--document", file, "--server", e.url, "--key", e.keys); code == 0 {
				t.Error("a letter verified for a caller who is no party to it")
			}
			code, out, errs := shencha("verify", "--document", file, "--server", e.url, "--token", provider, "--key", e.keys)
			if code != 0 || !strings.Contains(out, "decision letter of case CSR-2026-0001") {
				t.Fatalf("verify --document letter: exit %d\n%s%s", code, out, errs)
			}
		}
	})
}

// flatText drops the whitespace pdftotext puts at line and cell breaks.
func flatText(s string) string { return strings.Join(strings.Fields(s), "") }
