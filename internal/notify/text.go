package notify

import (
	"strings"

	"shencha/internal/i18n"
)

// Text renders a notification in a language: the catalogue's message
// "notify.<code>" with its parameters, where the names of states, clocks
// and listing statuses are themselves translated.
func Text(lang, code string, params map[string]string) string {
	p := make(map[string]string, len(params))
	for k, v := range params {
		switch k {
		case "state":
			v = i18n.T(lang, "state."+v, nil)
		case "clock":
			v = i18n.T(lang, "clock."+v, nil)
		case "status":
			v = i18n.T(lang, "listing."+v, nil)
		}
		p[k] = v
	}
	return i18n.T(lang, "notify."+code, p)
}

// Message is an e-mail to one person, in plain text.
type Message struct {
	To, Lang, Subject, Body string
}

// Email composes the e-mail of a notification: the subject is its text,
// the body the text, the page to follow (base joined with the
// notification's link) and why the reader receives it. It carries nothing
// the text does not: the page behind the link shows the rest to whoever may
// see it.
func Email(to, lang, code string, params map[string]string, link, base string) Message {
	text := Text(lang, code, params)
	var b strings.Builder
	b.WriteString(text + "\r\n\r\n")
	if link != "" {
		b.WriteString(i18n.T(lang, "notify.email.see", map[string]string{"link": strings.TrimRight(base, "/") + link}) + "\r\n\r\n")
	}
	b.WriteString("-- \r\n" + i18n.T(lang, "notify.email.footer", nil) + "\r\n")
	return Message{To: to, Lang: lang, Subject: i18n.T(lang, "notify.email.subject", map[string]string{"text": text}), Body: b.String()}
}
