package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/jobs"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// TestTimerJobsRun starts the real job queue on each database and checks that
// the timer jobs mark an overdue screening clock without anyone asking.
func TestTimerJobsRun(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx, s, f := seeded(t, b)
			// Submitted on Monday 2025-01-06: the 10-working-day screening
			// clock ran out long before today.
			s.Now = func() time.Time { return time.Date(2025, 1, 6, 2, 0, 0, 0, time.UTC) }
			c, err := s.CreateCase(ctx, f.Actors["provider1"], review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: f.Router.ID, VersionIDs: []int64{f.RouterV[0].ID}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ApplyAction(ctx, f.Actors["provider1"], c.Number, review.ActSubmit, review.Input{}); err != nil {
				t.Fatal(err)
			}
			s.Now = time.Now
			client, err := jobs.Start(ctx, s, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Stop(ctx)
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				list, err := s.Overdue(ctx, f.Actors["office"])
				if err != nil {
					t.Fatal(err)
				}
				if len(list) == 1 && list[0].Case == c.Number && list[0].Clock == "screening" {
					entries, _ := s.AuditLog(ctx, 0, 1000)
					for _, e := range entries {
						if e.Action == "clock.overdue" && e.Subject == "case:"+c.Number && e.Actor == "system" {
							return
						}
					}
					t.Fatal("overdue clock without its audit row")
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Fatal("the job queue did not mark the overdue clock within 20s")
		})
	}
}

// TestQuarterlyReportsJob starts the job queue after a quarter in which the
// demo published its results and checks that the job drafts the report of
// the provider with public results, for that quarter, without anyone asking.
func TestQuarterlyReportsJob(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, b)
			s.Now = func() time.Time { return time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC) }
			f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
			if err != nil {
				t.Fatal(err)
			}
			if err := demo.SeedCases(ctx, s, f); err != nil {
				t.Fatal(err)
			}
			s.Now = func() time.Time { return time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC) } // Q2 has begun
			client, err := jobs.Start(ctx, s, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Stop(ctx)
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				list, err := s.ProviderReports(ctx, f.Actors["office"], store.ReportFilter{Drafts: true})
				if err != nil {
					t.Fatal(err)
				}
				if len(list) > 0 {
					r := list[0]
					if len(list) != 1 || r.Provider.ID != f.Orgs["provider1"].ID || r.PeriodFrom != "2026-01-01" || r.PeriodTo != "2026-03-31" || r.GeneratedBy != "system" {
						t.Fatalf("drafts %+v", list)
					}
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Fatal("the job queue drafted no report within 20s")
		})
	}
}
