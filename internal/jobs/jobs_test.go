package jobs_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"shencha/internal/jobs"
	"shencha/internal/review"
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
