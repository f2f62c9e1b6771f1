package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"shencha/internal/blob"
	"shencha/internal/signature"
	"shencha/internal/store"
	"shencha/internal/transparency"
)

// A backup is a directory (not a tar: it can be copied with rsync, and a
// restore reads each file once to check it and once to copy it):
//
//	manifest.json           what was backed up: every file with its SHA-256, the
//	                        schema version, the audit chain's head, the log's checkpoint
//	db/shencha.db           SQLite: VACUUM INTO, one consistent snapshot
//	db/shencha.pgdump       PostgreSQL: pg_dump -Fc of one exported snapshot
//	blobs/sha256/ab/cdef…   the blob files as stored (encrypted), each checked to
//	                        decrypt to its digest before it is listed
//	keys/public/…           the current verdict and log public keys
//	keys/retired/…          the public halves of retired keys
//	keys/verdict.key, keys/log.key, keys/blob-master.keys
//	                        the private keys, only with --include-private-keys
//
// The backup is written into a folder beside --out and renamed to it when
// complete, so a folder named --out is always a whole backup.

const (
	backupFormat   = "shencha-backup/1"
	manifestName   = "manifest.json"
	sqliteFile     = "db/shencha.db"
	pgdumpFile     = "db/shencha.pgdump"
	publicVerdict  = "keys/public/verdict.pub"
	publicLog      = "keys/public/log.vkey"
	masterKeysFile = "blob-master.keys"
)

// privateKeyFiles are the secret files of a data dir's keys folder.
var privateKeyFiles = []string{transparency.VerdictKeyFile, transparency.LogKeyFile, masterKeysFile}

// manifest is manifest.json.
type manifest struct {
	// sha256 is the manifest file's own digest, as backup printed it
	// (read back by readManifest, for the operator to compare).
	sha256    string
	Format    string `json:"format"`
	CreatedAt string `json:"created_at"`
	Database  string `json:"database"` // sqlite or postgres
	// Schema is the PostgreSQL schema dumped (the DSN's search_path), if
	// one was named.
	Schema        string `json:"schema,omitempty"`
	SchemaVersion int    `json:"schema_version"`
	Audit         struct {
		Rows int64  `json:"rows"`
		Head string `json:"head"` // the hash of the last row
	} `json:"audit"`
	Log struct {
		Size       int64  `json:"size"`
		Root       string `json:"root"` // base64, as in the checkpoint
		Checkpoint string `json:"checkpoint"`
	} `json:"log"`
	Cases       int64 `json:"cases"`
	Materials   int64 `json:"materials"`
	PrivateKeys bool  `json:"private_keys"`
	// MissingBlobs are files the database names that the blob store did
	// not hold when the backup was made.
	MissingBlobs []string       `json:"missing_blobs,omitempty"`
	Files        []manifestFile `json:"files"`
}

type manifestFile struct {
	Path   string `json:"path"` // slash-separated, relative to the backup
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func backupCmd(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	dest := fs.String("out", "", "the backup folder to write (must not exist)")
	private := fs.Bool("include-private-keys", false, "also copy the server's private keys and the blob master key (keep such a backup as secret as the keys)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dest == "" {
		return errors.New("usage: shencha backup --out DIR [--data-dir DIR | --db postgres://…] [--include-private-keys]")
	}
	if _, err := os.Lstat(*dest); err == nil {
		return fmt.Errorf("--out %s: exists; name a new folder", *dest)
	}
	d := dataDir(dbf.dataDir)
	if dbf.db == "" {
		if _, err := os.Stat(d.sqlite()); err != nil {
			return fmt.Errorf("--data-dir %s: no database: %w", dbf.dataDir, err)
		}
	}
	start := time.Now()
	stage, err := os.MkdirTemp(filepath.Dir(filepath.Clean(*dest)), filepath.Base(*dest)+".partial-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage) // gone once renamed
	s, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if v == 0 {
		return errors.New("the database has no schema: nothing to back up")
	}
	abs, _ := filepath.Abs(*dest)
	// The backup copies every confidential file: the audit chain says so,
	// and the backup holds that row.
	if err := s.Audit(ctx, operator(), "backup.create", "backup", map[string]any{"to": abs, "private_keys": *private}); err != nil {
		return err
	}
	m := &manifest{Format: backupFormat, CreatedAt: time.Now().UTC().Format(time.RFC3339), Database: string(s.Dialect()), PrivateKeys: *private}
	var st store.BackupState
	dbFile := sqliteFile
	if s.Dialect() == store.Postgres {
		dbFile = pgdumpFile
		if _, m.Schema, err = libpqDSN(dbf.db); err != nil {
			return err
		}
		st, err = dumpPostgres(ctx, s, dbf.db, stage)
	} else {
		st, err = copySQLite(ctx, s, stage)
	}
	if err != nil {
		return err
	}
	sum, size, err := hashFile(filepath.Join(stage, filepath.FromSlash(dbFile)))
	if err != nil {
		return err
	}
	m.Files = append(m.Files, manifestFile{Path: dbFile, SHA256: sum, Size: size})
	m.SchemaVersion, m.Audit.Rows, m.Audit.Head, m.Cases, m.Materials = st.SchemaVersion, st.AuditRows, st.AuditHead, st.Cases, st.Materials
	m.Log.Size, m.Log.Checkpoint = st.Log.Size, st.Log.Note
	if err := backupBlobs(ctx, d, stage, st.Files, m); err != nil {
		return err
	}
	for _, f := range m.MissingBlobs {
		fmt.Fprintf(errOut, "WARNING: the database names %s, which the blob store does not hold\n", f)
	}
	if err := backupKeys(d, stage, m); err != nil {
		return err
	}
	if *private {
		fmt.Fprintln(errOut, "WARNING: the backup holds the private keys (verdict, log and blob master key): whoever reads it can sign as the platform and decrypt every file. Keep it as secret as the keys.")
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(stage, manifestName), append(b, '\n')); err != nil {
		return err
	}
	if err := os.Rename(stage, *dest); err != nil {
		return err
	}
	var total int64
	for _, f := range m.Files {
		total += f.Size
	}
	digest := sha256.Sum256(append(b, '\n'))
	fmt.Fprintf(out, "backup written to %s in %d ms: %d files, %d bytes (%s, schema %d)\n", *dest, time.Since(start).Milliseconds(), len(m.Files), total, m.Database, m.SchemaVersion)
	fmt.Fprintf(out, "  audit chain: %d rows, head %s\n  transparency log: %d entries, root %s\n  cases %d, materials %d\n  manifest sha256 %s (note it down to check the backup later)\n",
		m.Audit.Rows, m.Audit.Head, m.Log.Size, m.Log.Root, m.Cases, m.Materials, hex.EncodeToString(digest[:]))
	return nil
}

// copySQLite copies the database into the backup with VACUUM INTO (a
// temporary name, renamed once complete) and reads its state from the copy,
// which no writer changes, so the state is the copy's exactly.
func copySQLite(ctx context.Context, s *store.Store, stage string) (store.BackupState, error) {
	dst := filepath.Join(stage, filepath.FromSlash(sqliteFile))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return store.BackupState{}, err
	}
	tmp := dst + ".tmp"
	if err := s.VacuumInto(ctx, tmp); err != nil {
		return store.BackupState{}, err
	}
	c, err := store.Open(ctx, tmp)
	if err != nil {
		return store.BackupState{}, err
	}
	st, err := c.BackupState(ctx)
	c.Close()
	for _, suffix := range []string{"-wal", "-shm"} { // opening the copy in WAL mode leaves these, empty
		os.Remove(tmp + suffix)
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	if err != nil {
		return st, err
	}
	return st, os.Rename(tmp, dst)
}

// dumpPostgres runs pg_dump on a snapshot exported by the store, so the
// dump and the state recorded in the manifest are of the same moment.
func dumpPostgres(ctx context.Context, s *store.Store, dsn, stage string) (store.BackupState, error) {
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		return store.BackupState{}, errors.New("backing up PostgreSQL needs pg_dump (of the server's major version or newer) on the PATH: install PostgreSQL's client tools (Debian: apt-get install postgresql-client)")
	}
	conn, schema, err := libpqDSN(dsn)
	if err != nil {
		return store.BackupState{}, err
	}
	dst := filepath.Join(stage, filepath.FromSlash(pgdumpFile))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return store.BackupState{}, err
	}
	var st store.BackupState
	err = s.ExportSnapshot(ctx, func(id string, snap store.BackupState) error {
		st = snap
		args := []string{"--format=custom", "--snapshot=" + id, "--file=" + dst + ".tmp", "--dbname=" + conn}
		if schema != "" {
			args = append(args, "--schema="+schema)
		}
		if b, err := exec.CommandContext(ctx, pgDump, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("pg_dump: %v: %s", err, strings.TrimSpace(string(b)))
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	if err := os.Chmod(dst+".tmp", 0o600); err != nil {
		return st, err
	}
	return st, os.Rename(dst+".tmp", dst)
}

// libpqDSN turns the store's postgres:// URL into one pg_dump and
// pg_restore accept: the search_path parameter (pgx passes it to the
// server; libpq refuses it) is taken out and returned as the schema.
func libpqDSN(dsn string) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", fmt.Errorf("--db: %w", err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	if strings.Contains(schema, ",") {
		return "", "", fmt.Errorf("--db: search_path %q: name one schema", schema)
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

// backupBlobs copies every blob file as stored (encrypted) and checks that
// the copy decrypts to its digest, which needs the master key; files the
// database names and the store lacks are listed as missing.
func backupBlobs(ctx context.Context, d dataDir, stage string, named []string, m *manifest) error {
	kr, err := existingKeyring(d)
	if err != nil {
		return err
	}
	copied := map[string]bool{}
	err = blob.Files(ctx, d.blobs(), func(dg blob.Digest, src string) error {
		if kr == nil {
			return fmt.Errorf("%s holds files but the master key file %s is missing: they cannot be checked or ever read", d.blobs(), d.masterKeys())
		}
		rel := path.Join("blobs", filepath.ToSlash(blob.RelPath(dg)))
		dst := filepath.Join(stage, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		sum, size, err := copyFile(dst, src)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted since it was listed
		}
		if err != nil {
			return err
		}
		if _, err := blob.VerifyFile(ctx, kr, dst, dg); err != nil {
			return fmt.Errorf("blob %s: %w", dg, err)
		}
		m.Files = append(m.Files, manifestFile{Path: rel, SHA256: sum, Size: size})
		copied[dg.String()] = true
		return nil
	})
	if err != nil {
		return err
	}
	for _, f := range named {
		if !copied[f] {
			m.MissingBlobs = append(m.MissingBlobs, f)
		}
	}
	return nil
}

// existingKeyring opens the data dir's blob master key file, or returns
// nil if there is none: blob.OpenKeyring would create one.
func existingKeyring(d dataDir) (*blob.Keyring, error) {
	if _, err := os.Stat(d.masterKeys()); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return blob.OpenKeyring(d.masterKeys())
}

// backupKeys writes the public keys (current and retired) and, for
// --include-private-keys, copies the private key files; it checks the
// manifest's checkpoint against the log keys and records its root.
func backupKeys(d dataDir, stage string, m *manifest) error {
	k, err := transparency.Load(d.keysDir())
	if errors.Is(err, fs.ErrNotExist) {
		if m.Log.Size > 0 {
			return fmt.Errorf("%s has no verdict or log key, but the log holds %d entries: the backup could not say which keys sign them", d.keysDir(), m.Log.Size)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if m.Log.Checkpoint != "" {
		cp, err := transparency.OpenCheckpoint([]byte(m.Log.Checkpoint), k.LogKeys())
		if err != nil {
			return fmt.Errorf("the database's newest checkpoint: %w", err)
		}
		m.Log.Root = base64.StdEncoding.EncodeToString(cp.Root[:])
	}
	pub := k.Verdict.Public().(ed25519.PublicKey)
	if err := addFile(stage, publicVerdict, []byte(signature.FormatPublicKey(pub)+"\n"), m); err != nil {
		return err
	}
	if err := addFile(stage, publicLog, []byte(k.LogVerifierKey+"\n"), m); err != nil {
		return err
	}
	retired, err := os.ReadDir(filepath.Join(d.keysDir(), transparency.RetiredDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range retired {
		if e.Type().IsRegular() {
			if err := addCopy(stage, path.Join("keys", transparency.RetiredDir, e.Name()), filepath.Join(d.keysDir(), transparency.RetiredDir, e.Name()), m); err != nil {
				return err
			}
		}
	}
	if m.PrivateKeys {
		for _, name := range privateKeyFiles {
			err := addCopy(stage, "keys/"+name, filepath.Join(d.keysDir(), name), m)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// addFile writes content as the backup file rel and lists it.
func addFile(stage, rel string, content []byte, m *manifest) error {
	dst := filepath.Join(stage, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	if err := writeFileSync(dst, content); err != nil {
		return err
	}
	sum := sha256.Sum256(content)
	m.Files = append(m.Files, manifestFile{Path: rel, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content))})
	return nil
}

// addCopy copies src as the backup file rel and lists it.
func addCopy(stage, rel, src string, m *manifest) error {
	dst := filepath.Join(stage, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	sum, size, err := copyFile(dst, src)
	if err != nil {
		return err
	}
	m.Files = append(m.Files, manifestFile{Path: rel, SHA256: sum, Size: size})
	return nil
}

// copyFile copies src to a new file dst (mode 0600), syncs it, and returns
// the SHA-256 (hex) and size of what it copied.
func copyFile(dst, src string) (string, int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	return writeFrom(dst, in)
}

func writeFrom(dst string, r io.Reader) (string, int64, error) {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func writeFileSync(dst string, content []byte) error {
	_, _, err := writeFrom(dst, bytes.NewReader(content))
	return err
}

// hashFile returns the SHA-256 (hex) and size of a file.
func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// readManifest reads and checks a backup's manifest: its format, and that
// every path is one a backup writes, so none can point outside the data
// dir; and that the backup holds no file the manifest does not list.
func readManifest(dir string) (*manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", dir, err)
	}
	var m manifest
	// Unmarshal, not a decoder: anything after the manifest's object (an
	// edit, an append) is refused, not ignored.
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("backup %s: %s: %w", dir, manifestName, err)
	}
	sum := sha256.Sum256(b)
	m.sha256 = hex.EncodeToString(sum[:])
	if m.Format != backupFormat {
		return nil, fmt.Errorf("backup %s: %s: format %q, want %q", dir, manifestName, m.Format, backupFormat)
	}
	want := map[string]string{"sqlite": sqliteFile, "postgres": pgdumpFile}[m.Database]
	if want == "" {
		return nil, fmt.Errorf("backup %s: %s: database %q, want sqlite or postgres", dir, manifestName, m.Database)
	}
	listed := map[string]bool{}
	for _, f := range m.Files {
		if !backupPath(f.Path) || listed[f.Path] || (f.Path == sqliteFile || f.Path == pgdumpFile) && f.Path != want {
			return nil, fmt.Errorf("backup %s: %s lists %q, which is not a file a %s backup holds (or lists it twice)", dir, manifestName, f.Path, m.Database)
		}
		listed[f.Path] = true
	}
	if !listed[want] {
		return nil, fmt.Errorf("backup %s: %s does not list the database (%s)", dir, manifestName, want)
	}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel = filepath.ToSlash(rel); rel != manifestName && !listed[rel] {
			return fmt.Errorf("backup file %s is not in the manifest (added after the backup was made?)", rel)
		}
		return nil
	})
	return &m, err
}

// backupPath reports whether p is the path of a file a backup holds.
func backupPath(p string) bool {
	switch {
	case p == sqliteFile || p == pgdumpFile || p == publicVerdict || p == publicLog:
		return true
	case strings.HasPrefix(p, "blobs/"):
		d, err := blob.ParseDigest(strings.ReplaceAll(strings.TrimPrefix(p, "blobs/sha256/"), "/", ""))
		return err == nil && p == path.Join("blobs", filepath.ToSlash(blob.RelPath(d)))
	case strings.HasPrefix(p, "keys/retired/"):
		name := strings.TrimPrefix(p, "keys/retired/")
		return filepath.IsLocal(name) && !strings.ContainsAny(name, `/\`) && (strings.HasSuffix(name, ".pub") || strings.HasSuffix(name, ".vkey"))
	case strings.HasPrefix(p, "keys/"):
		return slices.Contains(privateKeyFiles, strings.TrimPrefix(p, "keys/"))
	}
	return false
}
