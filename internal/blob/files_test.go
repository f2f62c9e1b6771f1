package blob

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFilesAndVerifyFile reads a store's files without opening it, as a
// backup does beside a running server: Files lists every blob with its
// path and leaves the store's uploads in progress alone; VerifyFile
// accepts a copy of a blob file made elsewhere and refuses a copy with a
// flipped byte or under another blob's name.
func TestFilesAndVerifyFile(t *testing.T) {
	e, dir := newSmallStore(t, testChunk)
	a := put(t, e, content(3500, 1))
	b := put(t, e, content(10, 2))
	inFlight := filepath.Join(dir, "tmp", "put-123")
	if err := os.WriteFile(inFlight, []byte("half an upload"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []Digest
	err := Files(t.Context(), dir, func(d Digest, path string) error {
		if path != blobPath(dir, d) || RelPath(d) != filepath.Join("sha256", string(d)[:2], string(d)[2:]) {
			t.Errorf("Files gave %s for %s", path, d)
		}
		got = append(got, d)
		return nil
	})
	slices.Sort(got)
	want := []Digest{a.Digest, b.Digest}
	slices.Sort(want)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Files = %v, %v; want %v", got, err, want)
	}
	if _, err := os.Stat(inFlight); err != nil {
		t.Fatalf("Files touched an upload in progress: %v", err)
	}
	if err := Files(t.Context(), filepath.Join(dir, "none"), func(Digest, string) error { return errors.New("called") }); err != nil {
		t.Fatalf("Files of a store without a blob folder: %v", err)
	}

	copyOf := func(d Digest) string {
		raw, err := os.ReadFile(blobPath(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "copy")
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("OK", func(t *testing.T) {
		info, err := VerifyFile(t.Context(), e.kr, copyOf(a.Digest), a.Digest)
		if err != nil || info != a {
			t.Fatalf("VerifyFile = %+v, %v; want %+v", info, err, a)
		}
	})
	t.Run("ErrFlippedByte", func(t *testing.T) {
		p := copyOf(a.Digest)
		flipAt(chunkOff(2)+5)(t, p)
		if _, err := VerifyFile(t.Context(), e.kr, p, a.Digest); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("VerifyFile of a damaged copy: %v", err)
		}
	})
	t.Run("ErrOtherBlob", func(t *testing.T) {
		if _, err := VerifyFile(t.Context(), e.kr, copyOf(b.Digest), a.Digest); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("VerifyFile of another blob's file: %v", err)
		}
	})
	t.Run("ErrMissing", func(t *testing.T) {
		if _, err := VerifyFile(t.Context(), e.kr, filepath.Join(dir, "nothing"), a.Digest); !errors.Is(err, ErrNotFound) {
			t.Fatalf("VerifyFile of no file: %v", err)
		}
	})
}
