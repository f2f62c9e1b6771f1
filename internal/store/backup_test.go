package store_test

import (
	"errors"
	"strings"
	"testing"

	"shencha/internal/store"
	"shencha/internal/storetest"
	"shencha/internal/transparency"
)

// TestVerifyLog checks, on both backends, that VerifyLog accepts the log
// the demo builds (its verdicts and an audit anchor) and names what is
// wrong when an entry is edited, the keys are not the log's, the audit row
// an anchor names is rewritten, or the last entry is dropped.
func TestVerifyLog(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			if _, err := e.s.Sequence(e.ctx, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.AnchorAudit(e.ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.Sequence(e.ctx, 0); err != nil {
				t.Fatal(err)
			}
			keys := e.s.Keys().LogKeys()
			head, err := e.s.Checkpoint(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.s.VerifyLog(e.ctx, keys)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := transparency.OpenCheckpoint([]byte(head.Note), keys)
			if err != nil {
				t.Fatal(err)
			}
			if c.Size != head.Size || c.Root != cp.Root || c.Checkpoints < 2 || c.Anchors != 1 {
				t.Fatalf("VerifyLog = %+v; the head is %d %x", c, head.Size, cp.Root)
			}
			anchor, err := e.s.Entry(e.ctx, head.Size-1)
			if err != nil {
				t.Fatal(err)
			}
			seq, _, err := transparency.ParseAnchor(anchor.Entry)
			if err != nil {
				t.Fatal(err)
			}
			other, err := transparency.NewKeys("shencha/log")
			if err != nil {
				t.Fatal(err)
			}
			db := e.s.DB()
			for _, tc := range []struct {
				name, tamper string
				keys         []string
				want         string
			}{
				{"ErrEntryEdited", `UPDATE log_entries SET entry = $1 WHERE idx = 1`, keys, "does not match the entries"},
				{"ErrOtherKeys", "", other.LogKeys(), "not signed by a log key given"},
				{"ErrAuditRewritten", `UPDATE audit SET hash = 'rewritten' WHERE seq = $1`, keys, "audit row"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var restore func()
					switch {
					case strings.Contains(tc.tamper, "log_entries"):
						old, _ := e.s.Entry(e.ctx, 1)
						if _, err := db.ExecContext(e.ctx, tc.tamper, []byte("forged")); err != nil {
							t.Fatal(err)
						}
						restore = func() { db.ExecContext(e.ctx, `UPDATE log_entries SET entry = $1 WHERE idx = 1`, old.Entry) }
					case strings.Contains(tc.tamper, "audit"):
						var old string
						db.QueryRowContext(e.ctx, `SELECT hash FROM audit WHERE seq = $1`, seq).Scan(&old)
						if _, err := db.ExecContext(e.ctx, tc.tamper, seq); err != nil {
							t.Fatal(err)
						}
						restore = func() { db.ExecContext(e.ctx, `UPDATE audit SET hash = $1 WHERE seq = $2`, old, seq) }
					default:
						restore = func() {}
					}
					defer restore()
					_, err := e.s.VerifyLog(e.ctx, tc.keys)
					if !errors.Is(err, store.ErrLogBroken) || !strings.Contains(err.Error(), tc.want) {
						t.Fatalf("VerifyLog: %v; want ErrLogBroken naming %q", err, tc.want)
					}
				})
			}
			if _, err := e.s.VerifyLog(e.ctx, keys); err != nil {
				t.Fatalf("after undoing the edits: %v", err)
			}
			if _, err := db.ExecContext(e.ctx, `DELETE FROM log_entries WHERE idx = $1`, head.Size-1); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.VerifyLog(e.ctx, keys); !errors.Is(err, store.ErrLogBroken) || !strings.Contains(err.Error(), "stored hashes cover") {
				t.Fatalf("with the last entry dropped: %v", err)
			}
		})
	}
}
