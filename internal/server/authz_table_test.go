package server_test

import "shencha/internal/demo"

// The authorization matrix's golden table: for every route the server
// serves, who may call it. It is written by hand from DESIGN.md §2 (roles)
// and Art. 13 (need-to-know), not computed from the policy it checks.
// TestAuthorizationMatrix sends every row's request as every asker below
// and compares: allowed is any answer but 401, 403, 404 (or, for a page, a
// redirect to sign in); a 5xx always fails. A route the server serves with
// no row here fails the test, naming the route.
//
// Askers: a role, and the relation it has to the resources the request
// names (the fixture in authz_test.go binds each to a user and to case F or
// G; {id}s and other path values come from that case):
//
//	anonymous              no credentials                       F
//	admin                  admin                                F
//	office                 office (national)                    F
//	regulator:own          finance-regulator, F is finance      F
//	regulator:other-sector finance-regulator, G is energy       G
//	committee:assigned     committee, F was referred to it      F
//	committee:other        committee, G was not                 G
//	expert:assigned        expert1, assigned on F               F
//	expert:former          expert4, recused from F              F
//	expert:other           expert1, never assigned on G         G
//	lab:assigned           lab1, assigned on F                  F
//	lab:former             lab2, its assignment on F ended      F
//	lab:other              lab2, never assigned on G            G
//	provider:own           provider1, F reviews its product     F
//	provider:other         provider2                            F
//	ciio:own               ciio, declared G's procurement       G
//	ciio:other             ciio                                 F
//	cii:own                cii (energy), determined G           G
//	cii:other-sector       cii (energy), F is finance           F
//	requester:own          association, suggested F             F
//	requester:other        association                          G
//	procurer:other         procurer (national)                  F
//
// F is an association's suggestion (finance sector) to review a router of
// provider1: evaluated by lab1, important, decided by the committee and
// published to the parties only. G is the energy CIIO's declared procurement
// of provider2's cloud platform: determined by the CII department,
// evaluated by lab1, decided by the office and published to the sector.
// Both are closed, so an action a party may take answers 409 (not now), a
// party that may not take it 403, a stranger 404; unsafe requests are built
// to be refused after the authorization check (a closed case, a missing
// field), so no check changes what another sees.
//
// Grammar of allow: space-separated names; everything not named is denied.
//
//	public       everyone, anonymous included
//	signed-in    every asker but anonymous
//	ROLE         every relation of the role (office, lab, …)
//	ROLE:REL     one asker (lab:assigned)
//	GROUP        a name of groups below
//
// {id} of /tokens is a token of the asker's own for relation own, else
// another user's; {id} of /orgs is the provider of the asker's case; the
// listing of /results and /listings is the asker's case's. The tokens and
// signing keys a DELETE names are throwaways, one per asker; a row marked
// spends (log out) signs the asker in again afterwards.
//
// Adding a route: add its row here (several rows for one route may fix
// different values, as the case actions do). For POST, PUT and DELETE give
// a body the handler refuses after its authorization check. A path
// parameter the fixture does not bind yet fails the test naming it: bind it
// in (*matrix).value.

// groups name the askers who are parties to a case.
var groups = map[string]string{
	// reviewers: the review office over the case's sector, the committee
	// once the case is referred, and the lab and experts while assigned.
	"reviewers": "office regulator:own committee:assigned expert:assigned lab:assigned",
	// parties: the reviewers, the provider of the product, the applicant
	// (the requester, the CIIO) and the CII department of a CIIO case.
	"parties": "reviewers provider:own requester:own ciio:own cii:own",
}

// rule is one row: a route, the request to send and who may send it.
type rule struct {
	route string // METHOD and pattern, as the server registers it
	allow string
	// path overrides the pattern where the row fixes a value (an action)
	// or adds a query; its other {params} come from the asker's binding.
	path string
	// body is sent with unsafe methods: JSON for the API, a form for pages.
	body string
	// spends: the request ends the asker's session (log out).
	spends bool
}

const multipartBody = "--B\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\nother\r\n" +
	"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B--\r\n"

// multipartNoFile is an upload form sent without a file.
const multipartNoFile = "--B\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\nother\r\n--B--\r\n"

var table = []rule{
	// Public reports (举报): anyone files one and checks its status with
	// the receipt and code; the office reads and triages them (a sector's
	// regulator those about its sector's products, as F's for finance).
	{route: "POST /api/v1/reports", allow: "public", body: `{}`},
	{route: "GET /api/v1/reports/status", allow: "public", path: "/api/v1/reports/status?receipt=JB-2026-AAAAAAAA&code=x"},
	{route: "GET /api/v1/reports", allow: "office regulator"},
	{route: "GET /api/v1/reports/{id}", allow: "office regulator:own"},
	{route: "GET /api/v1/reports/{id}/files/{file}", allow: "office regulator:own"},
	{route: "POST /api/v1/reports/{id}/triage", allow: "office regulator:own", body: `{}`},
	{route: "GET /report", allow: "public"},
	{route: "POST /report", allow: "public", body: multipartNoFile},
	{route: "GET /report/status", allow: "public"},
	{route: "POST /report/status", allow: "public", body: "receipt=JB-2026-AAAAAAAA&code=x"},
	{route: "GET /public-reports", allow: "office regulator"},
	{route: "GET /public-reports/{id}", allow: "office regulator:own"},
	{route: "POST /public-reports/{id}/triage", allow: "office regulator:own"},

	// Notifications: each person's own; webhooks: a subscriber's (the
	// procurer's in the fixture), which buyers and the office may create.
	{route: "GET /api/v1/notifications", allow: "signed-in"},
	{route: "POST /api/v1/notifications/{id}/read", allow: "provider:own"},
	{route: "POST /api/v1/notifications/read", allow: "signed-in"},
	{route: "GET /api/v1/me/contact", allow: "signed-in"},
	{route: "PUT /api/v1/me/contact", allow: "signed-in", body: `{"email":"not an address"}`},
	{route: "GET /api/v1/webhooks", allow: "office regulator procurer ciio"},
	{route: "POST /api/v1/webhooks", allow: "office regulator procurer ciio", body: `{}`},
	{route: "GET /api/v1/webhooks/{id}/deliveries", allow: "procurer"},
	{route: "DELETE /api/v1/webhooks/{id}", allow: "procurer"},
	{route: "GET /notifications", allow: "signed-in"},
	{route: "POST /notifications/read", allow: "signed-in"},
	{route: "POST /notifications/{id}/read", allow: "provider:own"},
	{route: "POST /notifications/contact", allow: "signed-in", body: "email=not+an+address"},

	// Health, the API's description, signing in and out, tokens.
	{route: "GET /healthz", allow: "public"},
	{route: "GET /api/v1/openapi.json", allow: "public"},
	{route: "POST /api/v1/login", allow: "public", body: `{}`},
	{route: "POST /api/v1/logout", allow: "signed-in", spends: true},
	{route: "GET /api/v1/me", allow: "signed-in"},
	{route: "GET /api/v1/tokens", allow: "signed-in"},
	{route: "POST /api/v1/tokens", allow: "signed-in", body: `{}`},
	{route: "DELETE /api/v1/tokens/{id}", allow: "provider:own requester:own ciio:own cii:own regulator:own"},

	// Cases: the parties see them; the roles the Measures name open them.
	{route: "GET /api/v1/cases", allow: "signed-in"},
	{route: "POST /api/v1/cases", allow: "office regulator provider requester ciio", body: `{}`},
	{route: "GET /api/v1/cases/{number}", allow: "parties"},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/submit", allow: "requester:own ciio:own", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/withdraw", allow: "requester:own ciio:own", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/terminate", allow: "office regulator:own", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/extend_clock", allow: "office regulator:own committee:assigned", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/determine_required", allow: "cii:own", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/submit_report", allow: "lab:assigned", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/give_opinion", allow: "expert:assigned", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/cast_vote", allow: "committee:assigned", body: `{}`},
	{route: "POST /api/v1/cases/{number}/actions/{action}", path: "/api/v1/cases/{number}/actions/submit_fulfilment", allow: "provider:own", body: `{}`},
	{route: "POST /api/v1/cases/{number}/materials", allow: "office regulator:own lab:assigned provider:own requester:own ciio:own", body: "hello", path: "/api/v1/cases/{number}/materials?filename=a.txt"},
	{route: "GET /api/v1/cases/{number}/materials/{id}", allow: "parties"},
	// The chain of custody (who read a file, when, from where) is for those
	// who oversee the review, not for those whose reads it records.
	{route: "GET /api/v1/cases/{number}/materials/{id}/custody", allow: "office regulator:own committee:assigned expert:assigned"},
	{route: "GET /api/v1/overdue", allow: "signed-in"},

	// The register: public. Listing actions are the national office's: a
	// listing answers national procurement (Art. 10), whatever the sector.
	{route: "GET /api/v1/listings", allow: "public", path: "/api/v1/listings?listing={listing}"},
	{route: "POST /api/v1/listings/{id}/actions/{action}", path: "/api/v1/listings/{id}/actions/suspend", allow: "office", body: `{}`},
	{route: "GET /api/v1/eligibility", allow: "public", path: "/api/v1/eligibility?listing={listing}"},
	{route: "POST /api/v1/eligibility/batch", allow: "public", body: `[]`},
	{route: "GET /api/v1/register/feed", allow: "public"},
	{route: "GET /api/v1/register/feed.atom", allow: "public"},

	// Products: a provider adds its own, the national office any (to open
	// a review on market feedback); the register names them.
	{route: "GET /api/v1/products", allow: "signed-in"},
	{route: "POST /api/v1/products", allow: "provider office", body: `{}`},
	{route: "GET /api/v1/products/{id}", allow: "public"},
	{route: "POST /api/v1/products/{id}/versions", allow: "provider:own office", body: `{}`},

	// The platform's organisations, people and accreditations: the admin;
	// the office reads them to assign labs and experts.
	{route: "GET /api/v1/orgs", allow: "admin office regulator"},
	{route: "POST /api/v1/orgs", allow: "admin", body: `{}`},
	{route: "GET /api/v1/users", allow: "admin"},
	{route: "GET /api/v1/users", path: "/api/v1/users?role=expert", allow: "admin office regulator"},
	{route: "POST /api/v1/users", allow: "admin", body: `{}`},
	{route: "GET /api/v1/accreditations", allow: "admin office regulator"},
	{route: "POST /api/v1/accreditations", allow: "admin", body: `{}`},
	{route: "POST /api/v1/accreditations/{id}/suspend", allow: "admin", body: `{}`},
	{route: "POST /api/v1/ties", allow: "admin", body: `{}`},
	{route: "POST /api/v1/calendar", allow: "admin", body: `{}`},
	{route: "GET /api/v1/audit/verify", allow: "admin"},
	{route: "GET /api/v1/orgs/{id}/keys", allow: "signed-in"},
	{route: "POST /api/v1/orgs/{id}/keys", allow: "admin office regulator", body: `{}`},
	{route: "DELETE /api/v1/orgs/{id}/keys/{key_id}", allow: "admin office regulator"},
	// A provider's ownership and control chain (the background
	// investigation) is confidential: the office, the provider itself and
	// the reviewers of its cases while they review; the office records it,
	// the provider declares its own.
	// ({id} is the provider of the asker's case: committee:other and
	// expert:other review another demo case of G's provider, provider2, so
	// they may read its chain; lab2 reviews none of its cases.)
	{route: "GET /api/v1/orgs/{id}/ownership", allow: "office regulator:own provider:own committee expert:assigned expert:other lab:assigned"},
	{route: "POST /api/v1/orgs/{id}/ownership", allow: "office regulator:own provider:own", body: `{}`},

	// The criteria catalogue: read by anyone signed in; loaded by the
	// admin, approved by the committee (Art. 5).
	{route: "GET /api/v1/catalog", allow: "signed-in"},
	{route: "POST /api/v1/catalog", allow: "admin", body: `{}`},
	{route: "GET /api/v1/catalog/{version}", allow: "signed-in"},
	{route: "GET /api/v1/catalog/{version}/oscal", allow: "signed-in"},
	{route: "POST /api/v1/catalog/{version}/approve", allow: "committee", body: `{}`},
	{route: "POST /api/v1/catalog/{version}/reject", allow: "committee", body: `{}`},

	// The evaluation: the reviewers read it; the lab records, the office
	// plans, the provider commits and countersigns. A list answers every
	// party with what it may read (the provider its own submissions and the
	// checklists it countersigns; the applicant what it submitted).
	{route: "GET /api/v1/cases/{number}/plan", allow: "reviewers"},
	{route: "POST /api/v1/cases/{number}/plan", allow: "office regulator:own", body: `{}`},
	{route: "DELETE /api/v1/cases/{number}/plan/{id}", allow: "office regulator:own"},
	{route: "GET /api/v1/cases/{number}/evidence", allow: "reviewers provider:own requester:own ciio:own"},
	{route: "POST /api/v1/cases/{number}/evidence", allow: "office regulator:own lab:assigned provider:own requester:own ciio:own", body: `{}`},
	{route: "GET /api/v1/cases/{number}/evidence/{id}", allow: "reviewers"},
	{route: "POST /api/v1/cases/{number}/evidence/{id}/countersign", allow: "provider:own", body: `{}`},
	{route: "GET /api/v1/cases/{number}/findings", allow: "reviewers"},
	{route: "PUT /api/v1/cases/{number}/findings/{criterion}", allow: "lab:assigned", body: `{}`},
	{route: "POST /api/v1/cases/{number}/reports/draft", allow: "lab:assigned", body: `{}`},
	{route: "POST /api/v1/cases/{number}/commitment/draft", allow: "provider:own", body: `{}`},
	{route: "GET /api/v1/cases/{number}/signed", allow: "parties"},
	{route: "GET /api/v1/cases/{number}/assessment", allow: "office regulator:own committee:assigned expert:assigned"},
	{route: "GET /api/v1/cases/{number}/votes", allow: "office regulator:own committee:assigned"},
	// The decision letter goes to the parties to the decision: the office,
	// the committee that decided, the provider and the applicant.
	{route: "GET /api/v1/cases/{number}/letter", allow: "office regulator:own committee:assigned provider:own requester:own ciio:own"},
	// The letter's PDF goes to the same parties; looked up by its digest, a
	// letter (a commitment in the log) answers its parties only.
	{route: "GET /api/v1/cases/{number}/letter.pdf", allow: "office regulator:own committee:assigned provider:own requester:own ciio:own"},
	{route: "GET /api/v1/documents/{digest}", allow: "office regulator:own committee:assigned provider:own requester:own ciio:own"},
	// Provider reports (Art. 14): published ones are public; a draft (the
	// fixture's) is the national office's, which drafts and publishes.
	{route: "GET /api/v1/provider-reports", allow: "public"},
	{route: "POST /api/v1/provider-reports", allow: "office", body: `{}`},
	{route: "GET /api/v1/provider-reports/{id}", allow: "office"},
	{route: "GET /api/v1/provider-reports/{id}/pdf", allow: "office"},
	{route: "GET /reports", allow: "public"},
	{route: "POST /reports", allow: "office"},
	{route: "GET /reports/{id}", allow: "office"},
	// Last of the report's rows: the office's publication makes it public.
	{route: "POST /api/v1/provider-reports/{id}/publish", allow: "office"},
	{route: "POST /reports/{id}/publish", allow: "office"},
	// The whole evaluation (every lab's findings) is for those who assess
	// and decide; a lab reads its own findings.
	{route: "GET /api/v1/cases/{number}/oscal", allow: "office regulator:own committee:assigned expert:assigned"},

	// Supply chain: an SBOM is a file of the case (whoever may add files);
	// its analysis is evidence, read by the reviewers and its submitter;
	// VEX statements are the provider's (DESIGN §5), or the office's for it.
	{route: "POST /api/v1/cases/{number}/sboms", allow: "office regulator:own lab:assigned provider:own requester:own ciio:own", body: `{}`, path: "/api/v1/cases/{number}/sboms?filename=a.json"},
	{route: "GET /api/v1/cases/{number}/sboms", allow: "reviewers provider:own requester:own ciio:own"},
	{route: "GET /api/v1/cases/{number}/sboms/{id}", allow: "reviewers provider:own"},
	{route: "POST /api/v1/cases/{number}/sboms/{id}/vex", allow: "office regulator:own provider:own", body: `{}`},
	{route: "GET /api/v1/versions/{id}/components", allow: "reviewers provider:own"},
	{route: "POST /api/v1/advisories", allow: "admin office regulator", body: `{}`},
	{route: "GET /api/v1/advisories", allow: "signed-in"},
	{route: "GET /api/v1/advisories/{id}", allow: "signed-in"},
	{route: "POST /api/v1/advisories/{id}/rating", allow: "office regulator lab expert", body: `{}`},
	{route: "GET /api/v1/rereview-flags", allow: "office regulator"},
	{route: "POST /api/v1/rereview-flags/{id}/handle", allow: "office regulator:own", body: `{}`},

	// The transparency log: public.
	{route: "GET /log/checkpoint", allow: "public"},
	{route: "GET /log/entries/{index}", allow: "public"},
	{route: "GET /log/proof/inclusion", allow: "public", path: "/log/proof/inclusion?index=0&size=1"},
	{route: "GET /log/proof/consistency", allow: "public", path: "/log/proof/consistency?from=1&to=1"},
	{route: "GET /log/key", allow: "public"},

	// Web pages: the public register and signing in; then each page for
	// the roles it serves, showing what the API would show them.
	{route: "GET /{$}", allow: "public", path: "/"},
	{route: "GET /static/{hash}/{name}", allow: "public"},
	{route: "GET /login", allow: "public"},
	{route: "POST /login", allow: "public", body: "username=procurer&password=" + demo.DefaultPassword},
	{route: "POST /logout", allow: "public", spends: true},
	{route: "POST /lang", allow: "public", body: "lang=xx"},
	{route: "GET /register", allow: "public"},
	// F's result is published to the parties (and the government
	// reviewers), G's to the energy sector; national bodies (the office,
	// the committee) have every sector in their remit.
	{route: "GET /results/{id}", allow: "office regulator:own committee provider:own requester:own ciio:own cii:own lab:assigned expert:assigned"},
	{route: "GET /dashboard", allow: "signed-in"},
	{route: "GET /work", allow: "lab expert committee"},
	{route: "GET /cases/{number}", allow: "parties"},
	{route: "POST /cases/{number}/actions/{action}", path: "/cases/{number}/actions/submit", allow: "requester:own ciio:own"},
	{route: "POST /cases/{number}/actions/{action}", path: "/cases/{number}/actions/terminate", allow: "office regulator:own"},
	{route: "POST /cases/{number}/actions/{action}", path: "/cases/{number}/actions/determine_required", allow: "cii:own"},
	{route: "POST /cases/{number}/actions/{action}", path: "/cases/{number}/actions/give_opinion", allow: "expert:assigned"},
	{route: "POST /cases/{number}/actions/{action}", path: "/cases/{number}/actions/cast_vote", allow: "committee:assigned"},
	{route: "POST /cases/{number}/materials", allow: "office regulator:own lab:assigned provider:own requester:own ciio:own", body: multipartBody},
	{route: "POST /cases/{number}/materials", allow: "office regulator:own lab:assigned provider:own requester:own ciio:own", body: multipartNoFile},
	{route: "GET /products", allow: "provider"},
	{route: "POST /products", allow: "provider"},
	{route: "GET /products/{id}", allow: "provider:own"},
	{route: "POST /products/{id}/versions", allow: "provider:own"},
	{route: "POST /products/{id}/apply", allow: "provider:own"},
	// A CIIO checks eligibility on its page; a procurer on the register's,
	// which answers as the visitor may see.
	{route: "GET /eligibility", allow: "ciio"},
	{route: "GET /procurements/new", allow: "ciio"},
	{route: "POST /procurements", allow: "ciio"},
	{route: "GET /determinations", allow: "cii"},
	{route: "GET /orgs/{id}/ownership", allow: "office regulator:own provider:own committee expert:assigned expert:other lab:assigned"},
	// The provider (or the applicant, for what it submitted) answers the
	// office's requests; the provider signs its commitment.
	{route: "POST /cases/{number}/answer", allow: "provider:own requester:own ciio:own", body: multipartBody},
	{route: "GET /cases/{number}/commitment.json", allow: "provider:own"},
	// The evaluation's forms, as their API routes allow.
	{route: "POST /cases/{number}/plan", allow: "office regulator:own"},
	{route: "POST /cases/{number}/plan/{id}/remove", allow: "office regulator:own"},
	{route: "POST /cases/{number}/evidence", allow: "office regulator:own lab:assigned provider:own requester:own ciio:own", body: multipartNoFile},
	{route: "POST /cases/{number}/evidence/{id}/countersign", allow: "provider:own"},
	{route: "POST /cases/{number}/findings", allow: "lab:assigned"},
	{route: "GET /cases/{number}/report", allow: "lab:assigned"},
	{route: "GET /cases/{number}/report/draft", allow: "lab:assigned"},
	{route: "POST /cases/{number}/report", allow: "lab:assigned"},
	// The office's intake queue, of its sector for a regulator.
	{route: "GET /intake", allow: "office regulator"},
	// Administration: the admin; the catalogue's approval is the
	// committee's; signing keys are registered by the admin and the office.
	{route: "GET /admin/orgs", allow: "admin"},
	{route: "POST /admin/orgs", allow: "admin"},
	{route: "GET /admin/users", allow: "admin"},
	{route: "POST /admin/users", allow: "admin"},
	{route: "GET /admin/accreditations", allow: "admin"},
	{route: "POST /admin/accreditations/{id}/suspend", allow: "admin"},
	{route: "GET /admin/ties", allow: "admin"},
	{route: "POST /admin/ties", allow: "admin"},
	{route: "GET /admin/calendar", allow: "admin"},
	{route: "POST /admin/calendar", allow: "admin"},
	{route: "GET /catalog", allow: "admin committee"},
	{route: "POST /catalog", allow: "admin"},
	{route: "POST /catalog/{version}/approve", allow: "committee"},
	{route: "POST /catalog/{version}/reject", allow: "committee"},
	{route: "GET /keys", allow: "admin office regulator"},
	{route: "GET /keys/{org}", allow: "admin office regulator"},
	{route: "POST /keys/{org}", allow: "admin office regulator"},
	{route: "POST /keys/{org}/{key}/revoke", allow: "admin office regulator"},
}
