package server

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"

	"shencha/internal/i18n"
	"shencha/internal/review"
)

//go:embed letter.html
var letterHTML string

var letterTemplate = template.Must(template.New("letter").Funcs(template.FuncMap{"t": func(string) string { return "" }}).Parse(letterHTML))

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
	writeRaw(w, "text/html", b.Bytes())
	return nil
}
