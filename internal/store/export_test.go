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

// RegisterMisses counts the statements the register rebuilt and found
// different from the log's entry.
func (s *Store) RegisterMisses() int64 { return s.regMisses.Load() }

// AttestedFromRegister reports whether the register serves the signed
// statements of an anonymous query's answers from memory.
func (s *Store) AttestedFromRegister(ctx context.Context, q ListingQuery) (bool, error) {
	picks, ok := s.reg.lookup(review.Actor{}, q, s.Now())
	if !ok || len(picks) == 0 {
		return false, nil
	}
	for i := range picks {
		if picks[i].scope != review.ScopePublic {
			continue
		}
		a, err := s.signedFromRegister(ctx, &picks[i])
		if a == nil || err != nil {
			return false, err
		}
	}
	return true, nil
}

// ResetRegisterForTest drops the in-memory register.
func (s *Store) ResetRegisterForTest() { s.reg = newRegister() }
