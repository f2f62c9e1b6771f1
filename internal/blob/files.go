package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
)

// A backup copies a store's files while the server that owns the store
// keeps writing to it, so it must not open the store: NewEncrypted removes
// every file in dir/tmp, which are that server's uploads in progress. These
// functions read a store's directory, or a copy of a blob file, without
// touching anything.

// RelPath is where a store keeps the file of blob d, relative to the
// store's directory: "sha256/ab/cdef…". d must be valid.
func RelPath(d Digest) string {
	return filepath.Join(objSubdir, fanout(d))
}

// Files calls fn with the digest of every blob file in the store rooted at
// dir and the file's path, stopping at the first error fn returns. A store
// that has no blob folder yet holds no files.
func Files(ctx context.Context, dir string, fn func(d Digest, path string) error) error {
	err := digestsIn(ctx, filepath.Join(dir, objSubdir), func(d Digest) error {
		return fn(d, filepath.Join(dir, RelPath(d)))
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// VerifyFile reads the file at path in full as the file of blob d, with
// the checks Open and the reader make (header, every chunk, the plaintext
// digest), using the master keys of kr. It returns the blob's Info, or an
// error wrapping ErrCorrupt or ErrNotFound that names d.
func VerifyFile(ctx context.Context, kr *Keyring, path string, d Digest) (Info, error) {
	if err := d.validate(); err != nil {
		return Info{}, fmt.Errorf("blob: verify: %w", err)
	}
	kr.mu.RLock()
	f, h, key, size, err := openBlobFile(kr, path, d)
	kr.mu.RUnlock()
	if err != nil {
		return Info{}, err
	}
	r := newReader(f, h, key, size, d)
	defer r.Close()
	if _, err := io.Copy(io.Discard, ctxReader{ctx: ctx, r: r}); err != nil {
		return Info{}, fmt.Errorf("blob: verify: %w", err)
	}
	return Info{Digest: d, Size: size}, nil
}
