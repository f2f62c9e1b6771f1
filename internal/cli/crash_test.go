package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"shencha/internal/store"
	"shencha/internal/transparency"
)

// TestMain lets a test run this binary as `shencha` in a child process:
// SHENCHA_TEST_CHILD holds the arguments as JSON.
func TestMain(m *testing.M) {
	if args := os.Getenv("SHENCHA_TEST_CHILD"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(Main(argv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is a shencha server running in another process.
type child struct {
	cmd *exec.Cmd
	url string
	log string // the file its standard error goes to
}

var listenRE = regexp.MustCompile(`listening on (https?://\S+)`)

// startChild runs `shencha demo` over dir, with more flags if given, and
// waits for its URL.
func startChild(t *testing.T, dir string, flags ...string) *child {
	t.Helper()
	return startShencha(t, append([]string{"demo", "--data-dir", dir, "--addr", "127.0.0.1:0"}, flags...)...)
}

// startShencha runs shencha with args in a child process and waits for the
// URL it listens on.
func startShencha(t *testing.T, args ...string) *child {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SHENCHA_TEST_CHILD="+string(argv))
	logFile, err := os.CreateTemp(t.TempDir(), "child-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child holds its own copy
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return &child{cmd: cmd, url: u, log: logFile.Name()}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the server did not start")
	}
	return nil
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// TestCrashSafety runs the server in a child process under a load of
// listing changes, each of which appends a signed statement, and kills it
// with SIGKILL several times. After each restart every acknowledged
// statement is in the log, and every checkpoint handed out before a crash
// is consistent with the newest one.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	http.DefaultClient.Timeout = 10 * time.Second
	var (
		mu          sync.Mutex
		acked       = map[string]bool{} // envelopes of acknowledged changes
		checkpoints []string
		trust       transparency.Trust
	)
	const rounds = 4
	for round := range rounds {
		c := startChild(t, dir)
		if round == 0 {
			resp, err := http.Get(c.url + "/log/key")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err := addKeys(&trust, string(b)); err != nil {
				t.Fatal(err)
			}
		}
		token := login(t, c.url, "office")
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var changes atomic.Int64
		// Two writers suspend and reinstate the public listings.
		for w := range 2 {
			wg.Go(func() {
				listing := w + 1
				for i := 0; ctx.Err() == nil; i++ {
					action := []string{"suspend", "reinstate"}[i%2]
					env, ok := listingChange(ctx, c.url, token, listing, action)
					if ok {
						mu.Lock()
						acked[env] = true
						mu.Unlock()
						changes.Add(1)
					}
				}
			})
		}
		// A reader keeps the checkpoints it is handed (with a token: the
		// anonymous rate limit is lower than its pace).
		wg.Go(func() {
			for ctx.Err() == nil {
				resp, err := authGet(c.url+"/log/checkpoint", token)
				if err != nil {
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					checkpoints = append(checkpoints, string(b))
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
		time.Sleep(time.Duration(700+200*round) * time.Millisecond)
		c.kill() // mid-load
		stop()
		wg.Wait()
		t.Logf("round %d: %d acknowledged changes before SIGKILL", round, changes.Load())
	}

	// A last start drains what was queued before the last crash.
	c := startChild(t, dir)
	defer c.kill()
	token := login(t, c.url, "office")
	s, err := store.Open(context.Background(), dataDir(dir).sqlite())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var head transparency.Checkpoint
	deadline := time.Now().Add(30 * time.Second)
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
		missing := 0
		for env := range acked {
			if !logged[env] {
				missing++
			}
		}
		resp, err := authGet(c.url+"/log/checkpoint", token)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("checkpoint: %s %s", resp.Status, b)
		}
		if head, err = transparency.OpenCheckpoint(b, trust.LogKeys); err != nil {
			t.Fatal(err)
		}
		if missing == 0 && head.Size >= int64(len(logged)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged statements are not in the log", missing, len(acked))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(acked) < 20 || len(checkpoints) < 10 {
		t.Fatalf("too little load to say anything: %d changes, %d checkpoints", len(acked), len(checkpoints))
	}
	// Every checkpoint handed out is consistent with the newest one.
	sizes := map[int64]bool{}
	for _, note := range checkpoints {
		old, err := transparency.OpenCheckpoint([]byte(note), trust.LogKeys)
		if err != nil {
			t.Fatal(err)
		}
		if sizes[old.Size] {
			continue
		}
		sizes[old.Size] = true
		resp, err := authGet(fmt.Sprintf("%s/log/proof/consistency?from=%d&to=%d", c.url, old.Size, head.Size), token)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("consistency proof from %d: %s", old.Size, resp.Status)
		}
		var p struct{ Proof [][]byte }
		json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err := transparency.VerifyConsistency(old, head, p.Proof); err != nil {
			t.Fatalf("checkpoint of size %d handed out before a crash: %v", old.Size, err)
		}
	}
	t.Logf("%d acknowledged statements all logged; %d distinct checkpoints consistent with the final size %d", len(acked), len(sizes), head.Size)
}

func authGet(url, token string) (*http.Response, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return http.DefaultClient.Do(req)
}

func login(t *testing.T, url, user string) string {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"shencha-demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&v)
	if v.Token == "" {
		t.Fatal("no token")
	}
	return v.Token
}

// listingChange takes a listing action and returns the envelope of its
// statement when the server acknowledged it.
func listingChange(ctx context.Context, url, token string, listing int, action string) (string, bool) {
	req, _ := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/listings/%d/actions/%s", url, listing, action), strings.NewReader(`{"reason":"crash test"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return "", false
	}
	var v struct {
		Items []struct {
			Attestation *transparency.Attestation `json:"attestation"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || len(v.Items) == 0 || v.Items[0].Attestation == nil {
		return "", false
	}
	return string(v.Items[0].Attestation.Envelope.Marshal()), true
}
