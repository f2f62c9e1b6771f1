package blob

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testChunk is the chunk size of the stores built by newSmallStore: small,
// so that a few kilobytes make many chunks.
const testChunk = 1000

// newSmallStore returns an Encrypted store with chunk size c and a keyring
// of its own, and the store's directory.
func newSmallStore(t testing.TB, c int) (*Encrypted, string) {
	t.Helper()
	kr, _ := newKeyring(t)
	dir := t.TempDir()
	e, err := newEncrypted(dir, kr, c)
	if err != nil {
		t.Fatalf("newEncrypted: %v", err)
	}
	return e, dir
}

// put stores data and fails the test on error.
func put(t testing.TB, e *Encrypted, data []byte) Info {
	t.Helper()
	info, err := e.Put(t.Context(), bytes.NewReader(data), "", 0)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return info
}

// readPieces opens d and reads it in small, odd-sized pieces, returning
// every byte the reader handed out and the error that ended the reading
// (nil at a clean EOF). An error from Open itself is returned as is, with
// no bytes.
func readPieces(t testing.TB, e *Encrypted, d Digest) ([]byte, error) {
	t.Helper()
	rc, _, err := e.Open(t.Context(), d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var got []byte
	buf := make([]byte, 37)
	for {
		n, err := rc.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
	}
}

// mustRead reads d completely and fails unless it is exactly want.
func mustRead(t testing.TB, e *Encrypted, d Digest, want []byte) {
	t.Helper()
	got, err := readPieces(t, e, d)
	if err != nil {
		t.Fatalf("reading %s: %v", d, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("reading %s gave %d bytes differing from the %d stored", d, len(got), len(want))
	}
}

// headerKeyID reads the master key id recorded in a blob file's header, at
// its documented offset.
func headerKeyID(t testing.TB, path string) uint32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return binary.BigEndian.Uint32(b[14:18])
}

// The format constants must match the layout documented in doc.go, which
// the tests below use as literal offsets.
func TestHeaderLayout(t *testing.T) {
	got := []int{len(fileMagic), offVersion, offChunkSize, offKeyID, offWrapNonce, offWrappedKey, headerSize}
	want := []int{8, 8, 10, 14, 18, 30, 78}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("magic length, field offsets and header size = %v, want %v", got, want)
	}
}

func TestRoundTripChunkBoundaries(t *testing.T) {
	for _, c := range []int{testChunk, ChunkSize} {
		tests := []struct {
			name string
			size int
		}{
			{"empty", 0},
			{"one byte", 1},
			{"chunk-1", c - 1},
			{"chunk", c},
			{"chunk+1", c + 1},
			{"three chunks", 3 * c},
			{"several chunks and a bit", 5*c + 7},
		}
		for i, tt := range tests {
			t.Run(fmt.Sprintf("chunk %d/%s", c, tt.name), func(t *testing.T) {
				e, dir := newSmallStore(t, c)
				data := content(tt.size, uint64(i))
				info := put(t, e, data)
				if want := (Info{Digest: sha256Hex(data), Size: int64(tt.size)}); info != want {
					t.Fatalf("Put = %+v, want %+v", info, want)
				}
				fi, err := os.Stat(blobPath(dir, info.Digest))
				if err != nil {
					t.Fatal(err)
				}
				if want := wantFileSize(tt.size, c); fi.Size() != want {
					t.Errorf("file size = %d, want %d", fi.Size(), want)
				}
				if got, err := e.Stat(t.Context(), info.Digest); err != nil || got != info {
					t.Errorf("Stat = %+v, %v; want %+v", got, err, info)
				}
				mustRead(t, e, info.Digest, data)
				if err := e.Verify(t.Context(), info.Digest); err != nil {
					t.Errorf("Verify: %v", err)
				}
			})
		}
	}
}

// damageCase describes a blob file altered on disk and what reading it
// must then yield: ErrCorrupt, after exactly the first good chunks of the
// content (-1: Open itself refuses), with an error naming badChunk (if
// not -1).
type damageCase struct {
	name     string
	size     int                          // plaintext bytes stored
	damage   func(t *testing.T, p string) // alters the blob file at p
	good     int                          // chunks released before the error; -1: Open fails
	badChunk int                          // chunk index the error must name; -1: none
}

// sealedLen is the length of a sealed testChunk chunk.
const sealedLen = testChunk + 16

// chunkOff is the file offset of chunk i with testChunk chunks.
func chunkOff(i int) int64 { return int64(78 + i*sealedLen) }

func runDamageCases(t *testing.T, tests []damageCase) {
	t.Helper()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, dir := newSmallStore(t, testChunk)
			data := content(tt.size, uint64(i))
			info := put(t, e, data)
			p := blobPath(dir, info.Digest)
			tt.damage(t, p)

			got, err := readPieces(t, e, info.Digest)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("reading the damaged blob ended with %v after %d bytes, want ErrCorrupt", err, len(got))
			}
			if !strings.Contains(err.Error(), info.Digest.Hex()) {
				t.Errorf("error %q does not name the digest", err)
			}
			if tt.badChunk >= 0 && !strings.Contains(err.Error(), fmt.Sprintf("chunk %d ", tt.badChunk)) {
				t.Errorf("error %q does not name chunk %d", err, tt.badChunk)
			}
			if tt.good < 0 {
				if got != nil {
					t.Errorf("Open failed but %d bytes were read", len(got))
				}
				if _, err := readPieces(t, e, info.Digest); err == nil {
					t.Error("second Open succeeded")
				}
			} else if want := data[:tt.good*testChunk]; !bytes.Equal(got, want) {
				t.Errorf("released %d bytes before the error, want exactly the %d bytes of the %d good chunks",
					len(got), len(want), tt.good)
			}
			if err := e.Verify(t.Context(), info.Digest); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Verify = %v, want ErrCorrupt", err)
			}
		})
	}
}

// flipAt returns a damage that flips the byte at off (negative: from the
// end).
func flipAt(off int64) func(*testing.T, string) {
	return func(t *testing.T, p string) {
		if off < 0 {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			off += fi.Size()
		}
		flipByte(t, p, off)
	}
}

// Flipping any single byte of a stored file is detected, and no byte of
// the damaged chunk is released.
func TestFlippedByteDetected(t *testing.T) {
	const size = 3*testChunk + 500 // chunks 0..2 full, chunk 3 final with 500 bytes
	tests := []damageCase{
		{"header magic", size, flipAt(0), -1, -1},
		{"header version", size, flipAt(9), -1, -1},
		{"header chunk size", size, flipAt(13), -1, -1},
		{"header chunk size high byte", size, flipAt(10), -1, -1},
		{"header key id", size, flipAt(17), -1, -1},
		{"header wrap nonce", size, flipAt(18), -1, -1},
		{"header wrapped key", size, flipAt(40), -1, -1},
		{"header wrapped key tag", size, flipAt(77), -1, -1},
		{"first chunk first byte", size, flipAt(chunkOff(0)), 0, 0},
		{"first chunk last plaintext byte", size, flipAt(chunkOff(0) + testChunk - 1), 0, 0},
		{"first chunk tag", size, flipAt(chunkOff(1) - 1), 0, 0},
		{"middle chunk", size, flipAt(chunkOff(2) + 123), 2, 2},
		{"last chunk first byte", size, flipAt(chunkOff(3)), 3, 3},
		{"last chunk tag, last byte of file", size, flipAt(-1), 3, 3},
		{"empty blob's tag", 0, flipAt(78), 0, 0},
		{"one-chunk blob", 10, flipAt(80), 0, 0},
	}
	runDamageCases(t, tests)
}

// truncateTo returns a damage that cuts the file to n bytes (negative:
// removes -n bytes from the end).
func truncateTo(n int64) func(*testing.T, string) {
	return func(t *testing.T, p string) {
		if n < 0 {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			n += fi.Size()
		}
		if err := os.Truncate(p, n); err != nil {
			t.Fatal(err)
		}
	}
}

// appendBytes returns a damage that appends extra to the file; a nil extra
// appends a copy of chunk 0.
func appendBytes(extra []byte) func(*testing.T, string) {
	return func(t *testing.T, p string) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if extra == nil {
			extra = b[chunkOff(0):chunkOff(1)]
		}
		if err := os.WriteFile(p, append(b, extra...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// swapChunks returns a damage that exchanges full chunks i and j.
func swapChunks(i, j int) func(*testing.T, string) {
	return func(t *testing.T, p string) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ci := bytes.Clone(b[chunkOff(i):chunkOff(i+1)])
		copy(b[chunkOff(i):], b[chunkOff(j):chunkOff(j+1)])
		copy(b[chunkOff(j):], ci)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTruncationDetected(t *testing.T) {
	const size = 3*testChunk + 500
	tests := []damageCase{
		// Dropping the final chunk leaves a file whose size still fits the
		// layout; the new last chunk was not sealed as final.
		{"final chunk dropped", size, truncateTo(chunkOff(3)), 2, 2},
		{"final chunk dropped, full final chunk", 3 * testChunk, truncateTo(chunkOff(2)), 1, 1},
		{"two chunks dropped at a chunk boundary", size, truncateTo(chunkOff(2)), 1, 1},
		{"mid-chunk", size, truncateTo(chunkOff(2) + 500), 2, 2},
		{"mid last chunk", size, truncateTo(chunkOff(3) + 100), 3, 3},
		{"one byte off the end", size, truncateTo(-1), 3, 3},
		// Fewer than a tag's bytes of the last chunk left: no plaintext
		// size gives this file size, so Open refuses it.
		{"into the last chunk's first 16 bytes", size, truncateTo(chunkOff(3) + 10), -1, -1},
		{"whole tag off the end", size, truncateTo(-16), 3, 3},
		{"inside the header", size, truncateTo(40), -1, -1},
		{"header only", size, truncateTo(78), -1, -1},
		{"empty blob, final chunk dropped", 0, truncateTo(78), -1, -1},
		{"empty file", size, truncateTo(0), -1, -1},
	}
	runDamageCases(t, tests)
}

func TestReorderAndAppendDetected(t *testing.T) {
	const size = 3*testChunk + 500
	tests := []damageCase{
		{"chunks 0 and 1 swapped", size, swapChunks(0, 1), 0, 0},
		{"chunks 1 and 2 swapped", size, swapChunks(1, 2), 1, 1},
		{"chunk 0 duplicated over chunk 2", size, func(t *testing.T, p string) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			copy(b[chunkOff(2):], b[chunkOff(0):chunkOff(1)])
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, 2, 2},
		{"one byte appended", size, appendBytes([]byte{0}), 3, 3},
		{"a tag's worth appended", size, appendBytes(make([]byte, 16)), 3, 3},
		{"a copy of chunk 0 appended", size, appendBytes(nil), 3, 3},
		{"a copy of chunk 0 appended after a full final chunk", 3 * testChunk, appendBytes(nil), 2, 2},
		{"bytes appended to an empty blob", 0, appendBytes(make([]byte, 20)), 0, 0},
	}
	runDamageCases(t, tests)
}

// A blob file moved or copied to another digest's name does not open, and
// uploading the genuine content repairs the name.
func TestFileUnderWrongDigestRefused(t *testing.T) {
	e, dir := newSmallStore(t, testChunk)
	a, b := content(2500, 1), content(2500, 2)
	ia, ib := put(t, e, a), put(t, e, b)
	absent := sha256Hex([]byte("never stored"))

	src, err := os.ReadFile(blobPath(dir, ia.Digest))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []Digest{ib.Digest, absent} {
		if err := os.MkdirAll(filepath.Dir(blobPath(dir, d)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(blobPath(dir, d), src, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := e.Open(t.Context(), d)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "not this blob's") {
			t.Errorf("Open(%s) of another blob's file = %v, want ErrCorrupt saying so", d, err)
		}
		if _, err := e.Stat(t.Context(), d); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Stat(%s) of another blob's file = %v, want ErrCorrupt", d, err)
		}
	}
	// The impostor has the right size for b, yet Put must not trust it.
	if again := put(t, e, b); again != ib {
		t.Fatalf("re-Put = %+v, want %+v", again, ib)
	}
	mustRead(t, e, ib.Digest, b)
	mustRead(t, e, ia.Digest, a)
}

// writeKeyFile writes a key file with the given content and mode 0600.
func writeKeyFile(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "blob-master.keys")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A store opened with a key file that lacks the blobs' key, or has other
// bytes under its id, refuses to open them and says why.
func TestWrongOrMissingMasterKey(t *testing.T) {
	kr, _ := newKeyring(t)
	dir := t.TempDir()
	e, err := newEncrypted(dir, kr, testChunk)
	if err != nil {
		t.Fatal(err)
	}
	data := content(2500, 3)
	info := put(t, e, data)

	const otherKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // 0, 1, ..., 31
	tests := []struct {
		name    string
		keyFile string
		want    string // in the error
	}{
		{"same id, other key", "00000001 " + otherKey + "\n", "does not open under master key 00000001"},
		{"key id absent", "00000002 " + otherKey + "\n", "master key 00000001, which keyring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeKeyFile(t, tt.keyFile)
			other, err := OpenKeyring(p)
			if err != nil {
				t.Fatal(err)
			}
			e2, err := newEncrypted(dir, other, testChunk)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = e2.Open(t.Context(), info.Digest)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), p) {
				t.Fatalf("Open = %v; want ErrCorrupt mentioning %q and the key file", err, tt.want)
			}
			if err := e2.Verify(t.Context(), info.Digest); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Verify = %v, want ErrCorrupt", err)
			}
		})
	}
	// The right keyring, reopened from its file, still reads the blob.
	again, err := OpenKeyring(kr.path)
	if err != nil {
		t.Fatal(err)
	}
	e3, err := newEncrypted(dir, again, testChunk)
	if err != nil {
		t.Fatal(err)
	}
	mustRead(t, e3, info.Digest, data)
}

// Open must stream: reading 32 MiB may not allocate anything close to that.
func TestOpenConstantMemory(t *testing.T) {
	e, _ := newStore(t)
	const size = 32 << 20
	info, err := e.Put(t.Context(), io.LimitReader(&countingReader{}, size), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rc, _, err := e.Open(t.Context(), info.Digest)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("read %d bytes, %v; want %d", n, err, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("reading %d bytes allocated %d bytes; want < 1 MiB", size, alloc)
	}
}
