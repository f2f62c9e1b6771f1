package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/store"
)

// TestAuditVerifyNamesTheEditedRow edits one audit row by hand in SQL and
// expects `shencha audit verify` to fail naming that row.
func TestAuditVerifyNamesTheEditedRow(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := Main([]string{"migrate", "--data-dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "db", "shencha.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap); err != nil {
		t.Fatal(err)
	}
	s.Close()

	out.Reset()
	if code := Main([]string{"audit", "verify", "--data-dir", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("verify before tampering: %d %q %q", code, out.String(), errb.String())
	}

	s, err = store.Open(ctx, filepath.Join(dir, "db", "shencha.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE audit SET detail = '{"username":"mallory"}' WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	out.Reset()
	errb.Reset()
	code := Main([]string{"audit", "verify", "--data-dir", dir}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "broken at row 7:") {
		t.Fatalf("verify after tampering: exit %d, stderr %q", code, errb.String())
	}
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	run := func(args ...string) int {
		out.Reset()
		errb.Reset()
		return Main(append(args, "--data-dir", dir), &out, &errb)
	}
	if code := run("org", "add", "--name", "Coastal Telecom Lab", "--kind", "lab"); code != 1 || !strings.Contains(errb.String(), "out of date") {
		t.Fatalf("org add before migrate should refuse: %d %q", code, errb.String())
	}
	if code := run("migrate"); code != 0 {
		t.Fatalf("migrate: %s", errb.String())
	}
	if code := run("org", "add", "--name", "Coastal Telecom Lab", "--kind", "lab"); code != 0 || !strings.Contains(out.String(), "Coastal Telecom Lab (lab)") {
		t.Fatalf("org add: %d %q %q", code, out.String(), errb.String())
	}
	if code := run("org", "add", "--name", "Nowhere", "--kind", "castle"); code != 1 || !strings.Contains(errb.String(), "kind") {
		t.Fatalf("bad kind: %d %q", code, errb.String())
	}
	t.Setenv("SHENCHA_PASSWORD", "a long enough password")
	if code := run("user", "add", "--username", "lab9", "--org", "Coastal Telecom Lab", "--role", "lab"); code != 0 || !strings.Contains(out.String(), "lab9 (lab") {
		t.Fatalf("user add: %d %q %q", code, out.String(), errb.String())
	}
	if code := run("user", "add", "--username", "lab10", "--org", "Coastal Telecom Lab", "--role", "office"); code != 1 || !strings.Contains(errb.String(), "role") {
		t.Fatalf("role not fitting the org should be refused: %d %q", code, errb.String())
	}
	if code := run("audit", "verify"); code != 0 || !strings.Contains(out.String(), "OK: 2 rows") {
		t.Fatalf("audit: %q %q", out.String(), errb.String())
	}
}
