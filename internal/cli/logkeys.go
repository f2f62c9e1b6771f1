package cli

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"shencha/internal/signature"
	"shencha/internal/store"
	"shencha/internal/transparency"
)

// DefaultOrigin names the transparency log when its keys are first made.
const DefaultOrigin = "shencha/log"

func (d dataDir) keysDir() string { return filepath.Join(string(d), "keys") }

// serverKeys loads the server's verdict and log keys from the data dir,
// making them on first use. Keys are never made for a log that already has
// entries: those were signed by keys that must be restored, not replaced.
func (d dataDir) serverKeys(ctx context.Context, s *store.Store, origin string) (*transparency.Keys, error) {
	k, err := transparency.Load(d.keysDir())
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	n, err := s.LogRecords(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, fmt.Errorf("the transparency log holds %d entries but %s has no verdict or log key: restore the keys that signed them (or run `shencha keys generate --rotate` over the restored ones)", n, d.keysDir())
	}
	return transparency.Generate(d.keysDir(), origin, false)
}

// printKeys shows the public keys verifiers need.
func printKeys(out io.Writer, k *transparency.Keys) {
	pub := k.Verdict.Public().(ed25519.PublicKey)
	fmt.Fprintf(out, "  transparency log %s\n    log key:     %s\n    verdict key: %s (id %s)\n", k.Origin(), k.LogVerifierKey, signature.FormatPublicKey(pub), signature.KeyID(pub))
	if n := len(k.RetiredLog) + len(k.RetiredVerdict); n > 0 {
		fmt.Fprintf(out, "    and %d retired keys (GET /log/key lists them all)\n", n)
	}
}

func keysGenerate(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keys generate", flag.ContinueOnError)
	dir := fs.String("data-dir", "data", "data directory (db/, blobs/, keys/)")
	origin := fs.String("origin", DefaultOrigin, "the log's name, the origin line of its checkpoints")
	rotate := fs.Bool("rotate", false, "replace existing keys, keeping their public halves for verification")
	if err := fs.Parse(args); err != nil {
		return err
	}
	unlock, err := dataDir(*dir).lock()
	if err != nil {
		return err
	}
	defer unlock()
	k, err := transparency.Generate(dataDir(*dir).keysDir(), *origin, *rotate)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "keys written to %s\n", dataDir(*dir).keysDir())
	printKeys(out, k)
	return nil
}
