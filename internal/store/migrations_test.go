package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shencha/internal/store"
	"shencha/internal/storetest"
)

// TestMigrationsMatch checks that both dialects carry the same migrations,
// by number and by name, numbered 1, 2, 3… without gaps, and that a
// migrated database of each backend stands at the last number.
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
	for i, name := range lite {
		num, rest, ok := strings.Cut(name, "_")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || !strings.HasSuffix(rest, ".sql") {
			t.Errorf("migration %q is not NNNN_name.sql", name)
			continue
		}
		if n != i+1 {
			t.Errorf("migration %q has number %d, want %d (no gaps, no repeats)", name, n, i+1)
		}
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
