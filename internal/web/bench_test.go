package web_test

import (
	"context"
	"encoding/base64"
	"fmt"
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
	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// BenchmarkPages measures the server time of the main signed-in pages over
// the demo data plus 100,000 cases (SHENCHA_BENCH_CASES=N to change it), on
// SQLite as the HTTP tests run it: the office's dashboard, a case page, a
// deep page of the case list (GET /api/v1/cases with a cursor, the list
// the UI has no page of its own for) as the office and as lab1 (assigned
// to every hundredth case), and lab1's work queue and dashboard. Each
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
	minID := seedBenchCases(b, s, f, total)
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
	for _, p := range []struct{ name, user, path string }{
		{"office/dashboard", "office", "/dashboard"},
		{"office/case", "office", "/cases/" + caseNumber},
		{"office/cases-deep", "office", "/api/v1/cases?limit=50&cursor=" + cursor},
		{"lab1/cases-deep", "lab1", "/api/v1/cases?limit=50&cursor=" + cursor},
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

// seedBenchCases inserts n cases straight into the tables in one
// transaction, as internal/store's BenchmarkListDeepPage does: the demo's
// three products, states in rotation, lab1 assigned to every hundredth,
// and for the cases in a state with a running clock that clock, started
// within the last 60 days (every twentieth marked overdue). It returns the
// smallest case id it created.
func seedBenchCases(b *testing.B, s *store.Store, f *demo.Fixture, n int) int64 {
	b.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	insCase, err := tx.PrepareContext(ctx, `INSERT INTO cases (number, trigger_kind, product_id, category, applicant_org_id, provider_org_id,
		sector, state, important, summary, created_by, created_at, updated_at, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12) RETURNING id`)
	if err != nil {
		b.Fatal(err)
	}
	insAssign, err := tx.PrepareContext(ctx, `INSERT INTO assignments (case_id, kind, lab_org_id, method, declaration, assigned_by, assigned_at)
		VALUES ($1, 'lab', $2, 'lab_testing', '{"no_conflict":true,"confidentiality":true,"signed_by":"lab1"}', $3, $4)`)
	if err != nil {
		b.Fatal(err)
	}
	insClock, err := tx.PrepareContext(ctx, `INSERT INTO clocks (case_id, name, budget, started, elapsed, running_since, overdue_at) VALUES ($1, $2, $3, $4, 0, $4, $5)`)
	if err != nil {
		b.Fatal(err)
	}
	type subject struct {
		product  review.Product
		provider string
	}
	subjects := []subject{{f.Router, "provider1"}, {f.Database, "provider1"}, {f.Cloud, "provider2"}}
	states := []review.State{review.StateScreening, review.StateAccepted, review.StateEvaluation, review.StateExpertAssessment,
		review.StatePublished, review.StatePublished, review.StateNotAccepted, review.StateWithdrawn}
	clockOf := map[review.State]string{review.StateScreening: "screening", review.StateAccepted: "review",
		review.StateEvaluation: "review", review.StateExpertAssessment: "review"}
	sectors := []string{"", "", "", "", "finance", "energy", "telecom", "transport"}
	base := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	today := time.Now().UTC()
	lab1, office := f.Orgs["lab1"].ID, f.Users["office"].ID
	var minID int64
	for i := range n {
		sub := subjects[i%len(subjects)]
		st := states[i%len(states)]
		created := base.Add(time.Duration(i) * 17 * time.Minute).Format("2006-01-02T15:04:05.000000Z")
		var id int64
		// Numbers from 2030 on, clear of the demo's.
		err := insCase.QueryRowContext(ctx, review.FormatNumber(2030+i/20000, i%20000+1), review.TriggerEnterpriseApplication, sub.product.ID,
			sub.product.Category, f.Orgs[sub.provider].ID, sub.product.ProviderOrgID, sectors[i%len(sectors)], st,
			i%50 == 0, fmt.Sprintf("seeded case %d", i), f.Users[sub.provider].ID, created).Scan(&id)
		if err != nil {
			b.Fatalf("case %d: %v", i, err)
		}
		if i == 0 {
			minID = id
		}
		if i%100 == 0 {
			if _, err := insAssign.ExecContext(ctx, id, lab1, office, created); err != nil {
				b.Fatalf("assignment %d: %v", i, err)
			}
		}
		if name, ok := clockOf[st]; ok {
			started := today.AddDate(0, 0, -(i % 60)).Format("2006-01-02")
			overdue := ""
			if i%20 == 0 {
				overdue = today.Format("2006-01-02T15:04:05.000000Z")
			}
			if _, err := insClock.ExecContext(ctx, id, name, 15, started, overdue); err != nil {
				b.Fatalf("clock %d: %v", i, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return minID
}
