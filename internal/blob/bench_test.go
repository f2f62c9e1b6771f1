package blob

import (
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// Benchmarks of the product store at its real chunk size. They store in
// the system temporary directory (set TMPDIR to choose the disk).
//
//	SHENCHA_BENCH_BYTES  content size (default 64 MiB)
//	SHENCHA_BENCH_SRC    a file to store instead of generated content; its
//	                     size wins (bench/blob.sh uses this)

// benchSource returns a reader of the benchmark content, its size, and a
// function that releases it. Generated content is a ChaCha8 stream
// (incompressible, never held in memory), different for each seed.
func benchSource(b *testing.B, seed uint64) (io.Reader, int64, func()) {
	b.Helper()
	if p := os.Getenv("SHENCHA_BENCH_SRC"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		fi, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		return f, fi.Size(), func() { f.Close() }
	}
	size := int64(64 << 20)
	if s := os.Getenv("SHENCHA_BENCH_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			b.Fatalf("SHENCHA_BENCH_BYTES=%q is not a byte count", s)
		}
		size = n
	}
	src := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	return io.LimitReader(src, size), size, func() {}
}

// BenchmarkPut measures storing the content: reading, hashing, encrypting,
// writing and both fsyncs. Each stored blob is deleted again, outside the
// timing, so every iteration stores new content and the disk does not fill.
func BenchmarkPut(b *testing.B) {
	e, _ := newStore(b)
	ctx := b.Context()
	var seed uint64
	for b.Loop() {
		seed++
		src, size, release := benchSource(b, seed)
		b.SetBytes(size)
		info, err := e.Put(ctx, src, "", 0)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		release()
		if err := e.Delete(ctx, info.Digest); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkOpen measures reading a stored blob in full: reading,
// authenticating, decrypting and hashing.
func BenchmarkOpen(b *testing.B) {
	e, _ := newStore(b)
	ctx := b.Context()
	src, size, release := benchSource(b, 0)
	info, err := e.Put(ctx, src, "", 0)
	release()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		rc, _, err := e.Open(ctx, info.Digest)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, rc); err != nil || n != size {
			b.Fatalf("read %d bytes, %v; want %d", n, err, size)
		}
		rc.Close()
	}
}
