package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Layout of a store's directory. Blobs live in a two-level fan-out
// (dir/sha256/ab/cdef... for digest abcdef...) so no single directory grows
// beyond what filesystems handle comfortably; the algorithm name is a path
// element so another hash could sit alongside without a migration.
const (
	objSubdir  = "sha256"
	tmpSubdir  = "tmp"
	tmpPattern = "put-*"
	dirPerm    = 0o700 // blobs are private to the service user
)

// disk is the file mechanics under a store: the fan-out layout, temporary
// files, fsync and atomic rename. It knows file names and durability, not
// file contents.
type disk struct {
	objDir string // dir/sha256: committed blobs
	tmpDir string // dir/tmp: files being written, same filesystem as objDir

	// fanoutMu guards fanoutSynced, the set of fan-out directories known to
	// exist durably. It lets install fsync objDir only the first time a
	// fan-out directory is used by this process rather than on every
	// upload.
	fanoutMu     sync.Mutex
	fanoutSynced map[string]bool

	// nameMu orders the system calls that change which file a blob name
	// refers to (rename into place, remove), so that install can check and
	// replace a name in one step. It is never held across an fsync.
	nameMu sync.Mutex
}

// openDisk prepares the store rooted at dir, creating dir, dir/sha256 and
// dir/tmp with mode 0700 if needed. Any file already in dir/tmp is debris
// from a write interrupted by a crash (a finished one is always renamed out
// of it), so openDisk removes it.
func openDisk(dir string) (*disk, error) {
	if dir == "" {
		return nil, errors.New("empty directory name")
	}
	// An absolute path keeps the store working if the process later changes
	// its working directory.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	d := &disk{
		objDir:       filepath.Join(abs, objSubdir),
		tmpDir:       filepath.Join(abs, tmpSubdir),
		fanoutSynced: make(map[string]bool),
	}
	for _, sub := range []string{d.objDir, d.tmpDir} {
		if err := os.MkdirAll(sub, dirPerm); err != nil {
			return nil, err
		}
	}
	if err := d.removeStaleTemps(); err != nil {
		return nil, err
	}
	return d, nil
}

// removeStaleTemps empties dir/tmp. RemoveAll rather than Remove so that a
// stray directory cannot make the store refuse to start.
func (d *disk) removeStaleTemps() error {
	entries, err := os.ReadDir(d.tmpDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(d.tmpDir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// path returns where the blob dg lives. dg must already be validated.
func (d *disk) path(dg Digest) string {
	return filepath.Join(d.objDir, fanout(dg))
}

// fanout is a blob's file name under dir/sha256: "ab/cdef…". dg must
// already be validated: this is the one place a digest becomes a file name.
func fanout(dg Digest) string {
	h := dg.Hex()
	return filepath.Join(h[:2], h[2:])
}

// createTemp creates an empty file (mode 0600) in dir/tmp.
func (d *disk) createTemp() (*os.File, error) {
	return os.CreateTemp(d.tmpDir, tmpPattern)
}

// discard closes and removes a temporary file that will not be installed.
func discard(tmp *os.File) {
	_ = tmp.Close() // may already be closed; the error is irrelevant
	_ = os.Remove(tmp.Name())
}

// install makes the temporary file tmp durable and renames it to the blob
// name dg, so the blob is either completely present under its name or
// absent. If only is not nil, the rename happens only if dg still names
// the file only describes (it was neither removed nor replaced since the
// caller read it); otherwise install leaves dg alone. It reports whether
// it renamed tmp; if not, tmp is still the caller's to discard. If the
// fsync of the directory after the rename fails, install reports the error
// even though the file is in place; redoing the work is harmless.
func (d *disk) install(tmp *os.File, dg Digest, only fs.FileInfo) (bool, error) {
	// The content must be on disk before its name is, or a crash could
	// leave a correctly named file with missing bytes.
	if err := tmp.Sync(); err != nil {
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	dst := d.path(dg)
	if err := d.ensureFanout(filepath.Dir(dst)); err != nil {
		return false, err
	}
	d.nameMu.Lock()
	if only != nil {
		if fi, err := os.Stat(dst); err != nil || !os.SameFile(fi, only) {
			d.nameMu.Unlock()
			return false, nil
		}
	}
	// Rename is atomic because tmp and dst are on the same filesystem. A
	// concurrent Put of the same content may rename first; replacing its
	// file with one of identical content is harmless.
	err := os.Rename(tmp.Name(), dst)
	d.nameMu.Unlock()
	if err != nil {
		return false, err
	}
	// Make the new directory entry itself durable.
	return true, syncDir(filepath.Dir(dst))
}

// ensureFanout makes sure the fan-out directory fan exists and that its
// entry in objDir has reached the disk, so a crash cannot lose the
// directory together with a blob already renamed into it. The lock is held
// across the fsync so that a second writer cannot see the directory and
// finish before the first has made it durable; that happens at most once
// per fan-out directory per process.
func (d *disk) ensureFanout(fan string) error {
	d.fanoutMu.Lock()
	defer d.fanoutMu.Unlock()
	if d.fanoutSynced[fan] {
		return nil
	}
	if err := os.Mkdir(fan, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := syncDir(d.objDir); err != nil {
		return err
	}
	d.fanoutSynced[fan] = true
	return nil
}

// remove deletes the blob file of dg durably, or returns an error wrapping
// ErrNotFound. Empty fan-out directories are left in place: there are at
// most 256 of them and a concurrent Put may be about to use one.
func (d *disk) remove(dg Digest) error {
	p := d.path(dg)
	d.nameMu.Lock()
	err := os.Remove(p)
	d.nameMu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(dg)
	}
	if err != nil {
		return err
	}
	// Make the removal durable, so a crash cannot resurrect the blob.
	return syncDir(filepath.Dir(p))
}

// digests calls fn with the digest of every blob file, one fan-out
// directory at a time, and stops at the first error fn returns. Names that
// are not blob names (a stray file, an editor's backup) are skipped.
func (d *disk) digests(ctx context.Context, fn func(Digest) error) error {
	return digestsIn(ctx, d.objDir, fn)
}

// digestsIn is digests over the blob files under objDir (a store's
// dir/sha256).
func digestsIn(ctx context.Context, objDir string, fn func(Digest) error) error {
	fans, err := os.ReadDir(objDir)
	if err != nil {
		return err
	}
	for _, fan := range fans {
		if !fan.IsDir() {
			continue
		}
		names, err := os.ReadDir(filepath.Join(objDir, fan.Name()))
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			dg := Digest(fan.Name() + n.Name())
			if !n.Type().IsRegular() || dg.validate() != nil {
				continue
			}
			if err := fn(dg); err != nil {
				return err
			}
		}
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
