package server

import (
	"net/http"
	"strconv"

	"shencha/internal/i18n"
	"shencha/internal/notify"
	"shencha/internal/review"
	"shencha/internal/store"
)

func (s *Server) registerNotifications() {
	s.handle("GET", "/api/v1/notifications", "your notifications, unread first, cursor-paged (?cursor=…&limit=…), each rendered in your language", false, s.notifications)
	s.handle("POST", "/api/v1/notifications/{id}/read", "mark one of your notifications read", false, s.readNotification)
	s.handle("POST", "/api/v1/notifications/read", "mark all your notifications read", false, s.readAllNotifications)
	s.handle("GET", "/api/v1/me/contact", "your e-mail address and language for notifications", false, s.contact)
	s.handle("PUT", "/api/v1/me/contact", "set your e-mail address and language for notifications ({\"email\",\"lang\"})", false, s.setContact)
	s.handle("GET", "/api/v1/webhooks", "your organisation's webhook subscriptions to listing changes (procurer, CII operator, office)", false, s.webhooks)
	s.handle("POST", "/api/v1/webhooks", "subscribe your organisation to listing changes ({\"url\"}); the answer shows the signing secret once", false, s.createWebhook)
	s.handle("DELETE", "/api/v1/webhooks/{id}", "end a webhook subscription; deliveries not yet made are cancelled", false, s.deleteWebhook)
	s.handle("GET", "/api/v1/webhooks/{id}/deliveries", "a subscription's delivery log, newest first: each attempt's time, status code and error", false, s.webhookDeliveries)
}

// notificationItem is a notification with its text in the caller's language.
type notificationItem struct {
	store.Notification
	Text string `json:"text"`
}

func limitParam(r *http.Request) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil {
		return 0, review.Invalid("limit", "field_invalid", "rule", "an integer")
	}
	return n, nil
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	page, err := s.cfg.Store.Notifications(r.Context(), actor(r), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	lang := i18n.FromRequest(r)
	items := make([]notificationItem, len(page.Items))
	for i, n := range page.Items {
		items[i] = notificationItem{n, notify.Text(lang, n.Code, n.Params)}
	}
	writeJSON(w, 200, map[string]any{"items": items, "unread": page.Unread, "next_cursor": page.Next})
	return nil
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.MarkRead(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) error {
	n, err := s.cfg.Store.MarkAllRead(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"marked": n})
	return nil
}

func (s *Server) contact(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cfg.Store.ContactOf(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, c)
	return nil
}

func (s *Server) setContact(w http.ResponseWriter, r *http.Request) error {
	var in store.Contact
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.cfg.Store.SetContact(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, 200, c)
	return nil
}

func (s *Server) webhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.Webhooks(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": orEmpty(list)})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		URL string `json:"url"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if !review.MaySubscribe(actor(r)) {
		return review.Forbidden("webhooks")
	}
	if err := store.CheckWebhookURL(in.URL); err != nil {
		return err
	}
	if err := notify.CheckURL(in.URL, s.cfg.WebhookPrivate); err != nil {
		return err
	}
	hook, err := s.cfg.Store.CreateWebhook(r.Context(), actor(r), in.URL)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+itoa(hook.ID))
	writeJSON(w, 201, hook)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteWebhook(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.WebhookDeliveries(r.Context(), actor(r), id, limit)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": orEmpty(list)})
	return nil
}
