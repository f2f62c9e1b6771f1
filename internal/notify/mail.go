package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Mailer sends e-mails through one SMTP server (a relay the operator
// configures). It upgrades the connection with STARTTLS whenever the server
// offers it, and authenticates (PLAIN) only when a user is set, which
// net/smtp allows only over TLS or to a server on the loopback.
type Mailer struct {
	// Addr is the server's host:port.
	Addr string
	// From is the sender, "name@domain" or "Name <name@domain>".
	From string
	// User and Password authenticate, when User is set.
	User, Password string
	// TLS configures STARTTLS (nil: the system's roots and the server's
	// host name).
	TLS *tls.Config
	// Timeout bounds one message's conversation (0: 30 seconds).
	Timeout time.Duration
}

// Check refuses a configuration that cannot work: no address, or a sender
// that is not an e-mail address.
func (m *Mailer) Check() error {
	if _, _, err := net.SplitHostPort(m.Addr); err != nil {
		return fmt.Errorf("smtp address %q: want host:port", m.Addr)
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return fmt.Errorf("smtp sender %q: %v", m.From, err)
	}
	return nil
}

// Send delivers one message to the server.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("smtp sender: %w", err)
	}
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("smtp address: %w", err)
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{}
		if m.TLS != nil {
			cfg = m.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the SMTP server offers no authentication")
		}
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(compose(from, to, msg, time.Now())); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose writes the message: UTF-8 plain text, quoted-printable, its
// subject encoded when it is not ASCII, and marked as sent automatically
// (RFC 3834) so that auto-responders stay quiet.
func compose(from, to *mail.Address, msg Message, now time.Time) []byte {
	var b bytes.Buffer
	oneLine := strings.NewReplacer("\r", " ", "\n", " ")
	id := make([]byte, 12)
	rand.Read(id)
	_, domain, _ := strings.Cut(from.Address, "@")
	header := [][2]string{
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", mime.BEncoding.Encode("utf-8", oneLine.Replace(msg.Subject))},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + hex.EncodeToString(id) + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Content-Language", msg.Lang},
		{"Auto-Submitted", "auto-generated"},
	}
	for _, h := range header {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(msg.Body))
	qp.Close()
	return b.Bytes()
}
