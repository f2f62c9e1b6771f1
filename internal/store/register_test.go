package store_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// TestRegisterMatchesDatabase asks every demo listing by every key, as
// callers of every kind, before and after listing changes: the in-memory
// register answers exactly as the database path does.
func TestRegisterMatchesDatabase(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			if _, err := e.s.Sequence(e.ctx, 0); err != nil {
				t.Fatal(err)
			}
			actors := map[string]review.Actor{"anonymous": {}}
			for _, u := range []string{"office", "procurer", "ciio", "provider1", "provider2", "lab1"} {
				actors[u] = e.f.Actors[u]
			}
			compare := func(stage string) int {
				t.Helper()
				checked := 0
				for _, l := range e.allListings(t, e.f.Actors["office"]) {
					queries := []store.ListingQuery{{ListingID: l.ListingID}, {PURL: l.PURL}, {CPE: l.CPE}, {ProductID: l.ProductID, Version: l.Version},
						{PURL: purlWithoutVersion(l.PURL)}, {ListingID: l.ListingID, AsOf: e.clk.Today().String()}}
					// The comparison means something only if the register
					// itself answers: every listing, by id, for an
					// anonymous caller (public in full, else not disclosed).
					if !e.s.InRegister(store.ListingQuery{ListingID: l.ListingID}) {
						t.Fatalf("%s: the register did not answer listing %d from memory", stage, l.ListingID)
					}
					vs, _ := e.s.Version(e.ctx, l.VersionID)
					if vs.ArtifactSHA256 != "" {
						queries = append(queries, store.ListingQuery{Digest: "sha256:" + vs.ArtifactSHA256})
					}
					for name, a := range actors {
						for _, q := range queries {
							fast, err := e.s.Listings(e.ctx, a, q)
							if err != nil {
								t.Fatal(err)
							}
							slow, err := e.s.ListingsFromDatabase(e.ctx, a, q)
							if err != nil {
								t.Fatal(err)
							}
							if !reflect.DeepEqual(fast, slow) {
								fj, _ := json.Marshal(fast)
								sj, _ := json.Marshal(slow)
								t.Fatalf("%s: %s asks %+v:\nregister %s\ndatabase %s", stage, name, q, fj, sj)
							}
							// The server writes answers by hand, as encoding/json would.
							if want, _ := json.Marshal(fast); !bytes.Equal(store.AppendListingAnswers(nil, fast), want) {
								t.Fatalf("%s: %s asks %+v: hand-written JSON\n%s\nencoding/json\n%s", stage, name, q, store.AppendListingAnswers(nil, fast), want)
							}
							checked++
						}
					}
				}
				return checked
			}
			n := compare("published")
			// Once the register has read the log, it serves every public,
			// unconditional listing's signed statement from memory, and
			// every statement it rebuilt matched the log's entry.
			if err := e.s.CatchUpRegister(e.ctx); err != nil {
				t.Fatal(err)
			}
			fromMemory := 0
			for _, l := range e.allListings(t, e.f.Actors["office"]) {
				if l.Scope != review.ScopePublic || len(l.Conditions) > 0 {
					continue
				}
				ok, err := e.s.AttestedFromRegister(e.ctx, store.ListingQuery{ListingID: l.ListingID})
				if err != nil || !ok {
					t.Fatalf("listing %d: statement not served from the register (%v)", l.ListingID, err)
				}
				fromMemory++
			}
			if fromMemory == 0 {
				t.Fatal("no public unconditional listing in the demo to serve from memory")
			}
			n += compare("published, log read by the register")
			e.clk.AddDays(1)
			office := e.f.Actors["office"]
			if err := e.s.ListingAction(e.ctx, office, 1, review.ListSuspend, "investigation"); err != nil {
				t.Fatal(err)
			}
			// Before the statement is sequenced, and after.
			n += compare("suspended, statement queued")
			if _, err := e.s.Sequence(e.ctx, 0); err != nil {
				t.Fatal(err)
			}
			n += compare("suspended")
			if err := e.s.ListingAction(e.ctx, office, 1, review.ListReinstate, "cleared"); err != nil {
				t.Fatal(err)
			}
			e.s.Sequence(e.ctx, 0)
			n += compare("reinstated")
			// A new case about the listed router version: the register
			// shows it under re-review once submitted, and not after.
			number := e.open(t, "provider1", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: e.f.Router.ID, VersionIDs: versionIDs(e.f.RouterV[:1]), Summary: "a new look"}).Number
			n += compare("new case in draft")
			e.act(t, "provider1", number, review.ActSubmit, review.Input{})
			if ans, _ := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: 1}); len(ans) != 1 || !ans[0].ReReview {
				t.Fatalf("listing 1 not under re-review after a submitted case: %+v", ans)
			}
			n += compare("new case submitted")
			e.act(t, "provider1", number, review.ActWithdraw, review.Input{Reason: "not needed"})
			if ans, _ := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: 1}); len(ans) != 1 || ans[0].ReReview {
				t.Fatalf("listing 1 still under re-review after withdrawal: %+v", ans)
			}
			n += compare("new case withdrawn")
			if m := e.s.RegisterMisses(); m != 0 {
				t.Fatalf("the register rebuilt %d statements that differ from the log", m)
			}
			t.Logf("%d answers compared; %d statements served from memory", n, fromMemory)
		})
	}
}

func purlWithoutVersion(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '@' {
			return p[:i]
		}
	}
	return p
}

// TestRegisterConcurrent reads the register while listings change and the
// log is sequenced (run with -race): every answer is whole, and the last
// one matches the database.
func TestRegisterConcurrent(t *testing.T) {
	e := newCasesEnv(t, storetest.Backends()[0])
	office := e.f.Actors["office"]
	done := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				ans, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: 1})
				if err != nil || len(ans) != 1 || ans[0].ListingID != 1 || len(ans[0].History) == 0 || ans[0].Attestation == nil {
					errs <- fmt.Errorf("answer during changes: %+v %v", ans, err)
					return
				}
			}
		})
	}
	for i := range 20 {
		act := []review.ListingAction{review.ListSuspend, review.ListReinstate}[i%2]
		if err := e.s.ListingAction(e.ctx, office, 1, act, "flapping"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Sequence(e.ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	fast, _ := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: 1})
	slow, _ := e.s.ListingsFromDatabase(e.ctx, review.Actor{}, store.ListingQuery{ListingID: 1})
	if !reflect.DeepEqual(fast, slow) || len(fast[0].History) != 21 {
		t.Fatalf("after the changes: register %+v, database %+v", fast, slow)
	}
}

// TestSyntheticRegisterFromMemory: the load tests' synthetic statements
// say what the database says, so the register serves them from memory,
// and its answers equal the database's.
func TestSyntheticRegisterFromMemory(t *testing.T) {
	e, ids := syntheticEnv(t, 40)
	for _, id := range ids {
		q := store.ListingQuery{ListingID: id}
		if ok, err := e.s.AttestedFromRegister(e.ctx, q); !ok || err != nil {
			t.Fatalf("listing %d: not served from memory (%v)", id, err)
		}
		fast, err := e.s.Listings(e.ctx, review.Actor{}, q)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := e.s.ListingsFromDatabase(e.ctx, review.Actor{}, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("listing %d: register and database differ:\n%+v\n%+v", id, fast, slow)
		}
		// The API's way, built in buffers reused from one answer to the
		// next: the same bytes.
		b, err := e.s.AppendListings(e.ctx, review.Actor{}, q, []byte("x"))
		if want := store.AppendListingAnswers([]byte("x"), slow); err != nil || string(b) != string(want) {
			t.Fatalf("listing %d: AppendListings wrote (%v)\n%s\nwant\n%s", id, err, b, want)
		}
	}
	if m := e.s.RegisterMisses(); m != 0 {
		t.Fatalf("%d rebuilt statements differ from the log", m)
	}
}

// TestRegisterChecksRebuiltStatement: a statement the register rebuilds
// is served only once it is found to be the event's log entry; one that
// differs sends the answer to the database, and one found equal is not
// checked again.
func TestRegisterChecksRebuiltStatement(t *testing.T) {
	e, ids := syntheticEnv(t, 4)
	answer := func(id int64) (fast, slow []store.ListingAnswer) {
		t.Helper()
		q := store.ListingQuery{ListingID: id}
		fast, err := e.s.Listings(e.ctx, review.Actor{}, q)
		if err != nil {
			t.Fatal(err)
		}
		slow, err = e.s.ListingsFromDatabase(e.ctx, review.Actor{}, q)
		if err != nil {
			t.Fatal(err)
		}
		return fast, slow
	}

	wrong, right := ids[0], ids[1]
	e.s.AlterRegisterForTest(wrong, "1999-12-31")
	if e.s.RegisterMatched(right) {
		t.Fatal("marked before it was rebuilt")
	}
	// The first answer about right checks its statement and marks it.
	for range 2 {
		fast, slow := answer(right)
		if !e.s.RegisterMatched(right) {
			t.Fatal("a statement found in the log is not marked")
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("register and database differ:\n%+v\n%+v", fast, slow)
		}
	}
	// serve's check after loading: the others, then only the one that
	// differs, which is never marked.
	for _, want := range [][2]int{{3, 1}, {1, 1}} {
		checked, differ, err := e.s.CheckRegister(e.ctx)
		if err != nil || checked != want[0] || differ != want[1] {
			t.Fatalf("CheckRegister: %d checked, %d differ (%v), want %v", checked, differ, err, want)
		}
	}
	for _, id := range ids[1:] {
		if !e.s.RegisterMatched(id) {
			t.Fatalf("listing %d not marked after the check", id)
		}
	}
	if ok, err := e.s.AttestedFromRegister(e.ctx, store.ListingQuery{ListingID: wrong}); ok || err != nil {
		t.Fatalf("a statement rebuilt with a wrong end of validity was served from memory (%v)", err)
	}
	fast, slow := answer(wrong)
	if e.s.RegisterMatched(wrong) {
		t.Fatal("a statement that differs from the log is marked as found in it")
	}
	payload, err := base64.StdEncoding.DecodeString(fast[0].Attestation.Envelope.Payload)
	if err != nil || !reflect.DeepEqual(fast[0].Attestation, slow[0].Attestation) || strings.Contains(string(payload), "1999-12-31") {
		t.Fatal("the answer's statement is not the log's")
	}
	if m := e.s.RegisterMisses(); m != 4 {
		t.Fatalf("%d misses counted, want 4", m)
	}
}

// syntheticEnv is an environment with a synthetic register of n public
// listings, loaded before the log is sequenced (so sequencing keeps it
// current), and the listings' ids.
func syntheticEnv(t *testing.T, n int) (*env, []int64) {
	t.Helper()
	e := newEnv(t, storetest.Backends()[0], at(2026, 3, 2, 9))
	if err := e.s.SyntheticRegister(e.ctx, n, e.f.Users["office"].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.CatchUpRegister(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Sequence(e.ctx, 0); err != nil {
		t.Fatal(err)
	}
	ids, err := e.s.SyntheticListingIDs(e.ctx)
	if err != nil || len(ids) != n {
		t.Fatalf("%d ids, %v", len(ids), err)
	}
	return e, ids
}

// TestSignatureBackfill: migration 0005 derives from the log's envelopes
// the same signatures the sequencer records, so a log written before it
// is served from memory as well.
func TestSignatureBackfill(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			if _, err := e.s.Sequence(e.ctx, 0); err != nil {
				t.Fatal(err)
			}
			written, backfilled, err := e.s.BackfillSignaturesForTest(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(written) == 0 {
				t.Fatal("the sequencer recorded no signatures")
			}
			if !reflect.DeepEqual(written, backfilled) {
				t.Fatalf("sequencer wrote\n%v\nthe migration derives\n%v", written, backfilled)
			}
		})
	}
}

// TestListingEventsCommitInOrder: on PostgreSQL two transactions adding
// listing events could commit out of the order of their ids, and the
// register, which reads events after the last id it saw, would miss the
// earlier one for good. The second writer must wait for the first.
func TestListingEventsCommitInOrder(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name != "postgres" {
				t.Skip("SQLite has one writer: its transactions cannot interleave")
			}
			e := newCasesEnv(t, b)
			if err := e.s.CatchUpRegister(e.ctx); err != nil {
				t.Fatal(err)
			}
			commitA, err := e.s.ListingEventInTx(e.ctx, 1, "writer A")
			if err != nil {
				t.Fatal(err)
			}
			// B goes the whole way a listing change goes: it reinstates the
			// listing A suspends, so it must also read A's event.
			bDone := make(chan error, 1)
			go func() { bDone <- e.s.ListingAction(e.ctx, e.f.Actors["office"], 1, review.ListReinstate, "writer B") }()
			// B cannot have written while A holds the order: had it, it
			// would have committed by now, before A.
			select {
			case err := <-bDone:
				t.Fatalf("writer B committed while writer A was open (%v)", err)
			case <-time.After(300 * time.Millisecond):
			}
			if err := e.s.CatchUpRegister(e.ctx); err != nil {
				t.Fatal(err)
			}
			if err := commitA(); err != nil {
				t.Fatal(err)
			}
			if err := <-bDone; err != nil {
				t.Fatal(err)
			}
			if err := e.s.CatchUpRegister(e.ctx); err != nil {
				t.Fatal(err)
			}
			ans, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: 1})
			if err != nil || len(ans) != 1 {
				t.Fatalf("%+v %v", ans, err)
			}
			var reasons []string
			for _, h := range ans[0].History {
				reasons = append(reasons, h.Reason)
			}
			if n := len(reasons); n < 2 || reasons[n-2] != "writer A" || reasons[n-1] != "writer B" {
				t.Fatalf("the register's history of listing 1 ends %q, want writer A then writer B", reasons)
			}
		})
	}
}
