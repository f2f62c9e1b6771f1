package signature_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"shencha/internal/signature"
)

// FuzzParsePublicKey reads keys as an admin registers them: what is
// accepted is a 32-byte key that reads back from its own form.
func FuzzParsePublicKey(f *testing.F) {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	f.Add(signature.FormatPublicKey(pub))
	f.Add(" ed25519:" + base64.StdEncoding.EncodeToString(pub) + "\n")
	f.Add("ed25519:" + base64.RawStdEncoding.EncodeToString(pub))
	f.Add("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := signature.ParsePublicKey(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "signature: ") {
				t.Fatalf("error without the package name: %v", err)
			}
			return
		}
		if len(k) != ed25519.PublicKeySize {
			t.Fatalf("%q: a key of %d bytes", s, len(k))
		}
		again, err := signature.ParsePublicKey(signature.FormatPublicKey(k))
		if err != nil || !again.Equal(k) || signature.KeyID(again) != signature.KeyID(k) {
			t.Fatalf("%q: its own form reads as %x, %v", s, again, err)
		}
	})
}

// FuzzVerify checks arbitrary signatures over arbitrary bytes: only the
// signer's own signature over the very bytes it signed verifies, and a
// refusal is ErrBadSignature.
func FuzzVerify(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	signed := map[string]bool{}
	for _, msg := range []string{`{"case":"CSR-2026-0002","kind":"report"}`, "", "x"} {
		signed[msg] = true
		f.Add(signature.Sign(priv, []byte(msg)), []byte(msg))
	}
	f.Add(" "+signature.Sign(priv, []byte("x"))+"\n", []byte("x"))
	f.Fuzz(func(t *testing.T, sig string, msg []byte) {
		err := signature.Verify(pub, msg, sig)
		if err != nil {
			if !errors.Is(err, signature.ErrBadSignature) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		if !signed[string(msg)] {
			t.Fatalf("a signature verified over bytes nobody signed: %q", msg)
		}
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
		if !bytes.Equal(raw, ed25519.Sign(priv, msg)) {
			t.Fatalf("a signature other than the signer's verified: %q", sig)
		}
	})
}
