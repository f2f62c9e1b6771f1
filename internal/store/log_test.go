package store_test

import (
	"bytes"
	"strings"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
	"shencha/internal/transparency"
)

// TestTransparencyLog publishes the demo cases, sequences the log and
// checks, on both backends: every listing the office sees carries an
// attestation that verifies offline; the parties-scoped failure is a
// commitment that reveals nothing in the public log, is hidden from an
// anonymous caller, and still tells the procurer not to buy; a listing
// change adds a statement; checkpoints stay consistent; an audit anchor
// enters the log once.
func TestTransparencyLog(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCasesEnv(t, b)
			trust := transparency.Trust{VerdictKeys: e.s.Keys().VerdictKeys(), LogKeys: e.s.Keys().LogKeys()}
			office := e.f.Actors["office"]
			// Before sequencing the statements are signed but pending.
			ans, err := e.s.Listings(e.ctx, office, store.ListingQuery{ProductID: e.f.Router.ID})
			if err != nil {
				t.Fatal(err)
			}
			pending := 0
			for _, a := range ans {
				if a.Attestation != nil && a.Attestation.Pending {
					pending++
				}
			}
			if pending == 0 {
				t.Fatal("no pending attestation before sequencing")
			}
			n, err := e.s.Sequence(e.ctx, 0)
			if err != nil || n == 0 {
				t.Fatalf("sequence: %d %v", n, err)
			}
			first, err := e.s.Checkpoint(e.ctx)
			if err != nil || first.Size != int64(n) {
				t.Fatalf("checkpoint: %+v %v", first, err)
			}

			// Every listing the office sees verifies.
			listings := e.allListings(t, office)
			if len(listings) < 3 {
				t.Fatalf("only %d listings", len(listings))
			}
			var secret *store.ListingAnswer
			for i, a := range listings {
				if a.Attestation == nil {
					t.Fatalf("listing %d (%s) has no attestation", a.ListingID, a.Case)
				}
				v, err := transparency.Verify(a.Attestation, trust)
				if err != nil {
					t.Fatalf("listing %d (%s): %v", a.ListingID, a.Case, err)
				}
				p := v.Statement.Predicate
				if p.Case != a.Case || p.Status != string(a.Status) || p.ListingID != a.ListingID || p.Scope != string(a.Scope) {
					t.Fatalf("statement %+v does not match answer %+v", p, a)
				}
				if a.Scope == review.ScopeParties {
					secret = &listings[i]
				}
			}
			if secret == nil || secret.Attestation.Kind != transparency.KindCommitment || secret.Attestation.Salt == "" {
				t.Fatalf("the parties-scoped result is not a commitment: %+v", secret)
			}
			// The public log shows 32 opaque bytes for it.
			entry, err := e.s.Entry(e.ctx, secret.Attestation.Index)
			if err != nil || entry.Kind != transparency.KindCommitment || len(entry.Entry) != 32 || bytes.Contains(entry.Entry, []byte(secret.Case)) {
				t.Fatalf("public entry of the secret result: %+v %v", entry, err)
			}
			// Anonymous: not disclosed, no attestation, no procurement flags,
			// and, asked by listing id, not even which product it is about.
			anon, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{ListingID: secret.ListingID})
			if err != nil || len(anon) != 1 || anon[0].Status != review.ListingNotDisclosed || anon[0].Attestation != nil || anon[0].MustNotProcure || anon[0].Case != "" ||
				anon[0].Product != "" || anon[0].Provider != "" || anon[0].Version != "" || anon[0].PURL != "" {
				t.Fatalf("anonymous answer: %+v %v", anon, err)
			}
			// The procurer learns only that it must not buy it.
			buyer, err := e.s.Listings(e.ctx, e.f.Actors["procurer"], store.ListingQuery{ListingID: secret.ListingID})
			if err != nil || len(buyer) != 1 || buyer[0].Status != review.ListingNotDisclosed || !buyer[0].MustNotProcure || buyer[0].Attestation != nil || buyer[0].Case != "" ||
				buyer[0].Product != "" {
				t.Fatalf("procurer answer: %+v %v", buyer, err)
			}

			// A listing change is a new statement; the new checkpoint is
			// consistent with the first.
			var public store.ListingAnswer
			for _, a := range listings {
				if a.Scope == review.ScopePublic && a.Status == review.ListingPassed {
					public = a
				}
			}
			e.clk.AddDays(1)
			if err := e.s.ListingAction(e.ctx, office, public.ListingID, review.ListSuspend, "Vulnerability under investigation"); err != nil {
				t.Fatal(err)
			}
			if n, err := e.s.Sequence(e.ctx, 0); err != nil || n != 1 {
				t.Fatalf("sequence after suspension: %d %v", n, err)
			}
			after, err := e.s.Listings(e.ctx, office, store.ListingQuery{ListingID: public.ListingID})
			if err != nil {
				t.Fatal(err)
			}
			v, err := transparency.Verify(after[0].Attestation, trust)
			if err != nil || v.Statement.Predicate.Status != string(review.ListingSuspended) || v.Statement.Predicate.Sequence != 2 ||
				v.Statement.Predicate.Reason != "Vulnerability under investigation" {
				t.Fatalf("suspension statement: %+v %v", v.Statement.Predicate, err)
			}
			head, _ := e.s.Checkpoint(e.ctx)
			older, _ := transparency.OpenCheckpoint([]byte(first.Note), trust.LogKeys)
			newer, _ := transparency.OpenCheckpoint([]byte(head.Note), trust.LogKeys)
			p, err := e.s.ConsistencyProof(e.ctx, older.Size, newer.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := transparency.VerifyConsistency(older, newer, p); err != nil {
				t.Fatal(err)
			}
			// As of the day before the suspension, the first statement.
			asOf, _ := e.s.Listings(e.ctx, office, store.ListingQuery{ListingID: public.ListingID, AsOf: e.clk.Today().AddDays(-1).String()})
			if v, err := transparency.Verify(asOf[0].Attestation, trust); err != nil || v.Statement.Predicate.Sequence != 1 {
				t.Fatalf("as_of attestation: %+v %v", v.Statement.Predicate, err)
			}

			// The audit head is anchored once.
			if ok, err := e.s.AnchorAudit(e.ctx); err != nil || !ok {
				t.Fatalf("anchor: %v %v", ok, err)
			}
			if ok, err := e.s.AnchorAudit(e.ctx); err != nil || ok {
				t.Fatalf("second anchor of the same head: %v %v", ok, err)
			}
			if n, err := e.s.Sequence(e.ctx, 0); err != nil || n != 1 {
				t.Fatalf("sequence anchor: %d %v", n, err)
			}
			head, _ = e.s.Checkpoint(e.ctx)
			last, err := e.s.Entry(e.ctx, head.Size-1)
			if err != nil || last.Kind != transparency.KindAuditAnchor || !strings.HasPrefix(string(last.Entry), "shencha audit chain\n") {
				t.Fatalf("anchor entry: %+v %v", last, err)
			}
			if ok, err := e.s.AnchorAudit(e.ctx); err != nil || ok {
				t.Fatalf("anchor of a head already in the log: %v %v", ok, err)
			}
			// A new audit event moves the head: anchored again.
			if err := e.s.ListingAction(e.ctx, office, public.ListingID, review.ListReinstate, "cleared"); err != nil {
				t.Fatal(err)
			}
			if ok, err := e.s.AnchorAudit(e.ctx); err != nil || !ok {
				t.Fatalf("anchor of a new head: %v %v", ok, err)
			}
		})
	}
}

// allListings answers every listing of the demo for an actor.
func (e *env) allListings(t *testing.T, a review.Actor) []store.ListingAnswer {
	t.Helper()
	var out []store.ListingAnswer
	for id := int64(1); id < 50; id++ {
		ans, err := e.s.Listings(e.ctx, a, store.ListingQuery{ListingID: id})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ans {
			if x.ListingID == id {
				out = append(out, x)
			}
		}
	}
	return out
}
