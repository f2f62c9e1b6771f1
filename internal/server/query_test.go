package server

import (
	"net/url"
	"testing"
)

// firstValues reads a raw query as url.ParseQuery and Get do.
func TestFirstValues(t *testing.T) {
	for _, raw := range []string{
		"", "listing=1", "listing=1&listing=2", "listing=&listing=2", "purl=pkg%3Ageneric%2Fa%40b", "purl=pkg:generic/a@1+2",
		"cpe=cpe:2.3:a:x:y:1:*:*:*:*:*:*:*&as_of=2026-01-02", "listing=%zz&listing=3", "%zz=1&listing=4", "listing=5;x=1&listing=6",
		"&&listing=7&", "digest", "digest=&digest=sha256:ab", "LISTING=1", "list%69ng=8", "product=3&version=1.0%2B2",
	} {
		checkFirstValues(t, raw)
	}
}

func FuzzFirstValues(f *testing.F) {
	f.Add("listing=1&purl=pkg:generic/a@1")
	f.Add("listing=%zz&listing=3;&as_of=2026-01-02")
	f.Fuzz(checkFirstValues)
}

func checkFirstValues(t *testing.T, raw string) {
	var got [len(listingParams)]string
	firstValues(raw, listingParams[:], got[:])
	q, _ := url.ParseQuery(raw)
	for i, k := range listingParams {
		if want := q.Get(k); got[i] != want {
			t.Fatalf("%q: %s = %q, want %q", raw, k, got[i], want)
		}
	}
}
