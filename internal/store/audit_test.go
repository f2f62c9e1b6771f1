package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// wantBreak asserts that the audit chain fails to verify at row seq.
func (e *env) wantBreak(t *testing.T, seq int64, what string) {
	t.Helper()
	_, err := e.s.VerifyAudit(e.ctx)
	var br *store.AuditBreak
	if !errors.As(err, &br) {
		t.Fatalf("%s: verify returned %v, want an *AuditBreak", what, err)
	}
	if br.Seq != seq {
		t.Errorf("%s: break at row %d (%s), want row %d", what, br.Seq, br.Reason, seq)
	}
}

func (e *env) wantIntact(t *testing.T, rows int64, what string) {
	t.Helper()
	n, err := e.s.VerifyAudit(e.ctx)
	if err != nil || n != rows {
		t.Fatalf("%s: verify %d rows, %v; want %d rows intact", what, n, err, rows)
	}
}

func TestAuditTamper(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 5, 11, 10))
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			total, err := e.s.VerifyAudit(e.ctx)
			if err != nil || total < 10 {
				t.Fatalf("verify before tampering: %d rows, %v", total, err)
			}
			db := e.s.DB()
			mid := total / 2
			rows, err := e.s.AuditLog(e.ctx, 0, int(total))
			if err != nil || int64(len(rows)) != total {
				t.Fatalf("audit log: %d rows, %v", len(rows), err)
			}
			row := func(seq int64) store.AuditEntry { return rows[seq-1] }
			reinsert := func(r store.AuditEntry) {
				t.Helper()
				if _, err := db.ExecContext(e.ctx, `INSERT INTO audit (seq, at, actor_user_id, actor, action, subject, detail, prev_hash, hash)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.Seq, r.At, nullable(r.ActorUserID), r.Actor, r.Action, r.Subject, r.Detail, r.PrevHash, r.Hash); err != nil {
					t.Fatalf("reinsert row %d: %v", r.Seq, err)
				}
			}

			// Edit one row's detail.
			if _, err := db.ExecContext(e.ctx, `UPDATE audit SET detail = $1 WHERE seq = $2`, `{"from":"draft","to":"published"}`, mid); err != nil {
				t.Fatal(err)
			}
			e.wantBreak(t, mid, "edited detail")
			if _, err := db.ExecContext(e.ctx, `UPDATE audit SET detail = $1 WHERE seq = $2`, row(mid).Detail, mid); err != nil {
				t.Fatal(err)
			}
			e.wantIntact(t, total, "detail restored")

			// Edit the actor of the first row.
			if _, err := db.ExecContext(e.ctx, `UPDATE audit SET actor = $1 WHERE seq = 1`, "nobody"); err != nil {
				t.Fatal(err)
			}
			e.wantBreak(t, 1, "edited actor of row 1")
			if _, err := db.ExecContext(e.ctx, `UPDATE audit SET actor = $1 WHERE seq = 1`, row(1).Actor); err != nil {
				t.Fatal(err)
			}
			e.wantIntact(t, total, "actor restored")

			// Rewriting a row together with its own hash (as a forger who
			// knows the scheme would) leaves the row self-consistent, but the
			// next row's link to it breaks.
			forged := row(mid)
			forged.Detail = `{"forged":true}`
			if _, err := db.ExecContext(e.ctx, `UPDATE audit SET detail = $1, hash = $2 WHERE seq = $3`, forged.Detail, rehash(forged), mid); err != nil {
				t.Fatal(err)
			}
			e.wantBreak(t, mid+1, "edited detail with its hash recomputed")
			if _, err := db.ExecContext(e.ctx, `UPDATE audit SET detail = $1, hash = $2 WHERE seq = $3`, row(mid).Detail, row(mid).Hash, mid); err != nil {
				t.Fatal(err)
			}
			e.wantIntact(t, total, "row restored")
			if rehash(row(mid)) != row(mid).Hash {
				t.Fatalf("the test's hash scheme does not match the store's")
			}

			// Swap two rows' contents (reordering).
			a, b := row(mid), row(mid+1)
			swap := func(x, y store.AuditEntry) {
				t.Helper()
				if _, err := db.ExecContext(e.ctx, `UPDATE audit SET at = $1, actor = $2, action = $3, subject = $4, detail = $5, prev_hash = $6, hash = $7 WHERE seq = $8`,
					y.At, y.Actor, y.Action, y.Subject, y.Detail, y.PrevHash, y.Hash, x.Seq); err != nil {
					t.Fatal(err)
				}
			}
			swap(a, b)
			swap(b, a)
			e.wantBreak(t, mid, "two rows swapped")
			swap(a, a)
			swap(b, b)
			e.wantIntact(t, total, "rows swapped back")

			// Delete a middle row.
			if _, err := db.ExecContext(e.ctx, `DELETE FROM audit WHERE seq = $1`, mid); err != nil {
				t.Fatal(err)
			}
			e.wantBreak(t, mid, "deleted middle row")
			reinsert(row(mid))
			e.wantIntact(t, total, "middle row reinserted")

			// Delete the last row: the head still records it.
			if _, err := db.ExecContext(e.ctx, `DELETE FROM audit WHERE seq = $1`, total); err != nil {
				t.Fatal(err)
			}
			e.wantBreak(t, total, "deleted last row")
			reinsert(row(total))
			e.wantIntact(t, total, "last row reinserted")

			// After repair, new activity chains on.
			e.act(t, "office", n, review.ActExtendClock, review.Input{Clock: "review", Days: 5, Reason: "lab backlog"})
			e.wantIntact(t, total+1, "after more activity")
			if got := e.auditRows(t, "case.extend_clock", "case:"+n); len(got) != 1 || got[0].Seq != total+1 {
				t.Errorf("extend_clock audit row: %+v", got)
			}
		})
	}
}

// rehash recomputes a row's hash the way the store documents it: SHA-256
// over the previous hash, a newline and the row's fields as JSON.
func rehash(e store.AuditEntry) string {
	body, _ := json.Marshal(e)
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func TestLogin(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 5, 11, 10))
			tok, a, err := e.s.Login(e.ctx, store.LoginAttempt{Username: "provider1", Password: demo.DefaultPassword, Kind: "session", TTL: 8 * time.Hour, From: "192.0.2.1"})
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if tok == "" || a != e.actor(t, "provider1") {
				t.Fatalf("login: token %q actor %+v", tok, a)
			}
			got, scopes, err := e.s.TokenActor(e.ctx, tok)
			if err != nil || got != a {
				t.Fatalf("token actor: %+v, %v", got, err)
			}
			if len(scopes) == 0 {
				t.Errorf("a login token has no scopes")
			}
			if rows := e.auditRows(t, "login", ""); len(rows) != 1 || rows[0].Actor != "provider1" {
				t.Errorf("login audit rows: %+v", rows)
			}

			for _, c := range []struct{ user, password string }{
				{"provider1", "wrong-password"},
				{"provider1", ""},
				{"nobody", demo.DefaultPassword},
			} {
				tok, a, err := e.s.Login(e.ctx, store.LoginAttempt{Username: c.user, Password: c.password, Kind: "session", TTL: time.Hour, From: "192.0.2.9"})
				reviewErr(t, err, review.KindUnauthorized, "login_failed")
				if tok != "" || a != (review.Actor{}) {
					t.Errorf("failed login of %s returned %q %+v", c.user, tok, a)
				}
				if rows := e.auditRows(t, "login.failed", "user:"+c.user); len(rows) == 0 {
					t.Errorf("no login.failed audit row for %s", c.user)
				}
			}
			if rows := e.auditRows(t, "login.failed", ""); len(rows) != 3 {
				t.Errorf("login.failed rows: %d, want 3", len(rows))
			}

			for _, bad := range []string{"", "garbage", "shc_" + "AAAA", tok + "x"} {
				_, _, err := e.s.TokenActor(e.ctx, bad)
				reviewErr(t, err, review.KindUnauthorized, "unauthorized")
			}

			if err := e.s.Logout(e.ctx, a, tok); err != nil {
				t.Fatalf("logout: %v", err)
			}
			_, _, err = e.s.TokenActor(e.ctx, tok)
			reviewErr(t, err, review.KindUnauthorized, "unauthorized")

			// A token expires at the end of its time to live.
			tok2, _, err := e.s.Login(e.ctx, store.LoginAttempt{Username: "office", Password: demo.DefaultPassword, Kind: "api", TTL: time.Hour, From: "192.0.2.1"})
			if err != nil {
				t.Fatal(err)
			}
			e.clk.Add(59 * time.Minute)
			if _, _, err := e.s.TokenActor(e.ctx, tok2); err != nil {
				t.Errorf("token before expiry: %v", err)
			}
			e.clk.Add(time.Minute)
			_, _, err = e.s.TokenActor(e.ctx, tok2)
			reviewErr(t, err, review.KindUnauthorized, "unauthorized")
			e.clk.Add(24 * time.Hour)
			_, _, err = e.s.TokenActor(e.ctx, tok2)
			reviewErr(t, err, review.KindUnauthorized, "unauthorized")

			if _, err := e.s.VerifyAudit(e.ctx); err != nil {
				t.Errorf("verify audit: %v", err)
			}
		})
	}
}
