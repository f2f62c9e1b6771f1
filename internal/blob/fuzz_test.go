package blob

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzOpenStored reads arbitrary bytes where a stored file should be, as
// after damage or tampering on disk: the reader hands out the content the
// file was stored with or fails with ErrCorrupt, never other bytes, and
// Verify agrees with it. The seeds are real stored files: empty, one
// chunk, several chunks.
func FuzzOpenStored(f *testing.F) {
	const chunk = 16
	e, dir := newSmallStore(f, chunk)
	want := []byte("the material a lab uploaded, 3 chunks")
	d := put(f, e, want).Digest
	path := blobPath(dir, d)
	for _, n := range []int{len(want), 0, chunk} {
		other := put(f, e, want[:n])
		b, err := os.ReadFile(blobPath(dir, other.Digest))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b) // under the wrong name only the full one opens
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		os.Remove(path)
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readPieces(t, e, d)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error of no known kind: %v", err)
		}
		if !bytes.HasPrefix(want, got) || err == nil && !bytes.Equal(got, want) {
			t.Fatalf("handed out %q, stored %q (%v)", got, want, err)
		}
		if verr := e.Verify(t.Context(), d); (verr == nil) != (err == nil) {
			t.Fatalf("reading says %v, Verify says %v", err, verr)
		}
	})
}
