package transparency

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// BenchmarkInclusionProof proves random entries of a tree of a million.
func BenchmarkInclusionProof(b *testing.B) {
	const n = 1_000_000
	var t Tree
	entry := make([]byte, 8)
	for i := range n {
		binary.BigEndian.PutUint64(entry, uint64(i))
		if _, err := t.Append(entry); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		if _, err := t.InclusionProof(r.Int64N(n), n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend appends entries to the tree in memory (the sequencer's
// work besides the database's).
func BenchmarkAppend(b *testing.B) {
	var t Tree
	entry := make([]byte, 1200) // about an envelope
	i := uint64(0)
	for b.Loop() {
		binary.BigEndian.PutUint64(entry, i)
		i++
		if _, err := t.Append(entry); err != nil {
			b.Fatal(err)
		}
	}
}
