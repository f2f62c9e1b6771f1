package blob

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// The on-disk format of a blob file, which the package documentation
// describes byte by byte; these constants are the single source of its
// numbers.
const (
	// ChunkSize is how many plaintext bytes each sealed chunk of a new blob
	// holds. Files record their own chunk size, so changing this constant
	// does not affect blobs already stored.
	ChunkSize = 64 << 10

	formatVersion = 1
	tagSize       = 16 // AES-GCM tag
	keySize       = 32 // AES-256 master and data keys
	nonceSize     = 12 // AES-GCM nonce

	// Header field offsets.
	offVersion    = len(fileMagic)
	offChunkSize  = offVersion + 2
	offKeyID      = offChunkSize + 4
	offWrapNonce  = offKeyID + 4
	offWrappedKey = offWrapNonce + nonceSize
	headerSize    = offWrappedKey + keySize + tagSize

	// maxChunkSize bounds the chunk size a header may claim: readers
	// allocate a few chunks' worth of buffers.
	maxChunkSize = 16 << 20

	// ioBatch is roughly how many plaintext bytes Put and the reader move
	// per system call and hand to the hasher at a time. With hashQueue
	// batches in flight, it sets the memory of one Put or open reader
	// (about (hashQueue+1)*ioBatch); larger batches measured no faster.
	ioBatch = 128 << 10
)

// fileMagic opens every blob file. The trailing newline and NUL catch
// text-mode mangling, as in PNG's signature.
const fileMagic = "SHBLOB\n\x00"

// header is the decoded fixed-size prefix of a blob file.
type header struct {
	chunkSize  int
	keyID      uint32
	wrapNonce  [nonceSize]byte
	wrappedKey [keySize + tagSize]byte
}

// marshal encodes h into b, which must be headerSize bytes long.
func (h *header) marshal(b []byte) {
	copy(b, fileMagic)
	binary.BigEndian.PutUint16(b[offVersion:], formatVersion)
	binary.BigEndian.PutUint32(b[offChunkSize:], uint32(h.chunkSize))
	binary.BigEndian.PutUint32(b[offKeyID:], h.keyID)
	copy(b[offWrapNonce:], h.wrapNonce[:])
	copy(b[offWrappedKey:], h.wrappedKey[:])
}

// parseHeader decodes the first headerSize bytes of a blob file. It checks
// only what can be checked without keys; unwrap authenticates the rest.
func parseHeader(b []byte) (header, error) {
	var h header
	if string(b[:offVersion]) != fileMagic {
		return h, fmt.Errorf("not an encrypted blob file (bad magic %q)", b[:offVersion])
	}
	if v := binary.BigEndian.Uint16(b[offVersion:]); v != formatVersion {
		return h, fmt.Errorf("unsupported format version %d", v)
	}
	c := binary.BigEndian.Uint32(b[offChunkSize:])
	if c == 0 || c > maxChunkSize {
		return h, fmt.Errorf("chunk size %d out of range", c)
	}
	h.chunkSize = int(c)
	h.keyID = binary.BigEndian.Uint32(b[offKeyID:])
	copy(h.wrapNonce[:], b[offWrapNonce:])
	copy(h.wrappedKey[:], b[offWrappedKey:])
	return h, nil
}

// streamAAD is the additional data of every chunk: the header fields that
// never change for the life of the file (magic, version, chunk size). The
// key id and wrapped key are left out because rotation rewrites them
// without re-encrypting the body; they are authenticated by the key wrap.
func (h *header) streamAAD() [offKeyID]byte {
	var b [headerSize]byte
	h.marshal(b[:])
	return [offKeyID]byte(b[:offKeyID])
}

// wrapAAD is the additional data of the key wrap: every header field before
// the nonce, then the raw plaintext digest. Binding the digest is what makes
// a blob file copied to another digest's path fail to open.
func (h *header) wrapAAD(d Digest) ([offWrapNonce + hexLen/2]byte, error) {
	var aad [offWrapNonce + hexLen/2]byte
	var b [headerSize]byte
	h.marshal(b[:])
	copy(aad[:], b[:offWrapNonce])
	if _, err := hex.Decode(aad[offWrapNonce:], []byte(d)); err != nil {
		return aad, fmt.Errorf("%w: %q", ErrInvalidDigest, string(d))
	}
	return aad, nil
}

// wrap encrypts dataKey under master (whose id is keyID) for the blob d,
// filling in h's key id, nonce and wrapped key.
func (h *header) wrap(keyID uint32, master cipher.AEAD, dataKey *[keySize]byte, d Digest) error {
	h.keyID = keyID
	_, _ = rand.Read(h.wrapNonce[:]) // crypto/rand.Read never returns an error
	aad, err := h.wrapAAD(d)
	if err != nil {
		return err
	}
	master.Seal(h.wrappedKey[:0], h.wrapNonce[:], dataKey[:], aad[:])
	return nil
}

// unwrap recovers the data key of the blob d from h, or fails if master is
// not the key it was wrapped with or anything in the header (or the digest)
// differs from what was sealed.
func (h *header) unwrap(master cipher.AEAD, d Digest) ([keySize]byte, error) {
	var key [keySize]byte
	aad, err := h.wrapAAD(d)
	if err != nil {
		return key, err
	}
	if _, err := master.Open(key[:0], h.wrapNonce[:], h.wrappedKey[:], aad[:]); err != nil {
		return key, err
	}
	return key, nil
}

// newGCM returns AES-256-GCM under key.
func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("blob: " + err.Error()) // only for a key of the wrong length: a bug
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic("blob: " + err.Error()) // standard nonce and tag sizes never fail
	}
	return gcm
}

// chunkNonce is the nonce of chunk i (counting from 0): the index as an
// 11-byte big-endian counter, then 1 if the chunk is the last, else 0. Each
// data key seals exactly one file, so (index, last) pairs never repeat
// under a key; the flag is what makes dropping or appending chunks fail.
func chunkNonce(i int64, last bool) [nonceSize]byte {
	var n [nonceSize]byte
	binary.BigEndian.PutUint64(n[3:11], uint64(i))
	if last {
		n[11] = 1
	}
	return n
}

// sealedSize is the size of the blob file holding n plaintext bytes in
// chunks of c: the header, the plaintext and one tag per chunk. The last
// chunk holds 1..c bytes; only empty content has an empty (final) chunk.
func sealedSize(n, c int64) int64 {
	chunks := max(1, (n+c-1)/c)
	return int64(headerSize) + n + chunks*tagSize
}

// plainSize inverts sealedSize, reporting false for a file size that no
// plaintext size produces (a file truncated or extended mid-chunk).
func plainSize(fileSize, c int64) (int64, bool) {
	body := fileSize - int64(headerSize)
	if body < tagSize {
		return 0, false
	}
	full, rem := body/(c+tagSize), body%(c+tagSize) // full*c < body: no overflow
	switch {
	case rem == 0:
		return full * c, true
	case rem < tagSize:
		return 0, false
	default:
		return full*c + rem - tagSize, true
	}
}

// batchChunks is how many chunks of size c make a batch.
func batchChunks(c int) int {
	return max(1, ioBatch/c)
}
