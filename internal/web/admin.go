package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// The pages that keep the platform's reference data: organisations, users,
// lab accreditations, declared ties and the holiday calendar (the admin's),
// the criteria catalogue (the admin loads a version, the committee approves
// or rejects it, Art. 5) and the labs' and providers' signing keys (admin
// and office). Every change is the store call the JSON API makes, so the
// store's policy decides who may make it and checks the input before
// anything is written; a refusal shows the page again with what was typed,
// the reason and the field at fault. The pages refuse every other role.

// adminPage is one of these pages: its title (a message key), the roles it
// is for, and what it reads besides the organisations, which every page
// names.
type adminPage struct {
	title string
	roles []review.Role
	fill  func(ui *UI, r *http.Request, a review.Actor, d *adminData) error
}

var (
	onlyAdmin     = []review.Role{review.RoleAdmin}
	onlyCommittee = []review.Role{review.RoleCommittee}
	// The store lets the office register and revoke keys on a lab's or a
	// provider's behalf (AddSigningKey), and the committee decide on a
	// catalogue version that the admin loaded (DecideCatalog).
	keyKeepers    = []review.Role{review.RoleAdmin, review.RoleOffice}
	catalogKeeper = []review.Role{review.RoleAdmin, review.RoleCommittee}
)

// adminPages are the pages by template name.
var adminPages = map[string]adminPage{
	"orgs":           {title: "ui.admin.orgs.title", roles: onlyAdmin},
	"users":          {title: "ui.admin.users.title", roles: onlyAdmin, fill: (*UI).fillUsers},
	"accreditations": {title: "ui.admin.accreditations.title", roles: onlyAdmin, fill: (*UI).fillAccreditations},
	"ties":           {title: "ui.admin.ties.title", roles: onlyAdmin, fill: (*UI).fillTies},
	"calendar":       {title: "ui.admin.calendar.title", roles: onlyAdmin, fill: (*UI).fillCalendar},
	"catalog":        {title: "ui.admin.catalog.title", roles: catalogKeeper, fill: (*UI).fillCatalog},
	"keys":           {title: "ui.admin.keys.title", roles: keyKeepers, fill: (*UI).fillKeys},
}

// adminData is what one of the pages shows; each fills the part it needs.
type adminData struct {
	Orgs     []review.Org
	OrgNames map[int64]string
	// Users are every user (the users page) or the experts (the ties page).
	Users          []review.User
	UserNames      map[int64]string
	Accreditations []review.Accreditation
	Ties           []review.Tie
	Years          []calendarYear
	Catalog        []store.CatalogVersion
	CurrentCatalog string
	// CanLoad and CanDecide: the visitor may load a catalogue version
	// (admin) or approve and reject one (committee), as the store allows.
	CanLoad, CanDecide bool
	// Org is the organisation whose signing keys the keys page shows
	// (zero: the page lists the organisations that sign).
	Org  review.Org
	Keys []store.SigningKey
	// Form is a refused form: what was typed, the refusal and its field.
	Form adminForm
}

// adminForm is what was typed into a form the store refused. For names
// the form (an accreditation's suspension is one form per row).
type adminForm struct {
	For    string
	Values url.Values
	Field  string
}

// Value is what was typed into the named input of the form.
func (f adminForm) Value(form, name string) string {
	if f.For != form {
		return ""
	}
	return f.Values.Get(name)
}

// Invalid reports whether the refusal names this input of the form.
func (f adminForm) Invalid(form, name string) bool { return f.For == form && f.Field == name }

// Kinds, Sectors, Roles and TieKinds are the forms' choices.
func (adminData) Kinds() []string    { return names(review.OrgKinds) }
func (adminData) Sectors() []string  { return review.Sectors }
func (adminData) Roles() []string    { return names(review.Roles) }
func (adminData) TieKinds() []string { return names(review.TieKinds) }

// OrgsOf lists the organisations of one kind.
func (d *adminData) OrgsOf(kind string) []review.Org {
	var out []review.Org
	for _, o := range d.Orgs {
		if string(o.Kind) == kind {
			out = append(out, o)
		}
	}
	return out
}

// Signers are the organisations that sign with keys of their own: labs
// (reports) and providers (commitments).
func (d *adminData) Signers() []review.Org {
	return slices.DeleteFunc(slices.Clone(d.Orgs), func(o review.Org) bool { return o.Kind != review.OrgLab && o.Kind != review.OrgProvider })
}

// calendarYear is one year of the working-day calendar.
type calendarYear struct {
	Year int
	// Provisional: no holiday notice is loaded, so Monday–Friday count.
	Provisional        bool
	Holidays, Workdays int
}

// showAdmin renders one of the pages, with a refused form if there is one.
func (ui *UI) showAdmin(w http.ResponseWriter, r *http.Request, name string, status int, f adminForm, msg string) {
	pg := adminPages[name]
	a, err := ui.roleActor(r, "admin_"+name, pg.roles...)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	// The same store calls as GET /api/v1/orgs, /users, /accreditations.
	d := &adminData{OrgNames: map[int64]string{}, UserNames: map[int64]string{}, Form: f}
	if d.Orgs, err = ui.cfg.Store.Orgs(r.Context(), ""); err == nil && pg.fill != nil {
		err = pg.fill(ui, r, a, d)
	}
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	for _, o := range d.Orgs {
		d.OrgNames[o.ID] = o.Name
	}
	for _, u := range d.Users {
		d.UserNames[u.ID] = u.Username
	}
	p := ui.newPage(r, pg.title, d)
	p.Error = msg
	ui.render(w, r, status, name, p)
}

// adminGet serves one of the pages.
func (ui *UI) adminGet(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { ui.showAdmin(w, r, name, http.StatusOK, adminForm{}, "") }
}

// adminAction is a form of one of the pages (name): only the roles given
// may send it, act makes the change through the store and says which
// form it was and where to go next, and adminDone answers.
func (ui *UI) adminAction(name, action string, roles []review.Role, act func(w http.ResponseWriter, r *http.Request, a review.Actor) (form, next string, err error)) http.HandlerFunc {
	return ui.adminForm(0, name, action, roles, act)
}

// adminDocument is adminAction for a form that carries a document: at most
// maxDocument, as the API takes it, and a little for the other fields.
func (ui *UI) adminDocument(name, action string, roles []review.Role, act func(w http.ResponseWriter, r *http.Request, a review.Actor) (form, next string, err error)) http.HandlerFunc {
	return ui.adminForm(maxDocument+64<<10, name, action, roles, act)
}

func (ui *UI) adminForm(max int64, name, action string, roles []review.Role, act func(w http.ResponseWriter, r *http.Request, a review.Actor) (form, next string, err error)) http.HandlerFunc {
	return ui.postMax(max, func(w http.ResponseWriter, r *http.Request) {
		a, err := ui.roleActor(r, action, roles...)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		form, next, err := act(w, r, a)
		ui.adminDone(w, r, name, form, next, err)
	})
}

// adminDone answers a form: on success back to the page's list (a reload
// does not post again); a refusal the visitor can correct shows the page
// with the form as typed, the field named by its label; anything else is
// an error page.
func (ui *UI) adminDone(w http.ResponseWriter, r *http.Request, name, form, next string, err error) {
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	var e *review.Error
	if !errors.As(err, &e) || e.Kind != review.KindInvalid && e.Kind != review.KindConflict && e.Kind != review.KindTooLarge {
		ui.fail(w, r, err)
		return
	}
	lang := i18n.FromRequest(r)
	shown := *e
	if key, ok := formLabels[e.Field]; ok {
		shown.Params = map[string]string{}
		for k, v := range e.Params {
			shown.Params[k] = v
		}
		shown.Params["field"] = i18n.T(lang, key, nil)
	}
	values := r.PostForm
	values.Del("password") // a password is never sent back
	ui.showAdmin(w, r, name, ui.cfg.Status(e.Kind), adminForm{For: form, Values: values, Field: e.Field}, ui.message(lang, &shown))
}

// formLabels are the message keys of the labels of the inputs the store
// names in its refusals, so a refusal names the input as the form does.
var formLabels = map[string]string{
	"name": "ui.admin.name", "kind": "ui.admin.kind", "sector": "ui.case.sector",
	"username": "ui.admin.username", "display_name": "ui.admin.display_name", "org_id": "ui.admin.org",
	"role": "ui.admin.role", "password": "ui.admin.password", "reason": "ui.admin.reason",
	"lab_org_id": "ui.admin.lab", "expert_user_id": "ui.admin.expert", "provider_org_id": "ui.admin.provider",
	"ended_on": "ui.admin.ended_on", "file": "ui.admin.calendar.file", "catalog": "ui.admin.catalog.file",
	"public_key": "ui.admin.public_key",
}

// formID reads a numeric form value; anything else is 0, which the store
// refuses naming the field.
func formID(r *http.Request, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

func (ui *UI) createOrg(_ http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	_, err := ui.cfg.Store.CreateOrg(r.Context(), a, review.Org{Kind: review.OrgKind(r.PostFormValue("kind")),
		Name: strings.TrimSpace(r.PostFormValue("name")), Sector: r.PostFormValue("sector")})
	return "org", "/admin/orgs#org-list", err
}

func (ui *UI) fillUsers(r *http.Request, _ review.Actor, d *adminData) (err error) {
	d.Users, err = ui.cfg.Store.Users(r.Context(), "")
	return err
}

func (ui *UI) createUser(_ http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	u := review.User{Username: strings.TrimSpace(r.PostFormValue("username")), DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		OrgID: formID(r, "org_id"), Role: review.Role(r.PostFormValue("role"))}
	_, err := ui.cfg.Store.CreateUser(r.Context(), a, u, r.PostFormValue("password"), ui.cfg.PasswordParams)
	return "user", "/admin/users#user-list", err
}

func (ui *UI) fillAccreditations(r *http.Request, _ review.Actor, d *adminData) (err error) {
	d.Accreditations, err = ui.cfg.Store.Accreditations(r.Context(), 0)
	return err
}

// suspendAccreditation suspends one accreditation with a reason; the
// store ends the lab's live assignments with it.
func (ui *UI) suspendAccreditation(_ http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	form := "suspend-" + r.PathValue("id")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return form, "", review.NotFound("accreditation")
	}
	err = ui.cfg.Store.SuspendAccreditation(r.Context(), a, id, strings.TrimSpace(r.PostFormValue("reason")))
	return form, "/admin/accreditations#accreditation-list", err
}

// fillTies reads the declared ties and the experts who may hold one.
func (ui *UI) fillTies(r *http.Request, a review.Actor, d *adminData) (err error) {
	if d.Ties, err = ui.cfg.Store.DeclaredTies(r.Context(), a); err != nil {
		return err
	}
	d.Users, err = ui.cfg.Store.Users(r.Context(), review.RoleExpert)
	return err
}

// createTie declares a tie as POST /api/v1/ties does, through the same
// store function.
func (ui *UI) createTie(_ http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	t := review.Tie{LabOrgID: formID(r, "lab_org_id"), ExpertUserID: formID(r, "expert_user_id"), ProviderOrgID: formID(r, "provider_org_id"),
		Kind: review.TieKind(r.PostFormValue("kind")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if v := strings.TrimSpace(r.PostFormValue("ended_on")); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return "tie", "", review.Invalid("ended_on", "field_invalid", "rule", "YYYY-MM-DD")
		}
		t.Until = &d
	}
	_, err := ui.cfg.Store.CreateTie(r.Context(), a, t)
	return "tie", "/admin/ties#tie-list", err
}

// fillCalendar lists the years the calendar has holiday notices for, and
// this year and the next when it has none (their deadlines are
// provisional until an admin loads the year).
func (ui *UI) fillCalendar(r *http.Request, _ review.Actor, d *adminData) error {
	cal := ui.cfg.Store.Calendar()
	years := cal.Years()
	this := calendar.DateOf(ui.cfg.Store.Now()).Year
	for _, y := range []int{this, this + 1} {
		if !slices.Contains(years, y) {
			years = append(years, y)
		}
	}
	slices.Sort(years)
	for _, y := range years {
		cy := calendarYear{Year: y, Provisional: cal.Provisional(y)}
		for _, day := range cal.Days(y) {
			if day.OffDay {
				cy.Holidays++
			} else {
				cy.Workdays++
			}
		}
		d.Years = append(d.Years, cy)
	}
	return nil
}

// maxDocument bounds a file sent through a form (a holiday notice, a
// catalogue), as the API bounds a catalogue.
const maxDocument = 4 << 20

// formDocument reads a document sent through a form (read by postMax):
// the chosen file if there is one, else what was pasted into the text
// area. A form without a file input may be sent urlencoded.
func formDocument(r *http.Request, field, text string) ([]byte, error) {
	if f, _, err := r.FormFile(field); err == nil {
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return nil, review.E(review.KindInvalid, "body_invalid", "reason", err.Error())
		}
		return b, nil
	}
	if t := strings.TrimSpace(r.PostFormValue(text)); t != "" {
		return []byte(t), nil
	}
	return nil, review.Required(field)
}

// loadCalendar loads a year of holidays as POST /api/v1/calendar does,
// from an uploaded holiday-cn file or the same JSON pasted.
func (ui *UI) loadCalendar(w http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	data, err := formDocument(r, "file", "text")
	if err == nil {
		_, err = ui.cfg.Store.LoadCalendarYear(r.Context(), a, data)
	}
	return "calendar", "/admin/calendar#year-list", err
}

// fillCatalog lists the catalogue versions as GET /api/v1/catalog does.
func (ui *UI) fillCatalog(r *http.Request, a review.Actor, d *adminData) error {
	var err error
	if d.Catalog, err = ui.cfg.Store.CatalogVersions(r.Context()); err != nil {
		return err
	}
	cur, err := ui.cfg.Store.Catalog(r.Context(), "")
	if err != nil {
		return err
	}
	d.CurrentCatalog = cur.Version
	d.CanLoad, d.CanDecide = a.Role == review.RoleAdmin, a.Role == review.RoleCommittee
	return nil
}

// loadCatalog stores a new catalogue version as proposed (admin).
func (ui *UI) loadCatalog(w http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	data, err := formDocument(r, "catalog", "text")
	if err == nil {
		_, err = ui.cfg.Store.LoadCatalog(r.Context(), a, data)
	}
	return "catalog", "/catalog#version-list", err
}

// decideCatalog approves or rejects a proposed version (committee).
func (ui *UI) decideCatalog(approve bool) func(http.ResponseWriter, *http.Request, review.Actor) (string, string, error) {
	return func(_ http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
		version := r.PathValue("version")
		err := ui.cfg.Store.DecideCatalog(r.Context(), a, version, approve, strings.TrimSpace(r.PostFormValue("note")))
		return "decide-" + version, "/catalog#version-list", err
	}
}

// fillKeys reads the signing keys of the organisation in the path, if
// there is one; without, the page lists the organisations that sign.
func (ui *UI) fillKeys(r *http.Request, _ review.Actor, d *adminData) error {
	if r.PathValue("org") == "" {
		return nil
	}
	id, err := pathOrg(r)
	if err != nil {
		return err
	}
	if d.Org, err = ui.cfg.Store.Org(r.Context(), id); err != nil {
		return err
	}
	d.Keys, err = ui.cfg.Store.SigningKeys(r.Context(), id)
	return err
}

// pathOrg reads the organisation of the keys pages' paths.
func pathOrg(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	if err != nil || id <= 0 {
		return 0, review.NotFound("organisation")
	}
	return id, nil
}

// keysPath is the keys page of the organisation in the request's path.
func keysPath(r *http.Request) string { return "/keys/" + url.PathEscape(r.PathValue("org")) }

// addKey registers a lab's or a provider's public key (admin, office).
func (ui *UI) addKey(_ http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	org, err := pathOrg(r)
	if err == nil {
		_, err = ui.cfg.Store.AddSigningKey(r.Context(), a, org, r.PostFormValue("public_key"))
	}
	return "key", keysPath(r) + "#key-list", err
}

// revokeKey stops a key from signing; what it signed stays verifiable.
func (ui *UI) revokeKey(_ http.ResponseWriter, r *http.Request, a review.Actor) (string, string, error) {
	org, err := pathOrg(r)
	if err == nil {
		err = ui.cfg.Store.RevokeSigningKey(r.Context(), a, org, r.PathValue("key"))
	}
	return "revoke-" + r.PathValue("key"), keysPath(r) + "#key-list", err
}
