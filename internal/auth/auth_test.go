package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse", Cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash format: %s", h)
	}
	t.Run("OK", func(t *testing.T) {
		if err := CheckPassword("correct horse", h); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrMismatch", func(t *testing.T) {
		if err := CheckPassword("correct horsf", h); !errors.Is(err, ErrMismatch) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("SaltDiffers", func(t *testing.T) {
		h2, _ := HashPassword("correct horse", Cheap)
		if h2 == h {
			t.Fatal("two hashes of one password are equal: salt not random")
		}
	})
	t.Run("ErrTooLong", func(t *testing.T) {
		if _, err := HashPassword(strings.Repeat("x", MaxPassword+1), Cheap); err == nil {
			t.Fatal("want error")
		}
	})
	t.Run("ErrBadFormat", func(t *testing.T) {
		for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=18$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=1,p=1$!!$AAAA"} {
			if err := CheckPassword("x", bad); err == nil || errors.Is(err, ErrMismatch) {
				t.Errorf("%q: got %v, want a format error", bad, err)
			}
		}
	})
}

func TestToken(t *testing.T) {
	tok, hash := NewToken()
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	if HashToken(tok) != hash || len(hash) != 64 {
		t.Fatalf("hash %q", hash)
	}
	tok2, _ := NewToken()
	if tok2 == tok {
		t.Fatal("tokens repeat")
	}
}
