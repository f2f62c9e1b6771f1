package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"shencha/internal/auth"
	"shencha/internal/review"
)

// Failed sign-ins lock an account: after LockAfter failures in a row it is
// locked for LockBase, doubling with each further failure up to LockMax.
// A success starts the count afresh, and so does a day without failures.
// The count is in the database, so every replica enforces the same lock.
const (
	LockAfter = 5
	LockBase  = 30 * time.Second
	LockMax   = 15 * time.Minute
	// failureMemory is how long a failure counts towards a lock.
	failureMemory = 24 * time.Hour
)

// One client address may fail ClientFailures sign-ins within ClientWindow;
// then its sign-ins are refused until the oldest failure leaves the window.
// Successful sign-ins never count. This count is held in memory by each
// replica: behind N replicas a client may fail up to N times as often,
// while the account lock holds across all of them.
const (
	ClientFailures = 20
	ClientWindow   = 10 * time.Minute
)

// DefaultSessionIdle is how long a browser session may go unused before it
// ends (Store.SessionIdle); its absolute end is the time to live it was
// issued with.
const DefaultSessionIdle = 30 * time.Minute

// LoginAttempt is one sign-in.
type LoginAttempt struct {
	Username, Password string
	// Kind is "session" (a browser's or an API client's sign-in) or "api".
	Kind string
	// TTL is how long the token lasts at most: a session's absolute timeout.
	TTL time.Duration
	// From is the client's address: audited, and the key of its limit.
	From string
	// Previous is the session token the client already holds, if any. It is
	// revoked when the sign-in succeeds, so no session outlives a sign-in
	// (a session planted before it is worth nothing after it).
	Previous string
}

// Login checks a password and issues a token. A failure does not say
// whether the user exists: an unknown name costs the same password check,
// against a dummy hash, and is counted and locked like a real one. Every
// attempt is audited except those refused by the client's limit, which
// would let one client fill the audit log.
func (s *Store) Login(ctx context.Context, in LoginAttempt) (string, review.Actor, error) {
	now := s.Now()
	client := clientHost(in.From)
	if wait := s.loginClients.wait(client, now); wait > 0 {
		return "", review.Actor{}, loginRefused("login_throttled", wait)
	}
	name := loginName(in.Username)
	var locked string
	err := s.r.QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE username = $1`, name).Scan(&locked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", review.Actor{}, wrap("login", err)
	}
	if until := parseTS(locked); until.After(now) {
		// Refused without looking at the password: while the lock lasts,
		// guessing gets no answer at all.
		s.loginClients.add(client, now)
		if err := s.Audit(ctx, review.Actor{Username: name}, "login.locked", "user:"+name, map[string]string{"from": in.From, "until": locked}); err != nil {
			return "", review.Actor{}, err
		}
		return "", review.Actor{}, loginRefused("login_locked", until.Sub(now))
	}
	var id int64
	var disabled bool
	hash := dummyHash()
	if name == in.Username { // a name cut or cleaned by loginName is nobody's
		err = s.r.QueryRowContext(ctx, `SELECT id, password_hash, disabled FROM users WHERE username = $1`, name).Scan(&id, &hash, &disabled)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", review.Actor{}, wrap("login", err)
		}
	}
	// The password is checked whatever else is wrong, so every failure
	// costs the same.
	if auth.CheckPassword(in.Password, hash) != nil || id == 0 || disabled {
		s.loginClients.add(client, now)
		return "", review.Actor{}, s.loginFailed(ctx, name, in.From, now)
	}
	a, err := s.ActorOf(ctx, id)
	if err != nil {
		return "", a, err
	}
	tok, th := auth.NewToken()
	rotated := false
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = $1`, name); err != nil {
			return wrap("login", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, user_id, kind, scopes, created_at, expires_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $5)`,
			th, id, in.Kind, "read,write", ts(now), ts(now.Add(in.TTL))); err != nil {
			return wrap("login", err)
		}
		if in.Previous != "" {
			res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND kind = 'session' AND revoked_at = ''`, ts(now), auth.HashToken(in.Previous))
			if err != nil {
				return wrap("login", err)
			}
			n, _ := res.RowsAffected()
			rotated = n > 0
		}
		detail := map[string]any{"from": in.From, "kind": in.Kind}
		if rotated {
			detail["previous_session_revoked"] = true
		}
		return s.audit(ctx, tx, a, "login", "user:"+itoa(id), detail)
	})
	if err != nil {
		return "", review.Actor{}, err
	}
	if rotated {
		s.tokenCache.forget(auth.TokenDigest(in.Previous))
	}
	return tok, a, nil
}

// loginFailed counts a failure against the name, locks it from the
// LockAfter-th failure in a row on, and audits the failure.
func (s *Store) loginFailed(ctx context.Context, name, from string, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// Names that have not failed for a day are forgotten, so names
		// tried once each do not pile up.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE last_failed_at < $1`, ts(now.Add(-failureMemory))); err != nil {
			return wrap("login failure", err)
		}
		var n int
		err := tx.QueryRowContext(ctx, `INSERT INTO login_failures (username, failures, last_failed_at) VALUES ($1, 1, $2)
			ON CONFLICT (username) DO UPDATE SET failures = login_failures.failures + 1, last_failed_at = $2 RETURNING failures`,
			name, ts(now)).Scan(&n)
		if err != nil {
			return wrap("login failure", err)
		}
		detail := map[string]any{"from": from, "failures": n}
		if d := lockFor(n); d > 0 {
			until := ts(now.Add(d))
			if _, err := tx.ExecContext(ctx, `UPDATE login_failures SET locked_until = $1 WHERE username = $2`, until, name); err != nil {
				return wrap("login failure", err)
			}
			detail["locked_until"] = until
		}
		return s.audit(ctx, tx, review.Actor{Username: name}, "login.failed", "user:"+name, detail)
	})
	if err != nil {
		return err
	}
	return review.E(review.KindUnauthorized, "login_failed")
}

// lockFor is how long the n-th failure in a row locks the account.
func lockFor(n int) time.Duration {
	if n < LockAfter {
		return 0
	}
	d := LockBase
	for range n - LockAfter {
		if d >= LockMax {
			break
		}
		d *= 2
	}
	return min(d, LockMax)
}

// loginRefused is the 429 of a locked account or a client over its limit;
// retry_after is whole seconds, rounded up, as in a Retry-After header.
func loginRefused(code string, wait time.Duration) *review.Error {
	secs := int64((wait + time.Second - 1) / time.Second)
	return review.E(review.KindRateLimited, code, "retry_after", strconv.FormatInt(max(secs, 1), 10))
}

// loginName is the name a sign-in is counted and audited under. A real
// username is at most 64 bytes of a-z 0-9 . _ -, so cutting and cleaning
// anything longer or stranger changes no real name, and keeps what any
// client sends out of the tables at its full size.
func loginName(name string) string {
	name = strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "")
	for len(name) > 64 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// dummyHash is what a password is checked against when the name is
// nobody's, with the production costs, so an unknown name takes as long to
// refuse as a known one.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("not anyone's password", auth.Default)
	if err != nil {
		panic(err) // a constant password under MaxPassword cannot fail
	}
	return h
})

// clientHost is the address part of "host:port" (the client, whichever
// port it came from).
func clientHost(from string) string {
	if host, _, err := net.SplitHostPort(from); err == nil {
		return host
	}
	return from
}

// clientFailures holds each client's recent failed sign-ins, oldest first,
// in this process only (see ClientFailures).
type clientFailures struct {
	mu    sync.Mutex
	m     map[string][]time.Time
	swept time.Time
}

// wait is how long the client must wait before its next sign-in (0: none).
func (c *clientFailures) wait(client string, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	recent := c.recent(client, now)
	if len(recent) < ClientFailures {
		return 0
	}
	return recent[0].Add(ClientWindow).Sub(now)
}

// add counts a failure of the client.
func (c *clientFailures) add(client string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]time.Time{}
	}
	if now.Sub(c.swept) > ClientWindow { // forget clients quiet for a window
		for k := range c.m {
			if len(c.recent(k, now)) == 0 {
				delete(c.m, k)
			}
		}
		c.swept = now
	}
	recent := append(c.recent(client, now), now)
	if len(recent) > ClientFailures {
		recent = recent[len(recent)-ClientFailures:]
	}
	c.m[client] = recent
}

// recent drops the client's failures older than the window and returns
// the rest.
func (c *clientFailures) recent(client string, now time.Time) []time.Time {
	list := c.m[client]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-ClientWindow)) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(c.m, client)
		return nil
	}
	c.m[client] = list
	return list
}

// sessionIdle is how long a session may go unused.
func (s *Store) sessionIdle() time.Duration {
	if s.SessionIdle > 0 {
		return s.SessionIdle
	}
	return DefaultSessionIdle
}

// TokenActor resolves a bearer or session token to its actor and scopes.
// A token ends when it expires or is revoked; a session also after
// SessionIdle unused. A session's last use is written at most once a
// minute (on a cache miss), not on every request.
func (s *Store) TokenActor(ctx context.Context, token string) (review.Actor, []string, error) {
	if !strings.HasPrefix(token, auth.TokenPrefix) {
		return review.Actor{}, nil, review.Unauthorized()
	}
	digest := auth.TokenDigest(token)
	now := s.Now()
	if c, ok := s.tokenCache.get(digest, now); ok {
		return c.actor, c.scopes, nil
	}
	hash := hex.EncodeToString(digest[:])
	var uid int64
	var kind, created, expires, lastUsed, revoked, scopes string
	err := s.r.QueryRowContext(ctx, `SELECT user_id, kind, created_at, expires_at, last_used_at, revoked_at, scopes FROM tokens WHERE hash = $1`, hash).
		Scan(&uid, &kind, &created, &expires, &lastUsed, &revoked, &scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return review.Actor{}, nil, review.Unauthorized()
	}
	if err != nil {
		return review.Actor{}, nil, wrap("token", err)
	}
	expiresAt, last := parseTS(expires), parseTS(cmp.Or(lastUsed, created))
	end := expiresAt
	if kind == "session" {
		end = earlier(expiresAt, last.Add(s.sessionIdle()))
	}
	if revoked != "" || !end.After(now) {
		return review.Actor{}, nil, review.Unauthorized()
	}
	a, err := s.ActorOf(ctx, uid)
	if err != nil {
		return a, nil, err
	}
	if kind == "session" && now.Sub(last) >= time.Minute {
		if _, err := s.w.ExecContext(ctx, `UPDATE tokens SET last_used_at = $1 WHERE hash = $2 AND last_used_at < $1`, ts(now), hash); err != nil {
			return review.Actor{}, nil, wrap("token", err)
		}
		end = earlier(expiresAt, now.Add(s.sessionIdle()))
	}
	sc := strings.Split(scopes, ",")
	s.tokenCache.put(digest, cachedToken{actor: a, scopes: sc, expires: end, until: now.Add(TokenCacheTTL)})
	return a, sc, nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
