package web

import (
	"net/http"
	"strconv"

	"shencha/internal/i18n"
	"shencha/internal/notify"
	"shencha/internal/review"
	"shencha/internal/store"
)

// The notifications page: the signed-in person's own notifications, unread
// first, each rendered in the page's language from its stored code, with
// the page it is about; and where e-mails go and in which language. It
// reads and writes through the store functions the API uses.

// notificationsPage is how many notifications one page shows.
const notificationsPage = 30

type notificationRow struct {
	store.Notification
	Text string
}

type notificationsData struct {
	Items  []notificationRow
	Unread int
	Next   string
	// Contact is the e-mail settings form, as stored or as typed.
	Contact store.Contact
	Locales []string
}

func (ui *UI) notifications(w http.ResponseWriter, r *http.Request) {
	ui.showNotifications(w, r, http.StatusOK, nil, "")
}

// showNotifications renders the page; form is the settings as typed after
// a refused change (nil: as stored), msg the refusal.
func (ui *UI) showNotifications(w http.ResponseWriter, r *http.Request, status int, form *store.Contact, msg string) {
	ctx, a := r.Context(), ui.cfg.Actor(r)
	if a.Anonymous() {
		ui.fail(w, r, review.Unauthorized())
		return
	}
	list, err := ui.cfg.Store.Notifications(ctx, a, r.URL.Query().Get("cursor"), notificationsPage)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	lang := i18n.FromRequest(r)
	d := &notificationsData{Unread: list.Unread, Next: list.Next, Locales: i18n.Locales}
	for _, n := range list.Items {
		d.Items = append(d.Items, notificationRow{n, notify.Text(lang, n.Code, n.Params)})
	}
	if form != nil {
		d.Contact = *form
	} else if d.Contact, err = ui.cfg.Store.ContactOf(ctx, a); err != nil {
		ui.fail(w, r, err)
		return
	}
	p := ui.newPage(r, "ui.notifications.title", d)
	p.Error = msg
	ui.render(w, r, status, "notifications", p)
}

func (ui *UI) readNotification(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		ui.fail(w, r, review.NotFound("notification"))
		return
	}
	if err := ui.cfg.Store.MarkRead(r.Context(), ui.cfg.Actor(r), id); err != nil {
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (ui *UI) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	if _, err := ui.cfg.Store.MarkAllRead(r.Context(), ui.cfg.Actor(r)); err != nil {
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (ui *UI) setContact(w http.ResponseWriter, r *http.Request) {
	in := store.Contact{Email: r.PostFormValue("email"), Lang: r.PostFormValue("lang")}
	if _, err := ui.cfg.Store.SetContact(r.Context(), ui.cfg.Actor(r), in); err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			ui.showNotifications(w, r, status, &in, msg)
			return
		}
		ui.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications#contact", http.StatusSeeOther)
}
