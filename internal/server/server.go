package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"shencha/internal/blob"
	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/web"
)

// Config configures a server.
type Config struct {
	Store *store.Store
	Blobs blob.Store
	Log   *slog.Logger
	// Demo marks every response as coming from a demonstration instance.
	Demo bool
	// MaxUpload bounds one uploaded file; MaxBody bounds a JSON body.
	MaxUpload, MaxBody int64
	// SessionTTL is how long a login lasts.
	SessionTTL time.Duration
	// SecureCookies sets the Secure flag (when serving TLS).
	SecureCookies bool
	// Rates limit each client of the public register and log (zero:
	// DefaultRates).
	Rates Rates
	// Timeouts bound slow clients (zero: DefaultTimeouts); HTTPServer
	// applies them.
	Timeouts Timeouts
	// WebhookPrivate lets webhook subscriptions point to loopback and
	// private addresses (closed networks, tests).
	WebhookPrivate bool
}

// Server serves the API and the web UI.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	ui     *web.UI
	routes []route
	limits limiter
	// filings limits the public reports each client files in an hour.
	filings limiter
}

type route struct {
	Method, Path, Summary string
	// Public routes need no login.
	Public bool
}

// New builds the handler. It fails when a page template does not parse.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 256 << 20
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Rates == (Rates{}) {
		cfg.Rates = DefaultRates
	}
	if cfg.Timeouts == (Timeouts{}) {
		cfg.Timeouts = DefaultTimeouts
	}
	if cfg.Rates.ReportsPerHour == 0 {
		cfg.Rates.ReportsPerHour = DefaultRates.ReportsPerHour
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), filings: limiter{keep: time.Hour}}
	s.register()
	ui, err := web.New(web.Config{Store: cfg.Store, Log: cfg.Log, Actor: actor, Status: status, File: s.pageFile, Report: s.pageReport, RateLimit: s.rateCheck,
		SessionTTL: cfg.SessionTTL, SecureCookies: cfg.SecureCookies, PasswordParams: PasswordParams, MaxBody: cfg.MaxBody, MaxUpload: cfg.MaxUpload})
	if err != nil {
		return nil, err
	}
	// The UI has its own routes (/, /login, /cases/…, /static/…); the API
	// and the log keep theirs, and a path neither knows is a plain 404.
	ui.Mount(s.mux)
	s.ui = ui
	return s, nil
}

// Routes lists every API and log route, for the OpenAPI document and its test.
func (s *Server) Routes() []route { return slices.Clone(s.routes) }

// Endpoint is one route the server serves.
type Endpoint struct {
	Method, Path string
	// UI: a web page or form (session cookie), not the JSON API or the log.
	UI bool
}

// AllRoutes lists every route the server serves, the API's and the log's
// and then the web UI's, so a test can cover each.
func (s *Server) AllRoutes() []Endpoint {
	var out []Endpoint
	for _, rt := range s.routes {
		out = append(out, Endpoint{Method: rt.Method, Path: rt.Path})
	}
	for _, p := range s.ui.Routes() {
		method, path, _ := strings.Cut(p, " ")
		out = append(out, Endpoint{Method: method, Path: path, UI: true})
	}
	return out
}

func (s *Server) handle(method, path, summary string, public bool, h func(w http.ResponseWriter, r *http.Request) error) {
	s.addRoute(method, path, summary, public, false, h)
}

// handleLimited registers a route that anyone may call as fast as they
// like unless limited: the register and the log (see rateCheck).
func (s *Server) handleLimited(method, path, summary string, public bool, h func(w http.ResponseWriter, r *http.Request) error) {
	s.addRoute(method, path, summary, public, true, h)
}

func (s *Server) addRoute(method, path, summary string, public, limited bool, h func(w http.ResponseWriter, r *http.Request) error) {
	s.routes = append(s.routes, route{method, path, summary, public})
	s.mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
		if limited && !s.rateCheck(w, r) {
			return
		}
		if !public && actor(r).Anonymous() {
			s.fail(w, r, review.Unauthorized())
			return
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// ServeHTTP wraps every request: recovery, security headers, demo marking,
// authentication, cross-origin protection for cookie sessions, pacing of
// request bodies. What it refuses, it refuses in the route's own form: JSON
// for the API and the log, an HTML page for the UI.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v) // the handler chose to cut the connection
			}
			s.cfg.Log.Error("panic", "path", r.URL.Path, "value", v, "stack", string(debug.Stack()))
			s.refuse(w, r, review.Internal(errors.New("panic")))
		}
	}()
	h := w.Header()
	for k, v := range securityHeaders {
		h[k] = v
	}
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000")
	}
	if s.cfg.Demo {
		h.Set("X-Shencha-Demo", "true")
	}
	a, scopes, viaCookie, err := s.authenticate(r)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	if unsafeMethod(r.Method) && !a.Anonymous() && !slices.Contains(scopes, "write") {
		s.refuse(w, r, review.Forbidden("write"))
		return
	}
	if viaCookie {
		// Cookie sessions ride along with cross-site requests; tokens do not.
		if err := csrf.Check(r); err != nil {
			s.refuse(w, r, review.Forbidden("cross_origin_request"))
			return
		}
	}
	s.paceBody(w, r)
	r = r.WithContext(context.WithValue(r.Context(), actorKey{}, a))
	s.mux.ServeHTTP(w, r)
}

// apiPath reports whether a path is the API's or the log's, which answer
// in JSON; every other path is the UI's.
func apiPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/log/") || p == "/healthz"
}

// refuse answers a request ServeHTTP turns away: in JSON on the API, with
// the UI's error page on a browser route.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if apiPath(r.URL.Path) || s.ui == nil {
		s.fail(w, r, err)
		return
	}
	s.ui.Fail(w, r, err)
}

var csrf = http.NewCrossOriginProtection()

// securityHeaders go on every response. The keys are canonical and each
// value slice is full (len == cap), so sharing them between responses is
// safe: Header.Add reallocates rather than writes into them.
var securityHeaders = map[string][]string{
	"X-Content-Type-Options":  {"nosniff"},
	"Content-Security-Policy": {"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
	"Referrer-Policy":         {"same-origin"},
	"Cache-Control":           {"no-store"},
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

type actorKey struct{}

func actor(r *http.Request) review.Actor {
	a, _ := r.Context().Value(actorKey{}).(review.Actor)
	return a
}

// sessionCookie is shared with the web UI, which signs browsers in.
const sessionCookie = web.SessionCookie

// authenticate reads a bearer token or a session cookie. A bad bearer token
// is an error; no credential at all is the anonymous public.
func (s *Server) authenticate(r *http.Request) (review.Actor, []string, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return review.Actor{}, nil, false, review.Unauthorized()
		}
		a, scopes, err := s.cfg.Store.TokenActor(r.Context(), strings.TrimSpace(tok))
		return a, scopes, false, err
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		a, scopes, err := s.cfg.Store.TokenActor(r.Context(), c.Value)
		if err != nil {
			return review.Actor{}, nil, false, nil // an expired cookie is simply signed out
		}
		return a, scopes, true, nil
	}
	return review.Actor{}, nil, false, nil
}

// errorBody is the JSON error shape every failure has.
type errorBody struct {
	Error struct {
		Code           string            `json:"code"`
		Message        string            `json:"message"`
		Field          string            `json:"field,omitempty"`
		Params         map[string]string `json:"params,omitempty"`
		AllowedActions []string          `json:"allowed_actions,omitempty"`
	} `json:"error"`
}

// status maps an error kind to an HTTP status: the one place that does.
func status(k review.Kind) int {
	switch k {
	case review.KindInvalid:
		return http.StatusBadRequest
	case review.KindUnauthorized:
		return http.StatusUnauthorized
	case review.KindForbidden:
		return http.StatusForbidden
	case review.KindNotFound:
		return http.StatusNotFound
	case review.KindConflict:
		return http.StatusConflict
	case review.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case review.KindRateLimited:
		return http.StatusTooManyRequests
	case review.KindTimeout:
		return http.StatusRequestTimeout
	}
	return http.StatusInternalServerError
}

// fail renders an error in the caller's language; only internal errors are
// logged with their cause, which callers never see.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *review.Error
	if !errors.As(err, &e) {
		e = review.Internal(err)
	}
	if e.Kind == review.KindInternal {
		s.cfg.Log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", e.Err)
	}
	var body errorBody
	body.Error.Code, body.Error.Field, body.Error.Params, body.Error.AllowedActions = e.Code, e.Field, e.Params, e.Allowed
	if e.Kind == review.KindInternal {
		body.Error.Params = nil
	}
	body.Error.Message = message(i18n.FromRequest(r), e)
	if wait := e.Params["retry_after"]; e.Kind == review.KindRateLimited && wait != "" {
		w.Header().Set("Retry-After", wait)
	}
	writeJSON(w, status(e.Kind), body)
}

// message renders an error for people: a field the forms label is named
// by its label, with the API's name for it after it.
func message(lang string, e *review.Error) string {
	params := e.Params
	if e.Kind == review.KindInternal {
		params = nil
	}
	if f := params["field"]; f != "" && i18n.Has(lang, "input."+f) {
		params = maps.Clone(params)
		params["field"] = i18n.T(lang, "input."+f, nil) + " (" + f + ")"
	}
	return i18n.T(lang, "error."+e.Code, params)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// decode reads a JSON body strictly: size-limited, unknown fields refused,
// errors naming the field.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case readFailed(err):
		return s.bodyError(err)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return review.E(review.KindInvalid, "body_invalid", "reason", "want a JSON object")
	case errors.As(err, &typeErr):
		return review.Invalid(typeErr.Field, "field_invalid", "rule", "expected "+jsonKind(typeErr.Type.Kind()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil || f == "" {
			return review.E(review.KindInvalid, "body_invalid", "reason", "a member whose name is not a field: "+strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return review.Invalid(f, "field_unknown")
	case errors.Is(err, io.EOF):
		return review.E(review.KindInvalid, "body_invalid", "reason", "empty body")
	}
	return review.E(review.KindInvalid, "body_invalid", "reason", err.Error())
}

// jsonKind names the JSON value a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return k.String()
}
