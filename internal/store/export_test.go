package store

import (
	"context"

	"shencha/internal/review"
)

// ListingsFromDatabase answers without the in-memory register, to compare.
func (s *Store) ListingsFromDatabase(ctx context.Context, a review.Actor, q ListingQuery) ([]ListingAnswer, error) {
	return s.listings(ctx, a, q, false)
}

// RegisterLookupForTest runs the in-memory part of an anonymous register
// lookup and reports whether it found the answer there.
func (s *Store) RegisterLookupForTest(q ListingQuery) bool {
	picks, ok := s.reg.lookup(review.Actor{}, q, s.Now())
	return ok && len(picks) > 0
}
