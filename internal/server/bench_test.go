package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/server"
	"shencha/internal/storetest"
)

// BenchmarkEligibility times the eligibility handler in process, from
// request to written body, on a synthetic register of
// SHENCHA_BENCH_LISTINGS listings (default 20,000) asked by an API token;
// "bare" is a handler writing a constant body of the same size, for
// comparison. bench/eligibility measures the same over real connections.
func BenchmarkEligibility(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("SHENCHA_BENCH_LISTINGS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	s := storetest.Open(b, storetest.Backends()[0])
	f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.SyntheticRegister(ctx, n, f.Users["office"].ID); err != nil {
		b.Fatal(err)
	}
	for {
		k, err := s.Sequence(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	// As serve does before it listens.
	if err := s.CatchUpRegister(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	ids, err := s.SyntheticListingIDs(ctx)
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := s.CreateToken(ctx, f.Actors["procurer"], "bench", []string{"read"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: s, Rates: server.Rates{Anonymous: 1e9, Session: 1e9, Token: 1e9}})
	if err != nil {
		b.Fatal(err)
	}
	ask := func(i int) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/eligibility?listing="+strconv.FormatInt(ids[i%len(ids)], 10), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
		return w
	}
	size := ask(0).Body.Len()
	b.Run("register", func(b *testing.B) {
		i := 0
		for b.Loop() {
			ask(i)
			i += 7919
		}
		b.ReportMetric(float64(size), "body-bytes")
	})
	body := make([]byte, size)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			req := httptest.NewRequest("GET", "/answer", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			bare.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
}
