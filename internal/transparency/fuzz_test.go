package transparency

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The fuzz targets read what a verifier receives from outside: signed
// checkpoints, DSSE envelopes, the statements inside them and proofs. The
// keys are fixed, so an input the fuzzer keeps in testdata/fuzz replays
// with the same meaning; the fuzzer cannot sign, so whatever verifies must
// be something the seeds signed.

// fuzzSeed makes the fixed keys.
var fuzzSeed = bytes.Repeat([]byte{0x5e}, 64)

// fuzzKeys are a verdict key and a log signer with its verifier key.
func fuzzKeys(tb testing.TB) (ed25519.PrivateKey, note.Signer, string) {
	tb.Helper()
	skey, vkey, err := note.GenerateKey(bytes.NewReader(fuzzSeed), "fuzz.example/log")
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(fuzzSeed[:ed25519.SeedSize]), signer, vkey
}

// seedCheckpoints are genuine signed checkpoints: empty, small, large, with
// an extension line, co-signed by a key the verifier does not know.
func seedCheckpoints(tb testing.TB, signer note.Signer) [][]byte {
	tb.Helper()
	skey, _, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{1}, 64)), "other.example/witness")
	if err != nil {
		tb.Fatal(err)
	}
	witness, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for i, text := range []string{
		Checkpoint{Origin: "fuzz.example/log", Size: 0, Root: emptyTreeRoot()}.Body(),
		Checkpoint{Origin: "fuzz.example/log", Size: 1, Root: tlog.RecordHash([]byte("entry"))}.Body(),
		Checkpoint{Origin: "fuzz.example/log", Size: 20852163, Root: tlog.RecordHash([]byte("x"))}.Body(),
		Checkpoint{Origin: "fuzz.example/log", Size: 7, Root: tlog.RecordHash([]byte("y"))}.Body() + "extension line\n",
	} {
		signers := []note.Signer{signer}
		if i == 1 {
			signers = append(signers, witness)
		}
		msg, err := note.Sign(&note.Note{Text: text}, signers...)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, msg)
	}
	return out
}

func emptyTreeRoot() tlog.Hash {
	h, _ := tlog.TreeHash(0, nil)
	return h
}

// splitNote cuts a signed note into its text and its signature lines.
func splitNote(msg string) (string, []string) {
	i := strings.LastIndex(msg, "\n\n")
	if i < 0 {
		return msg, nil
	}
	return msg[:i+1], strings.Split(strings.TrimSuffix(msg[i+2:], "\n"), "\n")
}

// FuzzCheckpointBody parses checkpoint texts, and signs each to open it as
// a verifier would: a text is read only in its canonical form, and the
// signed note opens to exactly what the text parses to.
func FuzzCheckpointBody(f *testing.F) {
	_, signer, vkey := fuzzKeys(f)
	for _, msg := range seedCheckpoints(f, signer) {
		text, _ := splitNote(string(msg))
		f.Add(text)
	}
	f.Add("fuzz.example/log\n+5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	f.Add("fuzz.example/log\n05\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCheckpointBody(text)
		if err != nil && !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("%q: error of no known kind: %v", text, err)
		}
		if err == nil && (c.Size < 0 || !strings.HasPrefix(text, c.Body())) {
			t.Fatalf("%q parsed as size %d, whose canonical body %q it does not start with", text, c.Size, c.Body())
		}
		msg, serr := note.Sign(&note.Note{Text: text}, signer)
		if serr != nil {
			return // not a note's text: nobody can sign it
		}
		opened, oerr := OpenCheckpoint(msg, []string{vkey})
		if (err == nil) != (oerr == nil) || err == nil && opened != c {
			t.Fatalf("%q: parsed %+v, %v; signed and opened %+v, %v", text, c, err, opened, oerr)
		}
	})
}

// FuzzOpenCheckpoint opens arbitrary notes: whatever verifies is a text the
// seeds signed, with its signature line byte for byte (no other encoding
// of the same signature counts), and errors say the checkpoint failed.
func FuzzOpenCheckpoint(f *testing.F) {
	_, signer, vkey := fuzzKeys(f)
	genuine := map[string]map[string]bool{} // text → its signature lines
	for _, msg := range seedCheckpoints(f, signer) {
		f.Add(msg)
		text, sigs := splitNote(string(msg))
		genuine[text] = map[string]bool{}
		for _, s := range sigs {
			genuine[text][s] = true
		}
	}
	ours := "— " + signer.Name() + " "
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := OpenCheckpoint(msg, []string{vkey})
		if err != nil {
			if !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		text, sigs := splitNote(string(msg))
		lines, ok := genuine[text]
		if !ok {
			t.Fatalf("accepted a checkpoint nobody signed: %q", msg)
		}
		for _, s := range sigs {
			if strings.HasPrefix(s, ours) && !lines[s] {
				t.Fatalf("accepted the log's signature written differently: %q", s)
			}
		}
		if !strings.HasPrefix(text, c.Body()) {
			t.Fatalf("opened %+v from %q", c, text)
		}
	})
}

// FuzzEnvelope reads envelope JSON: the fast path for Marshal's own form
// reads exactly what encoding/json reads, Marshal writes what encoding/json
// writes and reads back the same, and only an envelope the seeds signed
// opens.
func FuzzEnvelope(f *testing.F) {
	key, _, _ := fuzzKeys(f)
	pub := key.Public().(ed25519.PublicKey)
	type signed struct{ typ, payload string }
	genuine := map[signed]bool{}
	for _, s := range []signed{
		{PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"pkg:generic/a@1","digest":{"sha256":"00"}}]}`},
		{PayloadType, `{"a":"<b>"}`},
		{"http://example.com/HelloWorld", "hello world"}, // the DSSE protocol's example
		{"", ""},
	} {
		genuine[s] = true
		env := SignEnvelope(key, s.typ, []byte(s.payload))
		f.Add(env.Marshal())
		b, _ := json.MarshalIndent(env, "", " ")
		f.Add(b)
	}
	f.Add([]byte(`{"payloadType":"a","payload":"","signatures":[]}`))
	f.Add([]byte(`{"payloadType":"a","payload":"","signatures":[{"keyid":"k","sig":"s"},{"keyid":"","sig":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEnvelope(b)
		var std Envelope
		stdErr := json.Unmarshal(b, &std)
		if (err == nil) != (stdErr == nil) || err == nil && !reflect.DeepEqual(e, std) {
			t.Fatalf("%q: read as %+v, %v; encoding/json reads %+v, %v", b, e, err, std, stdErr)
		}
		if err != nil {
			return
		}
		m := e.Marshal()
		if want, _ := json.Marshal(e); !bytes.Equal(m, want) {
			t.Fatalf("Marshal wrote %s, encoding/json %s", m, want)
		}
		if again, err := ParseEnvelope(m); err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("%s read back as %+v, %v", m, again, err)
		}
		payload, err := e.Open([]ed25519.PublicKey{pub})
		if err != nil {
			if !errors.Is(err, ErrEnvelope) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		if !genuine[signed{e.PayloadType, string(payload)}] {
			t.Fatalf("opened an envelope nobody signed: %q %q", e.PayloadType, payload)
		}
	})
}

// FuzzSignEnvelope signs arbitrary payloads: the one-pass envelope is the
// same as the general one, byte for byte, reads back and opens to the
// payload, and a changed payload type does not open.
func FuzzSignEnvelope(f *testing.F) {
	key, _, _ := fuzzKeys(f)
	pub := key.Public().(ed25519.PublicKey)
	f.Add(PayloadType, []byte(`{"a":1}`))
	f.Add("x<y>\"\\\u2028", []byte{0, 0xff})
	f.Fuzz(func(t *testing.T, typ string, payload []byte) {
		if !utf8.ValidString(typ) {
			return // a JSON string holds text: such a type cannot travel in an envelope
		}
		env := SignEnvelope(key, typ, payload)
		raw, _ := strict.DecodeString(env.Signatures[0].Sig)
		one, b := OneSignature(typ, payload, env.Signatures[0].KeyID, raw)
		if !bytes.Equal(b, env.Marshal()) || !reflect.DeepEqual(one, env) {
			t.Fatalf("one pass %s, general %s", b, env.Marshal())
		}
		back, err := ParseEnvelope(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := back.Open([]ed25519.PublicKey{pub})
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("opened %q, %v", got, err)
		}
		back.PayloadType += "x"
		if _, err := back.Open([]ed25519.PublicKey{pub}); !errors.Is(err, ErrEnvelope) {
			t.Fatalf("changed payload type opened: %v", err)
		}
	})
}

// FuzzStatement reads statements: what is accepted is a verdict with a
// subject and digests, and writing it by hand gives encoding/json's bytes,
// which read back to the same bytes.
func FuzzStatement(f *testing.F) {
	st := Statement{Type: StatementType, PredicateType: PredicateType,
		Subject: []Subject{SubjectFor("pkg:generic/huaxin/hx-9000@3.1.0", "", "Huaxin", "HX-9000", "3.1.0", "")},
		Predicate: Verdict{Case: "CSR-2026-0001", Outcome: "conditional_pass", ListingID: 1, Status: "listed", Event: "publish", Sequence: 1,
			Scope: "sector", Sector: "energy", Product: "HX-9000 <router>", Provider: "华信网络", Version: "3.1.0",
			Conditions: []Condition{{Text: "fix & report", Due: "2027-05-31"}}, ValidFrom: "2026-03-02", ValidUntil: "2029-03-01",
			DecidedAt: "2026-03-01", IssuedAt: "2026-03-02T09:00:00+08:00", Catalogue: "2026.1"}}
	f.Add(st.Marshal())
	st.Subject = append(st.Subject, Subject{Name: "cpe:2.3:h:x", Digest: map[string]string{"sha512": "ab", "sha256": "cd"}})
	st.Predicate.Conditions, st.Predicate.Sector, st.Predicate.Reason = nil, "", "suspended"
	f.Add(st.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStatement(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "statement: ") {
				t.Fatalf("error without its subject: %v", err)
			}
			return
		}
		if s.Type != StatementType || s.PredicateType != PredicateType || len(s.Subject) == 0 {
			t.Fatalf("accepted %+v", s)
		}
		m := s.Marshal()
		if want, _ := json.Marshal(s); !bytes.Equal(m, want) {
			t.Fatalf("Marshal wrote\n%s\nencoding/json\n%s", m, want)
		}
		// Read back, it writes the same bytes ("conditions":[] and no
		// conditions are one statement).
		if again, err := ParseStatement(m); err != nil || !bytes.Equal(again.Marshal(), m) {
			t.Fatalf("%s read back as %+v, %v", m, again, err)
		}
	})
}

// FuzzProof checks arbitrary proofs against a real tree: only the tree's
// own proof verifies an entry's inclusion or the consistency of two sizes.
func FuzzProof(f *testing.F) {
	var tree Tree
	const n = 13
	var entries [n][]byte
	for i := range entries {
		entries[i] = []byte{'e', byte(i)}
		if _, err := tree.Append(entries[i]); err != nil {
			f.Fatal(err)
		}
	}
	join := func(p [][]byte) []byte { return bytes.Join(p, nil) }
	for _, x := range [][2]int64{{0, 1}, {3, 8}, {12, 13}, {5, 13}} {
		p, _ := tree.InclusionProof(x[0], x[1])
		f.Add(x[0], x[1], join(p))
		c, _ := tree.ConsistencyProof(x[0]+1, x[1])
		f.Add(x[0]+1, x[1], join(c))
	}
	f.Fuzz(func(t *testing.T, a, size int64, raw []byte) {
		if size < 1 || size > n || len(raw) > 64*tlog.HashSize {
			return
		}
		root, err := tree.Root(size)
		if err != nil {
			t.Fatal(err)
		}
		cp := Checkpoint{Origin: "o", Size: size, Root: root}
		var proof [][]byte
		for h := range slices.Chunk(raw, tlog.HashSize) {
			proof = append(proof, h)
		}
		if a >= 0 && a < n {
			err := VerifyInclusion(entries[a], a, proof, cp)
			if err != nil && !errors.Is(err, ErrProof) {
				t.Fatalf("error of no known kind: %v", err)
			}
			if err == nil {
				want, _ := tree.InclusionProof(a, size)
				if !bytes.Equal(join(want), raw) {
					t.Fatalf("inclusion of %d in %d verified with a proof that is not the tree's", a, size)
				}
			}
		}
		if a >= 1 && a <= size {
			old, _ := tree.Root(a)
			err := VerifyConsistency(Checkpoint{Origin: "o", Size: a, Root: old}, cp, proof)
			if err != nil && !errors.Is(err, ErrProof) {
				t.Fatalf("error of no known kind: %v", err)
			}
			if err == nil {
				want, _ := tree.ConsistencyProof(a, size)
				if !bytes.Equal(join(want), raw) {
					t.Fatalf("consistency %d→%d verified with a proof that is not the tree's", a, size)
				}
			}
		}
	})
}
