// Package notify renders notifications and sends them out: the text of a
// notification in a reader's language, e-mails over SMTP (STARTTLS when the
// server offers it), and webhook deliveries signed with HMAC-SHA256 to
// addresses that must not be the platform's own network.
//
// It owns no data and decides nothing about who is told what: the store
// writes notifications and deliveries, with need-to-know applied, in the
// transaction of the change; the job queue (internal/jobs) hands them here.
package notify
