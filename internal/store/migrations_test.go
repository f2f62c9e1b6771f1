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
// by number and by name, numbered upwards without repeats (a gap is
// allowed: branches number their migrations apart), and that a migrated
// database of each backend stands at the last number.
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
			t.Errorf("migration %q has number %d after %d (numbers go up, no repeats)", name, n, prev)
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

// TestMigrationMergedLate: a migration with a lower number than one
// already applied (two branches' migrations merged in the other order) is
// still applied, and until it is the schema counts as out of date.
func TestMigrationMergedLate(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, b)
			// As if 0006 had arrived only after 0008 was applied.
			for _, q := range []string{`DROP INDEX cases_state`, `DELETE FROM schema_version WHERE version = 6`} {
				if _, err := s.DB().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaOutdated) || !strings.Contains(err.Error(), "0006_cases_state.sql") {
				t.Fatalf("check schema with 0006 missing: %v", err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if err := s.CheckSchema(ctx); err != nil {
				t.Fatalf("check schema after migrate: %v", err)
			}
			// The index is back: creating it again fails.
			if _, err := s.DB().ExecContext(ctx, `CREATE INDEX cases_state ON cases(state)`); err == nil {
				t.Error("0006 was not applied again")
			}
		})
	}
}
