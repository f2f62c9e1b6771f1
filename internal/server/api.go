package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"shencha/internal/auth"
	"shencha/internal/blob"
	"shencha/internal/review"
	"shencha/internal/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// PasswordParams are the argon2id costs for passwords set through the API.
var PasswordParams = auth.Default

// register lists every route: the OpenAPI document is built from this list.
func (s *Server) register() {
	s.handle("GET", "/healthz", "liveness and database check", true, s.health)
	s.handle("GET", "/api/v1/openapi.json", "this API's OpenAPI 3.1 document", true, s.openapi)
	s.handle("POST", "/api/v1/login", "sign in; returns a bearer token and sets a session cookie, ending any session the cookie held; 429 with Retry-After while the account or the client is locked out", true, s.login)
	s.handle("POST", "/api/v1/logout", "revoke the current token or session", false, s.logout)
	s.handle("GET", "/api/v1/me", "the signed-in user", false, s.me)
	s.handle("GET", "/api/v1/tokens", "your API tokens", false, s.tokens)
	s.handle("POST", "/api/v1/tokens", "create a scoped, expiring API token", false, s.createToken)
	s.handle("DELETE", "/api/v1/tokens/{id}", "revoke an API token", false, s.revokeToken)

	s.handle("GET", "/api/v1/cases", "cases you may see, newest first, cursor-paged", false, s.listCases)
	s.handle("POST", "/api/v1/cases", "open a case (draft)", false, s.createCase)
	s.handle("GET", "/api/v1/cases/{number}", "one case with your allowed_actions", false, s.getCase)
	s.handle("POST", "/api/v1/cases/{number}/actions/{action}", "take an action on a case", false, s.caseAction)
	s.handle("POST", "/api/v1/cases/{number}/materials", "upload a file to a case (raw body; ?filename=)", false, s.uploadMaterial)
	s.handle("GET", "/api/v1/cases/{number}/materials/{id}", "download a case file (audited)", false, s.downloadMaterial)
	s.handle("GET", "/api/v1/overdue", "overdue clocks on cases you may see", false, s.overdue)

	s.handleLimited("GET", "/api/v1/listings", "register: status of product versions by purl, cpe, product+version or listing id; as_of=DATE", true, s.listings)
	s.handle("POST", "/api/v1/listings/{id}/actions/{action}", "suspend, reinstate or revoke a listing (office)", false, s.listingAction)

	s.handle("GET", "/api/v1/products", "products (provider: its own)", false, s.products)
	s.handle("POST", "/api/v1/products", "add a product or service", false, s.createProduct)
	s.handle("GET", "/api/v1/products/{id}", "a product with its versions", true, s.product)
	s.handle("POST", "/api/v1/products/{id}/versions", "add a version", false, s.addVersion)

	s.handle("GET", "/api/v1/orgs", "organisations (admin, office)", false, s.orgs)
	s.handle("POST", "/api/v1/orgs", "add an organisation (admin)", false, s.createOrg)
	s.handle("GET", "/api/v1/orgs/{id}/ownership", "a provider's ownership and control chain with its ultimate controller (office, the provider, reviewers of its cases; audited)", false, s.ownership)
	s.handle("POST", "/api/v1/orgs/{id}/ownership", "record an owner's stake in a provider's chain (office; the provider declares its own)", false, s.recordStake)
	s.handle("GET", "/api/v1/users", "users (admin; office sees experts)", false, s.users)
	s.handle("POST", "/api/v1/users", "add a user (admin)", false, s.createUser)
	s.handle("GET", "/api/v1/accreditations", "lab accreditations (admin, office)", false, s.accreditations)
	s.handle("POST", "/api/v1/accreditations", "accredit a lab (admin)", false, s.createAccreditation)
	s.handle("POST", "/api/v1/accreditations/{id}/suspend", "suspend an accreditation; its assignments end (admin)", false, s.suspendAccreditation)
	s.handle("POST", "/api/v1/ties", "declare a tie between a lab or expert and a provider (admin)", false, s.createTie)
	s.handle("POST", "/api/v1/calendar", "load a year of official holidays (admin; holiday-cn JSON)", false, s.loadCalendar)
	s.handle("GET", "/api/v1/audit/verify", "verify the audit chain (admin)", false, s.verifyAudit)
	s.registerNotifications()
	s.registerEvaluation()
	s.registerSupplyChain()
	s.registerReports()
	s.registerLog()
	s.registerPublicReports()
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Store.DB().PingContext(r.Context()); err != nil {
		return review.Internal(err)
	}
	writeJSON(w, 200, map[string]any{"status": "ok", "demo": s.cfg.Demo})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Username == "" {
		return review.Required("username")
	}
	if in.Password == "" {
		return review.Required("password")
	}
	// A session the client already holds ends here (session rotation).
	var previous string
	if c, err := r.Cookie(sessionCookie); err == nil {
		previous = c.Value
	}
	tok, a, err := s.cfg.Store.Login(r.Context(), store.LoginAttempt{Username: in.Username, Password: in.Password, Kind: "session",
		TTL: s.cfg.SessionTTL, From: clientAddr(r), Previous: previous})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.SessionTTL / time.Second)})
	writeJSON(w, 200, map[string]any{"token": tok, "user": a.Username, "role": a.Role, "expires_in": int(s.cfg.SessionTTL / time.Second)})
	return nil
}

func clientAddr(r *http.Request) string { return r.RemoteAddr }

func bearer(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Store.Logout(r.Context(), actor(r), bearer(r)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	org, err := s.cfg.Store.Org(r.Context(), a.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"id": a.UserID, "username": a.Username, "role": a.Role, "org": org.Name, "org_id": org.ID, "sector": a.Sector})
	return nil
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.Tokens(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name     string   `json:"name"`
		Scopes   []string `json:"scopes"`
		TTLHours int      `json:"ttl_hours"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	tok, t, err := s.cfg.Store.CreateToken(r.Context(), actor(r), in.Name, in.Scopes, time.Duration(in.TTLHours)*time.Hour)
	if err != nil {
		return err
	}
	writeJSON(w, 201, map[string]any{"token": tok, "info": t})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.RevokeToken(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, review.Invalid(name, "field_invalid", "rule", "a positive integer")
	}
	return id, nil
}

func queryID(r *http.Request, name string) (int64, error) { return valuesID(r.URL.Query(), name) }

// valuesID reads an optional positive id from parsed query values.
func valuesID(q url.Values, name string) (int64, error) {
	return parseID(q.Get(name), name)
}

// parseID reads parameter name's value v, an id: 0 when empty.
func parseID(v, name string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, review.Invalid(name, "field_invalid", "rule", "a positive integer")
	}
	return id, nil
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.CaseFilter{State: review.State(q.Get("state")), Cursor: q.Get("cursor")}
	var err error
	if f.Limit, err = limitParam(r); err != nil {
		return err
	}
	page, err := s.cfg.Store.ListCases(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, 200, page)
	return nil
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) error {
	var in review.NewCase
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.cfg.Store.CreateCase(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.Number)
	writeJSON(w, 201, c)
	return nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cfg.Store.Case(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, c)
	return nil
}

func (s *Server) caseAction(w http.ResponseWriter, r *http.Request) error {
	var in review.Input
	if r.ContentLength != 0 {
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
	}
	act := review.Action(r.PathValue("action"))
	if act == review.ActUploadMaterial {
		return review.Invalid("action", "field_invalid", "rule", "upload files with POST /api/v1/cases/{number}/materials")
	}
	c, err := s.cfg.Store.ApplyAction(r.Context(), actor(r), r.PathValue("number"), act, in)
	if err != nil {
		return err
	}
	writeJSON(w, 200, c)
	return nil
}

// uploadMaterial streams the body into the blob store: authorised first, so
// nobody can fill the disk with files for cases they may not touch, then
// hashed and stored; a client digest (X-Content-SHA256) must match.
func (s *Server) uploadMaterial(w http.ResponseWriter, r *http.Request) error {
	a, number := actor(r), r.PathValue("number")
	m, err := s.receiveFile(r, s.cfg.MaxUpload)
	if err != nil {
		return err
	}
	if m, err = s.cfg.Store.AddMaterial(r.Context(), a, number, m, clientAddr(r)); err != nil {
		return err
	}
	writeJSON(w, 201, m)
	return nil
}

// receiveFile checks that the caller may upload to the case, then streams
// the body (at most max bytes) into the blob store and describes it; the
// caller records it on the case.
func (s *Server) receiveFile(r *http.Request, max int64) (store.MaterialView, error) {
	var m store.MaterialView
	if err := s.cfg.Store.Authorize(r.Context(), actor(r), r.PathValue("number"), review.ActUploadMaterial); err != nil {
		return m, err
	}
	name := r.URL.Query().Get("filename")
	if strings.TrimSpace(name) == "" {
		return m, review.Required("filename")
	}
	var want blob.Digest
	if h := r.Header.Get("X-Content-SHA256"); h != "" {
		d, err := blob.ParseDigest(h)
		if err != nil {
			return m, review.Invalid("X-Content-SHA256", "field_invalid", "rule", "sha256:<64 hex>")
		}
		want = d
	}
	if r.ContentLength > max {
		return m, review.E(review.KindTooLarge, "body_too_large", "max", itoa(max))
	}
	m, err := s.putFile(r.Context(), r.Body, want, max, name, r.Header.Get("Content-Type"))
	m.Label = review.Label(r.URL.Query().Get("label"))
	return m, err
}

// putFile streams a file (at most max bytes; its digest, when one is
// given, must match) into the blob store and describes it; the caller
// records it on the case.
func (s *Server) putFile(ctx context.Context, body io.Reader, want blob.Digest, max int64, name, ct string) (store.MaterialView, error) {
	info, err := s.cfg.Blobs.Put(ctx, body, want, max)
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		return store.MaterialView{}, review.E(review.KindTooLarge, "body_too_large", "max", itoa(max))
	case readFailed(err):
		return store.MaterialView{}, s.bodyError(err)
	case errors.Is(err, blob.ErrDigestMismatch):
		return store.MaterialView{}, review.Invalid("X-Content-SHA256", "field_invalid", "rule", "does not match the uploaded content")
	case err != nil:
		return store.MaterialView{}, review.Internal(err)
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	return store.MaterialView{Digest: info.Digest.String(), Size: info.Size, Filename: name, ContentType: ct}, nil
}

// pageFile stores a file a page's form sends with a record (the web UI's
// evidence form), under the API's rules for uploads: the actor must be
// allowed to upload to the case before a byte is stored, and the file is
// bounded by the server's upload limit.
func (s *Server) pageFile(r *http.Request, number string, body io.Reader, name, ct string) (store.MaterialView, error) {
	if err := s.cfg.Store.Authorize(r.Context(), actor(r), number, review.ActUploadMaterial); err != nil {
		return store.MaterialView{}, err
	}
	return s.putFile(r.Context(), body, "", s.cfg.MaxUpload, name, ct)
}

func (s *Server) downloadMaterial(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.cfg.Store.OpenMaterial(r.Context(), actor(r), r.PathValue("number"), id, clientAddr(r))
	if err != nil {
		return err
	}
	return s.sendBlob(w, r, m.Digest, m.Filename)
}

// sendBlob sends a stored file as a download, its digest in a header.
func (s *Server) sendBlob(w http.ResponseWriter, r *http.Request, digest, filename string) error {
	d, err := blob.ParseDigest(digest)
	if err != nil {
		return review.Internal(err)
	}
	rc, info, err := s.cfg.Blobs.Open(r.Context(), d)
	if err != nil {
		return review.Internal(err)
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(filename, `"`, "")+`"`)
	w.Header().Set("Content-Length", itoa(info.Size))
	w.Header().Set("X-Content-SHA256", d.String())
	s.allowDownload(w, r, info.Size)
	// The store releases only authenticated chunks. If the file was altered
	// on disk, nothing of the bad chunk is sent: before the first byte that
	// is an error answer; later the connection is cut, so the client sees a
	// broken transfer rather than a short file it might trust.
	n, err := io.Copy(w, rc)
	if err != nil {
		s.cfg.Log.Error("file read failed", "path", r.URL.Path, "digest", d.String(), "sent", n, "err", err)
		if n == 0 {
			w.Header().Del("Content-Length")
			w.Header().Del("Content-Disposition")
			return review.Internal(err)
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}

func (s *Server) overdue(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.Overdue(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) listings(w http.ResponseWriter, r *http.Request) error {
	var v [len(listingParams)]string
	firstValues(r.URL.RawQuery, listingParams[:], v[:])
	lq := store.ListingQuery{PURL: v[0], CPE: v[1], Digest: v[2], Version: v[3], AsOf: v[4]}
	var err error
	if lq.ListingID, err = parseID(v[5], "listing"); err != nil {
		return err
	}
	if lq.ProductID, err = parseID(v[6], "product"); err != nil {
		return err
	}
	// Written by hand (as encoding/json would): the register's answers
	// are what buyers' systems ask for most.
	buf := answerBufs.Get().(*[]byte)
	b, err := s.cfg.Store.AppendListings(r.Context(), actor(r), lq, append((*buf)[:0], `{"items":`...))
	if err != nil {
		answerBufs.Put(buf)
		return err
	}
	b = append(b, "}\n"...)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))} // one write, not chunked
	w.Write(b)
	if cap(b) <= 64<<10 { // a rare huge answer is not kept
		*buf = b
		answerBufs.Put(buf)
	}
	return nil
}

var listingParams = [...]string{"purl", "cpe", "digest", "version", "as_of", "listing", "product"}

// firstValues sets vals[i] to the first value of keys[i] in a raw query,
// as url.ParseQuery and Get would (a pair that does not parse is
// skipped), without building the map: the register's lookups parse their
// query on every request.
func firstValues(raw string, keys, vals []string) {
	var seen uint64
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescapeQuery(k)
		if !ok {
			continue
		}
		i := slices.Index(keys, k)
		if i < 0 || seen&(1<<i) != 0 {
			continue
		}
		if vals[i], ok = unescapeQuery(v); ok {
			seen |= 1 << i
		}
	}
}

func unescapeQuery(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

var jsonContentType = []string{"application/json; charset=utf-8"}

var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (s *Server) listingAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.cfg.Store.ListingAction(r.Context(), actor(r), id, review.ListingAction(r.PathValue("action")), in.Reason); err != nil {
		return err
	}
	ans, err := s.cfg.Store.Listings(r.Context(), actor(r), store.ListingQuery{ListingID: id})
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": ans})
	return nil
}

func (s *Server) products(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	var provider int64
	if a.Role == review.RoleProvider {
		provider = a.OrgID
	}
	list, err := s.cfg.Store.Products(r.Context(), provider)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": orEmpty(list)})
	return nil
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name          string          `json:"name"`
		Category      review.Category `json:"category"`
		Service       bool            `json:"service"`
		ProviderOrgID int64           `json:"provider_org_id"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.cfg.Store.CreateProduct(r.Context(), actor(r), review.Product{Name: in.Name, Category: in.Category, Service: in.Service, ProviderOrgID: in.ProviderOrgID})
	if err != nil {
		return err
	}
	writeJSON(w, 201, p)
	return nil
}

func (s *Server) product(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.cfg.Store.Product(r.Context(), id)
	if err != nil {
		return err
	}
	vs, err := s.cfg.Store.Versions(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"product": p, "versions": orEmpty(vs)})
	return nil
}

func (s *Server) addVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Version        string `json:"version"`
		PURL           string `json:"purl"`
		CPE            string `json:"cpe"`
		ArtifactSHA256 string `json:"artifact_sha256"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.cfg.Store.AddVersion(r.Context(), actor(r), review.Version{ProductID: id, Version: in.Version, PURL: in.PURL, CPE: in.CPE, ArtifactSHA256: in.ArtifactSHA256})
	if err != nil {
		return err
	}
	writeJSON(w, 201, v)
	return nil
}

// staff reports whether the actor administers or runs reviews nationally.
func staff(a review.Actor) bool { return a.Role == review.RoleAdmin || a.Role == review.RoleOffice }

func (s *Server) orgs(w http.ResponseWriter, r *http.Request) error {
	if !staff(actor(r)) {
		return review.Forbidden("list_orgs")
	}
	list, err := s.cfg.Store.Orgs(r.Context(), review.OrgKind(r.URL.Query().Get("kind")))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": orEmpty(list)})
	return nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Kind   review.OrgKind `json:"kind"`
		Name   string         `json:"name"`
		Sector string         `json:"sector"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.cfg.Store.CreateOrg(r.Context(), actor(r), review.Org{Kind: in.Kind, Name: in.Name, Sector: in.Sector})
	if err != nil {
		return err
	}
	writeJSON(w, 201, o)
	return nil
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	role := review.Role(r.URL.Query().Get("role"))
	switch {
	case a.Role == review.RoleAdmin:
	case a.Role == review.RoleOffice && role == review.RoleExpert:
	default:
		return review.Forbidden("list_users")
	}
	list, err := s.cfg.Store.Users(r.Context(), role)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": orEmpty(list)})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username    string      `json:"username"`
		DisplayName string      `json:"display_name"`
		OrgID       int64       `json:"org_id"`
		Role        review.Role `json:"role"`
		Password    string      `json:"password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.cfg.Store.CreateUser(r.Context(), actor(r), review.User{Username: in.Username, DisplayName: in.DisplayName, OrgID: in.OrgID, Role: in.Role}, in.Password, PasswordParams)
	if err != nil {
		return err
	}
	writeJSON(w, 201, u)
	return nil
}

func (s *Server) accreditations(w http.ResponseWriter, r *http.Request) error {
	if !staff(actor(r)) {
		return review.Forbidden("list_accreditations")
	}
	lab, err := queryID(r, "lab")
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.Accreditations(r.Context(), lab)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": orEmpty(list)})
	return nil
}

func parseDate(field, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, review.Invalid(field, "field_invalid", "rule", "YYYY-MM-DD")
	}
	return t, nil
}

func (s *Server) createAccreditation(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		LabOrgID   int64             `json:"lab_org_id"`
		Methods    []review.Method   `json:"methods"`
		Categories []review.Category `json:"categories"`
		ValidFrom  string            `json:"valid_from"`
		ValidTo    string            `json:"valid_to"`
	}
	if err := store.RequireAdmin(actor(r)); err != nil {
		return err
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	from, err := parseDate("valid_from", in.ValidFrom)
	if err != nil {
		return err
	}
	to, err := parseDate("valid_to", in.ValidTo)
	if err != nil {
		return err
	}
	acc, err := s.cfg.Store.CreateAccreditation(r.Context(), actor(r), review.Accreditation{LabOrgID: in.LabOrgID, Methods: in.Methods, Categories: in.Categories, ValidFrom: from, ValidTo: to})
	if err != nil {
		return err
	}
	writeJSON(w, 201, acc)
	return nil
}

func (s *Server) suspendAccreditation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.cfg.Store.SuspendAccreditation(r.Context(), actor(r), id, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) createTie(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		LabOrgID      int64          `json:"lab_org_id"`
		ExpertUserID  int64          `json:"expert_user_id"`
		ProviderOrgID int64          `json:"provider_org_id"`
		Kind          review.TieKind `json:"kind"`
		EndedOn       string         `json:"ended_on"`
		Note          string         `json:"note"`
	}
	if err := store.RequireAdmin(actor(r)); err != nil {
		return err
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	t := review.Tie{LabOrgID: in.LabOrgID, ExpertUserID: in.ExpertUserID, ProviderOrgID: in.ProviderOrgID, Kind: in.Kind, Note: in.Note}
	if in.EndedOn != "" {
		d, err := parseDate("ended_on", in.EndedOn)
		if err != nil {
			return err
		}
		t.Until = &d
	}
	t, err := s.cfg.Store.CreateTie(r.Context(), actor(r), t)
	if err != nil {
		return err
	}
	writeJSON(w, 201, t)
	return nil
}

func (s *Server) loadCalendar(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		return s.bodyError(err)
	}
	year, err := s.cfg.Store.LoadCalendarYear(r.Context(), actor(r), data)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"year": year, "provisional": s.cfg.Store.Calendar().Provisional(year)})
	return nil
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	if actor(r).Role != review.RoleAdmin {
		return review.Forbidden("audit_verify")
	}
	n, err := s.cfg.Store.VerifyAudit(r.Context())
	if b, ok := err.(*store.AuditBreak); ok {
		writeJSON(w, 200, map[string]any{"ok": false, "rows": n, "first_bad_row": b.Seq, "reason": b.Reason})
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"ok": true, "rows": n})
	return nil
}

func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
