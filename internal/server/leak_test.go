package server_test

// The marker-string leak test (tracker issue 7): unique markers go into
// every confidential field, through the API as the people who write them;
// then everything the public can reach is crawled, errors are provoked, the
// wrong people ask for the cases, and every answer (headers, bodies and
// every base64 inside them, so the log's envelopes and statements too) and
// the server's log are searched for the markers. Each marker must also be
// found by a person entitled to it, or the seeding silently failed.
//
// The seed adds four cases to the demo's: P, reviewed by lab and experts
// and decided by the committee, published to the parties only; S, with an
// SBOM and a VEX, published to its sector; C, a CIIO's declaration the CII
// department decides needs no review; T, a suggestion the office declines.
// The confidential text columns of the schema (migrations 0001–0006) and
// where the seed puts a marker in them:
//
//	cases.summary, rationale, departure_rationale    cases P, S and T
//	case_events.input                                every action input below (not_accept's reason is only there)
//	assignments.report_summary, opinion_summary,
//	  opinion_areas, ended_reason                    P (report, opinions, a recusal, a suspended lab), S (an ended assignment)
//	supplements.items, answer                        P (at screening and during evaluation)
//	materials.filename and the files' content        P (provider and lab files), S (the SBOM)
//	conditions.text                                  P (parties) and S (sector): not public results
//	clocks.extend_reason                             P (extend_clock), S (mark_complex)
//	procurements.description, contract_ref, amount,
//	  rationale                                      C (a CIIO's declaration and the determination)
//	listing_events.reason                            P and S, suspended: reasons of results that are not public
//	evidence.title, data, countersign_note           P (an inspection checklist)
//	findings.rationale                               P
//	signed_documents.payload                         P (the lab report's summary is signed)
//	votes.rationale                                  P
//	fulfilments.summary, note                        P
//	sbom_analyses.report, vex; components.name,
//	  supplier                                       S (an SBOM and a VEX)
//	rereview_flags.note                              S
//	log_queue/log_entries.envelope, salt             P and S: the statements of results that are not public
//	ties.note, accreditations.suspended_reason       written by the admin; no route reads either back (the
//	                                                 suspension reason shows as the lab's ended assignment on P)
//	users.password_hash                              the password itself is a secret marker: nobody reads it back
//	products.name, product_versions.version
//	  (and purl, cpe), orgs.name                     the subjects of P (parties) and S (sector): catalogue, below
//	audit.detail                                     holds every marker; no route serves it
//
// Not confidential, so without markers: ids, states, kinds, outcomes,
// scopes, dates, digests, hashes and signatures; users' and organisations'
// names and sectors other than the providers' below (directory data for
// signed-in users and the parties); tokens.name (the owner's); the
// accreditations' methods and categories; assignments.declaration (a fixed
// form); calendar_years.data (official holidays); catalog_versions (the
// published criteria) and their approval note; advisories, advisory_imports
// and advisory_ratings (public OSV data and reviewers' ratings of it, shared
// with every signed-in reviewer); custody (who read a file, from where);
// log_hashes, log_checkpoints, log_signatures and the entries of public
// results (public by design).
//
// Product, version and provider names are the register's catalogue: whoever
// names a product (by its id, purl, CPE, artifact digest, or a search by
// name) is told its name, and "not_disclosed" for a result outside their
// scope (DESIGN §3, §6). Those markers may therefore come back to a request
// that names the product, and nowhere else: not to a lookup by listing id,
// a result page, the feeds, the log or an error.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shencha/internal/catalog"
	"shencha/internal/demo"
	"shencha/internal/jobs"
	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/signature"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// marker is a unique string put into one confidential field.
type marker struct {
	value string // LEAK-<field>-<id>
	id    string // its random part, searched for: a truncated marker still shows
	field string
	// readers are those entitled to read it; the first must find it on the
	// pages of the seeded cases or the global pages. None: nothing reads
	// the field back.
	readers   []string
	catalogue bool // a product, version or provider name: see the file comment
	secret    bool // never shown to anyone, not even echoed (a password)
	seen      bool // the first reader found it
}

// leakEnv is a server with the demo, the markers and what the crawl saw.
type leakEnv struct {
	*env
	ctx     context.Context
	log     *lockedBuffer
	markers []*marker
	cases   []string          // the seeded cases, whose pages the readers and strangers read
	passwd  map[string]string // users whose password is not the demo's
	client  *http.Client      // follows no redirect: each answer is searched
	answers int
	bytes   int64
	leaks   []string
}

// lockedBuffer is the server's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// mark makes a marker for a confidential field that the readers are
// entitled to, the first of whom must find it; adding one is this one line
// where the field is written.
func (l *leakEnv) mark(field string, readers ...string) string {
	return l.add(field, readers, false, false)
}

// catalogueMark makes a marker for a product, version or provider name.
func (l *leakEnv) catalogueMark(field string, readers ...string) string {
	return l.add(field, readers, true, false)
}

// secret makes a marker nobody may ever read back.
func (l *leakEnv) secret(field string) string { return l.add(field, nil, false, true) }

func (l *leakEnv) add(field string, readers []string, catalogue, secret bool) string {
	b := make([]byte, 6)
	rand.Read(b)
	m := &marker{id: hex.EncodeToString(b), field: field, readers: readers, catalogue: catalogue, secret: secret}
	m.value = "LEAK-" + field + "-" + m.id
	l.markers = append(l.markers, m)
	return m.value
}

func TestMarkerLeaks(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			l := &leakEnv{ctx: context.Background(), log: &lockedBuffer{}, passwd: map[string]string{},
				client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
			logger := slog.New(slog.NewJSONHandler(l.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			l.env = newEnvWith(t, b, func(c *server.Config) {
				c.Log = logger
				c.Rates = server.Rates{Anonymous: 1e9, Session: 1e9, Token: 1e9} // the crawl is one busy client
			})
			// The job queue runs as under serve, logging to the same log,
			// sending e-mails and webhook deliveries to an outbox.
			out, opts := startOutbox(t)
			client, err := jobs.Start(l.ctx, l.s, logger, opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { client.Stop(l.ctx) })
			l.subscribe(t, out)
			if err := demo.SeedCases(l.ctx, l.s, l.f); err != nil {
				t.Fatal(err)
			}
			l.seedAdmin(t)
			p := l.seedPartiesCase(t)
			s := l.seedSectorCase(t)
			l.seedAdvisoryFlag(t)
			l.suspend(t, p, "listing_events.reason.parties")
			// A sector's result, and so its suspension's reason, is the
			// sector's buyers' to read too (DESIGN §3): the energy CIIO's.
			l.suspend(t, s, "listing_events.reason.sector", "ciio")
			l.seedProcurement(t)
			l.seedSuggestion(t)
			if _, err := l.s.Sequence(l.ctx, 0); err != nil {
				t.Fatal(err)
			}
			l.breakFile(t, p)

			l.searchOutbox(t, out)
			l.crawlPublic(t)
			l.crawlStrangers(t)
			l.crawlReaders(t)
			l.searchLog(t)

			for _, leak := range l.leaks {
				t.Error(leak)
			}
			for _, m := range l.markers {
				if len(m.readers) > 0 && !m.seen {
					t.Errorf("marker %s was seeded but %s, who may read it, never saw it: the test would miss its leak", m.value, m.readers[0])
				}
			}
			t.Logf("%d markers seeded; %d answers crawled, %d bytes searched (with the base64 inside them); %d bytes of server log searched",
				len(l.markers), l.answers, l.bytes, len(l.log.String()))
		})
	}
}

// login signs a user in with their password (the demo's unless set).
func (l *leakEnv) login(t *testing.T, user string) {
	pw, ok := l.passwd[user]
	if !ok {
		l.token(user)
		return
	}
	var out struct{ Token string }
	if code := l.do("", "POST", "/api/v1/login", map[string]string{"username": user, "password": pw}, &out); code != 200 {
		t.Fatalf("login %s: %d", user, code)
	}
	l.tokens[user] = out.Token
}

// must sends a JSON request that must succeed with want and decodes it.
func (l *leakEnv) must(t *testing.T, want int, user, method, path string, body, out any) {
	t.Helper()
	code, data := l.send(user, method, path, body, "en")
	if code != want {
		t.Fatalf("%s %s as %s: %d %s", method, path, user, code, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// seedAdmin writes the admin's confidential notes and a provider whose
// name, and its user's password, are markers.
func (l *leakEnv) seedAdmin(t *testing.T) {
	// A tie's note is kept for the conflict check; nothing reads it back.
	l.must(t, 201, "admin", "POST", "/api/v1/ties", map[string]any{"expert_user_id": l.f.Users["expert4"].ID,
		"provider_org_id": l.f.Orgs["provider2"].ID, "kind": review.TieConsulting, "note": l.mark("ties.note")}, nil)

	// The background investigation: an owner in provider1's chain, its
	// name and the office's notes on it.
	l.must(t, 201, "office", "POST", "/api/v1/orgs/"+itoa(l.f.Orgs["provider1"].ID)+"/ownership", map[string]any{
		"owner_name": l.mark("ownership.owner_name", "office", "provider1"), "owner_kind": review.OwnerCompany, "jurisdiction": "KY",
		"share": "0", "notes": l.mark("ownership.notes", "office", "provider1")}, nil)

	// A public report (举报), filed anonymously: its text and the
	// reporter's contact are the office's alone.
	l.must(t, 201, "", "POST", "/api/v1/reports", map[string]any{"provider_org_id": l.f.Orgs["provider1"].ID,
		"description": "Port 2323 answers with a login prompt: " + l.mark("public_reports.description", "office"),
		"contact":     map[string]string{"name": l.mark("public_reports.contact_name", "office"), "email": "reporter@example.com"}}, nil)

	var org struct{ ID int64 }
	l.must(t, 201, "admin", "POST", "/api/v1/orgs", map[string]any{"kind": review.OrgProvider,
		"name": l.catalogueMark("orgs.name", "office")}, &org)
	pw := l.secret("password")
	var u struct{ ID int64 }
	l.must(t, 201, "admin", "POST", "/api/v1/users", map[string]any{"username": "leakprov", "display_name": "Provider under a sector-scoped result",
		"org_id": org.ID, "role": review.RoleProvider, "password": pw}, &u)
	l.passwd["leakprov"] = pw
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	l.must(t, 201, "admin", "POST", "/api/v1/orgs/"+itoa(org.ID)+"/keys", map[string]string{"public_key": signature.FormatPublicKey(pub)}, nil)
	a, err := l.s.ActorOf(l.ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	l.f.Actors["leakprov"], l.f.Keys["leakprov"] = a, priv
	l.f.Orgs["leakprov"], err = l.s.Org(l.ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	l.login(t, "leakprov")
}

// product adds a product with one version as its provider.
func (l *leakEnv) product(t *testing.T, provider, name, version, slug string, service bool) (int64, int64) {
	var p struct{ ID int64 }
	cat := review.Category("core_network_equipment")
	if service {
		cat = "cloud_services"
	}
	l.must(t, 201, provider, "POST", "/api/v1/products", map[string]any{"name": name, "category": cat, "service": service}, &p)
	sum := sha256.Sum256([]byte(slug + version))
	var v struct{ ID int64 }
	l.must(t, 201, provider, "POST", "/api/v1/products/"+itoa(p.ID)+"/versions", map[string]string{"version": version,
		"purl": "pkg:generic/leak/" + slug + "@" + version, "cpe": "cpe:2.3:a:leak:" + slug + ":" + version + ":*:*:*:*:*:*:*",
		"artifact_sha256": hex.EncodeToString(sum[:])}, &v)
	return p.ID, v.ID
}

func (l *leakEnv) open(t *testing.T, user string, in review.NewCase) string {
	var c caseDoc
	l.must(t, 201, user, "POST", "/api/v1/cases", in, &c)
	l.cases = append(l.cases, c.Number)
	return c.Number
}

// uploadFile stores a file on a case as a user; its name and content carry
// markers.
func (l *leakEnv) uploadFile(t *testing.T, user, number, name, content string) int64 {
	code, body := l.postFile(user, "/api/v1/cases/"+number+"/materials?filename="+url.QueryEscape(name), []byte(content))
	var m struct{ ID int64 }
	json.Unmarshal(body, &m)
	if code != 201 || m.ID == 0 {
		t.Fatalf("upload %s to %s as %s: %d %s", name, number, user, code, body)
	}
	return m.ID
}

// signedDraft asks for the canonical bytes to sign and signs them with
// the organisation's own key.
func (l *leakEnv) signedDraft(t *testing.T, user, path string, body any) string {
	code, payload := l.send(user, "POST", path, body, "en")
	if code != 200 {
		t.Fatalf("%s as %s: %d %s", path, user, code, payload)
	}
	return signature.Sign(l.f.Keys[user], payload)
}

// labAssignment is the id of the case's active assignment of a lab for a method.
func (l *leakEnv) labAssignment(t *testing.T, number, lab string, m review.Method) int64 {
	v, err := l.s.Case(l.ctx, l.f.Actors["office"], number)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range v.Assignments {
		if a.Lab != nil && a.Lab.ID == l.f.Orgs[lab].ID && a.Method == m && a.EndedAt == "" {
			return a.ID
		}
	}
	t.Fatalf("%s has no %s assignment on %s", lab, m, number)
	return 0
}

// seedPartiesCase takes a case through every step that writes something
// confidential, to a conditional pass by the committee published to the
// parties only; then the provider's fulfilment is rejected.
func (l *leakEnv) seedPartiesCase(t *testing.T) string {
	prod, ver := l.product(t, "provider1", l.catalogueMark("products.name.parties", "provider1"),
		l.catalogueMark("product_versions.version.parties", "provider1"), "parties-router", false)
	n := l.open(t, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: prod, VersionIDs: []int64{ver},
		Summary: l.mark("cases.summary", "provider1")})
	provFile := l.uploadFile(t, "provider1", n, l.mark("materials.filename.provider", "provider1"),
		"design documents: "+l.mark("blob.provider_material", "provider1"))
	l.uploadFile(t, "provider1", n, l.mark("materials.filename.broken", "provider1"), brokenFile)
	l.act("provider1", n, review.ActSubmit, review.Input{})
	l.act("office", n, review.ActBeginScreening, review.Input{})
	l.act("office", n, review.ActMarkIncomplete, review.Input{Items: l.mark("supplements.items.screening", "provider1")})
	l.act("provider1", n, review.ActResubmit, review.Input{Summary: l.mark("supplements.answer.screening", "office")})
	l.act("office", n, review.ActAccept, review.Input{})
	l.act("office", n, review.ActMarkImportant, review.Input{})
	l.act("office", n, review.ActAssignLab, review.Input{LabOrgID: l.f.Orgs["lab1"].ID, Method: review.MethodOnSite, Declaration: demo.Declaration("lab1")})
	l.act("office", n, review.ActAssignLab, review.Input{LabOrgID: l.f.Orgs["lab2"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab2")})
	l.act("office", n, review.ActBeginEvaluation, review.Input{})
	// The admin suspends lab2's accreditation: its assignment ends with the
	// reason, and lab2 is a former assignee who must see nothing more but
	// why its access ended.
	var accs struct{ Items []struct{ ID int64 } }
	l.must(t, 200, "admin", "GET", "/api/v1/accreditations?lab="+itoa(l.f.Orgs["lab2"].ID), nil, &accs)
	l.must(t, 204, "admin", "POST", "/api/v1/accreditations/"+itoa(accs.Items[0].ID)+"/suspend",
		map[string]string{"reason": l.mark("accreditations.suspended_reason", "office", "lab2")}, nil)
	l.act("office", n, review.ActExtendClock, review.Input{Clock: "review", Days: 5, Reason: l.mark("clocks.extend_reason", "office")})
	l.act("office", n, review.ActRequestSupplement, review.Input{Items: l.mark("supplements.items", "provider1")})
	l.act("provider1", n, review.ActAnswerSupplement, review.Input{Summary: l.mark("supplements.answer", "office")})

	// lab1 inspects on site: a checklist with a file, countersigned by
	// the provider, a finding per planned criterion, a signed report.
	asg := l.labAssignment(t, n, "lab1", review.MethodOnSite)
	cat, err := l.s.Catalog(l.ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	criteria := demo.CriteriaFor(cat, review.MethodOnSite, 2)
	var plan []store.PlanItem
	for _, c := range criteria {
		plan = append(plan, store.PlanItem{CriterionID: c, Method: review.MethodOnSite, AssignmentID: asg})
	}
	l.must(t, 201, "office", "POST", "/api/v1/cases/"+n+"/plan", map[string]any{"items": plan}, nil)
	labFile := l.uploadFile(t, "lab1", n, l.mark("materials.filename.lab", "office"), "photos of the build server: "+l.mark("blob.lab_material", "office"))
	checklist, _ := json.Marshal(review.Checklist{Site: l.mark("evidence.data.site", "office"), Date: "2026-03-02", Inspectors: []string{"Inspector A"},
		Items: []review.ChecklistItem{{Check: "Build server isolation", Result: "nonconforming", Note: l.mark("evidence.data.note", "office")}}})
	var ev struct{ ID int64 }
	l.must(t, 201, "lab1", "POST", "/api/v1/cases/"+n+"/evidence", map[string]any{"kind": review.EvidenceChecklist,
		"title": l.mark("evidence.title", "office"), "criteria": criteria, "materials": []int64{labFile}, "data": json.RawMessage(checklist), "assignment_id": asg}, &ev)
	l.must(t, 200, "provider1", "POST", "/api/v1/cases/"+n+"/evidence/"+itoa(ev.ID)+"/countersign",
		map[string]string{"note": l.mark("evidence.countersign_note", "office")}, nil)
	for _, c := range criteria {
		l.must(t, 200, "lab1", "PUT", "/api/v1/cases/"+n+"/findings/"+c, store.FindingInput{Status: catalog.StatusMet,
			Rationale: l.mark("findings.rationale", "office"), Evidence: []int64{ev.ID}, AssignmentID: asg}, nil)
	}
	summary := l.mark("assignments.report_summary", "office")
	sig := l.signedDraft(t, "lab1", "/api/v1/cases/"+n+"/reports/draft", map[string]any{"assignment_id": asg, "summary": summary, "recommendation": review.OutcomePass})
	l.act("lab1", n, review.ActSubmitReport, review.Input{AssignmentID: asg, Summary: summary, Recommendation: review.OutcomePass, Signature: sig})
	l.act("provider1", n, review.ActSubmitCommitment, review.Input{Signature: l.signedDraft(t, "provider1", "/api/v1/cases/"+n+"/commitment/draft", nil)})
	l.act("office", n, review.ActCompleteEvaluation, review.Input{})

	// Experts: one recuses, three give opinions; the committee votes and
	// decides a conditional pass, departing from the rule's pass.
	for _, x := range []string{"expert1", "expert2", "expert3", "expert4"} {
		l.act("office", n, review.ActAssignExpert, review.Input{ExpertUserID: l.f.Users[x].ID, Declaration: demo.Declaration(x)})
	}
	l.act("expert4", n, review.ActRecuse, review.Input{Reason: l.mark("assignments.ended_reason.recusal", "office", "expert4")})
	for _, x := range []string{"expert1", "expert2", "expert3"} {
		l.act(x, n, review.ActGiveOpinion, review.Input{Recommendation: review.OutcomeConditionalPass, Rationale: l.mark("assignments.opinion_summary", "office"),
			Areas: demo.Areas(review.RiskMedium, l.mark("assignments.opinion_areas", "office"))})
	}
	l.act("office", n, review.ActReferToCommittee, review.Input{})
	for _, x := range []string{"committee", "committee2", "committee3"} {
		l.act(x, n, review.ActCastVote, review.Input{Outcome: review.OutcomeConditionalPass, Rationale: l.mark("votes.rationale", "committee")})
	}
	l.act("committee", n, review.ActCommitteeDecide, review.Input{Outcome: review.OutcomeConditionalPass,
		Rationale: l.mark("cases.rationale", "provider1"), DepartureRationale: l.mark("cases.departure_rationale", "provider1"),
		Conditions: []review.Condition{{Text: l.mark("conditions.text.parties", "provider1"), Due: "2027-06-30"}}})
	l.act("office", n, review.ActPublish, review.Input{Scope: review.ScopeParties})

	v, err := l.s.Case(l.ctx, l.f.Actors["office"], n)
	if err != nil {
		t.Fatal(err)
	}
	cond := v.Decision.Conditions[0].ID
	l.act("provider1", n, review.ActSubmitFulfilment, review.Input{ConditionID: cond, Summary: l.mark("fulfilments.summary", "office"), Materials: []int64{provFile}})
	l.act("office", n, review.ActRejectFulfilment, review.Input{ConditionID: cond, Reason: l.mark("fulfilments.note", "provider1")})
	return n
}

// seedSectorCase reviews a service of the new provider, with an SBOM and a
// VEX and an ended lab assignment, to a conditional pass published to its
// sector (energy).
func (l *leakEnv) seedSectorCase(t *testing.T) string {
	prod, ver := l.product(t, "leakprov", l.catalogueMark("products.name.sector", "leakprov"), "1.0", "sector-vault", true)
	n := l.open(t, "leakprov", review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: prod, VersionIDs: []int64{ver}, Sector: "energy"})
	l.act("leakprov", n, review.ActSubmit, review.Input{})
	l.act("office", n, review.ActBeginScreening, review.Input{})
	l.act("office", n, review.ActAccept, review.Input{})
	l.act("office", n, review.ActAssignLab, review.Input{LabOrgID: l.f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")})
	l.act("office", n, review.ActAssignLab, review.Input{LabOrgID: l.f.Orgs["lab1"].ID, Method: review.MethodMonitoring, Declaration: demo.Declaration("lab1")})
	l.act("office", n, review.ActBeginEvaluation, review.Input{})
	l.act("office", n, review.ActEndAssignment, review.Input{AssignmentID: l.labAssignment(t, n, "lab1", review.MethodMonitoring),
		Reason: l.mark("assignments.ended_reason", "office", "lab1")})
	l.act("office", n, review.ActMarkComplex, review.Input{Reason: l.mark("clocks.extend_reason.complex", "office")})

	// The SBOM names a component of its own, one a known advisory hits
	// (the VEX explains it) and one an advisory will hit after publication.
	l.importAdvisories(t, "GO-2021-0113")
	sbomDoc := `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
		{"type":"library","bom-ref":"c1","name":"` + l.mark("components.name", "leakprov") + `","version":"1.0.0","purl":"pkg:generic/leak/inner@1.0.0",
		 "supplier":{"name":"` + l.mark("components.supplier", "leakprov") + `"}},
		{"type":"library","bom-ref":"c2","name":"text","version":"v0.3.5","purl":"pkg:golang/golang.org/x/text@v0.3.5"},
		{"type":"library","bom-ref":"c3","name":"jwt-go","version":"v3.2.0+incompatible","purl":"pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0+incompatible"}]}`
	var a struct{ ID int64 }
	code, body := l.postFile("leakprov", "/api/v1/cases/"+n+"/sboms?filename="+l.mark("materials.filename.sbom", "leakprov"), []byte(sbomDoc))
	if json.Unmarshal(body, &a); code != 201 || a.ID == 0 {
		t.Fatalf("SBOM: %d %s", code, body)
	}
	vex := `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/leak","author":"provider","timestamp":"2026-03-01T00:00:00Z","version":1,
"statements":[{"vulnerability":{"name":"GO-2021-0113"},"products":[{"@id":"pkg:golang/golang.org/x/text@v0.3.5"}],
"status":"not_affected","justification":"vulnerable_code_not_in_execute_path","impact_statement":"` + l.mark("sbom_analyses.vex", "leakprov") + `"}]}`
	if code, body := l.postFile("leakprov", "/api/v1/cases/"+n+"/sboms/"+itoa(a.ID)+"/vex", []byte(vex)); code != 200 {
		t.Fatalf("VEX: %d %s", code, body)
	}

	cat, err := l.s.Catalog(l.ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	met := map[string]catalog.Status{}
	for _, id := range demo.CriteriaFor(cat, review.MethodLabTesting, 2) {
		met[id] = catalog.StatusMet
	}
	if err := demo.Evaluate(l.ctx, l.s, l.f, n, "lab1", met, review.OutcomePass); err != nil {
		t.Fatal(err)
	}
	if err := demo.Commit(l.ctx, l.s, l.f, n, "leakprov"); err != nil {
		t.Fatal(err)
	}
	l.act("office", n, review.ActCompleteEvaluation, review.Input{})
	for _, x := range []string{"expert1", "expert2", "expert3"} {
		l.act("office", n, review.ActAssignExpert, review.Input{ExpertUserID: l.f.Users[x].ID, Declaration: demo.Declaration(x)})
		l.act(x, n, review.ActGiveOpinion, review.Input{Recommendation: review.OutcomeConditionalPass, Rationale: "Agree.", Areas: demo.Areas(review.RiskLow, "")})
	}
	l.act("office", n, review.ActDecide, review.Input{Outcome: review.OutcomeConditionalPass,
		Rationale: l.mark("cases.rationale.sector", "leakprov"), DepartureRationale: l.mark("cases.departure_rationale.sector", "leakprov"),
		Conditions: []review.Condition{{Text: l.mark("conditions.text.sector", "leakprov"), Due: "2027-06-30", SuspendIfOverdue: true}}})
	l.act("office", n, review.ActPublish, review.Input{Scope: review.ScopeSector})
	return n
}

// importAdvisories imports OSV advisories of the test data through the
// API, as the office, and returns the import's id.
func (l *leakEnv) importAdvisories(t *testing.T, ids ...string) int64 {
	src, err := zip.OpenReader("../vuln/testdata/osv/Go/all.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range src.File {
		if !slices.Contains(ids, strings.TrimSuffix(f.Name, ".json")) {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(f.Name)
		io.Copy(w, r)
		r.Close()
	}
	zw.Close()
	code, body := l.postFile("office", "/api/v1/advisories", buf.Bytes())
	var imp struct{ ID, Records int64 }
	if json.Unmarshal(body, &imp); code != 201 || imp.Records != int64(len(ids)) {
		t.Fatalf("import %v: %d %s", ids, code, body)
	}
	return imp.ID
}

// seedAdvisoryFlag imports the advisory that hits the sector case's
// published SBOM; the import's job flags the version, and the office
// closes the flag with a note.
func (l *leakEnv) seedAdvisoryFlag(t *testing.T) {
	l.importAdvisories(t, "GO-2021-0113", "GO-2020-0017")
	var flags struct{ Items []struct{ ID int64 } }
	for range 600 { // the job runs in the background: wait for it
		if l.must(t, 200, "office", "GET", "/api/v1/rereview-flags?open=1", nil, &flags); len(flags.Items) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(flags.Items) != 1 {
		t.Fatalf("re-review flags: %+v", flags.Items)
	}
	l.must(t, 204, "office", "POST", "/api/v1/rereview-flags/"+itoa(flags.Items[0].ID)+"/handle",
		map[string]string{"note": l.mark("rereview_flags.note", "office")}, nil)
}

// brokenFile is a file of case P whose stored copy is damaged, so reading
// it writes an error to the server's log.
const brokenFile = "a file damaged on disk"

// breakFile damages the stored copy of brokenFile and has the office read
// it: the refusal is logged, and the log must name no marker.
func (l *leakEnv) breakFile(t *testing.T, number string) {
	sum := sha256.Sum256([]byte(brokenFile))
	h := hex.EncodeToString(sum[:])
	path := filepath.Join(l.dir, "blobs", "sha256", h[:2], h[2:])
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := l.s.Case(l.ctx, l.f.Actors["office"], number)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Materials {
		if m.Digest == "sha256:"+h {
			if code, _, _ := l.fetch(t, "office", getReq("/api/v1/cases/"+number+"/materials/"+itoa(m.ID)), false); code != 500 {
				t.Fatalf("reading a damaged file: %d", code)
			}
		}
	}
	if !strings.Contains(l.log.String(), "file read failed") {
		t.Fatalf("the damaged file was not logged: %s", l.log.String())
	}
}

// suspend suspends a case's listing with a marked reason; the office reads
// it in the listing's history.
func (l *leakEnv) suspend(t *testing.T, number, field string, readers ...string) {
	v, err := l.s.Case(l.ctx, l.f.Actors["office"], number)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := l.s.Listings(l.ctx, l.f.Actors["office"], store.ListingQuery{ProductID: v.Product.ID, Version: v.Versions[0].Version})
	if err != nil || len(ans) != 1 || ans[0].ListingID == 0 {
		t.Fatalf("listing of %s: %+v %v", number, ans, err)
	}
	l.must(t, 200, "office", "POST", "/api/v1/listings/"+itoa(ans[0].ListingID)+"/actions/suspend", map[string]string{"reason": l.mark(field, append([]string{"office"}, readers...)...)}, nil)
}

// seedProcurement has the CIIO declare a procurement and the CII
// department decide no review is needed.
func (l *leakEnv) seedProcurement(t *testing.T) {
	n := l.open(t, "ciio", review.NewCase{Trigger: review.TriggerCIIOProcurement, ProductID: l.f.Cloud.ID, VersionIDs: []int64{l.f.CloudV[0].ID},
		Procurement: &review.Procurement{Description: l.mark("procurements.description", "cii"), ContractRef: l.mark("procurements.contract_ref", "ciio"),
			Value: l.mark("procurements.amount", "ciio")}})
	l.act("ciio", n, review.ActDeclare, review.Input{})
	l.act("cii", n, review.ActDetermineNotRequired, review.Input{Rationale: l.mark("procurements.rationale", "ciio")})
}

// seedSuggestion has the association suggest a review the office declines.
func (l *leakEnv) seedSuggestion(t *testing.T) {
	n := l.open(t, "association", review.NewCase{Trigger: review.TriggerAssociationSuggestion, ProductID: l.f.Router.ID,
		VersionIDs: []int64{l.f.RouterV[1].ID}, Summary: l.mark("cases.summary.suggestion", "association")})
	l.act("association", n, review.ActSubmit, review.Input{})
	l.act("office", n, review.ActBeginScreening, review.Input{})
	l.act("office", n, review.ActNotAccept, review.Input{Reason: l.mark("case_events.input.not_accept", "office")})
}

// crawlRequest is one request of a crawl.
type crawlRequest struct {
	method, path string
	body         []byte
	contentType  string
	header       http.Header // extra headers (a bad credential)
	// catalogue: the request names a product by its own identifiers, so
	// the product's name may come back (see the file comment).
	catalogue bool
}

// getReq, catalogueReq, postJSON and postBody make the requests of a crawl.
func getReq(path string) crawlRequest { return crawlRequest{method: "GET", path: path} }

func catalogueReq(path string) crawlRequest {
	return crawlRequest{method: "GET", path: path, catalogue: true}
}

func postJSON(path, body string) crawlRequest {
	return postBody(path, "application/json", body)
}

func postBody(path, contentType, body string) crawlRequest {
	return crawlRequest{method: "POST", path: path, body: []byte(body), contentType: contentType}
}

// fetch sends a request as a user ("" anonymous) and searches the answer.
// strict: the user is not entitled to any marker, so any marker in the
// answer is a leak, but for the exceptions of mayShow.
func (l *leakEnv) fetch(t *testing.T, user string, rq crawlRequest, strict bool) (int, http.Header, []byte) {
	t.Helper()
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, l.url+rq.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	for k, v := range rq.header {
		req.Header[k] = v
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+l.tokens[user])
	}
	resp, err := l.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	var text strings.Builder
	resp.Header.Write(&text)
	text.Write(data)
	searched := expandBase64(text.String(), 3)
	l.answers++
	l.bytes += int64(len(searched))
	who := user
	if who == "" {
		who = "anonymous"
	}
	sent := rq.path + "\n" + string(rq.body)
	for _, m := range l.markers {
		if !strings.Contains(searched, m.id) {
			continue
		}
		entitled := slices.Contains(m.readers, user)
		if entitled && m.readers[0] == user {
			m.seen = true
		}
		if strict && !entitled && !mayShow(m, rq, sent) {
			l.leaks = append(l.leaks, fmt.Sprintf("LEAK: %s %s as %s (%d): marker %s", rq.method, rq.path, who, resp.StatusCode, m.value))
		}
	}
	return resp.StatusCode, resp.Header, data
}

// mayShow is what an answer to someone not entitled to a marker may still
// hold: what the caller sent itself, and a product's name to a request
// naming the product. Never a secret.
func mayShow(m *marker, rq crawlRequest, sent string) bool {
	if m.secret {
		return false
	}
	return strings.Contains(sent, m.id) || m.catalogue && rq.catalogue
}

// base64Run finds text that may be base64: the log's entries, envelopes
// and statements, salts.
var base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{16,}={0,2}`)

// expandBase64 appends to text what every base64 run in it decodes to, to a
// depth: an envelope holds a base64 statement.
func expandBase64(text string, depth int) string {
	if depth == 0 {
		return text
	}
	var b strings.Builder
	b.WriteString(text)
	for _, run := range base64Run.FindAllString(text, -1) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(run); err == nil {
				b.WriteString("\n")
				b.WriteString(expandBase64(string(d), depth-1))
				break
			}
		}
	}
	return b.String()
}

// crawlSubject is a product version a crawler can name.
type crawlSubject struct {
	product             int64
	version, purl, cpe  string
	digest, productName string
	provider            string
}

// subjects lists every product version.
func (l *leakEnv) subjects(t *testing.T) []crawlSubject {
	var out []crawlSubject
	ps, err := l.s.Products(l.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		org, err := l.s.Org(l.ctx, p.ProviderOrgID)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := l.s.Versions(l.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			out = append(out, crawlSubject{product: p.ID, version: v.Version, purl: v.PURL, cpe: v.CPE, digest: v.ArtifactSHA256, productName: p.Name, provider: org.Name})
		}
	}
	return out
}

// maxID is the largest id of a table, for crawling every id (and two past it).
func (l *leakEnv) maxID(t *testing.T, table string) int64 {
	var n int64
	if err := l.s.DB().QueryRowContext(l.ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// crawlPublic reads everything the public can reach, as anonymous.
func (l *leakEnv) crawlPublic(t *testing.T) {
	subjects := l.subjects(t)
	listings, products := l.maxID(t, "listings"), l.maxID(t, "products")
	head, err := l.s.Checkpoint(l.ctx)
	if err != nil {
		t.Fatal(err)
	}
	size := head.Size
	var queue []crawlRequest
	add := func(rs ...crawlRequest) { queue = append(queue, rs...) }

	add(getReq("/"), getReq("/login"), getReq("/register"), getReq("/healthz"), getReq("/api/v1/openapi.json"),
		getReq("/api/v1/register/feed.atom"), getReq("/log/checkpoint"), getReq("/log/key"))
	for id := int64(1); id <= listings+2; id++ {
		q := "listing=" + itoa(id)
		add(getReq("/api/v1/eligibility?"+q), getReq("/api/v1/listings?"+q), getReq("/api/v1/eligibility?"+q+"&as_of=2026-01-01"), getReq("/results/"+itoa(id)))
	}
	var byListing, bySubject []map[string]any
	for id := int64(1); id <= listings; id++ {
		byListing = append(byListing, map[string]any{"listing": id})
	}
	for id := int64(1); id <= products+2; id++ {
		add(catalogueReq("/api/v1/products/" + itoa(id)))
	}
	for _, s := range subjects {
		for _, q := range []string{"purl=" + url.QueryEscape(s.purl), "cpe=" + url.QueryEscape(s.cpe), "product=" + itoa(s.product) + "&version=" + url.QueryEscape(s.version),
			"purl=" + url.QueryEscape(strings.Split(s.purl, "@")[0]), "purl=" + url.QueryEscape(s.purl) + "&as_of=2026-03-01"} {
			add(catalogueReq("/api/v1/eligibility?"+q), catalogueReq("/api/v1/listings?"+q))
		}
		if s.digest != "" {
			add(catalogueReq("/api/v1/eligibility?digest=sha256:" + s.digest))
		}
		add(catalogueReq("/register?purl="+url.QueryEscape(s.purl)), catalogueReq("/register?product="+url.QueryEscape(s.productName)),
			catalogueReq("/register?provider="+url.QueryEscape(s.provider)))
		bySubject = append(bySubject, map[string]any{"purl": s.purl}, map[string]any{"cpe": s.cpe}, map[string]any{"product": s.product, "version": s.version})
	}
	lines, _ := json.Marshal(byListing)
	add(postBody("/api/v1/eligibility/batch", "application/json", string(lines)))
	lines, _ = json.Marshal(bySubject)
	batch := postBody("/api/v1/eligibility/batch", "application/json", string(lines))
	batch.catalogue = true
	add(batch)
	var sbomBody strings.Builder // a purchase list as an SBOM of every product version
	sbomBody.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[`)
	for i, s := range subjects {
		if i > 0 {
			sbomBody.WriteString(",")
		}
		fmt.Fprintf(&sbomBody, `{"type":"application","name":"x%d","version":"1","purl":%q}`, i, s.purl)
	}
	sbomBody.WriteString("]}")
	batch = postBody("/api/v1/eligibility/batch?format=sbom", "application/json", sbomBody.String())
	batch.catalogue = true
	add(batch)
	var csvBody strings.Builder
	csvBody.WriteString("listing,purl\n")
	for id := int64(1); id <= listings; id++ {
		fmt.Fprintf(&csvBody, "%d,\n", id)
	}
	add(postBody("/api/v1/eligibility/batch?format=csv", "text/csv", csvBody.String()))

	// The feed, page by page, and the whole log with its proofs.
	for after := "0"; after != ""; {
		_, _, body := l.fetch(t, "", getReq("/api/v1/register/feed?limit=1&after="+after), true)
		var page struct{ Next string }
		json.Unmarshal(body, &page)
		after = ""
		if page.Next != "" {
			u, _ := url.Parse(page.Next)
			after = u.Query().Get("after")
		}
	}
	commitments, statements := 0, 0
	for i := int64(0); i < size; i++ {
		_, _, body := l.fetch(t, "", getReq("/log/entries/"+itoa(i)), true)
		var e struct {
			Kind  string
			Entry []byte
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("log entry %d: %v", i, err)
		}
		switch e.Kind {
		case "commitment":
			commitments++
			if len(e.Entry) != sha256.Size {
				t.Errorf("log entry %d: a commitment of %d bytes, want a bare hash", i, len(e.Entry))
			}
		case "verdict":
			// The search reads the statement inside the envelope inside
			// the entry, two base64 layers down.
			if strings.Contains(expandBase64(string(body), 3), `"predicateType"`) {
				statements++
			}
		}
		add(getReq("/log/proof/inclusion?index="+itoa(i)+"&size="+itoa(size)), getReq("/log/proof/consistency?from="+itoa(i)+"&to="+itoa(size)))
	}
	if commitments < 5 || statements == 0 { // commitments: the demo's failed case, and P's and S's publication and suspension
		t.Errorf("the log holds %d commitments and %d statements the search decoded", commitments, statements)
	}

	// Bad input to the public routes: the errors must not echo anything.
	p := l.cases[0]
	add(getReq("/api/v1/eligibility"), getReq("/api/v1/eligibility?purl=not-a-purl"), getReq("/api/v1/eligibility?listing=x"), getReq("/api/v1/eligibility?listing=-1"),
		getReq("/api/v1/eligibility?digest=zz"), getReq("/api/v1/eligibility?purl=pkg:x/y@1&as_of=yesterday"), getReq("/api/v1/products/x"), getReq("/api/v1/products/0"),
		getReq("/api/v1/register/feed?limit=0"), getReq("/api/v1/register/feed?after=x"), getReq("/log/entries/x"), getReq("/log/entries/-1"), getReq("/log/entries/"+itoa(size+5)),
		getReq("/log/proof/inclusion?index="+itoa(size+5)+"&size=1"), getReq("/log/proof/inclusion"), getReq("/log/proof/consistency?from=9&to=2"),
		postBody("/api/v1/eligibility/batch", "application/json", "{"), postBody("/api/v1/eligibility/batch", "application/json", `[{"colour":1},{"listing":"x"}]`),
		postBody("/api/v1/eligibility/batch?format=xml", "text/plain", "x"), postBody("/api/v1/eligibility/batch?format=sbom", "application/json", `{"bomFormat":"CycloneDX"`),
		postBody("/api/v1/eligibility/batch?format=csv", "text/csv", "purl\n\"unterminated\n"),
		postJSON("/api/v1/login", `{}`), postJSON("/api/v1/login", `{"username":"leakprov","password":"wrong"}`), postJSON("/api/v1/login", `{"username":"nobody","password":"x"}`),
		postJSON("/api/v1/login", `{"username":"leakprov","password":"`+l.passwd["leakprov"]+`"}`),
		getReq("/results/x"), getReq("/results/0"), getReq("/register?purl=not-a-purl"), getReq("/nope"), getReq("/api/v1/nope"), getReq("/login?next=/cases/"+p),
		crawlRequest{method: "GET", path: "/api/v1/cases/" + p, header: http.Header{"Authorization": {"Bearer not-a-token"}}},
		crawlRequest{method: "GET", path: "/api/v1/cases/" + p, header: http.Header{"Authorization": {"Basic eDp5"}}},
		crawlRequest{method: "POST", path: "/login", body: []byte("username=leakprov&password=wrong"), contentType: "application/x-www-form-urlencoded"})

	// Every route that needs a login, asked anonymously, with real ids.
	for _, r := range l.srv.Routes() {
		if r.Public {
			continue
		}
		rq := crawlRequest{method: r.Method, path: fillPath(r.Path, p), body: []byte("{}"), contentType: "application/json"}
		if code, _, body := l.fetch(t, "", rq, true); code != 401 {
			t.Errorf("%s %s anonymous: %d %s", r.Method, rq.path, code, body)
		}
	}
	for _, path := range []string{"/dashboard", "/work", "/cases/" + p, "/products", "/products/1", "/eligibility?purl=pkg:generic/leak/sector-vault@1.0",
		"/procurements/new", "/determinations", "/admin/orgs", "/admin/users", "/admin/accreditations"} {
		add(getReq(path))
	}
	add(crawlRequest{method: "POST", path: "/cases/" + p + "/actions/accept", body: []byte("x=1"), contentType: "application/x-www-form-urlencoded"})

	// Crawl, following the links of every page (same origin, GET only).
	seen := map[string]bool{}
	found := map[string]int{} // pages reached by links: static files, results
	for len(queue) > 0 && len(seen) < 5000 {
		rq := queue[0]
		queue = queue[1:]
		key := rq.method + " " + rq.path + " " + string(rq.body)
		if seen[key] {
			continue
		}
		seen[key] = true
		code, h, body := l.fetch(t, "", rq, true)
		if code == 200 {
			found[strings.SplitN(rq.path, "/", 3)[1]]++
		}
		if loc := h.Get("Location"); loc != "" {
			add(l.local(rq.path, loc)...)
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			for _, m := range pageLink.FindAllStringSubmatch(string(body), -1) {
				add(l.local(rq.path, html.UnescapeString(m[1]))...)
			}
		}
	}
	if len(queue) > 0 {
		t.Errorf("the crawl stopped with %d requests left", len(queue))
	}
	if found["static"] == 0 || found["results"] == 0 {
		t.Errorf("the crawl reached no static file or no result page: %v", found)
	}
}

// pageLink finds the links of a page.
var pageLink = regexp.MustCompile(`(?:href|src|action)="([^"]*)"`)

// local resolves a link found on a page and keeps it if it is on the server.
func (l *leakEnv) local(from, ref string) []crawlRequest {
	base, _ := url.Parse(l.url + from)
	u, err := base.Parse(ref)
	if err != nil || u.Host != base.Host || u.Path == "/logout" || u.Path == "/lang" {
		return nil
	}
	u.Fragment = ""
	// The public report form for a product names it, as the public product
	// page (GET /api/v1/products/{id}) does: a request naming the product.
	if q := u.Query(); u.Path == "/report" && (q.Has("product") || q.Has("provider")) {
		return []crawlRequest{catalogueReq(u.RequestURI())}
	}
	return []crawlRequest{getReq(u.RequestURI())}
}

// fillPath puts real values into a route's path parameters.
func fillPath(path, number string) string {
	return strings.NewReplacer("{number}", number, "{id}", "1", "{action}", "accept", "{version}", "2026.1", "{criterion}", "R1-C-01",
		"{key_id}", "x", "{index}", "0").Replace(path)
}

// caseRequests are a case's confidential pages and files, with the ids the
// office sees, and a few actions.
func (l *leakEnv) caseRequests(t *testing.T, n string) []crawlRequest {
	office := l.f.Actors["office"]
	c := "/api/v1/cases/" + n
	rs := []crawlRequest{getReq(c), getReq(c + "/plan"), getReq(c + "/evidence"), getReq(c + "/findings"), getReq(c + "/signed"), getReq(c + "/assessment"),
		getReq(c + "/votes"), getReq(c + "/letter"), getReq(c + "/letter?lang=en"), getReq(c + "/oscal"), getReq(c + "/sboms"), getReq("/cases/" + n)}
	v, err := l.s.Case(l.ctx, office, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Materials {
		rs = append(rs, getReq(c+"/materials/"+itoa(m.ID)), getReq(c+"/materials/"+itoa(m.ID)+"/custody"))
	}
	evs, err := l.s.Evidence(l.ctx, office, n, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		rs = append(rs, getReq(c+"/evidence/"+itoa(e.ID)))
	}
	as, err := l.s.SBOMAnalyses(l.ctx, office, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		rs = append(rs, getReq(c+"/sboms/"+itoa(a.ID)), getReq("/api/v1/versions/"+itoa(a.VersionID)+"/components"))
	}
	return rs
}

// strangerRequests are what someone who may not see a case tries on it.
func strangerRequests(n string) []crawlRequest {
	c := "/api/v1/cases/" + n
	return []crawlRequest{postJSON(c+"/actions/give_opinion", `{"recommendation":"pass"}`), postJSON(c+"/actions/cast_vote", `{}`), postJSON(c+"/reports/draft", `{}`),
		postJSON(c+"/commitment/draft", `{}`), postJSON(c+"/evidence/1/countersign", `{}`), {method: "PUT", path: c + "/findings/R1-C-01", body: []byte(`{"status":"met"}`), contentType: "application/json"}}
}

// globalRequests are the signed-in pages that are not a case's.
func (l *leakEnv) globalRequests(t *testing.T) []crawlRequest {
	// The directory of organisations names providers, as the catalogue does.
	p1 := itoa(l.f.Orgs["provider1"].ID)
	rs := []crawlRequest{getReq("/api/v1/orgs/" + p1 + "/ownership"), getReq("/orgs/" + p1 + "/ownership"), catalogueReq("/api/v1/orgs"), catalogueReq("/admin/orgs"), catalogueReq("/admin/users"), catalogueReq("/api/v1/products"),
		catalogueReq("/products"), getReq("/api/v1/cases?limit=200"), getReq("/api/v1/overdue"), getReq("/api/v1/users"), getReq("/api/v1/users?role=expert"),
		getReq("/api/v1/accreditations"), getReq("/api/v1/rereview-flags"), getReq("/api/v1/advisories"), getReq("/api/v1/advisories/GO-2020-0017"),
		getReq("/api/v1/me"), getReq("/api/v1/tokens"), getReq("/dashboard"), getReq("/work"), getReq("/determinations"), getReq("/admin/accreditations"),
		getReq("/api/v1/reports"), getReq("/public-reports"), getReq("/api/v1/notifications"), getReq("/notifications")}
	for id := int64(1); id <= l.maxID(t, "public_reports"); id++ {
		rs = append(rs, getReq("/api/v1/reports/"+itoa(id)), getReq("/public-reports/"+itoa(id)))
	}
	for id := int64(1); id <= l.maxID(t, "listings"); id++ {
		rs = append(rs, getReq("/api/v1/eligibility?listing="+itoa(id)), getReq("/results/"+itoa(id)))
	}
	for id := int64(1); id <= l.maxID(t, "product_versions"); id++ {
		rs = append(rs, getReq("/api/v1/versions/"+itoa(id)+"/components"))
	}
	for id := int64(1); id <= l.maxID(t, "products"); id++ {
		rs = append(rs, catalogueReq("/products/"+itoa(id)))
	}
	for _, s := range l.subjects(t) {
		rs = append(rs, catalogueReq("/eligibility?purl="+url.QueryEscape(s.purl)), catalogueReq("/api/v1/eligibility?purl="+url.QueryEscape(s.purl)))
	}
	return rs
}

// users are everyone who can sign in.
func (l *leakEnv) users() []string {
	var out []string
	for _, u := range demo.Users {
		out = append(out, u.Username)
	}
	return append(out, "leakprov")
}

// crawlStrangers has everyone who may not see a seeded case ask for its
// pages, files and actions; those who may see none of them (former
// assignees among them) read every global page too.
func (l *leakEnv) crawlStrangers(t *testing.T) {
	outsider := map[string]bool{}
	for _, u := range l.users() {
		l.login(t, u)
		outsider[u] = true
	}
	for _, n := range l.cases {
		reqs := append(l.caseRequests(t, n), strangerRequests(n)...)
		for _, u := range l.users() {
			if code, _, _ := l.fetch(t, u, getReq("/api/v1/cases/"+n), false); code == 200 {
				outsider[u] = false
				continue
			}
			for _, rq := range reqs {
				l.fetch(t, u, rq, true)
			}
		}
	}
	var names []string
	for u, ok := range outsider {
		if ok {
			names = append(names, u)
		}
	}
	slices.Sort(names)
	if !slices.Contains(names, "lab2") || !slices.Contains(names, "expert4") {
		t.Errorf("the former assignees lab2 and expert4 still see a case: outsiders are %v", names)
	}
	global := l.globalRequests(t)
	for _, u := range names {
		for _, rq := range global {
			l.fetch(t, u, rq, true)
		}
	}
	t.Logf("outsiders, who read every global page: %v", names)
}

// crawlReaders has each marker's first reader read the seeded cases it may
// see and the global pages: every marker must be found.
func (l *leakEnv) crawlReaders(t *testing.T) {
	var readers []string
	for _, m := range l.markers {
		if len(m.readers) > 0 && !slices.Contains(readers, m.readers[0]) {
			readers = append(readers, m.readers[0])
		}
	}
	global := l.globalRequests(t)
	for _, u := range readers {
		for _, n := range l.cases {
			if code, _, _ := l.fetch(t, u, getReq("/api/v1/cases/"+n), false); code != 200 {
				continue
			}
			for _, rq := range l.caseRequests(t, n) {
				l.fetch(t, u, rq, false)
			}
		}
		for _, rq := range global {
			l.fetch(t, u, rq, false)
		}
	}
}

// searchLog searches the server's log for the markers and for every
// credential used.
func (l *leakEnv) searchLog(t *testing.T) {
	log := expandBase64(l.log.String(), 3)
	for _, m := range l.markers {
		if strings.Contains(log, m.id) {
			l.leaks = append(l.leaks, "LEAK: the server log holds marker "+m.value)
		}
	}
	for u, tok := range l.tokens {
		if strings.Contains(log, tok) {
			l.leaks = append(l.leaks, "LEAK: the server log holds the token of "+u)
		}
	}
	if strings.Contains(log, strconv.Quote("panic")) {
		t.Errorf("the server panicked: %.2000s", log)
	}
}
