// Package jobs runs shencha's background work on the job queue kept in the
// same database (riverqueue/river): review clocks' overdue checks, listing
// expiry, overdue conditions, a periodic sweep as a backstop, and the
// drafting of each quarter's provider reports. Jobs are
// inserted by the store in the transaction of the change that causes them;
// this package only works them.
package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"shencha/internal/store"
)

// SweepEvery is how often the backstop sweep runs; AnchorEvery how often
// the audit chain's head is anchored in the transparency log.
// ReportsEvery how often the job looks for the quarter's provider reports
// to draft (each quarter's are drafted once, on the first run after it
// ends).
var (
	SweepEvery   = 15 * time.Minute
	AnchorEvery  = 10 * time.Minute
	ReportsEvery = 24 * time.Hour
)

type reportsWorker struct {
	river.WorkerDefaults[store.QuarterlyReportsArgs]
	s   *store.Store
	log *slog.Logger
}

func (w *reportsWorker) Work(ctx context.Context, j *river.Job[store.QuarterlyReportsArgs]) error {
	n, err := w.s.DraftQuarterlyReports(ctx)
	if n > 0 {
		w.log.Info("provider reports drafted for the quarter just ended; the office publishes them", "drafts", n)
	}
	return err
}

type anchorWorker struct {
	river.WorkerDefaults[store.AnchorAuditArgs]
	s *store.Store
}

func (w *anchorWorker) Work(ctx context.Context, j *river.Job[store.AnchorAuditArgs]) error {
	_, err := w.s.AnchorAudit(ctx)
	return err
}

type clockWorker struct {
	river.WorkerDefaults[store.ClockCheckArgs]
	s *store.Store
}

func (w *clockWorker) Work(ctx context.Context, j *river.Job[store.ClockCheckArgs]) error {
	_, err := w.s.CheckClock(ctx, j.Args.ClockID)
	return err
}

type expiryWorker struct {
	river.WorkerDefaults[store.ListingExpiryArgs]
	s *store.Store
}

func (w *expiryWorker) Work(ctx context.Context, j *river.Job[store.ListingExpiryArgs]) error {
	_, err := w.s.ExpireListing(ctx, j.Args.ListingID)
	return err
}

type conditionWorker struct {
	river.WorkerDefaults[store.ConditionDueArgs]
	s *store.Store
}

func (w *conditionWorker) Work(ctx context.Context, j *river.Job[store.ConditionDueArgs]) error {
	_, err := w.s.CheckCondition(ctx, j.Args.ConditionID)
	return err
}

type advisoryWorker struct {
	river.WorkerDefaults[store.AdvisoryTriggerArgs]
	s   *store.Store
	log *slog.Logger
}

func (w *advisoryWorker) Work(ctx context.Context, j *river.Job[store.AdvisoryTriggerArgs]) error {
	n, err := w.s.FlagReReviews(ctx, j.Args.ImportID)
	if err == nil && n > 0 {
		w.log.Info("advisories flag listed versions for re-review", "import", j.Args.ImportID, "flags", n)
	}
	return err
}

type sweepWorker struct {
	river.WorkerDefaults[store.SweepArgs]
	s   *store.Store
	log *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, j *river.Job[store.SweepArgs]) error {
	c, l, k, err := w.s.Sweep(ctx)
	if c+l+k > 0 {
		w.log.Info("timer sweep", "overdue_clocks", c, "expired_listings", l, "suspended_for_conditions", k)
	}
	return err
}

// Start starts a working job client over the store's database and hands it
// to the store, so jobs inserted in transactions reach it. Stop it with
// client.Stop on shutdown.
func Start(ctx context.Context, s *store.Store, log *slog.Logger) (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &clockWorker{s: s})
	river.AddWorker(workers, &expiryWorker{s: s})
	river.AddWorker(workers, &conditionWorker{s: s})
	river.AddWorker(workers, &sweepWorker{s: s, log: log})
	river.AddWorker(workers, &advisoryWorker{s: s, log: log})
	river.AddWorker(workers, &anchorWorker{s: s})
	river.AddWorker(workers, &reportsWorker{s: s, log: log})
	client, err := river.NewClient(s.RiverDriver(), &river.Config{
		Logger:  log,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
				func() (river.JobArgs, *river.InsertOpts) { return store.SweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(AnchorEvery),
				func() (river.JobArgs, *river.InsertOpts) { return store.AnchorAuditArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(ReportsEvery),
				func() (river.JobArgs, *river.InsertOpts) { return store.QuarterlyReportsArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, err
	}
	if err := client.Start(ctx); err != nil {
		return nil, err
	}
	s.SetJobs(client)
	return client, nil
}
