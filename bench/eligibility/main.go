// Command eligibility load-tests the eligibility register: it builds a
// synthetic register of -n public listings in a fresh SQLite database,
// sequences their signed statements into the log (appends per second),
// then, over HTTP with an API token, asks GET /api/v1/eligibility?listing=
// about random listings as fast as -conns connections allow, beside a bare
// net/http handler returning a constant body of the same size, through the
// same client and connections, in the same run. It reports both rates and
// their ratio, the latency percentiles at half the register's rate, the
// server's RSS and the time of an inclusion proof at the log's size. The
// server is `shencha serve` in a process of its own, built from this
// repository and started on the prepared data dir, so its memory is its
// own; run from the repository's root.
//
//	go run ./bench/eligibility -n 1000000 -dur 10s
//
// Building a million listings takes minutes; with -dir D -reuse, a later
// run serves the register an earlier one left in D.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/transparency"
)

func main() {
	n := flag.Int("n", 1_000_000, "listings in the register")
	dur := flag.Duration("dur", 10*time.Second, "length of each load phase")
	conns := flag.Int("conns", 16, "client connections")
	rounds := flag.Int("rounds", 3, "rounds of the closed-loop phases (bare, register, bare in the client's process), each -dur/2 long")
	dir := flag.String("dir", "", "data directory (default: a temporary one, removed after)")
	reuse := flag.Bool("reuse", false, "with -dir: serve the register an earlier run left there instead of building one")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the load phases (this process: the client) to this file")
	lookupProfile := flag.String("lookupprofile", "", "write a CPU profile of the in-process lookups to this file")
	lookupOnly := flag.Bool("lookuponly", false, "time the in-process lookups only, without the server and the load phases")
	serveBare := flag.Int("serve-bare", 0, "(internal) serve a constant body of this many bytes and print the address: the bare server's process")
	memLimit := flag.String("memlimit", "", "GOMEMLIMIT for the server process (e.g. 450MiB), to bound its memory")
	pprofAddr := flag.String("pprof", "", "start the server with --pprof on this loopback address, to profile it during the load")
	serverProfile := flag.String("serverprofile", "", "with -pprof: write a CPU profile of the server during the first register phase to this file")
	flag.Parse()
	if *serveBare > 0 {
		bareProcess(*serveBare)
		return
	}
	ctx := context.Background()
	if *dir == "" {
		d, err := os.MkdirTemp("", "eligibility-bench-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	check(os.MkdirAll(filepath.Join(*dir, "db"), 0o700))
	dbPath := filepath.Join(*dir, "db", "shencha.db")
	_, statErr := os.Stat(dbPath)
	reused := *reuse && statErr == nil
	s, err := store.Open(ctx, dbPath)
	check(err)
	check(s.Migrate(ctx))
	if reused {
		// A register built by an earlier run with the same -dir: only the
		// load phases run again.
		keys, err := transparency.Load(filepath.Join(*dir, "keys"))
		check(err)
		s.SetKeys(keys)
		fmt.Printf("register: reusing %s\n", *dir)
	} else {
		keys, err := transparency.Generate(filepath.Join(*dir, "keys"), "bench.example/log", false)
		check(err)
		s.SetKeys(keys)
		f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
		check(err)
		t0 := time.Now()
		check(s.SyntheticRegister(ctx, *n, f.Users["office"].ID))
		fmt.Printf("register: %d listings with signed statements in %.1f s\n", *n, time.Since(t0).Seconds())
		t0 = time.Now()
		appended := 0
		for {
			k, err := s.Sequence(ctx, 0)
			check(err)
			if k == 0 {
				break
			}
			appended += k
		}
		secs := time.Since(t0).Seconds()
		fmt.Printf("log: %d appends in %.1f s = %.0f entries/s (SQLite, batches of %d)\n", appended, secs, float64(appended)/secs, store.SequenceBatch)
	}
	ids, err := s.SyntheticListingIDs(ctx)
	check(err)
	head, err := s.Checkpoint(ctx)
	check(err)
	proofTime(ctx, s, head.Size)

	procurer, err := s.UserByName(ctx, "procurer")
	check(err)
	buyer, err := s.ActorOf(ctx, procurer.ID)
	check(err)
	token, _, err := s.CreateToken(ctx, buyer, "load test", []string{"read"}, time.Hour)
	check(err)
	if *lookupOnly {
		lookupTime(ctx, s, ids, *lookupProfile)
		return
	}
	check(s.Close())
	fmt.Printf("setup process: %s\n", rss("self"))

	srv, ours := startServer(*dir, *pprofAddr, *memLimit)
	defer srv.Process.Kill()
	sample := get(&http.Client{}, ours+"/api/v1/eligibility?listing="+strconv.FormatInt(ids[0], 10), token)
	// The bare handler runs in a process of its own, as the server does,
	// so that both answer across processes; the same handler in this
	// process is timed too, for comparison.
	bareProc, bare := startBare(len(sample))
	defer bareProc.Process.Kill()
	body := bytes.Repeat([]byte("x"), len(sample))
	bareHere := listen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
	fmt.Printf("answer: %d bytes (envelope, inclusion proof and checkpoint included)\n", len(sample))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}}
	ourURL := func(r *rand.Rand) string {
		return ours + "/api/v1/eligibility?listing=" + strconv.FormatInt(ids[r.IntN(len(ids))], 10)
	}
	bareURL := func(*rand.Rand) string { return bare + "/answer" }
	bareHereURL := func(*rand.Rand) string { return bareHere + "/answer" }
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	var best [3]float64
	var ratios []float64 // register / bare, round by round
	names := []string{"bare", "register", "bare in the client's process"}
	for round := range *rounds {
		var rates [3]float64
		for i, u := range []func(*rand.Rand) string{bareURL, ourURL, bareHereURL} {
			var profiled sync.WaitGroup
			if round == 0 && i == 1 && *pprofAddr != "" && *serverProfile != "" {
				profiled.Go(func() { serverCPUProfile(*pprofAddr, *serverProfile, *dur/2) })
			}
			procs := []string{"self", strconv.Itoa(bareProc.Process.Pid), strconv.Itoa(srv.Process.Pid)}
			before := cpuTimes(procs)
			rps, lat := closedLoop(client, u, token, *conns, *dur/2)
			after := cpuTimes(procs)
			profiled.Wait()
			best[i] = max(best[i], rps)
			rates[i] = rps
			req := rps * (*dur / 2).Seconds()
			fmt.Printf("round %d %-8s %8.0f req/s  p50 %v  p99 %v  CPU per request: client %.1f µs, bare %.1f µs, server %.1f µs\n", round+1, names[i], rps, pct(lat, 50), pct(lat, 99),
				(after[0]-before[0])/req*1e6, (after[1]-before[1])/req*1e6, (after[2]-before[2])/req*1e6)
		}
		ratios = append(ratios, rates[1]/rates[0])
	}
	slices.Sort(ratios)
	fmt.Printf("register / bare: %.0f / %.0f req/s = %.0f%% (bare in a process of its own, as the server is); round by round: median %.0f%%, lowest %.0f%%\n",
		best[1], best[0], 100*best[1]/best[0], 100*ratios[len(ratios)/2], 100*ratios[0])
	fmt.Printf("register / bare in the client's process: %.0f / %.0f req/s = %.0f%%\n", best[1], best[2], 100*best[1]/best[2])
	lat := openLoop(client, ourURL, token, best[1]/2, *dur)
	fmt.Printf("at half that rate (%.0f req/s, open loop): p50 %v  p99 %v  max %v\n", best[1]/2, pct(lat, 50), pct(lat, 99), pct(lat, 100))
	fmt.Printf("server process: %s\n", rss(strconv.Itoa(srv.Process.Pid)))
	// Last, so that the register it loads in this process does not weigh
	// on the client during the load phases, and alone: the servers are
	// stopped first.
	srv.Process.Kill()
	bareProc.Process.Kill()
	srv.Wait()
	bareProc.Wait()
	s, err = store.Open(ctx, dbPath)
	check(err)
	lookupTime(ctx, s, ids, *lookupProfile)
}

// startServer builds shencha and serves dir in a process of its own; it
// returns the process and its URL once it listens.
func startServer(dir, pprofAddr, memLimit string) (*exec.Cmd, string) {
	bin := filepath.Join(dir, "shencha")
	build := exec.Command("go", "build", "-o", bin, "./cmd/shencha")
	build.Stderr = os.Stderr
	check(build.Run())
	cmd := exec.Command(bin, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--rate-token", "1e9", "--pprof", pprofAddr)
	if memLimit != "" {
		cmd.Env = append(os.Environ(), "GOMEMLIMIT="+memLimit)
	}
	out, err := cmd.StdoutPipe()
	check(err)
	check(cmd.Start())
	t0 := time.Now()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
			go io.Copy(io.Discard, out)
			pid := strconv.Itoa(cmd.Process.Pid)
			fmt.Printf("server: started and loaded the register in %.1f s; %s\n", time.Since(t0).Seconds(), rss(pid))
			// What serve does after it listens (the register's check
			// against the log) must not run during a load phase.
			t0 = time.Now()
			waitIdle(pid)
			fmt.Printf("server: idle after %.1f s more; %s\n", time.Since(t0).Seconds(), rss(pid))
			return cmd, url
		}
	}
	log.Fatal("the server did not start")
	return nil, ""
}

// bareProcess serves a constant body of n bytes as JSON, the bare handler
// the register is compared with, and prints its address.
func bareProcess(n int) {
	body := bytes.Repeat([]byte("x"), n)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	fmt.Printf("listening on http://%s\n", ln.Addr())
	check((&http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}), ReadHeaderTimeout: 10 * time.Second}).Serve(ln))
}

// serverCPUProfile fetches a CPU profile of the server for d from its
// pprof address and writes it to file.
func serverCPUProfile(addr, file string, d time.Duration) {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(1, int(d.Seconds())-1)))
	check(err)
	defer resp.Body.Close()
	f, err := os.Create(file)
	check(err)
	_, err = io.Copy(f, resp.Body)
	check(err)
	check(f.Close())
}

// startBare starts this program as the bare server's process.
func startBare(n int) (*exec.Cmd, string) {
	self, err := os.Executable()
	check(err)
	cmd := exec.Command(self, "-serve-bare", strconv.Itoa(n))
	out, err := cmd.StdoutPipe()
	check(err)
	check(cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
			return cmd, url
		}
	}
	log.Fatal("the bare server did not start")
	return nil, ""
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func listen(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
	return "http://" + ln.Addr().String()
}

func get(c *http.Client, url, token string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	check(err)
	if resp.StatusCode != 200 {
		log.Fatalf("%s: %s %s", url, resp.Status, b)
	}
	return b
}

// closedLoop keeps conns requests in flight for d and returns the rate
// and the latencies.
func closedLoop(c *http.Client, url func(*rand.Rand) string, token string, conns int, d time.Duration) (float64, []time.Duration) {
	var mu sync.Mutex
	var all []time.Duration
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			var lat []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				do(c, url(r), token)
				lat = append(lat, time.Since(t))
				n.Add(1)
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	start := time.Now()
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), all
}

// openLoop sends requests at a fixed rate for d, whatever the answers'
// pace, and returns their latencies measured from when each was due.
func openLoop(c *http.Client, url func(*rand.Rand) string, token string, rate float64, d time.Duration) []time.Duration {
	total := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	r := rand.New(rand.NewPCG(7, 7))
	slow := make([]int, int(d.Seconds())+1) // requests over 10 ms, by second of the run
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		u := url(r)
		sem <- struct{}{}
		wg.Go(func() {
			do(c, u, token)
			l := time.Since(due)
			<-sem
			mu.Lock()
			all = append(all, l)
			if l > 10*time.Millisecond {
				slow[min(int(due.Sub(start).Seconds()), len(slow)-1)]++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Printf("requests over 10 ms, by second of the open loop: %v\n", slow)
	return all
}

func do(c *http.Client, url, token string) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		log.Fatalf("%s: %s", url, resp.Status)
	}
}

func pct(l []time.Duration, p int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := min(len(s)-1, len(s)*p/100)
	return s[i].Round(10 * time.Microsecond)
}

// proofTime times inclusion proofs of random entries at the log's size.
func proofTime(ctx context.Context, s *store.Store, size int64) {
	const k = 10_000
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Now()
	for range k {
		if _, err := s.InclusionProof(ctx, r.Int64N(size), size); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("inclusion proof at %d entries: %v each (mean of %d)\n", size, (time.Since(t0) / k).Round(100*time.Nanosecond), k)
}

// cpuTimes reads the user and system CPU seconds each process has used.
func cpuTimes(pids []string) []float64 {
	out := make([]float64, len(pids))
	for i, pid := range pids {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		check(err)
		// The fields after the command's closing parenthesis; utime and
		// stime are the 12th and 13th of them, in clock ticks (100 Hz).
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		u, _ := strconv.ParseFloat(f[11], 64)
		s, _ := strconv.ParseFloat(f[12], 64)
		out[i] = (u + s) / 100
	}
	return out
}

// waitIdle waits until a process has used under 5 % of a CPU for a second.
func waitIdle(pid string) {
	last := cpuTimes([]string{pid})[0]
	for {
		time.Sleep(time.Second)
		now := cpuTimes([]string{pid})[0]
		if now-last < 0.05 {
			return
		}
		last = now
	}
}

// rss reads a process's resident and peak resident memory.
func rss(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return "RSS unknown: " + err.Error()
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "VmHWM") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}

// lookupTime loads the register in this process and times the in-memory
// part of random lookups by listing id.
func lookupTime(ctx context.Context, s *store.Store, ids []int64, profile string) {
	check(s.CatchUpRegister(ctx))
	const k = 1_000_000
	r := rand.New(rand.NewPCG(3, 4))
	qs := make([]store.ListingQuery, k)
	for i := range qs {
		qs[i] = store.ListingQuery{ListingID: ids[r.IntN(len(ids))]}
	}
	if profile != "" {
		f, err := os.Create(profile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	for _, q := range qs {
		if !s.InRegister(q) {
			log.Fatalf("listing %d not answered from memory", q.ListingID)
		}
	}
	fmt.Printf("in-process lookup of random listings: %v each (mean of %d)\n", (time.Since(t0) / k).Round(10*time.Nanosecond), k)
	// The whole answer in process, as the API handler makes it: the
	// lookup, the statement rebuilt and checked against the log, the
	// proof, the JSON.
	// Five batches: the machine's other load shows in the spread.
	const m = 50_000
	var b []byte
	var err error
	var each []time.Duration
	for k := range 5 {
		t0 = time.Now()
		for _, q := range qs[k*m : (k+1)*m] {
			b, err = s.AppendListings(ctx, review.Actor{}, q, b[:0])
			check(err)
		}
		each = append(each, (time.Since(t0) / m).Round(10*time.Nanosecond))
	}
	slices.Sort(each)
	fmt.Printf("in-process answer of random listings: best %v, median %v (5 batches of %d)\n", each[0], each[2], m)
}
