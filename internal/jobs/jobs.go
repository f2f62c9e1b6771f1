// Package jobs runs shencha's background work on the job queue kept in the
// same database (riverqueue/river): review clocks' overdue checks, listing
// expiry, overdue conditions, a periodic sweep as a backstop, the drafting
// of each quarter's provider reports; deadline reminders, notification
// e-mails and webhook deliveries. Jobs are inserted by the store in the
// transaction of the change that causes them; this package only works them.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"shencha/internal/notify"
	"shencha/internal/store"
)

// SweepEvery is how often the backstop sweep runs; AnchorEvery how often
// the audit chain's head is anchored in the transparency log.
// ReportsEvery how often the job looks for the quarter's provider reports
// to draft (each quarter's are drafted once, on the first run after it
// ends); RemindEvery how often clocks are looked at for deadline reminders.
var (
	SweepEvery   = 15 * time.Minute
	AnchorEvery  = 10 * time.Minute
	ReportsEvery = 24 * time.Hour
	RemindEvery  = time.Hour
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

// DefaultBackoff is the wait before each retry of a webhook delivery; the
// last wait repeats until store.WebhookAttempts are used.
var DefaultBackoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour}

// Options configure the notification jobs.
type Options struct {
	// Mailer sends notification e-mails (nil: none are sent).
	Mailer *notify.Mailer
	// BaseURL is the platform's address, for the links in e-mails.
	BaseURL string
	// Hooks sends webhook deliveries (nil: a sender that refuses internal
	// addresses).
	Hooks *notify.Hooks
	// Backoff is the wait before each retry of a delivery (nil: DefaultBackoff).
	Backoff []time.Duration
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

type remindWorker struct {
	river.WorkerDefaults[store.RemindArgs]
	s   *store.Store
	log *slog.Logger
}

func (w *remindWorker) Work(ctx context.Context, j *river.Job[store.RemindArgs]) error {
	n, err := w.s.RemindDeadlines(ctx)
	if n > 0 {
		w.log.Info("deadline reminders", "clocks", n)
	}
	return err
}

type emailWorker struct {
	river.WorkerDefaults[store.EmailArgs]
	s    *store.Store
	opts Options
}

func (w *emailWorker) Work(ctx context.Context, j *river.Job[store.EmailArgs]) error {
	if w.opts.Mailer == nil {
		return river.JobCancel(errors.New("no SMTP server is configured on this replica"))
	}
	e, err := w.s.EmailOf(ctx, j.Args.NotificationID)
	if err != nil || !e.Pending {
		return err
	}
	sendErr := w.opts.Mailer.Send(ctx, notify.Email(e.To, e.Lang, e.Code, e.Params, e.Link, w.opts.BaseURL))
	if err := w.s.EmailDone(ctx, e.ID, sendErr, j.Attempt >= j.MaxAttempts); err != nil {
		return err
	}
	return sendErr
}

type webhookWorker struct {
	river.WorkerDefaults[store.WebhookArgs]
	s    *store.Store
	opts Options
}

func (w *webhookWorker) Work(ctx context.Context, j *river.Job[store.WebhookArgs]) error {
	d, err := w.s.DeliveryTaskOf(ctx, j.Args.DeliveryID)
	if err != nil || !d.Pending {
		return err
	}
	code, sendErr := w.opts.Hooks.Deliver(ctx, d.URL, d.Secret, "evt_"+strconv.FormatInt(d.EventID, 10), d.Body)
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
	}
	if err := w.s.RecordAttempt(ctx, d.ID, j.Attempt, code, msg, j.Attempt >= j.MaxAttempts); err != nil {
		return err
	}
	return sendErr
}

// NextRetry waits the backoff of the attempt that failed, the last one
// repeating.
func (w *webhookWorker) NextRetry(j *river.Job[store.WebhookArgs]) time.Time {
	i := min(max(j.Attempt, 1), len(w.opts.Backoff)) - 1
	return time.Now().Add(w.opts.Backoff[i])
}

// Start starts a working job client over the store's database and hands it
// to the store, so jobs inserted in transactions reach it. Stop it with
// client.Stop on shutdown.
func Start(ctx context.Context, s *store.Store, log *slog.Logger, opts Options) (*river.Client[*sql.Tx], error) {
	if opts.Hooks == nil {
		opts.Hooks = notify.NewHooks(false)
	}
	if len(opts.Backoff) == 0 {
		opts.Backoff = DefaultBackoff
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &remindWorker{s: s, log: log})
	river.AddWorker(workers, &emailWorker{s: s, opts: opts})
	river.AddWorker(workers, &webhookWorker{s: s, opts: opts})
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
			river.NewPeriodicJob(river.PeriodicInterval(RemindEvery),
				func() (river.JobArgs, *river.InsertOpts) { return store.RemindArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
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
