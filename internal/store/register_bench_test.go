package store_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// benchListings is the register size of the register benchmarks:
// SHENCHA_BENCH_LISTINGS, else 20,000.
func benchListings() int {
	if n, err := strconv.Atoi(os.Getenv("SHENCHA_BENCH_LISTINGS")); err == nil && n > 0 {
		return n
	}
	return 20_000
}

// BenchmarkRegister builds a synthetic register, sequences its statements
// (reporting appends per second) and then times lookups: the in-memory
// part alone, and whole answers with the signed statement and its proof.
func BenchmarkRegister(b *testing.B) {
	e := newEnv(b, storetest.Backends()[0], at(2026, 3, 2, 9))
	n := benchListings()
	if err := e.s.SyntheticRegister(e.ctx, n, e.f.Users["office"].ID); err != nil {
		b.Fatal(err)
	}
	ids, err := e.s.SyntheticListingIDs(e.ctx)
	if err != nil || len(ids) != n {
		b.Fatalf("%d ids, %v", len(ids), err)
	}
	b.Run("sequence", func(b *testing.B) {
		appended := 0
		for b.Loop() {
			k, err := e.s.Sequence(e.ctx, 0)
			if err != nil {
				b.Fatal(err)
			}
			appended += k
		}
		b.ReportMetric(float64(appended)/b.Elapsed().Seconds(), "appends/s")
	})
	// Whatever the timed loop left queued, so every answer is in the log.
	for {
		k, err := e.s.Sequence(e.ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	if _, err := e.s.Checkpoint(e.ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("lookup-memory", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if !e.s.InRegister(store.ListingQuery{ListingID: ids[i%len(ids)]}) {
				b.Fatal("not found")
			}
			i += 7919
		}
	})
	b.Run("answer", func(b *testing.B) {
		i := 0
		for b.Loop() {
			ans, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: ids[i%len(ids)]})
			if err != nil || len(ans) != 1 || ans[0].Attestation == nil || ans[0].Attestation.Pending {
				b.Fatalf("%+v %v", ans, err)
			}
			i += 7919
		}
	}) // The heap the register holds, per listing: reloaded from scratch
	// between two full collections.
	b.Run("memory", func(b *testing.B) {
		var before, after runtime.MemStats
		for b.Loop() {
			e.s.ResetRegisterForTest()
			runtime.GC()
			runtime.ReadMemStats(&before)
			if err := e.s.CatchUpRegister(e.ctx); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/listing")
	})
}
