package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/server"
	"shencha/internal/store"
	"shencha/internal/transparency"
)

// verifyEnv is a demo data dir with its published cases, served over HTTP.
type verifyEnv struct {
	t    *testing.T
	dir  string
	url  string
	s    *store.Store
	f    *demo.Fixture
	keys string // the GET /log/key answer, saved to a file
}

func newVerifyEnv(t *testing.T) *verifyEnv {
	t.Helper()
	dir := t.TempDir()
	if err := dataDir(dir).ensure(); err != nil {
		t.Fatal(err)
	}
	s, f := seedDemo(t, dataDir(dir).sqlite(), dir)
	server.PasswordParams = auth.Cheap
	srv, err := server.New(server.Config{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &verifyEnv{t: t, dir: dir, url: ts.URL, s: s, f: f}
	e.keys = e.save("keys.json", e.get("/log/key", ""))
	return e
}

// seedDemo opens and migrates the database dsn, gives it the keys of the
// data dir dir (made on first use), and seeds the demo with its cases, their
// statements sequenced into the log. The store closes when the test ends.
func seedDemo(t *testing.T, dsn, dir string) (*store.Store, *demo.Fixture) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := dataDir(dir).serverKeys(ctx, s, "test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	s.SetKeys(keys)
	f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedCases(ctx, s, f); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sequence(ctx, 0); err != nil {
		t.Fatal(err)
	}
	return s, f
}

func (e *verifyEnv) get(path, token string) []byte {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

func (e *verifyEnv) token(user string) string {
	e.t.Helper()
	resp, err := http.Post(e.url+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+demo.DefaultPassword+`"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&v)
	return v.Token
}

func (e *verifyEnv) save(name string, b []byte) string {
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestVerifyCLI: every demo listing verifies with `shencha verify` against
// the served keys, from a saved answer and from the server; a changed byte
// fails naming the step; the parties-scoped failure shows nothing to an
// anonymous caller; consistency with a saved checkpoint holds.
func TestVerifyCLI(t *testing.T) {
	e := newVerifyEnv(t)
	office := e.token("office")
	ok := 0
	var public, secret []byte
	for id := 1; id <= 3; id++ {
		ans := e.get("/api/v1/eligibility?listing="+strconv.Itoa(id), office)
		code, out, errs := shencha("verify", e.save("answer.json", ans), "--key", e.keys)
		if code != 0 || !strings.HasPrefix(out, "OK ") {
			t.Fatalf("listing %d: exit %d\n%s%s", id, code, out, errs)
		}
		ok++
		switch {
		case strings.Contains(out, "public scope") && public == nil:
			public = ans
		case strings.Contains(out, "parties scope"):
			secret = ans
		}
		// The same through --server, with the token.
		if code, out, errs := shencha("verify", "--server", e.url, "--listing", strconv.Itoa(id), "--token", office, "--key", e.keys); code != 0 {
			t.Fatalf("listing %d via --server: exit %d\n%s%s", id, code, out, errs)
		}
	}
	if public == nil || secret == nil {
		t.Fatal("the demo lacks a public or a parties-scoped listing")
	}
	// The keys as the server prints them work too.
	var printed bytes.Buffer
	printKeys(&printed, e.s.Keys())
	if code, out, errs := shencha("verify", e.save("a.json", public), "--key", e.save("printed.txt", printed.Bytes())); code != 0 {
		t.Fatalf("printed keys: exit %d\n%s%s", code, out, errs)
	}

	// Tampering, step by step.
	for _, c := range []struct {
		name, step string
		ans        []byte
		edit       func(a map[string]any)
	}{
		{"statement", "envelope", public, func(a map[string]any) {
			env := a["envelope"].(map[string]any)
			p, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
			p[len(p)/2] ^= 1
			env["payload"] = base64.StdEncoding.EncodeToString(p)
		}},
		{"signature", "envelope", public, func(a map[string]any) {
			sig := a["envelope"].(map[string]any)["signatures"].([]any)[0].(map[string]any)
			b, _ := base64.StdEncoding.DecodeString(sig["sig"].(string))
			b[0] ^= 1
			sig["sig"] = base64.StdEncoding.EncodeToString(b)
		}},
		{"proof", "inclusion", public, func(a map[string]any) {
			p := a["inclusion_proof"].([]any)
			b, _ := base64.StdEncoding.DecodeString(p[0].(string))
			b[3] ^= 1
			p[0] = base64.StdEncoding.EncodeToString(b)
		}},
		{"checkpoint", "checkpoint", public, func(a map[string]any) {
			a["checkpoint"] = strings.Replace(a["checkpoint"].(string), "\n", "\n1", 1)
		}},
		{"salt", "inclusion", secret, func(a map[string]any) {
			b, _ := base64.StdEncoding.DecodeString(a["salt"].(string))
			b[0] ^= 1
			a["salt"] = base64.StdEncoding.EncodeToString(b)
		}},
	} {
		var doc map[string]any
		json.Unmarshal(c.ans, &doc)
		c.edit(doc["items"].([]any)[0].(map[string]any)["attestation"].(map[string]any))
		b, _ := json.Marshal(doc)
		code, out, _ := shencha("verify", e.save("bad.json", b), "--key", e.keys)
		if code == 0 || !strings.Contains(out, "FAIL") || !strings.Contains(out, c.step+": ") {
			t.Errorf("%s changed: exit %d, want a %s failure:\n%s", c.name, code, c.step, out)
		}
	}

	// Anonymous callers see nothing of the parties-scoped failure.
	anon := e.get("/api/v1/eligibility?listing=3", "")
	if bytes.Contains(anon, []byte("CSR-2026-0007")) || bytes.Contains(anon, []byte("attestation")) {
		t.Fatalf("anonymous answer reveals the result: %s", anon)
	}
	if code, out, _ := shencha("verify", e.save("anon.json", anon), "--key", e.keys); code == 0 || !strings.Contains(out, "no signed statement") {
		t.Fatalf("anonymous answer verified: %d %s", code, out)
	}

	// A saved checkpoint, then a listing change: the log extends it.
	old := e.save("old.checkpoint", e.get("/log/checkpoint", ""))
	if err := e.s.ListingAction(context.Background(), e.f.Actors["office"], 1, review.ListSuspend, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Sequence(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	code, out, errs := shencha("verify", "--consistency", old, "--server", e.url, "--key", e.keys)
	if code != 0 || !strings.Contains(out, "extends the saved checkpoint") {
		t.Fatalf("consistency: exit %d\n%s%s", code, out, errs)
	}
	// Another log's key refuses the checkpoint.
	k, err := transparency.NewKeys("test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	var otherKeys bytes.Buffer
	printKeys(&otherKeys, k)
	other := e.save("other.keys", otherKeys.Bytes())
	if code, _, errs := shencha("verify", "--consistency", old, "--server", e.url, "--key", other); code == 0 || !strings.Contains(errs, "not signed by a log key given") {
		t.Fatalf("consistency under another log's key: exit %d %s", code, errs)
	}
	t.Logf("%d listings verified", ok)
}

// TestKeyRotation: after `shencha keys generate --rotate`, answers signed
// and proved under the old keys still verify against the keys the server
// serves (current and retired), new statements verify under the new keys,
// and the log stays consistent across the rotation.
func TestKeyRotation(t *testing.T) {
	e := newVerifyEnv(t)
	ctx := context.Background()
	office := e.token("office")
	before := e.save("before.json", e.get("/api/v1/eligibility?listing=1", office))
	oldCheckpoint := e.save("old.checkpoint", e.get("/log/checkpoint", ""))
	oldKey := e.s.Keys().LogVerifierKey

	// The server is stopped for a rotation; here the store stands in.
	code, out, errs := shencha("keys", "generate", "--data-dir", e.dir, "--origin", "test.example/log", "--rotate")
	if code != 0 || !strings.Contains(out, "retired keys") {
		t.Fatalf("rotate: exit %d\n%s%s", code, out, errs)
	}
	keys, err := transparency.Load(dataDir(e.dir).keysDir())
	if err != nil {
		t.Fatal(err)
	}
	if keys.LogVerifierKey == oldKey || len(keys.RetiredLog) != 1 || keys.RetiredLog[0] != oldKey {
		t.Fatalf("rotated keys: %+v", keys)
	}
	e.s.SetKeys(keys)
	if err := e.s.ListingAction(ctx, e.f.Actors["office"], 1, review.ListSuspend, "after rotation"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Sequence(ctx, 0); err != nil {
		t.Fatal(err)
	}
	served := e.save("served-keys.json", e.get("/log/key", ""))
	after := e.save("after.json", e.get("/api/v1/eligibility?listing=1", office))
	for name, file := range map[string]string{"old answer": before, "new answer": after} {
		if code, out, errs := shencha("verify", file, "--key", served); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", name, code, out, errs)
		}
	}
	// The old keys alone cannot check the new statement.
	if code, _, _ := shencha("verify", after, "--key", e.keys); code == 0 {
		t.Fatal("a statement signed after the rotation verified under the old keys only")
	}
	if code, out, errs := shencha("verify", "--consistency", oldCheckpoint, "--server", e.url, "--key", served); code != 0 {
		t.Fatalf("consistency across the rotation: exit %d\n%s%s", code, out, errs)
	}
}
