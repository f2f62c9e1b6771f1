package transparency

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func TestPAE(t *testing.T) {
	// The example of the DSSE protocol document.
	got := string(PAE("http://example.com/HelloWorld", []byte("hello world")))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; got != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
}

func TestEnvelope(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	pub := key.Public().(ed25519.PublicKey)
	env := SignEnvelope(key, PayloadType, []byte(`{"a":1}`))
	if p, err := env.Open([]ed25519.PublicKey{other.Public().(ed25519.PublicKey), pub}); err != nil || string(p) != `{"a":1}` {
		t.Fatalf("open: %q %v", p, err)
	}
	if _, err := env.Open([]ed25519.PublicKey{other.Public().(ed25519.PublicKey)}); err == nil || !strings.Contains(err.Error(), "not a verdict key") {
		t.Fatalf("unknown key: %v", err)
	}
	typed := env
	typed.PayloadType = "application/json"
	if _, err := typed.Open([]ed25519.PublicKey{pub}); !errors.Is(err, ErrEnvelope) {
		t.Fatalf("changed payload type: %v", err)
	}
}

func TestKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k, err := Generate(dir, "example.org/shencha", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{VerdictKeyFile, LogKeyFile} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", f, info.Mode(), err)
		}
	}
	// The derived verifier key checks the signer's notes.
	msg, err := note.Sign(&note.Note{Text: "x\n"}, k.Log)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(k.LogVerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Fatalf("derived verifier key: %v", err)
	}
	if _, err := Generate(dir, "example.org/shencha", false); err == nil || !strings.Contains(err.Error(), "already holds keys") {
		t.Fatalf("second generate: %v", err)
	}
	if _, err := Generate(t.TempDir(), "bad origin", false); err == nil {
		t.Fatal("an origin with a space was accepted")
	}
	k2, err := Generate(dir, "example.org/shencha", true)
	if err != nil {
		t.Fatal(err)
	}
	if k2.LogVerifierKey == k.LogVerifierKey || len(k2.RetiredLog) != 1 || k2.RetiredLog[0] != k.LogVerifierKey ||
		len(k2.RetiredVerdict) != 1 || !k2.RetiredVerdict[0].Equal(k.Verdict.Public()) {
		t.Fatalf("rotation: %+v", k2)
	}
	// A note signed by the retired key still opens with the keys' list.
	cp := Checkpoint{Origin: "example.org/shencha", Size: 1}
	old, _ := SignCheckpoint(cp, k.Log)
	if _, err := OpenCheckpoint(old, k2.LogKeys()); err != nil {
		t.Fatalf("retired checkpoint: %v", err)
	}
	os.Chmod(filepath.Join(dir, LogKeyFile), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("readable log key: %v", err)
	}
}

func TestTreeAgainstMerkle(t *testing.T) {
	var tree Tree
	var entries [][]byte
	for i := range 300 {
		e := []byte(fmt.Sprintf("entry %d", i))
		entries = append(entries, e)
		if _, err := tree.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	h := rfc6962.DefaultHasher
	for _, n := range []int64{1, 2, 3, 7, 8, 9, 64, 255, 256, 257, 300} {
		root, err := tree.Root(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int64{0, n / 2, n - 1} {
			p, err := tree.InclusionProof(i, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(h, uint64(i), uint64(n), h.HashLeaf(entries[i]), p, root[:]); err != nil {
				t.Fatalf("merkle rejects inclusion of %d in %d: %v", i, n, err)
			}
			if err := VerifyInclusion(entries[i], i, p, Checkpoint{Size: n, Root: root}); err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(entries[(i+1)%n], i, p, Checkpoint{Size: n, Root: root}); n > 1 && !errors.Is(err, ErrProof) {
				t.Fatalf("a wrong entry verified at %d of %d", i, n)
			}
		}
		for _, m := range []int64{1, n / 2, n} {
			if m == 0 {
				continue
			}
			old, _ := tree.Root(m)
			p, err := tree.ConsistencyProof(m, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(h, uint64(m), uint64(n), p, old[:], root[:]); err != nil {
				t.Fatalf("merkle rejects consistency %d→%d: %v", m, n, err)
			}
			if err := VerifyConsistency(Checkpoint{Size: m, Root: old}, Checkpoint{Size: n, Root: root}, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Reloading the stored hashes gives the same tree.
	var copyTree Tree
	stored := tree.hashes
	if err := copyTree.Load(0, stored[:len(stored)-1]); err == nil {
		t.Fatal("stored hashes ending inside an entry were loaded")
	}
	if err := copyTree.Load(1, stored[1:]); err == nil {
		t.Fatal("stored hashes after a gap were loaded")
	}
	// In two parts, the second overlapping the first, as two readers
	// catching up at once would.
	if err := copyTree.Load(0, stored[:tlogStoredHashCount(100)]); err != nil || copyTree.Size() != 100 {
		t.Fatalf("load first part: %v %d", err, copyTree.Size())
	}
	if err := copyTree.Load(0, stored); err != nil || copyTree.Size() != 300 {
		t.Fatalf("load: %v %d", err, copyTree.Size())
	}
	if err := copyTree.Load(0, stored); err != nil || copyTree.Size() != 300 {
		t.Fatalf("load again: %v %d", err, copyTree.Size())
	}
	a, _ := tree.Root(300)
	b, _ := copyTree.Root(300)
	if a != b {
		t.Fatal("reloaded tree has another root")
	}
	// And the same proofs, which read the upper levels' copies the loads
	// made.
	for i := range int64(300) {
		p, _ := tree.InclusionProof(i, 300)
		q, err := copyTree.InclusionProof(i, 300)
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("entry %d: reloaded tree proves %x (%v), the tree %x", i, q, err, p)
		}
	}
}

// fixture builds a log of a few entries with one public and one
// commitment attestation.
func fixture(t *testing.T) (*Keys, *Attestation, *Attestation) {
	t.Helper()
	k, err := NewKeys("example.org/shencha")
	if err != nil {
		t.Fatal(err)
	}
	st := Statement{Type: StatementType, PredicateType: PredicateType,
		Subject:   []Subject{SubjectFor("pkg:generic/huaxin/hx-9000@3.1.0", "", "", "", "", "")},
		Predicate: Verdict{Case: "CSR-2026-0001", Outcome: "pass", Status: "passed", Event: "publish", Scope: "public", Sequence: 1}}
	pubEnv := SignEnvelope(k.Verdict, PayloadType, st.Marshal())
	st.Predicate.Scope = "parties"
	secretEnv := SignEnvelope(k.Verdict, PayloadType, st.Marshal())
	salt := bytes.Repeat([]byte{7}, SaltSize)
	var tree Tree
	tree.Append([]byte("before"))
	tree.Append(pubEnv.Marshal())
	tree.Append(Commitment(salt, secretEnv.Marshal()))
	tree.Append([]byte("after"))
	root, _ := tree.Root(4)
	cp, err := SignCheckpoint(Checkpoint{Origin: k.Origin(), Size: 4, Root: root}, k.Log)
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := tree.InclusionProof(1, 4)
	p2, _ := tree.InclusionProof(2, 4)
	return k, &Attestation{Envelope: &pubEnv, Kind: KindVerdict, Index: 1, InclusionProof: p1, Checkpoint: string(cp)},
		&Attestation{Envelope: &secretEnv, Kind: KindCommitment, Salt: base64.StdEncoding.EncodeToString(salt), Index: 2, InclusionProof: p2, Checkpoint: string(cp)}
}

// TestVerifyTamper changes every byte of the statement, the signature, the
// salt, the proof and the checkpoint in turn: each change fails, naming
// the step.
func TestVerifyTamper(t *testing.T) {
	k, pub, secret := fixture(t)
	trust := Trust{VerdictKeys: k.VerdictKeys(), LogKeys: k.LogKeys()}
	for _, a := range []*Attestation{pub, secret} {
		v, err := Verify(a, trust)
		if err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
		if v.Statement.Predicate.Case != "CSR-2026-0001" || v.Checkpoint.Size != 4 {
			t.Fatalf("verified: %+v", v)
		}
	}
	clone := func(a *Attestation) *Attestation {
		c := *a
		env := *a.Envelope
		env.Signatures = append([]Signature(nil), env.Signatures...)
		c.Envelope = &env
		c.InclusionProof = nil
		for _, h := range a.InclusionProof {
			c.InclusionProof = append(c.InclusionProof, bytes.Clone(h))
		}
		return &c
	}
	flipB64 := func(s string, i int) string {
		b, _ := base64.StdEncoding.DecodeString(s)
		b[i] ^= 0x01
		return base64.StdEncoding.EncodeToString(b)
	}
	b64len := func(s string) int { b, _ := base64.StdEncoding.DecodeString(s); return len(b) }
	check := func(name, step string, a *Attestation) {
		t.Helper()
		_, err := Verify(a, trust)
		if err == nil || !strings.HasPrefix(err.Error(), step) {
			t.Fatalf("%s: err %v, want a %q failure", name, err, step)
		}
	}
	for _, base := range []*Attestation{pub, secret} {
		for i := range b64len(base.Envelope.Payload) {
			a := clone(base)
			a.Envelope.Payload = flipB64(a.Envelope.Payload, i)
			check(fmt.Sprintf("%s statement byte %d", base.Kind, i), "envelope", a)
		}
		for i := range b64len(base.Envelope.Signatures[0].Sig) {
			a := clone(base)
			a.Envelope.Signatures[0].Sig = flipB64(a.Envelope.Signatures[0].Sig, i)
			check(fmt.Sprintf("%s signature byte %d", base.Kind, i), "envelope", a)
		}
		for j := range base.InclusionProof {
			for i := range base.InclusionProof[j] {
				a := clone(base)
				a.InclusionProof[j][i] ^= 0x01
				check(fmt.Sprintf("%s proof hash %d byte %d", base.Kind, j, i), "inclusion", a)
			}
		}
		for i := range len(base.Checkpoint) {
			a := clone(base)
			b := []byte(a.Checkpoint)
			b[i] ^= 0x01
			a.Checkpoint = string(b)
			check(fmt.Sprintf("%s checkpoint byte %d", base.Kind, i), "checkpoint", a)
		}
		a := clone(base)
		a.Index++
		check(base.Kind+" index", "inclusion", a)
	}
	for i := range SaltSize {
		a := clone(secret)
		a.Salt = flipB64(a.Salt, i)
		check(fmt.Sprintf("salt byte %d", i), "inclusion", a)
	}
	a := clone(secret)
	a.Salt = ""
	check("missing salt", "entry", a)
	// The public entry is not a commitment, nor the reverse.
	a = clone(pub)
	a.Kind = KindCommitment
	a.Salt = secret.Salt
	check("public verdict as a commitment", "inclusion", a)
	// Another log's keys.
	other, _ := NewKeys("example.org/shencha")
	if _, err := Verify(pub, Trust{VerdictKeys: k.VerdictKeys(), LogKeys: other.LogKeys()}); err == nil || !strings.HasPrefix(err.Error(), "checkpoint") {
		t.Fatalf("other log key: %v", err)
	}
	if _, err := Verify(pub, Trust{VerdictKeys: other.VerdictKeys(), LogKeys: k.LogKeys()}); err == nil || !strings.HasPrefix(err.Error(), "envelope") {
		t.Fatalf("other verdict key: %v", err)
	}
}

// TestParseEnvelope reads what Marshal writes without reflection, and any
// other JSON form of an envelope as encoding/json does.
func TestParseEnvelope(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	env := SignEnvelope(key, PayloadType, []byte(`{"a":"<b>"}`))
	env.Signatures = append(env.Signatures, Signature{KeyID: "k2", Sig: "c2ln"})
	for _, b := range [][]byte{
		env.Marshal(),
		[]byte(strings.ReplaceAll(string(env.Marshal()), ",", ", ")),                        // spaced
		[]byte(strings.Replace(string(env.Marshal()), `"payloadType"`, `"payloadtype"`, 1)), // other key case
		[]byte(strings.Replace(string(env.Marshal()), `/`, `\/`, -1)),                       // escapes
	} {
		got, err := ParseEnvelope(b)
		if err != nil || !reflect.DeepEqual(got, env) {
			t.Fatalf("ParseEnvelope(%s) = %+v, %v", b, got, err)
		}
	}
	if _, ok := parseOwnEnvelope(env.Marshal()); !ok {
		t.Fatal("Marshal's own form took the slow path")
	}
	for _, bad := range []string{`{"payloadType":"x","payload":"y","signatures":[{"keyid":"k"`, `not json`} {
		if _, err := ParseEnvelope([]byte(bad)); err == nil {
			t.Errorf("ParseEnvelope(%s) succeeded", bad)
		}
	}
}

func tlogStoredHashCount(n int64) int64 { return tlog.StoredHashCount(n) }

// TestInclusionProofEveryEntry compares the tree's proofs with tlog's own
// for every entry of every size up to 130, and again after a truncation
// gave a size different hashes.
func TestInclusionProofEveryEntry(t *testing.T) {
	var tree Tree
	var stored []tlog.Hash
	for i := range 130 {
		hs, err := tree.Append([]byte(fmt.Sprintf("entry %d", i)))
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	check := func(stored []tlog.Hash, sizes ...int64) {
		t.Helper()
		read := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for i, x := range idx {
				out[i] = stored[x]
			}
			return out, nil
		})
		for n := int64(1); n <= 130; n++ {
			sizes = append(sizes, n)
		}
		for _, n := range sizes {
			for i := range n {
				want, err := tlog.ProveRecord(n, i, read)
				if err != nil {
					t.Fatal(err)
				}
				got, err := tree.InclusionProof(i, n)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("entry %d of %d: %d hashes, tlog %d", i, n, len(got), len(want))
				}
				for k := range want {
					if !bytes.Equal(got[k], want[k][:]) {
						t.Fatalf("entry %d of %d: hash %d differs from tlog's", i, n, k)
					}
				}
			}
		}
	}
	check(stored)
	if _, err := tree.InclusionProof(0, 127); err != nil { // 127 is the size whose right edge is kept
		t.Fatal(err)
	}
	tree.Truncate(100)
	stored = stored[:tlog.StoredHashCount(100)]
	for i := 100; i < 130; i++ {
		hs, err := tree.Append([]byte(fmt.Sprintf("other entry %d", i)))
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	check(stored, 127)
}

// TestMarshalMatchesEncodingJSON: statements and envelopes are written by
// hand for speed, byte for byte as encoding/json writes them, since their
// bytes are what is signed and logged.
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	base := Statement{Type: StatementType, PredicateType: PredicateType,
		Subject: []Subject{SubjectFor("pkg:generic/acme/router@2.1", "", "", "", "", "")},
		Predicate: Verdict{Case: "CSR-2026-0001", Outcome: "pass", ListingID: 7, Status: "passed", Event: "publish", Sequence: 1, Scope: "public",
			Product: "Router", Provider: "Acme", Version: "2.1", ValidFrom: "2026-03-02", ValidUntil: "2029-03-02", DecidedAt: "2026-03-01",
			IssuedAt: "2026-03-02T09:00:00.000000Z", Catalogue: "2026.1"}}
	variants := []func(*Statement){
		func(*Statement) {},
		func(s *Statement) {
			s.Predicate.Reason, s.Predicate.Sector = "suspended <pending> & \"checked\"", "energy"
			s.Predicate.Conditions = []Condition{{Text: "补丁 within 30 days", Due: "2026-04-01"}, {Text: "line\nbreak", Due: ""}}
		},
		func(s *Statement) {
			s.Subject = append(s.Subject, Subject{Name: "b", Digest: map[string]string{"sha512": "ab", "sha256": "cd"}})
		},
		func(s *Statement) { s.Subject = nil; s.Predicate.Product = "bad \xff utf8 \u2028" },
		func(s *Statement) { s.Subject = []Subject{{Name: "no digest"}} },
	}
	for i, change := range variants {
		st := base
		change(&st)
		want, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Marshal(); !bytes.Equal(got, want) {
			t.Fatalf("statement %d:\n%s\nencoding/json:\n%s", i, got, want)
		}
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	env := SignEnvelope(priv, PayloadType, base.Marshal())
	one, raw := OneSignature(PayloadType, base.Marshal(), env.Signatures[0].KeyID, mustDecode(t, env.Signatures[0].Sig))
	if !reflect.DeepEqual(one, env) || !bytes.Equal(raw, env.Marshal()) {
		t.Fatalf("OneSignature:\n%+v\n%s\nSignEnvelope:\n%+v\n%s", one, raw, env, env.Marshal())
	}
	for i, e := range []Envelope{env, {PayloadType: "x<y"}, {Signatures: []Signature{}}, {Signatures: []Signature{{KeyID: "a"}, {KeyID: "b&", Sig: "c"}}}} {
		want, _ := json.Marshal(e)
		if got := e.Marshal(); !bytes.Equal(got, want) {
			t.Fatalf("envelope %d:\n%s\nencoding/json:\n%s", i, got, want)
		}
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseAnchor(t *testing.T) {
	seq, hash, err := ParseAnchor(AnchorText(42, "ab12"))
	if err != nil || seq != 42 || hash != "ab12" {
		t.Fatalf("ParseAnchor(AnchorText(42, ab12)) = %d %q %v", seq, hash, err)
	}
	for _, bad := range []string{"", "shencha audit chain\n42\nab12", "shencha audit chain\n0\nab12\n", "other\n42\nab12\n", "shencha audit chain\nx\nab12\n"} {
		if _, _, err := ParseAnchor([]byte(bad)); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}
