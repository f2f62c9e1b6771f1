package store_test

import (
	"testing"

	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

func BenchmarkListingsTmp(b *testing.B) {
	e := newEnv(b, storetest.Backends()[0], at(2026, 3, 2, 9))
	demo.SeedCases(e.ctx, e.s, e.f)
	e.s.Sequence(e.ctx, 0)
	for b.Loop() {
		if _, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
