package server_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"shencha/internal/jobs"
	"shencha/internal/notify"
	"shencha/internal/store"
)

// outbox receives what the platform sends out while the leak test seeds its
// data: every notification e-mail (over SMTP on loopback) and every webhook
// delivery, so that they are searched for markers like every answer.
type outbox struct {
	mu    sync.Mutex
	mails []string
	hooks []string
	url   string // the webhook receiver's
}

func (o *outbox) add(list *[]string, s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	*list = append(*list, s)
}

func (o *outbox) all() (mails, hooks []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.mails...), append([]string(nil), o.hooks...)
}

// SMTP: a session per connection, each message kept whole.
func (o *outbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &outboxSession{o: o}, nil }

type outboxSession struct{ o *outbox }

func (s *outboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *outboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *outboxSession) Reset()                               {}
func (s *outboxSession) Logout() error                        { return nil }
func (s *outboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.o.add(&s.o.mails, string(b))
	return err
}

// startOutbox serves SMTP and a webhook receiver on loopback and returns
// the job queue's options that send to them.
func startOutbox(t *testing.T) (*outbox, jobs.Options) {
	o := &outbox{}
	srv := smtp.NewServer(o)
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		// The path names the subscriber: /hook/{user}.
		o.add(&o.hooks, strings.TrimPrefix(r.URL.Path, "/hook/")+"\n"+string(b))
	}))
	t.Cleanup(hooks.Close)
	o.url = hooks.URL + "/hook"
	return o, jobs.Options{Mailer: &notify.Mailer{Addr: ln.Addr().String(), From: "shencha@review.example.cn"},
		BaseURL: "https://review.example.cn", Hooks: notify.NewHooks(true), Backoff: []time.Duration{time.Second}}
}

// subscribe gives every demo user an e-mail address and the organisations
// that may subscribe a webhook, before the markers are seeded.
func (l *leakEnv) subscribe(t *testing.T, o *outbox) {
	l.s.EmailNotifications = true
	for name, a := range l.f.Actors {
		if _, err := l.s.SetContact(l.ctx, a, store.Contact{Email: name + "@example.cn"}); err != nil {
			t.Fatalf("contact of %s: %v", name, err)
		}
	}
	for _, name := range []string{"office", "procurer", "ciio"} {
		if _, err := l.s.CreateWebhook(l.ctx, l.f.Actors[name], o.url+"/"+name); err != nil {
			t.Fatalf("webhook of %s: %v", name, err)
		}
	}
}

// searchOutbox waits until the queue has sent what the seeding caused and
// searches every e-mail and webhook body for every marker: none may carry
// one (an e-mail says what changed and links to the page; a delivery
// carries a listing's public status, to a subscriber within its scope).
func (l *leakEnv) searchOutbox(t *testing.T, o *outbox) {
	var mails, hooks []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var pending int
		if err := l.s.DB().QueryRowContext(l.ctx, `SELECT COUNT(*) FROM river_job WHERE kind IN ('notification_email', 'webhook_delivery') AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		mails, hooks = o.all()
		if pending == 0 && len(mails) > 0 && len(hooks) > 0 {
			break
		}
	}
	if len(mails) == 0 || len(hooks) == 0 {
		t.Fatalf("the outbox received %d e-mails and %d webhook deliveries; the test would miss their leaks", len(mails), len(hooks))
	}
	// An e-mail says what changed and links to the page: no marker but a
	// product's or provider's name (public, as the catalogue is). A
	// delivery goes to its subscriber: only what that subscriber may read.
	search := func(what, to, body string) {
		text := expandBase64(body, 3)
		for _, m := range l.markers {
			allowed := m.catalogue && !m.secret || to != "" && slices.Contains(m.readers, to)
			if !allowed && strings.Contains(text, m.id) {
				l.leaks = append(l.leaks, "LEAK: "+what+" carries marker "+m.value)
			}
		}
	}
	for _, body := range mails {
		search("an e-mail", "", body)
	}
	for _, d := range hooks {
		to, body, _ := strings.Cut(d, "\n")
		search("a webhook delivery to "+to, to, body)
	}
	t.Logf("outbox: %d e-mails and %d webhook deliveries searched", len(mails), len(hooks))
}
