package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// RotateStats reports what Rotate did.
type RotateStats struct {
	// KeyID is the id (8 hex digits, as in the key file) of the master key
	// that every blob is wrapped under after the rotation.
	KeyID string
	// Rewrapped counts the blobs whose data key Rotate re-wrapped.
	Rewrapped int
	// Current counts the blobs found already wrapped under KeyID (put
	// after the key was added, or re-wrapped by an interrupted Rotate), or
	// replaced or deleted by a concurrent Put or Delete while Rotate was
	// re-wrapping them.
	Current int
	// Retired counts the master keys removed from the key file.
	Retired int
}

// Rotate replaces the master key. It appends a fresh key to the key file,
// which from then on wraps the data keys of new blobs; re-wraps the data
// key of every stored blob under it, rewriting only each file's header;
// and, once no blob needs them, removes the older keys from the key file.
// Blob bodies are copied unchanged, since their data keys stay the same.
//
// Every step is atomic and crash-safe, so an interrupted Rotate leaves
// every blob readable. A keyring that holds more than one key is taken to
// be such an interruption: Rotate then adds no key and finishes the job
// with the current one. If some blob cannot be re-wrapped (its header is
// damaged, or its key is not in the keyring), Rotate re-wraps the others,
// keeps the old keys, and returns an error naming the first failure and
// how many there were.
//
// Rotate may run while the store serves other calls. Adding the key waits
// for the Put calls that are committing (wrapping, fsyncing and renaming)
// under the old key, and Open, Stat and other commits wait while it adds
// or retires a key; otherwise they proceed alongside. Rotate calls on one
// store run one at a time.
//
// Another process does not see the new key: the key file is read only by
// OpenKeyring. A server running on the same directory while a command-line
// tool rotates would go on wrapping new blobs under the key that Rotate
// retires, losing them, and could not read the re-wrapped ones. Rotate in
// the serving process, or while nothing else uses the store.
func (e *Encrypted) Rotate(ctx context.Context) (RotateStats, error) {
	e.rotateMu.Lock()
	defer e.rotateMu.Unlock()
	var st RotateStats
	if !e.kr.pending() {
		if err := e.kr.add(); err != nil {
			return st, fmt.Errorf("blob: rotate: %w", err)
		}
	}
	if err := e.rewrapAll(ctx, &st); err != nil {
		return st, fmt.Errorf("blob: rotate: %w", err)
	}
	id, n, err := e.kr.retire()
	st.KeyID, st.Retired = fmt.Sprintf("%08x", id), n
	if err != nil {
		return st, fmt.Errorf("blob: rotate: %w", err)
	}
	return st, nil
}

// rewrapAll re-wraps every blob not yet under the current key, counting in
// st. Blobs deleted meanwhile are skipped; any other failure is reported
// after all blobs have been tried.
func (e *Encrypted) rewrapAll(ctx context.Context, st *RotateStats) error {
	var (
		first  error
		failed int
	)
	err := e.disk.digests(ctx, func(d Digest) error {
		done, err := e.rewrap(d)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			if first == nil {
				first = err
			}
			failed++
		case done:
			st.Rewrapped++
		default:
			st.Current++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d blob(s) could not be re-wrapped, so the old keys are kept; first: %w", failed, first)
	}
	return nil
}

// rewrap re-wraps the data key of the blob d under the current master key
// if it is under another one, by writing a new file (new header, then the
// old file's chunks) and renaming it over the old one, provided no Put or
// Delete replaced or removed the old one meanwhile. It reports whether it
// rewrote the file.
func (e *Encrypted) rewrap(d Digest) (bool, error) {
	e.kr.mu.RLock()
	defer e.kr.mu.RUnlock()
	f, h, key, _, err := e.openFile(d)
	if err != nil {
		return false, err
	}
	defer f.Close()
	cur := e.kr.current()
	if h.keyID == cur.id {
		return false, nil
	}
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if err := h.wrap(cur.id, cur.aead, &key, d); err != nil {
		return false, err
	}
	tmp, err := e.disk.createTemp()
	if err != nil {
		return false, err
	}
	installed := false
	defer func() {
		if !installed {
			discard(tmp)
		}
	}()
	var b [headerSize]byte
	h.marshal(b[:])
	if _, err := tmp.Write(b[:]); err != nil {
		return false, err
	}
	// f is positioned just past its header.
	if _, err := io.Copy(tmp, f); err != nil {
		return false, err
	}
	installed, err = e.disk.install(tmp, d, fi)
	return installed, err
}
