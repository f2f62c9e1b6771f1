package web_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/blob"
	"shencha/internal/demo"
	"shencha/internal/server"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// BenchmarkPages measures the server time of the main signed-in pages over
// the demo data plus 100,000 cases (SHENCHA_BENCH_CASES=N to change it), on
// SQLite as the HTTP tests run it: the office's dashboard, a case page, a
// deep page of the case list (GET /api/v1/cases with a cursor, the list
// the UI has no page of its own for) as the office and as lab1 (assigned
// to every hundredth case), the office's intake queue (every eighth case
// is under screening) first and deep, and lab1's work queue and
// dashboard. Each
// request goes through the real server's ServeHTTP with a signed-in
// session cookie; it reports the 95th and 50th percentile per page.
func BenchmarkPages(b *testing.B) {
	total := 100_000
	if v := os.Getenv("SHENCHA_BENCH_CASES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 300 {
			b.Fatalf("SHENCHA_BENCH_CASES=%q: want a number of at least 300", v)
		}
		total = n
	}
	ctx := context.Background()
	s := storetest.Open(b, storetest.Backends()[0])
	f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.SeedCases(ctx, s, f); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Sequence(ctx, 0); err != nil {
		b.Fatal(err)
	}
	// A demo case (the richest page: events, evidence, opinions), chosen
	// before the synthetic ones are added.
	demoCases, err := s.ListCases(ctx, f.Actors["office"], store.CaseFilter{Limit: 200})
	if err != nil || len(demoCases.Items) == 0 {
		b.Fatalf("demo cases: %v", err)
	}
	caseNumber := demoCases.Items[len(demoCases.Items)/2].Number
	start := time.Now()
	minID, err := demo.SyntheticCases(context.Background(), s, f, total)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d cases in %v", total, time.Since(start).Round(time.Millisecond))

	dir := b.TempDir()
	kr, err := blob.OpenKeyring(filepath.Join(dir, "master.keys"))
	if err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewEncrypted(filepath.Join(dir, "blobs"), kr)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: s, Blobs: blobs, Demo: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	cookies := map[string]*http.Cookie{}
	for _, user := range []string{"office", "lab1"} {
		form := url.Values{"username": {user}, "password": {demo.DefaultPassword}, "next": {"/"}}
		req := httptest.NewRequest("POST", "/login", nil)
		req.PostForm = form
		req.Form = form
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			if c.Name == "shencha_session" && c.Value != "" {
				cookies[user] = c
			}
		}
		if cookies[user] == nil {
			b.Fatalf("login %s: %d, no session cookie", user, rec.Code)
		}
	}
	cursor := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(minID+200, 10)))
	// A cursor halfway down the intake queue, from its own pages.
	intakeDeep, err := s.IntakeQueue(ctx, f.Actors["office"], "", 200)
	for range total / 8 / 2 / 200 {
		if err != nil || intakeDeep.Next == "" {
			break
		}
		intakeDeep, err = s.IntakeQueue(ctx, f.Actors["office"], intakeDeep.Next, 200)
	}
	if err != nil || intakeDeep.Next == "" {
		b.Fatalf("intake queue: %v (no page after the middle)", err)
	}
	for _, p := range []struct{ name, user, path string }{
		{"office/dashboard", "office", "/dashboard"},
		{"office/case", "office", "/cases/" + caseNumber},
		{"office/cases-deep", "office", "/api/v1/cases?limit=50&cursor=" + cursor},
		{"lab1/cases-deep", "lab1", "/api/v1/cases?limit=50&cursor=" + cursor},
		{"office/intake", "office", "/intake"},
		{"office/intake-deep", "office", "/intake?after=" + intakeDeep.Next},
		{"lab1/work", "lab1", "/work"},
		{"lab1/dashboard", "lab1", "/dashboard"},
	} {
		b.Run(p.name, func(b *testing.B) {
			var durs []time.Duration
			for b.Loop() {
				req := httptest.NewRequest("GET", p.path, nil)
				req.AddCookie(cookies[p.user])
				rec := httptest.NewRecorder()
				t0 := time.Now()
				srv.ServeHTTP(rec, req)
				durs = append(durs, time.Since(t0))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s %s: %d %.300s", p.user, p.path, rec.Code, rec.Body.String())
				}
			}
			slices.Sort(durs)
			b.ReportMetric(float64(durs[(len(durs)*95+99)/100-1].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
		})
	}
}
