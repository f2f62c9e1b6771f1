package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shencha/internal/blob"
	"shencha/internal/store"
	"shencha/internal/storetest"
	"shencha/internal/transparency"
)

// run runs a command line and returns its exit code, stdout and stderr.
func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestBackupRestoreRoundTrip backs up the demo while its server runs and
// two clients write (listing changes, file uploads), restores the backup
// into new folders, and checks what was restored: the case count, the
// audit chain, the log's root against the manifest's, every file read back
// with its digest. Private keys are in a backup only when asked for. A
// changed or added backup file is refused, naming it, before anything is
// written; a data dir that is not empty is refused without --force.
func TestBackupRestoreRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("round trip with a server skipped in -short mode")
	}
	dir := t.TempDir()
	c := startChild(t, dir)
	defer c.kill()
	token := login(t, c.url, "office")

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var uploads, changes atomic.Int64
	uploaded := make(chan struct{}, 1)
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			if upload(ctx, c.url, token, fmt.Sprintf("evidence file %d\n%s", i, strings.Repeat("x", i*97))) {
				uploads.Add(1)
				select {
				case uploaded <- struct{}{}:
				default:
				}
			}
		}
	})
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			if _, ok := listingChange(ctx, c.url, token, 1, []string{"suspend", "reinstate"}[i%2]); ok {
				changes.Add(1)
			}
		}
	})
	<-uploaded // at least one file is stored before the backup starts

	root := t.TempDir()
	bk := filepath.Join(root, "backup")
	t0 := time.Now()
	code, out, errOut := run("backup", "--data-dir", dir, "--out", bk)
	backupTime := time.Since(t0)
	during := uploads.Load()
	stop()
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	t.Logf("backup of the demo db while the server ran: %d ms (%d uploads, %d listing changes meanwhile)\n%s", backupTime.Milliseconds(), during, changes.Load(), out)
	m, err := readManifest(bk)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range privateKeyFiles {
		if _, err := os.Stat(filepath.Join(bk, "keys", name)); err == nil {
			t.Fatalf("the backup holds %s without --include-private-keys", name)
		}
	}
	if m.Cases != 7 || m.Materials == 0 || m.Audit.Rows == 0 || m.Log.Size == 0 || m.Log.Root == "" || m.PrivateKeys {
		t.Fatalf("manifest: %+v", m)
	}

	// Restore, the private keys taken from where they are kept (here the
	// server's own keys folder).
	r1 := filepath.Join(root, "restored")
	t0 = time.Now()
	code, out, errOut = run("restore", bk, "--data-dir", r1, "--keys", filepath.Join(dir, "keys"))
	t.Logf("restore: %d ms\n%s", time.Since(t0).Milliseconds(), out)
	if code != 0 || !strings.Contains(out, "audit chain OK") || !strings.Contains(out, "transparency log OK") || !strings.Contains(out, "blobs OK") {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	checkRestored(t, dataDir(r1), m)

	t.Run("ErrNotEmpty", func(t *testing.T) {
		code, _, errOut := run("restore", bk, "--data-dir", r1)
		if code != 1 || !strings.Contains(errOut, "not empty") || !strings.Contains(errOut, "--force") {
			t.Fatalf("restore over a restored data dir: %d %s", code, errOut)
		}
		code, out, errOut := run("restore", bk, "--data-dir", r1, "--force", "--keys", filepath.Join(dir, "keys"))
		if code != 0 || !strings.Contains(out, "blobs OK") {
			t.Fatalf("restore --force: %d %s %s", code, out, errOut)
		}
		checkRestored(t, dataDir(r1), m)
	})

	t.Run("ErrOtherKeys", func(t *testing.T) {
		other := t.TempDir()
		if _, err := transparency.Generate(other, DefaultOrigin, false); err != nil {
			t.Fatal(err)
		}
		if _, err := blob.OpenKeyring(filepath.Join(other, masterKeysFile)); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(t.TempDir(), "data")
		code, _, errOut := run("restore", bk, "--data-dir", target, "--keys", other)
		if code != 1 || !strings.Contains(errOut, "not those whose public keys the backup holds") {
			t.Fatalf("restore with keys that did not sign the log: %d %s", code, errOut)
		}
		if _, err := os.Stat(target); !os.IsNotExist(err) {
			t.Fatalf("the refused restore wrote %s: %v", target, err)
		}
	})

	t.Run("PrivateKeys", func(t *testing.T) {
		bk2 := filepath.Join(root, "with-keys")
		code, _, errOut := run("backup", "--data-dir", dir, "--out", bk2, "--include-private-keys")
		if code != 0 || !strings.Contains(errOut, "WARNING: the backup holds the private keys") {
			t.Fatalf("backup --include-private-keys: %d %s", code, errOut)
		}
		m2, err := readManifest(bk2)
		if err != nil || !m2.PrivateKeys {
			t.Fatalf("manifest: %+v %v", m2, err)
		}
		for _, name := range privateKeyFiles {
			if fi, err := os.Stat(filepath.Join(bk2, "keys", name)); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("keys/%s in the backup: %v %v", name, fi, err)
			}
		}
		r2 := filepath.Join(root, "restored-with-keys")
		code, out, errOut := run("restore", bk2, "--data-dir", r2)
		if code != 0 || !strings.Contains(out, "blobs OK") {
			t.Fatalf("restore: %d %s %s", code, out, errOut)
		}
		checkRestored(t, dataDir(r2), m2)
		if _, err := transparency.Load(dataDir(r2).keysDir()); err != nil {
			t.Fatalf("the restored keys do not load: %v", err)
		}
	})

	// A changed or added file is refused, naming it, and nothing is written.
	var blobFile string
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "blobs/") {
			blobFile = f.Path
		}
	}
	for _, tc := range []struct {
		name, file string
		tamper     func(p string) error
		want       string
	}{
		{"ErrDatabaseChanged", sqliteFile, flipLastByte, "backup file db/shencha.db: SHA-256"},
		{"ErrBlobChanged", blobFile, flipLastByte, "backup file " + blobFile + ": SHA-256"},
		{"ErrPublicKeyChanged", publicLog, func(p string) error { return os.WriteFile(p, []byte("shencha/log+00000000+AAAA\n"), 0o600) }, "backup file keys/public/log.vkey"},
		{"ErrFileAdded", "keys/retired/extra.pub", func(p string) error { return os.WriteFile(p, []byte("x"), 0o600) }, "backup file keys/retired/extra.pub is not in the manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyDir := filepath.Join(t.TempDir(), "backup")
			if err := os.CopyFS(copyDir, os.DirFS(bk)); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(copyDir, filepath.FromSlash(tc.file))
			os.MkdirAll(filepath.Dir(p), 0o700)
			if err := tc.tamper(p); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(t.TempDir(), "data")
			code, _, errOut := run("restore", copyDir, "--data-dir", target)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("restore of a tampered backup: %d %s; want an error naming %q", code, errOut, tc.want)
			}
			if _, err := os.Stat(target); !os.IsNotExist(err) {
				t.Fatalf("the refused restore wrote %s: %v", target, err)
			}
			if left, _ := filepath.Glob(target + ".restore-*"); len(left) > 0 {
				t.Fatalf("the refused restore left %v", left)
			}
		})
	}
}

// checkRestored opens a restored data dir and checks it against the
// manifest of its backup.
func checkRestored(t *testing.T, d dataDir, m *manifest) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, d.sqlite())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkRestoredStore(t, s, d, m)
	// Every file is readable through the blob store with its digest.
	blobs, err := d.openBlobs()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT DISTINCT digest FROM materials`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var digest string
		rows.Scan(&digest)
		dg, err := blob.ParseDigest(digest)
		if err != nil {
			t.Fatal(err)
		}
		rc, _, err := blobs.Open(ctx, dg)
		if err != nil {
			t.Fatalf("restored blob %s: %v", digest, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil || "sha256:"+hex.EncodeToString(h.Sum(nil)) != digest {
			t.Fatalf("restored blob %s reads back as %x: %v", digest, h.Sum(nil), err)
		}
		n++
	}
	if int64(n) == 0 || int64(n) > m.Materials {
		t.Fatalf("%d distinct files for %d materials", n, m.Materials)
	}
}

// checkRestoredStore checks the restored database: case count, audit
// chain and the log's root against the manifest.
func checkRestoredStore(t *testing.T, s *store.Store, d dataDir, m *manifest) {
	t.Helper()
	ctx := context.Background()
	var cases int64
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&cases); err != nil || cases != m.Cases || cases != 7 {
		t.Fatalf("restored cases: %d %v; the manifest says %d", cases, err, m.Cases)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != m.Audit.Rows {
		t.Fatalf("restored audit chain: %d rows, %v; the manifest says %d", n, err, m.Audit.Rows)
	}
	_, logKeys, err := publicKeys(d.keysDir())
	if err != nil {
		t.Fatal(err)
	}
	lc, err := s.VerifyLog(ctx, logKeys)
	if err != nil || lc.Size != m.Log.Size || base64.StdEncoding.EncodeToString(lc.Root[:]) != m.Log.Root {
		t.Fatalf("restored log: %+v %v; the manifest says %d %s", lc, err, m.Log.Size, m.Log.Root)
	}
}

// upload stores a file on the demo case in evaluation as the office.
func upload(ctx context.Context, base, token, body string) bool {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/cases/CSR-2026-0002/materials?filename=evidence.txt", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 201
}

func flipLastByte(p string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	b[len(b)-1] ^= 1
	return os.WriteFile(p, b, 0o600)
}

// TestBackupRestorePostgres backs up a PostgreSQL schema holding the demo
// with pg_dump and restores it into a new database with pg_restore. It
// needs SHENCHA_TEST_POSTGRES and PostgreSQL's client tools; under CI=true
// their absence fails it.
func TestBackupRestorePostgres(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not on the PATH: the PostgreSQL backup test must run under CI=true", tool)
			}
			t.Skipf("PostgreSQL backup test skipped: %s is not on the PATH (install postgresql-client)", tool)
		}
	}
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	dir := t.TempDir()
	seedDemo(t, dsn, dir)

	bk := filepath.Join(t.TempDir(), "backup")
	t0 := time.Now()
	code, out, errOut := run("backup", "--db", dsn, "--data-dir", dir, "--out", bk)
	if code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	t.Logf("pg_dump backup: %d ms\n%s", time.Since(t0).Milliseconds(), out)
	m, err := readManifest(bk)
	if err != nil {
		t.Fatal(err)
	}
	if m.Database != "postgres" || m.Schema == "" || m.Cases != 7 || m.Log.Size == 0 {
		t.Fatalf("manifest: %+v", m)
	}

	target := newDatabase(t, dsn)
	r := dataDir(filepath.Join(t.TempDir(), "restored"))
	t0 = time.Now()
	code, out, errOut = run("restore", bk, "--db", target, "--data-dir", string(r))
	t.Logf("pg_restore: %d ms\n%s", time.Since(t0).Milliseconds(), out)
	if code != 0 || !strings.Contains(out, "audit chain OK") || !strings.Contains(out, "transparency log OK") {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	rs, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	checkRestoredStore(t, rs, r, m)
	if code, _, errOut := run("restore", bk, "--db", target, "--data-dir", filepath.Join(t.TempDir(), "again")); code != 1 || !strings.Contains(errOut, "holds tables") {
		t.Fatalf("restore over a restored database: %d %s", code, errOut)
	}
}

// newDatabase creates a database of its own (dropped when the test ends)
// and returns dsn pointed at it, keeping dsn's search_path: a dump keeps
// its schema's name, so the restore goes into another database.
func newDatabase(t *testing.T, dsn string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "shencha_restore_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", os.Getenv("SHENCHA_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// A manifest with anything after its object (an append, an edit) is
// refused, not read up to the object's end.
func TestManifestTrailingData(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"format":"`+backupFormat+`"}`+"\nx"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The object alone would be refused later (no database named): the
	// refusal must be the trailing data's.
	if _, err := readManifest(dir); err == nil || !strings.Contains(err.Error(), manifestName) || !strings.Contains(err.Error(), "after top-level value") {
		t.Fatalf("readManifest = %v, want a refusal of the data after the object, naming %s", err, manifestName)
	}
}
