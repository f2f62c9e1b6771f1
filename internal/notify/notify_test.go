package notify

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shencha/internal/review"
)

// TestSign checks the signature against one computed apart from Go:
// echo -n '1700000000.{"id":"evt_7"}' | openssl dgst -sha256 -hmac whsec_test
func TestSign(t *testing.T) {
	const want = "sha256=92ccda8f59ac14a6d50b0ed378ccbc847d73a6982994780110f8ae23252ee2b7"
	if got := Sign("whsec_test", 1700000000, []byte(`{"id":"evt_7"}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if Sign("whsec_test", 1700000001, []byte(`{"id":"evt_7"}`)) == want || Sign("whsec_other", 1700000000, []byte(`{"id":"evt_7"}`)) == want {
		t.Error("the signature does not bind the timestamp and the secret")
	}
}

func TestInternal(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "fe80::1": true, "fd00::1": true, "0.0.0.0": true, "100.64.0.1": true,
		"::ffff:127.0.0.1": true, "224.0.0.1": true,
		"8.8.8.8": false, "202.108.22.5": false, "2400:da00::6666": false,
	} {
		if got := Internal(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Internal(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://erp.example.cn/shencha": true,
		"http://202.108.22.5:8080/hook":  true,
		"http://127.0.0.1:9000/hook":     false,
		"http://[::1]/hook":              false,
		"http://localhost/hook":          false,
		"http://api.localhost./hook":     false,
		"http://169.254.169.254/latest":  false,
		"http://10.0.0.8/hook":           false,
	} {
		err := CheckURL(url, false)
		if ok != (err == nil) {
			t.Errorf("CheckURL(%s) = %v, want ok %v", url, err, ok)
		}
		if err != nil && (review.KindOf(err) != review.KindInvalid || err.(*review.Error).Field != "url") {
			t.Errorf("CheckURL(%s): %v, want an invalid url field", url, err)
		}
		if err := CheckURL(url, true); err != nil {
			t.Errorf("CheckURL(%s) with private addresses allowed: %v", url, err)
		}
	}
}

// TestDeliver sends to a receiver on the loopback: refused by a sender
// that keeps to public addresses, received and verifiable by one allowed
// private addresses.
func TestDeliver(t *testing.T) {
	var hits atomic.Int32
	var got http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		got = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	ctx := context.Background()
	payload := []byte(`{"id":"evt_9","status":"suspended"}`)

	code, err := NewHooks(false).Deliver(ctx, srv.URL, "whsec_x", "evt_9", payload)
	if err == nil || code != 0 || !strings.Contains(err.Error(), "not a public address") || hits.Load() != 0 {
		t.Fatalf("delivery to the loopback: %d %v, %d requests; want it refused before connecting", code, err, hits.Load())
	}

	h := NewHooks(true)
	h.Now = func() time.Time { return time.Unix(1700000000, 0) }
	if code, err := h.Deliver(ctx, srv.URL, "whsec_x", "evt_9", payload); err != nil || code != 204 {
		t.Fatalf("delivery: %d %v", code, err)
	}
	if got.Get("X-Shencha-Timestamp") != "1700000000" || got.Get("X-Shencha-Event") != "evt_9" || string(body) != string(payload) ||
		got.Get("X-Shencha-Signature") != Sign("whsec_x", 1700000000, payload) || got.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v body %s", got, body)
	}

	// A redirect is not followed (it could lead anywhere) and counts as a failure.
	redirect := httptest.NewServer(http.RedirectHandler(srv.URL, http.StatusFound))
	defer redirect.Close()
	before := hits.Load()
	if code, err := h.Deliver(ctx, redirect.URL, "whsec_x", "evt_9", payload); err == nil || code != http.StatusFound || hits.Load() != before {
		t.Errorf("redirect: %d %v; want a failure without following it", code, err)
	}
}

func TestText(t *testing.T) {
	p := map[string]string{"case": "CSR-2026-0001", "state": "screening"}
	if got := Text("en", "case_state", p); got != "Case CSR-2026-0001 is now screening." {
		t.Errorf("en: %q", got)
	}
	if got := Text("zh-CN", "case_state", p); !strings.Contains(got, "CSR-2026-0001") || strings.Contains(got, "screening") {
		t.Errorf("zh-CN: %q (the state's name must be translated too)", got)
	}
	d := map[string]string{"case": "CSR-2026-0003", "clock": "determination", "deadline": "2026-03-16", "days": "3"}
	if got := Text("en", "deadline", d); got != "Case CSR-2026-0003: the determination clock ends on 2026-03-16 (3 working days left)." {
		t.Errorf("deadline: %q", got)
	}
}

// TestCompose reads a composed message back as a mail reader would.
func TestCompose(t *testing.T) {
	from, _ := mail.ParseAddress("shencha <noreply@review.example.cn>")
	to, _ := mail.ParseAddress("ops@grid.example.cn")
	m := Email("ops@grid.example.cn", "zh-CN", "case_state", map[string]string{"case": "CSR-2026-0001", "state": "published"}, "/cases/CSR-2026-0001", "https://review.example.cn/")
	m.Subject += "\r\nBcc: attacker@example.com"
	raw := compose(from, to, m, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Header["Bcc"]) != 0 {
		t.Error("a line break in the subject made a header")
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.HasPrefix(subject, "【网络安全审查】案件 CSR-2026-0001") {
		t.Errorf("subject %q %v", subject, err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil || !strings.Contains(string(b), "https://review.example.cn/cases/CSR-2026-0001") || !strings.Contains(string(b), "已公布") {
		t.Errorf("body %q %v", b, err)
	}
	if msg.Header.Get("Content-Language") != "zh-CN" || msg.Header.Get("Auto-Submitted") != "auto-generated" || !strings.HasSuffix(msg.Header.Get("Message-ID"), "@review.example.cn>") {
		t.Errorf("headers %v", msg.Header)
	}
}
