package transparency

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/tlog"
)

// Tree holds a log's stored hashes (in tlog.StoredHashIndex order) in
// memory, to append entries and prove inclusion and consistency without a
// round trip per hash: about 64 MB per million entries. It is safe for
// concurrent use.
type Tree struct {
	mu     sync.RWMutex
	hashes []tlog.Hash
	size   int64
	right  atomic.Pointer[rightEdge] // of the newest size proved
	// upper[l] holds the hashes of level upperLevel+l, in order: a copy
	// of a thirty-second of the hashes, the ones an inclusion proof takes
	// from far apart in stored order. Kept together they stay in the
	// processor's cache, and a proof reads the rest from one page.
	upper [][]tlog.Hash
}

// upperLevel is the lowest level Tree.upper holds: below it, a leaf's
// siblings lie within 2^upperLevel entries of it, 4 KB of stored hashes.
const upperLevel = 6

// Size is the number of entries.
func (t *Tree) Size() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.size
}

// StoredCount is the number of stored hashes.
func (t *Tree) StoredCount() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return int64(len(t.hashes))
}

// Append adds entries and returns the stored hashes they added, in order
// (to be persisted from index StoredCount() before the call).
func (t *Tree) Append(entries ...[]byte) ([]tlog.Hash, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	start := len(t.hashes)
	for _, e := range entries {
		hs, err := tlog.StoredHashes(t.size, e, tlog.HashReaderFunc(t.read))
		if err != nil {
			t.hashes, t.size = t.hashes[:start], t.size-int64(len(entries)) // unreachable with our reader
			return nil, err
		}
		t.hashes = append(t.hashes, hs...)
		t.size++
	}
	t.indexUpper(t.size - int64(len(entries)))
	return t.hashes[start:len(t.hashes):len(t.hashes)], nil
}

// Load adds stored hashes read back from storage, starting at stored
// hash index start, and sets the size they complete; the tree may keep
// stored, which the caller must not change afterwards. Hashes the tree
// already holds are skipped, so concurrent loads of the same rows are
// harmless; hashes that do not end on an entry boundary are refused.
func (t *Tree) Load(start int64, stored []tlog.Hash) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	have := int64(len(t.hashes))
	if start > have {
		return fmt.Errorf("transparency: stored hashes from %d leave a gap after %d", start, have)
	}
	if skip := have - start; skip >= int64(len(stored)) {
		return nil
	} else {
		stored = stored[skip:]
	}
	all := have + int64(len(stored))
	// The size n whose StoredHashCount is all; entries add at least one
	// stored hash each, so a scan from the current size is short.
	n := t.size
	for tlog.StoredHashCount(n) < all {
		n++
	}
	if tlog.StoredHashCount(n) != all {
		return fmt.Errorf("transparency: %d stored hashes do not end on an entry", all)
	}
	if len(t.hashes) == 0 {
		t.hashes = stored // a first load: keep the caller's slice rather than copy it
	} else {
		t.hashes = append(t.hashes, stored...)
	}
	from := t.size
	t.size = n
	t.indexUpper(from)
	return nil
}

// indexUpper copies into upper the hashes of levels upperLevel and up that
// entries from on completed. Entry i completes one node per trailing one
// bit of i, the one of level l at stored index StoredHashIndex(0, i)+l;
// callers hold the write lock.
func (t *Tree) indexUpper(from int64) {
	const step = 1 << upperLevel
	for i := from | (step - 1); i < t.size; i += step {
		base := tlog.StoredHashIndex(0, i)
		for l := upperLevel; l <= bits.TrailingZeros64(^uint64(i)); l++ {
			for len(t.upper) <= l-upperLevel {
				t.upper = append(t.upper, nil)
			}
			t.upper[l-upperLevel] = append(t.upper[l-upperLevel], t.hashes[base+int64(l)])
		}
	}
}

// node is the stored hash of the complete subtree of level l and index n;
// callers hold the lock.
func (t *Tree) node(l int, n int64) *tlog.Hash {
	if l >= upperLevel {
		return &t.upper[l-upperLevel][n]
	}
	return &t.hashes[tlog.StoredHashIndex(l, n)]
}

// read is the HashReader over the stored hashes; callers hold the lock.
func (t *Tree) read(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("transparency: stored hash %d not held (have %d)", x, len(t.hashes))
		}
		out[i] = t.hashes[x]
	}
	return out, nil
}

// Root is the tree hash at size n.
func (t *Tree) Root(n int64) (tlog.Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if n > t.size {
		return tlog.Hash{}, fmt.Errorf("transparency: size %d is beyond the log's %d", n, t.size)
	}
	return tlog.TreeHash(n, tlog.HashReaderFunc(t.read))
}

// InclusionProof proves entry index in the tree of size n (RFC 6962
// PATH, leaf to root). The proof walks down from the root: a sibling to
// the left is always a complete subtree, whose hash is stored; one to the
// right is complete too, except on the tree's right edge, where it is a
// suffix [s, n) whose hash edge(n) computes once per size.
func (t *Tree) InclusionProof(index, n int64) ([][]byte, error) {
	var into [MaxProof]tlog.Hash
	k, err := t.ProveInclusion(index, n, &into)
	if err != nil {
		return nil, err
	}
	return ProofBytes(into[:k]), nil
}

// ProofBytes copies a proof's hashes into the [][]byte of an Attestation.
func ProofBytes(hs []tlog.Hash) [][]byte {
	flat := make([]byte, len(hs)*tlog.HashSize)
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = flat[i*tlog.HashSize : (i+1)*tlog.HashSize : (i+1)*tlog.HashSize]
		copy(out[i], hs[i][:])
	}
	return out
}

// MaxProof bounds the hashes of a proof: one a level of a tree of 2^63
// entries.
const MaxProof = 64

// ProveInclusion writes InclusionProof's hashes into into, leaf first, and
// returns how many.
func (t *Tree) ProveInclusion(index, n int64, into *[MaxProof]tlog.Hash) (int, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if index < 0 || index >= n || n > t.size {
		return 0, fmt.Errorf("transparency: no entry %d in a tree of %d (log size %d)", index, n, t.size)
	}
	e := t.edge(n)
	k := 0 // siblings found, root first, then reversed
	lo, hi := int64(0), n
	for hi-lo > 1 {
		split := int64(1) << (bits.Len64(uint64(hi-lo-1)) - 1) // the largest power of two below hi-lo
		mid := lo + split
		if index < mid {
			if w := n - mid; hi == n && w&(w-1) != 0 {
				into[k] = e.hashes[e.slot(mid)]
			} else {
				l := bits.TrailingZeros64(uint64(hi - mid))
				into[k] = *t.node(l, mid>>l)
			}
			hi = mid
		} else {
			l := bits.TrailingZeros64(uint64(split))
			into[k] = *t.node(l, lo>>l)
			lo = mid
		}
		k++
	}
	slices.Reverse(into[:k])
	return k, nil
}

// LeafHash is the hash of entry index.
func (t *Tree) LeafHash(index int64) (tlog.Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if index < 0 || index >= t.size {
		return tlog.Hash{}, fmt.Errorf("transparency: no entry %d (log size %d)", index, t.size)
	}
	return t.hashes[tlog.StoredHashIndex(0, index)], nil
}

// rightEdge holds, for one tree size n, the hashes of the suffixes [s, n)
// of the tree's right edge that are not complete subtrees.
type rightEdge struct {
	n      int64
	starts []int64
	hashes []tlog.Hash
}

func (e *rightEdge) slot(start int64) int {
	for i, s := range e.starts {
		if s == start {
			return i
		}
	}
	panic("transparency: suffix not on the right edge")
}

// edge returns the right edge of size n, computing it when the size
// changed; callers hold the read lock.
func (t *Tree) edge(n int64) *rightEdge {
	if e := t.right.Load(); e != nil && e.n == n {
		return e
	}
	e := &rightEdge{n: n}
	for lo := int64(0); n-lo > 1; {
		mid := lo + int64(1)<<(bits.Len64(uint64(n-lo-1))-1)
		if w := n - mid; w&(w-1) != 0 {
			e.starts = append(e.starts, mid)
			e.hashes = append(e.hashes, t.suffixHash(mid, n))
		}
		lo = mid
	}
	t.right.Store(e)
	return e
}

// suffixHash is the hash of leaves [s, n): its complete subtrees, largest
// first, folded from the right.
func (t *Tree) suffixHash(s, n int64) tlog.Hash {
	var parts []tlog.Hash
	for lo := s; lo < n; {
		size := int64(1) << (bits.Len64(uint64(n-lo)) - 1)
		level := bits.TrailingZeros64(uint64(size))
		parts = append(parts, *t.node(level, lo>>level))
		lo += size
	}
	h := parts[len(parts)-1]
	for i := len(parts) - 2; i >= 0; i-- {
		h = tlog.NodeHash(parts[i], h)
	}
	return h
}

// ConsistencyProof proves the tree of size to extends that of size from.
func (t *Tree) ConsistencyProof(from, to int64) ([][]byte, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if from < 0 || from > to || to > t.size {
		return nil, fmt.Errorf("transparency: no consistency proof from %d to %d (log size %d)", from, to, t.size)
	}
	if from == 0 || from == to {
		return [][]byte{}, nil
	}
	p, err := tlog.ProveTree(to, from, tlog.HashReaderFunc(t.read))
	return flatten(p), err
}

func flatten(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// Truncate cuts the tree back to n entries (to undo appends that were not
// persisted).
func (t *Tree) Truncate(n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < t.size {
		t.hashes = t.hashes[:tlog.StoredHashCount(n)]
		for l := range t.upper {
			t.upper[l] = t.upper[l][:n>>(upperLevel+l)]
		}
		t.size = n
		t.right.Store(nil) // new entries may give a size it held other hashes
	}
}
