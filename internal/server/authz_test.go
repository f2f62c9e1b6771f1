package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/blob"
	"shencha/internal/catalog"
	"shencha/internal/demo"
	"shencha/internal/document"
	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/signature"
	"shencha/internal/store"
	"shencha/internal/storetest"
	"shencha/internal/vuln"
)

// asker is one column of the matrix: a role, its relation to what it asks
// about, the user who asks and the case ("F" or "G") its requests name.
type asker struct {
	role, rel, user, caseKey string
}

func (a asker) String() string {
	if a.role == "anonymous" {
		return "anonymous"
	}
	return a.role + ":" + a.rel
}

// askers are the matrix's columns (see the table in authz_table_test.go).
var askers = []asker{
	{"anonymous", "anonymous", "", "F"},
	{"admin", "other", "admin", "F"},
	{"office", "other", "office", "F"},
	{"regulator", "own", "finance-regulator", "F"},
	{"regulator", "other-sector", "finance-regulator", "G"},
	{"committee", "assigned", "committee", "F"},
	{"committee", "other", "committee", "G"},
	{"expert", "assigned", "expert1", "F"},
	{"expert", "former", "expert4", "F"},
	{"expert", "other", "expert1", "G"},
	{"lab", "assigned", "lab1", "F"},
	{"lab", "former", "lab2", "F"},
	{"lab", "other", "lab2", "G"},
	{"provider", "own", "provider1", "F"},
	{"provider", "other", "provider2", "F"},
	{"ciio", "own", "ciio", "G"},
	{"ciio", "other", "ciio", "F"},
	{"cii", "own", "cii", "G"},
	{"cii", "other-sector", "cii", "F"},
	{"requester", "own", "association", "F"},
	{"requester", "other", "association", "G"},
	{"procurer", "other", "procurer", "F"},
}

// caseIDs are the resources of one fixture case a request can name.
type caseIDs struct {
	number             string
	product, version   int64
	provider           int64 // organisation
	listing, flag      int64
	material, evidence int64
	sbom, planItem     int64
	criterion          string
	// letter is the SHA-256 of its decision letter's PDF (a salted
	// commitment in the log: only the letter's parties may look it up).
	letter string
	// tip is a public report (举报) about its product, with one file.
	tip, tipFile int64
}

// matrix is the running server and the fixture the checks name.
type matrix struct {
	t     *testing.T
	url   string
	s     *store.Store
	f     *demo.Fixture
	srv   *server.Server
	cases map[string]*caseIDs
	// sessions are the users' session tokens, sent as a bearer token to
	// the API and as the session cookie to pages.
	sessions map[string]string
	// tokens and keys are throwaways per asker, for the routes that revoke
	// one: a request that is allowed spends its own.
	tokens map[string]int64
	keys   map[string]string
	// report is a draft provider report of provider1's (the office's).
	report int64
	// notice is one of provider1's notifications; hook the procurer's
	// webhook subscription.
	notice, hook int64
	// pageKeys: a second throwaway key per asker, for the page that revokes.
	pageKeys map[string]string
	// accreditation, advisory, catalogue version, static file: the same
	// for every asker.
	accreditation      int64
	advisory, catVer   string
	staticHash, static string
}

func TestAuthorizationMatrix(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			m := newMatrix(t, b)
			m.run(t)
		})
	}
}

// newMatrix starts the server over the demo data and builds cases F and G.
func newMatrix(t *testing.T, b storetest.Backend) *matrix {
	ctx := context.Background()
	s := storetest.Open(t, b)
	f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedCases(ctx, s, f); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kr, err := blob.OpenKeyring(filepath.Join(dir, "master.keys"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewEncrypted(filepath.Join(dir, "blobs"), kr)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: s, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Rates: server.Rates{Anonymous: 1e6, Session: 1e6, Token: 1e6, ReportsPerHour: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	m := &matrix{t: t, url: ts.URL, s: s, f: f, srv: srv, cases: map[string]*caseIDs{},
		sessions: map[string]string{}, tokens: map[string]int64{}, keys: map[string]string{}, pageKeys: map[string]string{}}
	m.build(ctx)
	return m
}

// must stops the test on a fixture step that failed.
func (m *matrix) must(err error, what string) {
	m.t.Helper()
	if err != nil {
		m.t.Fatalf("fixture: %s: %v", what, err)
	}
}

func (m *matrix) act(who, number string, act review.Action, in review.Input) {
	m.t.Helper()
	_, err := m.s.ApplyAction(context.Background(), m.f.Actors[who], number, act, in)
	m.must(err, fmt.Sprintf("%s %s by %s", act, number, who))
}

// build makes cases F and G (see the table's comment), the advisories that
// flag their versions for re-review, and the throwaway tokens and keys.
func (m *matrix) build(ctx context.Context) {
	t, s, f := m.t, m.s, m.f
	recs, stats, err := vuln.Import("../vuln/testdata/osv", vuln.DefaultLimits)
	m.must(err, "read advisories")
	// The first import lacks one advisory; it arrives after publication and
	// flags both versions for re-review.
	const late = "GO-2020-0017"
	var older []vuln.Record
	for _, r := range recs {
		if r.ID != late {
			older = append(older, r)
		}
	}
	_, err = s.ImportAdvisories(ctx, f.Actors["office"], "test", older, stats)
	m.must(err, "import advisories")
	sbomFile, err := os.ReadFile("../sbom/testdata/cyclonedx-examples/SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json")
	m.must(err, "read SBOM")
	cat, err := s.Catalog(ctx, "")
	m.must(err, "catalogue")
	met := map[string]catalog.Status{}
	for _, id := range demo.CriteriaFor(cat, review.MethodLabTesting, 2) {
		met[id] = catalog.StatusMet
	}
	m.catVer = cat.Version

	// F: the association suggests reviewing provider1's router, in the
	// finance sector; lab2's assignment is ended and expert4 recuses.
	F := m.newCase("F", "provider1", "Huaxin HX-7000 Edge Router", "core_network_equipment", false, "pkg:generic/huaxin/hx-7000", "1.0.0")
	c, err := s.CreateCase(ctx, f.Actors["association"], review.NewCase{Trigger: review.TriggerAssociationSuggestion,
		ProductID: F.product, VersionIDs: []int64{F.version}, Sector: "finance", Summary: "Edge routers in bank branches."})
	m.must(err, "open F")
	F.number = c.Number
	m.act("association", F.number, review.ActSubmit, review.Input{})
	m.act("office", F.number, review.ActBeginScreening, review.Input{})
	m.act("office", F.number, review.ActAccept, review.Input{})
	m.act("office", F.number, review.ActMarkImportant, review.Input{})
	for _, lab := range []string{"lab1", "lab2"} {
		m.act("office", F.number, review.ActAssignLab, review.Input{LabOrgID: f.Orgs[lab].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration(lab)})
	}
	m.act("office", F.number, review.ActBeginEvaluation, review.Input{})
	F.material = m.upload("provider1", "/api/v1/cases/"+F.number+"/materials?filename=design.pdf", []byte("provider1's design document"))
	F.sbom = m.upload("provider1", "/api/v1/cases/"+F.number+"/sboms?filename=bom.json&version_id="+itoa(F.version), sbomFile)

	t.Run("EndingAnAssignmentEndsAccessAtOnce", func(t *testing.T) {
		m.endsAccess(t, F, "lab2", func() {
			v, err := s.Case(ctx, f.Actors["office"], F.number)
			m.must(err, "read F")
			for _, a := range v.Assignments {
				if a.Lab != nil && a.Lab.ID == f.Orgs["lab2"].ID {
					m.act("office", F.number, review.ActEndAssignment, review.Input{AssignmentID: a.ID, Reason: "lab2 is needed elsewhere"})
				}
			}
		})
	})
	m.must(demo.Evaluate(ctx, s, f, F.number, "lab1", met, review.OutcomePass), "evaluate F")
	m.must(demo.Commit(ctx, s, f, F.number, "provider1"), "commit F")
	m.act("office", F.number, review.ActCompleteEvaluation, review.Input{})
	for _, e := range []string{"expert1", "expert2", "expert3", "expert4"} {
		m.act("office", F.number, review.ActAssignExpert, review.Input{ExpertUserID: f.Users[e].ID, Declaration: demo.Declaration(e)})
	}
	t.Run("RecusingEndsAccessAtOnce", func(t *testing.T) {
		m.endsAccess(t, F, "expert4", func() {
			m.act("expert4", F.number, review.ActRecuse, review.Input{Reason: "a former colleague leads the provider's team"})
		})
	})
	for _, e := range []string{"expert1", "expert2", "expert3"} {
		m.act(e, F.number, review.ActGiveOpinion, review.Input{Recommendation: review.OutcomePass, Rationale: "Risks controlled.", Areas: demo.Areas(review.RiskLow, "")})
	}
	m.act("office", F.number, review.ActReferToCommittee, review.Input{})
	for _, c := range []string{"committee", "committee2", "committee3"} {
		m.act(c, F.number, review.ActCastVote, review.Input{Outcome: review.OutcomePass, Rationale: "Agree with the experts."})
	}
	m.act("committee", F.number, review.ActCommitteeDecide, review.Input{Outcome: review.OutcomePass, Rationale: "The committee's majority."})
	m.act("office", F.number, review.ActPublish, review.Input{Scope: review.ScopeParties})

	// G: the energy CIIO declares a procurement of provider2's platform;
	// the CII department has it reviewed; published to the sector.
	G := m.newCase("G", "provider2", "Lanyun Dispatch Data Platform", "cloud_services", true, "pkg:generic/lanyun/dispatch-platform", "2.1")
	c, err = s.CreateCase(ctx, f.Actors["ciio"], review.NewCase{Trigger: review.TriggerCIIOProcurement,
		ProductID: G.product, VersionIDs: []int64{G.version}, Procurement: &review.Procurement{Description: "Dispatch data platform", ContractRef: "NGP-2026-200"}})
	m.must(err, "open G")
	G.number = c.Number
	G.material = m.upload("ciio", "/api/v1/cases/"+G.number+"/materials?filename=tender.pdf", []byte("the CIIO's tender"))
	m.act("ciio", G.number, review.ActDeclare, review.Input{})
	m.act("cii", G.number, review.ActDetermineRequired, review.Input{Rationale: "Dispatch data concerns national security."})
	m.act("office", G.number, review.ActAssignLab, review.Input{LabOrgID: f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")})
	m.act("office", G.number, review.ActBeginEvaluation, review.Input{})
	G.sbom = m.upload("provider2", "/api/v1/cases/"+G.number+"/sboms?filename=bom.json&version_id="+itoa(G.version), sbomFile)
	m.must(demo.Evaluate(ctx, s, f, G.number, "lab1", met, review.OutcomePass), "evaluate G")
	m.must(demo.Commit(ctx, s, f, G.number, "provider2"), "commit G")
	m.act("office", G.number, review.ActCompleteEvaluation, review.Input{})
	for _, e := range []string{"expert2", "expert3", "expert4"} {
		m.act("office", G.number, review.ActAssignExpert, review.Input{ExpertUserID: f.Users[e].ID, Declaration: demo.Declaration(e)})
		m.act(e, G.number, review.ActGiveOpinion, review.Input{Recommendation: review.OutcomePass, Rationale: "Risks controlled.", Areas: demo.Areas(review.RiskLow, "")})
	}
	m.act("office", G.number, review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "Lab and experts agree."})
	m.act("office", G.number, review.ActPublish, review.Input{Scope: review.ScopeSector})
	_, err = s.Sequence(ctx, 0)
	m.must(err, "sequence the log")

	imp, err := s.ImportAdvisories(ctx, f.Actors["office"], "test", recs, stats)
	m.must(err, "import advisories again")
	n, err := s.FlagReReviews(ctx, imp.ID)
	m.must(err, "flag re-reviews")
	if n != 2 {
		t.Fatalf("fixture: %d re-review flags, want F's and G's", n)
	}
	m.advisory = late
	today := s.Now().UTC().Format(time.DateOnly)
	rep, err := s.GenerateProviderReport(ctx, f.Actors["office"], f.Orgs["provider1"].ID, "2026-01-01", today)
	m.must(err, "provider report")
	m.report = rep.ID
	notes, err := s.Notifications(ctx, f.Actors["provider1"], "", 1)
	m.must(err, "notifications")
	if len(notes.Items) == 0 {
		t.Fatal("fixture: provider1 has no notification")
	}
	m.notice = notes.Items[0].ID
	hook, err := s.CreateWebhook(ctx, f.Actors["procurer"], "https://203.0.113.10/shencha")
	m.must(err, "webhook")
	m.hook = hook.ID
	flags, err := s.RereviewFlags(ctx, f.Actors["office"], true)
	m.must(err, "flags")
	office := f.Actors["office"]
	for _, x := range []*caseIDs{F, G} {
		for _, fl := range flags {
			if fl.Case == x.number {
				x.flag = fl.ID
			}
		}
		ans, err := s.Listings(ctx, office, store.ListingQuery{ProductID: x.product})
		m.must(err, "listing")
		if len(ans) != 1 || ans[0].ListingID == 0 {
			t.Fatalf("fixture: listings of %s: %+v", x.number, ans)
		}
		x.listing = ans[0].ListingID
		plan, err := s.Plan(ctx, office, x.number)
		m.must(err, "plan")
		x.planItem, x.criterion = plan[0].ID, plan[0].CriterionID
		// The lab's own evidence, not the analysis of the provider's SBOM.
		ev, err := s.Evidence(ctx, office, x.number, "fixture")
		m.must(err, "evidence")
		for _, e := range ev {
			if e.Kind == review.EvidenceLabTest {
				x.evidence = e.ID
			}
		}
		x.tip, x.tipFile = m.fileTip(x.product)
		d, err := s.LetterPDF(ctx, office, x.number, "en", document.DecisionLetter)
		m.must(err, "letter")
		x.letter = d.SHA256
		if x.flag == 0 || x.material == 0 || x.sbom == 0 || x.evidence == 0 {
			t.Fatalf("fixture: case %s lacks a resource: %+v", x.number, x)
		}
	}

	accs, err := s.Accreditations(ctx, f.Orgs["lab2"].ID)
	m.must(err, "accreditations")
	m.accreditation = accs[0].ID
	// Each asker gets a token to revoke (its own for relation own, else
	// committee2's) and two keys of its case's provider (the API's route
	// and the page's each revoke one).
	admin := review.Actor{Username: "fixture", Role: review.RoleAdmin}
	for _, a := range askers {
		owner := "committee2"
		if a.rel == "own" {
			owner = a.user
		}
		_, tok, err := s.CreateToken(ctx, f.Actors[owner], "matrix "+a.String(), []string{"read"}, 24*time.Hour)
		m.must(err, "token")
		m.tokens[a.String()] = tok.ID
		pub, _, _ := ed25519.GenerateKey(nil)
		k, err := s.AddSigningKey(ctx, admin, m.cases[a.caseKey].provider, signature.FormatPublicKey(pub))
		m.must(err, "signing key")
		m.keys[a.String()] = k.KeyID
		pub, _, _ = ed25519.GenerateKey(nil)
		k, err = s.AddSigningKey(ctx, admin, m.cases[a.caseKey].provider, signature.FormatPublicKey(pub))
		m.must(err, "signing key")
		m.pageKeys[a.String()] = k.KeyID
	}
	// A static file's URL, as the pages link it.
	_, body := m.send(asker{role: "anonymous"}, true, "GET", "/login", "", false)
	mm := regexp.MustCompile(`/static/([0-9a-f]+)/([a-z.]+\.css)`).FindStringSubmatch(body)
	if mm == nil {
		t.Fatalf("fixture: no static file linked from /login")
	}
	m.staticHash, m.static = mm[1], mm[2]
}

// newCase adds a product with one version for a provider and returns the
// resources of case key ("F", "G") so far.
func (m *matrix) newCase(key, provider, name string, cat review.Category, service bool, purl, version string) *caseIDs {
	ctx := context.Background()
	a := m.f.Actors[provider]
	p, err := m.s.CreateProduct(ctx, a, review.Product{Name: name, Category: cat, Service: service})
	m.must(err, "product")
	v, err := m.s.AddVersion(ctx, a, review.Version{ProductID: p.ID, Version: version, PURL: purl + "@" + version})
	m.must(err, "version")
	x := &caseIDs{product: p.ID, version: v.ID, provider: m.f.Orgs[provider].ID}
	m.cases[key] = x
	return x
}

// upload sends a file through the API and returns the new resource's id.
func (m *matrix) upload(user, path string, body []byte) int64 {
	m.t.Helper()
	req, _ := http.NewRequest("POST", m.url+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+m.session(user))
	resp, err := http.DefaultClient.Do(req)
	m.must(err, "upload")
	defer resp.Body.Close()
	var out struct{ ID int64 }
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 || json.Unmarshal(b, &out) != nil || out.ID == 0 {
		m.t.Fatalf("fixture: upload %s as %s: %d %s", path, user, resp.StatusCode, b)
	}
	return out.ID
}

// endsAccess checks that the user reads the case, its file and its page
// while assigned, and none of them right after end() ends the assignment
// (not found, or forbidden with the reason the assignment ended).
func (m *matrix) endsAccess(t *testing.T, c *caseIDs, user string, end func()) {
	a := asker{role: "x", user: user}
	paths := []struct {
		ui   bool
		path string
	}{
		{false, "/api/v1/cases/" + c.number},
		{false, "/api/v1/cases/" + c.number + "/materials/" + itoa(c.material)},
		{true, "/cases/" + c.number},
	}
	for _, p := range paths {
		if code, body := m.send(a, p.ui, "GET", p.path, "", false); code != 200 {
			t.Fatalf("%s while assigned: GET %s: %d %s", user, p.path, code, excerpt(body))
		}
	}
	end()
	for _, p := range paths {
		if code, body := m.send(a, p.ui, "GET", p.path, "", false); allowedAnswer(code, body) {
			t.Errorf("%s after its assignment ended: GET %s: %d %s, want it refused", user, p.path, code, excerpt(body))
		}
	}
}

// session signs a user in once and keeps the token.
func (m *matrix) session(user string) string {
	m.t.Helper()
	if tok, ok := m.sessions[user]; ok {
		return tok
	}
	b, _ := json.Marshal(map[string]string{"username": user, "password": demo.DefaultPassword})
	resp, err := http.Post(m.url+"/api/v1/login", "application/json", bytes.NewReader(b))
	m.must(err, "login")
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Token == "" {
		m.t.Fatalf("fixture: login %s: %d %v", user, resp.StatusCode, err)
	}
	m.sessions[user] = out.Token
	return out.Token
}

// send makes one request as the asker: a bearer token to the API, the
// session cookie (same-origin, as a browser's form) to pages.
func (m *matrix) send(a asker, ui bool, method, path, body string, spends bool) (int, string) {
	m.t.Helper()
	req, err := http.NewRequest(method, m.url+path, strings.NewReader(body))
	m.must(err, "request")
	switch {
	case strings.HasPrefix(body, "--B"):
		req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	case ui && body != "":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	if ui {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if a.user != "" {
		tok := m.session(a.user)
		if ui {
			req.AddCookie(&http.Cookie{Name: "shencha_session", Value: tok})
		} else {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if spends {
			delete(m.sessions, a.user)
		}
	}
	resp, err := noRedirect.Do(req)
	m.must(err, method+" "+path)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 3 {
		return resp.StatusCode, "Location: " + resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// allowedAnswer classifies an answer: refused is 401, 403 or 404, or a
// page's redirect to sign in; any other answer passed the authorization
// check (a 400 for the body sent, a 409 for the closed case).
func allowedAnswer(code int, body string) bool {
	switch {
	case code == 401 || code == 403 || code == 404:
		return false
	case code/100 == 3 && strings.HasPrefix(body, "Location: /login"):
		return false
	}
	return true
}

var paramRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// fill puts the asker's resources into a path: each {param} is read with
// the path segment before it ("materials/{id}" is the case's file).
func (m *matrix) fill(a asker, path string) (string, error) {
	c := m.cases[a.caseKey]
	// A query names the listing.
	path = strings.ReplaceAll(path, "{listing}", itoa(c.listing))
	var missing error
	segs := strings.Split(path, "/")
	for i, sg := range segs {
		mm := paramRE.FindStringSubmatch(sg)
		if mm == nil {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		if prev == "reports" && strings.HasPrefix(path, "/api/v1/reports/") {
			prev = "public-reports" // the API's public reports; /reports/{id} is a provider report
		}
		if v, ok := m.value(a, c, prev, mm[1]); ok {
			segs[i] = strings.Replace(sg, mm[0], v, 1)
		} else {
			missing = fmt.Errorf("no value for %s after %q: bind it in (*matrix).value", mm[0], prev)
		}
	}
	return strings.Join(segs, "/"), missing
}

// value is the asker's resource for a path parameter.
func (m *matrix) value(a asker, c *caseIDs, prev, param string) (string, bool) {
	switch prev + "/" + param {
	case "cases/number":
		return c.number, true
	case "materials/id":
		return itoa(c.material), true
	case "evidence/id":
		return itoa(c.evidence), true
	case "sboms/id":
		return itoa(c.sbom), true
	case "plan/id":
		return itoa(c.planItem), true
	case "findings/criterion":
		return c.criterion, true
	case "listings/id", "results/id":
		return itoa(c.listing), true
	case "products/id":
		return itoa(c.product), true
	case "versions/id":
		return itoa(c.version), true
	case "orgs/id":
		return itoa(c.provider), true
	case "keys/org":
		return itoa(c.provider), true
	case "keys/key_id":
		return m.keys[a.String()], true
	case "tokens/id":
		return itoa(m.tokens[a.String()]), true
	case "accreditations/id":
		return itoa(m.accreditation), true
	case "advisories/id":
		return m.advisory, true
	case "rereview-flags/id":
		return itoa(c.flag), true
	case "public-reports/id":
		return itoa(c.tip), true
	case "files/file":
		return itoa(c.tipFile), true
	case "notifications/id":
		return itoa(m.notice), true
	case "webhooks/id":
		return itoa(m.hook), true
	case "provider-reports/id", "reports/id":
		return itoa(m.report), true
	case "documents/digest":
		return c.letter, true
	case "catalog/version":
		return m.catVer, true
	case "entries/index":
		return "0", true
	case "static/hash":
		return m.staticHash, true
	}
	if param == "key" { // /keys/{org}/{key}: the asker's throwaway key
		return m.pageKeys[a.String()], true
	}
	if param == "name" && prev == m.staticHash {
		return m.static, true
	}
	return "", false
}

// run checks every row as every asker.
func (m *matrix) run(t *testing.T) {
	routes := m.srv.AllRoutes()
	served := map[string]bool{}
	for _, r := range routes {
		served[r.Method+" "+r.Path] = true
	}
	rows := map[string]int{}
	for _, r := range table {
		if !served[r.route] {
			t.Errorf("table row for %q: the server has no such route", r.route)
		}
		rows[r.route]++
	}
	for _, r := range routes {
		if rows[r.Method+" "+r.Path] == 0 {
			t.Errorf("route %s %s has no row in the authorization table (authz_table_test.go): say who may call it", r.Method, r.Path)
		}
	}
	isUI := map[string]bool{}
	for _, r := range routes {
		isUI[r.Method+" "+r.Path] = r.UI
	}
	roles, rels := map[string]bool{}, map[string]bool{}
	for _, a := range askers {
		roles[a.role], rels[a.rel] = true, true
	}
	var checks, allowedN, deniedN, wrong int
	for _, r := range table {
		allow, err := expand(r.allow)
		if err != nil {
			t.Errorf("%s: %v", r.route, err)
			continue
		}
		method, pattern, _ := strings.Cut(r.route, " ")
		path := pattern
		if r.path != "" {
			path = r.path
		}
		path = strings.TrimSuffix(path, "{$}")
		for _, a := range askers {
			p, err := m.fill(a, path)
			if err != nil {
				t.Errorf("%s: %v", r.route, err)
				break
			}
			code, body := m.send(a, isUI[r.route], method, p, r.body, r.spends)
			checks++
			want, got := allow[a.String()], allowedAnswer(code, body)
			if want {
				allowedN++
			} else {
				deniedN++
			}
			switch {
			case code >= 500 || code == 405 || code == 429:
				t.Errorf("%s %s as %s (%s): %d %s", method, p, a, a.user, code, excerpt(body))
				wrong++
			case want != got:
				t.Errorf("%s %s as %s (%s): want %s, got %d %s", method, p, a, a.user, verdict(want), code, excerpt(body))
				wrong++
			}
		}
	}
	t.Logf("authorization matrix: %d routes (%d rows) × %d roles × %d relations (%d askers) = %d checks (%d allowed, %d denied); %d wrong",
		len(routes), len(table), len(roles), len(rels), len(askers), checks, allowedN, deniedN, wrong)
}

func verdict(allowed bool) string {
	if allowed {
		return "allowed"
	}
	return "denied"
}

func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// expand turns an allow list into the askers it names; a name that is no
// asker, role or group is an error, so a typo cannot deny silently.
func expand(spec string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, name := range strings.Fields(spec) {
		if g, ok := groups[name]; ok {
			sub, err := expand(g)
			if err != nil {
				return nil, err
			}
			for k := range sub {
				out[k] = true
			}
			continue
		}
		n := 0
		for _, a := range askers {
			role, rel, hasRel := strings.Cut(name, ":")
			match := name == "public" ||
				name == "signed-in" && a.role != "anonymous" ||
				a.role == role && (!hasRel || a.rel == rel)
			if match {
				out[a.String()] = true
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("allow names %q: no such asker, role or group", name)
		}
	}
	return out, nil
}

// fileTip files a public report (举报) about a product, with one file, as
// anyone would (through the API, anonymously), and returns its id and its
// file's, as the office reads them.
func (m *matrix) fileTip(product int64) (int64, int64) {
	m.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("product_id", itoa(product))
	mw.WriteField("description", "The device answers on an undeclared port.")
	fw, _ := mw.CreateFormFile("file", "scan.txt")
	fw.Write([]byte("port 2323 open"))
	mw.Close()
	resp, err := http.Post(m.url+"/api/v1/reports", mw.FormDataContentType(), &buf)
	m.must(err, "public report")
	resp.Body.Close()
	if resp.StatusCode != 201 {
		m.t.Fatalf("fixture: filing a public report: %d", resp.StatusCode)
	}
	office := m.f.Actors["office"]
	page, err := m.s.Reports(context.Background(), office, store.PublicReportFilter{})
	m.must(err, "public reports")
	for _, r := range page.Items {
		v, err := m.s.Report(context.Background(), office, r.ID, "fixture")
		m.must(err, "public report")
		if v.ProductID == product && len(v.Attachments) == 1 {
			return r.ID, v.Attachments[0].ID
		}
	}
	m.t.Fatalf("fixture: the public report about product %d is not in the office's list", product)
	return 0, 0
}
