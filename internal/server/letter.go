package server

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
)

//go:embed letter.html
var letterHTML string

var letterTemplate = template.Must(template.New("letter").Funcs(template.FuncMap{"t": func(string) string { return "" }}).Parse(letterHTML))

// letterCSP allows the letter's one inline style sheet by its hash and
// nothing else, so the strict policy holds for the letter too.
var letterCSP = func() string {
	_, rest, _ := strings.Cut(letterHTML, "<style>")
	css, _, _ := strings.Cut(rest, "</style>")
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

// letter renders the decision letter for the parties, in the caller's
// language (?lang=, cookie or Accept-Language; Chinese by default).
func (s *Server) letter(w http.ResponseWriter, r *http.Request) error {
	c, committee, err := s.cfg.Store.Letter(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	lang := i18n.FromRequest(r)
	t, err := letterTemplate.Clone()
	if err != nil {
		return review.Internal(err)
	}
	t.Funcs(template.FuncMap{"t": func(key string) string { return i18n.T(lang, key, nil) }})
	var b bytes.Buffer
	data := map[string]any{"Lang": lang, "Case": c, "Committee": committee, "DecidedOn": c.Decision.DecidedAt[:10]}
	if err := t.Execute(&b, data); err != nil {
		return review.Internal(err)
	}
	w.Header().Set("Content-Language", lang)
	w.Header().Set("Content-Security-Policy", letterCSP)
	writeRaw(w, "text/html", b.Bytes())
	return nil
}
