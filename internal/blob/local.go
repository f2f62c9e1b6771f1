package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
)

// Layout of a Local store's directory. Blobs live in a two-level fan-out
// (dir/sha256/ab/cdef... for digest abcdef...) so no single directory grows
// beyond what filesystems handle comfortably; the algorithm name is a path
// element so another hash could sit alongside without a migration.
const (
	objSubdir  = "sha256"
	tmpSubdir  = "tmp"
	tmpPattern = "put-*"
	dirPerm    = 0o700 // blobs are private to the service user
)

// Local is a Store that keeps blobs as files on local disk. Create it with
// NewLocal; the zero value is not usable. A Local is safe for concurrent
// use by multiple goroutines.
//
// Only one process should use a given directory at a time, because NewLocal
// treats every file in dir/tmp as left over from a crash and removes it.
type Local struct {
	objDir string // dir/sha256: committed blobs
	tmpDir string // dir/tmp: uploads in progress, same filesystem as objDir

	// fanoutMu guards fanoutSynced, the set of fan-out directories known to
	// exist durably. It lets Put fsync objDir only the first time a fan-out
	// directory is used by this process rather than on every upload.
	fanoutMu     sync.Mutex
	fanoutSynced map[string]bool
}

// Local must keep satisfying Store; wrappers rely on being able to swap it.
var _ Store = (*Local)(nil)

// NewLocal opens the store rooted at dir, creating dir, dir/sha256 and
// dir/tmp with mode 0700 if needed. Any file already in dir/tmp is debris
// from an upload interrupted by a crash (a finished upload is always renamed
// out of it), so NewLocal removes it.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: NewLocal: empty directory name")
	}
	// An absolute path keeps the store working if the process later changes
	// its working directory.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: NewLocal: %w", err)
	}
	l := &Local{
		objDir:       filepath.Join(abs, objSubdir),
		tmpDir:       filepath.Join(abs, tmpSubdir),
		fanoutSynced: make(map[string]bool),
	}
	for _, d := range []string{l.objDir, l.tmpDir} {
		if err := os.MkdirAll(d, dirPerm); err != nil {
			return nil, fmt.Errorf("blob: NewLocal: %w", err)
		}
	}
	if err := l.removeStaleTemps(); err != nil {
		return nil, fmt.Errorf("blob: NewLocal: %w", err)
	}
	return l, nil
}

// removeStaleTemps empties dir/tmp. RemoveAll rather than Remove so that a
// stray directory cannot make the store refuse to start.
func (l *Local) removeStaleTemps() error {
	entries, err := os.ReadDir(l.tmpDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(l.tmpDir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// path returns where the blob d lives. d must already be validated: this is
// the one place a digest becomes a file name.
func (l *Local) path(d Digest) string {
	h := d.Hex()
	return filepath.Join(l.objDir, h[:2], h[2:])
}

// Put implements Store. The content is streamed through a SHA-256 hasher
// into a temporary file in dir/tmp, which is fsynced and then renamed into
// place, so a blob is either completely present under its name or absent.
// If the fsync of the directory after the rename fails, Put reports the
// error even though the blob is in place; retrying is harmless.
func (l *Local) Put(ctx context.Context, r io.Reader, want Digest, max int64) (Info, error) {
	if want != "" {
		if err := want.validate(); err != nil {
			return Info{}, fmt.Errorf("blob: put: expected digest: %w", err)
		}
	}
	// Don't create a temp file for a request that is already abandoned.
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}

	tmp, err := os.CreateTemp(l.tmpDir, tmpPattern) // mode 0600
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	// Until the rename succeeds the temp file is ours to remove, whatever
	// the reason we leave: bad digest, too large, reader error, cancelled
	// context, full disk, or the blob turning out to exist already.
	renamed := false
	defer func() {
		if !renamed {
			_ = tmp.Close() // may already be closed; the error is irrelevant
			_ = os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	var src io.Reader = ctxReader{ctx: ctx, r: r}
	// Reading one byte past the limit is how we tell "exactly max" from
	// "more than max" without buffering. At MaxInt64 there is no room for
	// that byte, and no reader could exceed it anyway.
	if max > 0 && max < math.MaxInt64 {
		src = io.LimitReader(src, max+1)
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if max > 0 && n > max {
		return Info{}, fmt.Errorf("%w: content exceeds limit of %d bytes", ErrTooLarge, max)
	}
	got := Digest(hex.EncodeToString(h.Sum(nil)))
	if want != "" && got != want {
		return Info{}, fmt.Errorf("%w: expected %s, computed %s", ErrDigestMismatch, want, got)
	}
	// The caller may have given up while the last chunk was in flight;
	// honour that before making anything durable.
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}

	// The content must be on disk before its name is, or a crash could
	// leave a correctly named file with missing bytes.
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}

	info := Info{Digest: got, Size: n}
	dst := l.path(got)
	// Content addressing makes an existing file of the right size the same
	// blob, so there is nothing to do and the deferred cleanup drops the
	// temp file. A file of the wrong size is damaged; fall through and let
	// the rename replace it, so re-uploading repairs it.
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() && fi.Size() == n {
		return info, nil
	}
	if err := l.ensureFanout(filepath.Dir(dst)); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	// Rename is atomic because tmp and dst are on the same filesystem. A
	// concurrent Put of the same content may rename first; replacing its
	// file with identical bytes is harmless.
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	renamed = true
	// Make the new directory entry itself durable.
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	return info, nil
}

// ensureFanout makes sure the fan-out directory fan exists and that its
// entry in objDir has reached the disk, so a crash cannot lose the
// directory together with a blob already renamed into it. The lock is held
// across the fsync so that a second Put cannot see the directory and finish
// before the first has made it durable; that happens at most once per
// fan-out directory per process.
func (l *Local) ensureFanout(fan string) error {
	l.fanoutMu.Lock()
	defer l.fanoutMu.Unlock()
	if l.fanoutSynced[fan] {
		return nil
	}
	if err := os.Mkdir(fan, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := syncDir(l.objDir); err != nil {
		return err
	}
	l.fanoutSynced[fan] = true
	return nil
}

// Open implements Store. The returned reader is an *os.File and therefore
// also an io.ReadSeeker, but callers must not rely on that: a wrapping
// Store (encryption at rest) need not preserve it.
func (l *Local) Open(ctx context.Context, d Digest) (io.ReadCloser, Info, error) {
	if err := d.validate(); err != nil {
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	f, err := os.Open(l.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, notFound(d)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	// Size from the open file rather than a separate Stat, so it describes
	// exactly what the reader will return.
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", f.Name())
	}
	if err != nil {
		_ = f.Close()
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	return f, Info{Digest: d, Size: fi.Size()}, nil
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, d Digest) (Info, error) {
	if err := d.validate(); err != nil {
		return Info{}, fmt.Errorf("blob: stat: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: stat: %w", err)
	}
	fi, err := os.Stat(l.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, notFound(d)
	}
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", l.path(d))
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: stat: %w", err)
	}
	return Info{Digest: d, Size: fi.Size()}, nil
}

// Delete implements Store. Empty fan-out directories are left in place:
// there are at most 256 of them and a concurrent Put may be about to use
// one.
//
// The store cannot order Delete against a concurrent Put of the same
// content (Put may find the blob present, report success, and then see it
// deleted), so a garbage collector must exclude uploads of the blobs it is
// collecting.
func (l *Local) Delete(ctx context.Context, d Digest) error {
	if err := d.validate(); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	p := l.path(d)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(d)
	}
	if err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	// Make the removal durable, so a crash cannot resurrect the blob.
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	return nil
}

// Verify re-reads the blob d and checks that it still hashes to d. It
// returns an error wrapping ErrCorrupt, naming the expected and computed
// digests, if the bytes on disk have changed, and ErrNotFound if d is
// absent. Open does not do this because it costs a full read; Verify is for
// periodic scrubbing and for paranoid callers. It is not part of Store
// because only an implementation that keeps plaintext on disk can do it
// this cheaply.
func (l *Local) Verify(ctx context.Context, d Digest) error {
	rc, _, err := l.Open(ctx, d)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx: ctx, r: rc}); err != nil {
		return fmt.Errorf("blob: verify: %w", err)
	}
	if got := Digest(hex.EncodeToString(h.Sum(nil))); got != d {
		return fmt.Errorf("%w: expected %s, computed %s", ErrCorrupt, d, got)
	}
	return nil
}

// notFound wraps ErrNotFound with the digest that was asked for.
func notFound(d Digest) error {
	return fmt.Errorf("%w: %s", ErrNotFound, d)
}

// syncDir fsyncs a directory, which is what makes creations, renames and
// removals of its entries survive a crash.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ctxReader makes a long copy stop soon after ctx is cancelled. It checks
// before every Read, i.e. between chunks, so an upload that is abandoned
// part-way stops consuming the reader and the disk.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// Read returns ctx's error once ctx is done, and otherwise reads from the
// underlying reader.
func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
