package blob

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"sync"
)

// Encrypted is the product's Store: blobs are files on local disk,
// encrypted at rest in the format described in the package documentation.
// Digests and sizes always refer to the plaintext. Create it with
// NewEncrypted; the zero value is not usable. An Encrypted is safe for
// concurrent use by multiple goroutines, including a Rotate running
// alongside Put, Open, Stat and Delete.
//
// Only one process should use a given directory and key file at a time:
// NewEncrypted treats every file in dir/tmp as left over from a crash and
// removes it, and keys added or retired by Rotate are known only to the
// process that rotated.
type Encrypted struct {
	disk      *disk
	kr        *Keyring
	chunkSize int // plaintext bytes per chunk of new blobs

	// rotateMu serialises Rotate calls.
	rotateMu sync.Mutex
}

// Encrypted must keep satisfying Store; the rest of the product uses only
// the interface.
var _ Store = (*Encrypted)(nil)

// NewEncrypted opens the store rooted at dir, whose master keys are in kr,
// creating dir, dir/sha256 and dir/tmp with mode 0700 if needed. Any file
// already in dir/tmp is debris from a write interrupted by a crash (a
// finished one is always renamed out of it), so NewEncrypted removes it.
func NewEncrypted(dir string, kr *Keyring) (*Encrypted, error) {
	return newEncrypted(dir, kr, ChunkSize)
}

// newEncrypted is NewEncrypted with a chunk size for new blobs, so tests
// can exercise many chunks with little data.
func newEncrypted(dir string, kr *Keyring, chunkSize int) (*Encrypted, error) {
	if kr == nil {
		return nil, errors.New("blob: NewEncrypted: nil keyring")
	}
	d, err := openDisk(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: NewEncrypted: %w", err)
	}
	return &Encrypted{disk: d, kr: kr, chunkSize: chunkSize}, nil
}

// Put implements Store. The content is hashed and encrypted chunk by chunk
// into a temporary file in dir/tmp, after a zeroed header-sized gap; once
// the digest is known the data key is wrapped under the current master
// key, the header is written into the gap, and the file is fsynced and
// renamed into place. A blob is therefore either completely present under
// its name or absent. Content that is already stored, and whose header
// opens under this keyring, is kept rather than replaced; a damaged file
// is replaced, so re-uploading repairs it.
func (e *Encrypted) Put(ctx context.Context, r io.Reader, want Digest, max int64) (Info, error) {
	if want != "" {
		if err := want.validate(); err != nil {
			return Info{}, fmt.Errorf("blob: put: expected digest: %w", err)
		}
	}
	// Don't create a temp file for a request that is already abandoned.
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	tmp, err := e.disk.createTemp()
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	// Until the rename succeeds the temp file is ours to remove, whatever
	// the reason we leave: bad digest, too large, reader error, cancelled
	// context, full disk, or the blob turning out to exist already.
	installed := false
	defer func() {
		if !installed {
			discard(tmp)
		}
	}()

	var src io.Reader = ctxReader{ctx: ctx, r: r}
	// Reading one byte past the limit is how we tell "exactly max" from
	// "more than max" without buffering. At MaxInt64 there is no room for
	// that byte, and no reader could exceed it anyway.
	if max > 0 && max < math.MaxInt64 {
		src = io.LimitReader(src, max+1)
	}
	var dataKey [keySize]byte
	_, _ = rand.Read(dataKey[:]) // crypto/rand.Read never returns an error
	h := header{chunkSize: e.chunkSize}
	got, n, err := seal(tmp, src, newGCM(dataKey[:]), &h)
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if max > 0 && n > max {
		return Info{}, fmt.Errorf("%w: content exceeds limit of %d bytes", ErrTooLarge, max)
	}
	if want != "" && got != want {
		return Info{}, fmt.Errorf("%w: expected %s, computed %s", ErrDigestMismatch, want, got)
	}
	// The caller may have given up while the last chunk was in flight;
	// honour that before making anything durable.
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	installed, err = e.commit(tmp, &h, &dataKey, got, n)
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	return Info{Digest: got, Size: n}, nil
}

// seal reads src to EOF and writes it to w as the chunk stream of a blob
// file with header h (whose chunk size it uses), sealing each chunk with
// aead. It returns the SHA-256 and length of what it read. It works a
// batch of chunks at a time, in a fixed set of buffers whatever the
// content size, and hashes in another goroutine while it seals and writes:
// hashing costs about as much as everything else put together.
func seal(w io.Writer, src io.Reader, aead cipher.AEAD, h *header) (Digest, int64, error) {
	// The placeholder for the header, written once the digest is known.
	var gap [headerSize]byte
	if _, err := w.Write(gap[:]); err != nil {
		return "", 0, err
	}
	c := h.chunkSize
	k := batchChunks(c)
	// Plaintext batches queue for the hasher in a ring of hashQueue
	// buffers, so it need not wait for the next one. Each has room for one
	// byte more than a batch: a full batch is the last only if the source
	// has nothing after it, so seal reads one byte ahead, which then
	// starts the next batch.
	var ring [hashQueue][]byte
	for j := range ring {
		ring[j] = make([]byte, k*c+1)
	}
	ct := make([]byte, k*(c+tagSize))
	aad := h.streamAAD()
	sum := newAsyncHash()
	defer sum.stop()
	var (
		n       int64
		ahead   byte
		carried bool
	)
	for i, batch := int64(0), 0; ; batch++ {
		pt := ring[batch%hashQueue]
		sum.reserve() // wait until the hasher is done with pt
		m := 0
		if carried {
			pt[0], m = ahead, 1
		}
		r, err := readFull(src, pt[m:])
		m += r
		if err == io.EOF && m == len(pt) {
			err = nil // the next read will report EOF again
		}
		if err != nil && err != io.EOF {
			return "", 0, err
		}
		last := err == io.EOF
		if !last {
			m-- // the byte read ahead
			ahead, carried = pt[m], true
		}
		sum.write(pt[:m])
		sealed := 0
		for off := 0; off < m || off == 0; off += c {
			chunk := pt[off:min(off+c, m)]
			nonce := chunkNonce(i, last && off+c >= m)
			sealed += len(aead.Seal(ct[sealed:sealed], nonce[:], chunk, aad[:]))
			i++
		}
		if _, err := w.Write(ct[:sealed]); err != nil {
			return "", 0, err
		}
		n += int64(m)
		if last {
			return Digest(hex.EncodeToString(sum.sum())), n, nil
		}
	}
}

// hashQueue is how many batches seal lets the hasher fall behind.
const hashQueue = 4

// asyncHash computes a SHA-256 in a goroutine of its own, fed batches
// through a queue of hashQueue slots: reserve waits for a free slot, write
// queues a batch into it (which must not change until its slot is
// reserved again), sum waits for the queue to drain and returns the
// digest, and stop ends the goroutine.
type asyncHash struct {
	h    hash.Hash
	in   chan []byte
	free chan struct{}
}

func newAsyncHash() *asyncHash {
	a := &asyncHash{h: sha256.New(), in: make(chan []byte, hashQueue), free: make(chan struct{}, hashQueue)}
	for range hashQueue {
		a.free <- struct{}{}
	}
	go func() {
		for p := range a.in {
			a.h.Write(p)
			a.free <- struct{}{}
		}
	}()
	return a
}

func (a *asyncHash) reserve()       { <-a.free }
func (a *asyncHash) write(p []byte) { a.in <- p }
func (a *asyncHash) stop()          { close(a.in) }

func (a *asyncHash) sum() []byte {
	for range hashQueue {
		a.reserve()
	}
	return a.h.Sum(nil)
}

// readFull reads from r until p is full, and returns io.EOF (however much
// it read) if r ended first. Unlike io.ReadFull it passes on every other
// error unchanged, io.ErrUnexpectedEOF included: from an upload that means
// the client went away, not that the content ended.
func readFull(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// commit wraps dataKey for the blob d under the current master key, writes
// h into the gap at the start of tmp, and installs tmp as d, unless an
// intact blob of d with the same size is already stored. It reports
// whether tmp was installed.
func (e *Encrypted) commit(tmp *os.File, h *header, dataKey *[keySize]byte, d Digest, size int64) (bool, error) {
	// Shared from choosing the key until the file is in place: Rotate adds
	// its key exclusively, so afterwards no blob under an older key can
	// appear behind its back.
	e.kr.mu.RLock()
	defer e.kr.mu.RUnlock()
	if f, _, _, n, err := e.openFile(d); err == nil {
		_ = f.Close() // read-only
		if n == size {
			return false, nil
		}
	}
	cur := e.kr.current()
	if err := h.wrap(cur.id, cur.aead, dataKey, d); err != nil {
		return false, err
	}
	var b [headerSize]byte
	h.marshal(b[:])
	if _, err := tmp.WriteAt(b[:], 0); err != nil {
		return false, err
	}
	return e.disk.install(tmp, d, nil)
}

// openFile opens the blob file of d, reads and authenticates its header,
// and returns the file positioned at the first chunk, the header, the
// unwrapped data key and the plaintext size implied by the file size. The
// caller holds e.kr.mu (shared) and must close the file. Errors need no
// further context: they wrap ErrNotFound or ErrCorrupt and name the blob,
// or are file system errors naming the file.
func (e *Encrypted) openFile(d Digest) (*os.File, header, [keySize]byte, int64, error) {
	return openBlobFile(e.kr, e.disk.path(d), d)
}

// openBlobFile is openFile for the file at path, whichever store it is in.
func openBlobFile(kr *Keyring, path string, d Digest) (*os.File, header, [keySize]byte, int64, error) {
	var (
		h   header
		key [keySize]byte
	)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, h, key, 0, notFound(d)
	}
	if err != nil {
		return nil, h, key, 0, fmt.Errorf("blob: %w", err)
	}
	fail := func(err error) (*os.File, header, [keySize]byte, int64, error) {
		_ = f.Close() // read-only
		return nil, h, key, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("blob: %w", err))
	}
	if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("blob: %s is not a regular file", f.Name()))
	}
	var b [headerSize]byte
	if _, err := io.ReadFull(f, b[:]); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fail(corruptf(d, "file of %d bytes is shorter than the %d-byte header", fi.Size(), headerSize))
	} else if err != nil {
		return fail(fmt.Errorf("blob: %w", err))
	}
	if h, err = parseHeader(b[:]); err != nil {
		return fail(corruptf(d, "header: %v", err))
	}
	size, ok := plainSize(fi.Size(), int64(h.chunkSize))
	if !ok {
		return fail(corruptf(d, "file size %d does not fit %d-byte chunks (truncated or extended)", fi.Size(), h.chunkSize))
	}
	master, ok := kr.lookup(h.keyID)
	if !ok {
		return fail(corruptf(d, "wrapped under master key %08x, which keyring %s does not hold "+
			"(wrong key file, or damaged header)", h.keyID, kr.path))
	}
	if key, err = h.unwrap(master, d); err != nil {
		return fail(corruptf(d, "data key does not open under master key %08x of keyring %s "+
			"(wrong key file, damaged header, or a file that is not this blob's)", h.keyID, kr.path))
	}
	return f, h, key, size, nil
}

// corruptf returns an error wrapping ErrCorrupt that names the blob.
func corruptf(d Digest, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, d, fmt.Sprintf(format, args...))
}

// Open implements Store. The header is authenticated before Open returns,
// so a wrong key or a damaged header fails here with ErrCorrupt. The
// reader then authenticates each chunk before releasing any of its bytes,
// fails with an error wrapping ErrCorrupt (naming the digest and the chunk
// index) at the first chunk that does not authenticate, at a missing,
// reordered or extra chunk, and, as a second line of defence, if the
// plaintext does not hash to d. It is not an io.Seeker.
func (e *Encrypted) Open(ctx context.Context, d Digest) (io.ReadCloser, Info, error) {
	if err := d.validate(); err != nil {
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	e.kr.mu.RLock()
	f, h, key, size, err := e.openFile(d)
	e.kr.mu.RUnlock()
	if err != nil {
		return nil, Info{}, err
	}
	return newReader(f, h, key, size, d), Info{Digest: d, Size: size}, nil
}

// newReader reads the chunks of the blob file f, opened by openBlobFile.
func newReader(f *os.File, h header, key [keySize]byte, size int64, d Digest) *reader {
	slot := h.chunkSize + tagSize
	// Buffer a batch of chunks, or the whole body if smaller, plus the one
	// byte by which reading ahead tells a full batch from the file's end.
	body := sealedSize(size, int64(h.chunkSize)) - int64(headerSize)
	return &reader{
		f:    f,
		d:    d,
		aead: newGCM(key[:]),
		aad:  h.streamAAD(),
		slot: slot,
		ct:   make([]byte, min(int64(batchChunks(h.chunkSize)*slot), body)+1),
		sum:  newAsyncHash(),
	}
}

// reader decrypts a blob file's chunk stream. It reads the file a batch of
// chunks at a time, opens every chunk of the batch into a plaintext buffer
// from a ring, queues what authenticated for hashing in another goroutine,
// and hands it out.
type reader struct {
	f    *os.File
	d    Digest
	aead cipher.AEAD
	aad  [offKeyID]byte
	slot int // sealed chunk size: chunk size + tag

	ct    []byte            // a batch of sealed chunks; see fill
	full  bool              // ct was filled entirely: its last byte was read ahead
	ring  [hashQueue][]byte // plaintext batches, allocated when first used
	batch int               // batches read so far
	next  int64             // index of the next chunk to open
	pt    []byte            // authenticated plaintext not yet handed out
	sum   *asyncHash        // hashes the plaintext; nil once closed
	err   error             // returned once pt is drained: io.EOF or a failure
}

// errReaderClosed is returned by Read after Close.
var errReaderClosed = errors.New("blob: read after close")

// Read implements io.Reader. It never returns bytes of a chunk that did
// not authenticate: the bytes before an ErrCorrupt are a prefix of the
// genuine content ending at a chunk boundary.
func (r *reader) Read(p []byte) (int, error) {
	for len(r.pt) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.fill()
	}
	n := copy(p, r.pt)
	r.pt = r.pt[n:]
	return n, nil
}

// fill reads the next batch of chunks and opens them into r.pt. If the
// previous batch filled ct, its last byte was read ahead and starts this
// one. A batch that fills ct again ends with a byte of the next batch, so
// it holds whole chunks none of which is the last; a batch that does not
// reaches the end of the file, and the chunk that reaches the end must be
// the last and the last must reach the end, so truncation, a dropped last
// chunk and appended bytes all fail to open. fill sets r.err when the
// batch ends the reading: to io.EOF after the last chunk if the plaintext
// hashes to the digest, or to an error naming the first chunk that failed
// (the chunks before it are still handed out).
func (r *reader) fill() {
	ahead := 0
	if r.full {
		r.ct[0] = r.ct[len(r.ct)-1]
		ahead = 1
	}
	n, err := readFull(r.f, r.ct[ahead:])
	n += ahead
	eof := err == io.EOF
	if err != nil && !eof {
		r.err = fmt.Errorf("blob: reading %s: %w", r.d, err)
		return
	}
	r.full = !eof
	lim := n
	if !eof {
		lim--
	}
	if lim == 0 {
		r.err = corruptf(r.d, "chunk %d missing: file ends before the last chunk", r.next)
		return
	}
	j := r.batch % hashQueue
	r.batch++
	if r.ring[j] == nil {
		r.ring[j] = make([]byte, len(r.ct)) // opened chunks are shorter than sealed ones
	}
	pt := r.ring[j]
	r.sum.reserve() // wait until the hasher is done with pt
	m, last := 0, false
	for off := 0; off < lim && !last; off += r.slot {
		end := min(off+r.slot, lim)
		last = eof && end == lim
		nonce := chunkNonce(r.next, last)
		out, err := r.aead.Open(pt[m:m], nonce[:], r.ct[off:end], r.aad[:])
		if err != nil {
			r.err = corruptf(r.d, "chunk %d does not authenticate", r.next)
			break
		}
		m += len(out)
		r.next++
	}
	r.pt = pt[:m]
	r.sum.write(r.pt)
	if last && r.err == nil {
		r.err = io.EOF
		if got := Digest(hex.EncodeToString(r.sum.sum())); got != r.d {
			r.err = corruptf(r.d, "content hashes to %s", got)
		}
	}
}

// Close closes the blob file and stops the hasher.
func (r *reader) Close() error {
	if r.sum == nil {
		return errReaderClosed
	}
	r.sum.stop()
	r.sum, r.pt, r.err = nil, nil, errReaderClosed
	return r.f.Close()
}

// Stat implements Store. It reads and authenticates the header, so a blob
// that Stat reports can at least be opened; it does not read the content.
func (e *Encrypted) Stat(ctx context.Context, d Digest) (Info, error) {
	if err := d.validate(); err != nil {
		return Info{}, fmt.Errorf("blob: stat: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: stat: %w", err)
	}
	e.kr.mu.RLock()
	f, _, _, size, err := e.openFile(d)
	e.kr.mu.RUnlock()
	if err != nil {
		return Info{}, err
	}
	_ = f.Close() // read-only
	return Info{Digest: d, Size: size}, nil
}

// Delete implements Store. The store cannot order Delete against a
// concurrent Put of the same content (Put may find the blob present,
// report success, and then see it deleted), so a garbage collector must
// exclude uploads of the blobs it is collecting.
func (e *Encrypted) Delete(ctx context.Context, d Digest) error {
	if err := d.validate(); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	if err := e.disk.remove(d); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	return nil
}

// Digests calls fn with the digest of every stored blob and stops at the
// first error fn returns. It is for a garbage collector driven by the
// caller, which alone knows what is referenced.
func (e *Encrypted) Digests(ctx context.Context, fn func(Digest) error) error {
	return e.disk.digests(ctx, fn)
}

// Verify reads the blob d in full, authenticating every chunk and the
// plaintext digest, and returns an error wrapping ErrCorrupt if anything
// is wrong, or ErrNotFound if d is absent. It is for periodic scrubbing
// and for paranoid callers; a reader from Open makes the same checks as it
// goes.
func (e *Encrypted) Verify(ctx context.Context, d Digest) error {
	rc, _, err := e.Open(ctx, d)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, ctxReader{ctx: ctx, r: rc}); err != nil {
		return fmt.Errorf("blob: verify: %w", err)
	}
	return nil
}
