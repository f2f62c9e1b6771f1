package blob

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// rotFixture is a store with blobs of assorted sizes (empty, one chunk,
// several chunks) written under its keyring's first key.
type rotFixture struct {
	e       *Encrypted
	dir     string
	keyPath string
	blobs   map[Digest][]byte
	bodies  map[Digest][]byte // each blob file after its header, as first stored
}

func newRotFixture(t *testing.T) *rotFixture {
	t.Helper()
	kr, keyPath := newKeyring(t)
	dir := t.TempDir()
	e, err := newEncrypted(dir, kr, testChunk)
	if err != nil {
		t.Fatal(err)
	}
	f := &rotFixture{e: e, dir: dir, keyPath: keyPath, blobs: map[Digest][]byte{}, bodies: map[Digest][]byte{}}
	for i, n := range []int{0, 1, testChunk, 3*testChunk + 500, 10 * testChunk} {
		data := content(n, uint64(100+i))
		d := put(t, e, data).Digest
		f.blobs[d] = data
		b, err := os.ReadFile(blobPath(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		f.bodies[d] = b[78:]
		if id := headerKeyID(t, blobPath(dir, d)); id != 1 {
			t.Fatalf("blob stored under key %08x, want 00000001", id)
		}
	}
	return f
}

// digests returns the fixture's digests in a fixed order.
func (f *rotFixture) digests() []Digest {
	ds := make([]Digest, 0, len(f.blobs))
	for d := range f.blobs {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds
}

// reopen builds a new store and keyring from what is on disk, as a
// restarted process would.
func (f *rotFixture) reopen(t *testing.T) *Encrypted {
	t.Helper()
	kr, err := OpenKeyring(f.keyPath)
	if err != nil {
		t.Fatalf("reopening the keyring: %v", err)
	}
	e, err := newEncrypted(f.dir, kr, testChunk)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// checkAll reads every blob through e and, if wantKey is not 0, checks that
// its header names that key and that its body is the one first stored.
func (f *rotFixture) checkAll(t *testing.T, e *Encrypted, wantKey uint32) {
	t.Helper()
	for _, d := range f.digests() {
		mustRead(t, e, d, f.blobs[d])
		if wantKey == 0 {
			continue
		}
		p := blobPath(f.dir, d)
		if id := headerKeyID(t, p); id != wantKey {
			t.Errorf("blob %s is under key %08x, want %08x", d, id, wantKey)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if want, ok := f.bodies[d]; ok && !bytes.Equal(b[78:], want) {
			t.Errorf("blob %s: chunks changed, want only the header rewritten", d)
		}
	}
}

// keyIDs lists the ids in the key file.
func (f *rotFixture) keyIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, l := range keyFileLines(t, f.keyPath) {
		ids = append(ids, l[0])
	}
	return ids
}

func TestRotate(t *testing.T) {
	f := newRotFixture(t)
	ctx := t.Context()
	oldKey := keyFileLines(t, f.keyPath)[0][1]

	st, err := f.e.Rotate(ctx)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if want := (RotateStats{KeyID: "00000002", Rewrapped: len(f.blobs), Retired: 1}); st != want {
		t.Errorf("Rotate = %+v, want %+v", st, want)
	}
	if ids := f.keyIDs(t); !slices.Equal(ids, []string{"00000002"}) {
		t.Errorf("key file holds %v, want only 00000002", ids)
	}
	if b, _ := os.ReadFile(f.keyPath); bytes.Contains(b, []byte(oldKey)) {
		t.Error("the retired key is still in the key file")
	}
	if fi, err := os.Stat(f.keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file after rotation: %v, %v; want mode 0600", fi.Mode(), err)
	}
	assertNothingStoredIn(t, f.dir, "tmp")
	f.checkAll(t, f.e, 2)
	f.checkAll(t, f.reopen(t), 2)

	// New blobs use the new key.
	data := content(2*testChunk+1, 200)
	d := put(t, f.e, data).Digest
	if id := headerKeyID(t, blobPath(f.dir, d)); id != 2 {
		t.Errorf("Put after rotation used key %08x, want 00000002", id)
	}
	f.blobs[d] = data

	// Rotating again is harmless: it simply rotates once more.
	st, err = f.e.Rotate(ctx)
	if err != nil {
		t.Fatalf("second Rotate: %v", err)
	}
	if want := (RotateStats{KeyID: "00000003", Rewrapped: len(f.blobs), Retired: 1}); st != want {
		t.Errorf("second Rotate = %+v, want %+v", st, want)
	}
	f.checkAll(t, f.reopen(t), 3)
}

// assertNothingStoredIn fails unless dir/sub holds no files.
func assertNothingStoredIn(t *testing.T, dir, sub string) {
	t.Helper()
	if files := listFiles(t, dir+"/"+sub); len(files) != 0 {
		t.Errorf("%s holds %v, want nothing", sub, files)
	}
}

// A rotation interrupted after adding its key, at any point of the
// re-wrapping, leaves every blob readable by a restarted process, whose
// Rotate then finishes the job with the key already added.
func TestRotateInterrupted(t *testing.T) {
	for _, rewrapped := range []int{0, 2, 5} {
		t.Run(fmt.Sprintf("after %d of 5 re-wrapped", rewrapped), func(t *testing.T) {
			f := newRotFixture(t)
			ctx := t.Context()
			// The steps Rotate takes, up to the crash.
			if err := f.e.kr.add(); err != nil {
				t.Fatal(err)
			}
			for _, d := range f.digests()[:rewrapped] {
				if done, err := f.e.rewrap(d); err != nil || !done {
					t.Fatalf("rewrap(%s) = %v, %v", d, done, err)
				}
			}
			// Debris of the re-wrap in flight when the process died.
			if err := os.WriteFile(f.dir+"/tmp/put-123", []byte("partial"), 0o600); err != nil {
				t.Fatal(err)
			}

			e := f.reopen(t)
			if ids := f.keyIDs(t); !slices.Equal(ids, []string{"00000001", "00000002"}) {
				t.Fatalf("key file holds %v, want both keys", ids)
			}
			f.checkAll(t, e, 0)
			data := content(1500, 300)
			d := put(t, e, data).Digest
			if id := headerKeyID(t, blobPath(f.dir, d)); id != 2 {
				t.Errorf("Put during the interrupted rotation used key %08x, want 00000002", id)
			}
			f.blobs[d] = data

			st, err := e.Rotate(ctx)
			if err != nil {
				t.Fatalf("resumed Rotate: %v", err)
			}
			want := RotateStats{KeyID: "00000002", Rewrapped: 5 - rewrapped, Current: rewrapped + 1, Retired: 1}
			if st != want {
				t.Errorf("resumed Rotate = %+v, want %+v", st, want)
			}
			if ids := f.keyIDs(t); !slices.Equal(ids, []string{"00000002"}) {
				t.Errorf("key file holds %v, want only 00000002", ids)
			}
			f.checkAll(t, e, 2)
			f.checkAll(t, f.reopen(t), 2)
		})
	}
}

// A blob whose header cannot be opened cannot be re-wrapped, and retiring
// its key would lose any chance of recovering it: Rotate re-wraps the
// others, keeps the old key and says which blob is in the way.
func TestRotateKeepsOldKeysForUnreadableBlob(t *testing.T) {
	f := newRotFixture(t)
	ctx := t.Context()
	bad := f.digests()[2]
	flipByte(t, blobPath(f.dir, bad), 40) // in the wrapped key
	badBlob := f.blobs[bad]
	delete(f.blobs, bad)

	st, err := f.e.Rotate(ctx)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), bad.Hex()) ||
		!strings.Contains(err.Error(), "1 blob(s) could not be re-wrapped") {
		t.Fatalf("Rotate = %+v, %v; want ErrCorrupt naming %s", st, err, bad)
	}
	if st.Rewrapped != len(f.blobs) || st.Retired != 0 {
		t.Errorf("Rotate = %+v, want %d re-wrapped and none retired", st, len(f.blobs))
	}
	if ids := f.keyIDs(t); !slices.Equal(ids, []string{"00000001", "00000002"}) {
		t.Errorf("key file holds %v, want both keys kept", ids)
	}
	f.checkAll(t, f.e, 2)

	// Repairing the blob by uploading it again lets the rotation finish.
	put(t, f.e, badBlob)
	st, err = f.e.Rotate(ctx)
	if want := (RotateStats{KeyID: "00000002", Current: len(f.blobs) + 1, Retired: 1}); err != nil || st != want {
		t.Errorf("Rotate after repair = %+v, %v; want %+v", st, err, want)
	}
	f.blobs[bad] = badBlob
	f.checkAll(t, f.reopen(t), 0)
}

// Rotate may run while blobs are being put and read; afterwards a
// restarted process reads everything with the one remaining key.
func TestRotateConcurrentWithPutAndOpen(t *testing.T) {
	f := newRotFixture(t)
	ctx := t.Context()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for g := range 4 {
		wg.Go(func() {
			for i := range 15 {
				data := content(500+i*300, uint64(1000+g*100+i))
				info, err := f.e.Put(ctx, bytes.NewReader(data), "", 0)
				if err != nil {
					t.Errorf("Put: %v", err)
					return
				}
				mu.Lock()
				f.blobs[info.Digest] = data
				mu.Unlock()
				got, err := readPieces(t, f.e, info.Digest)
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("reading back %s during rotation: %v", info.Digest, err)
				}
			}
		})
	}
	for range 3 {
		if _, err := f.e.Rotate(ctx); err != nil {
			t.Errorf("Rotate: %v", err)
		}
	}
	wg.Wait()
	if _, err := f.e.Rotate(ctx); err != nil {
		t.Fatalf("final Rotate: %v", err)
	}
	if ids := f.keyIDs(t); !slices.Equal(ids, []string{"00000005"}) {
		t.Errorf("key file holds %v, want only 00000005", ids)
	}
	f.checkAll(t, f.reopen(t), 5)
}
