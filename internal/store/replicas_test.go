package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
	"shencha/internal/transparency"
)

// replicas are two stores on one database, as two `serve` processes would
// run them: the first migrates and seeds the demo, the second only checks
// the schema; both load the same keys from one keys folder, share a clock,
// and load the register and the log's tree before serving.
type replicas struct {
	ctx   context.Context
	s     [2]*store.Store
	f     *demo.Fixture
	clk   *fakeClock
	trust transparency.Trust
}

func openReplicas(t *testing.T, b storetest.Backend) *replicas {
	t.Helper()
	ctx := context.Background()
	dsn := b.DSN(t)
	keysDir := t.TempDir()
	if _, err := transparency.Generate(keysDir, "replicas.example/log", false); err != nil {
		t.Fatal(err)
	}
	r := &replicas{ctx: ctx, clk: &fakeClock{t: at(2026, 3, 2, 9)}}
	for i := range r.s {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.Now = r.clk.Now
		if i == 0 {
			err = s.Migrate(ctx)
		} else {
			err = s.CheckSchema(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		keys, err := transparency.Load(keysDir)
		if err != nil {
			t.Fatal(err)
		}
		s.SetKeys(keys)
		if i == 0 {
			if r.f, err = demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap); err != nil {
				t.Fatal(err)
			}
			if err := demo.SeedCases(ctx, s, r.f); err != nil {
				t.Fatal(err)
			}
			r.trust = transparency.Trust{VerdictKeys: keys.VerdictKeys(), LogKeys: keys.LogKeys()}
		}
		r.s[i] = s
	}
	for _, s := range r.s {
		if err := s.CatchUpRegister(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// listingIDs are the ids of every listing in the database.
func (r *replicas) listingIDs(t *testing.T) []int64 {
	t.Helper()
	return r.ints(t, `SELECT id FROM listings ORDER BY id`)
}

// ints runs a query of one integer column.
func (r *replicas) ints(t *testing.T, q string) []int64 {
	t.Helper()
	rows, err := r.s[0].DB().QueryContext(r.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// suspendable lists the listings the office may suspend.
func (r *replicas) suspendable(t *testing.T) []int64 {
	t.Helper()
	var out []int64
	for _, id := range r.listingIDs(t) {
		ans, err := r.s[0].ListingsFromDatabase(r.ctx, r.f.Actors["office"], store.ListingQuery{ListingID: id})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ans {
			if a.ListingID == id && (a.Status == review.ListingPassed || a.Status == review.ListingConditionallyPassed) {
				out = append(out, id)
			}
		}
	}
	return out
}

// openNote checks a checkpoint's signature against the log's keys.
func (r *replicas) openNote(note string) (transparency.Checkpoint, error) {
	return transparency.OpenCheckpoint([]byte(note), r.trust.LogKeys)
}

// TestSequencersOnReplicas: two replicas on one database change listings
// and sequence the log at the same time, in small batches, while they hand
// out checkpoints, proofs and attestations. Afterwards every queued entry
// is in the log exactly once; the root recomputed from the stored entries
// is the checkpoint's both replicas give; every checkpoint handed out
// during the run verifies and is consistent with the final one; both
// replicas prove every entry, whichever appended it; and both registers
// answer as the database does.
func TestSequencersOnReplicas(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			r := openReplicas(t, b)
			ctx, office := r.ctx, r.f.Actors["office"]
			r.clk.AddDays(1)
			targets := r.suspendable(t)
			if len(targets) < 2 {
				t.Fatalf("the demo has %d listings to suspend, want at least 2", len(targets))
			}
			var public []int64 // asked anonymously during the run
			for _, id := range targets {
				if ans, _ := r.s[0].ListingsFromDatabase(ctx, review.Actor{}, store.ListingQuery{ListingID: id}); len(ans) == 1 && ans[0].Scope == review.ScopePublic {
					public = append(public, id)
				}
			}
			if len(public) == 0 {
				t.Fatal("no public listing to suspend in the demo")
			}
			startSize := func() int64 {
				h, err := r.s[0].Checkpoint(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return h.Size
			}()
			records, err := r.s[0].LogRecords(ctx) // in the log or queued by the demo
			if err != nil {
				t.Fatal(err)
			}
			eventsBefore := len(r.ints(t, `SELECT id FROM listing_events`))

			var (
				errMu sync.Mutex
				errs  []error
			)
			fail := func(format string, args ...any) {
				errMu.Lock()
				errs = append(errs, fmt.Errorf(format, args...))
				errMu.Unlock()
			}
			// Checkpoints handed out during the run, by note.
			var notesMu sync.Mutex
			notes := map[string]bool{}
			handedOut := func(note string) {
				notesMu.Lock()
				notes[note] = true
				notesMu.Unlock()
			}

			// Writers: one per listing, suspending and reinstating it,
			// through either replica in turn.
			const changes = 24
			var actions atomic.Int64
			var writers sync.WaitGroup
			for w, id := range targets {
				writers.Go(func() {
					for i := range changes {
						act := []review.ListingAction{review.ListSuspend, review.ListReinstate}[i%2]
						if err := r.s[(w+i)%2].ListingAction(ctx, office, id, act, fmt.Sprintf("change %d by writer %d", i, w)); err != nil {
							fail("writer %d: %s listing %d: %v", w, act, id, err)
							return
						}
						actions.Add(1)
					}
				})
			}
			writersDone := make(chan struct{})
			go func() { writers.Wait(); close(writersDone) }()

			// Sequencers: each replica appends small batches until the
			// writers are done and the queue is empty, catching its
			// register up as RunSequencer does.
			var appended, batches [2]atomic.Int64
			var sequencers sync.WaitGroup
			for i, s := range r.s {
				sequencers.Go(func() {
					var drainFrom time.Time
					for failures := 0; failures < 20; {
						done := false
						select {
						case <-writersDone:
							done = true
							if drainFrom.IsZero() {
								drainFrom = time.Now()
							}
						default:
						}
						if done && time.Since(drainFrom) > 10*time.Second {
							fail("replica %d: the queue does not drain: still appending 10 s after the last change", i)
							return
						}
						n, err := s.Sequence(ctx, 1+rand.N(4))
						if err != nil {
							fail("replica %d: sequence: %v", i, err)
							failures++
						}
						if n > 0 {
							appended[i].Add(int64(n))
							batches[i].Add(1)
						}
						if err := s.CatchUpRegister(ctx); err != nil {
							fail("replica %d: register: %v", i, err)
						}
						if done && n == 0 && err == nil {
							return
						}
						if n == 0 {
							time.Sleep(2 * time.Millisecond)
						}
					}
				})
			}
			seqDone := make(chan struct{})
			go func() { sequencers.Wait(); close(seqDone) }()

			// Readers: each replica hands out checkpoints, proves entries
			// and consistency from its previous checkpoint, and answers
			// listings with attestations, all checked as a client would.
			var readers sync.WaitGroup
			var proved atomic.Int64
			for i, s := range r.s {
				readers.Go(func() {
					var prev *transparency.Checkpoint
					for k := 0; ; k++ {
						select {
						case <-seqDone:
							return
						default:
						}
						h, err := s.Checkpoint(ctx)
						if err != nil {
							fail("replica %d: checkpoint: %v", i, err)
							return
						}
						handedOut(h.Note)
						c, err := r.openNote(h.Note)
						if err != nil {
							fail("replica %d: checkpoint %d: %v", i, h.Size, err)
							return
						}
						if prev != nil {
							p, err := s.ConsistencyProof(ctx, prev.Size, c.Size)
							if err == nil {
								err = transparency.VerifyConsistency(*prev, c, p)
							}
							if err != nil {
								fail("replica %d: consistency %d to %d: %v", i, prev.Size, c.Size, err)
								return
							}
						}
						prev = &c
						if c.Size > 0 {
							idx := rand.N(c.Size)
							e, err := s.Entry(ctx, idx)
							if err != nil {
								fail("replica %d: entry %d: %v", i, idx, err)
								return
							}
							p, err := s.InclusionProof(ctx, idx, c.Size)
							if err == nil {
								err = transparency.VerifyInclusion(e.Entry, idx, p, c)
							}
							if err != nil {
								fail("replica %d: inclusion of %d in %d: %v", i, idx, c.Size, err)
								return
							}
							proved.Add(1)
						}
						id := public[k%len(public)]
						ans, err := s.Listings(ctx, review.Actor{}, store.ListingQuery{ListingID: id})
						if err != nil || len(ans) != 1 || ans[0].Attestation == nil {
							fail("replica %d: listing %d: %+v %v", i, id, ans, err)
							return
						}
						if a := ans[0].Attestation; !a.Pending {
							handedOut(a.Checkpoint)
							v, err := transparency.Verify(a, r.trust)
							if err != nil {
								fail("replica %d: listing %d: attestation: %v", i, id, err)
								return
							}
							if got := v.Statement.Predicate; got.ListingID != id || got.Sequence != len(ans[0].History) || got.Status != string(ans[0].Status) {
								fail("replica %d: listing %d: statement %+v for an answer of status %s after %d events", i, id, got, ans[0].Status, len(ans[0].History))
								return
							}
						}
						time.Sleep(2 * time.Millisecond)
					}
				})
			}
			readers.Wait()
			<-seqDone
			<-writersDone
			for _, err := range errs[:min(len(errs), 10)] {
				t.Error(err)
			}
			if len(errs) > 0 {
				t.Fatalf("%d failures during the run", len(errs))
			}

			// Every queued entry is in the log exactly once.
			if q := r.ints(t, `SELECT COUNT(*) FROM log_queue`); q[0] != 0 {
				t.Fatalf("%d entries still queued", q[0])
			}
			want := records + actions.Load()
			if got := int64(len(r.ints(t, `SELECT id FROM listing_events`)) - eventsBefore); got != actions.Load() {
				t.Fatalf("%d listing events added, %d changes made", got, actions.Load())
			}
			type logRow struct {
				idx   int64
				entry []byte
			}
			rows, err := r.s[0].DB().QueryContext(ctx, `SELECT idx, entry FROM log_entries ORDER BY idx`)
			if err != nil {
				t.Fatal(err)
			}
			var logged []logRow
			for rows.Next() {
				var x logRow
				if err := rows.Scan(&x.idx, &x.entry); err != nil {
					t.Fatal(err)
				}
				logged = append(logged, x)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if int64(len(logged)) != want {
				t.Fatalf("the log holds %d entries, %d were queued", len(logged), want)
			}
			seen := map[tlog.Hash]int64{}
			for i, x := range logged {
				if x.idx != int64(i) {
					t.Fatalf("log entry %d is stored at index %d: an index is missing or doubled", i, x.idx)
				}
				h := tlog.RecordHash(x.entry)
				if j, dup := seen[h]; dup {
					t.Fatalf("log entries %d and %d are the same entry", j, i)
				}
				seen[h] = x.idx
			}
			if bad := r.ints(t, `SELECT e.id FROM listing_events e WHERE (SELECT COUNT(*) FROM log_entries g WHERE g.listing_event_id = e.id) <> 1`); len(bad) > 0 {
				t.Fatalf("listing events not in the log exactly once: %v", bad)
			}
			// Both replicas sequenced, and each batch signed a size of its own.
			total := appended[0].Load() + appended[1].Load()
			if total != want-startSize || appended[0].Load() == 0 || appended[1].Load() == 0 {
				t.Fatalf("replicas appended %d and %d entries, want %d in all and some by each", appended[0].Load(), appended[1].Load(), want-startSize)
			}
			sizes := r.ints(t, `SELECT size FROM log_checkpoints ORDER BY size`)
			newSizes := 0
			for _, n := range sizes {
				if n > startSize {
					newSizes++
				}
			}
			if int64(newSizes) != batches[0].Load()+batches[1].Load() {
				t.Fatalf("%d batches appended but %d checkpoint sizes signed after %d", batches[0].Load()+batches[1].Load(), newSizes, startSize)
			}

			// The tree recomputed from the stored entries: its stored
			// hashes are those in the database, its root the checkpoint's.
			var stored []tlog.Hash
			reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
				out := make([]tlog.Hash, len(idx))
				for i, x := range idx {
					out[i] = stored[x]
				}
				return out, nil
			})
			for i, x := range logged {
				hs, err := tlog.StoredHashes(int64(i), x.entry, reader)
				if err != nil {
					t.Fatal(err)
				}
				stored = append(stored, hs...)
			}
			rootAt := func(n int64) tlog.Hash {
				h, err := tlog.TreeHash(n, reader)
				if err != nil {
					t.Fatal(err)
				}
				return h
			}
			hrows, err := r.s[0].DB().QueryContext(ctx, `SELECT idx, hash FROM log_hashes ORDER BY idx`)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for ; hrows.Next(); n++ {
				var idx int64
				var h []byte
				if err := hrows.Scan(&idx, &h); err != nil {
					t.Fatal(err)
				}
				if idx != int64(n) || n >= len(stored) || string(h) != string(stored[n][:]) {
					t.Fatalf("stored hash %d (row %d) differs from the one recomputed from the entries", idx, n)
				}
			}
			hrows.Close()
			if err := hrows.Err(); err != nil {
				t.Fatal(err)
			}
			if n != len(stored) {
				t.Fatalf("%d stored hashes in the database, %d recomputed", n, len(stored))
			}
			var final [2]transparency.Checkpoint
			for i, s := range r.s {
				h, err := s.Checkpoint(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if final[i], err = r.openNote(h.Note); err != nil {
					t.Fatalf("replica %d: final checkpoint: %v", i, err)
				}
			}
			if final[0] != final[1] {
				t.Fatalf("the replicas' checkpoints differ: %d %x and %d %x", final[0].Size, final[0].Root, final[1].Size, final[1].Root)
			}
			head := final[0]
			if head.Size != want || head.Root != rootAt(want) {
				t.Fatalf("checkpoint of size %d root %x; the %d entries stored hash to %x", head.Size, head.Root, want, rootAt(want))
			}

			// Every checkpoint handed out or stored verifies, is the tree
			// the entries make at its size, and is consistent with the
			// final one by either replica's proof.
			for _, note := range r.notes(t, sizes) {
				notes[note] = true
			}
			k := 0
			for note := range notes {
				c, err := r.openNote(note)
				if err != nil {
					t.Fatalf("checkpoint handed out: %v\n%s", err, note)
				}
				if c.Size > head.Size || c.Root != rootAt(c.Size) {
					t.Fatalf("checkpoint of size %d root %x is not the tree of the log's first %d entries", c.Size, c.Root, c.Size)
				}
				p, err := r.s[k%2].ConsistencyProof(ctx, c.Size, head.Size)
				if err == nil {
					err = transparency.VerifyConsistency(c, head, p)
				}
				if err != nil {
					t.Fatalf("replica %d: consistency of %d with %d: %v", k%2, c.Size, head.Size, err)
				}
				k++
			}

			// Each replica proves every entry, those the other appended too.
			for i, s := range r.s {
				for _, x := range logged {
					p, err := s.InclusionProof(ctx, x.idx, head.Size)
					if err == nil {
						err = transparency.VerifyInclusion(x.entry, x.idx, p, head)
					}
					if err != nil {
						t.Fatalf("replica %d: inclusion of entry %d: %v", i, x.idx, err)
					}
				}
			}

			// Both registers answer as the database does, and alike.
			for _, s := range r.s {
				if err := s.CatchUpRegister(ctx); err != nil {
					t.Fatal(err)
				}
			}
			r.registersMatch(t, "after the run")
			for i, s := range r.s {
				ans, err := s.Listings(ctx, office, store.ListingQuery{ListingID: targets[0]})
				if err != nil || len(ans) != 1 || len(ans[0].History) != 1+changes {
					t.Fatalf("replica %d: listing %d after %d changes: %+v %v", i, targets[0], changes, ans, err)
				}
			}
			t.Logf("%d listings changed %d times through both replicas; replicas appended %d and %d entries in %d and %d batches; %d checkpoints checked, %d proofs during the run",
				len(targets), actions.Load(), appended[0].Load(), appended[1].Load(), batches[0].Load(), batches[1].Load(), len(notes), proved.Load())
		})
	}
}

// notes reads the stored checkpoints of the given sizes.
func (r *replicas) notes(t *testing.T, sizes []int64) []string {
	t.Helper()
	var out []string
	for _, n := range sizes {
		var note string
		if err := r.s[0].DB().QueryRowContext(r.ctx, `SELECT note FROM log_checkpoints WHERE size = $1`, n).Scan(&note); err != nil {
			t.Fatal(err)
		}
		out = append(out, note)
	}
	return out
}

// registersMatch asks every listing of both replicas, anonymously and as
// the office: each replica's register answers as its database path does,
// the two replicas alike, and every public unconditional listing's
// statement comes from memory.
func (r *replicas) registersMatch(t *testing.T, stage string) {
	t.Helper()
	actors := map[string]review.Actor{"anonymous": {}, "office": r.f.Actors["office"]}
	for _, id := range r.listingIDs(t) {
		q := store.ListingQuery{ListingID: id}
		for name, a := range actors {
			var answers [4][]store.ListingAnswer
			for i, s := range r.s {
				if !s.InRegister(q) {
					t.Fatalf("%s: replica %d: the register does not answer listing %d", stage, i, id)
				}
				fast, err := s.Listings(r.ctx, a, q)
				if err != nil {
					t.Fatal(err)
				}
				slow, err := s.ListingsFromDatabase(r.ctx, a, q)
				if err != nil {
					t.Fatal(err)
				}
				answers[2*i], answers[2*i+1] = fast, slow
			}
			for j := 1; j < len(answers); j++ {
				if !reflect.DeepEqual(answers[0], answers[j]) {
					what := []string{"A's register", "A's database", "B's register", "B's database"}
					aj, _ := json.Marshal(answers[0])
					bj, _ := json.Marshal(answers[j])
					t.Fatalf("%s: %s asks listing %d:\n%s %s\n%s %s", stage, name, id, what[0], aj, what[j], bj)
				}
			}
			ans := answers[0]
			if name == "anonymous" && len(ans) == 1 && ans[0].Scope == review.ScopePublic && len(ans[0].Conditions) == 0 {
				if ans[0].Attestation == nil || ans[0].Attestation.Pending {
					t.Fatalf("%s: listing %d: no attestation in the log: %+v", stage, id, ans[0].Attestation)
				}
				if _, err := transparency.Verify(ans[0].Attestation, r.trust); err != nil {
					t.Fatalf("%s: listing %d: %v", stage, id, err)
				}
				for i, s := range r.s {
					if ok, err := s.AttestedFromRegister(r.ctx, q); !ok || err != nil {
						t.Fatalf("%s: replica %d: listing %d's statement not served from memory (%v)", stage, i, id, err)
					}
				}
			}
		}
	}
	for i, s := range r.s {
		if m := s.RegisterMisses(); m != 0 {
			t.Fatalf("%s: replica %d rebuilt %d statements that differ from the log", stage, i, m)
		}
	}
}

// TestRegisterAcrossReplicas: a listing change made through one replica is
// answered by the other's in-memory register once it catches up, queued
// and then sequenced, with the same attestation its database path gives;
// the other replica proves the entry the first appended. Changes go
// through each replica in turn, the first through the one whose tree is
// still empty when another has appended (it loads theirs before its own
// append); last, both run RunSequencer as serve does and a change through
// one reaches the other's register by itself.
func TestRegisterAcrossReplicas(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			r := openReplicas(t, b)
			ctx, office := r.ctx, r.f.Actors["office"]
			// The replicas started on an empty log; A appends the demo's
			// statements. B's tree stays empty until B next sequences.
			if n, err := r.s[0].Sequence(ctx, 0); err != nil || n == 0 {
				t.Fatalf("replica 0 sequences the demo: %d %v", n, err)
			}
			if err := r.s[0].CatchUpRegister(ctx); err != nil {
				t.Fatal(err)
			}
			var id int64
			for _, l := range r.suspendable(t) {
				ans, _ := r.s[0].ListingsFromDatabase(ctx, review.Actor{}, store.ListingQuery{ListingID: l})
				if len(ans) == 1 && ans[0].Scope == review.ScopePublic && len(ans[0].Conditions) == 0 {
					id = l
				}
			}
			if id == 0 {
				t.Fatal("no public unconditional listing to suspend in the demo")
			}
			q := store.ListingQuery{ListingID: id}
			if err := r.s[1].CatchUpRegister(ctx); err != nil {
				t.Fatal(err)
			}
			// answer asks replica i's register, checks it answers from
			// memory as its database path does, and returns the answer.
			answer := func(stage string, i int) store.ListingAnswer {
				t.Helper()
				s := r.s[i]
				if !s.InRegister(q) {
					t.Fatalf("%s: replica %d's register does not answer listing %d", stage, i, id)
				}
				fast, err := s.Listings(ctx, review.Actor{}, q)
				if err != nil || len(fast) != 1 {
					t.Fatalf("%s: replica %d: %+v %v", stage, i, fast, err)
				}
				slow, err := s.ListingsFromDatabase(ctx, review.Actor{}, q)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(fast, slow) {
					fj, _ := json.Marshal(fast)
					sj, _ := json.Marshal(slow)
					t.Fatalf("%s: replica %d:\nregister %s\ndatabase %s", stage, i, fj, sj)
				}
				return fast[0]
			}
			// change makes a listing change through replica from and checks
			// replica to answers it: after catching up, with the statement
			// pending; once from has sequenced it, with an attestation
			// served from to's memory, proved by to's tree.
			change := func(from int, act review.ListingAction, status review.ListingStatus, reason string) {
				t.Helper()
				to := 1 - from
				r.clk.Add(time.Hour)
				before := answer("before", to)
				if err := r.s[from].ListingAction(ctx, office, id, act, reason); err != nil {
					t.Fatal(err)
				}
				if err := r.s[to].CatchUpRegister(ctx); err != nil {
					t.Fatal(err)
				}
				got := answer(string(act)+", queued", to)
				if got.Status != status || len(got.History) != len(before.History)+1 || got.History[len(got.History)-1].Reason != reason {
					t.Fatalf("%s through replica %d, queued: replica %d answers %s after %d events (before: %d)", act, from, to, got.Status, len(got.History), len(before.History))
				}
				if got.Attestation == nil || !got.Attestation.Pending {
					t.Fatalf("%s through replica %d, queued: replica %d's attestation %+v, want pending", act, from, to, got.Attestation)
				}
				if n, err := r.s[from].Sequence(ctx, 0); err != nil || n != 1 {
					t.Fatalf("replica %d sequences: %d %v", from, n, err)
				}
				if err := r.s[to].CatchUpRegister(ctx); err != nil {
					t.Fatal(err)
				}
				got = answer(string(act)+", sequenced", to)
				if ok, err := r.s[to].AttestedFromRegister(ctx, q); !ok || err != nil {
					t.Fatalf("%s through replica %d: replica %d does not serve the statement from memory (%v)", act, from, to, err)
				}
				v, err := transparency.Verify(got.Attestation, r.trust)
				if err != nil {
					t.Fatalf("%s through replica %d: replica %d's attestation: %v", act, from, to, err)
				}
				if p := v.Statement.Predicate; p.Status != string(status) || p.Reason != reason || p.Sequence != len(got.History) || p.ListingID != id {
					t.Fatalf("%s through replica %d: replica %d's statement %+v", act, from, to, p)
				}
				// The entry from appended, proved by to's tree against
				// to's checkpoint, and to's checkpoint is from's.
				e, err := r.s[to].Entry(ctx, got.Attestation.Index)
				if err != nil {
					t.Fatal(err)
				}
				h, err := r.s[to].Checkpoint(ctx)
				if err != nil {
					t.Fatal(err)
				}
				c, err := r.openNote(h.Note)
				if err != nil {
					t.Fatal(err)
				}
				if c.Size != got.Attestation.Index+1 {
					t.Fatalf("replica %d's checkpoint has %d entries; the entry replica %d appended last is %d", to, c.Size, from, got.Attestation.Index)
				}
				p, err := r.s[to].InclusionProof(ctx, got.Attestation.Index, c.Size)
				if err == nil {
					err = transparency.VerifyInclusion(e.Entry, got.Attestation.Index, p, c)
				}
				if err != nil {
					t.Fatalf("replica %d proves entry %d that replica %d appended: %v", to, got.Attestation.Index, from, err)
				}
				hf, err := r.s[from].Checkpoint(ctx)
				if err != nil || hf != h {
					t.Fatalf("replica %d's checkpoint %+v, replica %d's %+v (%v)", from, hf, to, h, err)
				}
				if a := answer("the changing replica", from); !reflect.DeepEqual(a, got) {
					t.Fatalf("%s through replica %d: the replicas answer differently:\n%+v\n%+v", act, from, a, got)
				}
			}
			// B appends first, its tree empty: it loads what A appended.
			change(1, review.ListSuspend, review.ListingSuspended, "suspended through B")
			change(0, review.ListReinstate, review.ListingPassed, "reinstated through A")
			r.registersMatch(t, "after two changes")
			change(0, review.ListSuspend, review.ListingSuspended, "suspended through A")
			change(1, review.ListReinstate, review.ListingPassed, "reinstated through B")
			r.registersMatch(t, "after four changes")

			// As serve runs them: each replica's RunSequencer appends what
			// is queued and catches its register up on its tick, so a
			// change through A reaches B's register, sequenced, by itself.
			runCtx, stop := context.WithCancel(ctx)
			var loops sync.WaitGroup
			var loopErrs atomic.Int64
			for i, s := range r.s {
				loops.Go(func() {
					s.RunSequencer(runCtx, 20*time.Millisecond, func(err error) {
						loopErrs.Add(1)
						t.Errorf("replica %d: sequencer: %v", i, err)
					})
				})
			}
			r.clk.Add(time.Hour)
			if err := r.s[0].ListingAction(ctx, office, id, review.ListRevoke, "revoked through A"); err != nil {
				t.Fatal(err)
			}
			// Both registers, whichever replica appended the statement.
			deadline := time.Now().Add(5 * time.Second)
			for i, s := range r.s {
				for {
					ans, err := s.Listings(ctx, review.Actor{}, q)
					if err != nil {
						t.Fatal(err)
					}
					fromMemory, _ := s.AttestedFromRegister(ctx, q)
					if len(ans) == 1 && ans[0].Status == review.ListingRevoked && ans[0].Attestation != nil && !ans[0].Attestation.Pending && fromMemory {
						break
					}
					if time.Now().After(deadline) {
						stop()
						loops.Wait()
						t.Fatalf("replica %d's register does not serve the revocation through replica 0, sequenced, from memory after 5 s: %+v", i, ans)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			stop()
			loops.Wait()
			if loopErrs.Load() > 0 {
				t.FailNow()
			}
			for _, s := range r.s {
				if _, err := s.Checkpoint(ctx); err != nil {
					t.Fatal(err)
				}
			}
			r.registersMatch(t, "revoked, with the sequencer loops")
		})
	}
}
