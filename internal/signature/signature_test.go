package signature_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shencha/internal/signature"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestPublicKeyFormat(t *testing.T) {
	pub, _ := newKey(t)
	text := signature.FormatPublicKey(pub)
	if !strings.HasPrefix(text, "ed25519:") || text != "ed25519:"+base64.StdEncoding.EncodeToString(pub) {
		t.Fatalf("formatted key %q", text)
	}
	for _, in := range []string{text, "  " + text + "\n"} {
		got, err := signature.ParsePublicKey(in)
		if err != nil || !got.Equal(pub) {
			t.Errorf("parse %q: %x, %v", in, got, err)
		}
	}

	raw := base64.StdEncoding.EncodeToString(pub)
	bad := []struct{ name, in string }{
		{"empty", ""},
		{"no prefix", raw},
		{"other algorithm", "ed448:" + raw},
		{"upper-case prefix", "ED25519:" + raw},
		{"31 bytes", "ed25519:" + base64.StdEncoding.EncodeToString(pub[:31])},
		{"33 bytes", "ed25519:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(pub), 0))},
		{"not base64", "ed25519:" + strings.Repeat("!", 44)},
		{"URL-safe base64", "ed25519:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))},
		{"unpadded base64", "ed25519:" + base64.RawStdEncoding.EncodeToString(pub)},
		{"prefix only", "ed25519:"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if k, err := signature.ParsePublicKey(tc.in); err == nil {
				t.Errorf("ParsePublicKey(%q) = %x, want an error", tc.in, k)
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	pub, _ := newKey(t)
	other, _ := newKey(t)
	id := signature.KeyID(pub)
	h := sha256.Sum256(pub)
	if id != hex.EncodeToString(h[:8]) || len(id) != 16 {
		t.Errorf("KeyID = %q, want the first 16 hex digits of the SHA-256 of the key", id)
	}
	if signature.KeyID(bytes.Clone(pub)) != id {
		t.Error("KeyID is not stable")
	}
	if parsed, _ := signature.ParsePublicKey(signature.FormatPublicKey(pub)); signature.KeyID(parsed) != id {
		t.Error("KeyID changes through format and parse")
	}
	if signature.KeyID(other) == id {
		t.Error("two keys share an id")
	}
}

func TestSignVerify(t *testing.T) {
	pub, priv := newKey(t)
	otherPub, otherPriv := newKey(t)
	msg := []byte(`{"type":"shencha.lab-report/v1","case":"CSR-2026-0001"}`)
	sig := signature.Sign(priv, msg)
	if raw, err := base64.StdEncoding.DecodeString(sig); err != nil || len(raw) != ed25519.SignatureSize {
		t.Fatalf("signature %q is not %d bytes of base64", sig, ed25519.SignatureSize)
	}
	if err := signature.Verify(pub, msg, sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := signature.Verify(pub, msg, " "+sig+"\n"); err != nil {
		t.Errorf("verify a signature with surrounding space (as the CLI prints it): %v", err)
	}

	flipped := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		return c
	}
	rawSig, _ := base64.StdEncoding.DecodeString(sig)
	bad := []struct {
		name string
		pub  ed25519.PublicKey
		msg  []byte
		sig  string
	}{
		{"first byte of the message altered", pub, flipped(msg, 0), sig},
		{"last byte of the message altered", pub, flipped(msg, len(msg)-1), sig},
		{"a byte appended to the message", pub, append(bytes.Clone(msg), '\n'), sig},
		{"empty message", pub, nil, sig},
		{"signature altered", pub, msg, base64.StdEncoding.EncodeToString(flipped(rawSig, 10))},
		{"signature's last byte altered", pub, msg, base64.StdEncoding.EncodeToString(flipped(rawSig, len(rawSig)-1))},
		{"signature truncated", pub, msg, base64.StdEncoding.EncodeToString(rawSig[:63])},
		{"signature not base64", pub, msg, "not a signature"},
		{"empty signature", pub, msg, ""},
		{"another key's signature", pub, msg, signature.Sign(otherPriv, msg)},
		{"verified under another key", otherPub, msg, sig},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := signature.Verify(tc.pub, tc.msg, tc.sig)
			if !errors.Is(err, signature.ErrBadSignature) {
				t.Errorf("Verify = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lab1.key")
	pub, err := signature.GenerateKeyFile(path)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	content, _ := os.ReadFile(path)
	if !strings.Contains(string(content), "public "+signature.FormatPublicKey(pub)+"\n") {
		t.Errorf("key file does not name its public key:\n%s", content)
	}
	priv, err := signature.LoadKeyFile(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Error("loaded key does not match the generated public key")
	}
	if err := signature.Verify(pub, []byte("x"), signature.Sign(priv, []byte("x"))); err != nil {
		t.Errorf("loaded key does not sign for its public key: %v", err)
	}

	// No overwriting: the existing key stays as it was.
	if _, err := signature.GenerateKeyFile(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("generate over an existing file: %v, want fs.ErrExist", err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, content) {
		t.Error("a refused generate changed the key file")
	}

	// Write and load round trip.
	_, priv2 := newKey(t)
	path2 := filepath.Join(dir, "provider1.key")
	if err := signature.WriteKeyFile(path2, priv2); err != nil {
		t.Fatalf("write: %v", err)
	}
	if st, _ := os.Stat(path2); st.Mode().Perm() != 0o600 {
		t.Errorf("written key file mode %v", st.Mode().Perm())
	}
	got, err := signature.LoadKeyFile(path2)
	if err != nil || !got.Equal(priv2) {
		t.Errorf("round trip: %v", err)
	}
	if err := signature.WriteKeyFile(path2, priv); !errors.Is(err, fs.ErrExist) {
		t.Errorf("write over an existing file: %v, want fs.ErrExist", err)
	}
	if again, _ := signature.LoadKeyFile(path2); !again.Equal(priv2) {
		t.Error("a refused write changed the key file")
	}

	// Files LoadKeyFile refuses.
	seed := base64.StdEncoding.EncodeToString(priv2.Seed())
	refused := []struct {
		name, content string
		mode          os.FileMode
		want          string
	}{
		{"readable by others", "private " + seed + "\n", 0o644, "0600"},
		{"readable by the group", "private " + seed + "\n", 0o640, "0600"},
		{"no private line", "# a key file\npublic " + signature.FormatPublicKey(priv2.Public().(ed25519.PublicKey)) + "\n", 0o600, `no "private" line`},
		{"empty", "", 0o600, `no "private" line`},
		{"short seed", "private " + base64.StdEncoding.EncodeToString(priv2.Seed()[:31]) + "\n", 0o600, "not 32 bytes"},
		{"seed not base64", "private !!!!\n", 0o600, "not 32 bytes"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k.key")
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tc.mode); err != nil {
				t.Fatal(err)
			}
			k, err := signature.LoadKeyFile(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadKeyFile = %x, %v; want an error containing %q", k, err, tc.want)
			}
		})
	}
	if _, err := signature.LoadKeyFile(filepath.Join(dir, "missing.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("load a missing file: %v", err)
	}
	// A seed line with surrounding space is still read (the file is text).
	p := filepath.Join(dir, "spaced.key")
	if err := os.WriteFile(p, []byte("\n   private "+seed+"   \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := signature.LoadKeyFile(p); err != nil || !k.Equal(priv2) {
		t.Errorf("load a key with surrounding space: %v", err)
	}
}
