package store

import "slices"

// Indexes of the in-memory register, made of int32 slices so that a
// million entries cost a few megabytes and nothing the garbage collector
// must scan (a Go map of a million entries costs over twenty).

// idIndex maps database ids to register positions. Ids are assigned in
// sequence, so a slice indexed by id is dense; an id far beyond the
// entries held (a gap left by a sequence jump) goes to a map instead.
type idIndex struct {
	dense  []int32 // position + 1 by id; 0 is absent
	sparse map[int64]int32
}

func (x *idIndex) get(id int64) (int32, bool) {
	if id >= 0 && id < int64(len(x.dense)) {
		p := x.dense[id]
		return p - 1, p != 0
	}
	p, ok := x.sparse[id]
	return p, ok
}

// reserve sizes the dense slice for ids up to max, when they are dense
// enough for put to keep them there.
func (x *idIndex) reserve(max int64, held int) {
	if max >= 0 && max < int64(denseLimit(held)) && max >= int64(len(x.dense)) {
		x.dense = slices.Grow(x.dense, int(max)+1-len(x.dense))
	}
}

// denseLimit bounds the ids the dense slice holds, for held entries.
func denseLimit(held int) int { return max(4*held, 1<<16) }

// put records id at position i; held is the number of entries held, which
// bounds how far the dense slice may grow.
func (x *idIndex) put(id int64, i int32, held int) {
	if id >= 0 && id < int64(denseLimit(held)) {
		if id >= int64(len(x.dense)) {
			x.dense = append(x.dense, make([]int32, int(id)+1-len(x.dense))...)
		}
		x.dense[id] = i + 1
		return
	}
	if x.sparse == nil {
		x.sparse = map[int64]int32{}
	}
	x.sparse[id] = i
}

// hashIndex finds versions by a key's hash: open addressing with linear
// probing over a power-of-two table at most half full. Slots hold a
// version's position + 1; keys are not stored, so lookups compare the
// versions' own fields, and growing asks for each entry's hash again.
type hashIndex struct {
	slots []int32
	n     int
}

// reserve sizes the table for n entries.
func (h *hashIndex) reserve(n int, hashOf func(int32) uint64) {
	size := 16
	for size < 2*n {
		size *= 2
	}
	if size <= len(h.slots) {
		return
	}
	old := h.slots
	h.slots = make([]int32, size)
	for _, p := range old {
		if p != 0 {
			h.place(hashOf(p-1), p)
		}
	}
}

func (h *hashIndex) place(hash uint64, p int32) {
	mask := uint64(len(h.slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		if h.slots[i] == 0 {
			h.slots[i] = p
			return
		}
	}
}

// add indexes position i under hash.
func (h *hashIndex) add(hash uint64, i int32, hashOf func(int32) uint64) {
	h.reserve(h.n+1, hashOf)
	h.place(hash, i+1)
	h.n++
}

// each calls f with every position that may have been added under hash
// (those of other hashes in the same run of slots too), until f returns
// false.
func (h *hashIndex) each(hash uint64, f func(int32) bool) {
	if len(h.slots) == 0 {
		return
	}
	mask := uint64(len(h.slots) - 1)
	for i := hash & mask; h.slots[i] != 0; i = (i + 1) & mask {
		if !f(h.slots[i] - 1) {
			return
		}
	}
}
