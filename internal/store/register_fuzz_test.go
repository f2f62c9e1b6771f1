package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// FuzzListings asks the register arbitrary questions (the query string of
// GET /api/v1/listings and the lines of a batch: purl, CPE, digest, ids,
// version, date) as callers of every kind, over the demo's published
// results: the in-memory register answers exactly as the database does, a
// refused question is a bad request naming its field, the hand-written
// JSON is encoding/json's, and nobody is told a result outside their scope.
func FuzzListings(f *testing.F) {
	e := newCasesEnv(f, storetest.Backends()[0])
	if _, err := e.s.Sequence(e.ctx, 0); err != nil {
		f.Fatal(err)
	}
	if err := e.s.CatchUpRegister(e.ctx); err != nil {
		f.Fatal(err)
	}
	actors := []review.Actor{{}}
	for _, u := range []string{"office", "procurer", "ciio", "provider1", "provider2", "lab1", "finance-regulator"} {
		actors = append(actors, e.f.Actors[u])
	}
	today := e.clk.Today().String()
	for id := int64(1); id <= 4; id++ {
		ans, err := e.s.Listings(e.ctx, e.f.Actors["office"], store.ListingQuery{ListingID: id})
		if err != nil {
			f.Fatal(err)
		}
		for i, a := range ans {
			v, _ := e.s.Version(e.ctx, a.VersionID)
			f.Add(uint8(i), id, a.PURL, "", "", int64(0), "", "")
			f.Add(uint8(i+1), int64(0), purlWithoutVersion(a.PURL), "", "", int64(0), "", today)
			f.Add(uint8(i+2), int64(0), "", a.CPE, "", int64(0), "", "")
			f.Add(uint8(i+3), int64(0), "", "", "sha256:"+v.ArtifactSHA256, int64(0), "", "2026-01-31")
			f.Add(uint8(i+4), int64(0), "", "", "", a.ProductID, a.Version, "")
		}
	}
	f.Add(uint8(0), int64(0), "pkg:", "", "", int64(0), "", "2026-02-30")
	f.Add(uint8(0), int64(0), "hx-9000", "", "SHA256:AB", int64(-1), "3.1.0", "02/03/2026")
	f.Fuzz(func(t *testing.T, who uint8, listing int64, purl, cpe, digest string, product int64, version, asOf string) {
		a := actors[int(who)%len(actors)]
		q := store.ListingQuery{ListingID: listing, PURL: purl, CPE: cpe, Digest: digest, ProductID: product, Version: version, AsOf: asOf}
		fast, err := e.s.Listings(e.ctx, a, q)
		slow, slowErr := e.s.ListingsFromDatabase(e.ctx, a, q)
		if !reflect.DeepEqual(err, slowErr) || !reflect.DeepEqual(fast, slow) {
			fj, _ := json.Marshal(fast)
			sj, _ := json.Marshal(slow)
			t.Fatalf("%s asks %+v:\nregister %s, %v\ndatabase %s, %v", a.Username, q, fj, err, sj, slowErr)
		}
		if err != nil {
			var re *review.Error
			if !errors.As(err, &re) || re.Kind != review.KindInvalid || re.Field == "" {
				t.Fatalf("%+v refused without naming a field: %#v", q, err)
			}
			return
		}
		if want, _ := json.Marshal(fast); !bytes.Equal(store.AppendListingAnswers(nil, fast), want) {
			t.Fatalf("%+v: hand-written JSON\n%s\nencoding/json\n%s", q, store.AppendListingAnswers(nil, fast), want)
		}
		for _, ans := range fast {
			if a.Anonymous() && ans.Scope != "" && ans.Scope != review.ScopePublic {
				t.Fatalf("an anonymous caller is told a %s result: %+v", ans.Scope, ans)
			}
			if ans.Status == review.ListingNotDisclosed && (ans.Case != "" || ans.Attestation != nil || len(ans.History) > 0) {
				t.Fatalf("a result not disclosed tells its case: %+v", ans)
			}
		}
	})
}
