package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/tlog"

	"shencha/internal/transparency"
)

// Backups and restores (`shencha backup`, `shencha restore`) copy the whole
// database; these are the parts that read it. They are the platform
// operator's, not a person's reads through the need-to-know policy: they
// return heads, counts and digests, never content, and the command that
// copies the content audits that it did.

// BackupState is what a backup records about the database it copied, for
// a restore to compare: the schema version, the audit chain's head, the
// transparency log's newest checkpoint, counts of cases and materials,
// and the digests of the files the materials name.
type BackupState struct {
	SchemaVersion int
	AuditRows     int64
	AuditHead     string
	Log           LogHead
	Cases         int64
	Materials     int64
	// Files are the blob digests ("sha256:…") materials and reports'
	// files name, each once.
	Files []string
}

// BackupState reads the database's state. On SQLite, read it from the
// copy VacuumInto made, which no writer changes.
func (s *Store) BackupState(ctx context.Context) (BackupState, error) {
	return backupState(ctx, s.r)
}

func backupState(ctx context.Context, q queryer) (BackupState, error) {
	var st BackupState
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v)
	if err != nil {
		return st, wrap("backup state", err)
	}
	st.SchemaVersion = int(v.Int64)
	err = q.QueryRowContext(ctx, `SELECT seq, hash, (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM materials) FROM audit_head WHERE id = 1`).
		Scan(&st.AuditRows, &st.AuditHead, &st.Cases, &st.Materials)
	if err != nil {
		return st, wrap("backup state", err)
	}
	err = q.QueryRowContext(ctx, `SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&st.Log.Size, &st.Log.Note)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, wrap("backup state", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT digest FROM materials UNION SELECT digest FROM public_report_files ORDER BY digest`)
	if err != nil {
		return st, wrap("backup state", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return st, wrap("backup state", err)
		}
		st.Files = append(st.Files, d)
	}
	return st, wrap("backup state", rows.Err())
}

// VacuumInto writes a consistent copy of a SQLite database to path, which
// must not exist, while other connections and processes go on writing:
// SQLite's VACUUM INTO reads one snapshot.
func (s *Store) VacuumInto(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return fmt.Errorf("store: VACUUM INTO is for SQLite; back up PostgreSQL with pg_dump")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: %s exists", path)
	}
	if _, err := s.w.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("store: copy the database into %s: %w", path, err)
	}
	return nil
}

// ExportSnapshot runs fn while it holds a PostgreSQL transaction open on
// one snapshot of the database: fn gets the snapshot's id, for `pg_dump
// --snapshot`, and the database's state as of that snapshot, so the dump
// and the state match exactly.
func (s *Store) ExportSnapshot(ctx context.Context, fn func(id string, st BackupState) error) error {
	if s.dialect != Postgres {
		return fmt.Errorf("store: exported snapshots are PostgreSQL's; copy SQLite with VacuumInto")
	}
	tx, err := s.w.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer tx.Rollback()
	var id string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&id); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	st, err := backupState(ctx, tx)
	if err != nil {
		return err
	}
	return fn(id, st)
}

// HasTables reports whether the database (on PostgreSQL, the schemas of
// its search path) holds any table: a restore refuses to write over one
// unless forced.
func (s *Store) HasTables(ctx context.Context) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`
	if s.dialect == Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ANY (current_schemas(false))`
	}
	var n int
	if err := s.r.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("store: list tables: %w", err)
	}
	return n > 0, nil
}

// ErrLogBroken is wrapped by every reason VerifyLog refuses the log.
var ErrLogBroken = errors.New("transparency log does not verify")

// LogCheck is what VerifyLog checked.
type LogCheck struct {
	Size        int64     // entries in the log
	Root        tlog.Hash // the tree hash of them all
	Checkpoints int       // stored checkpoints, each verified
	Anchors     int       // audit anchors, each matching its audit row
}

// VerifyLog checks the transparency log as stored against its entries. It
// recomputes the tree from every entry, then requires each stored
// checkpoint to be signed by one of logKeys (verifier keys, current and
// retired) and to name the root of the entries up to its size, and the
// stored hashes that proofs are served from to give the same roots; and
// each audit anchor to name a row of the audit chain with the hash it
// anchored. An entry edited, dropped or reordered, a stored hash changed, a
// forged checkpoint or a rewritten audit chain gives an error wrapping
// ErrLogBroken that names the entry, size or row.
func (s *Store) VerifyLog(ctx context.Context, logKeys []string) (LogCheck, error) {
	var c LogCheck
	var fresh transparency.Tree
	var anchors [][]byte
	rows, err := s.r.QueryContext(ctx, `SELECT idx, kind, entry FROM log_entries ORDER BY idx`)
	if err != nil {
		return c, wrap("verify log", err)
	}
	for rows.Next() {
		var idx int64
		var kind string
		var entry []byte
		if err := rows.Scan(&idx, &kind, &entry); err != nil {
			rows.Close()
			return c, wrap("verify log", err)
		}
		if idx != fresh.Size() {
			rows.Close()
			return c, fmt.Errorf("%w: entry %d is missing", ErrLogBroken, fresh.Size())
		}
		if _, err := fresh.Append(entry); err != nil {
			rows.Close()
			return c, wrap("verify log", err)
		}
		if kind == transparency.KindAuditAnchor {
			anchors = append(anchors, entry)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, wrap("verify log", err)
	}
	c.Size = fresh.Size()
	if err := s.catchUpTree(ctx); err != nil {
		return c, fmt.Errorf("%w: stored hashes: %v", ErrLogBroken, err)
	}
	if s.tree.Size() != c.Size {
		return c, fmt.Errorf("%w: the stored hashes cover %d entries, the log holds %d", ErrLogBroken, s.tree.Size(), c.Size)
	}
	if c.Root, err = fresh.Root(c.Size); err != nil {
		return c, wrap("verify log", err)
	}
	rows, err = s.r.QueryContext(ctx, `SELECT size, note FROM log_checkpoints ORDER BY size`)
	if err != nil {
		return c, wrap("verify log", err)
	}
	defer rows.Close()
	newest := int64(0)
	for rows.Next() {
		var size int64
		var note string
		if err := rows.Scan(&size, &note); err != nil {
			return c, wrap("verify log", err)
		}
		cp, err := transparency.OpenCheckpoint([]byte(note), logKeys)
		if err != nil {
			return c, fmt.Errorf("%w: checkpoint of size %d: %v", ErrLogBroken, size, err)
		}
		if cp.Size != size || size > c.Size {
			return c, fmt.Errorf("%w: checkpoint of size %d signs size %d of a log of %d entries", ErrLogBroken, size, cp.Size, c.Size)
		}
		if root, _ := fresh.Root(size); root != cp.Root {
			return c, fmt.Errorf("%w: checkpoint of size %d does not match the entries (one of the first %d was edited, dropped or reordered)", ErrLogBroken, size, size)
		}
		if root, err := s.tree.Root(size); err != nil || root != cp.Root {
			return c, fmt.Errorf("%w: the stored hashes do not give the root of checkpoint %d", ErrLogBroken, size)
		}
		c.Checkpoints++
		newest = size
	}
	if err := rows.Err(); err != nil {
		return c, wrap("verify log", err)
	}
	if newest != c.Size {
		return c, fmt.Errorf("%w: the newest checkpoint covers %d of the %d entries", ErrLogBroken, newest, c.Size)
	}
	for _, a := range anchors {
		seq, hash, err := transparency.ParseAnchor(a)
		if err != nil {
			return c, fmt.Errorf("%w: %v", ErrLogBroken, err)
		}
		var got string
		err = s.r.QueryRowContext(ctx, `SELECT hash FROM audit WHERE seq = $1`, seq).Scan(&got)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return c, wrap("verify log", err)
		}
		if got != hash {
			return c, fmt.Errorf("%w: the log anchors audit row %d with a hash the audit chain does not hold there (the chain was rewritten)", ErrLogBroken, seq)
		}
		c.Anchors++
	}
	return c, nil
}
