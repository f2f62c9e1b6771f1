// Package storetest opens real databases for tests: SQLite in a temporary
// folder, and PostgreSQL when SHENCHA_TEST_POSTGRES holds a DSN, each test
// in a schema of its own so packages can run in parallel. Under CI=true a
// missing PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"shencha/internal/store"
)

// Backend is a database kind a suite runs over.
type Backend struct {
	Name string
	// DSN returns a fresh, empty database for one test.
	DSN func(tb testing.TB) string
}

// Backends returns SQLite and PostgreSQL. The PostgreSQL backend skips the
// test (or fails it under CI=true) when SHENCHA_TEST_POSTGRES is not set.
func Backends() []Backend {
	return []Backend{{Name: "sqlite", DSN: SQLiteDSN}, {Name: "postgres", DSN: PostgresDSN}}
}

// SQLiteDSN returns the path of a new SQLite file in a temporary folder.
func SQLiteDSN(tb testing.TB) string {
	return filepath.Join(tb.TempDir(), "shencha.db")
}

// PostgresDSN creates a schema of its own for the test and returns a DSN
// whose search_path points at it; the schema is dropped when the test ends.
func PostgresDSN(tb testing.TB) string {
	base := os.Getenv("SHENCHA_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("SHENCHA_TEST_POSTGRES is not set: the PostgreSQL suite must run under CI=true")
		}
		tb.Skip("PostgreSQL suite skipped: set SHENCHA_TEST_POSTGRES to a DSN (e.g. postgres://postgres@127.0.0.1:5432/shencha_test?sslmode=disable)")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		db.Close()
		tb.Fatalf("postgres: create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("postgres: bad SHENCHA_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates a store on a fresh database of the backend.
func Open(tb testing.TB, b Backend) *store.Store {
	tb.Helper()
	dsn := b.DSN(tb)
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", b.Name, err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", b.Name, err)
	}
	return s
}
