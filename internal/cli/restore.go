package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"shencha/internal/blob"
	"shencha/internal/signature"
	"shencha/internal/store"
	"shencha/internal/transparency"
)

const restoreUsage = "usage: shencha restore BACKUP [--data-dir DIR] [--db postgres://…] [--keys DIR] [--force]"

// restoreCmd restores a backup into a data dir (and, for a PostgreSQL
// backup, a database): it checks every file against the manifest before
// writing anything, stages the files beside the data dir and moves them in,
// then verifies the audit chain, the transparency log and the blobs.
func restoreCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	force := fs.Bool("force", false, "replace the data dir's db/, blobs/ and keys/ (and the database's tables) if it is not empty")
	keysFrom := fs.String("keys", "", "a folder with the private keys the backup left out (verdict.key, log.key, blob-master.keys)")
	var src string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		src, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if src == "" && fs.NArg() == 1 {
		src = fs.Arg(0)
	}
	if src == "" || fs.NArg() > 1 {
		return errors.New(restoreUsage)
	}
	start := time.Now()
	m, err := readManifest(src)
	if err != nil {
		return err
	}
	dialect := store.Dialect(m.Database)
	latest, err := store.LatestVersion(dialect)
	if err != nil {
		return err
	}
	if m.SchemaVersion > latest {
		return fmt.Errorf("backup %s is of schema %d; this shencha knows schema %d: restore it with a newer shencha", src, m.SchemaVersion, latest)
	}
	pg := dialect == store.Postgres
	if pg && !store.IsPostgres(dbf.db) {
		return fmt.Errorf("backup %s is of a PostgreSQL database: restore it with --db postgres://…", src)
	}
	if !pg && dbf.db != "" {
		return fmt.Errorf("backup %s is of a SQLite database: restore it without --db (it goes to DATA-DIR/db)", src)
	}
	nonEmpty, err := hasEntries(dbf.dataDir)
	if err != nil {
		return err
	}
	if nonEmpty && !*force {
		return fmt.Errorf("--data-dir %s is not empty: restore into a new folder, or give --force to replace its db/, blobs/ and keys/", dbf.dataDir)
	}
	var conn string
	if pg {
		if conn, err = checkPostgresTarget(ctx, dbf.db, m, *force); err != nil {
			return err
		}
	}
	// Every file is checked before anything is written.
	for _, f := range m.Files {
		sum, size, err := hashFile(filepath.Join(src, filepath.FromSlash(f.Path)))
		if err != nil {
			return fmt.Errorf("backup file %s: %w (nothing was restored)", f.Path, err)
		}
		if sum != f.SHA256 || size != f.Size {
			return fmt.Errorf("backup file %s: SHA-256 %s (%d bytes), the manifest says %s (%d bytes): the file was changed or damaged; nothing was restored", f.Path, sum, size, f.SHA256, f.Size)
		}
	}
	dir := filepath.Clean(dbf.dataDir)
	stage, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage) // empty once moved in
	counts, err := stageFiles(src, stage, m)
	if err != nil {
		return err
	}
	if err := stageKeys(stage, *keysFrom); err != nil {
		return err
	}
	if pg {
		if err := pgRestore(ctx, conn, filepath.Join(src, filepath.FromSlash(pgdumpFile)), *force); err != nil {
			return err
		}
	}
	if err := install(dataDir(dir), stage, nonEmpty); err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s (%s, schema %d, made %s) into %s in %d ms: %s\n", src, m.Database, m.SchemaVersion, m.CreatedAt, dir, time.Since(start).Milliseconds(), counts)
	fmt.Fprintf(out, "  manifest sha256 %s (compare it with the one backup printed)\n", m.sha256)
	return verifyRestore(ctx, out, dataDir(dir), dbf.db, m)
}

// hasEntries reports whether dir exists and holds anything.
func hasEntries(dir string) (bool, error) {
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return len(es) > 0, err
}

// checkPostgresTarget refuses a database that holds tables (unless
// forced) or whose schema is not the backup's, and returns the DSN for
// pg_restore.
func checkPostgresTarget(ctx context.Context, dsn string, m *manifest, force bool) (string, error) {
	conn, schema, err := libpqDSN(dsn)
	if err != nil {
		return "", err
	}
	if schema != m.Schema {
		return "", fmt.Errorf("--db: the backup holds schema %q; give a DSN whose search_path is that schema (the dump keeps its schema name)", m.Schema)
	}
	if _, err := exec.LookPath("pg_restore"); err != nil {
		return "", errors.New("restoring PostgreSQL needs pg_restore on the PATH: install PostgreSQL's client tools (Debian: apt-get install postgresql-client)")
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer s.Close()
	has, err := s.HasTables(ctx)
	if err != nil {
		return "", err
	}
	if has && !force {
		return "", errors.New("--db: the database holds tables: restore into an empty one, or give --force to replace them")
	}
	return conn, nil
}

func pgRestore(ctx context.Context, conn, dump string, force bool) error {
	args := []string{"--no-owner", "--exit-on-error", "--dbname=" + conn}
	if force {
		args = append(args, "--clean", "--if-exists")
	}
	if b, err := exec.CommandContext(ctx, "pg_restore", append(args, dump)...).CombinedOutput(); err != nil {
		return fmt.Errorf("pg_restore: %v: %s", err, strings.TrimSpace(string(b)))
	}
	return nil
}

// stageFiles copies the backup's files (all but a PostgreSQL dump) into
// stage, checking each again as it copies it, and says what it copied.
func stageFiles(src, stage string, m *manifest) (string, error) {
	var blobs, keys, private int
	for _, f := range m.Files {
		if f.Path == pgdumpFile {
			continue
		}
		dst := filepath.Join(stage, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return "", err
		}
		sum, _, err := copyFile(dst, filepath.Join(src, filepath.FromSlash(f.Path)))
		if err != nil {
			return "", fmt.Errorf("backup file %s: %w", f.Path, err)
		}
		if sum != f.SHA256 {
			return "", fmt.Errorf("backup file %s changed while it was restored; nothing was restored", f.Path)
		}
		switch {
		case strings.HasPrefix(f.Path, "blobs/"):
			blobs++
		case strings.HasPrefix(f.Path, "keys/public/") || strings.HasPrefix(f.Path, "keys/retired/"):
			keys++
		case strings.HasPrefix(f.Path, "keys/"):
			private++
		}
	}
	return fmt.Sprintf("the database, %d blobs, %d public and %d private key files", blobs, keys, private), nil
}

// stageKeys adds the private keys the backup left out from keysFrom, and
// checks that the verdict and log keys staged are those whose public
// halves the backup holds.
func stageKeys(stage, keysFrom string) error {
	keys := filepath.Join(stage, "keys")
	if keysFrom != "" {
		for _, name := range privateKeyFiles {
			if _, err := os.Stat(filepath.Join(keys, name)); err == nil {
				continue
			}
			if err := os.MkdirAll(keys, 0o700); err != nil {
				return err
			}
			if _, _, err := copyFile(filepath.Join(keys, name), filepath.Join(keysFrom, name)); err != nil {
				return fmt.Errorf("--keys: %w", err)
			}
		}
	}
	k, err := transparency.Load(keys)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	verdict, logKeys, err := publicKeys(keys)
	if err != nil {
		return err
	}
	pub := k.Verdict.Public().(ed25519.PublicKey)
	if len(logKeys) == 0 || signature.FormatPublicKey(pub) != verdict || k.LogVerifierKey != logKeys[0] {
		return errors.New("the private verdict and log keys (from the backup or --keys) are not those whose public keys the backup holds: nothing was restored")
	}
	return nil
}

// publicKeys reads a keys folder's public keys as a backup writes them:
// the current verdict key, and the log verifier keys, current first, then
// retired.
func publicKeys(keys string) (string, []string, error) {
	var verdict string
	var logKeys []string
	if b, err := os.ReadFile(filepath.Join(keys, "public", "verdict.pub")); err == nil {
		verdict = strings.TrimSpace(string(b))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	if b, err := os.ReadFile(filepath.Join(keys, "public", "log.vkey")); err == nil {
		logKeys = append(logKeys, strings.TrimSpace(string(b)))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	_, retired, err := transparency.LoadRetired(filepath.Join(keys, transparency.RetiredDir))
	return verdict, append(logKeys, retired...), err
}

// install moves the staged db/, blobs/ and keys/ into the data dir,
// replacing those it holds when it is not empty (--force). A server on it
// would keep the old files open: the data dir's lock refuses to run
// beside one.
func install(d dataDir, stage string, replace bool) error {
	if replace {
		unlock, err := d.lock()
		if err != nil {
			return err
		}
		defer unlock()
	}
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	for _, sub := range []string{"db", "blobs", "keys"} {
		if replace {
			if err := os.RemoveAll(filepath.Join(string(d), sub)); err != nil {
				return err
			}
		}
		from := filepath.Join(stage, sub)
		if _, err := os.Stat(from); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(from, 0o700); err != nil {
				return err
			}
		}
		if err := os.Rename(from, filepath.Join(string(d), sub)); err != nil {
			return err
		}
	}
	return nil
}

// verifyRestore opens the restored database and checks the audit chain,
// the transparency log and the blobs against themselves and against the
// manifest, printing each result; any failure is returned.
func verifyRestore(ctx context.Context, out io.Writer, d dataDir, db string, m *manifest) error {
	dsn := db
	if dsn == "" {
		dsn = d.sqlite()
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	var failed []string
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		fmt.Fprintln(out, "  FAILED: "+msg)
		failed = append(failed, msg)
	}

	n, err := s.VerifyAudit(ctx)
	switch {
	case err != nil:
		fail("audit chain: %v", err)
	case n < m.Audit.Rows:
		fail("audit chain: %d rows, the backup recorded %d", n, m.Audit.Rows)
	default:
		if m.Audit.Rows > 0 {
			rows, err := s.AuditLog(ctx, m.Audit.Rows-1, 1)
			if err != nil || len(rows) != 1 || rows[0].Hash != m.Audit.Head {
				fail("audit chain: row %d is not the head the backup recorded (%s)", m.Audit.Rows, m.Audit.Head)
				break
			}
		}
		fmt.Fprintf(out, "  audit chain OK: %d rows verified, its head is the one the backup recorded\n", n)
	}

	_, logKeys, err := publicKeys(d.keysDir())
	if err != nil {
		return err
	}
	if lc, err := s.VerifyLog(ctx, logKeys); err != nil {
		fail("%v", err)
	} else if err := sameCheckpoint(ctx, s, m, logKeys); err != nil {
		fail("transparency log: %v", err)
	} else {
		fmt.Fprintf(out, "  transparency log OK: %d entries, %d signed checkpoints and %d audit anchors verified; root %s is the backup's\n",
			lc.Size, lc.Checkpoints, lc.Anchors, base64.StdEncoding.EncodeToString(lc.Root[:]))
	}

	st, err := s.BackupState(ctx)
	if err != nil {
		return err
	}
	if st.Cases != m.Cases || st.Materials != m.Materials {
		fail("the database holds %d cases and %d materials, the backup recorded %d and %d", st.Cases, st.Materials, m.Cases, m.Materials)
	}
	if err := verifyBlobs(ctx, out, d, st.Files); err != nil {
		fail("%v", err)
	}

	latest, _ := store.LatestVersion(s.Dialect())
	if m.SchemaVersion < latest {
		fmt.Fprintf(out, "  the backup's schema is %d, this shencha's %d: run `shencha migrate` before `serve`\n", m.SchemaVersion, latest)
	}
	if _, err := transparency.Load(d.keysDir()); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "  no private keys restored: put %s, %s and %s from where you keep them into %s before `serve` (or restore with --keys DIR)\n",
			transparency.VerdictKeyFile, transparency.LogKeyFile, masterKeysFile, d.keysDir())
	}
	if len(failed) > 0 {
		return fmt.Errorf("restored into %s, but it does not verify: %s", string(d), strings.Join(failed, "; "))
	}
	return nil
}

// sameCheckpoint checks that the restored log extends the checkpoint the
// backup recorded (for a restore of that backup, is the same tree), by the
// log's own consistency proof.
func sameCheckpoint(ctx context.Context, s *store.Store, m *manifest, logKeys []string) error {
	if m.Log.Checkpoint == "" {
		return nil
	}
	old, err := transparency.OpenCheckpoint([]byte(m.Log.Checkpoint), logKeys)
	if err != nil {
		return fmt.Errorf("the backup's checkpoint: %w", err)
	}
	if base64.StdEncoding.EncodeToString(old.Root[:]) != m.Log.Root || old.Size != m.Log.Size {
		return errors.New("the manifest's log root or size is not its checkpoint's")
	}
	head, err := s.Checkpoint(ctx)
	if err != nil {
		return err
	}
	newest, err := transparency.OpenCheckpoint([]byte(head.Note), logKeys)
	if err != nil {
		return err
	}
	proof, err := s.ConsistencyProof(ctx, old.Size, newest.Size)
	if err != nil {
		return err
	}
	return transparency.VerifyConsistency(old, newest, proof)
}

// verifyBlobs reads every restored blob back through its digest when the
// master key is there, and checks that every file the database names is.
func verifyBlobs(ctx context.Context, out io.Writer, d dataDir, named []string) error {
	var missing []string
	for _, f := range named {
		dg, err := blob.ParseDigest(f)
		if err != nil {
			return fmt.Errorf("the database names a file by %q: %w", f, err)
		}
		if _, err := os.Stat(filepath.Join(d.blobs(), blob.RelPath(dg))); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the database names %d files the blobs do not hold (first %s)", len(missing), missing[0])
	}
	kr, err := existingKeyring(d)
	if err != nil {
		return err
	}
	if kr == nil {
		fmt.Fprintf(out, "  blobs: every file the database names is there, its bytes as backed up; not decrypted (no %s)\n", masterKeysFile)
		return nil
	}
	var n int
	var size int64
	err = blob.Files(ctx, d.blobs(), func(dg blob.Digest, p string) error {
		info, err := blob.VerifyFile(ctx, kr, p, dg)
		n, size = n+1, size+info.Size
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  blobs OK: %d files (%d bytes) read back with their digests\n", n, size)
	return nil
}
