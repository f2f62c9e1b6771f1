// Package web is shencha's browser interface: server-rendered html/template
// pages and a few static files, all embedded. Pages read through the store
// with the signed-in actor, so they show exactly what the API would show
// that person; the buttons on a case come from the actions the review
// package allows, never from the templates. No inline script or style, so
// the server's Content-Security-Policy stays `default-src 'self'`.
//
// It owns no data and no authentication: the server authenticates every
// request and hands the actor over through Config.Actor.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"shencha/internal/auth"
	"shencha/internal/calendar"
	"shencha/internal/catalog"
	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*.css static/*.js
var staticFiles embed.FS

// SessionCookie holds a browser's session token; the API sets and reads
// the same cookie.
const SessionCookie = "shencha_session"

// langCookie is the language switcher's choice; i18n.FromRequest reads it.
const langCookie = "lang"

// Config configures the UI.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	// Actor returns the request's authenticated actor (the server's).
	Actor func(*http.Request) review.Actor
	// Status maps an error kind to an HTTP status (the server's one mapping).
	Status func(review.Kind) int
	// File stores a file that a form sends with a record (the evidence
	// form) under the API's rules for uploads, and describes it; the UI
	// then records it through the store (the server's).
	File func(r *http.Request, number string, body io.Reader, filename, contentType string) (store.MaterialView, error)
	// Report files a public report from the report page's multipart form
	// under the API's rules and limits, and returns what the form said
	// (the server's).
	Report func(w http.ResponseWriter, r *http.Request) (review.NewReport, store.ReportReceipt, error)
	// RateLimit takes one of the requests the client may make to the
	// register, or answers 429 itself and reports false (the server's,
	// which limits the API's register routes the same way).
	RateLimit func(w http.ResponseWriter, r *http.Request) bool
	// SessionTTL is how long a login lasts; SecureCookies marks cookies
	// Secure (under TLS).
	SessionTTL    time.Duration
	SecureCookies bool
	// PasswordParams are the argon2id costs of the passwords an admin sets
	// on the users page (the API's; zero: auth.Default).
	PasswordParams auth.Params
	// MaxBody bounds a form; MaxUpload one uploaded file (the server's
	// limits; zero: 1 MiB and 256 MiB).
	MaxBody, MaxUpload int64
}

// UI serves the pages.
type UI struct {
	cfg    Config
	pages  map[string]*template.Template
	assets map[string]asset // by file name
	csrf   *http.CrossOriginProtection
	// mux is the server's, kept by Mount so that an upload from a page is
	// handed to the API's own upload route (see upload.go).
	mux *http.ServeMux
}

type asset struct {
	hash  string
	body  []byte
	ctype string
}

// pageNames are the page templates; each is parsed with layout.html.
var pageNames = []string{"login", "register", "result", "dashboard", "case", "error", "products", "product", "work",
	"eligibility", "declare", "orgs", "users", "accreditations", "ownership", "report", "intake", "ties", "calendar", "catalog", "keys",
	"reports", "providerreport", "notifications", "report_new", "report_receipt", "report_status", "public_reports", "public_report"}

// New parses every template and hashes every static file; a template that
// does not parse fails here, at start-up, not on a visitor's request.
func New(cfg Config) (*UI, error) {
	if cfg.Store == nil || cfg.Actor == nil || cfg.Status == nil || cfg.File == nil || cfg.Report == nil {
		return nil, errors.New("web: Store, Actor, Status, File and Report are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.PasswordParams == (auth.Params{}) {
		cfg.PasswordParams = auth.Default
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 256 << 20
	}
	ui := &UI{cfg: cfg, pages: map[string]*template.Template{}, assets: map[string]asset{}, csrf: http.NewCrossOriginProtection()}
	names, err := fs.Glob(staticFiles, "static/*")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := staticFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		base := path.Base(n)
		ui.assets[base] = asset{hash: hex.EncodeToString(sum[:6]), body: b, ctype: mime.TypeByExtension(path.Ext(base))}
	}
	for _, p := range pageNames {
		t, err := parsePage(p)
		if err != nil {
			return nil, err
		}
		ui.pages[p] = t
	}
	return ui, nil
}

// parsePage parses one page with the layout and the shared blocks.
func parsePage(name string) (*template.Template, error) {
	t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
	if err != nil {
		return nil, fmt.Errorf("web: template %s: %w", name, err)
	}
	return t, nil
}

// funcs are the template helpers; none of them writes markup.
var funcs = template.FuncMap{
	"when": when,
}

// when shows a stored timestamp (RFC 3339, UTC) as the minute in China
// Standard Time, the time the review's deadlines are counted in.
func when(ts string) string {
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return ts
	}
	return t.In(calendar.Location()).Format("2006-01-02 15:04")
}

// route is one of the UI's routes: a ServeMux pattern ("GET /cases/{number}")
// and its handler.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// routes lists every UI route; Mount registers them and Routes reports
// them, so the server can list every route it serves.
func (ui *UI) routes() []route {
	return []route{
		{"GET /{$}", ui.home},
		{"GET /static/{hash}/{name}", ui.static},
		{"GET /login", ui.loginForm},
		{"POST /login", ui.post(ui.login)},
		{"POST /logout", ui.post(ui.logout)},
		{"POST /lang", ui.post(ui.setLang)},
		{"GET /register", ui.limited(ui.register)},
		{"GET /results/{id}", ui.limited(ui.result)},
		{"GET /reports", ui.reports},
		{"POST /reports", ui.post(ui.draftReport)},
		{"GET /reports/{id}", ui.providerReportPage},
		{"POST /reports/{id}/publish", ui.post(ui.publishReport)},
		{"GET /dashboard", ui.dashboard},
		{"GET /work", ui.work},
		{"GET /cases/{number}", ui.casePage},
		{"POST /cases/{number}/actions/{action}", ui.post(ui.caseAction)},
		{"POST /cases/{number}/materials", ui.postFile(ui.upload)},
		{"POST /cases/{number}/answer", ui.postFile(ui.answer)},
		{"GET /cases/{number}/commitment.json", ui.commitmentDraft},
		{"POST /cases/{number}/plan", ui.post(ui.addPlanItem)},
		{"POST /cases/{number}/plan/{id}/remove", ui.post(ui.removePlanItem)},
		{"POST /cases/{number}/evidence", ui.postFile(ui.addEvidence)},
		{"POST /cases/{number}/evidence/{id}/countersign", ui.post(ui.countersign)},
		{"POST /cases/{number}/findings", ui.post(ui.putFinding)},
		{"GET /cases/{number}/report", ui.reportPage},
		{"GET /cases/{number}/report/draft", ui.reportDraft},
		{"POST /cases/{number}/report", ui.post(ui.submitReport)},
		{"GET /products", ui.products},
		{"POST /products", ui.post(ui.createProduct)},
		{"GET /products/{id}", ui.productPage},
		{"POST /products/{id}/versions", ui.post(ui.addVersion)},
		{"POST /products/{id}/apply", ui.post(ui.apply)},
		{"GET /eligibility", ui.eligibility},
		{"GET /procurements/new", ui.declareForm},
		{"POST /procurements", ui.post(ui.declare)},
		{"GET /determinations", ui.determinations},
		{"GET /orgs/{id}/ownership", ui.ownershipPage},
		{"GET /intake", ui.intake},
		{"GET /report", ui.reportForm},
		{"POST /report", ui.postFile(ui.fileReport)},
		{"GET /report/status", ui.reportStatusForm},
		{"POST /report/status", ui.post(ui.checkReportStatus)},
		{"GET /public-reports", ui.publicReports},
		{"GET /public-reports/{id}", ui.publicReport},
		{"POST /public-reports/{id}/triage", ui.post(ui.triageReport)},
		{"GET /admin/orgs", ui.adminGet("orgs")},
		{"POST /admin/orgs", ui.adminAction("orgs", "create_org", onlyAdmin, ui.createOrg)},
		{"GET /admin/users", ui.adminGet("users")},
		{"POST /admin/users", ui.adminAction("users", "create_user", onlyAdmin, ui.createUser)},
		{"GET /admin/accreditations", ui.adminGet("accreditations")},
		{"POST /admin/accreditations/{id}/suspend", ui.adminAction("accreditations", "suspend_accreditation", onlyAdmin, ui.suspendAccreditation)},
		{"GET /admin/ties", ui.adminGet("ties")},
		{"POST /admin/ties", ui.adminAction("ties", "declare_tie", onlyAdmin, ui.createTie)},
		{"GET /admin/calendar", ui.adminGet("calendar")},
		{"POST /admin/calendar", ui.adminDocument("calendar", "load_calendar", onlyAdmin, ui.loadCalendar)},
		{"GET /catalog", ui.adminGet("catalog")},
		{"POST /catalog", ui.adminDocument("catalog", "load_catalog", onlyAdmin, ui.loadCatalog)},
		{"POST /catalog/{version}/approve", ui.adminAction("catalog", "approve_catalog", onlyCommittee, ui.decideCatalog(true))},
		{"POST /catalog/{version}/reject", ui.adminAction("catalog", "reject_catalog", onlyCommittee, ui.decideCatalog(false))},
		{"GET /notifications", ui.notifications},
		{"POST /notifications/read", ui.post(ui.readAllNotifications)},
		{"POST /notifications/{id}/read", ui.post(ui.readNotification)},
		{"POST /notifications/contact", ui.post(ui.setContact)},
		{"GET /keys", ui.adminGet("keys")},
		{"GET /keys/{org}", ui.adminGet("keys")},
		{"POST /keys/{org}", ui.adminAction("keys", "add_signing_key", keyKeepers, ui.addKey)},
		{"POST /keys/{org}/{key}/revoke", ui.adminAction("keys", "revoke_signing_key", keyKeepers, ui.revokeKey)},
	}
}

// Routes lists the UI's route patterns, "METHOD /path".
func (ui *UI) Routes() []string {
	var out []string
	for _, rt := range ui.routes() {
		out = append(out, rt.pattern)
	}
	return out
}

// Mount registers the UI's routes on the server's mux. The API (/api/v1)
// and the log (/log) keep their own routes.
func (ui *UI) Mount(mux *http.ServeMux) {
	ui.mux = mux
	for _, rt := range ui.routes() {
		mux.HandleFunc(rt.pattern, rt.handler)
	}
}

// limited puts a page that asks what the register's API does under the
// same rate limit.
func (ui *UI) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ui.cfg.RateLimit != nil && !ui.cfg.RateLimit(w, r) {
			return
		}
		h(w, r)
	}
}

// post guards a form handler against cross-origin submission. The server
// checks this already for signed-in sessions; the UI checks it for the
// signed-out forms too (sign-in, language), so another site cannot sign a
// visitor in to an account of its choosing. The form is read here, at most
// MaxBody bytes, so an oversized one is refused as such (413) before the
// handler runs, rather than read as an empty form.
func (ui *UI) post(h http.HandlerFunc) http.HandlerFunc { return ui.postMax(0, h) }

// postMax is post for a form of at most max bytes (0: MaxBody), for the
// forms that carry a document (a catalogue, a holiday year).
func (ui *UI) postMax(max int64, h http.HandlerFunc) http.HandlerFunc {
	if max == 0 {
		max = ui.cfg.MaxBody
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if !ui.sameOrigin(w, r) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		err := r.ParseForm()
		if err == nil {
			// Bounded by max, a multipart form is held in memory whole.
			if err = r.ParseMultipartForm(max); errors.Is(err, http.ErrNotMultipart) {
				err = nil
			}
		}
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			ui.fail(w, r, review.E(review.KindTooLarge, "body_too_large", "max", strconv.FormatInt(tooBig.Limit, 10)))
			return
		case err != nil:
			ui.fail(w, r, review.E(review.KindInvalid, "form_invalid", "reason", err.Error()))
			return
		}
		h(w, r)
	}
}

// postFile guards a form that carries a file, as post does, but leaves the
// body to the handler to stream: at most MaxUpload for the file and MaxBody
// for the rest of the form.
func (ui *UI) postFile(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !ui.sameOrigin(w, r) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, ui.cfg.MaxUpload+ui.cfg.MaxBody)
		h(w, r)
	}
}

// sameOrigin refuses a form sent from another site.
func (ui *UI) sameOrigin(w http.ResponseWriter, r *http.Request) bool {
	if err := ui.csrf.Check(r); err != nil {
		ui.fail(w, r, review.Forbidden("cross_origin_request"))
		return false
	}
	return true
}

// StaticURL is a static file's content-hashed URL.
func (ui *UI) StaticURL(name string) string {
	a, ok := ui.assets[name]
	if !ok {
		return "/static/missing/" + name
	}
	return "/static/" + a.hash + "/" + name
}

func (ui *UI) static(w http.ResponseWriter, r *http.Request) {
	a, ok := ui.assets[r.PathValue("name")]
	if !ok || a.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	// The URL changes whenever the content does, so it may be kept forever.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Content-Type", a.ctype)
	w.Write(a.body)
}

// page is what every template receives: the visitor, the language, and
// the page's own data.
type page struct {
	ui    *UI
	Lang  string
	Actor review.Actor
	// Title is the message key of the page's title.
	Title string
	// Path is the current path and query, for the language switcher.
	Path string
	Data any
	// Error is a message shown above the page's content.
	Error string
	// Unread counts the visitor's unread notifications, for the header.
	Unread int
}

// T renders a message of the catalogue; kv are parameter name, value pairs.
func (p *page) T(key string, kv ...string) string {
	var params map[string]string
	if len(kv) > 0 {
		params = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			params[kv[i]] = kv[i+1]
		}
	}
	return i18n.T(p.Lang, key, params)
}

// TP renders the message prefix+value: the name of a state, an action or a
// status. A test checks every value of each domain list has its message.
func (p *page) TP(prefix string, value any) string {
	return i18n.T(p.Lang, prefix+fmt.Sprint(value), nil)
}

// Portal reports whether the header links to the provider portal: the
// pages are for provider users (the handlers refuse everyone else).
func (p *page) Portal() bool { return p.Actor.Role == review.RoleProvider }

// Queue reports whether the header links to "My work": labs, experts and
// committee members, who are handed cases (work.go).
func (p *page) Queue() bool { return hasQueue(p.Actor.Role) }

// Role reports whether the visitor holds the role, for the header's links
// to the pages of one role (roles.go; the handlers refuse everyone else).
func (p *page) Role(role string) bool { return string(p.Actor.Role) == role }

// Local picks the page's language from a text the catalogue holds in both.
func (p *page) Local(b catalog.Bilingual) string {
	if p.Lang == "en" {
		return b.EN
	}
	return b.ZH
}

// Static is a static file's URL.
func (p *page) Static(name string) string { return p.ui.StaticURL(name) }

// OtherLang is the locale the switcher offers.
func (p *page) OtherLang() string {
	if p.Lang == "en" {
		return "zh-CN"
	}
	return "en"
}

func (ui *UI) newPage(r *http.Request, title string, data any) *page {
	p := &page{ui: ui, Lang: i18n.FromRequest(r), Actor: ui.cfg.Actor(r), Title: title, Path: r.URL.RequestURI(), Data: data}
	if !p.Actor.Anonymous() {
		// A failure leaves the badge out; the page itself still shows.
		p.Unread, _ = ui.cfg.Store.UnreadCount(r.Context(), p.Actor)
	}
	return p
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (ui *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := ui.pages[name].Execute(&buf, p); err != nil {
		ui.cfg.Log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.Header().Add("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Fail shows the error page for a request the server refused before it
// reached the UI (a cross-origin form, a token without the scope).
func (ui *UI) Fail(w http.ResponseWriter, r *http.Request, err error) { ui.fail(w, r, err) }

// fail shows an error page: signed-out visitors are sent to sign in; a case
// the visitor may not see is a 404 (its existence is confidential) and an
// act it may not take a 403, as in the API.
func (ui *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *review.Error
	if !errors.As(err, &e) {
		e = review.Internal(err)
	}
	if e.Kind == review.KindUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if e.Kind == review.KindInternal {
		ui.cfg.Log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", e.Err)
	}
	code := ui.cfg.Status(e.Kind)
	retryAfter(w, e)
	p := ui.newPage(r, "ui.error.title", errorData{Status: code})
	p.Error = ui.message(p.Lang, e)
	ui.render(w, r, code, "error", p)
}

type errorData struct{ Status int }

// retryAfter tells a client refused for its rate when to come back.
func retryAfter(w http.ResponseWriter, e *review.Error) {
	if wait := e.Params["retry_after"]; e.Kind == review.KindRateLimited && wait != "" {
		w.Header().Set("Retry-After", wait)
	}
}

// message renders an error in the visitor's language, as the API does.
func (ui *UI) message(lang string, e *review.Error) string {
	params := e.Params
	if e.Kind == review.KindInternal {
		params = nil
	}
	return i18n.T(lang, "error."+e.Code, params)
}

// localPath accepts only a path on this site as a redirect target.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	return next
}
