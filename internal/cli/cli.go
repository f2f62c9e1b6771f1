// Package cli implements shencha's subcommands: serve, demo, migrate, the
// admin commands and audit verify. It wires the store, blob store, job
// queue and HTTP server together and owns the data dir's layout.
package cli

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"shencha/internal/auth"
	"shencha/internal/blob"
	"shencha/internal/demo"
	"shencha/internal/jobs"
	"shencha/internal/notify"
	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/signature"
	"shencha/internal/store"
)

const usage = `shencha — cybersecurity review of network products and services

Usage:
  shencha serve   [--data-dir DIR] [--db DSN] [--addr HOST:PORT] [--tls-cert F --tls-key F]
                  [--session-ttl 12h] [--session-idle 30m] [--max-body BYTES] [--max-upload BYTES]
  shencha demo    [--data-dir DIR] [--addr HOST:PORT] [--demo-password PW]
  shencha migrate [--data-dir DIR] [--db DSN]
  shencha org add  --name NAME --kind KIND [--sector SECTOR] [--data-dir DIR | --db DSN]
  shencha user add --username U --org NAME --role ROLE [--display-name N] [--data-dir DIR | --db DSN]
                   (password from $SHENCHA_PASSWORD)
  shencha audit verify [--data-dir DIR | --db DSN]
  shencha backup --out DIR [--data-dir DIR] [--db postgres://…] [--include-private-keys]
                   (online: a consistent copy of the database, the blobs and the public keys, with a manifest)
  shencha restore BACKUP [--data-dir DIR] [--db postgres://…] [--keys DIR] [--force]
                   (checks every file, restores, then verifies the audit chain, the log and the blobs)
  shencha sbom scan FILE --osv DIR [--vex FILE] [--format table|json] [--fail-on-affected]
                   (offline: match an SBOM against OSV advisories, as the server does)
  shencha sbom self
                   (a CycloneDX SBOM of this binary's own Go modules, from its build information)
  shencha advisories import PATH [--data-dir DIR | --db DSN]
  shencha keys generate [--data-dir DIR] [--origin NAME] [--rotate]
                   (the server's verdict and log keys; --rotate retires the current ones, which keep verifying)
  shencha keys rotate-master [--data-dir DIR]
                   (new master key for the encrypted blob store; every file's data key is re-wrapped)
  shencha verify ANSWER.json --key KEYS | verify --server URL [--listing N | --purl P | --cpe C | --digest D] --key KEYS
  shencha verify --consistency OLD_CHECKPOINT --server URL --key KEYS
                   (offline checks of signed results, inclusion proofs and checkpoints)
  shencha sign keygen --out FILE | sign --key FILE [PAYLOAD] | sign verify ...
                   (a lab or provider signs reports and commitments with its own key, offline)

The data dir holds db/ (SQLite), blobs/ (files) and keys/ (server keys).
--db takes a postgres:// URL to use PostgreSQL instead of the embedded SQLite.
`

// Main runs a command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, false)
	case "demo":
		err = serve(ctx, args[1:], stdout, true)
	case "migrate":
		err = migrate(ctx, args[1:], stdout)
	case "org":
		err = orgCmd(ctx, args[1:], stdout)
	case "user":
		err = userCmd(ctx, args[1:], stdout)
	case "audit":
		err = auditCmd(ctx, args[1:], stdout)
	case "sign":
		err = signCmd(args[1:], os.Stdin, stdout)
	case "keys":
		err = keysCmd(ctx, args[1:], stdout)
	case "sbom":
		err = sbomCmd(args[1:], os.Stdin, stdout)
	case "advisories":
		err = advisoriesCmd(ctx, args[1:], stdout)
	case "verify":
		err = verifyCmd(ctx, args[1:], stdout)
	case "backup":
		err = backupCmd(ctx, args[1:], stdout, stderr)
	case "restore":
		err = restoreCmd(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "shencha: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "shencha:", err)
		return 1
	}
	return 0
}

// dataDir lays out a data dir: db/, blobs/, keys/, each private.
type dataDir string

func (d dataDir) ensure() error {
	for _, sub := range []string{"db", "blobs", "keys"} {
		if err := os.MkdirAll(filepath.Join(string(d), sub), 0o700); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	return nil
}

func (d dataDir) sqlite() string { return filepath.Join(string(d), "db", "shencha.db") }
func (d dataDir) blobs() string  { return filepath.Join(string(d), "blobs") }

// lock takes the data dir's blob store for this process: a server holds it
// while it runs, so rotating the master key (which must see every writer)
// refuses to run beside it, and so does a second server.
func (d dataDir) lock() (func(), error) {
	if err := d.ensure(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(string(d), "keys", "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another shencha process (a running server?): stop it first", string(d))
	}
	return func() { f.Close() }, nil
}

// masterKeys is the blob store's master key file (created on first use).
func (d dataDir) masterKeys() string { return filepath.Join(string(d), "keys", "blob-master.keys") }

// openBlobs opens the encrypted blob store of the data dir. A missing
// master key file is created, unless blobs are already stored: then the key
// was lost or not restored, and a fresh one would make every file unreadable.
func (d dataDir) openBlobs() (*blob.Encrypted, error) {
	if err := d.ensure(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(d.masterKeys()); errors.Is(err, fs.ErrNotExist) {
		stored := false
		filepath.WalkDir(filepath.Join(d.blobs(), "sha256"), func(_ string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				stored = true
				return fs.SkipAll
			}
			return nil
		})
		if stored {
			return nil, fmt.Errorf("the master key file %s is missing but %s holds encrypted files: restore the key file (a new key cannot read them)", d.masterKeys(), d.blobs())
		}
	}
	kr, err := blob.OpenKeyring(d.masterKeys())
	if err != nil {
		return nil, err
	}
	return blob.NewEncrypted(d.blobs(), kr)
}

// sweepBlobs removes the blob files no material names. An upload stores
// its file first and records the material after, so a server killed
// between the two leaves a whole file nobody references (the blob store
// itself removes the partial writes in its tmp folder); so does an SBOM
// that is stored, then refused as unreadable. It runs before the server
// listens, under the data dir's lock, so no upload is in flight. When the
// database names none of the stored files, it is not this store's (a
// wrong --db, a restore gone wrong): nothing is removed, and the log says
// so.
func sweepBlobs(ctx context.Context, s *store.Store, blobs *blob.Encrypted, log *slog.Logger) error {
	named, err := s.MaterialDigests(ctx)
	if err != nil {
		return err
	}
	var orphans []blob.Digest
	kept := 0
	err = blobs.Digests(ctx, func(d blob.Digest) error {
		if named[d.String()] {
			kept++
		} else {
			orphans = append(orphans, d)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("blob sweep: %w", err)
	}
	if kept == 0 && len(orphans) > 0 {
		log.Warn("blob sweep skipped: the database names none of the stored files; is --db the right database?", "files", len(orphans))
		return nil
	}
	for _, d := range orphans {
		if err := blobs.Delete(ctx, d); err != nil {
			return fmt.Errorf("blob sweep: %w", err)
		}
		log.Info("removed a stored file no material names (an upload interrupted before it was recorded)", "digest", d.String())
	}
	return nil
}

type dbFlags struct {
	dataDir, db string
}

func (f *dbFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "data", "data directory (db/, blobs/, keys/)")
	fs.StringVar(&f.db, "db", "", "database: a postgres:// URL, or a SQLite file (default DATA-DIR/db/shencha.db)")
}

func (f *dbFlags) open(ctx context.Context) (*store.Store, error) {
	d := dataDir(f.dataDir)
	if err := d.ensure(); err != nil {
		return nil, err
	}
	dsn := f.db
	if dsn == "" {
		dsn = d.sqlite()
	}
	return store.Open(ctx, dsn)
}

// openCurrent opens a database whose schema is up to date, for admin commands.
func (f *dbFlags) openCurrent(ctx context.Context) (*store.Store, error) {
	s, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.CheckSchema(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func serve(ctx context.Context, args []string, out io.Writer, demoMode bool) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	cert := fs.String("tls-cert", "", "TLS certificate file")
	key := fs.String("tls-key", "", "TLS key file")
	password := fs.String("demo-password", demo.DefaultPassword, "demo users' password (demo)")
	expertQuorum := fs.Int("expert-quorum", review.Quorum, "expert opinions a decision needs (Art. 6)")
	tieYears := fs.Int("tie-lookback-years", 3, "years an ended tie (employment, consulting, ownership, family) still bars assigning a lab or expert to the provider's cases")
	committeeQuorum := fs.Int("committee-quorum", review.Quorum, "committee votes a referred case needs")
	maxUpload := fs.Int64("max-upload", 8<<30, "largest file upload in bytes")
	maxBody := fs.Int64("max-body", 1<<20, "largest JSON body or form in bytes")
	sessionTTL := fs.Duration("session-ttl", 12*time.Hour, "how long a browser session lasts at most (absolute timeout)")
	sessionIdle := fs.Duration("session-idle", store.DefaultSessionIdle, "how long a browser session may go unused (idle timeout)")
	origin := fs.String("log-origin", DefaultOrigin, "the transparency log's name, used when its keys are first made")
	rateAnon := fs.Float64("rate-anonymous", server.DefaultRates.Anonymous, "requests/s one anonymous client may make to the register and log")
	rateSession := fs.Float64("rate-session", server.DefaultRates.Session, "requests/s for a signed-in browser session")
	rateToken := fs.Float64("rate-token", server.DefaultRates.Token, "requests/s for an API token")
	reportsPerHour := fs.Float64("reports-per-hour", server.DefaultRates.ReportsPerHour, "public reports (举报) one client address may file in an hour")
	pprofAddr := fs.String("pprof", "", "also serve Go's runtime profiles (net/http/pprof) on this loopback address, for diagnosis")
	baseURL := fs.String("base-url", "", "the platform's public address, for links in e-mails (default: from --addr)")
	smtpAddr := fs.String("smtp-addr", "", "SMTP server (host:port) that notification e-mails go through; none: no e-mails")
	smtpFrom := fs.String("smtp-from", "", "sender of notification e-mails, e.g. 'shencha <noreply@example.cn>'")
	smtpUser := fs.String("smtp-user", "", "SMTP user name, when the server wants authentication")
	smtpPassword := fs.String("smtp-password", "", "SMTP password (better: the environment variable SHENCHA_SMTP_PASSWORD, which ps does not show)")
	remindDays := fs.Int("remind-days", 3, "remind a clock's owner this many working days before its deadline (0: no reminders)")
	hooksPrivate := fs.Bool("webhook-allow-private", false, "let webhook subscriptions point to loopback and private addresses (closed networks, tests)")
	if demoMode {
		fs.Lookup("data-dir").DefValue = ""
		dbf.dataDir = ""
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	var tlsConfig *tls.Config
	if *cert != "" {
		// Loaded before anything else, so a bad pair stops the start.
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			return fmt.Errorf("TLS: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	if *sessionTTL <= 0 || *sessionIdle <= 0 {
		return errors.New("--session-ttl and --session-idle must be positive")
	}
	if demoMode && dbf.dataDir == "" {
		dir, err := os.MkdirTemp("", "shencha-demo-")
		if err != nil {
			return err
		}
		dbf.dataDir = dir
	}
	if demoMode && store.IsPostgres(dbf.db) {
		return errors.New("demo serves an embedded SQLite database; use serve for PostgreSQL")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	unlock, err := dataDir(dbf.dataDir).lock()
	if err != nil {
		return err
	}
	defer unlock()
	s, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var demoKeys string
	var demoReport store.ReportReceipt
	if demoMode {
		if err := s.Migrate(ctx); err != nil {
			return err
		}
	} else if err := s.CheckSchema(ctx); err != nil {
		return err
	}
	keys, err := dataDir(dbf.dataDir).serverKeys(ctx, s, *origin)
	if err != nil {
		return err
	}
	s.SetKeys(keys)
	if demoMode {
		if _, err := s.UserByName(ctx, "admin"); review.IsKind(err, review.KindNotFound) {
			f, err := demo.Seed(ctx, s, *password, auth.Cheap)
			if err != nil {
				return err
			}
			if err := demo.SeedCases(ctx, s, f); err != nil {
				return err
			}
			if demoReport, err = demo.SeedReports(ctx, s, f); err != nil {
				return err
			}
			if demoKeys, err = writeDemoKeys(dbf.dataDir, f); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	blobs, err := dataDir(dbf.dataDir).openBlobs()
	if err != nil {
		return err
	}
	if err := sweepBlobs(ctx, s, blobs, log); err != nil {
		return err
	}
	// The eligibility register and the log's tree are held in memory:
	// load them before answering.
	loadingGC()
	// The tree first: its array, sized with room to grow, then comes
	// from memory the heap has not used before, which stays unresident
	// until written.
	if _, err := s.Checkpoint(ctx); err != nil {
		return err
	}
	if err := s.CatchUpRegister(ctx); err != nil {
		return err
	}
	debug.FreeOSMemory() // what loading them read and dropped
	servingGC(ctx)
	// The statements the register rebuilds are checked against the log
	// once, here rather than by the answers that would otherwise.
	go func() {
		t0 := time.Now()
		n, differ, err := s.CheckRegister(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("register check", "err", err)
		case differ > 0:
			log.Warn("register: statements rebuilt from memory differ from the log; their answers come from the database", "checked", n, "differ", differ)
		case err == nil:
			log.Info("register: statements rebuilt from memory checked against the log", "checked", n, "seconds", time.Since(t0).Seconds())
		}
	}()
	s.ExpertQuorum, s.CommitteeQuorum = *expertQuorum, *committeeQuorum
	if *tieYears < 1 {
		return fmt.Errorf("--tie-lookback-years: %d, want at least 1", *tieYears)
	}
	s.TieLookback = time.Duration(*tieYears) * 365 * 24 * time.Hour
	s.SessionIdle = *sessionIdle
	if *remindDays < 0 {
		return errors.New("--remind-days: 0 or more working days")
	}
	s.RemindDays = *remindDays
	opts := jobs.Options{BaseURL: *baseURL, Hooks: notify.NewHooks(*hooksPrivate)}
	if opts.BaseURL == "" {
		opts.BaseURL = "http://" + *addr
		if *cert != "" {
			opts.BaseURL = "https://" + *addr
		}
	}
	if *smtpAddr != "" {
		opts.Mailer = &notify.Mailer{Addr: *smtpAddr, From: *smtpFrom, User: *smtpUser, Password: cmp.Or(*smtpPassword, os.Getenv("SHENCHA_SMTP_PASSWORD"))}
		if err := opts.Mailer.Check(); err != nil {
			return err
		}
		s.EmailNotifications = true
	}
	client, err := jobs.Start(ctx, s, log, opts)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	seqCtx, stopSeq := context.WithCancel(ctx)
	defer stopSeq()
	go s.RunSequencer(seqCtx, time.Second, func(err error) { log.Error("log sequencer", "err", err) })
	handler, err := server.New(server.Config{Store: s, Blobs: blobs, Log: log, Demo: demoMode, SecureCookies: tlsConfig != nil,
		MaxUpload: *maxUpload, MaxBody: *maxBody, SessionTTL: *sessionTTL, WebhookPrivate: *hooksPrivate,
		Rates: server.Rates{Anonymous: *rateAnon, Session: *rateSession, Token: *rateToken, ReportsPerHour: *reportsPerHour}})
	if err != nil {
		return err
	}
	// Timeouts against slow clients; an upload or a download gets the time
	// its size needs at the minimum rate (server.Timeouts).
	srv := handler.HTTPServer()
	srv.TLSConfig = tlsConfig
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *pprofAddr != "" {
		if err := servePprof(*pprofAddr); err != nil {
			return err
		}
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(out, "shencha listening on %s\n  data dir: %s\n", url, dbf.dataDir)
	printKeys(out, keys)
	if demoMode {
		fmt.Fprintf(out, "  DEMO MODE: seeded demonstration data, not for real reviews\n  demo logins (password %q):\n", *password)
		for _, u := range demo.Users {
			fmt.Fprintf(out, "    %-18s %-15s %s\n", u.Username, u.Role, u.About)
		}
		if demoKeys != "" {
			fmt.Fprintf(out, "  the demo labs' and providers' own signing keys (for shencha sign): %s\n", demoKeys)
		}
		if demoReport.Receipt != "" {
			fmt.Fprintf(out, "  a public report awaits triage: receipt %s, check code %s (%s/report/status)\n", demoReport.Receipt, demoReport.Code, url)
		}
		fmt.Fprintf(out, "  try: curl -s %s/api/v1/login -d '{\"username\":\"office\",\"password\":%q}'\n", url, *password)
	}
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	client.Stop(shut)
	return nil
}

func migrate(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	v, err := s.SchemaVersion(ctx)
	fmt.Fprintf(out, "schema at version %d (%s)\n", v, s.Dialect())
	return err
}

// operator is the actor of local admin commands: whoever can run the binary
// against the database is the platform operator; the audit names them.
func operator() review.Actor {
	name := os.Getenv("USER")
	if name == "" {
		name = "unknown"
	}
	return review.Actor{Username: "cli:" + name, Role: review.RoleAdmin}
}

func orgCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: shencha org add --name NAME --kind KIND [--sector SECTOR]")
	}
	fs := flag.NewFlagSet("org add", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	name := fs.String("name", "", "organisation name")
	kind := fs.String("kind", "", "kind: "+joinKinds())
	sector := fs.String("sector", "", "sector (empty: national)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := dbf.openCurrent(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	o, err := s.CreateOrg(ctx, operator(), review.Org{Name: *name, Kind: review.OrgKind(*kind), Sector: *sector})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "organisation %d: %s (%s)\n", o.ID, o.Name, o.Kind)
	return nil
}

func joinKinds() string {
	var k []string
	for _, x := range review.OrgKinds {
		k = append(k, string(x))
	}
	return strings.Join(k, ", ")
}

func userCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: shencha user add --username U --org NAME --role ROLE (password from $SHENCHA_PASSWORD)")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	username := fs.String("username", "", "login name")
	display := fs.String("display-name", "", "display name")
	orgName := fs.String("org", "", "organisation name")
	role := fs.String("role", "", "role")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	password := os.Getenv("SHENCHA_PASSWORD")
	if password == "" {
		return errors.New("set SHENCHA_PASSWORD to the new user's password (kept out of the process list)")
	}
	s, err := dbf.openCurrent(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	org, err := s.OrgByName(ctx, *orgName)
	if err != nil {
		return fmt.Errorf("organisation %q: %w", *orgName, err)
	}
	u, err := s.CreateUser(ctx, operator(), review.User{Username: *username, DisplayName: *display, OrgID: org.ID, Role: review.Role(*role)}, password, auth.Default)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "user %d: %s (%s, %s)\n", u.ID, u.Username, u.Role, org.Name)
	return nil
}

func auditCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: shencha audit verify [--data-dir DIR | --db DSN]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.VerifyAudit(ctx)
	var b *store.AuditBreak
	if errors.As(err, &b) {
		return fmt.Errorf("audit chain BROKEN after %d good rows: %w", n, b)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audit chain OK: %d rows verified\n", n)
	return nil
}

func keysCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "generate" {
		return keysGenerate(ctx, args[1:], out)
	}
	if len(args) == 0 || args[0] != "rotate-master" {
		return errors.New("usage: shencha keys generate [--data-dir DIR] [--origin NAME] [--rotate] | keys rotate-master [--data-dir DIR]")
	}
	fs := flag.NewFlagSet("keys rotate-master", flag.ContinueOnError)
	dir := fs.String("data-dir", "data", "data directory (db/, blobs/, keys/)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	unlock, err := dataDir(*dir).lock()
	if err != nil {
		return err
	}
	defer unlock()
	blobs, err := dataDir(*dir).openBlobs()
	if err != nil {
		return err
	}
	st, err := blobs.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "master key rotated: %+v\n", st)
	return nil
}

// writeDemoKeys saves the demo signers' private keys where the user can sign
// with them, as a lab or provider would keep its own key.
func writeDemoKeys(dir string, f *demo.Fixture) (string, error) {
	out := filepath.Join(dir, "party-keys")
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", err
	}
	for name, k := range f.Keys {
		if err := signature.WriteKeyFile(filepath.Join(out, name+".key"), k); err != nil {
			return "", err
		}
	}
	return out, nil
}

// servePprof serves the runtime's profiles on a loopback address of their
// own, never on the public listener: they reveal memory and timing.
func servePprof(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--pprof %s: a loopback address and port, such as 127.0.0.1:6060", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
	return nil
}
