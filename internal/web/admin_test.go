package web_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"shencha/internal/catalog"
	"shencha/internal/signature"
)

// multipart posts a form as a browser sends one with a file input: its
// text fields (name, value pairs) in order, then the file; header is name,
// value pairs.
func (c *client) multipart(path string, fields []string, fileField, fileName string, file []byte, header ...string) (int, http.Header, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req, header...)
}

// orgID finds an organisation's id by name through the API, as the signed-in user.
func (c *client) orgID(name string) int64 {
	c.t.Helper()
	_, _, body := c.do("GET", "/api/v1/orgs", nil)
	var list struct {
		Items []struct {
			ID   int64
			Name string
		}
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		c.t.Fatalf("orgs: %v %s", err, body)
	}
	for _, o := range list.Items {
		if o.Name == name {
			return o.ID
		}
	}
	c.t.Fatalf("no organisation %q", name)
	return 0
}

// signedIn is a client signed in as the demo user.
func signedIn(t *testing.T, base, user string) *client {
	c := newClient(t, base)
	c.login(user)
	return c
}

// pageError is the refusal shown above a page's content.
func pageError(body string) string { return section(body, `id="page-error"`, "</p>") }

// rows counts the rows of a table's body.
func rows(body, id string) int {
	return strings.Count(section(body, `id="`+id+`"`, "</table>"), "<tr")
}

const en = "Accept-Language"

// TestAdminActions: the admin creates organisations and users, suspends an
// accreditation, declares a tie and loads a holiday year through the
// pages' forms; each change shows on the page, bad input is refused naming
// the field and its reason and changes nothing, and other roles are
// refused.
func TestAdminActions(t *testing.T) {
	base := startServer(t)
	as := func(user string) *client { return signedIn(t, base, user) }
	admin, office := as("admin"), as("office")

	t.Run("Pages", func(t *testing.T) {
		for _, page := range []string{"/admin/orgs", "/admin/users", "/admin/accreditations", "/admin/ties", "/admin/calendar"} {
			for _, user := range []string{"admin", "office", "provider1", "committee"} {
				code, _, _ := as(user).do("GET", page, nil)
				if want := map[bool]int{true: 200, false: 403}[user == "admin"]; code != want {
					t.Errorf("%s as %s: %d, want %d", page, user, code, want)
				}
			}
		}
		_, _, body := admin.do("GET", "/admin/orgs", nil)
		for _, nav := range []string{"nav-ties", "nav-calendar", "nav-catalog", "nav-keys"} {
			if !strings.Contains(body, `id="`+nav+`"`) {
				t.Errorf("the admin's header lacks %s", nav)
			}
		}
	})

	t.Run("CreateOrg", func(t *testing.T) {
		_, _, body := admin.do("GET", "/admin/orgs", nil, en, "en")
		before := rows(body, "org-list")
		form := url.Values{"name": {""}, "kind": {"lab"}, "sector": {""}}
		code, _, body := admin.do("POST", "/admin/orgs", form, en, "en")
		if code != 400 || pageError(body) == "" || !strings.Contains(pageError(body), "Name is required") {
			t.Fatalf("no name: %d %q", code, pageError(body))
		}
		if !strings.Contains(body, `id="org-name" name="name" value="" required maxlength="200" aria-invalid="true"`) {
			t.Errorf("the name input is not marked invalid:\n%s", section(body, `id="org-form"`, "</form>"))
		}
		form.Set("name", "Eastern Test Lab")
		form.Set("kind", "sector_regulator")
		code, _, body = admin.do("POST", "/admin/orgs", form, en, "en")
		if code != 400 || !strings.Contains(pageError(body), "Sector is required") || !strings.Contains(body, `value="Eastern Test Lab"`) {
			t.Fatalf("a regulator without a sector: %d %q", code, pageError(body))
		}
		if rows(body, "org-list") != before {
			t.Fatal("a refused organisation was written")
		}
		form.Set("kind", "lab")
		code, hdr, _ := admin.do("POST", "/admin/orgs", form)
		if code != 303 || hdr.Get("Location") != "/admin/orgs#org-list" {
			t.Fatalf("create: %d %q", code, hdr.Get("Location"))
		}
		_, _, body = admin.do("GET", "/admin/orgs", nil, en, "en")
		list := section(body, `id="org-list"`, "</table>")
		if rows(body, "org-list") != before+1 || !strings.Contains(list, "<td>Eastern Test Lab</td><td>lab</td><td>national</td>") {
			t.Fatalf("the new organisation is not listed:\n%s", list)
		}
		code, _, body = admin.do("POST", "/admin/orgs", form, en, "en")
		if code != 409 || !strings.Contains(pageError(body), "already exists") {
			t.Errorf("a duplicate: %d %q", code, pageError(body))
		}
		if code, _, _ := office.do("POST", "/admin/orgs", url.Values{"name": {"Office's lab"}, "kind": {"lab"}}); code != 403 {
			t.Errorf("the office creating an organisation: %d", code)
		}
	})

	t.Run("CreateUser", func(t *testing.T) {
		lab := admin.orgID("Eastern Test Lab")
		form := url.Values{"username": {"eastlab"}, "display_name": {"Eastern tester"}, "org_id": {strconv.FormatInt(lab, 10)},
			"role": {"provider"}, "password": {"eastern-secret"}}
		code, _, body := admin.do("POST", "/admin/users", form, en, "en")
		if code != 400 || !strings.Contains(pageError(body), "Role is not valid") || !strings.Contains(body, `value="eastlab"`) {
			t.Fatalf("a provider in a lab: %d %q", code, pageError(body))
		}
		if strings.Contains(body, "eastern-secret") {
			t.Error("the refused form sends the password back")
		}
		form.Set("role", "lab")
		form.Set("password", "short")
		if code, _, body := admin.do("POST", "/admin/users", form, en, "en"); code != 400 || !strings.Contains(pageError(body), "Password (at least 8 characters) is too short") {
			t.Fatalf("a short password: %d %q", code, pageError(body))
		}
		if code, _, _ := newClient(t, base).do("POST", "/login", url.Values{"username": {"eastlab"}, "password": {"short"}}); code == 303 {
			t.Fatal("a refused user can sign in")
		}
		form.Set("password", "eastern-secret")
		if code, hdr, _ := admin.do("POST", "/admin/users", form); code != 303 || hdr.Get("Location") != "/admin/users#user-list" {
			t.Fatalf("create: %d %q", code, hdr.Get("Location"))
		}
		_, _, body = admin.do("GET", "/admin/users", nil, en, "en")
		if !strings.Contains(body, "<td>eastlab</td><td>Eastern tester</td><td>Eastern Test Lab</td><td>evaluation lab</td>") {
			t.Errorf("the new user is not listed:\n%s", section(body, `id="user-list"`, "</table>"))
		}
		c := newClient(t, base)
		if code, hdr, _ := c.do("POST", "/login", url.Values{"username": {"eastlab"}, "password": {"eastern-secret"}, "next": {"/"}}); code != 303 || hdr.Get("Location") != "/dashboard" {
			t.Errorf("the new user signs in: %d %q", code, hdr.Get("Location"))
		}
		if code, _, _ := office.do("POST", "/admin/users", form); code != 403 {
			t.Errorf("the office creating a user: %d", code)
		}
	})

	t.Run("SuspendAccreditation", func(t *testing.T) {
		_, _, body := admin.do("GET", "/admin/accreditations", nil, en, "en")
		m := regexp.MustCompile(`action="/admin/accreditations/(\d+)/suspend"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no accreditation to suspend:\n%s", body)
		}
		id := m[1]
		row := func(body string) string { return section(body, `id="accreditation-`+id+`"`, "</tr>") }
		path := "/admin/accreditations/" + id + "/suspend"
		code, _, body := admin.do("POST", path, url.Values{"reason": {"  "}}, en, "en")
		if code != 400 || !strings.Contains(pageError(body), "Reason is required") || !strings.Contains(row(body), `aria-invalid="true"`) {
			t.Fatalf("no reason: %d %q\n%s", code, pageError(body), row(body))
		}
		if strings.Contains(row(body), "suspended") {
			t.Fatal("suspended without a reason")
		}
		if code, _, _ := office.do("POST", path, url.Values{"reason": {"the office may not"}}); code != 403 {
			t.Errorf("the office suspending: %d", code)
		}
		if code, hdr, _ := admin.do("POST", path, url.Values{"reason": {"proficiency test failed"}}); code != 303 || hdr.Get("Location") != "/admin/accreditations#accreditation-list" {
			t.Fatalf("suspend: %d %q", code, hdr.Get("Location"))
		}
		_, _, body = admin.do("GET", "/admin/accreditations", nil, en, "en")
		if r := row(body); !strings.Contains(r, "suspended") || strings.Contains(r, "<form") {
			t.Errorf("the suspended accreditation:\n%s", r)
		}
		if code, _, _ := admin.do("POST", "/admin/accreditations/99999/suspend", url.Values{"reason": {"none such"}}); code != 404 {
			t.Errorf("an unknown accreditation: %d", code)
		}
	})

	t.Run("DeclareTie", func(t *testing.T) {
		lab2, provider2 := admin.orgID("Eastern Information Security Evaluation Lab"), admin.orgID("Lanyun Cloud Technology Co., Ltd.")
		_, _, body := admin.do("GET", "/admin/ties", nil, en, "en")
		expert := regexp.MustCompile(`<option value="(\d+)">[^<]*\(expert2\)</option>`).FindStringSubmatch(body)
		if expert == nil {
			t.Fatalf("no expert2 in the form:\n%s", section(body, `id="tie-form"`, "</form>"))
		}
		before := rows(body, "tie-list")
		form := url.Values{"lab_org_id": {strconv.FormatInt(lab2, 10)}, "expert_user_id": {expert[1]}, "provider_org_id": {strconv.FormatInt(provider2, 10)},
			"kind": {"consulting"}, "note": {"advised on the 2025 audit"}}
		code, _, body := admin.do("POST", "/admin/ties", form, en, "en")
		if code != 400 || !strings.Contains(pageError(body), "Lab is not valid: exactly one of") || !strings.Contains(body, "advised on the 2025 audit</textarea>") {
			t.Fatalf("both a lab and an expert: %d %q", code, pageError(body))
		}
		form.Del("expert_user_id")
		form.Set("ended_on", "last spring")
		if code, _, body := admin.do("POST", "/admin/ties", form, en, "en"); code != 400 || !strings.Contains(pageError(body), "Ended on is not valid: YYYY-MM-DD") || rows(body, "tie-list") != before {
			t.Fatalf("a bad date: %d %q", code, pageError(body))
		}
		form.Set("ended_on", "2025-04-30")
		if code, hdr, _ := admin.do("POST", "/admin/ties", form); code != 303 || hdr.Get("Location") != "/admin/ties#tie-list" {
			t.Fatalf("declare: %d %q", code, hdr.Get("Location"))
		}
		_, _, body = admin.do("GET", "/admin/ties", nil, en, "en")
		list := section(body, `id="tie-list"`, "</table>")
		if !strings.Contains(list, "<td>Eastern Information Security Evaluation Lab</td>") || !strings.Contains(list, "<td>Lanyun Cloud Technology Co., Ltd.</td><td>consulting</td>") ||
			!strings.Contains(list, "2025-04-30") {
			t.Errorf("the tie is not listed:\n%s", list)
		}
		if code, _, _ := office.do("POST", "/admin/ties", form); code != 403 {
			t.Errorf("the office declaring a tie: %d", code)
		}
	})

	t.Run("LoadCalendar", func(t *testing.T) {
		year := []byte(`{"year": 2040, "days": [{"name": "元旦", "date": "2040-01-02", "isOffDay": true}, {"name": "春节", "date": "2040-02-04", "isOffDay": false}]}`)
		_, _, body := admin.do("GET", "/admin/calendar", nil, en, "en")
		if strings.Contains(body, `id="year-2040"`) || !strings.Contains(body, `id="year-2026"`) {
			t.Fatalf("years before loading:\n%s", section(body, `id="year-list"`, "</table>"))
		}
		code, _, body := admin.multipart("/admin/calendar", nil, "file", "2040.json", []byte(`{"year": 2040}`), en, "en")
		if code != 400 || !strings.Contains(pageError(body), "Holiday file is not valid") || strings.Contains(body, `id="year-2040"`) {
			t.Fatalf("a file without days: %d %q", code, pageError(body))
		}
		if code, _, body := admin.do("POST", "/admin/calendar", url.Values{"text": {""}}, en, "en"); code != 400 || !strings.Contains(pageError(body), "Holiday file is required") {
			t.Fatalf("nothing sent: %d %q", code, pageError(body))
		}
		if code, hdr, _ := admin.multipart("/admin/calendar", nil, "file", "2040.json", year, en, "en"); code != 303 || hdr.Get("Location") != "/admin/calendar#year-list" {
			t.Fatalf("upload: %d %q", code, hdr.Get("Location"))
		}
		_, _, body = admin.do("GET", "/admin/calendar", nil, en, "en")
		if r := section(body, `id="year-2040"`, "</tr>"); !strings.Contains(r, "official") || !strings.Contains(r, "<td>1</td><td>1</td>") {
			t.Errorf("the loaded year: %q", r)
		}
		// The same format pasted into the text area, sent without a file.
		pasted := strings.ReplaceAll(string(year), "2040", "2041")
		if code, _, _ := admin.do("POST", "/admin/calendar", url.Values{"text": {pasted}}); code != 303 {
			t.Fatalf("pasted: %d", code)
		}
		if _, _, body := admin.do("GET", "/admin/calendar", nil, en, "en"); !strings.Contains(section(body, `id="year-2041"`, "</tr>"), "official") {
			t.Error("the pasted year is not loaded")
		}
		if code, _, _ := office.multipart("/admin/calendar", nil, "file", "2042.json", year, en, "en"); code != 403 {
			t.Errorf("the office loading a year: %d", code)
		}
	})
}

// TestCatalogPage: the admin loads a catalogue version through the page,
// the committee approves it (and rejects another) there, and it is then in
// force; each role sees only the forms the store lets it use.
func TestCatalogPage(t *testing.T) {
	base := startServer(t)
	as := func(user string) *client { return signedIn(t, base, user) }
	admin, committee := as("admin"), as("committee")
	for user, want := range map[string]int{"admin": 200, "committee": 200, "office": 403, "lab1": 403, "provider1": 403} {
		if code, _, _ := as(user).do("GET", "/catalog", nil); code != want {
			t.Errorf("/catalog as %s: %d, want %d", user, code, want)
		}
	}
	version := func(v string) []byte {
		return bytes.Replace(catalog.DefaultJSON(), []byte(`"version": "2026.1"`), []byte(`"version": "`+v+`"`), 1)
	}
	row := func(body, v string) string { return section(body, `id="version-`+v+`"`, "</tr>") }

	_, _, body := admin.do("GET", "/catalog", nil, en, "en")
	if !strings.Contains(row(body, "2026.1"), "in force") || !strings.Contains(body, `id="catalog-form"`) || strings.Contains(body, "/approve") {
		t.Fatalf("the admin's catalogue page:\n%s", body)
	}
	code, _, body := admin.multipart("/catalog", nil, "catalog", "bad.json", []byte(`{"version": ""}`), en, "en")
	if code != 400 || !strings.Contains(pageError(body), "Catalogue file is not valid") {
		t.Fatalf("a bad catalogue: %d %q", code, pageError(body))
	}
	// The page takes a catalogue as large as the API does (4 MiB), not
	// just a form's 1 MiB: a 2 MiB file is read (and refused as a
	// catalogue); one over the limit is refused as too large.
	big := append([]byte(`{"version": "2026.9", "x": "`), bytes.Repeat([]byte("a"), 2<<20)...)
	if code, _, body := admin.multipart("/catalog", nil, "catalog", "big.json", big, en, "en"); code != 400 || !strings.Contains(pageError(body), "Catalogue file is not valid") {
		t.Fatalf("a 2 MiB catalogue: %d %q", code, pageError(body))
	}
	if code, _, _ := admin.multipart("/catalog", nil, "catalog", "huge.json", bytes.Repeat([]byte("a"), 5<<20), en, "en"); code != 413 {
		t.Fatalf("a 5 MiB catalogue: %d, want 413", code)
	}
	if code, hdr, _ := admin.multipart("/catalog", nil, "catalog", "2026.2.json", version("2026.2"), en, "en"); code != 303 || hdr.Get("Location") != "/catalog#version-list" {
		t.Fatalf("load: %d %q", code, hdr.Get("Location"))
	}
	if code, _, _ := admin.do("POST", "/catalog", url.Values{"text": {string(version("2026.3"))}}); code != 303 {
		t.Fatalf("load pasted: %d", code)
	}
	_, _, body = admin.do("GET", "/catalog", nil, en, "en")
	if !strings.Contains(row(body, "2026.2"), "proposed") || !strings.Contains(row(body, "2026.1"), "in force") {
		t.Fatalf("after loading:\n%s", section(body, `id="version-list"`, "</table>"))
	}
	if code, _, _ := admin.do("POST", "/catalog/2026.2/approve", url.Values{}); code != 403 {
		t.Errorf("the admin approving: %d", code)
	}

	_, _, body = committee.do("GET", "/catalog", nil, en, "en")
	if strings.Contains(body, `id="catalog-form"`) || !strings.Contains(row(body, "2026.2"), `action="/catalog/2026.2/approve"`) ||
		!strings.Contains(row(body, "2026.2"), `formaction="/catalog/2026.2/reject"`) || !strings.Contains(body, `id="nav-catalog"`) {
		t.Fatalf("the committee's catalogue page:\n%s", body)
	}
	if code, _, _ := committee.do("POST", "/catalog", url.Values{"text": {string(version("2026.4"))}}); code != 403 {
		t.Errorf("the committee loading: %d", code)
	}
	if code, _, _ := committee.do("POST", "/catalog/2026.2/approve", url.Values{"note": {"approved at the June meeting"}}); code != 303 {
		t.Fatalf("approve: %d", code)
	}
	if code, _, _ := committee.do("POST", "/catalog/2026.3/reject", url.Values{"note": {"superseded by 2026.2"}}); code != 303 {
		t.Fatalf("reject: %d", code)
	}
	_, _, body = committee.do("GET", "/catalog", nil, en, "en")
	if r := row(body, "2026.2"); !strings.Contains(r, "approved") || !strings.Contains(r, "in force") || !strings.Contains(r, "approved at the June meeting") {
		t.Errorf("2026.2: %s", r)
	}
	if r := row(body, "2026.3"); !strings.Contains(r, "rejected") || strings.Contains(r, "<form") {
		t.Errorf("2026.3: %s", r)
	}
	code, _, body = committee.do("POST", "/catalog/2026.3/approve", url.Values{}, en, "en")
	if code != 409 || !strings.Contains(pageError(body), "Already done") || !strings.Contains(row(body, "2026.3"), "rejected") {
		t.Errorf("approving a rejected version: %d %q", code, pageError(body))
	}
}

// TestKeysPage: the office and the admin list, register and revoke a
// lab's signing keys; a bad key or an organisation that does not sign is
// refused naming the field; other roles are refused.
func TestKeysPage(t *testing.T) {
	base := startServer(t)
	as := func(user string) *client { return signedIn(t, base, user) }
	office, admin := as("office"), as("admin")
	lab := office.orgID("China Network Product Security Testing Centre")
	page := "/keys/" + strconv.FormatInt(lab, 10)
	for user, want := range map[string]int{"office": 200, "admin": 200, "provider1": 403, "lab1": 403, "committee": 403} {
		for _, p := range []string{"/keys", page} {
			if code, _, _ := as(user).do("GET", p, nil); code != want {
				t.Errorf("%s as %s: %d, want %d", p, user, code, want)
			}
		}
	}
	_, _, body := office.do("GET", "/keys", nil, en, "en")
	if !strings.Contains(section(body, `id="signer-list"`, "</table>"), `href="`+page+`"`) || strings.Contains(body, "Platform") || !strings.Contains(body, `id="nav-keys"`) {
		t.Fatalf("the office's list of signers:\n%s", body)
	}
	_, _, body = office.do("GET", page, nil, en, "en")
	before := rows(body, "key-list")
	if before == 0 {
		t.Fatalf("the demo lab's key is not listed:\n%s", body)
	}

	code, _, body := office.do("POST", page, url.Values{"public_key": {"ed25519:nonsense"}}, en, "en")
	if code != 400 || !strings.Contains(pageError(body), "Public key is not valid") || !strings.Contains(body, `value="ed25519:nonsense"`) || rows(body, "key-list") != before {
		t.Fatalf("a bad key: %d %q", code, pageError(body))
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, id := signature.FormatPublicKey(pub), signature.KeyID(pub)
	if code, hdr, _ := office.do("POST", page, url.Values{"public_key": {key}}); code != 303 || hdr.Get("Location") != page+"#key-list" {
		t.Fatalf("add: %d %q", code, hdr.Get("Location"))
	}
	_, _, body = admin.do("GET", page, nil, en, "en")
	if r := html.UnescapeString(section(body, `id="key-`+id+`"`, "</tr>")); !strings.Contains(r, key) || !strings.Contains(r, "/revoke") {
		t.Fatalf("the new key: %q", r)
	}
	if code, _, _ := as("provider1").do("POST", page+"/"+id+"/revoke", url.Values{}); code != 403 {
		t.Errorf("a provider revoking: %d", code)
	}
	if code, _, _ := admin.do("POST", page+"/"+id+"/revoke", url.Values{}); code != 303 {
		t.Fatalf("revoke: %d", code)
	}
	_, _, body = office.do("GET", page, nil, en, "en")
	if r := section(body, `id="key-`+id+`"`, "</tr>"); !strings.Contains(r, "revoked") || strings.Contains(r, "<form") {
		t.Errorf("the revoked key: %q", r)
	}
	if code, _, _ := office.do("POST", page+"/"+id+"/revoke", url.Values{}); code != 404 {
		t.Errorf("revoking twice: %d", code)
	}
	platform := "/keys/" + strconv.FormatInt(admin.orgID("Shencha Platform Operations"), 10)
	pub2, _, _ := ed25519.GenerateKey(rand.Reader)
	if code, _, body := admin.do("POST", platform, url.Values{"public_key": {signature.FormatPublicKey(pub2)}}, en, "en"); code != 400 || !strings.Contains(pageError(body), "only labs and providers sign") {
		t.Errorf("a key for the platform: %d %q", code, pageError(body))
	}
}
