package web

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"shencha/internal/review"
	"shencha/internal/store"
)

func (ui *UI) home(w http.ResponseWriter, r *http.Request) {
	if ui.cfg.Actor(r).Anonymous() {
		http.Redirect(w, r, "/register", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

type loginData struct {
	Next     string
	Username string
}

func (ui *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	ui.render(w, r, http.StatusOK, "login", ui.newPage(r, "ui.login.title", loginData{Next: localPath(r.URL.Query().Get("next"))}))
}

func (ui *UI) login(w http.ResponseWriter, r *http.Request) {
	user, pass, next := r.PostFormValue("username"), r.PostFormValue("password"), localPath(r.PostFormValue("next"))
	// A session the browser already holds ends here (session rotation).
	var previous string
	if c, err := r.Cookie(SessionCookie); err == nil {
		previous = c.Value
	}
	tok, _, err := ui.cfg.Store.Login(r.Context(), store.LoginAttempt{Username: user, Password: pass, Kind: "session",
		TTL: ui.cfg.SessionTTL, From: r.RemoteAddr, Previous: previous})
	if err != nil {
		var e *review.Error
		if !errors.As(err, &e) || e.Kind == review.KindInternal {
			ui.fail(w, r, err)
			return
		}
		retryAfter(w, e)
		p := ui.newPage(r, "ui.login.title", loginData{Next: next, Username: user})
		p.Error = ui.message(p.Lang, e)
		ui.render(w, r, ui.cfg.Status(e.Kind), "login", p)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: ui.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(ui.cfg.SessionTTL.Seconds())})
	if next == "/" {
		next = "/dashboard"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (ui *UI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && !ui.cfg.Actor(r).Anonymous() {
		if err := ui.cfg.Store.Logout(r.Context(), ui.cfg.Actor(r), c.Value); err != nil {
			ui.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: ui.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/register", http.StatusSeeOther)
}

// setLang remembers the visitor's language for a year and goes back.
func (ui *UI) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if lang != "en" && lang != "zh-CN" {
		ui.fail(w, r, review.Invalid("lang", "field_unknown_value", "value", lang))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: ui.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// registerData is the register search: the query and what it found.
type registerData struct {
	Provider, Product, PURL string
	Searched                bool
	Results                 []store.ListingAnswer
}

// maxProducts bounds how many products one name search answers for.
const maxProducts = 20

func (ui *UI) register(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := registerData{Provider: strings.TrimSpace(q.Get("provider")), Product: strings.TrimSpace(q.Get("product")), PURL: strings.TrimSpace(q.Get("purl"))}
	p := ui.newPage(r, "ui.register.title", &d)
	ctx, a := r.Context(), ui.cfg.Actor(r)
	var err error
	if d.PURL != "" || d.Provider != "" || d.Product != "" {
		d.Searched = true
		d.Results, err = ui.lookup(ctx, a, d.Provider, d.Product, d.PURL)
	}
	if err != nil {
		var e *review.Error
		if !errors.As(err, &e) || e.Kind == review.KindInternal {
			ui.fail(w, r, err)
			return
		}
		// Bad input (a malformed purl) is shown beside the form.
		p.Error = ui.message(p.Lang, e)
		ui.render(w, r, ui.cfg.Status(e.Kind), "register", p)
		return
	}
	ui.render(w, r, http.StatusOK, "register", p)
}

func (ui *UI) dashboardData(r *http.Request) (*dashboardData, error) {
	ctx, a := r.Context(), ui.cfg.Actor(r)
	counts, err := ui.cfg.Store.CasesByState(ctx, a)
	if err != nil {
		return nil, err
	}
	deadlines, err := ui.cfg.Store.Deadlines(ctx, a, 50)
	if err != nil {
		return nil, err
	}
	// Overdue first, then the nearest deadline; a paused clock (no
	// deadline while it waits on the provider) after those that run.
	slices.SortStableFunc(deadlines, func(x, y store.CaseDeadline) int {
		if x.Clock.Overdue != y.Clock.Overdue {
			if x.Clock.Overdue {
				return -1
			}
			return 1
		}
		if (x.Clock.Deadline == "") != (y.Clock.Deadline == "") {
			if x.Clock.Deadline == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(x.Clock.Deadline, y.Clock.Deadline)
	})
	recent, err := ui.cfg.Store.ListCases(ctx, a, store.CaseFilter{Limit: 20})
	if err != nil {
		return nil, err
	}
	d := &dashboardData{Deadlines: deadlines, Recent: recent.Items, More: recent.Next != ""}
	for _, st := range review.States {
		if n := counts[st]; n > 0 {
			d.Counts = append(d.Counts, stateCount{State: st, N: n})
			d.Total += n
		}
	}
	d.Chart = barChart(d.Counts)
	months, err := ui.cfg.Store.CasesPerMonth(ctx, a, chartMonths)
	if err != nil {
		return nil, err
	}
	d.Months = monthsChart(months)
	return d, nil
}

// chartMonths is how many months the dashboard's opened/closed chart shows.
const chartMonths = 12

type dashboardData struct {
	Counts []stateCount
	Total  int
	Chart  chart
	// Months are the cases opened and closed in each of the last months.
	Months    monthChart
	Deadlines []store.CaseDeadline
	Recent    []store.CaseSummary
	More      bool
}

type stateCount struct {
	State review.State
	N     int
}

func (ui *UI) dashboard(w http.ResponseWriter, r *http.Request) {
	d, err := ui.dashboardData(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "dashboard", ui.newPage(r, "ui.dashboard.title", d))
}

// parseID reads a positive integer path value.
func parseID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, review.NotFound("listing")
	}
	return id, nil
}
