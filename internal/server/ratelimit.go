package server

import (
	"cmp"
	"hash/maphash"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"shencha/internal/review"
)

// Rates are requests per second allowed to one client of the public
// register and log, with a burst of twice as many. API tokens get more:
// procurement systems check whole purchase lists. ReportsPerHour bounds
// the public reports one client files (zero: DefaultRates').
type Rates struct {
	Anonymous, Session, Token float64
	ReportsPerHour            float64
}

// DefaultRates suit a public service on one machine.
var DefaultRates = Rates{Anonymous: 20, Session: 50, Token: 2000, ReportsPerHour: 10}

// limiter is a token bucket per client. A bucket idle for keep (a minute
// if zero) is forgotten, full again: keep must be at least the time an
// empty bucket takes to fill.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
	keep    time.Duration
}

type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes one request from the client's bucket of burst requests,
// refilled at rate a second; when it is empty it says how long until the
// next request may come.
func (l *limiter) allow(key string, rate, burst float64, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	keep := cmp.Or(l.keep, time.Minute)
	if now.Sub(l.swept) > keep { // forget idle clients
		for k, b := range l.buckets {
			if now.Sub(b.last) > keep {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// rateCheck applies the client's limit on the routes registered with
// handleLimited and the UI's pages that ask the same (web.Config.RateLimit),
// answering 429 with Retry-After when it is exhausted. The client is the
// API token, else the signed-in user, else the address.
func (s *Server) rateCheck(w http.ResponseWriter, r *http.Request) bool {
	a := actor(r)
	key, rate := "ip:"+clientIP(r), s.cfg.Rates.Anonymous
	switch {
	case !a.Anonymous() && r.Header.Get("Authorization") != "": // authenticate takes a bearer token before a cookie
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		// A keyed 64-bit hash: the limiter holds no token, and is cheaper
		// than the token's SHA-256 on every request.
		key, rate = "token:"+strconv.FormatUint(maphash.String(tokenSeed, strings.TrimSpace(tok)), 16), s.cfg.Rates.Token
	case !a.Anonymous():
		key, rate = "user:"+strconv.FormatInt(a.UserID, 10), s.cfg.Rates.Session
	}
	ok, wait := s.limits.allow(key, rate, 2*rate, time.Now())
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		s.refuse(w, r, review.RateLimited())
	}
	return ok
}

// filingAllowed takes one of the reports a client may file in an hour, or
// refuses with how long to wait. The client is its address, whoever is
// signed in: a report is filed as the public. The API and the web page
// both ask before reading the report, so nothing of a refused one is
// read or stored, and the page answers in HTML, not as the API would.
func (s *Server) filingAllowed(w http.ResponseWriter, r *http.Request) error {
	n := s.cfg.Rates.ReportsPerHour
	ok, wait := s.filings.allow("ip:"+clientIP(r), n/3600, n, time.Now())
	if ok {
		return nil
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
	return review.E(review.KindRateLimited, "too_many_reports", "minutes", strconv.Itoa(int(wait/time.Minute)+1))
}

var tokenSeed = maphash.MakeSeed()

// clientIP is the connection's address: a proxy in front must do its own
// limiting, as forwarded headers can be forged.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
