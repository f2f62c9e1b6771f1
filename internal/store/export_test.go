package store

import (
	"context"

	"shencha/internal/review"
)

// ListingsFromDatabase answers without the in-memory register, to compare.
func (s *Store) ListingsFromDatabase(ctx context.Context, a review.Actor, q ListingQuery) ([]ListingAnswer, error) {
	return s.listings(ctx, a, q, false)
}
