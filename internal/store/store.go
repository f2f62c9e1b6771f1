package store

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"shencha/internal/calendar"
	"shencha/internal/review"
	"shencha/internal/transparency"
)

//go:embed migrations
var migrationsFS embed.FS

// Dialect names a database.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database. Its methods are safe for concurrent use.
type Store struct {
	w, r    *sql.DB // writer and readers; the same pool on PostgreSQL
	dialect Dialect
	jobs    *river.Client[*sql.Tx]

	// Now is the clock; tests replace it.
	Now func() time.Time
	// Budgets are the working-day budgets of the review clocks.
	Budgets map[string]int
	// Validity is how long a listing stays valid after publication.
	Validity time.Duration
	// SessionIdle is how long a browser session may go unused (0:
	// DefaultSessionIdle).
	SessionIdle time.Duration
	// ExpertQuorum and CommitteeQuorum are how many expert opinions and
	// committee votes a decision needs (0: review.Quorum).
	ExpertQuorum, CommitteeQuorum int
	// TieLookback is how long a tie that ended still bars assigning a lab
	// or an expert to the provider's cases (zero: review.DefaultTieLookback).
	TieLookback time.Duration
	// RemindDays is how many working days before a clock's deadline its
	// owner is reminded (0: no reminders).
	RemindDays int
	// EmailNotifications says notifications to users with an e-mail
	// address are also e-mailed (serve sets it when SMTP is configured).
	EmailNotifications bool

	cal atomic.Pointer[calendar.Calendar]
	adv advisoryCache

	// The transparency log: the server's keys, the stored hashes in
	// memory, the in-process sequencer lock and its wake-up.
	keys    atomic.Pointer[transparency.Keys]
	tree    transparency.Tree
	seqMu   sync.Mutex
	logWake chan struct{}
	head    atomic.Pointer[LogHead] // newest checkpoint seen

	// The eligibility register in memory, and the transactions that
	// changed listings (caught up after they commit).
	reg        *register
	regMu      sync.Mutex
	regMisses  atomic.Int64 // statements the register rebuilt wrongly
	dirtyMu    sync.Mutex
	dirty      map[*sql.Tx]bool
	tokenCache tokenCache
	// loginClients counts failed sign-ins per client address (login.go).
	loginClients clientFailures
	attOnce      sync.Once
	attStmt      *sql.Stmt
	attErr       error
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn: a postgres:// URL, or the path of a SQLite file.
// It does not migrate; call Migrate, or CheckSchema to refuse an old schema.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{Now: time.Now, Budgets: defaultBudgets(), Validity: 3 * 365 * 24 * time.Hour, RemindDays: 3, logWake: make(chan struct{}, 1), reg: newRegister(), dirty: map[*sql.Tx]bool{}}
	s.cal.Store(calendar.Default())
	keys, err := transparency.NewKeys("shencha.invalid/ephemeral")
	if err != nil {
		return nil, err
	}
	s.keys.Store(keys)
	if IsPostgres(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		s.w, s.r, s.dialect = db, db, Postgres
	} else {
		base := "file:" + dsn + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		w, err := sql.Open("sqlite", base+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// One writer connection: SQLite has one writer anyway, and queueing
		// in Go is cheaper and fairer than busy retries.
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// Keep every reader open: opening one runs the pragmas and
		// prepares statements afresh.
		readers := max(4, runtime.NumCPU())
		r.SetMaxOpenConns(readers)
		r.SetMaxIdleConns(readers)
		s.w, s.r, s.dialect = w, r, SQLite
	}
	if err := s.w.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	jobs, err := river.NewClient(s.RiverDriver(), &river.Config{})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("job client: %w", err)
	}
	s.jobs = jobs
	return s, nil
}

func defaultBudgets() map[string]int {
	m := map[string]int{}
	for k, v := range calendar.Defaults {
		m[k] = v
	}
	return m
}

// RiverDriver returns the job queue's driver over the writer pool.
func (s *Store) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if s.dialect == Postgres {
		return riverdatabasesql.New(s.w)
	}
	return riversqlite.New(s.w)
}

// Close closes the pools.
func (s *Store) Close() error {
	if s.attStmt != nil {
		s.attStmt.Close()
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Dialect says which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the writer pool, for the job client and for tests.
func (s *Store) DB() *sql.DB { return s.w }

// SetJobs replaces the insert-only job client with one that also works jobs,
// so jobs inserted in a transaction are seen by the same client.
func (s *Store) SetJobs(c *river.Client[*sql.Tx]) { s.jobs = c }

// Calendar returns the working-day calendar in force.
func (s *Store) Calendar() *calendar.Calendar { return s.cal.Load() }

// migrations lists the embedded migrations of the dialect by number.
func (s *Store) migrations() ([]migration, error) {
	return readMigrations(s.dialect)
}

type migration struct {
	version int
	name    string
	sql     string
}

func readMigrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationsFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, e.Name(), string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// MigrationNames lists the embedded migration file names of a dialect.
func MigrationNames(d Dialect) ([]string, error) {
	ms, err := readMigrations(d)
	var out []string
	for _, m := range ms {
		out = append(out, m.name)
	}
	return out, err
}

// LatestVersion is the schema version the binary's migrations of a
// dialect reach.
func LatestVersion(d Dialect) (int, error) {
	ms, err := readMigrations(d)
	if err != nil || len(ms) == 0 {
		return 0, cmp.Or(err, fmt.Errorf("store: no migrations for %s", d))
	}
	return ms[len(ms)-1].version, nil
}

// SchemaVersion returns the applied schema version: the highest migration
// applied (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	applied, err := s.appliedMigrations(ctx)
	v := 0
	for n := range applied {
		v = max(v, n)
	}
	return v, err
}

// appliedMigrations lists the numbers recorded in schema_version.
func (s *Store) appliedMigrations(ctx context.Context) (map[int]bool, error) {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("schema_version: %w", err)
	}
	rows, err := s.w.QueryContext(ctx, `SELECT version FROM schema_version`)
	if err != nil {
		return nil, fmt.Errorf("schema_version: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("schema_version: %w", err)
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// pending lists the migrations not yet applied, in number order. Numbers
// may have gaps (branches number their migrations apart, so 0008 may come
// before 0007 exists), and a lower number merged later is still applied:
// what counts is whether each one ran, not the highest.
func pending(ms []migration, applied map[int]bool) []migration {
	var out []migration
	for _, m := range ms {
		if !applied[m.version] {
			out = append(out, m)
		}
	}
	return out
}

// Migrate applies pending migrations, each in one transaction, then the job
// queue's own migrations. On PostgreSQL an advisory lock keeps replicas
// starting together from racing.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	var conn *sql.Conn
	if s.dialect == Postgres {
		conn, err = s.w.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(1936221550)`); err != nil {
			return fmt.Errorf("migrate lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(1936221550)`)
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range pending(ms, applied) {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)`, m.version, ts(s.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	mig, err := rivermigrate.New(s.RiverDriver(), nil)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	if err := s.ensureCatalog(ctx); err != nil {
		return err
	}
	return s.loadCalendar(ctx)
}

// ErrSchemaOutdated means the database needs `shencha migrate`.
var ErrSchemaOutdated = errors.New("store: database schema is out of date; run `shencha migrate`")

// CheckSchema refuses a database whose schema is behind the binary.
func (s *Store) CheckSchema(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	if p := pending(ms, applied); len(p) > 0 {
		return fmt.Errorf("%w (%s not applied)", ErrSchemaOutdated, p[0].name)
	}
	if err := s.ensureCatalog(ctx); err != nil {
		return err
	}
	return s.loadCalendar(ctx)
}

// tx runs fn in a write transaction and commits if it returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return review.Internal(fmt.Errorf("begin: %w", err))
	}
	err = fn(tx)
	changed := s.changedRegister(tx)
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		if isSerialization(err) {
			return review.Conflict("concurrent_update")
		}
		return review.Internal(fmt.Errorf("commit: %w", err))
	}
	if changed {
		// The register reflects the change before the caller answers;
		// a failure here is caught up by the next call or tick.
		s.CatchUpRegister(ctx)
	}
	return nil
}

// registerChanged marks a transaction as one that changes what the
// register shows: listing events, cases opened or closed.
func (s *Store) registerChanged(tx *sql.Tx) {
	s.dirtyMu.Lock()
	s.dirty[tx] = true
	s.dirtyMu.Unlock()
}

// changedRegister reports (and forgets) whether tx changed the register.
func (s *Store) changedRegister(tx *sql.Tx) bool {
	s.dirtyMu.Lock()
	defer s.dirtyMu.Unlock()
	ok := s.dirty[tx]
	delete(s.dirty, tx)
	return ok
}

// forUpdate locks selected rows on PostgreSQL; SQLite's immediate
// transactions already hold the one write lock.
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func isSerialization(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}

const tsLayout = "2006-01-02T15:04:05.000000Z"

// ts renders a time for storage: fixed-width UTC text sorts as time does.
func ts(t time.Time) string {
	t = t.UTC()
	y := t.Year()
	if y < 0 || y > 9999 {
		return t.Format(tsLayout)
	}
	// tsLayout written by hand: register answers format a time each.
	var b [len(tsLayout)]byte
	_, mo, d := t.Date()
	h, mi, sec := t.Clock()
	put := func(i, v, n int) {
		for j := i + n - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, t.Nanosecond()/1000, 6)
	b[26] = 'Z'
	return string(b[:])
}

// parseTS reads a stored time; "" is the zero time.
func parseTS(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(tsLayout, s)
	return t
}

// day renders the civil date (China time) of t.
func day(t time.Time) string { return calendar.DateOf(t).String() }

// nullID stores 0 as NULL for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// wrap turns a database failure into an internal error naming the operation;
// domain errors pass through unchanged.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *review.Error
	if errors.As(err, &e) {
		return err
	}
	return review.Internal(fmt.Errorf("%s: %w", op, err))
}
