// Package i18n renders shencha's messages in Simplified Chinese (the
// default) and English. Messages live in embedded JSON files, one per
// locale, with {name} placeholders; a test checks every locale has every key.
package i18n

import (
	"embed"
	"encoding/json"
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

//go:embed messages/*.json
var files embed.FS

// Locales are the supported locales; the first is the default.
var Locales = []string{"zh-CN", "en"}

var (
	catalog = map[string]map[string]string{}
	matcher = language.NewMatcher([]language.Tag{language.MustParse("zh-CN"), language.English})
)

func init() {
	for _, l := range Locales {
		b, err := files.ReadFile("messages/" + l + ".json")
		if err != nil {
			panic("i18n: " + err.Error())
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic("i18n: " + l + ": " + err.Error())
		}
		catalog[l] = m
	}
}

// Keys returns the keys of a locale.
func Keys(locale string) []string {
	var out []string
	for k := range catalog[locale] {
		out = append(out, k)
	}
	return out
}

// Has reports whether the locale has a key.
func Has(locale, key string) bool { _, ok := catalog[locale][key]; return ok }

// T renders key in locale with params; a missing key renders as the key, so
// a gap shows rather than breaks (and the locale test fails on it).
func T(locale, key string, params map[string]string) string {
	msg, ok := catalog[locale][key]
	if !ok {
		msg, ok = catalog[Locales[0]][key]
	}
	if !ok {
		return key
	}
	if strings.IndexByte(msg, '{') < 0 {
		return msg
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// FromRequest picks the caller's locale: ?lang=, then the "lang" cookie,
// then Accept-Language; Chinese when nothing matches.
func FromRequest(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		return Match(l)
	}
	if c, err := r.Cookie("lang"); err == nil {
		return Match(c.Value)
	}
	return Match(r.Header.Get("Accept-Language"))
}

// Match maps an Accept-Language value or a tag to a supported locale.
func Match(accept string) string {
	if accept == "" {
		return Locales[0]
	}
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(tags) == 0 {
		return Locales[0]
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Locales[0]
	}
	return Locales[i]
}
