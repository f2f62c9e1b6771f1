package transparency

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"shencha/internal/signature"
)

// Key files in a keys folder. Retired keys stay, so old entries and
// checkpoints keep verifying after a rotation.
const (
	VerdictKeyFile = "verdict.key" // Ed25519 private key, signature's format
	LogKeyFile     = "log.key"     // note signer key
	RetiredDir     = "retired"     // <keyid>.pub and <name>-<hash>.vkey
)

// Keys are the server's signing keys and every public key a verifier of
// its history needs.
type Keys struct {
	Verdict ed25519.PrivateKey
	Log     note.Signer
	// LogVerifierKey is the current log key's verifier key string.
	LogVerifierKey string
	// RetiredVerdict and RetiredLog are the public keys of earlier keys.
	RetiredVerdict []ed25519.PublicKey
	RetiredLog     []string
}

// Origin is the log's origin line: the log key's name.
func (k *Keys) Origin() string { return k.Log.Name() }

// VerdictKeys are the current and retired verdict public keys.
func (k *Keys) VerdictKeys() []ed25519.PublicKey {
	return append([]ed25519.PublicKey{k.Verdict.Public().(ed25519.PublicKey)}, k.RetiredVerdict...)
}

// LogKeys are the current and retired log verifier keys.
func (k *Keys) LogKeys() []string { return append([]string{k.LogVerifierKey}, k.RetiredLog...) }

// NewKeys makes fresh keys in memory for a log named origin.
func NewKeys(origin string) (*Keys, error) {
	vpriv, skey, err := newKeyMaterial(origin)
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	return &Keys{Verdict: vpriv, Log: signer, LogVerifierKey: verifierKey(skey)}, nil
}

// newKeyMaterial makes a verdict key and a log signer key.
func newKeyMaterial(origin string) (ed25519.PrivateKey, string, error) {
	_, vpriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, "", fmt.Errorf("log key: %w", err)
	}
	return vpriv, skey, nil
}

// Generate writes new keys into dir (mode 0600), refusing to replace
// existing ones unless rotate is set, in which case the current public
// keys move to dir/retired first. It returns the keys.
func Generate(dir, origin string, rotate bool) (*Keys, error) {
	if !validOrigin(origin) {
		return nil, fmt.Errorf("log origin %q: want a name without spaces or '+', such as example.org/shencha", origin)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if old, err := Load(dir); err == nil {
		if !rotate {
			return nil, fmt.Errorf("%s already holds keys (log %s, verdict key %s); --rotate replaces them", dir, old.Origin(), signature.KeyID(old.Verdict.Public().(ed25519.PublicKey)))
		}
		if err := retire(dir, old); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	vpriv, skey, err := newKeyMaterial(origin)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{VerdictKeyFile, LogKeyFile} {
		os.Remove(filepath.Join(dir, name)) // retired above, or absent
	}
	if err := signature.WriteKeyFile(filepath.Join(dir, VerdictKeyFile), vpriv); err != nil {
		return nil, err
	}
	if err := writeSecret(filepath.Join(dir, LogKeyFile), skey+"\n"); err != nil {
		return nil, err
	}
	return Load(dir)
}

func validOrigin(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n+")
}

// retire keeps the public halves of the current keys under dir/retired.
func retire(dir string, k *Keys) error {
	rd := filepath.Join(dir, RetiredDir)
	if err := os.MkdirAll(rd, 0o700); err != nil {
		return err
	}
	pub := k.Verdict.Public().(ed25519.PublicKey)
	if err := os.WriteFile(filepath.Join(rd, signature.KeyID(pub)+".pub"), []byte(signature.FormatPublicKey(pub)+"\n"), 0o644); err != nil {
		return err
	}
	name := strings.ReplaceAll(k.LogVerifierKey, "/", "_")
	return os.WriteFile(filepath.Join(rd, name+".vkey"), []byte(k.LogVerifierKey+"\n"), 0o644)
}

func writeSecret(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Load reads the keys of dir. A missing key file gives an error wrapping
// fs.ErrNotExist.
func Load(dir string) (*Keys, error) {
	vpriv, err := signature.LoadKeyFile(filepath.Join(dir, VerdictKeyFile))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LogKeyFile)
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %v lets others read the log key; chmod 600 it", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	skey := strings.TrimSpace(string(b))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k := &Keys{Verdict: vpriv, Log: signer, LogVerifierKey: verifierKey(skey)}
	if k.RetiredVerdict, k.RetiredLog, err = LoadRetired(filepath.Join(dir, RetiredDir)); err != nil {
		return nil, err
	}
	return k, nil
}

// LoadRetired reads the public keys in a folder of retired keys
// (dir/retired of a keys folder): verdict keys from <keyid>.pub files and
// log verifier keys from .vkey files, the latter sorted. A missing folder
// holds none.
func LoadRetired(dir string) ([]ed25519.PublicKey, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	var verdict []ed25519.PublicKey
	var logKeys []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		s := strings.TrimSpace(string(b))
		switch {
		case strings.HasSuffix(e.Name(), ".pub"):
			pub, err := signature.ParsePublicKey(s)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
			}
			verdict = append(verdict, pub)
		case strings.HasSuffix(e.Name(), ".vkey"):
			if _, err := note.NewVerifier(s); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
			}
			logKeys = append(logKeys, s)
		}
	}
	slices.Sort(logKeys)
	return verdict, logKeys, nil
}

// verifierKey derives the verifier key string from a note signer key:
// "PRIVATE+KEY+<name>+<hash>+<key>" becomes "<name>+<hash>+<public key>".
func verifierKey(skey string) string {
	// note has no exported way to derive it; rebuild it from the private
	// key's seed, which note encodes after the algorithm byte.
	parts := strings.SplitN(skey, "+", 5) // base64 may hold "+"
	name, keyB64 := parts[2], parts[4]
	raw, _ := base64.StdEncoding.DecodeString(keyB64)
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, _ := note.NewEd25519VerifierKey(name, pub)
	return vkey
}
