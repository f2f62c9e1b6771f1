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
	// SessionTTL is how long a login lasts; SecureCookies marks cookies
	// Secure (under TLS).
	SessionTTL    time.Duration
	SecureCookies bool
	// PasswordParams are the argon2id costs of the passwords an admin sets
	// on the users page (the API's; zero: auth.Default).
	PasswordParams auth.Params
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
	"report_new", "report_receipt", "report_status", "public_reports", "public_report"}

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

// Mount registers the UI's routes on the server's mux. The API (/api/v1)
// and the log (/log) keep their own routes.
func (ui *UI) Mount(mux *http.ServeMux) {
	ui.mux = mux
	mux.HandleFunc("GET /{$}", ui.home)
	mux.HandleFunc("GET /static/{hash}/{name}", ui.static)
	mux.HandleFunc("GET /login", ui.loginForm)
	mux.HandleFunc("POST /login", ui.post(ui.login))
	mux.HandleFunc("POST /logout", ui.post(ui.logout))
	mux.HandleFunc("POST /lang", ui.post(ui.setLang))
	mux.HandleFunc("GET /register", ui.register)
	mux.HandleFunc("GET /results/{id}", ui.result)
	mux.HandleFunc("GET /dashboard", ui.dashboard)
	mux.HandleFunc("GET /work", ui.work)
	mux.HandleFunc("GET /cases/{number}", ui.casePage)
	mux.HandleFunc("POST /cases/{number}/actions/{action}", ui.post(ui.caseAction))
	mux.HandleFunc("POST /cases/{number}/materials", ui.post(ui.upload))
	mux.HandleFunc("POST /cases/{number}/answer", ui.post(ui.answer))
	mux.HandleFunc("GET /cases/{number}/commitment.json", ui.commitmentDraft)
	mux.HandleFunc("POST /cases/{number}/plan", ui.post(ui.addPlanItem))
	mux.HandleFunc("POST /cases/{number}/plan/{id}/remove", ui.post(ui.removePlanItem))
	mux.HandleFunc("POST /cases/{number}/evidence", ui.post(ui.addEvidence))
	mux.HandleFunc("POST /cases/{number}/evidence/{id}/countersign", ui.post(ui.countersign))
	mux.HandleFunc("POST /cases/{number}/findings", ui.post(ui.putFinding))
	mux.HandleFunc("GET /cases/{number}/report", ui.reportPage)
	mux.HandleFunc("GET /cases/{number}/report/draft", ui.reportDraft)
	mux.HandleFunc("POST /cases/{number}/report", ui.post(ui.submitReport))
	mux.HandleFunc("GET /products", ui.products)
	mux.HandleFunc("POST /products", ui.post(ui.createProduct))
	mux.HandleFunc("GET /products/{id}", ui.productPage)
	mux.HandleFunc("POST /products/{id}/versions", ui.post(ui.addVersion))
	mux.HandleFunc("POST /products/{id}/apply", ui.post(ui.apply))
	mux.HandleFunc("GET /eligibility", ui.eligibility)
	mux.HandleFunc("GET /procurements/new", ui.declareForm)
	mux.HandleFunc("POST /procurements", ui.post(ui.declare))
	mux.HandleFunc("GET /determinations", ui.determinations)
	mux.HandleFunc("GET /orgs/{id}/ownership", ui.ownershipPage)
	mux.HandleFunc("GET /intake", ui.intake)
	mux.HandleFunc("GET /report", ui.reportForm)
	mux.HandleFunc("POST /report", ui.post(ui.fileReport))
	mux.HandleFunc("GET /report/status", ui.reportStatusForm)
	mux.HandleFunc("POST /report/status", ui.post(ui.checkReportStatus))
	mux.HandleFunc("GET /public-reports", ui.publicReports)
	mux.HandleFunc("GET /public-reports/{id}", ui.publicReport)
	mux.HandleFunc("POST /public-reports/{id}/triage", ui.post(ui.triageReport))
	mux.HandleFunc("GET /admin/orgs", ui.adminGet("orgs"))
	mux.HandleFunc("POST /admin/orgs", ui.adminAction("orgs", "create_org", onlyAdmin, ui.createOrg))
	mux.HandleFunc("GET /admin/users", ui.adminGet("users"))
	mux.HandleFunc("POST /admin/users", ui.adminAction("users", "create_user", onlyAdmin, ui.createUser))
	mux.HandleFunc("GET /admin/accreditations", ui.adminGet("accreditations"))
	mux.HandleFunc("POST /admin/accreditations/{id}/suspend", ui.adminAction("accreditations", "suspend_accreditation", onlyAdmin, ui.suspendAccreditation))
	mux.HandleFunc("GET /admin/ties", ui.adminGet("ties"))
	mux.HandleFunc("POST /admin/ties", ui.adminAction("ties", "declare_tie", onlyAdmin, ui.createTie))
	mux.HandleFunc("GET /admin/calendar", ui.adminGet("calendar"))
	mux.HandleFunc("POST /admin/calendar", ui.adminAction("calendar", "load_calendar", onlyAdmin, ui.loadCalendar))
	mux.HandleFunc("GET /catalog", ui.adminGet("catalog"))
	mux.HandleFunc("POST /catalog", ui.adminAction("catalog", "load_catalog", onlyAdmin, ui.loadCatalog))
	mux.HandleFunc("POST /catalog/{version}/approve", ui.adminAction("catalog", "approve_catalog", onlyCommittee, ui.decideCatalog(true)))
	mux.HandleFunc("POST /catalog/{version}/reject", ui.adminAction("catalog", "reject_catalog", onlyCommittee, ui.decideCatalog(false)))
	mux.HandleFunc("GET /keys", ui.adminGet("keys"))
	mux.HandleFunc("GET /keys/{org}", ui.adminGet("keys"))
	mux.HandleFunc("POST /keys/{org}", ui.adminAction("keys", "add_signing_key", keyKeepers, ui.addKey))
	mux.HandleFunc("POST /keys/{org}/{key}/revoke", ui.adminAction("keys", "revoke_signing_key", keyKeepers, ui.revokeKey))
}

// post guards a form handler against cross-origin submission. The server
// checks this already for signed-in sessions; the UI checks it for the
// signed-out forms too (sign-in, language), so another site cannot sign a
// visitor in to an account of its choosing.
func (ui *UI) post(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := ui.csrf.Check(r); err != nil {
			ui.fail(w, r, review.Forbidden("cross_origin_request"))
			return
		}
		h(w, r)
	}
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
	return &page{ui: ui, Lang: i18n.FromRequest(r), Actor: ui.cfg.Actor(r), Title: title, Path: r.URL.RequestURI(), Data: data}
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
	p := ui.newPage(r, "ui.error.title", errorData{Status: code})
	p.Error = ui.message(p.Lang, e)
	ui.render(w, r, code, "error", p)
}

type errorData struct{ Status int }

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
