package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shencha/internal/signature"
)

// answer posts the case page's answer form as a browser without
// JavaScript would: the text, the label, then the file (none when name is
// empty).
func (c *client) answer(number, summary, name string, content []byte) (int, string) {
	c.t.Helper()
	code, _, body := c.multipart("/cases/"+number+"/answer", []string{"summary", summary, "label", "confidential"}, "file", name, content, "Accept-Language", "en")
	return code, body
}

func TestSupplementAnswer(t *testing.T) {
	base := startServerWith(t, 1<<10) // a small upload limit, to see a refused file
	const number = "CSR-2026-0002"
	office := newClient(t, base)
	office.login("office")
	if code, _, body := office.do("POST", "/cases/"+number+"/actions/request_supplement", url.Values{"items": {"Source code escrow agreement."}}); code != http.StatusSeeOther {
		t.Fatalf("request: %d %s", code, body)
	}
	provider := newClient(t, base)
	provider.login("provider1")
	page := func(c *client) string {
		_, _, body := c.do("GET", "/cases/"+number, nil, "Accept-Language", "en")
		return body
	}

	t.Run("RequestShownWithItsForm", func(t *testing.T) {
		_, _, portal := provider.do("GET", "/products", nil)
		if !strings.Contains(portal, `id="open-requests"`) || !strings.Contains(portal, "Source code escrow agreement.") {
			t.Errorf("the portal does not list the open request:\n%s", portal)
		}
		body := page(provider)
		if !strings.Contains(body, `id="answer-form"`) || !strings.Contains(body, "Source code escrow agreement.") {
			t.Fatalf("no answer form:\n%s", body)
		}
		// The lab sees the request, but the answer is not its to give.
		lab := newClient(t, base)
		lab.login("lab1")
		if body := page(lab); !strings.Contains(body, "Source code escrow agreement.") || strings.Contains(body, `id="answer-form"`) {
			t.Error("the lab's page: request missing or answer form offered")
		}
	})

	t.Run("ErrSummaryRequiredStoresNothing", func(t *testing.T) {
		code, body := provider.answer(number, "  ", "escrow.pdf", []byte("%PDF-1.7"))
		if code != http.StatusBadRequest || !strings.Contains(body, `id="answer-error"`) || !strings.Contains(body, "Summary is required") {
			t.Fatalf("%d %s", code, body)
		}
		if !regexp.MustCompile(`id="answer-summary"[^>]*aria-invalid="true"`).MatchString(body) {
			t.Error("the text input is not marked invalid")
		}
		if strings.Contains(page(office), "escrow.pdf") {
			t.Error("the file of a refused answer was stored")
		}
	})

	t.Run("ErrFileTooLargeKeepsTheText", func(t *testing.T) {
		code, body := provider.answer(number, "Escrow agreement attached.", "escrow.pdf", bytes.Repeat([]byte("x"), 4<<10))
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, `id="answer-error"`) || !strings.Contains(body, "File:") ||
			!strings.Contains(body, ">Escrow agreement attached.</textarea>") {
			t.Fatalf("%d %s", code, body)
		}
		if body := page(office); strings.Contains(body, "escrow.pdf") || !strings.Contains(body, `id="case-state">awaiting supplement`) {
			t.Error("a refused file was stored or the answer taken")
		}
	})

	t.Run("NotForOthers", func(t *testing.T) {
		other := newClient(t, base)
		other.login("provider2")
		if code, body := other.answer(number, "x", "", nil); code != http.StatusNotFound || strings.Contains(body, "escrow") {
			t.Errorf("another provider: %d", code)
		}
		if code, _ := office.answer(number, "x", "", nil); code != http.StatusForbidden {
			t.Errorf("the office answering: %d", code)
		}
	})

	t.Run("Answered", func(t *testing.T) {
		code, body := provider.answer(number, "Escrow agreement attached.", "escrow.pdf", []byte("%PDF-1.7 escrow"))
		if code != http.StatusSeeOther {
			t.Fatalf("%d %s", code, body)
		}
		body = page(office)
		if !strings.Contains(body, `id="case-state">evaluation`) || !strings.Contains(body, `<p class="answer">Escrow agreement attached.</p>`) ||
			!regexp.MustCompile(`(?s)class="answer-files">\s*<li>escrow.pdf`).MatchString(body) {
			t.Errorf("the answered request:\n%s", body)
		}
		if strings.Contains(page(provider), `id="answer-form"`) {
			t.Error("the answer form is still offered")
		}
	})
}

var digestText = regexp.MustCompile(`id="commitment-digest">(sha256:[0-9a-f]{64})<`)

func TestCommitmentSection(t *testing.T) {
	base, f := startDemo(t, 0)
	const number = "CSR-2026-0002"
	provider := newClient(t, base)
	provider.login("provider1")
	_, _, body := provider.do("GET", "/cases/"+number, nil, "Accept-Language", "en")
	m := digestText.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `id="action-submit_commitment"`) {
		t.Fatalf("no commitment section:\n%s", body)
	}
	// The bytes offered for download are the ones whose digest is shown.
	code, h, draft := provider.do("GET", "/cases/"+number+"/commitment.json", nil)
	sum := sha256.Sum256([]byte(draft))
	if code != 200 || "sha256:"+hex.EncodeToString(sum[:]) != m[1] || !strings.Contains(h.Get("Content-Disposition"), "commitment-"+number+".json") {
		t.Fatalf("draft: %d %q, digest %x, page says %s", code, h.Get("Content-Disposition"), sum, m[1])
	}
	// Only the provider is asked to commit.
	office := newClient(t, base)
	office.login("office")
	if _, _, body := office.do("GET", "/cases/"+number, nil); strings.Contains(body, `id="commitment-digest"`) {
		t.Error("the office is shown the commitment to sign")
	}
	if code, _, _ := office.do("GET", "/cases/"+number+"/commitment.json", nil); code != http.StatusForbidden {
		t.Errorf("the office downloading the draft: %d", code)
	}

	// A signature by another key is refused in the form, and kept.
	bad := signature.Sign(f.Keys["provider2"], []byte(draft))
	code, _, body = provider.do("POST", "/cases/"+number+"/actions/submit_commitment", url.Values{"signature": {bad}}, "Accept-Language", "en")
	kept := regexp.MustCompile(`id="commitment-signature"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(body)
	if code != http.StatusBadRequest || !strings.Contains(body, `id="error-submit_commitment"`) || !strings.Contains(body, "does not verify over the canonical bytes") ||
		kept == nil || html.UnescapeString(kept[1]) != bad {
		t.Fatalf("a foreign signature: %d %s", code, body)
	}
	good := signature.Sign(f.Keys["provider1"], []byte(draft))
	if code, _, body := provider.do("POST", "/cases/"+number+"/actions/submit_commitment", url.Values{"signature": {good}}); code != http.StatusSeeOther {
		t.Fatalf("the provider's signature: %d %s", code, body)
	}
	_, _, body = provider.do("GET", "/cases/"+number, nil, "Accept-Language", "en")
	if !strings.Contains(body, `class="commitment-signed"`) || !strings.Contains(body, "signature valid") || strings.Contains(body, `id="action-submit_commitment"`) {
		t.Errorf("after signing:\n%s", body)
	}
}
