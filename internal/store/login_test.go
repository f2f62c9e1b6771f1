package store_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// signIn tries a password from a client address.
func (e *env) signIn(user, password, from string) (string, error) {
	tok, _, err := e.s.Login(e.ctx, store.LoginAttempt{Username: user, Password: password, Kind: "session", TTL: 12 * time.Hour, From: from})
	return tok, err
}

// retryAfter checks a refusal is a 429 of the code and returns its wait.
func retryAfter(t *testing.T, err error, code string) int {
	t.Helper()
	re := reviewErr(t, err, review.KindRateLimited, code)
	n, convErr := strconv.Atoi(re.Params["retry_after"])
	if convErr != nil || n <= 0 {
		t.Fatalf("%s: retry_after %q", code, re.Params["retry_after"])
	}
	return n
}

// TestLoginLockout: five failures in a row lock the account, for 30 s
// doubling with each further failure up to 15 minutes; while locked even the
// right password is refused, and the refusal is audited; a success starts
// the count afresh. An unknown name is locked alike, so a lock does not
// reveal which accounts exist.
func TestLoginLockout(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 5, 11, 10))
			// A fresh address for each attempt: this test is about the
			// account, not the client's limit.
			n := 0
			from := func() string { n++; return fmt.Sprintf("198.51.100.%d:4000", n) }

			for range store.LockAfter {
				_, err := e.signIn("office", "wrong-password", from())
				reviewErr(t, err, review.KindUnauthorized, "login_failed")
			}
			_, err := e.signIn("office", demo.DefaultPassword, from())
			if wait := retryAfter(t, err, "login_locked"); wait != 30 {
				t.Fatalf("first lock: retry after %d s, want 30", wait)
			}
			if rows := e.auditRows(t, "login.locked", "user:office"); len(rows) != 1 {
				t.Errorf("login.locked audit rows: %d, want 1", len(rows))
			}

			// Each failure after a lock doubles the next lock, up to 15 min.
			for _, want := range []int{60, 120, 240, 480, 900, 900} {
				e.clk.Add(16 * time.Minute) // past any lock
				_, err := e.signIn("office", "wrong-password", from())
				reviewErr(t, err, review.KindUnauthorized, "login_failed")
				_, err = e.signIn("office", demo.DefaultPassword, from())
				if wait := retryAfter(t, err, "login_locked"); wait != want {
					t.Fatalf("lock after a further failure: %d s, want %d", wait, want)
				}
			}

			// A success once the lock ends starts the count afresh.
			e.clk.Add(15 * time.Minute)
			if _, err := e.signIn("office", demo.DefaultPassword, from()); err != nil {
				t.Fatalf("sign-in after the lock: %v", err)
			}
			for range store.LockAfter - 1 {
				_, err := e.signIn("office", "wrong-password", from())
				reviewErr(t, err, review.KindUnauthorized, "login_failed")
			}
			if _, err := e.signIn("office", demo.DefaultPassword, from()); err != nil {
				t.Fatalf("four failures after a success lock the account: %v", err)
			}

			// Another account is not touched by office's failures; an
			// unknown name is counted and locked like a real one.
			for range store.LockAfter {
				_, err := e.signIn("nobody", demo.DefaultPassword, from())
				reviewErr(t, err, review.KindUnauthorized, "login_failed")
			}
			_, err = e.signIn("nobody", demo.DefaultPassword, from())
			retryAfter(t, err, "login_locked")
			if _, err := e.signIn("provider1", demo.DefaultPassword, from()); err != nil {
				t.Fatalf("another account: %v", err)
			}
			if _, err := e.s.VerifyAudit(e.ctx); err != nil {
				t.Errorf("verify audit: %v", err)
			}
		})
	}
}

// TestLoginClientLimit: one address failing 20 times in 10 minutes is
// refused (whatever account it tries) until its oldest failure is 10
// minutes old; successful sign-ins never count; another address is free.
func TestLoginClientLimit(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0], at(2026, 5, 11, 10))
	const client = "203.0.113.7"
	// Many good sign-ins from one address, as the demo and tests make.
	for range 3 * store.ClientFailures {
		if _, err := e.signIn("office", demo.DefaultPassword, client+":5000"); err != nil {
			t.Fatalf("good sign-in: %v", err)
		}
	}
	// Failures spread over names (so no account locks) and ports.
	for i := range store.ClientFailures {
		_, err := e.signIn(fmt.Sprintf("guess%d", i), "x", fmt.Sprintf("%s:%d", client, 6000+i))
		reviewErr(t, err, review.KindUnauthorized, "login_failed")
		e.clk.Add(time.Second)
	}
	rowsBefore := len(e.auditRows(t, "login.failed", ""))
	_, err := e.signIn("office", demo.DefaultPassword, client+":7000")
	if wait := retryAfter(t, err, "login_throttled"); wait != 600-store.ClientFailures {
		t.Fatalf("retry after %d s, want %d (until the oldest failure leaves the window)", wait, 600-store.ClientFailures)
	}
	if rows := len(e.auditRows(t, "login.failed", "")); rows != rowsBefore {
		t.Errorf("a throttled attempt wrote %d audit rows", rows-rowsBefore)
	}
	if _, err := e.signIn("office", demo.DefaultPassword, "203.0.113.8:7000"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	e.clk.Add(10 * time.Minute)
	if _, err := e.signIn("office", demo.DefaultPassword, client+":7001"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// TestLoginLockSharedByReplicas: the lock is in the database, so a second
// server on the same database refuses the account too.
func TestLoginLockSharedByReplicas(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.DSN(t)
			clk := &fakeClock{t: at(2026, 5, 11, 10)}
			var replicas []*store.Store
			for i := range 2 {
				s, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if i == 0 {
					if err := s.Migrate(ctx); err != nil {
						t.Fatal(err)
					}
					if _, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap); err != nil {
						t.Fatal(err)
					}
				}
				s.Now = clk.Now
				replicas = append(replicas, s)
			}
			try := func(s *store.Store, password string) error {
				_, _, err := s.Login(ctx, store.LoginAttempt{Username: "lab1", Password: password, Kind: "session", TTL: time.Hour, From: "192.0.2.50:1"})
				return err
			}
			for i := range store.LockAfter {
				reviewErr(t, try(replicas[i%2], "wrong"), review.KindUnauthorized, "login_failed")
			}
			retryAfter(t, try(replicas[0], demo.DefaultPassword), "login_locked")
			retryAfter(t, try(replicas[1], demo.DefaultPassword), "login_locked")
		})
	}
}

// TestSessionRotationAndIdle: signing in with a session in hand revokes it;
// a session unused for SessionIdle ends (even when its check is cached), one
// in use lasts until its absolute end; API tokens have no idle limit.
func TestSessionRotationAndIdle(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 5, 11, 10))
			old, err := e.signIn("office", demo.DefaultPassword, "192.0.2.1:1")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.s.TokenActor(e.ctx, old); err != nil {
				t.Fatalf("first session: %v", err)
			}
			tok, _, err := e.s.Login(e.ctx, store.LoginAttempt{Username: "office", Password: demo.DefaultPassword, Kind: "session", TTL: 2 * time.Hour, From: "192.0.2.1:2", Previous: old})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = e.s.TokenActor(e.ctx, old)
			reviewErr(t, err, review.KindUnauthorized, "unauthorized") // revoked at once, though it was cached

			// In use every 20 minutes, the session lasts until its absolute end.
			for range 5 {
				e.clk.Add(20 * time.Minute)
				if _, _, err := e.s.TokenActor(e.ctx, tok); err != nil {
					t.Fatalf("a session in use ended: %v", err)
				}
			}
			e.clk.Add(20*time.Minute + time.Second) // 2 h after sign-in
			_, _, err = e.s.TokenActor(e.ctx, tok)
			reviewErr(t, err, review.KindUnauthorized, "unauthorized")

			// Unused for the idle time, a session ends; a cached check does
			// not keep it alive.
			e.s.SessionIdle = 10 * time.Minute
			saved := store.TokenCacheTTL
			store.TokenCacheTTL = time.Hour
			t.Cleanup(func() { store.TokenCacheTTL = saved })
			idle, err := e.signIn("office", demo.DefaultPassword, "192.0.2.1:3")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.s.TokenActor(e.ctx, idle); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(10*time.Minute + time.Second)
			_, _, err = e.s.TokenActor(e.ctx, idle)
			reviewErr(t, err, review.KindUnauthorized, "unauthorized")
			store.TokenCacheTTL = saved

			// An API token does not end for being unused.
			api, _, err := e.s.CreateToken(e.ctx, e.actor(t, "office"), "sync", []string{"read"}, 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			e.clk.Add(3 * time.Hour)
			if _, _, err := e.s.TokenActor(e.ctx, api); err != nil {
				t.Fatalf("an unused API token ended: %v", err)
			}
		})
	}
}

// TestSessionLastUseWrittenOncePerMinute: checks of a session within a
// minute write its last use once, not per request.
func TestSessionLastUseWrittenOncePerMinute(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0], at(2026, 5, 11, 10))
	tok, err := e.signIn("office", demo.DefaultPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() string {
		var v string
		if err := e.s.DB().QueryRowContext(e.ctx, `SELECT last_used_at FROM tokens WHERE hash = $1`, auth.HashToken(tok)).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	signedIn := lastUsed()
	for range 5 {
		e.clk.Add(10 * time.Second) // past the token cache, within the minute
		if _, _, err := e.s.TokenActor(e.ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if got := lastUsed(); got != signedIn {
		t.Errorf("last use written within the minute: %s, then %s", signedIn, got)
	}
	e.clk.Add(15 * time.Second)
	if _, _, err := e.s.TokenActor(e.ctx, tok); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); got == signedIn {
		t.Error("last use not written after a minute")
	}
}
