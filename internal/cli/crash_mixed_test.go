package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/store"
	"shencha/internal/transparency"
)

var crashCycles = flag.Int("crash.cycles", 3, "SIGKILL cycles of TestCrashSafetyMixedLoad (at least 20 for the full run)")

// acks records every write the server acknowledged (a 2xx answer read in
// full) and every checkpoint it handed out.
type acks struct {
	mu          sync.Mutex
	versions    map[int64]string    // version id → its name
	cases       map[string][]string // case number → acknowledged actions, in order
	materials   []ackedMaterial
	listings    map[string]bool // envelopes of acknowledged listing changes
	checkpoints []string
}

type ackedMaterial struct {
	number string
	id     int64
	sha256 string // of the content sent
}

func (a *acks) add(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
}

// crashClient calls the API of the current child.
type crashClient struct {
	url  string
	http *http.Client
}

// call sends a request and decodes a 2xx answer into out; ok is true only
// for an answer read in full.
func (c *crashClient) call(ctx context.Context, method, path, token string, body []byte, header map[string]string, out any) bool {
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, bytes.NewReader(body))
	if err != nil {
		return false
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode/100 != 2 {
		return false
	}
	return out == nil || json.Unmarshal(b, out) == nil
}

// TestCrashSafetyMixedLoad runs `shencha serve` in a child process under a
// mixed load — new versions, cases taken through their transitions,
// material uploads (some of megabytes), listing changes that append to
// the log, checkpoint reads — and kills it with SIGKILL at a random
// moment, -crash.cycles times, restarting it each time. Then: every
// acknowledged write is there (versions, each case's acknowledged actions
// in order, every material with the content sent), the audit chain
// verifies, every checkpoint handed out is consistent with the last, and
// the blob store holds exactly the files the database names, each whole,
// and no temporary file.
func TestCrashSafetyMixedLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	started := time.Now()
	dir := t.TempDir()
	seedCrashDataDir(t, dir)
	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 7))
	t.Logf("%d cycles, random seed %d", *crashCycles, seed)
	a := &acks{versions: map[int64]string{}, cases: map[string][]string{}, listings: map[string]bool{}}
	serveArgs := []string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--rate-token", "100000"}
	var (
		tokens  map[string]string
		product int64
		trust   transparency.Trust
	)
	var logs []string // the children's standard error
	leftovers := 0    // temporary files found after a crash
	for cycle := range *crashCycles {
		child := startShencha(t, serveArgs...)
		logs = append(logs, child.log)
		c := &crashClient{url: child.url, http: &http.Client{Timeout: 20 * time.Second}}
		if cycle == 0 {
			// Tokens are acknowledged writes too: they must outlive the crashes.
			tokens = map[string]string{}
			for _, u := range []string{"provider1", "office", "admin"} {
				tokens[u] = login(t, child.url, u)
			}
			var products struct {
				Items []struct{ ID int64 }
			}
			if !c.call(context.Background(), "GET", "/api/v1/products", tokens["provider1"], nil, nil, &products) || len(products.Items) == 0 {
				t.Fatal("provider1 has no product")
			}
			product = products.Items[0].ID
			var keys json.RawMessage
			if !c.call(context.Background(), "GET", "/log/key", "", nil, nil, &keys) {
				t.Fatal("no log keys")
			}
			if err := addKeys(&trust, string(keys)); err != nil {
				t.Fatal(err)
			}
		}
		ctx, stop := context.WithCancel(context.Background())
		l := &crashLoad{c: c, a: a, tokens: tokens, product: product, cycle: cycle}
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Go(func() { l.cases(ctx, w, 300<<10) })
		}
		wg.Go(func() { l.cases(ctx, 2, 3<<20) }) // fewer, larger uploads
		for listing := 1; listing <= 2; listing++ {
			wg.Go(func() { l.listingChanges(ctx, listing) })
		}
		wg.Go(func() { l.checkpoints(ctx) })
		time.Sleep(time.Duration(300+rnd.IntN(1700)) * time.Millisecond)
		child.kill()
		stop()
		wg.Wait()
		// Partial writes the next start must clear away.
		tmp, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp"))
		leftovers += len(tmp)
		a.mu.Lock()
		t.Logf("cycle %d: SIGKILL, %d temporary files left; so far %d versions, %d cases, %d materials, %d listing changes, %d checkpoints acknowledged",
			cycle, len(tmp), len(a.versions), len(a.cases), len(a.materials), len(a.listings), len(a.checkpoints))
		a.mu.Unlock()
	}

	child := startShencha(t, serveArgs...)
	defer child.kill()
	logs = append(logs, child.log)
	c := &crashClient{url: child.url, http: &http.Client{Timeout: 60 * time.Second}}
	ctx := context.Background()
	if len(a.versions) < *crashCycles || len(a.materials) < *crashCycles || len(a.listings) < *crashCycles || len(a.checkpoints) < *crashCycles {
		t.Fatalf("too little load to say anything: %d versions, %d materials, %d listing changes, %d checkpoints",
			len(a.versions), len(a.materials), len(a.listings), len(a.checkpoints))
	}

	// Versions.
	var prod struct {
		Versions []struct{ ID int64 }
	}
	if !c.call(ctx, "GET", fmt.Sprintf("/api/v1/products/%d", product), tokens["provider1"], nil, nil, &prod) {
		t.Fatal("product not readable")
	}
	have := map[int64]bool{}
	for _, v := range prod.Versions {
		have[v.ID] = true
	}
	for id, name := range a.versions {
		if !have[id] {
			t.Errorf("acknowledged version %d (%s) is lost", id, name)
		}
	}
	// Cases: each acknowledged action is in the case's history, in order.
	for number, acted := range a.cases {
		var cv struct {
			Events []struct{ Action string }
		}
		if !c.call(ctx, "GET", "/api/v1/cases/"+number, tokens["provider1"], nil, nil, &cv) {
			t.Errorf("acknowledged case %s is lost", number)
			continue
		}
		var events []string
		for _, e := range cv.Events {
			events = append(events, e.Action)
		}
		if !subsequence(acted, events) {
			t.Errorf("case %s: acknowledged %v, history %v", number, acted, events)
		}
	}
	// Materials: each acknowledged one reads back as sent.
	for _, m := range a.materials {
		if got := download(t, c, tokens["provider1"], m.number, m.id); got != m.sha256 {
			t.Errorf("material %d of %s: content sha256 %s, sent %s", m.id, m.number, got, m.sha256)
		}
	}
	// The audit chain.
	var audit struct {
		OK   bool  `json:"ok"`
		Rows int64 `json:"rows"`
	}
	if !c.call(ctx, "GET", "/api/v1/audit/verify", tokens["admin"], nil, nil, &audit) || !audit.OK {
		t.Errorf("audit chain: %+v", audit)
	}
	s, err := store.Open(ctx, dataDir(dir).sqlite())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The log: every acknowledged listing change in it (the sequencer may
	// still be catching up), every checkpoint handed out consistent with
	// the newest.
	head := waitLogged(t, c, s, a.listings, trust)
	sizes := map[int64]bool{}
	for _, note := range a.checkpoints {
		old, err := transparency.OpenCheckpoint([]byte(note), trust.LogKeys)
		if err != nil {
			t.Fatal(err)
		}
		if sizes[old.Size] {
			continue
		}
		sizes[old.Size] = true
		var p struct{ Proof [][]byte }
		if !c.call(ctx, "GET", fmt.Sprintf("/log/proof/consistency?from=%d&to=%d", old.Size, head.Size), tokens["office"], nil, nil, &p) {
			t.Fatalf("no consistency proof from %d to %d", old.Size, head.Size)
		}
		if err := transparency.VerifyConsistency(old, head, p.Proof); err != nil {
			t.Errorf("checkpoint of size %d handed out before a crash: %v", old.Size, err)
		}
	}
	// The blob store: exactly one whole file per material the database
	// names, and nothing half-written.
	type row struct {
		number, digest string
		id             int64
	}
	var rows []row
	q, err := s.DB().QueryContext(ctx, `SELECT c.number, m.id, m.digest FROM materials m JOIN cases c ON c.id = m.case_id`)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var r row
		q.Scan(&r.number, &r.id, &r.digest)
		rows = append(rows, r)
	}
	q.Close()
	named := map[string]bool{}
	for _, r := range rows {
		named[strings.TrimPrefix(r.digest, "sha256:")] = true
		if got := download(t, c, tokens["provider1"], r.number, r.id); "sha256:"+got != r.digest {
			t.Errorf("material %d of %s: stored as %s, reads as sha256:%s", r.id, r.number, r.digest, got)
		}
	}
	files := map[string]bool{}
	filepath.WalkDir(filepath.Join(dir, "blobs", "sha256"), func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files[filepath.Base(filepath.Dir(path))+e.Name()] = true
		}
		return nil
	})
	for d := range files {
		if !named[d] {
			t.Errorf("orphaned blob file %s: no material names it", d)
		}
	}
	for d := range named {
		if !files[d] {
			t.Errorf("material digest %s has no blob file", d)
		}
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left in the blob store: %v", tmp)
	}
	// What the children said: no panic; how many interrupted uploads the
	// sweep at start removed.
	swept := 0
	for _, name := range logs {
		b, _ := os.ReadFile(name)
		if bytes.Contains(b, []byte("panic")) {
			t.Errorf("a child panicked:\n%s", b)
		}
		swept += bytes.Count(b, []byte("removed a stored file no material names"))
	}
	t.Logf("%d cycles in %v: %d versions, %d cases (%d actions), %d materials (%d rows, %d files; %d temporary files and %d interrupted uploads cleared at start), %d listing changes logged, %d checkpoints (%d sizes) consistent with size %d, audit chain of %d rows",
		*crashCycles, time.Since(started).Round(time.Second), len(a.versions), len(a.cases), countActions(a.cases), len(a.materials), len(rows), len(files), leftovers, swept,
		len(a.listings), len(a.checkpoints), len(sizes), head.Size, audit.Rows)
}

// seedCrashDataDir makes a data dir holding the demo's people and cases,
// as `shencha demo` would, for `shencha serve` to run over.
func seedCrashDataDir(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	if err := dataDir(dir).ensure(); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, dataDir(dir).sqlite())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := dataDir(dir).serverKeys(ctx, s, "crash.example/log")
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
}

// crashLoad is one cycle's load on a child.
type crashLoad struct {
	c       *crashClient
	a       *acks
	tokens  map[string]string
	product int64
	cycle   int
}

// cases adds a version, opens a case on it and takes it through
// submission, screening, a request for more, resubmission and withdrawal,
// uploading files (up to maxUpload bytes) along the way; it starts again
// when a step fails.
func (l *crashLoad) cases(ctx context.Context, worker, maxUpload int) {
	rnd := rand.New(rand.NewPCG(uint64(l.cycle), uint64(worker)))
	provider, office := l.tokens["provider1"], l.tokens["office"]
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("crash-%d-%d-%d", l.cycle, worker, i)
		var v struct{ ID int64 }
		body, _ := json.Marshal(map[string]string{"version": name})
		if !l.c.call(ctx, "POST", fmt.Sprintf("/api/v1/products/%d/versions", l.product), provider, body, nil, &v) {
			pause(ctx)
			continue
		}
		l.a.add(func() { l.a.versions[v.ID] = name })
		var cv struct{ Number string }
		body, _ = json.Marshal(map[string]any{"trigger": "enterprise_application", "product_id": l.product, "version_ids": []int64{v.ID}, "summary": name})
		if !l.c.call(ctx, "POST", "/api/v1/cases", provider, body, nil, &cv) {
			pause(ctx)
			continue
		}
		l.a.add(func() { l.a.cases[cv.Number] = nil })
		steps := []struct{ token, action, body string }{
			{provider, "upload", ""},
			{provider, "submit", ""},
			{office, "begin_screening", ""},
			{office, "mark_incomplete", `{"items":"the test report of the sample"}`},
			{provider, "upload", ""},
			{provider, "resubmit", ""},
			{provider, "withdraw", `{"reason":"crash test"}`},
		}
		for _, st := range steps {
			ok := false
			if st.action == "upload" {
				ok = l.upload(ctx, rnd, cv.Number, maxUpload)
			} else {
				ok = l.c.call(ctx, "POST", "/api/v1/cases/"+cv.Number+"/actions/"+st.action, st.token, []byte(st.body), nil, nil)
				if ok {
					l.a.add(func() { l.a.cases[cv.Number] = append(l.a.cases[cv.Number], st.action) })
				}
			}
			if !ok {
				pause(ctx)
				break
			}
		}
	}
}

// upload sends a file of random bytes and size to a case.
func (l *crashLoad) upload(ctx context.Context, rnd *rand.Rand, number string, max int) bool {
	content := make([]byte, 1+rnd.IntN(max))
	for i := range content {
		content[i] = byte(rnd.Uint32())
	}
	sum := sha256.Sum256(content)
	hexSum := hex.EncodeToString(sum[:])
	var m struct{ ID int64 }
	if !l.c.call(ctx, "POST", "/api/v1/cases/"+number+"/materials?filename=evidence-"+hexSum[:8]+".bin", l.tokens["provider1"], content,
		map[string]string{"X-Content-SHA256": "sha256:" + hexSum, "Content-Type": "application/octet-stream"}, &m) {
		return false
	}
	l.a.add(func() {
		l.a.materials = append(l.a.materials, ackedMaterial{number: number, id: m.ID, sha256: hexSum})
		l.a.cases[number] = append(l.a.cases[number], "upload_material")
	})
	return true
}

// listingChanges suspends and reinstates a listing: each change appends a
// signed statement to the log.
func (l *crashLoad) listingChanges(ctx context.Context, listing int) {
	for i := 0; ctx.Err() == nil; i++ {
		env, ok := listingChange(ctx, l.c.url, l.tokens["office"], listing, []string{"suspend", "reinstate"}[i%2])
		if ok {
			l.a.add(func() { l.a.listings[env] = true })
		}
	}
}

// checkpoints keeps every checkpoint the server hands out.
func (l *crashLoad) checkpoints(ctx context.Context) {
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", l.c.url+"/log/checkpoint", nil)
		req.Header.Set("Authorization", "Bearer "+l.tokens["office"])
		resp, err := l.c.http.Do(req)
		if err == nil {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				l.a.add(func() { l.a.checkpoints = append(l.a.checkpoints, string(b)) })
			}
		}
		pause(ctx)
	}
}

func pause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Millisecond):
	}
}

// download reads a material in full and returns its content's sha256 in
// hex ("" when it cannot be read whole).
func download(t *testing.T, c *crashClient, token, number string, id int64) string {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/cases/%s/materials/%d", c.url, number, id), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Errorf("material %d of %s: %v", id, number, err)
		return ""
	}
	defer resp.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil || resp.StatusCode != 200 {
		t.Errorf("material %d of %s: %s %v", id, number, resp.Status, err)
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// waitLogged waits until every acknowledged statement is in the log and
// the newest checkpoint covers the log, and returns that checkpoint.
func waitLogged(t *testing.T, c *crashClient, s *store.Store, acked map[string]bool, trust transparency.Trust) transparency.Checkpoint {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		logged := map[string]bool{}
		rows, err := s.DB().Query(`SELECT envelope FROM log_entries WHERE envelope <> ''`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var env string
			rows.Scan(&env)
			logged[env] = true
		}
		rows.Close()
		var missing []string
		for env := range acked {
			if !logged[env] {
				missing = append(missing, env)
			}
		}
		var n int64
		s.DB().QueryRow(`SELECT COUNT(*) FROM log_entries`).Scan(&n)
		resp, err := http.Get(c.url + "/log/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		head, err := transparency.OpenCheckpoint(b, trust.LogKeys)
		if err != nil {
			t.Fatalf("checkpoint %q: %v", b, err)
		}
		if len(missing) == 0 && head.Size >= n {
			return head
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged statements are not in the log (log of %d entries, checkpoint of %d)", len(missing), len(acked), n, head.Size)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// subsequence reports whether want appears in have in order.
func subsequence(want, have []string) bool {
	i := 0
	for _, h := range have {
		if i < len(want) && want[i] == h {
			i++
		}
	}
	return i == len(want)
}

func countActions(cases map[string][]string) int {
	n := 0
	for _, a := range cases {
		n += len(a)
	}
	return n
}
