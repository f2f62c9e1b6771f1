-- Notifications (issue 8): in-app messages per user, e-mailed to those with
-- an address; organisations' webhook subscriptions to listing changes with
-- their deliveries and every attempt; deadline reminders once per clock.
-- A notification keeps a message code and its parameters, rendered in the
-- reader's language when read.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE clocks ADD COLUMN reminded_at TEXT NOT NULL DEFAULT '';

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    code TEXT NOT NULL,
    params TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at TEXT NOT NULL DEFAULT '',
    -- '' (not e-mailed), 'pending', 'sent' or 'failed'
    email_state TEXT NOT NULL DEFAULT '',
    emailed_at TEXT NOT NULL DEFAULT '',
    email_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    deleted_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhooks_org ON webhooks(org_id);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id),
    event_id INTEGER NOT NULL REFERENCES listing_events(id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- 'pending', 'delivered', 'failed' (attempts used up) or 'cancelled'
    state TEXT NOT NULL DEFAULT 'pending',
    delivered_at TEXT NOT NULL DEFAULT '',
    UNIQUE (webhook_id, event_id)
);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, attempt);
