package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/calendar"
	"shencha/internal/catalog"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// cst is China time, in which the store computes dates.
var cst = calendar.Location()

// at is a moment in China time.
func at(y int, m time.Month, d, hour int) time.Time {
	return time.Date(y, m, d, hour, 0, 0, 0, cst)
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// AddDays moves the clock by whole calendar days.
func (c *fakeClock) AddDays(n int) { c.Add(time.Duration(n) * 24 * time.Hour) }

// Today is the clock's date in China time, as the store sees it.
func (c *fakeClock) Today() calendar.Date { return calendar.DateOf(c.Now()) }

// env is a seeded store on one backend with a settable clock.
type env struct {
	ctx context.Context
	s   *store.Store
	f   *demo.Fixture
	clk *fakeClock
}

// newEnv opens a fresh database of the backend, sets the clock to start and
// seeds the demo organisations, people and products.
// newCasesEnv is newEnv at the demo's date with the demo's cases too.
func newCasesEnv(tb testing.TB, b storetest.Backend) *env {
	tb.Helper()
	e := newEnv(tb, b, at(2026, 3, 2, 9))
	if err := demo.SeedCases(e.ctx, e.s, e.f); err != nil {
		tb.Fatal(err)
	}
	return e
}

func newEnv(tb testing.TB, b storetest.Backend, start time.Time) *env {
	tb.Helper()
	s := storetest.Open(tb, b)
	clk := &fakeClock{t: start}
	s.Now = clk.Now
	ctx := context.Background()
	f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return &env{ctx: ctx, s: s, f: f, clk: clk}
}

// actor returns a demo actor by username.
func (e *env) actor(tb testing.TB, name string) review.Actor {
	tb.Helper()
	a, ok := e.f.Actors[name]
	if !ok {
		tb.Fatalf("no demo actor %q", name)
	}
	return a
}

// act applies an action and fails the test on error.
func (e *env) act(tb testing.TB, who, number string, act review.Action, in review.Input) *store.CaseView {
	tb.Helper()
	v, err := e.s.ApplyAction(e.ctx, e.actor(tb, who), number, act, in)
	if err != nil {
		tb.Fatalf("%s %s on %s: %v", who, act, number, err)
	}
	return v
}

// view reads a case as an actor and fails the test on error.
func (e *env) view(tb testing.TB, who, number string) *store.CaseView {
	tb.Helper()
	v, err := e.s.Case(e.ctx, e.actor(tb, who), number)
	if err != nil {
		tb.Fatalf("%s reads %s: %v", who, number, err)
	}
	return v
}

// open creates a case and fails the test on error.
func (e *env) open(tb testing.TB, who string, in review.NewCase) *store.CaseView {
	tb.Helper()
	v, err := e.s.CreateCase(e.ctx, e.actor(tb, who), in)
	if err != nil {
		tb.Fatalf("%s opens %+v: %v", who, in, err)
	}
	return v
}

func versionIDs(vs []review.Version) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// openRouter has provider1 apply for both versions of its router.
func (e *env) openRouter(tb testing.TB) string {
	tb.Helper()
	return e.open(tb, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: e.f.Router.ID, VersionIDs: versionIDs(e.f.RouterV), Summary: "HX-9000 for state networks"}).Number
}

// openDatabase has provider1 apply for its database.
func (e *env) openDatabase(tb testing.TB) string {
	tb.Helper()
	return e.open(tb, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: e.f.Database.ID, VersionIDs: versionIDs(e.f.DBV)}).Number
}

// step advances the clock by days and applies an action.
func (e *env) step(tb testing.TB, days int, who, number string, a review.Action, in review.Input) *store.CaseView {
	tb.Helper()
	e.clk.AddDays(days)
	return e.act(tb, who, number, a, in)
}

// toScreening submits a draft and begins screening.
func (e *env) toScreening(tb testing.TB, number string) {
	tb.Helper()
	e.act(tb, e.applicantOf(tb, number), number, review.ActSubmit, review.Input{})
	e.step(tb, 1, "office", number, review.ActBeginScreening, review.Input{})
}

// applicantOf names the demo user of the organisation that opened a case.
func (e *env) applicantOf(tb testing.TB, number string) string {
	tb.Helper()
	v := e.view(tb, "office", number)
	for _, u := range demo.Users {
		if e.f.Orgs[u.Username].ID == v.Applicant.ID {
			return u.Username
		}
	}
	tb.Fatalf("case %s: no demo user in applicant organisation %+v", number, v.Applicant)
	return ""
}

// toEvaluation takes a draft through acceptance and assigns lab1 for lab
// testing, and begins the evaluation.
func (e *env) toEvaluation(tb testing.TB, number string) {
	tb.Helper()
	e.toScreening(tb, number)
	e.step(tb, 1, "office", number, review.ActAccept, review.Input{})
	e.step(tb, 1, "office", number, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID,
		Method: review.MethodLabTesting, Declaration: demo.Declaration("Director, lab1")})
	e.step(tb, 1, "office", number, review.ActBeginEvaluation, review.Input{})
}

// toOpinions continues from evaluation: lab1 reports, the evaluation
// closes, expert1..3 are assigned and each gives an opinion.
func (e *env) toOpinions(tb testing.TB, number string) {
	tb.Helper()
	e.report(tb, number, nil)
	e.step(tb, 1, "office", number, review.ActCompleteEvaluation, review.Input{})
	for _, x := range []string{"expert1", "expert2", "expert3"} {
		e.step(tb, 0, "office", number, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users[x].ID, Declaration: demo.Declaration(x)})
	}
	for _, x := range []string{"expert1", "expert2", "expert3"} {
		e.step(tb, 1, x, number, review.ActGiveOpinion, opinion(review.OutcomePass))
	}
}

// opinion is an expert opinion recommending an outcome.
func opinion(o review.Outcome) review.Input {
	return review.Input{Recommendation: o, Rationale: "acceptable risk", Areas: demo.Areas(review.RiskLow, "controlled")}
}

// report has lab1 plan, record and sign findings (all met unless given)
// on three lab-testing criteria, and provider1 sign its commitment.
func (e *env) report(tb testing.TB, number string, findings map[string]catalog.Status) {
	tb.Helper()
	e.clk.AddDays(2)
	if findings == nil {
		method := review.MethodLabTesting
		for _, as := range e.view(tb, "office", number).Assignments {
			if as.Lab != nil && as.Lab.ID == e.f.Orgs["lab1"].ID && as.EndedAt == "" {
				method = as.Method
			}
		}
		findings = e.allMet(tb, method, 3)
	}
	if err := demo.Evaluate(e.ctx, e.s, e.f, number, "lab1", findings, review.OutcomePass); err != nil {
		tb.Fatalf("lab1 evaluates %s: %v", number, err)
	}
	if err := demo.Commit(e.ctx, e.s, e.f, number, "provider1"); err != nil {
		tb.Fatalf("provider1 commits on %s: %v", number, err)
	}
}

// allMet is "met" on the first n criteria of the catalogue a method can establish.
func (e *env) allMet(tb testing.TB, m review.Method, n int) map[string]catalog.Status {
	tb.Helper()
	cat, err := e.s.Catalog(e.ctx, "")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]catalog.Status{}
	for _, id := range demo.CriteriaFor(cat, m, n) {
		out[id] = catalog.StatusMet
	}
	return out
}

// publishDecided takes a draft all the way to a published office decision.
func (e *env) publishDecided(tb testing.TB, number string, outcome review.Outcome, conds []review.Condition, scope review.Scope) {
	tb.Helper()
	e.toEvaluation(tb, number)
	e.toOpinions(tb, number)
	in := review.Input{Outcome: outcome, Rationale: "per the expert opinions", Conditions: conds}
	if outcome != review.OutcomePass { // the findings were all met: the rule said pass
		in.DepartureRationale = "the test sets the outcome"
	}
	e.step(tb, 1, "office", number, review.ActDecide, in)
	e.step(tb, 1, "office", number, review.ActPublish, review.Input{Scope: scope})
}

// reviewErr asserts err is a *review.Error of a kind (and code, if given).
func reviewErr(tb testing.TB, err error, kind review.Kind, code string) *review.Error {
	tb.Helper()
	var re *review.Error
	if !errors.As(err, &re) {
		tb.Fatalf("error %v (%T), want a *review.Error of kind %s code %q", err, err, kind, code)
	}
	if re.Kind != kind || code != "" && re.Code != code {
		tb.Fatalf("error %v: kind %s code %q, want kind %s code %q", err, re.Kind, re.Code, kind, code)
	}
	return re
}

// listAll pages through every case the actor may list, with a small page
// size so the cursor is exercised.
func (e *env) listAll(tb testing.TB, who string, limit int) []string {
	tb.Helper()
	var out []string
	cursor := ""
	for range 10000 {
		p, err := e.s.ListCases(e.ctx, e.actor(tb, who), store.CaseFilter{Cursor: cursor, Limit: limit})
		if err != nil {
			tb.Fatalf("%s lists cases: %v", who, err)
		}
		if len(p.Items) > limit {
			tb.Fatalf("%s: page of %d items over limit %d", who, len(p.Items), limit)
		}
		for _, it := range p.Items {
			out = append(out, it.Number)
		}
		if p.Next == "" {
			return out
		}
		if len(p.Items) == 0 {
			tb.Fatalf("%s: empty page with a next cursor", who)
		}
		cursor = p.Next
	}
	tb.Fatalf("%s: list does not end", who)
	return nil
}

// auditActions returns the audit rows with an action (and subject, if given).
func (e *env) auditRows(tb testing.TB, action, subject string) []store.AuditEntry {
	tb.Helper()
	var out []store.AuditEntry
	var after int64
	for {
		rows, err := e.s.AuditLog(e.ctx, after, 500)
		if err != nil {
			tb.Fatalf("audit log: %v", err)
		}
		if len(rows) == 0 {
			return out
		}
		for _, r := range rows {
			if r.Action == action && (subject == "" || r.Subject == subject) {
				out = append(out, r)
			}
			after = r.Seq
		}
	}
}

// clockOf returns a case's clock by name (the last one of that name).
func clockOf(tb testing.TB, v *store.CaseView, name string) store.ClockView {
	tb.Helper()
	var found *store.ClockView
	for i := range v.Clocks {
		if v.Clocks[i].Name == name {
			found = &v.Clocks[i]
		}
	}
	if found == nil {
		tb.Fatalf("case %s has no %s clock: %+v", v.Number, name, v.Clocks)
	}
	return *found
}

// sameSet reports whether two lists hold the same strings.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
