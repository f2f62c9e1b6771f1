package store_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shencha/internal/store"
	"shencha/internal/storetest"
)

// TestMigrationsMatch checks that both dialects carry the same migrations,
// by number and by name, numbered in increasing order (gaps allowed: work on
// several branches takes numbers ahead), and that a migrated database of
// each backend stands at the last number.
func TestMigrationsMatch(t *testing.T) {
	lite, err := store.MigrationNames(store.SQLite)
	if err != nil {
		t.Fatalf("sqlite migrations: %v", err)
	}
	pg, err := store.MigrationNames(store.Postgres)
	if err != nil {
		t.Fatalf("postgres migrations: %v", err)
	}
	if len(lite) == 0 {
		t.Fatal("no sqlite migrations")
	}
	if !slices.Equal(lite, pg) {
		t.Fatalf("migrations differ:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
	prev := 0
	for _, name := range lite {
		num, rest, ok := strings.Cut(name, "_")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || !strings.HasSuffix(rest, ".sql") {
			t.Errorf("migration %q is not NNNN_name.sql", name)
			continue
		}
		if n <= prev {
			t.Errorf("migration %q has number %d, after %d (numbers increase, no repeats)", name, n, prev)
		}
		prev = n
	}
	last, _ := strconv.Atoi(strings.SplitN(lite[len(lite)-1], "_", 2)[0])
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := storetest.Open(t, b)
			v, err := s.SchemaVersion(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if v != last {
				t.Errorf("schema version %d after migrate, want %d", v, last)
			}
			if err := s.CheckSchema(context.Background()); err != nil {
				t.Errorf("check schema: %v", err)
			}
			// Migrating again changes nothing.
			if err := s.Migrate(context.Background()); err != nil {
				t.Errorf("second migrate: %v", err)
			}
			if v2, _ := s.SchemaVersion(context.Background()); v2 != last {
				t.Errorf("schema version %d after second migrate, want %d", v2, last)
			}
		})
	}
}

// TestMigrationArrivingLate checks the runner against a gap filled later: a
// migration numbered below the database's newest, not yet applied (another
// branch's, merged after), makes the schema out of date and is applied by
// the next migrate. Migration 0006 plays it: its index is dropped and its
// record removed, as if it had never run.
func TestMigrationArrivingLate(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, b)
			if _, err := s.DB().ExecContext(ctx, `DROP INDEX cases_state`); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().ExecContext(ctx, `DELETE FROM schema_version WHERE version = 6`); err != nil {
				t.Fatal(err)
			}
			err := s.CheckSchema(ctx)
			if !errors.Is(err, store.ErrSchemaOutdated) || !strings.Contains(err.Error(), "0006_cases_state.sql") {
				t.Fatalf("check schema with 0006 missing: %v, want out of date naming 0006", err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if err := s.CheckSchema(ctx); err != nil {
				t.Errorf("check schema after migrate: %v", err)
			}
			// The index is back: dropping it again succeeds.
			if _, err := s.DB().ExecContext(ctx, `DROP INDEX cases_state`); err != nil {
				t.Errorf("0006 was not applied again: %v", err)
			}
		})
	}
}
