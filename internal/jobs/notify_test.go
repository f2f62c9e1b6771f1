package jobs_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/jobs"
	"shencha/internal/notify"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// mailbox is a real SMTP server on the loopback (emersion/go-smtp) that
// offers STARTTLS with a certificate made here, wants AUTH PLAIN, and keeps
// what it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from, to string
	data     []byte
	tls      bool
}

type session struct {
	box  *mailbox
	conn *smtp.Conn
	auth bool
	cur  received
}

func (b *mailbox) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{box: b, conn: c}, nil
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "shencha" || pass != "relay-secret" {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.cur.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.cur.to = to; return nil }

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.cur)
	s.box.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func (b *mailbox) all() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

// startMailbox serves SMTP on 127.0.0.1 and returns its address and the
// roots that trust its certificate.
func startMailbox(t *testing.T) (*mailbox, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	box := &mailbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "mail.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return box, ln.Addr().String(), roots
}

// seeded opens a database of the backend with the demo's organisations,
// people and products.
func seeded(t *testing.T, b storetest.Backend) (context.Context, *store.Store, *demo.Fixture) {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t, b)
	f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, s, f
}

// waitFor polls until ok holds: a bound on a job queue that never works,
// not a timing assertion.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within 45s", what)
}

// TestNotificationEmails has the job queue e-mail notifications through a
// real SMTP server on the loopback (STARTTLS, AUTH PLAIN) and reads them
// back: one in English for a provider that chose English, one in Chinese
// (the default) for a lab; neither carries the case's content.
func TestNotificationEmails(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx, s, f := seeded(t, b)
			box, addr, roots := startMailbox(t)
			s.EmailNotifications = true
			for who, c := range map[string]store.Contact{"provider1": {Email: "security@huaxin.example.cn", Lang: "en"}, "lab1": {Email: "intake@cnpstc.example.cn"}} {
				if _, err := s.SetContact(ctx, f.Actors[who], c); err != nil {
					t.Fatal(err)
				}
			}
			mailer := &notify.Mailer{Addr: addr, From: "shencha <noreply@shencha.example.cn>", User: "shencha", Password: "relay-secret", TLS: &tls.Config{RootCAs: roots}}
			client, err := jobs.Start(ctx, s, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{Mailer: mailer, BaseURL: "https://shencha.example.cn"})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Stop(ctx)

			const summary = "Confidential: dispatch network topology attached"
			c, err := s.CreateCase(ctx, f.Actors["provider1"], review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: f.Database.ID, VersionIDs: []int64{f.DBV[0].ID}, Summary: summary})
			if err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				who string
				act review.Action
				in  review.Input
			}{
				{"provider1", review.ActSubmit, review.Input{}},
				{"office", review.ActBeginScreening, review.Input{}},
				{"office", review.ActAccept, review.Input{}},
				{"office", review.ActAssignLab, review.Input{LabOrgID: f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")}},
			} {
				if _, err := s.ApplyAction(ctx, f.Actors[step.who], c.Number, step.act, step.in); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "three e-mails", func() bool { return len(box.all()) >= 3 })
			time.Sleep(200 * time.Millisecond) // nothing more is on its way
			msgs := box.all()
			if len(msgs) != 3 {
				t.Fatalf("%d e-mails, want 3 (two to the provider, one to the lab)", len(msgs))
			}
			subjects := map[string][]string{}
			for _, m := range msgs {
				if !m.tls || m.from != "noreply@shencha.example.cn" {
					t.Errorf("sent from %q, over TLS %v", m.from, m.tls)
				}
				msg, err := mail.ReadMessage(strings.NewReader(string(m.data)))
				if err != nil {
					t.Fatal(err)
				}
				subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
				if err != nil {
					t.Fatal(err)
				}
				if to, _ := mail.ParseAddress(msg.Header.Get("To")); to == nil || to.Address != m.to {
					t.Errorf("To %q, envelope %q", msg.Header.Get("To"), m.to)
				}
				if !strings.Contains(string(body), "https://shencha.example.cn/cases/"+c.Number) {
					t.Errorf("body without the case's link:\n%s", body)
				}
				if strings.Contains(string(body)+subject, "dispatch network") || strings.Contains(string(body), "TideDB") {
					t.Errorf("an e-mail carries the case's content:\n%s\n%s", subject, body)
				}
				subjects[m.to] = append(subjects[m.to], subject+" | "+msg.Header.Get("Content-Language"))
			}
			// The queue may send them in either order.
			got := subjects["security@huaxin.example.cn"]
			slices.Sort(got)
			if want := []string{"[shencha] Case " + c.Number + " is now accepted. | en", "[shencha] Case " + c.Number + " is now screening. | en"}; !slices.Equal(got, want) {
				t.Errorf("provider's e-mails %q, want %q", got, want)
			}
			if got := subjects["intake@cnpstc.example.cn"]; len(got) != 1 || got[0] != "【网络安全审查】您已受指派参与案件 "+c.Number+"。 | zh-CN" {
				t.Errorf("lab's e-mail %q", got)
			}
			page, err := s.Notifications(ctx, f.Actors["lab1"], "", 10)
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("%+v %v", page, err)
			}
			if e, _ := s.EmailOf(ctx, page.Items[0].ID); e.Pending {
				t.Error("the sent e-mail is still pending")
			}
		})
	}
}

// TestWebhookDelivery subscribes the office to listing changes at a
// receiver on the loopback that refuses the first attempt: the job queue
// tries again after the backoff, the receiver verifies the signature, and
// the delivery log shows both attempts.
func TestWebhookDelivery(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx, s, f := seeded(t, b)
			if err := demo.SeedCases(ctx, s, f); err != nil {
				t.Fatal(err)
			}
			type hit struct {
				header http.Header
				body   []byte
			}
			var mu sync.Mutex
			var hits []hit
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				hits = append(hits, hit{r.Header.Clone(), body})
				first := len(hits) == 1
				mu.Unlock()
				if first {
					http.Error(w, "not now", http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer receiver.Close()
			office := f.Actors["office"]
			hook, err := s.CreateWebhook(ctx, office, receiver.URL+"/shencha")
			if err != nil {
				t.Fatal(err)
			}
			client, err := jobs.Start(ctx, s, slog.New(slog.NewTextHandler(io.Discard, nil)),
				jobs.Options{Hooks: notify.NewHooks(true), Backoff: []time.Duration{time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Stop(ctx)

			ans, err := s.Listings(ctx, office, store.ListingQuery{PURL: "pkg:generic/huaxin/hx-9000@3.1.0"})
			if err != nil || len(ans) != 1 {
				t.Fatalf("%+v %v", ans, err)
			}
			if err := s.ListingAction(ctx, office, ans[0].ListingID, review.ListSuspend, "firmware signing key leaked"); err != nil {
				t.Fatal(err)
			}
			var log []store.Delivery
			waitFor(t, "the delivery", func() bool {
				log, err = s.WebhookDeliveries(ctx, office, hook.ID, 0)
				return err == nil && len(log) == 1 && log[0].State != "pending"
			})
			d := log[0]
			if d.State != "delivered" || len(d.Attempts) != 2 {
				t.Fatalf("delivery %+v: want delivered on the second attempt", d)
			}
			if a := d.Attempts[0]; a.Attempt != 1 || a.StatusCode != 500 || !strings.Contains(a.Error, "500") {
				t.Errorf("first attempt %+v: want the refusal logged", a)
			}
			if a := d.Attempts[1]; a.Attempt != 2 || a.StatusCode != 200 || a.Error != "" {
				t.Errorf("second attempt %+v", a)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(hits) != 2 {
				t.Fatalf("the receiver saw %d requests, want 2", len(hits))
			}
			last := hits[1]
			// The receiver's check, written apart from notify.Sign.
			mac := hmac.New(sha256.New, []byte(hook.Secret))
			mac.Write([]byte(last.header.Get("X-Shencha-Timestamp") + "."))
			mac.Write(last.body)
			if got, want := last.header.Get("X-Shencha-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(got), []byte(want)) {
				t.Errorf("signature %q, want %q", got, want)
			}
			if string(hits[0].body) != string(last.body) || hits[0].header.Get("X-Shencha-Event") != last.header.Get("X-Shencha-Event") {
				t.Error("the retry is not the same delivery")
			}
			var ch store.ListingChange
			if err := json.Unmarshal(last.body, &ch); err != nil {
				t.Fatal(err)
			}
			if ch.ID != last.header.Get("X-Shencha-Event") || ch.ListingID != ans[0].ListingID || ch.Status != "suspended" || ch.Event != "suspend" ||
				ch.Preferred || ch.Case != "CSR-2026-0001" || ch.PURL != "pkg:generic/huaxin/hx-9000@3.1.0" {
				t.Errorf("delivered %+v", ch)
			}
		})
	}
}
