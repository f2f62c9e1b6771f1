package blob

import (
	"context"
	"errors"
	"io"
)

// Sentinel errors. Store implementations wrap them with detail (which
// digest, which limit), so test for them with errors.Is, never with ==.
var (
	// ErrNotFound means no blob with the requested digest is stored.
	ErrNotFound = errors.New("blob: not found")
	// ErrDigestMismatch means the content given to Put does not hash to the
	// digest the caller said it would; the content was not kept.
	ErrDigestMismatch = errors.New("blob: digest mismatch")
	// ErrTooLarge means the content given to Put exceeded the caller's size
	// limit; the content was not kept.
	ErrTooLarge = errors.New("blob: too large")
	// ErrCorrupt means a stored blob cannot be read back as the content it
	// is named for: the bytes on disk were damaged or replaced after they
	// were stored, or the key to decrypt them is wrong or missing.
	ErrCorrupt = errors.New("blob: corrupt")
	// ErrInvalidDigest means a string or Digest is not a well-formed
	// SHA-256 digest. It is distinct from ErrNotFound so that callers can
	// answer "bad request" rather than "not found".
	ErrInvalidDigest = errors.New("blob: invalid digest")
)

// Info describes a stored blob.
type Info struct {
	// Digest is the SHA-256 of the content.
	Digest Digest
	// Size is the content length in bytes.
	Size int64
}

// Store is the interface the rest of the product uses to keep file content.
// It is intentionally narrow so that wrappers (metrics, remote storage)
// need implement only these four methods. Digests and sizes
// always refer to the content as the caller sees it.
//
// Implementations must be safe for concurrent use.
type Store interface {
	// Put streams r into the store and returns the digest and size of what
	// it read. Memory use does not depend on the content size.
	//
	// If want is non-empty, the computed digest must equal it; otherwise
	// Put returns an error wrapping ErrDigestMismatch and keeps nothing. If
	// max > 0 and r yields more than max bytes, Put returns an error
	// wrapping ErrTooLarge and keeps nothing. A read error from r (an
	// interrupted upload) or a cancelled ctx likewise leaves nothing behind
	// and is returned wrapped.
	//
	// Storing content that is already present is not an error: Put is
	// idempotent and returns the same Info.
	Put(ctx context.Context, r io.Reader, want Digest, max int64) (Info, error)

	// Open returns a reader of the blob's content and its Info, or an error
	// wrapping ErrNotFound if it is absent. The caller must close the
	// reader. Open does not read the content ahead to verify it, which
	// would cost a full read on every access; an implementation may check
	// it as the reader delivers it, and Encrypted does.
	Open(ctx context.Context, d Digest) (io.ReadCloser, Info, error)

	// Stat returns the blob's Info, or an error wrapping ErrNotFound.
	Stat(ctx context.Context, d Digest) (Info, error)

	// Delete removes the blob, or returns an error wrapping ErrNotFound if
	// it is absent. It exists for tests and for a garbage collector driven
	// by the caller, who alone knows whether anything still references d.
	Delete(ctx context.Context, d Digest) error
}
