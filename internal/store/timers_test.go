package store_test

import (
	"slices"
	"strconv"
	"testing"

	"shencha/internal/calendar"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// sweep runs the timer sweep and checks what it did.
func (e *env) sweep(t *testing.T, clocks, listings, conditions int) {
	t.Helper()
	c, l, k, err := e.s.Sweep(e.ctx)
	if err != nil {
		t.Fatalf("sweep on %s: %v", e.clk.Today(), err)
	}
	if c != clocks || l != listings || k != conditions {
		t.Errorf("sweep on %s: %d clocks, %d listings, %d conditions; want %d, %d, %d",
			e.clk.Today(), c, l, k, clocks, listings, conditions)
	}
}

func (e *env) overdueCases(t *testing.T, who string) []string {
	t.Helper()
	list, err := e.s.Overdue(e.ctx, e.actor(t, who))
	if err != nil {
		t.Fatalf("overdue as %s: %v", who, err)
	}
	var out []string
	for _, o := range list {
		out = append(out, o.Case+"/"+o.Clock)
	}
	return out
}

func mustDate(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestTimers checks working-day clocks against the 2026 holiday notice
// (Mid-Autumn off Fri 25 Sep; National Day off 1–7 Oct; make-up working
// days Sun 20 Sep and Sat 10 Oct), the overdue sweep, extensions, and the
// listing timers.
func TestTimers(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Run("clocks", func(t *testing.T) { testClocks(t, b) })
			t.Run("listings", func(t *testing.T) { testListingTimers(t, b) })
		})
	}
}

func testClocks(t *testing.T, b storetest.Backend) {
	e := newEnv(t, b, at(2026, 9, 18, 10))
	caseA := e.openRouter(t)
	// X is submitted on Friday 18 Sep: its ten working days are Sun 20
	// (make-up), 21, 22, 23, 24, 28, 29, 30 Sep, 8 and 9 Oct.
	caseX := e.openDatabase(t)
	x := e.act(t, "provider1", caseX, review.ActSubmit, review.Input{})
	if c := clockOf(t, x, "screening"); c.Deadline != "2026-10-09" || c.Budget != 10 || c.Provisional {
		t.Errorf("X screening clock: %+v, want deadline 2026-10-09", c)
	}
	e.clk.Set(at(2026, 9, 20, 18)) // the make-up Sunday counts
	if c := clockOf(t, e.view(t, "office", caseX), "screening"); c.Used != 1 || c.Remaining != 9 {
		t.Errorf("X on the make-up Sunday: used %d remaining %d, want 1 and 9", c.Used, c.Remaining)
	}

	// A is submitted on Wednesday 23 Sep: Thu 24, Mon 28 – Wed 30 Sep,
	// Thu 8, Fri 9, Sat 10 (make-up), Mon 12 – Wed 14 Oct.
	e.clk.Set(at(2026, 9, 23, 10))
	v := e.act(t, "provider1", caseA, review.ActSubmit, review.Input{})
	c := clockOf(t, v, "screening")
	if c.Deadline != "2026-10-14" || c.Started != "2026-09-23" || !c.Running || c.Used != 0 || c.Remaining != 10 {
		t.Fatalf("A screening clock after submit: %+v, want deadline 2026-10-14", c)
	}
	firstDeadline := mustDate(t, c.Deadline)
	e.act(t, "office", caseA, review.ActBeginScreening, review.Input{})
	if got := clockOf(t, e.view(t, "office", caseA), "screening").Deadline; got != "2026-10-14" {
		t.Errorf("deadline after begin_screening %s, want unchanged 2026-10-14", got)
	}

	// Paused on Tue 29 Sep after three working days (24, 28, 29).
	pause := mustDate(t, "2026-09-29")
	e.clk.Set(at(2026, 9, 29, 15))
	v = e.act(t, "office", caseA, review.ActMarkIncomplete, review.Input{Items: "signed source-code escrow statement"})
	wantState(t, v, review.StateIncomplete)
	c = clockOf(t, v, "screening")
	if !c.Paused || c.Running || c.Deadline != "" || c.Used != 3 {
		t.Errorf("A screening clock while incomplete: %+v, want paused with 3 used", c)
	}
	// The supplement clock runs meanwhile: 30 Sep, 8, 9, 10, 12–16, 19 Oct.
	if s := clockOf(t, v, "supplement"); !s.Running || s.Deadline != "2026-10-19" {
		t.Errorf("supplement clock: %+v, want running to 2026-10-19", s)
	}
	// Time passing during the pause does not count.
	e.clk.Set(at(2026, 10, 8, 10))
	if c := clockOf(t, e.view(t, "office", caseA), "screening"); c.Used != 3 || c.Overdue {
		t.Errorf("paused clock on 8 Oct: %+v", c)
	}

	// Resubmitted on Fri 9 Oct: the pause held three working days (30 Sep,
	// 8 and 9 Oct), so the deadline moves three working days, 14 → 19 Oct.
	resume := mustDate(t, "2026-10-09")
	e.clk.Set(at(2026, 10, 9, 11))
	v = e.act(t, "provider1", caseA, review.ActResubmit, review.Input{Summary: "statement attached"})
	wantState(t, v, review.StateScreening)
	c = clockOf(t, v, "screening")
	paused := e.s.Calendar().WorkingDaysBetween(pause, resume)
	if paused != 3 {
		t.Fatalf("working days paused %d, want 3", paused)
	}
	if c.Deadline != "2026-10-19" || !c.Running || c.Used != 3 {
		t.Errorf("A screening clock after resubmit: %+v, want deadline 2026-10-19", c)
	}
	if want := e.s.Calendar().AddWorkingDays(firstDeadline, paused).String(); c.Deadline != want {
		t.Errorf("deadline moved to %s, want %s (the first deadline plus the paused working days)", c.Deadline, want)
	}
	if s := clockOf(t, v, "supplement"); s.Running || s.Stopped != "2026-10-09" {
		t.Errorf("supplement clock after resubmit: %+v", s)
	}
	if len(v.Supplements) != 1 || v.Supplements[0].AnsweredAt == "" || v.Supplements[0].Answer != "statement attached" {
		t.Errorf("supplements: %+v", v.Supplements)
	}

	// X's deadline (Fri 9 Oct) is still on time that day; the make-up
	// Saturday after it is its first day overdue.
	if c := clockOf(t, e.view(t, "office", caseX), "screening"); c.Overdue || c.Remaining != 0 {
		t.Errorf("X on its deadline day: %+v", c)
	}
	e.clk.Set(at(2026, 10, 10, 10))
	if c := clockOf(t, e.view(t, "office", caseX), "screening"); !c.Overdue || c.Remaining != -1 {
		t.Errorf("X on the make-up Saturday: %+v, want overdue by one", c)
	}

	// On A's deadline day only X is overdue.
	e.clk.Set(at(2026, 10, 19, 12))
	if got := e.overdueCases(t, "office"); len(got) != 0 {
		t.Errorf("overdue before any sweep: %v", got)
	}
	e.sweep(t, 1, 0, 0)
	if got := e.overdueCases(t, "office"); !slices.Equal(got, []string{caseX + "/screening"}) {
		t.Errorf("overdue on 19 Oct: %v, want only X", got)
	}
	if c := clockOf(t, e.view(t, "office", caseA), "screening"); c.Overdue || c.Remaining != 0 {
		t.Errorf("A on its deadline day: %+v", c)
	}

	// The next working day A is overdue too.
	e.clk.Set(at(2026, 10, 20, 9))
	c = clockOf(t, e.view(t, "office", caseA), "screening")
	if !c.Overdue || c.Remaining != -1 || c.Deadline != "2026-10-19" {
		t.Errorf("A on 20 Oct: %+v, want overdue", c)
	}
	e.sweep(t, 1, 0, 0)
	e.sweep(t, 0, 0, 0) // idempotent
	if got := e.overdueCases(t, "office"); !sameSet(got, []string{caseX + "/screening", caseA + "/screening"}) {
		t.Errorf("overdue on 20 Oct: %v, want X and A", got)
	}
	if got := e.overdueCases(t, "provider1"); len(got) != 2 {
		t.Errorf("provider1's overdue list: %v, want its two cases", got)
	}
	for _, who := range []string{"lab2", "provider2", "finance-regulator", "procurer"} {
		if got := e.overdueCases(t, who); len(got) != 0 {
			t.Errorf("%s sees overdue clocks of cases it may not know: %v", who, got)
		}
	}
	rows := e.auditRows(t, "clock.overdue", "case:"+caseA)
	if len(rows) != 1 || rows[0].Actor != "system" || rows[0].ActorUserID != 0 {
		t.Errorf("clock.overdue audit rows for A: %+v", rows)
	}
	if rows := e.auditRows(t, "clock.overdue", ""); len(rows) != 2 {
		t.Errorf("clock.overdue audit rows: %d, want 2", len(rows))
	}

	// Extending once clears the overdue mark and moves the deadline five
	// working days past 19 Oct; a second extension is refused.
	_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), caseA, review.ActExtendClock, review.Input{Clock: "screening", Days: 0, Reason: "x"})
	if re := reviewErr(t, err, review.KindInvalid, "field_out_of_range"); re.Field != "days" {
		t.Errorf("zero days names field %q", re.Field)
	}
	v = e.act(t, "office", caseA, review.ActExtendClock, review.Input{Clock: "screening", Days: 5, Reason: "holiday backlog"})
	c = clockOf(t, v, "screening")
	if !c.Extended || c.Budget != 15 || c.Deadline != "2026-10-26" || c.Overdue || c.Reason != "holiday backlog" {
		t.Errorf("A after extension: %+v, want budget 15 to 2026-10-26", c)
	}
	if got := e.overdueCases(t, "office"); !slices.Equal(got, []string{caseX + "/screening"}) {
		t.Errorf("overdue after extending A: %v, want only X", got)
	}
	_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), caseA, review.ActExtendClock, review.Input{Clock: "screening", Days: 5, Reason: "again"})
	if re := reviewErr(t, err, review.KindConflict, "clock_not_extendable"); re.Params["clock"] != "screening" {
		t.Errorf("second extension: %+v", re)
	}
	_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), caseA, review.ActExtendClock, review.Input{Clock: "review", Days: 5, Reason: "not started"})
	reviewErr(t, err, review.KindConflict, "clock_not_extendable")
	if c := clockOf(t, e.view(t, "office", caseA), "screening"); c.Budget != 15 {
		t.Errorf("refused extension changed the budget: %+v", c)
	}

	// Past the extended deadline it is marked again.
	e.clk.Set(at(2026, 10, 26, 9))
	e.sweep(t, 0, 0, 0)
	e.clk.Set(at(2026, 10, 27, 9))
	e.sweep(t, 1, 0, 0)

	// Accepting stops the screening clock: no longer listed as overdue.
	e.act(t, "office", caseA, review.ActAccept, review.Input{})
	if got := e.overdueCases(t, "office"); !slices.Equal(got, []string{caseX + "/screening"}) {
		t.Errorf("overdue after accepting A: %v, want only X", got)
	}
	if _, err := e.s.VerifyAudit(e.ctx); err != nil {
		t.Errorf("verify audit: %v", err)
	}
}

func testListingTimers(t *testing.T, b storetest.Backend) {
	e := newEnv(t, b, at(2026, 3, 2, 10))
	anon := review.Actor{}
	listing := func(purl, asOf string) store.ListingAnswer {
		t.Helper()
		ans, err := e.s.Listings(e.ctx, anon, store.ListingQuery{PURL: purl, AsOf: asOf})
		if err != nil || len(ans) != 1 {
			t.Fatalf("listing %s as of %q: %+v, %v", purl, asOf, ans, err)
		}
		return ans[0]
	}
	const router31, router32, tidedb = "pkg:generic/huaxin/hx-9000@3.1.0", "pkg:generic/huaxin/hx-9000@3.2.0", "pkg:generic/huaxin/tidedb@5.0.2"

	// P: the router passes, published on 14 Mar 2026; valid three years
	// (3 × 365 days, across 29 Feb 2028) to 13 Mar 2029.
	caseP := e.openRouter(t)
	e.publishDecided(t, caseP, review.OutcomePass, nil, review.ScopePublic)
	if e.clk.Today().String() != "2026-03-14" {
		t.Fatalf("P published on %s, want 2026-03-14", e.clk.Today())
	}
	p31 := listing(router31, "")
	if p31.Status != review.ListingPassed || p31.ValidUntil != "2029-03-13" || len(p31.History) != 1 || p31.History[0].Action != "publish" {
		t.Errorf("P listing: %+v", p31)
	}
	p32 := listing(router32, "")

	// Q: the database passes on a condition due 30 Apr 2026.
	e.clk.AddDays(1)
	caseQ := e.openDatabase(t)
	e.publishDecided(t, caseQ, review.OutcomeConditionalPass, []review.Condition{{Text: "patch CVE-2026-0001 in all shipped firmware", Due: "2026-04-30", SuspendIfOverdue: true}}, review.ScopePublic)
	pubQ := e.clk.Today()
	q := listing(tidedb, "")
	if q.Status != review.ListingConditionallyPassed || !q.Preferred || len(q.Conditions) != 1 || q.Conditions[0].Due != "2026-04-30" {
		t.Fatalf("Q listing: %+v", q)
	}

	e.clk.Set(at(2026, 4, 30, 12))
	e.sweep(t, 0, 0, 0) // due today: not yet overdue
	if got := listing(tidedb, "").Status; got != review.ListingConditionallyPassed {
		t.Errorf("Q on the due day: %s", got)
	}
	e.clk.Set(at(2026, 5, 1, 9))
	e.sweep(t, 0, 0, 1)
	e.sweep(t, 0, 0, 0)
	q = listing(tidedb, "")
	if q.Status != review.ListingSuspended || q.Preferred || q.MustNotProcure {
		t.Errorf("Q after its condition fell due: %+v", q)
	}
	if rows := e.auditRows(t, "listing.suspend", ""); len(rows) != 1 || rows[0].Actor != "system" {
		t.Errorf("listing.suspend audit rows: %+v", rows)
	}

	// Only the national office may reinstate, and only with a reason.
	err := e.s.ListingAction(e.ctx, e.actor(t, "provider1"), q.ListingID, review.ListReinstate, "we fixed it")
	reviewErr(t, err, review.KindForbidden, "forbidden")
	err = e.s.ListingAction(e.ctx, e.actor(t, "finance-regulator"), q.ListingID, review.ListReinstate, "we fixed it")
	reviewErr(t, err, review.KindForbidden, "forbidden")
	err = e.s.ListingAction(e.ctx, e.actor(t, "office"), q.ListingID, review.ListReinstate, "  ")
	if re := reviewErr(t, err, review.KindInvalid, "field_required"); re.Field != "reason" {
		t.Errorf("blank reason names field %q", re.Field)
	}
	err = e.s.ListingAction(e.ctx, e.actor(t, "office"), q.ListingID, review.ListExpire, "by hand")
	reviewErr(t, err, review.KindForbidden, "forbidden")

	e.clk.Set(at(2026, 5, 3, 10))
	cond := review.Input{ConditionID: q.Conditions[0].ID}
	e.act(t, "provider1", caseQ, review.ActSubmitFulfilment, review.Input{ConditionID: cond.ConditionID, Summary: "patched firmware shipped"})
	e.act(t, "office", caseQ, review.ActAcceptFulfilment, cond)
	_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), caseQ, review.ActAcceptFulfilment, cond)
	reviewErr(t, err, review.KindConflict, "already_done")
	if err := e.s.ListingAction(e.ctx, e.actor(t, "office"), q.ListingID, review.ListReinstate, "patch verified by lab1"); err != nil {
		t.Fatalf("reinstate: %v", err)
	}
	if got := listing(tidedb, ""); got.Status != review.ListingConditionallyPassed || !got.Preferred {
		t.Errorf("Q after reinstatement: %+v", got)
	}
	err = e.s.ListingAction(e.ctx, e.actor(t, "office"), q.ListingID, review.ListReinstate, "again")
	if re := reviewErr(t, err, review.KindConflict, "illegal_transition"); len(re.Allowed) == 0 {
		t.Errorf("illegal listing action names no alternatives: %+v", re)
	}
	e.sweep(t, 0, 0, 0) // the condition is met: no new suspension
	if got := listing(tidedb, "").Status; got != review.ListingConditionallyPassed {
		t.Errorf("Q after a sweep with its condition met: %s", got)
	}

	// The register answers for past dates from the history.
	for _, c := range []struct {
		asOf string
		want review.ListingStatus
	}{
		{"2026-03-14", review.ListingNotReviewed}, // Q not yet opened
		{pubQ.AddDays(-1).String(), review.ListingUnderReview},
		{pubQ.String(), review.ListingConditionallyPassed},
		{"2026-04-30", review.ListingConditionallyPassed},
		{"2026-05-01", review.ListingSuspended},
		{"2026-05-02", review.ListingSuspended},
		{"2026-05-03", review.ListingConditionallyPassed},
	} {
		if got := listing(tidedb, c.asOf); got.Status != c.want {
			t.Errorf("Q as of %s: %s, want %s", c.asOf, got.Status, c.want)
		}
	}
	if h := listing(tidedb, "2026-05-02").History; len(h) != 2 || h[1].Status != review.ListingSuspended {
		t.Errorf("Q history as of 2 May: %+v", h)
	}

	// A re-review of the database fails: while it runs the register says
	// so, and once published it supersedes Q's listing.
	e.clk.AddDays(1)
	rr := e.open(t, "office", review.NewCase{Trigger: review.TriggerReReview, ProductID: e.f.Database.ID,
		VersionIDs: versionIDs(e.f.DBV), PreviousCase: caseQ}).Number
	e.act(t, "office", rr, review.ActSubmit, review.Input{})
	if got := listing(tidedb, ""); got.Status != review.ListingConditionallyPassed || !got.ReReview || got.Case != caseQ {
		t.Errorf("Q during its re-review: %+v", got)
	}
	e.step(t, 1, "office", rr, review.ActBeginScreening, review.Input{})
	e.step(t, 1, "office", rr, review.ActAccept, review.Input{})
	e.step(t, 1, "office", rr, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID, Method: review.MethodOnSite,
		Declaration: &review.Declaration{NoConflict: true, Confidentiality: true, SignedBy: "lab1"}})
	e.step(t, 1, "office", rr, review.ActBeginEvaluation, review.Input{})
	e.toOpinions(t, rr)
	e.step(t, 1, "office", rr, review.ActDecide, review.Input{Outcome: review.OutcomeFail, Rationale: "condition breached repeatedly",
		DepartureRationale: "the on-site findings were met, but the condition was breached repeatedly"})
	e.step(t, 1, "office", rr, review.ActPublish, review.Input{Scope: review.ScopePublic})
	got := listing(tidedb, "")
	if got.Status != review.ListingFailed || !got.MustNotProcure || got.Preferred || got.Case != rr || got.ReReview {
		t.Errorf("database after the failed re-review: %+v", got)
	}
	// A query by listing id answers for that listing's version: now the
	// newer result.
	byID, err := e.s.Listings(e.ctx, anon, store.ListingQuery{ListingID: q.ListingID})
	if err != nil || len(byID) != 1 || byID[0].Case != rr || byID[0].Status != review.ListingFailed {
		t.Errorf("listing by Q's id: %+v, %v", byID, err)
	}
	if h := listing(tidedb, pubQ.AddDays(45).String()); h.Case != caseQ || h.Status != review.ListingConditionallyPassed {
		t.Errorf("Q as of %s: %+v", pubQ.AddDays(45), h)
	}
	if rows := e.auditRows(t, "listing.supersede", "listing:"+itoa(q.ListingID)); len(rows) != 1 {
		t.Errorf("supersede audit rows for Q: %+v", rows)
	}

	// Revoke P's 3.2.0 listing; its 3.1.0 listing then expires alone.
	if err := e.s.ListingAction(e.ctx, e.actor(t, "office"), p32.ListingID, review.ListRevoke, "backdoor found"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if got := listing(router32, ""); got.Status != review.ListingRevoked || !got.MustNotProcure {
		t.Errorf("revoked listing: %+v", got)
	}
	e.clk.Set(at(2029, 3, 13, 23))
	e.sweep(t, 0, 0, 0) // last valid day
	if got := listing(router31, ""); got.Status != review.ListingPassed {
		t.Errorf("P 3.1.0 on its last valid day: %s", got.Status)
	}
	e.clk.Set(at(2029, 3, 14, 0))
	e.sweep(t, 0, 1, 0)
	e.sweep(t, 0, 0, 0)
	p31 = listing(router31, "")
	if p31.Status != review.ListingExpired || p31.Preferred || p31.MustNotProcure {
		t.Errorf("P 3.1.0 after expiry: %+v", p31)
	}
	if got := listing(router32, ""); got.Status != review.ListingRevoked {
		t.Errorf("revoked P 3.2.0 after the sweep: %s", got.Status)
	}
	for asOf, want := range map[string]review.ListingStatus{
		"2026-03-13": review.ListingUnderReview, "2026-03-14": review.ListingPassed,
		"2029-03-13": review.ListingPassed, "2029-03-14": review.ListingExpired,
	} {
		if got := listing(router31, asOf); got.Status != want {
			t.Errorf("P 3.1.0 as of %s: %s, want %s", asOf, got.Status, want)
		}
	}
	if _, err := e.s.VerifyAudit(e.ctx); err != nil {
		t.Errorf("verify audit: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
