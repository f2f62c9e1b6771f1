package i18n

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"

	"shencha/internal/review"
)

func TestEveryLocaleHasEveryKey(t *testing.T) {
	for _, a := range Locales {
		for _, b := range Locales {
			for _, k := range Keys(a) {
				if !Has(b, k) {
					t.Errorf("locale %s lacks key %q (present in %s)", b, k, a)
				}
			}
		}
	}
}

func TestEveryErrorCodeHasAMessage(t *testing.T) {
	for _, code := range review.ErrorCodes {
		for _, l := range Locales {
			if !Has(l, "error."+code) {
				t.Errorf("locale %s has no message for error code %q", l, code)
			}
		}
	}
}

// Every notice the store may leave has its message: the in-app text and
// the e-mail's subject are rendered from it at read time.
func TestEveryNoticeHasAMessage(t *testing.T) {
	for _, code := range review.NoticeCodes {
		for _, l := range Locales {
			if !Has(l, "notify."+code) {
				t.Errorf("locale %s has no message for notice %q", l, code)
			}
		}
	}
}

func TestT(t *testing.T) {
	got := T("en", "error.field_required", map[string]string{"field": "reason"})
	if got != "reason is required." {
		t.Errorf("en: %q", got)
	}
	got = T("zh-CN", "error.field_required", map[string]string{"field": "reason"})
	if got != "reason 为必填项。" {
		t.Errorf("zh-CN: %q", got)
	}
	if T("en", "no.such.key", nil) != "no.such.key" {
		t.Error("missing key should render as itself")
	}
}

func TestFromRequest(t *testing.T) {
	cases := []struct{ query, accept, want string }{
		{"", "", "zh-CN"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"", "fr-FR", "zh-CN"},
		{"lang=en", "zh-CN", "en"},
		{"lang=zh", "en", "zh-CN"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/?"+c.query, nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := FromRequest(r); got != c.want {
			t.Errorf("query %q accept %q: got %s want %s", c.query, c.accept, got, c.want)
		}
	}
	if !slices.Contains(Locales, "en") {
		t.Fatal("English must be supported")
	}
}

// A key written twice in a locale file would silently keep only its last
// message (encoding/json does not complain), so the files are read token
// by token here.
func TestNoKeyTwice(t *testing.T) {
	for _, l := range Locales {
		b, err := files.ReadFile("messages/" + l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			var v string
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%s: %v: %v", l, k, err)
			}
			if seen[k.(string)] {
				t.Errorf("locale %s has key %q twice", l, k)
			}
			seen[k.(string)] = true
		}
	}
}
