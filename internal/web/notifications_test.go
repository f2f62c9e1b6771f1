package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var notificationID = regexp.MustCompile(`id="notification-(\d+)"`)

// TestNotificationsPage reads the provider's notifications left by the
// demo's cases, marks them read, and sets where e-mails go, all with plain
// forms (no JavaScript).
func TestNotificationsPage(t *testing.T) {
	base := startServer(t)
	c := newClient(t, base)
	c.login("provider1")
	get := func() string {
		t.Helper()
		code, _, body := c.do("GET", "/notifications", nil, "Accept-Language", "en")
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		return body
	}
	body := get()
	badge := regexp.MustCompile(`id="unread-badge">(\d+) unread<`).FindStringSubmatch(body)
	if badge == nil || !strings.Contains(body, `href="/notifications" id="nav-notifications"`) {
		t.Fatalf("no unread count in the header:\n%s", body)
	}
	if !strings.Contains(body, "Case CSR-2026-0001: the result has been published.") || !strings.Contains(body, `href="/cases/CSR-2026-0001"`) {
		t.Errorf("the published result of the provider's case is not listed:\n%s", body)
	}
	// Nothing about cases the provider has no part in (0003 and 0005 are provider2's).
	for _, other := range []string{"CSR-2026-0003", "CSR-2026-0005", "CSR-2026-0007"} {
		if strings.Contains(body, other) {
			t.Errorf("provider1 is told about %s", other)
		}
	}
	ids := notificationID.FindAllStringSubmatch(body, -1)
	if len(ids) == 0 || !strings.Contains(body, `action="/notifications/`+ids[0][1]+`/read"`) {
		t.Fatalf("no notification with its mark-read form:\n%s", body)
	}

	// Another user cannot mark it.
	lab := newClient(t, base)
	lab.login("lab1")
	if code, _, _ := lab.do("POST", "/notifications/"+ids[0][1]+"/read", url.Values{}); code != http.StatusNotFound {
		t.Errorf("lab1 marks provider1's notification: %d", code)
	}
	if code, h, _ := c.do("POST", "/notifications/"+ids[0][1]+"/read", url.Values{}); code != http.StatusSeeOther || h.Get("Location") != "/notifications" {
		t.Fatalf("mark read: %d %v", code, h)
	}
	body = get()
	if before := badge[1]; strings.Contains(body, `id="unread-badge">`+before+` unread<`) || strings.Contains(body, `id="notification-`+ids[0][1]+`" class="card unread"`) {
		t.Errorf("still %s unread, or the notification still unread:\n%s", before, body)
	}
	if code, _, _ := c.do("POST", "/notifications/read", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("mark all read: %d", code)
	}
	if body = get(); strings.Contains(body, "unread-badge") || !strings.Contains(body, "Unread: 0") || strings.Contains(body, `class="card unread"`) {
		t.Errorf("after marking all read:\n%s", body)
	}

	t.Run("Contact", func(t *testing.T) {
		code, _, body := c.do("POST", "/notifications/contact", url.Values{"email": {"security at huaxin"}, "lang": {"en"}}, "Accept-Language", "en")
		if code != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "email") || !strings.Contains(body, `value="security at huaxin"`) {
			t.Fatalf("refused address: %d\n%s", code, body)
		}
		code, h, _ := c.do("POST", "/notifications/contact", url.Values{"email": {"security@huaxin.example.cn"}, "lang": {"en"}})
		if code != http.StatusSeeOther || h.Get("Location") != "/notifications#contact" {
			t.Fatalf("save: %d %v", code, h)
		}
		body = get()
		if !strings.Contains(body, `value="security@huaxin.example.cn"`) || !strings.Contains(body, `<option value="en" selected>`) {
			t.Errorf("settings not shown as saved:\n%s", body)
		}
	})

	t.Run("SignedOut", func(t *testing.T) {
		code, h, _ := newClient(t, base).do("GET", "/notifications", nil)
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("%d %v", code, h)
		}
	})
}
