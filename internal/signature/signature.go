// Package signature holds the parties' own Ed25519 signatures: a lab signs
// its evaluation report and a provider its commitment (Art. 3, Art. 12) with
// a key the server never sees. The server keeps public keys only and checks
// signatures over the canonical bytes it handed out.
//
// Keys are written as "ed25519:" followed by standard base64; a key's id is
// the first 16 hex digits of the SHA-256 of its raw public key.
package signature

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

const prefix = "ed25519:"

// ErrBadSignature means a signature does not verify over the bytes under the key.
var ErrBadSignature = errors.New("signature: does not verify")

// FormatPublicKey renders a public key as "ed25519:<base64>".
func FormatPublicKey(pub ed25519.PublicKey) string {
	return prefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads a key written by FormatPublicKey.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	raw, ok := strings.CutPrefix(strings.TrimSpace(s), prefix)
	if !ok {
		return nil, fmt.Errorf("signature: public key must start with %q", prefix)
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("signature: public key must be %d bytes of base64", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// KeyID names a public key briefly and stably.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// Sign signs msg and returns the signature in standard base64.
func Sign(priv ed25519.PrivateKey, msg []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg))
}

// Verify checks a base64 signature over msg.
func Verify(pub ed25519.PublicKey, msg []byte, sig string) error {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(b) != ed25519.SignatureSize {
		return fmt.Errorf("%w: not %d bytes of base64", ErrBadSignature, ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, msg, b) {
		return ErrBadSignature
	}
	return nil
}

// GenerateKeyFile writes a new private key to path (mode 0600, refusing to
// overwrite) and returns its public key.
func GenerateKeyFile(path string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return pub, WriteKeyFile(path, priv)
}

// WriteKeyFile writes a private key to a new file of mode 0600.
func WriteKeyFile(path string, priv ed25519.PrivateKey) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	text := "# shencha signing key: keep it secret, it never goes to the server\n" +
		"private " + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n" +
		"public " + FormatPublicKey(priv.Public().(ed25519.PublicKey)) + "\n"
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("signature: %w", err)
	}
	return nil
}

// LoadKeyFile reads a private key written by GenerateKeyFile. A file that
// others may read is refused: the key would no longer be the signer's alone.
func LoadKeyFile(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signature: %s has mode %v; make it 0600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		seed, ok := strings.CutPrefix(strings.TrimSpace(line), "private ")
		if !ok {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(seed)
		if err != nil || len(raw) != ed25519.SeedSize {
			return nil, fmt.Errorf("signature: %s: private key is not %d bytes of base64", path, ed25519.SeedSize)
		}
		return ed25519.NewKeyFromSeed(raw), nil
	}
	return nil, fmt.Errorf("signature: %s: no \"private\" line", path)
}
