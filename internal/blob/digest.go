package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Digest is a lowercase hex SHA-256 of a blob's content, without any
// algorithm prefix. It is the blob's only name.
//
// Digest is a plain string so it can be stored in databases and compared
// with ==, but a Digest built by conversion (Digest(s)) is not checked;
// values that come from outside the process should go through ParseDigest.
// Every Store method re-validates its argument anyway, because a digest
// becomes part of a file path.
type Digest string

// digestPrefix is the algorithm prefix of the canonical textual form. Only
// SHA-256 exists today; the prefix keeps the external form self-describing
// in case another algorithm is ever added.
const digestPrefix = "sha256:"

// hexLen is the length of a SHA-256 digest in hex.
const hexLen = sha256.Size * 2

// ParseDigest parses "sha256:<64 hex>" or a bare "<64 hex>". Hex digits may
// be in either case; the result is always lowercase so that equal content
// yields equal Digest values. Anything else, including surrounding spaces,
// is rejected with an error wrapping ErrInvalidDigest.
func ParseDigest(s string) (Digest, error) {
	h := strings.TrimPrefix(s, digestPrefix)
	if len(h) != hexLen {
		return "", fmt.Errorf("%w: %q: want %d hex digits, optionally prefixed %q",
			ErrInvalidDigest, s, hexLen, digestPrefix)
	}
	for i := 0; i < len(h); i++ {
		if !isHex(h[i]) {
			return "", fmt.Errorf("%w: %q: non-hex character at offset %d",
				ErrInvalidDigest, s, len(s)-len(h)+i)
		}
	}
	return Digest(strings.ToLower(h)), nil
}

// isHex reports whether c is a hex digit in either case.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// String returns the canonical external form "sha256:<hex>", the one to
// show users and put in APIs.
func (d Digest) String() string { return digestPrefix + string(d) }

// Hex returns the bare lowercase hex form.
func (d Digest) Hex() string { return string(d) }

// validate reports whether d is exactly 64 lowercase hex digits. Unlike
// ParseDigest it accepts no prefix and no upper case: a Digest value is
// already canonical, and anything else reaching a Store method is a bug or
// an attack (think Digest("../../etc/passwd")), never input to normalise.
func (d Digest) validate() error {
	if len(d) != hexLen {
		return fmt.Errorf("%w: %q", ErrInvalidDigest, string(d))
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("%w: %q", ErrInvalidDigest, string(d))
		}
	}
	return nil
}

// Sum returns the Digest of p. It is a convenience for callers that already
// hold content in memory (small documents, tests); large content should be
// streamed through Store.Put instead.
func Sum(p []byte) Digest {
	s := sha256.Sum256(p)
	return Digest(hex.EncodeToString(s[:]))
}
