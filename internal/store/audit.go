package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"shencha/internal/review"
)

// AuditEntry is one row of the hash-chained audit log.
type AuditEntry struct {
	Seq         int64  `json:"seq"`
	At          string `json:"at"`
	ActorUserID int64  `json:"actor_user_id"`
	Actor       string `json:"actor"`
	Action      string `json:"action"`
	Subject     string `json:"subject"`
	Detail      string `json:"detail"`
	PrevHash    string `json:"-"`
	Hash        string `json:"-"`
}

// chainHash is the hash of a row: SHA-256 over the previous hash and the
// row's fields as JSON (fixed field order), so any edit, deletion or
// reordering breaks the chain from that row on.
func chainHash(prev string, e AuditEntry) string {
	body, _ := json.Marshal(e) // a struct of strings and ints cannot fail
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends a row in the caller's transaction, so the audit commits with
// the change it records or not at all. detail is marshalled to JSON.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, a review.Actor, action, subject string, detail any) error {
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+s.forUpdate()).Scan(&seq, &prev); err != nil {
		return wrap("audit head", err)
	}
	d := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return wrap("audit detail", err)
		}
		d = string(b)
	}
	actor := a.Username
	if actor == "" {
		actor = "anonymous"
	}
	e := AuditEntry{Seq: seq + 1, At: ts(s.Now()), ActorUserID: a.UserID, Actor: actor, Action: action, Subject: subject, Detail: d}
	e.Hash = chainHash(prev, e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit (seq, at, actor_user_id, actor, action, subject, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Seq, e.At, nullID(a.UserID), e.Actor, e.Action, e.Subject, e.Detail, prev, e.Hash); err != nil {
		return wrap("audit insert", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return wrap("audit head", err)
	}
	return nil
}

// Audit records an event that changes nothing else (a read of confidential
// material, a login) in its own transaction.
func (s *Store) Audit(ctx context.Context, a review.Actor, action, subject string, detail any) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.audit(ctx, tx, a, action, subject, detail) })
}

// AuditBreak names the first row at which the chain fails to verify.
type AuditBreak struct {
	Seq    int64  // the first row that does not verify
	Reason string // edited, deleted, reordered or truncated
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit chain broken at row %d: %s", b.Seq, b.Reason)
}

// VerifyAudit recomputes the chain from the first row and returns the number
// of rows checked, or an *AuditBreak naming the first bad row.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, COALESCE(actor_user_id, 0), actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return 0, wrap("audit verify", err)
	}
	defer rows.Close()
	var n, want int64 = 0, 1
	prev := ""
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorUserID, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return n, wrap("audit verify", err)
		}
		switch {
		case e.Seq != want:
			return n, &AuditBreak{want, fmt.Sprintf("row %d is missing (deleted); the next row is %d", want, e.Seq)}
		case e.PrevHash != prev:
			return n, &AuditBreak{e.Seq, "its previous-hash does not match row " + fmt.Sprint(e.Seq-1) + " (rows deleted, inserted or reordered)"}
		case chainHash(prev, e) != e.Hash:
			return n, &AuditBreak{e.Seq, "its content does not match its hash (edited)"}
		}
		prev, want, n = e.Hash, want+1, n+1
	}
	if err := rows.Err(); err != nil {
		return n, wrap("audit verify", err)
	}
	var headSeq int64
	var headHash string
	if err := s.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return n, wrap("audit head", err)
	}
	if headSeq != n || headHash != prev {
		return n, &AuditBreak{n + 1, fmt.Sprintf("the chain ends at row %d but its head records row %d (rows deleted at the end)", n, headSeq)}
	}
	return n, nil
}

// AuditLog returns audit rows after a sequence number, oldest first.
func (s *Store) AuditLog(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, COALESCE(actor_user_id, 0), actor, action, subject, detail, prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, wrap("audit log", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorUserID, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, wrap("audit log", err)
		}
		out = append(out, e)
	}
	return out, wrap("audit log", rows.Err())
}
