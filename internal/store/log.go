package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"shencha/internal/review"
	"shencha/internal/transparency"
)

// The transparency log (DESIGN §6). Every listing event is stated, signed
// and queued in its own transaction (stateVerdict); Sequence appends the
// queue to the log in batches, one sequencer at a time, and signs a
// checkpoint; the stored hashes are mirrored in memory for fast proofs.

// sequencerLock is the PostgreSQL advisory lock key of the sequencer.
const sequencerLock = 0x5368656e636861 // "Shencha"

// SetKeys sets the server's verdict and log keys. Open starts with fresh
// keys held in memory only, which suits tests; a server loads its own.
func (s *Store) SetKeys(k *transparency.Keys) { s.keys.Store(k) }

// Keys are the server's keys.
func (s *Store) Keys() *transparency.Keys { return s.keys.Load() }

// wakeSequencer tells a waiting sequencer loop that entries are queued.
func (s *Store) wakeSequencer() {
	select {
	case s.logWake <- struct{}{}:
	default:
	}
}

// SequencerWake is signalled (without blocking) when entries are queued.
func (s *Store) SequencerWake() <-chan struct{} { return s.logWake }

// stateVerdict makes the signed statement of a listing event and queues its
// log entry, in the event's transaction: the envelope for a public result,
// a salted commitment otherwise.
func (s *Store) stateVerdict(ctx context.Context, tx *sql.Tx, eventID int64) error {
	var (
		f                           verdictFacts
		caseID                      int64
		createdAt, decidedAt, scope string
	)
	err := tx.QueryRowContext(ctx, `SELECT l.id, l.scope, l.valid_until, l.created_at, c.id, c.number, c.outcome, c.sector, c.decided_at,
		c.catalog_version, v.version, v.purl, v.cpe, v.artifact_sha256, p.name, o.name, e.status, e.action, e.reason, e.at,
		(SELECT COUNT(*) FROM listing_events x WHERE x.listing_id = l.id AND x.id <= e.id)
		FROM listing_events e JOIN listings l ON l.id = e.listing_id JOIN cases c ON c.id = l.case_id
		JOIN product_versions v ON v.id = l.version_id JOIN products p ON p.id = v.product_id JOIN orgs o ON o.id = p.provider_org_id
		WHERE e.id = $1`, eventID).Scan(&f.listingID, &scope, &f.validUntil, &createdAt, &caseID, &f.number, &f.outcome, &f.sector, &decidedAt,
		&f.catalogue, &f.version, &f.purl, &f.cpe, &f.artifact, &f.product, &f.provider, &f.status, &f.action, &f.reason, &f.at, &f.seq)
	if err != nil {
		return wrap("verdict", err)
	}
	f.scope, f.validFrom, f.decidedAt = review.Scope(scope), dateOf(createdAt), dateOf(decidedAt)
	conds, err := s.conditionsTx(ctx, tx, caseID)
	if err != nil {
		return err
	}
	for _, c := range conds {
		f.conds = append(f.conds, transparency.Condition{Text: c.Text, Due: c.Due})
	}
	env := transparency.SignEnvelope(s.keys.Load().Verdict, transparency.PayloadType, f.statement().Marshal()).Marshal()
	kind, entry := transparency.KindVerdict, env
	var salt []byte
	if f.scope != review.ScopePublic {
		salt = make([]byte, transparency.SaltSize)
		rand.Read(salt)
		kind, entry = transparency.KindCommitment, transparency.Commitment(salt, env)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_queue (kind, entry, envelope, salt, listing_event_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		kind, entry, string(env), salt, eventID, ts(s.Now())); err != nil {
		return wrap("verdict", err)
	}
	s.wakeSequencer()
	return nil
}

// verdictFacts are what a verdict statement says about a listing event.
// The sequencer reads them from the database when the event happens; the
// register rebuilds them from memory to serve the signed statement without
// a query, and one function turns both into the statement.
type verdictFacts struct {
	listingID                  int64
	seq                        int // the event's place in the listing's history, from 1
	scope                      review.Scope
	number, outcome, sector    string
	decidedAt, catalogue       string
	validFrom, validUntil      string
	product, provider, version string
	purl, cpe, artifact        string
	status, action, reason, at string
	conds                      []transparency.Condition
}

func (f *verdictFacts) statement() transparency.Statement {
	return transparency.Statement{Type: transparency.StatementType, PredicateType: transparency.PredicateType,
		Subject: []transparency.Subject{transparency.SubjectFor(f.purl, f.cpe, f.provider, f.product, f.version, f.artifact)},
		Predicate: transparency.Verdict{Case: f.number, Outcome: f.outcome, ListingID: f.listingID, Status: f.status, Event: f.action,
			Reason: f.reason, Sequence: f.seq, Scope: string(f.scope), Sector: f.sector, Product: f.product, Provider: f.provider,
			Version: f.version, Conditions: f.conds, ValidFrom: f.validFrom, ValidUntil: f.validUntil, DecidedAt: f.decidedAt,
			IssuedAt: f.at, Catalogue: f.catalogue}}
}

// dateOf keeps the date of an RFC 3339 time.
func dateOf(t string) string {
	if len(t) >= 10 {
		return t[:10]
	}
	return t
}

// queueEntry queues a log entry that is not a verdict (an audit anchor).
func (s *Store) queueEntry(ctx context.Context, q execer, kind string, entry []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO log_queue (kind, entry, created_at) VALUES ($1, $2, $3)`, kind, entry, ts(s.Now()))
	if err == nil {
		s.wakeSequencer()
	}
	return wrap("log queue", err)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// AnchorAuditArgs is the periodic job that anchors the audit chain's head
// in the log.
type AnchorAuditArgs struct{}

// Kind names the job.
func (AnchorAuditArgs) Kind() string { return "audit_anchor" }

// AnchorAudit queues the audit chain's head as a log entry, unless the log
// already holds it. It reports whether it queued one.
func (s *Store) AnchorAudit(ctx context.Context) (bool, error) {
	var seq int64
	var hash string
	if err := s.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return false, wrap("anchor", err)
	}
	if seq == 0 {
		return false, nil
	}
	entry := transparency.AnchorText(seq, hash)
	// Anchored already if the newest anchor, queued or else in the log, is
	// this head (a partial index finds the log's newest without reading
	// the log).
	var last []byte
	err := s.r.QueryRowContext(ctx, `SELECT entry FROM log_queue WHERE kind = 'audit_anchor' ORDER BY id DESC LIMIT 1`).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.r.QueryRowContext(ctx, `SELECT entry FROM log_entries WHERE kind = 'audit_anchor' ORDER BY idx DESC LIMIT 1`).Scan(&last)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, wrap("anchor", err)
	}
	if bytes.Equal(last, entry) {
		return false, nil
	}
	return true, s.queueEntry(ctx, s.w, transparency.KindAuditAnchor, entry)
}

// LogRecords counts log entries, appended or queued.
func (s *Store) LogRecords(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM log_entries) + (SELECT COUNT(*) FROM log_queue)`).Scan(&n)
	return n, wrap("log", err)
}

// SequenceBatch is the most entries one Sequence call appends.
const SequenceBatch = 10_000

// Sequence appends queued entries to the log, at most max (SequenceBatch
// when max <= 0), with their stored hashes and a signed checkpoint of the
// new size, in one transaction. Only one sequencer runs at a time: SQLite's
// single writer, PostgreSQL's advisory lock. It returns how many entries
// it appended.
func (s *Store) Sequence(ctx context.Context, max int) (int, error) {
	if max <= 0 {
		max = SequenceBatch
	}
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	n := 0
	var appended int64 // tree size before this call's appends, to undo them
	undo := false
	var head LogHead
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, sequencerLock); err != nil {
				return wrap("sequence", err)
			}
		}
		if err := s.syncTree(ctx, tx); err != nil {
			return err
		}
		type queued struct {
			id          int64
			kind        string
			entry, salt []byte
			envelope    string
			event, doc  sql.NullInt64
			createdAt   string
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, entry, envelope, salt, listing_event_id, document_id, created_at FROM log_queue ORDER BY id LIMIT $1`, max)
		if err != nil {
			return wrap("sequence", err)
		}
		var batch []queued
		for rows.Next() {
			var q queued
			if err := rows.Scan(&q.id, &q.kind, &q.entry, &q.envelope, &q.salt, &q.event, &q.doc, &q.createdAt); err != nil {
				rows.Close()
				return wrap("sequence", err)
			}
			batch = append(batch, q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap("sequence", err)
		}
		if len(batch) == 0 {
			return nil
		}
		if s.reg.isLoaded() {
			s.registerChanged(tx) // it reads the new statements' signatures after the commit
		}
		size := s.tree.Size()
		firstStored := s.tree.StoredCount()
		entries := make([][]byte, len(batch))
		for i := range batch {
			entries[i] = batch[i].entry
		}
		appended, undo = size, true
		stored, err := s.tree.Append(entries...)
		if err != nil {
			return review.Internal(err)
		}
		now := ts(s.Now())
		if err := insertRows(ctx, tx, s.dialect, `INSERT INTO log_entries (idx, kind, entry, envelope, salt, listing_event_id, document_id, created_at) VALUES `, 8, len(batch), func(i int) []any {
			q := batch[i]
			return []any{size + int64(i), q.kind, q.entry, q.envelope, q.salt, q.event, q.doc, now}
		}); err != nil {
			return err
		}
		var sigs [][4]any
		for i, q := range batch {
			if q.kind == transparency.KindVerdict && q.event.Valid {
				if keyID, sig, ok := envelopeSignature(q.envelope); ok {
					sigs = append(sigs, [4]any{size + int64(i), q.event.Int64, keyID, base64.StdEncoding.EncodeToString(sig)})
				}
			}
		}
		if err := insertRows(ctx, tx, s.dialect, `INSERT INTO log_signatures (idx, listing_event_id, key_id, sig) VALUES `, 4, len(sigs), func(i int) []any {
			return sigs[i][:]
		}); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, s.dialect, `INSERT INTO log_hashes (idx, hash) VALUES `, 2, len(stored), func(i int) []any {
			return []any{firstStored + int64(i), stored[i][:]}
		}); err != nil {
			return err
		}
		for i := 0; i < len(batch); i += 500 {
			ids := make([]any, 0, 500)
			for _, q := range batch[i:min(i+500, len(batch))] {
				ids = append(ids, q.id)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM log_queue WHERE id IN (`+s.dialect.placeholders(1, len(ids))+`)`, ids...); err != nil {
				return wrap("sequence", err)
			}
		}
		newSize := size + int64(len(batch))
		if head, err = s.checkpoint(ctx, tx, newSize); err != nil {
			return err
		}
		n = len(batch)
		return nil
	})
	if err != nil && undo {
		s.tree.Truncate(appended)
	}
	if err == nil && n > 0 {
		s.noteHead(head)
	}
	return n, err
}

// checkpoint signs and stores the checkpoint of size n.
func (s *Store) checkpoint(ctx context.Context, tx *sql.Tx, n int64) (LogHead, error) {
	root, err := s.tree.Root(n)
	if err != nil {
		return LogHead{}, review.Internal(err)
	}
	k := s.keys.Load()
	msg, err := transparency.SignCheckpoint(transparency.Checkpoint{Origin: k.Origin(), Size: n, Root: root}, k.Log)
	if err != nil {
		return LogHead{}, review.Internal(err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO log_checkpoints (size, note, created_at) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING`, n, string(msg), ts(s.Now()))
	return LogHead{Size: n, Note: string(msg)}, wrap("checkpoint", err)
}

// syncTree loads stored hashes that another sequencer (a replica, or this
// process before a restart) wrote and the memory tree lacks.
func (s *Store) syncTree(ctx context.Context, q queryer) error {
	start := s.tree.StoredCount()
	var hs []tlog.Hash
	if start == 0 { // the first load: size it once rather than by doubling
		// Counted before the rows are read, not while they are open: q
		// may be a transaction, whose one connection cannot run a second
		// query while the first one's rows are pending (PostgreSQL).
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM log_hashes`).Scan(&n); err != nil {
			return wrap("log", err)
		}
		// Half as much again is reserved for the entries appended after
		// it: memory never written is not resident, and without it the
		// first append would copy the whole array into one twice its
		// size while both are held (64 MB at a million entries).
		hs = make([]tlog.Hash, 0, n+n/2+1024)
	}
	rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM log_hashes WHERE idx >= $1 ORDER BY idx`, start)
	if err != nil {
		return wrap("log", err)
	}
	defer rows.Close()
	next := start
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return wrap("log", err)
		}
		if idx != next || len(b) != tlog.HashSize {
			return review.Internal(fmt.Errorf("log: stored hash %d is missing or malformed", next))
		}
		var h tlog.Hash
		copy(h[:], b)
		hs = append(hs, h)
		next++
	}
	if err := rows.Err(); err != nil {
		return wrap("log", err)
	}
	if len(hs) == 0 {
		return nil
	}
	if err := s.tree.Load(start, hs); err != nil {
		return review.Internal(err)
	}
	return nil
}

// insertRows inserts n rows of width columns in multi-row statements.
func insertRows(ctx context.Context, tx *sql.Tx, d Dialect, prefix string, width, n int, row func(i int) []any) error {
	per := max(1, 900/width) // SQLite allows 32766 variables; stay well below
	for i := 0; i < n; i += per {
		end := min(i+per, n)
		var b strings.Builder
		b.WriteString(prefix)
		args := make([]any, 0, (end-i)*width)
		for j := i; j < end; j++ {
			if j > i {
				b.WriteString(", ")
			}
			b.WriteString("(" + d.placeholders(len(args)+1, width) + ")")
			args = append(args, row(j)...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return wrap("log", err)
		}
	}
	return nil
}

// placeholders gives n parameters numbered from from: "$from, …" on
// PostgreSQL, "?from, …" on SQLite, which reads "$1" as a name and finds
// each name by a search through the ones before it, so a statement of
// hundreds of "$n" took longer to prepare than to run.
func (d Dialect) placeholders(from, n int) string {
	mark := byte('$')
	if d == SQLite {
		mark = '?'
	}
	b := make([]byte, 0, n*6)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(append(b, mark), int64(from+i), 10)
	}
	return string(b)
}

// LogHead is the newest signed checkpoint.
type LogHead struct {
	Size int64  `json:"size"`
	Note string `json:"checkpoint"`
}

// Checkpoint returns the newest signed checkpoint (size 0 for an empty log,
// signed on demand).
func (s *Store) Checkpoint(ctx context.Context) (LogHead, error) {
	var h LogHead
	err := s.r.QueryRowContext(ctx, `SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&h.Size, &h.Note)
	if errors.Is(err, sql.ErrNoRows) {
		k := s.keys.Load()
		msg, err := transparency.SignCheckpoint(transparency.Checkpoint{Origin: k.Origin(), Size: 0, Root: emptyRoot}, k.Log)
		return LogHead{Note: string(msg)}, err
	}
	if err != nil {
		return h, wrap("checkpoint", err)
	}
	if err := s.ensureTree(ctx, h.Size); err != nil {
		return h, err
	}
	s.noteHead(h)
	return h, nil
}

// noteHead keeps the newest checkpoint in memory.
func (s *Store) noteHead(h LogHead) {
	for {
		old := s.head.Load()
		if old != nil && old.Size >= h.Size || s.head.CompareAndSwap(old, &h) {
			return
		}
	}
}

// emptyRoot is tlog's tree hash of the empty tree.
var emptyRoot = func() tlog.Hash {
	h, _ := tlog.TreeHash(0, tlog.HashReaderFunc(func([]int64) ([]tlog.Hash, error) { return nil, nil }))
	return h
}()

// LogEntry is one entry as the public log shows it.
type LogEntry struct {
	Index int64  `json:"index"`
	Kind  string `json:"kind"`
	Entry []byte `json:"entry"` // base64 in JSON
	At    string `json:"appended_at"`
}

// Entry returns entry idx of the public log.
func (s *Store) Entry(ctx context.Context, idx int64) (LogEntry, error) {
	e := LogEntry{Index: idx}
	err := s.r.QueryRowContext(ctx, `SELECT kind, entry, created_at FROM log_entries WHERE idx = $1`, idx).Scan(&e.Kind, &e.Entry, &e.At)
	if errors.Is(err, sql.ErrNoRows) {
		return e, review.NotFound("log_entry")
	}
	return e, wrap("log entry", err)
}

// InclusionProof proves entry idx in the tree of size n.
func (s *Store) InclusionProof(ctx context.Context, idx, n int64) ([][]byte, error) {
	var into [transparency.MaxProof]tlog.Hash
	k, err := s.proveInclusion(ctx, idx, n, &into)
	if err != nil {
		return nil, err
	}
	return transparency.ProofBytes(into[:k]), nil
}

// proveInclusion is InclusionProof written into into; it returns the
// number of hashes.
func (s *Store) proveInclusion(ctx context.Context, idx, n int64, into *[transparency.MaxProof]tlog.Hash) (int, error) {
	if err := s.ensureTree(ctx, n); err != nil {
		return 0, err
	}
	k, err := s.tree.ProveInclusion(idx, n, into)
	if err != nil {
		return 0, review.Invalid("index", "field_invalid", "rule", err.Error())
	}
	return k, nil
}

// ConsistencyProof proves that the tree of size to extends that of size from.
func (s *Store) ConsistencyProof(ctx context.Context, from, to int64) ([][]byte, error) {
	if err := s.ensureTree(ctx, to); err != nil {
		return nil, err
	}
	p, err := s.tree.ConsistencyProof(from, to)
	if err != nil {
		return nil, review.Invalid("from", "field_invalid", "rule", err.Error())
	}
	return p, nil
}

// ensureTree makes the memory tree reach size n if the log has.
func (s *Store) ensureTree(ctx context.Context, n int64) error {
	if s.tree.Size() >= n {
		return nil
	}
	return s.catchUpTree(ctx)
}

// catchUpTree loads what other sequencers appended, outside a sequencer's
// transaction. It waits for this process's sequencer: while its batch is
// in the memory tree but not committed, stored hashes read now would be
// taken for the batch's own, and a batch that fails is cut back only
// after its transaction has ended and another replica may have appended.
func (s *Store) catchUpTree(ctx context.Context) error {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	return s.syncTree(ctx, s.r)
}

// attestation builds the attestation of a listing event for a caller who
// may see it: the envelope (and salt), the entry's index, an inclusion
// proof and a checkpoint covering the entry (the newest held in memory, or
// read). A statement still queued is Pending; an event from before the log
// existed has none.
func (s *Store) attestation(ctx context.Context, eventID int64) (*transparency.Attestation, error) {
	var kind, envelope string
	var salt []byte
	var idx int64
	stmt, err := s.attestationStmt(ctx)
	if err != nil {
		return nil, err
	}
	err = stmt.QueryRowContext(ctx, eventID).Scan(&idx, &kind, &envelope, &salt)
	pending := false
	if errors.Is(err, sql.ErrNoRows) {
		// Not in the log: queued, unless it moved to the log between the
		// two reads (an entry only ever moves that way, in one
		// transaction), so look in the log once more.
		idx = 0
		err = s.r.QueryRowContext(ctx, `SELECT kind, envelope, salt FROM log_queue WHERE listing_event_id = $1`, eventID).Scan(&kind, &envelope, &salt)
		pending = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			err = stmt.QueryRowContext(ctx, eventID).Scan(&idx, &kind, &envelope, &salt)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("attestation", err)
	}
	return s.attest(ctx, kind, idx, pending, envelope, salt)
}

// attest makes the attestation of a log entry, or of one still queued
// (pending), from its stored envelope and salt: proved when in the log.
func (s *Store) attest(ctx context.Context, kind string, idx int64, pending bool, envelope string, salt []byte) (*transparency.Attestation, error) {
	env, err := transparency.ParseEnvelope([]byte(envelope))
	if err != nil {
		return nil, review.Internal(err)
	}
	a := &transparency.Attestation{Kind: kind, Index: idx, Pending: pending, Envelope: &env, EnvelopeJSON: []byte(envelope)}
	if salt != nil {
		a.Salt = b64(salt)
	}
	if pending {
		return a, nil
	}
	if err := s.prove(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// prove gives an attestation of an entry in the log its inclusion proof and
// the checkpoint it is proved against: the newest held in memory, or read.
func (s *Store) prove(ctx context.Context, a *transparency.Attestation) error {
	idx := a.Index
	head := s.head.Load()
	if head == nil || head.Size <= idx {
		h, err := s.Checkpoint(ctx)
		if err != nil {
			return err
		}
		head = &h
	}
	var err error
	if a.InclusionProof, err = s.InclusionProof(ctx, idx, head.Size); err != nil {
		return err
	}
	a.Checkpoint = head.Note
	return nil
}

// attestationStmt is attestation's query, prepared once: SQLite spends
// more time parsing a statement than running this one.
func (s *Store) attestationStmt(ctx context.Context) (*sql.Stmt, error) {
	s.attOnce.Do(func() {
		s.attStmt, s.attErr = s.r.PrepareContext(ctx, `SELECT idx, kind, envelope, salt FROM log_entries WHERE listing_event_id = $1`)
	})
	if s.attErr != nil {
		return nil, wrap("attestation", s.attErr)
	}
	return s.attStmt, nil
}

// RunSequencer appends queued entries until ctx ends: whenever entries are
// queued in this process, and every interval for those queued by others.
func (s *Store) RunSequencer(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			n, err := s.Sequence(ctx, 0)
			if err != nil {
				if ctx.Err() == nil && onErr != nil {
					onErr(err)
				}
				break
			}
			if n < SequenceBatch {
				break
			}
		}
		if err := s.CatchUpRegister(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.logWake:
		}
	}
}
