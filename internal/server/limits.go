package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"shencha/internal/review"
)

// Timeouts bound how long one client may hold a connection.
type Timeouts struct {
	// Header bounds reading a request's headers: a client that sends them
	// a byte at a time (slowloris) is cut off.
	Header time.Duration
	// Read bounds reading a whole request. A body gets one more second for
	// every MinRate bytes it delivers, so an upload of any size finishes
	// as long as it arrives at MinRate or faster, and one that trickles is
	// cut off.
	Read time.Duration
	// Write bounds answering once the request is read; a download gets one
	// more second for every MinRate bytes of the file.
	Write time.Duration
	// Idle bounds a kept-alive connection between requests.
	Idle time.Duration
	// MinRate is the slowest body or download accepted, in bytes/s.
	MinRate int64
}

// DefaultTimeouts suit clients on slow networks: a minute to send a request
// (more for a body arriving at 16 KiB/s or faster), five to answer.
var DefaultTimeouts = Timeouts{Header: 10 * time.Second, Read: time.Minute, Write: 5 * time.Minute, Idle: 2 * time.Minute, MinRate: 16 << 10}

// HTTPServer is the http.Server `serve` runs: this handler with the
// configured timeouts.
func (s *Server) HTTPServer() *http.Server {
	t := s.cfg.Timeouts
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: t.Header,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		ErrorLog:          slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelWarn),
	}
}

// httpServer is the http.Server carrying the request, if any: its read
// and write timeouts are the ones to extend (none under httptest's plain
// server, for instance).
func httpServer(r *http.Request) *http.Server {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	return srv
}

// paceBody wraps a request body so that it extends the connection's
// deadlines as it arrives (see Timeouts.Read).
func (s *Server) paceBody(w http.ResponseWriter, r *http.Request) {
	srv := httpServer(r)
	if srv == nil || r.Body == nil || r.Body == http.NoBody || srv.ReadTimeout <= 0 && srv.WriteTimeout <= 0 {
		return
	}
	r.Body = &pacedBody{ReadCloser: r.Body, rc: http.NewResponseController(w), start: time.Now(),
		read: srv.ReadTimeout, write: srv.WriteTimeout, rate: s.cfg.Timeouts.MinRate}
}

// pacedBody moves the read deadline to the request's start plus the read
// timeout plus a second per rate bytes read so far, and the write deadline
// to the write timeout after that, so the answer to a long upload can still
// be written.
type pacedBody struct {
	io.ReadCloser
	rc          *http.ResponseController
	start       time.Time
	read, write time.Duration
	rate        int64
	n           int64
	deadline    time.Time // the last one set
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	d := b.start.Add(b.read + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second)))
	if d.Sub(b.deadline) >= time.Second { // not a system call per read
		b.deadline = d
		if b.read > 0 {
			b.rc.SetReadDeadline(d)
		}
		if b.write > 0 {
			b.rc.SetWriteDeadline(d.Add(b.write))
		}
	}
	return n, err
}

// allowDownload gives an answer of size bytes the time to go out at the
// minimum rate, beyond the write timeout.
func (s *Server) allowDownload(w http.ResponseWriter, r *http.Request, size int64) {
	srv := httpServer(r)
	if srv == nil || srv.WriteTimeout <= 0 {
		return
	}
	extra := time.Duration(float64(size) / float64(s.cfg.Timeouts.MinRate) * float64(time.Second))
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(srv.WriteTimeout + extra))
}

// readFailed reports whether reading a request body failed for a limit:
// over its size, or too slow.
func readFailed(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig) || errors.Is(err, os.ErrDeadlineExceeded)
}

// bodyError says why reading a request body failed: over its limit (413,
// naming the limit), too slow (408, naming the rate), or unreadable (400).
func (s *Server) bodyError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return review.E(review.KindTooLarge, "body_too_large", "max", itoa(tooBig.Limit))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return review.E(review.KindTimeout, "body_too_slow", "min_rate", strconv.FormatInt(s.cfg.Timeouts.MinRate, 10))
	}
	return review.E(review.KindInvalid, "body_unreadable", "reason", err.Error())
}
