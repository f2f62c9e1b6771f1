// Package auth hashes passwords (argon2id) and makes and hashes the opaque
// tokens behind sessions and API tokens. It holds no state and does no I/O;
// the store keeps only hashes, so a stolen database yields no credential.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// Default follows OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane).
var Default = Params{Time: 2, Memory: 19 * 1024, Threads: 1}

// Cheap is for tests and the demo's many accounts: never for production.
var Cheap = Params{Time: 1, Memory: 64, Threads: 1}

// MaxPassword bounds the work an attacker can make us do per attempt.
const MaxPassword = 1024

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("auth: password does not match")

// HashPassword returns a PHC-style string: $argon2id$v=19$m=..,t=..,p=..$salt$hash.
func HashPassword(password string, p Params) (string, error) {
	if len(password) > MaxPassword {
		return "", fmt.Errorf("auth: password longer than %d bytes", MaxPassword)
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword compares a password with a stored hash in constant time.
func CheckPassword(password, encoded string) error {
	if len(password) > MaxPassword {
		return ErrMismatch
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("auth: unknown hash format")
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return errors.New("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return errors.New("auth: bad argon2 parameters")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return errors.New("auth: bad argon2 encoding")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// TokenPrefix marks shencha's tokens so secret scanners can find leaked ones.
const TokenPrefix = "shc_"

// NewToken returns a fresh random token and the hash to store.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token. Tokens carry 256 random bits, so
// a fast hash suffices: there is nothing to brute-force.
func HashToken(token string) string {
	sum := TokenDigest(token)
	return hex.EncodeToString(sum[:])
}

// TokenDigest is the SHA-256 a token's stored form is the hex of.
func TokenDigest(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }
