package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// emptySHA256 is the well-known SHA-256 of zero bytes, written out so the
// tests do not only compare the code against itself.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestParseDigest(t *testing.T) {
	upper := strings.ToUpper(emptySHA256)
	tests := []struct {
		name string
		in   string
		want Digest // "" means an error is expected
	}{
		{"bare lowercase", emptySHA256, emptySHA256},
		{"prefixed lowercase", "sha256:" + emptySHA256, emptySHA256},
		{"bare uppercase is lowercased", upper, emptySHA256},
		{"prefixed mixed case", "sha256:" + upper[:10] + emptySHA256[10:], emptySHA256},
		{"all zeros", strings.Repeat("0", 64), Digest(strings.Repeat("0", 64))},

		{"empty", "", ""},
		{"prefix only", "sha256:", ""},
		{"too short", emptySHA256[:63], ""},
		{"too long", emptySHA256 + "0", ""},
		{"non-hex letter", "g" + emptySHA256[1:], ""},
		{"non-hex at end", emptySHA256[:63] + "z", ""},
		{"uppercase prefix", "SHA256:" + emptySHA256, ""},
		{"other algorithm", "sha512:" + emptySHA256, ""},
		{"double prefix", "sha256:sha256:" + emptySHA256, ""},
		{"leading space", " " + emptySHA256[1:], ""},
		{"trailing newline", emptySHA256[:63] + "\n", ""},
		{"path traversal", "../../" + emptySHA256[6:], ""},
		{"non-ASCII", "é" + emptySHA256[2:], ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDigest(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseDigest(%q) = %q, want error", tt.in, got)
				}
				if !errors.Is(err, ErrInvalidDigest) {
					t.Errorf("ParseDigest(%q) error %v does not wrap ErrInvalidDigest", tt.in, err)
				}
				if got != "" {
					t.Errorf("ParseDigest(%q) returned %q alongside an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDigest(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDigest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDigestForms(t *testing.T) {
	d := Digest(emptySHA256)
	if got, want := d.String(), "sha256:"+emptySHA256; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := d.Hex(); got != emptySHA256 {
		t.Errorf("Hex() = %q, want %q", got, emptySHA256)
	}
	if got := Sum(nil); got != d {
		t.Errorf("Sum(nil) = %q, want %q", got, d)
	}
}

// FuzzParseDigest checks ParseDigest against an independent oracle built on
// encoding/hex, and that accepted digests round-trip through both forms.
func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{
		emptySHA256,
		"sha256:" + emptySHA256,
		strings.ToUpper(emptySHA256),
		"sha256:",
		"",
		"../" + emptySHA256,
		emptySHA256[:63] + "g",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDigest(s)

		raw, decErr := hex.DecodeString(strings.TrimPrefix(s, "sha256:"))
		oracleOK := decErr == nil && len(raw) == sha256.Size
		if (err == nil) != oracleOK {
			t.Fatalf("ParseDigest(%q) error = %v, oracle accepts = %v", s, err, oracleOK)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidDigest) {
				t.Fatalf("ParseDigest(%q) error %v does not wrap ErrInvalidDigest", s, err)
			}
			return
		}
		if want := Digest(hex.EncodeToString(raw)); d != want {
			t.Fatalf("ParseDigest(%q) = %q, want %q", s, d, want)
		}
		if err := d.validate(); err != nil {
			t.Fatalf("ParseDigest(%q) = %q, which is not canonical: %v", s, d, err)
		}
		for _, form := range []string{d.String(), d.Hex()} {
			if again, err := ParseDigest(form); err != nil || again != d {
				t.Fatalf("round trip of %q via %q = %q, %v", d, form, again, err)
			}
		}
	})
}
