package cli

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"shencha/internal/transparency"
)

var update = flag.Bool("update", false, "rewrite the saved answers in testdata/verify/")

// The saved answers in testdata/verify were served by a demo server (a
// public listing, a parties-scoped one as the office sees it, and one as an
// anonymous caller sees it), with the keys it served: old answers must keep
// verifying, and the fuzz target mutates them.
var verifySeeds = []struct{ file, path, user string }{
	{"public.json", "/api/v1/eligibility?listing=1", "office"},
	{"parties.json", "/api/v1/eligibility?listing=3", "office"},
	{"anonymous.json", "/api/v1/eligibility?listing=3", ""},
}

func readVerifySeed(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "verify", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestSavedAnswersVerify checks the saved answers against the saved keys
// (with -update, it serves and saves them again first).
func TestSavedAnswersVerify(t *testing.T) {
	if *update {
		e := newVerifyEnv(t)
		office := e.token("office")
		os.MkdirAll(filepath.Join("testdata", "verify"), 0o755)
		files := map[string][]byte{"keys.json": e.get("/log/key", "")}
		for _, s := range verifySeeds {
			tok := ""
			if s.user != "" {
				tok = office
			}
			files[s.file] = e.get(s.path, tok)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join("testdata", "verify", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var trust transparency.Trust
	if err := addKeys(&trust, string(readVerifySeed(t, "keys.json"))); err != nil {
		t.Fatal(err)
	}
	for _, s := range verifySeeds {
		var out bytes.Buffer
		err := verifyAnswer(readVerifySeed(t, s.file), trust, &out)
		if (err == nil) != (s.user != "") || s.user != "" && !strings.HasPrefix(out.String(), "OK ") {
			t.Fatalf("%s: %v\n%s", s.file, err, &out)
		}
	}
}

// FuzzVerifyAnswer feeds `shencha verify` mutated answers and keys: it never
// panics, and whatever it calls OK is a statement the server signed, in the
// words it gave for the saved answers (the fuzzer cannot sign: anything
// else OK would be a forgery accepted).
func FuzzVerifyAnswer(f *testing.F) {
	keys := readVerifySeed(f, "keys.json")
	var trust transparency.Trust
	if err := addKeys(&trust, string(keys)); err != nil {
		f.Fatal(err)
	}
	genuine := map[string]bool{}
	for _, s := range verifySeeds {
		answer := readVerifySeed(f, s.file)
		var out bytes.Buffer
		verifyAnswer(answer, trust, &out)
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(line, "OK ") {
				genuine[line] = true
			}
		}
		f.Add(answer, keys)
		// A bare attestation, and the keys as lines.
		var doc struct {
			Items []struct{ Attestation json.RawMessage }
		}
		json.Unmarshal(answer, &doc)
		if len(doc.Items) > 0 && doc.Items[0].Attestation != nil {
			f.Add([]byte(doc.Items[0].Attestation), []byte(strings.Join(append(trust.LogKeys, "ed25519:AAAA"), "\n")))
		}
	}
	if len(genuine) < 2 {
		f.Fatalf("the saved answers verify only %d statements", len(genuine))
	}
	f.Fuzz(func(t *testing.T, answer, keys []byte) {
		var trust transparency.Trust
		if err := addKeys(&trust, string(keys)); err != nil {
			return
		}
		for _, k := range trust.VerdictKeys {
			if len(k) != ed25519.PublicKeySize {
				t.Fatalf("verdict key of %d bytes", len(k))
			}
		}
		for _, k := range trust.LogKeys {
			if _, err := note.NewVerifier(k); err != nil {
				t.Fatalf("log key %q: %v", k, err)
			}
		}
		var out bytes.Buffer
		err := verifyAnswer(answer, trust, &out)
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(line, "OK ") && !genuine[line] {
				t.Fatalf("verified a statement the server never signed:\n%s", line)
			}
			if err == nil && strings.HasPrefix(line, "FAIL") {
				t.Fatalf("a failed statement, and no error:\n%s", &out)
			}
		}
	})
}
