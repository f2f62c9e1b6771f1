package store

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"shencha/internal/review"
	"shencha/internal/transparency"
)

func TestZZBig(t *testing.T) {
	dir := os.Getenv("BIGDIR")
	if dir == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(dir, "db", "shencha.db"))
	if err != nil {
		t.Fatal(err)
	}
	k, _ := transparency.Load(filepath.Join(dir, "keys"))
	s.SetKeys(k)
	if err := s.CatchUpRegister(ctx); err != nil {
		t.Fatal(err)
	}
	s.Checkpoint(ctx)
	ids, _ := s.SyntheticListingIDs(ctx)
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	t0 := time.Now()
	const n = 20000
	for range n {
		q := ListingQuery{ListingID: ids[r.IntN(len(ids))]}
		picks, ok := s.reg.lookup(review.Actor{}, q, s.Now())
		if ok {
			if a, _ := s.signedFromRegister(ctx, &picks[0]); a != nil {
				fast++
			}
		}
	}
	t.Logf("%d of %d from memory, misses %d, %v each", fast, n, s.regMisses.Load(), time.Since(t0)/n)
	p := ids[5]
	picks, ok := s.reg.lookup(review.Actor{}, ListingQuery{ListingID: p}, s.Now())
	t.Logf("ok %v sig %d logIdx %d head %+v", ok, len(picks[0].sig), picks[0].logIdx, s.head.Load().Size)
}
