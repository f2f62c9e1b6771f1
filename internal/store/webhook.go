package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/riverqueue/river"

	"shencha/internal/review"
)

// Webhooks let an organisation's systems (a procurer's, a CII operator's,
// the office's) follow the register: every listing change is delivered to
// each subscription whose owner may see the listing (the register's scope
// rules), as a JSON body signed with the subscription's secret. Deliveries
// are written in the transaction of the change and sent by the job queue,
// retried with backoff; every attempt is kept as the delivery log.

// Webhook is an organisation's subscription to listing changes.
type Webhook struct {
	ID        int64  `json:"id"`
	URL       string `json:"url"`
	CreatedBy string `json:"created_by"`
	CreatedAt string `json:"created_at"`
	// Secret signs the deliveries; it is shown once, when the
	// subscription is made.
	Secret string `json:"secret,omitempty"`
}

// Delivery is one listing change sent (or to be sent) to a subscription.
type Delivery struct {
	ID          int64     `json:"id"`
	EventID     int64     `json:"event_id"`
	State       string    `json:"state"` // pending, delivered, failed, cancelled
	CreatedAt   string    `json:"created_at"`
	DeliveredAt string    `json:"delivered_at,omitempty"`
	Attempts    []Attempt `json:"attempts"`
}

// Attempt is one try at a delivery: the receiver's status code, or why
// there was none.
type Attempt struct {
	Attempt    int    `json:"attempt"`
	At         string `json:"at"`
	StatusCode int    `json:"status_code,omitempty"`
	Error      string `json:"error,omitempty"`
}

// WebhookArgs asks the job queue to send one delivery.
type WebhookArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job.
func (WebhookArgs) Kind() string { return "webhook_delivery" }

// WebhookAttempts is how many times a delivery is tried before it is
// given up as failed.
const WebhookAttempts = 8

// maxWebhooks bounds an organisation's live subscriptions.
const maxWebhooks = 10

// ListingChange is the body of a delivery: the listing as the register
// shows it to someone in its scope. ID is the same on every retry, so a
// receiver can drop a delivery it has already processed.
type ListingChange struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	At             string `json:"at"`
	ListingID      int64  `json:"listing_id"`
	Event          string `json:"event"`
	Status         string `json:"status"`
	Reason         string `json:"reason,omitempty"`
	Preferred      bool   `json:"preferred"`
	MustNotProcure bool   `json:"must_not_procure"`
	Case           string `json:"case"`
	Scope          string `json:"scope"`
	Sector         string `json:"sector,omitempty"`
	Product        string `json:"product"`
	Provider       string `json:"provider"`
	Version        string `json:"version"`
	PURL           string `json:"purl,omitempty"`
	CPE            string `json:"cpe,omitempty"`
	ValidUntil     string `json:"valid_until"`
}

// CheckWebhookURL checks the form of a subscription's address: an http or
// https URL with a host and no credentials. Where it may point is the
// sender's to check (internal/notify), at subscription and at every dial.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case strings.TrimSpace(raw) == "":
		return review.Required("url")
	case len(raw) > 2000:
		return review.Invalid("url", "field_too_long", "max", "2000")
	case err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Hostname() == "":
		return review.Invalid("url", "field_invalid", "rule", "an http:// or https:// URL")
	case u.User != nil:
		return review.Invalid("url", "field_invalid", "rule", "no user name or password in the URL")
	}
	return nil
}

// CreateWebhook subscribes the actor's organisation to listing changes at
// rawURL and returns the subscription with its secret, shown this once.
func (s *Store) CreateWebhook(ctx context.Context, a review.Actor, rawURL string) (Webhook, error) {
	var w Webhook
	if a.UserID == 0 {
		return w, review.Unauthorized()
	}
	if !review.MaySubscribe(a) {
		return w, review.Forbidden("webhooks")
	}
	if err := CheckWebhookURL(rawURL); err != nil {
		return w, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	w = Webhook{URL: rawURL, CreatedBy: a.Username, CreatedAt: ts(s.Now()), Secret: "whsec_" + hex.EncodeToString(key)}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE org_id = $1 AND deleted_at = ''`, a.OrgID).Scan(&n); err != nil {
			return wrap("webhook", err)
		}
		if n >= maxWebhooks {
			return review.Invalid("url", "field_invalid", "rule", "at most "+itoa(maxWebhooks)+" subscriptions per organisation; delete one first")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (org_id, url, secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			a.OrgID, w.URL, w.Secret, a.UserID, w.CreatedAt).Scan(&w.ID); err != nil {
			return wrap("webhook", err)
		}
		return s.audit(ctx, tx, a, "webhook.create", "webhook:"+itoa(w.ID), map[string]any{"url": w.URL, "org_id": a.OrgID})
	})
	return w, err
}

// Webhooks lists the live subscriptions of the actor's organisation.
func (s *Store) Webhooks(ctx context.Context, a review.Actor) ([]Webhook, error) {
	if a.UserID == 0 {
		return nil, review.Unauthorized()
	}
	if !review.MaySubscribe(a) {
		return nil, review.Forbidden("webhooks")
	}
	return queryAll(ctx, s.r, "webhooks", `SELECT w.id, w.url, u.username, w.created_at FROM webhooks w JOIN users u ON u.id = w.created_by
		WHERE w.org_id = $1 AND w.deleted_at = '' ORDER BY w.id`, func(r *sql.Rows) (Webhook, error) {
		var w Webhook
		return w, r.Scan(&w.ID, &w.URL, &w.CreatedBy, &w.CreatedAt)
	}, a.OrgID)
}

// ownWebhook checks that a live subscription belongs to the actor's
// organisation; anyone else's is not found.
func (s *Store) ownWebhook(ctx context.Context, q queryer, a review.Actor, id int64) error {
	if a.UserID == 0 {
		return review.Unauthorized()
	}
	if !review.MaySubscribe(a) {
		return review.Forbidden("webhooks")
	}
	var org int64
	err := q.QueryRowContext(ctx, `SELECT org_id FROM webhooks WHERE id = $1 AND deleted_at = ''`, id).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) || err == nil && org != a.OrgID {
		return review.NotFound("webhook")
	}
	return wrap("webhook", err)
}

// DeleteWebhook ends a subscription of the actor's organisation; its
// deliveries not yet made are cancelled.
func (s *Store) DeleteWebhook(ctx context.Context, a review.Actor, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.ownWebhook(ctx, tx, a, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET deleted_at = $1 WHERE id = $2`, ts(s.Now()), id); err != nil {
			return wrap("delete webhook", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'cancelled' WHERE webhook_id = $1 AND state = 'pending'`, id); err != nil {
			return wrap("delete webhook", err)
		}
		return s.audit(ctx, tx, a, "webhook.delete", "webhook:"+itoa(id), nil)
	})
}

// WebhookDeliveries is a subscription's delivery log, newest first (at most
// limit deliveries), each with its attempts.
func (s *Store) WebhookDeliveries(ctx context.Context, a review.Actor, id int64, limit int) ([]Delivery, error) {
	if err := s.ownWebhook(ctx, s.r, a, id); err != nil {
		return nil, err
	}
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	list, err := queryAll(ctx, s.r, "deliveries", `SELECT id, event_id, state, created_at, delivered_at FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`,
		func(r *sql.Rows) (Delivery, error) {
			d := Delivery{Attempts: []Attempt{}}
			return d, r.Scan(&d.ID, &d.EventID, &d.State, &d.CreatedAt, &d.DeliveredAt)
		}, id, limit)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Attempts, err = queryAll(ctx, s.r, "attempts", `SELECT attempt, at, status_code, error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt, id`,
			func(r *sql.Rows) (Attempt, error) {
				var x Attempt
				return x, r.Scan(&x.Attempt, &x.At, &x.StatusCode, &x.Error)
			}, list[i].ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// notifyListing tells of a listing event in the transaction that adds it:
// the provider's people in the app (publication has its own notice, on the
// case), and every subscription whose owner the listing's scope includes.
func (s *Store) notifyListing(ctx context.Context, tx *sql.Tx, a review.Actor, listingID, eventID int64, st review.ListingStatus, action, reason string) error {
	ch := ListingChange{ID: "evt_" + itoa(eventID), Type: "listing.changed", At: ts(s.Now()), ListingID: listingID, Event: action,
		Status: string(st), Reason: reason, Preferred: st.Preferred(), MustNotProcure: st.MustNotProcure()}
	if err := tx.QueryRowContext(ctx, `SELECT c.number, l.scope, c.sector, p.name, o.name, v.version, v.purl, v.cpe, l.valid_until
		FROM listings l JOIN cases c ON c.id = l.case_id JOIN product_versions v ON v.id = l.version_id
		JOIN products p ON p.id = v.product_id JOIN orgs o ON o.id = p.provider_org_id WHERE l.id = $1`, listingID).
		Scan(&ch.Case, &ch.Scope, &ch.Sector, &ch.Product, &ch.Provider, &ch.Version, &ch.PURL, &ch.CPE, &ch.ValidUntil); err != nil {
		return wrap("listing change", err)
	}
	c, err := s.loadCase(ctx, tx, ch.Case)
	if err != nil {
		return err
	}
	if action != "publish" {
		params := map[string]string{"listing": itoa(listingID), "status": string(st), "product": ch.Product, "version": ch.Version}
		if err := s.notifyCase(ctx, tx, c, a, []review.Notice{{Code: "listing_changed", To: review.PartyProvider}}, params, "/results/"+itoa(listingID)); err != nil {
			return err
		}
	}
	type sub struct {
		id    int64
		owner review.Actor
	}
	subs, err := queryAll(ctx, tx, "subscriptions", `SELECT w.id, u.id, u.username, u.role, u.org_id, o.sector FROM webhooks w
		JOIN users u ON u.id = w.created_by JOIN orgs o ON o.id = u.org_id WHERE w.deleted_at = '' AND NOT u.disabled ORDER BY w.id`,
		func(r *sql.Rows) (sub, error) {
			var x sub
			return x, r.Scan(&x.id, &x.owner.UserID, &x.owner.Username, &x.owner.Role, &x.owner.OrgID, &x.owner.Sector)
		})
	if err != nil || len(subs) == 0 {
		return err
	}
	body, err := json.Marshal(ch)
	if err != nil {
		return review.Internal(err)
	}
	for _, x := range subs {
		if !review.MaySubscribe(x.owner) || !review.ScopeIncludes(review.Scope(ch.Scope), x.owner, c.Sector, review.PartiesOf(x.owner, c)) {
			continue
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			x.id, eventID, string(body), ts(s.Now())).Scan(&id); err != nil {
			return wrap("delivery", err)
		}
		if _, err := s.jobs.InsertTx(ctx, tx, WebhookArgs{id}, &river.InsertOpts{MaxAttempts: WebhookAttempts}); err != nil {
			return wrap("enqueue delivery", err)
		}
	}
	return nil
}

// DeliveryTask is what the job needs to send a delivery.
type DeliveryTask struct {
	ID, EventID int64
	URL, Secret string
	Body        []byte
	// Pending is false once it was delivered, given up or cancelled.
	Pending bool
}

// DeliveryTaskOf reads a delivery for the job that sends it.
func (s *Store) DeliveryTaskOf(ctx context.Context, id int64) (DeliveryTask, error) {
	var d DeliveryTask
	var state, deleted, body string
	err := s.r.QueryRowContext(ctx, `SELECT d.id, d.event_id, w.url, w.secret, d.body, d.state, w.deleted_at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, id).
		Scan(&d.ID, &d.EventID, &d.URL, &d.Secret, &body, &state, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return d, review.NotFound("delivery")
	}
	d.Body, d.Pending = []byte(body), state == "pending" && deleted == ""
	return d, wrap("delivery", err)
}

// RecordAttempt logs one try at a delivery: the status code the receiver
// answered (0 for none) and the error ("" when it took the delivery). A
// failed last try gives the delivery up.
func (s *Store) RecordAttempt(ctx context.Context, id int64, attempt, status int, errText string, last bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := ts(s.Now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error) VALUES ($1, $2, $3, $4, $5)`,
			id, attempt, now, status, truncate(errText, 500)); err != nil {
			return wrap("attempt", err)
		}
		var err error
		switch {
		case errText == "":
			_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $1 WHERE id = $2 AND state = 'pending'`, now, id)
		case last:
			_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'failed' WHERE id = $1 AND state = 'pending'`, id)
		}
		return wrap("attempt", err)
	})
}
