package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// newKeyring opens a fresh keyring in its own temporary directory, apart
// from any store, and returns it and its path.
func newKeyring(t testing.TB) (*Keyring, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "blob-master.keys")
	kr, err := OpenKeyring(path)
	if err != nil {
		t.Fatalf("OpenKeyring: %v", err)
	}
	return kr, path
}

// newStore returns an Encrypted store with the product's chunk size, rooted
// in a fresh temporary directory, and that directory, so tests can inspect
// the layout on disk. Its keyring lives elsewhere.
func newStore(t testing.TB) (*Encrypted, string) {
	t.Helper()
	kr, _ := newKeyring(t)
	dir := t.TempDir()
	l, err := NewEncrypted(dir, kr)
	if err != nil {
		t.Fatalf("NewEncrypted: %v", err)
	}
	return l, dir
}

// wantFileSize is the documented size of a blob file holding n plaintext
// bytes in chunks of c: a 78-byte header, the plaintext, and a 16-byte tag
// for each of max(1, ceil(n/c)) chunks.
func wantFileSize(n, c int) int64 {
	chunks := max(1, (n+c-1)/c)
	return int64(78 + n + 16*chunks)
}

// content returns n deterministic pseudo-random bytes; seed varies them.
func content(n int, seed uint64) []byte {
	p := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(p)
	return p
}

// sha256Hex is the expected digest computed independently of the package.
func sha256Hex(p []byte) Digest {
	s := sha256.Sum256(p)
	return Digest(hex.EncodeToString(s[:]))
}

// listFiles returns every non-directory below root, relative to root and
// sorted; a missing root yields nothing.
func listFiles(t testing.TB, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("walking %s: %v", root, err)
	}
	slices.Sort(files)
	return files
}

// assertNothingStored fails unless both dir/sha256 and dir/tmp are free of
// files: the state every failed Put must leave behind.
func assertNothingStored(t testing.TB, dir string) {
	t.Helper()
	for _, sub := range []string{"sha256", "tmp"} {
		if files := listFiles(t, filepath.Join(dir, sub)); len(files) != 0 {
			t.Errorf("%s contains %v, want no files", sub, files)
		}
	}
}

// blobPath spells out the documented on-disk layout independently of
// disk.path.
func blobPath(dir string, d Digest) string {
	return filepath.Join(dir, "sha256", string(d)[:2], string(d)[2:])
}

func TestPutOpenRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		size int
		want bool // pass the expected digest to Put
	}{
		{"empty", 0, false},
		{"one byte", 1, false},
		{"1MiB+3", 1<<20 + 3, false},
		{"1MiB+3 with expected digest", 1<<20 + 3, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			l, dir := newStore(t)
			data := content(tt.size, uint64(i))
			wantInfo := Info{Digest: sha256Hex(data), Size: int64(tt.size)}
			var want Digest
			if tt.want {
				want = wantInfo.Digest
			}

			info, err := l.Put(ctx, bytes.NewReader(data), want, 0)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if info != wantInfo {
				t.Fatalf("Put = %+v, want %+v", info, wantInfo)
			}

			// Layout: exactly one file, at sha256/<2 hex>/<62 hex>, mode 0600.
			p := blobPath(dir, info.Digest)
			rel := "sha256/" + info.Digest.Hex()[:2] + "/" + info.Digest.Hex()[2:]
			if got := listFiles(t, dir); !slices.Equal(got, []string{rel}) {
				t.Errorf("files in store = %v, want [%s]", got, rel)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("stat blob file: %v", err)
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("blob file mode = %v, want 0600", perm)
			}
			onDisk, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := int64(len(onDisk)), wantFileSize(tt.size, ChunkSize); got != want {
				t.Errorf("file on disk has %d bytes, want %d", got, want)
			}
			if !bytes.HasPrefix(onDisk, []byte("SHBLOB\n\x00")) {
				t.Errorf("file on disk starts %q, want the magic", onDisk[:min(8, len(onDisk))])
			}
			// Encrypted at rest: no run of 16 plaintext bytes survives.
			for off := 0; off+16 <= len(data); off += 4096 {
				if bytes.Contains(onDisk, data[off:off+16]) {
					t.Fatalf("plaintext bytes %d..%d appear in the file on disk", off, off+16)
				}
			}
			for _, d := range []string{dir + "/sha256", dir + "/tmp", filepath.Dir(p)} {
				fi, err := os.Stat(d)
				if err != nil {
					t.Fatal(err)
				}
				if perm := fi.Mode().Perm(); perm != 0o700 {
					t.Errorf("%s mode = %v, want 0700", d, perm)
				}
			}

			rc, openInfo, err := l.Open(ctx, info.Digest)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			got, err := io.ReadAll(rc)
			if cerr := rc.Close(); cerr != nil {
				t.Errorf("Close: %v", cerr)
			}
			if err != nil {
				t.Fatalf("reading blob: %v", err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("Open returned %d bytes differing from the %d put", len(got), len(data))
			}
			if openInfo != wantInfo {
				t.Errorf("Open Info = %+v, want %+v", openInfo, wantInfo)
			}

			statInfo, err := l.Stat(ctx, info.Digest)
			if err != nil || statInfo != wantInfo {
				t.Errorf("Stat = %+v, %v; want %+v", statInfo, err, wantInfo)
			}
			if err := l.Verify(ctx, info.Digest); err != nil {
				t.Errorf("Verify of intact blob: %v", err)
			}
		})
	}
}

func TestPutDigestMismatch(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"small", 100},
		{"multi-chunk", 256<<10 + 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newStore(t)
			data := content(tt.size, uint64(i))
			want := sha256Hex(append(slices.Clone(data), 'x'))
			computed := sha256Hex(data)

			info, err := l.Put(t.Context(), bytes.NewReader(data), want, 0)
			if !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("Put = %+v, %v; want ErrDigestMismatch", info, err)
			}
			if info != (Info{}) {
				t.Errorf("Put returned %+v alongside an error", info)
			}
			// The message must let an operator see both sides.
			for _, s := range []string{want.String(), computed.String()} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %s", err, s)
				}
			}
			assertNothingStored(t, dir)
			for _, d := range []Digest{want, computed} {
				if _, err := l.Stat(t.Context(), d); !errors.Is(err, ErrNotFound) {
					t.Errorf("Stat(%s) = %v, want ErrNotFound", d, err)
				}
			}
		})
	}
}

func TestPutSizeLimit(t *testing.T) {
	const size = 64<<10 + 5
	tests := []struct {
		name    string
		max     int64
		tooBig  bool
		comment string
	}{
		{"one byte over", size - 1, true, "max+1 must be read to detect this"},
		{"far over", 1, true, ""},
		{"exactly at limit", size, false, "the limit is inclusive"},
		{"under limit", size + 1, false, ""},
		{"zero means unlimited", 0, false, ""},
		{"negative means unlimited", -1, false, ""},
		{"MaxInt64", math.MaxInt64, false, "max+1 would overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newStore(t)
			data := content(size, 7)
			info, err := l.Put(t.Context(), bytes.NewReader(data), "", tt.max)
			if !tt.tooBig {
				want := Info{Digest: sha256Hex(data), Size: size}
				if err != nil || info != want {
					t.Fatalf("Put = %+v, %v; want %+v (%s)", info, err, want, tt.comment)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Put = %+v, %v; want ErrTooLarge (%s)", info, err, tt.comment)
			}
			assertNothingStored(t, dir)
		})
	}
}

// countingReader yields an endless stream of 'a' and counts what it gave.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += int64(len(p))
	return len(p), nil
}

// An endless upload must be cut off at the limit rather than consumed.
func TestPutTooLargeStopsReading(t *testing.T) {
	l, dir := newStore(t)
	const max = 1 << 20
	src := &countingReader{}
	if _, err := l.Put(t.Context(), src, "", max); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put = %v, want ErrTooLarge", err)
	}
	if src.n != max+1 {
		t.Errorf("read %d bytes from the source, want exactly %d", src.n, max+1)
	}
	assertNothingStored(t, dir)
}

// Put must stream: storing 32 MiB may not allocate anything close to that.
func TestPutConstantMemory(t *testing.T) {
	l, _ := newStore(t)
	const size = 32 << 20
	src := io.LimitReader(&countingReader{}, size)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	info, err := l.Put(t.Context(), src, "", 0)
	runtime.ReadMemStats(&after)
	if err != nil || info.Size != size {
		t.Fatalf("Put = %+v, %v; want %d bytes stored", info, err, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("Put of %d bytes allocated %d bytes; want < 1 MiB", size, alloc)
	}
}

// failingReader yields data and then fails with err. Before failing it runs
// check, which lets a test confirm that a partial temp file really existed,
// so "nothing remains" afterwards proves cleanup rather than inaction.
type failingReader struct {
	data  io.Reader
	err   error
	check func()
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.data.Read(p)
	if err == io.EOF {
		f.check()
		return n, f.err
	}
	return n, err
}

// assertPartialTemp fails unless dir/tmp holds exactly one non-empty file.
func assertPartialTemp(t *testing.T, dir string) {
	t.Helper()
	files := listFiles(t, filepath.Join(dir, "tmp"))
	if len(files) != 1 {
		t.Fatalf("mid-upload tmp holds %v, want one temp file", files)
	}
	fi, err := os.Stat(filepath.Join(dir, "tmp", files[0]))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Fatalf("mid-upload temp file is empty; the test would prove nothing")
	}
}

func TestPutInterrupted(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"unexpected EOF", io.ErrUnexpectedEOF},
		{"connection reset", errors.New("read tcp: connection reset by peer")},
		{"timeout", iotest.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newStore(t)
			data := content(300<<10, 3)
			r := &failingReader{
				data:  bytes.NewReader(data),
				err:   tt.err,
				check: func() { assertPartialTemp(t, dir) },
			}
			// Even a correct expected digest must not rescue a broken stream.
			info, err := l.Put(t.Context(), r, sha256Hex(data), 0)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Put = %+v, %v; want error wrapping %v", info, err, tt.err)
			}
			assertNothingStored(t, dir)
		})
	}
}

// cancellingReader yields data and cancels its context after chunks reads;
// any read after that is counted, because the store should not make one.
type cancellingReader struct {
	data       io.Reader
	chunks     int
	cancel     context.CancelFunc
	check      func()
	readsAfter int
	cancelled  bool
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.cancelled {
		c.readsAfter++
	}
	n, err := c.data.Read(p)
	if c.chunks--; c.chunks == 0 {
		c.check()
		c.cancel()
		c.cancelled = true
	}
	return n, err
}

func TestPutContextCancelled(t *testing.T) {
	t.Run("mid-stream", func(t *testing.T) {
		l, dir := newStore(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		r := &cancellingReader{
			data:   bytes.NewReader(content(1<<20, 4)),
			chunks: 3,
			cancel: cancel,
			check:  func() { assertPartialTemp(t, dir) },
		}
		info, err := l.Put(ctx, r, "", 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Put = %+v, %v; want context.Canceled", info, err)
		}
		if r.readsAfter != 0 {
			t.Errorf("source read %d more times after cancellation", r.readsAfter)
		}
		assertNothingStored(t, dir)
	})
	t.Run("during last chunk", func(t *testing.T) {
		// Cancelled while the final read is in flight: the copy completes,
		// but the blob must still not be committed.
		l, dir := newStore(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		r := &cancellingReader{
			data:   bytes.NewReader([]byte("short")),
			chunks: 1,
			cancel: cancel,
			check:  func() {},
		}
		if _, err := l.Put(ctx, r, "", 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put = %v, want context.Canceled", err)
		}
		assertNothingStored(t, dir)
	})
	t.Run("before start", func(t *testing.T) {
		l, dir := newStore(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		src := &countingReader{}
		if _, err := l.Put(ctx, src, "", 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put = %v, want context.Canceled", err)
		}
		if src.n != 0 {
			t.Errorf("read %d bytes with a cancelled context", src.n)
		}
		assertNothingStored(t, dir)
	})
}

func TestPutIdempotent(t *testing.T) {
	l, dir := newStore(t)
	ctx := t.Context()
	data := content(4096, 5)

	first, err := l.Put(ctx, bytes.NewReader(data), "", 0)
	if err != nil {
		t.Fatalf("first Put: %v", err)
	}
	p := blobPath(dir, first.Digest)
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}

	// Second time with and without the expected digest.
	for _, want := range []Digest{"", first.Digest} {
		again, err := l.Put(ctx, bytes.NewReader(data), want, int64(len(data)))
		if err != nil {
			t.Fatalf("repeated Put (want %q): %v", want, err)
		}
		if again != first {
			t.Errorf("repeated Put = %+v, want %+v", again, first)
		}
	}
	after, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	// The existing file is kept rather than replaced by the new temp file.
	if !os.SameFile(before, after) {
		t.Errorf("repeated Put replaced the stored file")
	}
	if files := listFiles(t, dir); len(files) != 1 {
		t.Errorf("store holds %v, want one file", files)
	}
}

// A stored file of the wrong size is damaged; uploading the content again
// must repair it instead of trusting it.
func TestPutRepairsTruncatedBlob(t *testing.T) {
	l, dir := newStore(t)
	ctx := t.Context()
	data := content(10000, 6)
	info, err := l.Put(ctx, bytes.NewReader(data), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(blobPath(dir, info.Digest), 10); err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(ctx, info.Digest); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify of truncated blob = %v, want ErrCorrupt", err)
	}
	if _, err := l.Put(ctx, bytes.NewReader(data), info.Digest, 0); err != nil {
		t.Fatalf("re-Put: %v", err)
	}
	if err := l.Verify(ctx, info.Digest); err != nil {
		t.Errorf("Verify after re-Put: %v", err)
	}
}

func TestNewEncryptedRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	kr, _ := newKeyring(t)
	l, err := NewEncrypted(dir, kr)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := l.Put(t.Context(), strings.NewReader("survivor"), "", 0)
	if err != nil {
		t.Fatal(err)
	}

	// Debris as a crash would leave it, plus oddities that must not make
	// the store refuse to start.
	tmp := filepath.Join(dir, "tmp")
	for _, name := range []string{"put-123456", "put-999", "unexpected"} {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(tmp, "stray", "dir"), 0o700); err != nil {
		t.Fatal(err)
	}

	l, err = NewEncrypted(dir, kr)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("tmp still holds %d entries after NewEncrypted", len(entries))
	}
	// Committed blobs are not debris.
	if info, err := l.Stat(t.Context(), kept.Digest); err != nil || info != kept {
		t.Errorf("Stat of earlier blob = %+v, %v; want %+v", info, err, kept)
	}
}

func TestNewEncryptedBadArguments(t *testing.T) {
	kr, _ := newKeyring(t)
	if _, err := NewEncrypted("", kr); err == nil {
		t.Error("NewEncrypted(\"\", kr) succeeded")
	}
	if _, err := NewEncrypted(t.TempDir(), nil); err == nil {
		t.Error("NewEncrypted(dir, nil) succeeded")
	}
}

func TestConcurrentPutSameContent(t *testing.T) {
	l, dir := newStore(t)
	data := content(512<<10, 8)
	want := Info{Digest: sha256Hex(data), Size: int64(len(data))}

	const n = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		infos [n]Info
		errs  [n]error
	)
	for i := range n {
		wg.Go(func() {
			<-start // maximise overlap
			infos[i], errs[i] = l.Put(t.Context(), bytes.NewReader(data), "", 0)
		})
	}
	close(start)
	wg.Wait()

	for i := range n {
		if errs[i] != nil || infos[i] != want {
			t.Errorf("Put #%d = %+v, %v; want %+v", i, infos[i], errs[i], want)
		}
	}
	rel := "sha256/" + want.Digest.Hex()[:2] + "/" + want.Digest.Hex()[2:]
	if got := listFiles(t, dir); !slices.Equal(got, []string{rel}) {
		t.Errorf("store holds %v, want only %s", got, rel)
	}
	if err := l.Verify(t.Context(), want.Digest); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		offset int64 // byte of the file to flip; negative counts from the end
	}{
		{"first byte of the header", 100, 0},
		{"first byte of the content", 100, 78},
		{"last byte of the file", 100, -1},
		{"middle of a large blob", 1<<20 + 3, 600000},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newStore(t)
			ctx := t.Context()
			info, err := l.Put(ctx, bytes.NewReader(content(tt.size, uint64(i))), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Verify(ctx, info.Digest); err != nil {
				t.Fatalf("Verify before damage: %v", err)
			}

			p := blobPath(dir, info.Digest)
			off := tt.offset
			if off < 0 {
				off += wantFileSize(tt.size, ChunkSize)
			}
			flipByte(t, p, off)

			err = l.Verify(ctx, info.Digest)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Verify after flipping a byte = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), info.Digest.Hex()) {
				t.Errorf("error %q does not name the digest", err)
			}
			// Open fails too, at once for a damaged header, else on reading.
			rc, _, err := l.Open(ctx, info.Digest)
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("reading the damaged blob = %v, want ErrCorrupt", err)
			}
		})
	}
}

// flipByte inverts the low bit of the byte at off in the file p.
func flipByte(t testing.TB, p string, off int64) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestNotFound(t *testing.T) {
	l, _ := newStore(t)
	ctx := t.Context()
	absent := sha256Hex([]byte("never stored"))
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s = %v, want ErrNotFound", op, err)
		} else if !strings.Contains(err.Error(), absent.Hex()) {
			t.Errorf("%s error %q does not name the digest", op, err)
		}
	}
	rc, _, err := l.Open(ctx, absent)
	if rc != nil {
		t.Error("Open returned a reader for an absent blob")
	}
	check("Open", err)
	_, err = l.Stat(ctx, absent)
	check("Stat", err)
	check("Delete", l.Delete(ctx, absent))
	check("Verify", l.Verify(ctx, absent))
}

func TestDelete(t *testing.T) {
	l, dir := newStore(t)
	ctx := t.Context()
	info, err := l.Put(ctx, strings.NewReader("doomed"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, info.Digest); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := l.Stat(ctx, info.Digest); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
	}
	if err := l.Delete(ctx, info.Digest); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	assertNothingStored(t, dir)
	// The content can be stored again after deletion.
	if again, err := l.Put(ctx, strings.NewReader("doomed"), info.Digest, 0); err != nil || again != info {
		t.Errorf("Put after Delete = %+v, %v; want %+v", again, err, info)
	}
}

// Digests become file names, so malformed ones must be refused before any
// path is built, and distinguishably from "not found".
func TestInvalidDigestRejected(t *testing.T) {
	l, dir := newStore(t)
	ctx := t.Context()
	// Something an escaping path could reach, to show it stays untouched.
	outside := filepath.Join(dir, "outside")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	bad := []Digest{
		"",
		"abc",
		Digest(strings.ToUpper(emptySHA256)),
		Digest("sha256:" + emptySHA256),
		Digest("../../" + emptySHA256[6:]),
		Digest("/" + emptySHA256[1:]),
		Digest(emptySHA256[:2] + "/" + emptySHA256[3:]),
		Digest(emptySHA256[:63] + "\x00"),
		Digest(emptySHA256 + "0"),
	}
	for _, d := range bad {
		ops := map[string]error{
			"Delete": l.Delete(ctx, d),
			"Verify": l.Verify(ctx, d),
		}
		_, _, ops["Open"] = l.Open(ctx, d)
		_, ops["Stat"] = l.Stat(ctx, d)
		if d != "" { // an empty want means "don't check"
			_, ops["Put"] = l.Put(ctx, strings.NewReader("x"), d, 0)
		}
		for op, err := range ops {
			if !errors.Is(err, ErrInvalidDigest) {
				t.Errorf("%s(%q) = %v, want ErrInvalidDigest", op, d, err)
			}
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("file outside the store was affected: %v", err)
	}
	assertNothingStored(t, dir)
}
