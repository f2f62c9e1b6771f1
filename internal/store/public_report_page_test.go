package store_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// items takes a page's reports, for tests that read one page.
func items(p store.ReportPage, err error) ([]store.ReportSummary, error) { return p.Items, err }

// queued is a report as the test knows it from the table itself, not from
// the list under test.
type queued struct {
	id     int64
	status review.ReportStatus
	cases  string
}

// queueOrder reads the reports from the table and orders them as the
// office's list must: those awaiting triage by id, then the rest by id
// descending; keep filters them.
func (e *env) queueOrder(tb testing.TB, keep func(queued) bool) []int64 {
	tb.Helper()
	rows, err := e.s.DB().QueryContext(e.ctx, `SELECT r.id, r.status, COALESCE(c.number, '') FROM public_reports r LEFT JOIN cases c ON c.id = r.case_id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var received, triaged []int64
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.id, &q.status, &q.cases); err != nil {
			tb.Fatal(err)
		}
		if keep != nil && !keep(q) {
			continue
		}
		if q.status == review.ReportReceived {
			received = append(received, q.id)
		} else {
			triaged = append(triaged, q.id)
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	slices.Sort(received)
	slices.Sort(triaged)
	slices.Reverse(triaged)
	return append(received, triaged...)
}

// pageAll reads the list to its end, a page of limit at a time from
// cursor, and returns the ids in the order shown and the number of pages.
// Every page but the last is full and has a cursor.
func (e *env) pageAll(tb testing.TB, a review.Actor, f store.PublicReportFilter) ([]int64, int) {
	tb.Helper()
	var ids []int64
	for n := 1; ; n++ {
		p, err := e.s.Reports(e.ctx, a, f)
		if err != nil {
			tb.Fatalf("page %d (%+v): %v", n, f, err)
		}
		for _, r := range p.Items {
			ids = append(ids, r.ID)
		}
		if p.Next == "" {
			return ids, n
		}
		if len(p.Items) != f.Limit {
			tb.Fatalf("page %d has %d reports of %d and a cursor", n, len(p.Items), f.Limit)
		}
		if n > 1000 {
			tb.Fatal("the pages do not end")
		}
		f.Cursor = p.Next
	}
}

// sameIDs fails the test unless got and want are the same ids in the same
// order, naming the first difference.
func sameIDs(tb testing.TB, what string, got, want []int64) {
	tb.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			tb.Fatalf("%s: at %d got report %d, want %d\n got %v\nwant %v", what, i, got[i], want[i], got, want)
		}
	}
	tb.Fatalf("%s: %d reports, want %d\n got %v\nwant %v", what, len(got), len(want), got, want)
}

func TestPublicReportPaging(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			office := e.actor(t, "office")
			const filed = 130
			for i := range filed {
				in := review.NewReport{Subject: "a product seen in use", Description: fmt.Sprintf("Report number %d of the paging test.", i)}
				if i%2 == 0 {
					in.ProductID = e.f.Router.ID
				}
				e.fileReport(t, in)
			}
			ids := e.queueOrder(t, nil)
			if len(ids) != filed {
				t.Fatalf("%d reports in the table, want %d", len(ids), filed)
			}
			// Triage some, spread over the ids: every third dismissed,
			// every fifth of the rest linked to a case the office runs.
			for i, id := range ids {
				var tr review.Triage
				switch {
				case i == 0: // about the router, whose published result it re-opens
					tr = review.Triage{Action: review.TriageReReview, Reason: "Substantiated: a re-review is open."}
				case i%3 == 1:
					tr = review.Triage{Action: review.TriageDismiss, Reason: "Nothing to check."}
				case i%5 == 2:
					tr = review.Triage{Action: review.TriageLink, Reason: "Taken into a review.", Case: "CSR-2026-0003"}
				default:
					continue
				}
				if _, err := e.s.TriageReport(e.ctx, office, id, tr); err != nil {
					t.Fatalf("triage %d: %v", id, err)
				}
			}

			t.Run("EachOnceInOrder", func(t *testing.T) {
				want := e.queueOrder(t, nil)
				if n := len(e.queueOrder(t, func(q queued) bool { return q.status == review.ReportReceived })); n == 0 || n == len(want) {
					t.Fatalf("the fixture has not both groups: %d of %d await triage", n, len(want))
				}
				// 7 splits the list unevenly, with a page across the two
				// groups; 10 and 130 end a page exactly at the end of the
				// list, which then has no cursor.
				for _, limit := range []int{1, 7, 10, 130} {
					got, pages := e.pageAll(t, office, store.PublicReportFilter{Limit: limit})
					sameIDs(t, fmt.Sprintf("limit %d", limit), got, want)
					if wantPages := (filed + limit - 1) / limit; pages != wantPages {
						t.Errorf("limit %d: %d pages, want %d", limit, pages, wantPages)
					}
				}
			})

			t.Run("Filters", func(t *testing.T) {
				for _, st := range review.ReportStatuses {
					want := e.queueOrder(t, func(q queued) bool { return q.status == st })
					if len(want) == 0 {
						t.Fatalf("no %s reports in the fixture", st)
					}
					got, _ := e.pageAll(t, office, store.PublicReportFilter{Status: st, Limit: 4})
					sameIDs(t, "status "+string(st), got, want)
				}
				want := e.queueOrder(t, func(q queued) bool { return q.cases == "CSR-2026-0003" })
				if len(want) < 4 {
					t.Fatalf("%d reports linked to the case", len(want))
				}
				got, _ := e.pageAll(t, office, store.PublicReportFilter{Case: "CSR-2026-0003", Limit: 3})
				sameIDs(t, "case", got, want)
				// A sector regulator pages through the reports of its
				// sector only: none here.
				if got, pages := e.pageAll(t, e.actor(t, "finance-regulator"), store.PublicReportFilter{Limit: 5}); len(got) != 0 || pages != 1 {
					t.Errorf("the finance regulator pages through %v", got)
				}
			})

			t.Run("BadCursor", func(t *testing.T) {
				enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
				first, err := e.s.Reports(e.ctx, office, store.PublicReportFilter{Limit: 5})
				if err != nil || first.Next == "" {
					t.Fatalf("first page: %+v %v", first, err)
				}
				// The page after the first, by a cursor made here: the
				// test's maker of cursors makes them as Next does.
				second, err := e.s.Reports(e.ctx, office, store.PublicReportFilter{Limit: 5, Cursor: store.ReportCursorAt("r" + strconv.FormatInt(first.Items[4].ID, 10))})
				if err != nil || len(second.Items) != 5 || second.Items[0].ID != e.queueOrder(t, nil)[5] {
					t.Fatalf("second page by a made cursor: %+v %v", second, err)
				}
				raw, _ := base64.RawURLEncoding.DecodeString(first.Next)
				flipped := slices.Clone(raw)
				flipped[1]++ // another id, the check left as it was
				for _, c := range []string{
					// Not what Next makes: not base64url, padded, cut short,
					// lengthened, altered, with no check.
					"!!", "r12", first.Next + "=", first.Next[:len(first.Next)-1], first.Next + "A", "A" + first.Next, enc(string(flipped)),
					base64.StdEncoding.EncodeToString(raw), enc("r12"), enc(string(raw[:len(raw)-4])),
					// A good check of a place that is none.
					store.ReportCursorAt(""), store.ReportCursorAt("r"), store.ReportCursorAt("t"), store.ReportCursorAt("x12"), store.ReportCursorAt("R12"),
					store.ReportCursorAt("r0"), store.ReportCursorAt("t-3"), store.ReportCursorAt("r012"), store.ReportCursorAt("r+12"), store.ReportCursorAt("r12 "),
					store.ReportCursorAt("r12x"), store.ReportCursorAt("r99999999999999999999"), store.ReportCursorAt("12"),
				} {
					_, err := e.s.Reports(e.ctx, office, store.PublicReportFilter{Cursor: c, Limit: 5})
					if e, ok := err.(*review.Error); !ok || e.Kind != review.KindInvalid || e.Field != "cursor" {
						t.Errorf("cursor %q: %v", c, err)
					}
				}
				// The check of the cursor does not come before the reader's:
				// the public learns nothing from a cursor.
				if _, err := e.s.Reports(e.ctx, review.Actor{}, store.PublicReportFilter{Cursor: "!!"}); !review.IsKind(err, review.KindUnauthorized) {
					t.Errorf("the public with a bad cursor: %v", err)
				}
			})

			t.Run("ChangesBetweenPages", func(t *testing.T) {
				const limit = 6
				before := e.queueOrder(t, nil)
				p1, err := e.s.Reports(e.ctx, office, store.PublicReportFilter{Limit: limit})
				if err != nil || len(p1.Items) != limit || p1.Items[limit-1].Status != review.ReportReceived {
					t.Fatalf("first page: %+v %v", p1, err)
				}
				var shown []int64
				for _, r := range p1.Items {
					shown = append(shown, r.ID)
				}
				sameIDs(t, "first page", shown, before[:limit])
				// Between the pages: a report is filed, one shown is
				// triaged, and one not yet shown, further down the
				// received group, is triaged.
				e.fileReport(t, review.NewReport{Subject: "a product seen in use", Description: "Filed while the office was reading the first page."})
				newest := e.queueOrder(t, func(q queued) bool { return q.status == review.ReportReceived })
				newID := newest[len(newest)-1]
				seenTriaged, unseenTriaged := shown[2], before[limit+3]
				for _, id := range []int64{seenTriaged, unseenTriaged} {
					if _, err := e.s.TriageReport(e.ctx, office, id, review.Triage{Action: review.TriageDismiss, Reason: "Nothing to check."}); err != nil {
						t.Fatal(err)
					}
				}
				rest, _ := e.pageAll(t, office, store.PublicReportFilter{Limit: limit, Cursor: p1.Next})
				all := append(slices.Clone(shown), rest...)
				count := map[int64]int{}
				for _, id := range all {
					count[id]++
				}
				for _, id := range before {
					if id != seenTriaged && count[id] != 1 {
						t.Errorf("report %d shown %d times", id, count[id])
					}
				}
				if count[newID] != 1 || count[seenTriaged] > 2 {
					t.Errorf("the new report shown %d times, the one triaged after it was shown %d times", count[newID], count[seenTriaged])
				}
				// The rest is the list as it now stands, past the last report
				// of the first page: the received filed after it (the new one
				// last), then every triaged report, the two just triaged among
				// them in their places.
				after := e.queueOrder(t, func(q queued) bool { return q.status != review.ReportReceived || q.id > shown[limit-1] })
				sameIDs(t, "after the changes", rest, after)

				// Once the pages are in the triaged group, a report filed or
				// triaged then changes nothing of what is left.
				received := e.queueOrder(t, func(q queued) bool { return q.status == review.ReportReceived })
				n := len(received) + 10
				mid, err := e.s.Reports(e.ctx, office, store.PublicReportFilter{Limit: n})
				if err != nil || mid.Next == "" || mid.Items[n-1].Status == review.ReportReceived {
					t.Fatalf("a page ending in the triaged group: %v %d", err, len(mid.Items))
				}
				lastShown := mid.Items[n-1].ID
				stays := e.queueOrder(t, func(q queued) bool { return q.status != review.ReportReceived && q.id < lastShown })
				e.fileReport(t, review.NewReport{Subject: "a product seen in use", Description: "Filed while the office was reading the triaged reports."})
				if _, err := e.s.TriageReport(e.ctx, office, received[0], review.Triage{Action: review.TriageDismiss, Reason: "Nothing to check."}); err != nil {
					t.Fatal(err)
				}
				got, _ := e.pageAll(t, office, store.PublicReportFilter{Limit: 9, Cursor: mid.Next})
				// The new report is not shown (it is before the cursor); the
				// one triaged now, the oldest, was shown among the received
				// and shows again in its place among the triaged, as its id
				// is below the cursor's. The rest is as it was.
				if received[0] > lastShown {
					t.Fatalf("the oldest received report %d is newer than the cursor's %d", received[0], lastShown)
				}
				sameIDs(t, "after a page in the triaged group", got,
					e.queueOrder(t, func(q queued) bool { return q.status != review.ReportReceived && q.id < lastShown }))
				if !slices.Contains(got, received[0]) {
					t.Errorf("the report triaged now (%d) is not among the triaged: %v", received[0], got)
				}
				sameIDs(t, "the reports that stayed put", slices.DeleteFunc(slices.Clone(got), func(id int64) bool { return id == received[0] }), stays)
			})
		})
	}
}
