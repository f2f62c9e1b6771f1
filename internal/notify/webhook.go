package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"shencha/internal/review"
)

// Sign is the signature of a delivery: "sha256=" and the hex HMAC-SHA256,
// under the subscription's secret, of the timestamp (Unix seconds, as sent
// in X-Shencha-Timestamp), ".", and the body. Signing the timestamp lets a
// receiver refuse an old delivery replayed to it.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Hooks sends webhook deliveries. Unless private addresses are allowed, it
// refuses to connect to any address of the platform's own networks
// (loopback, private, link-local and the like), checked on the address each
// connection actually dials, so a name that resolves there is refused too;
// it follows no redirect and uses no proxy.
type Hooks struct {
	client *http.Client
	// Now is the clock of the timestamps (tests may set it).
	Now func() time.Time
}

// NewHooks returns a sender; allowPrivate lets deliveries reach internal
// addresses (tests, closed networks).
func NewHooks(allowPrivate bool) *Hooks {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || Internal(ip) {
			return fmt.Errorf("refused to connect to %s: not a public address", host)
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Hooks{Now: time.Now, client: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Deliver posts one delivery, signed, and returns the receiver's status
// code. Anything but a 2xx answer is an error, to be retried.
func (h *Hooks) Deliver(ctx context.Context, url, secret, eventID string, body []byte) (int, error) {
	now := h.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "shencha-webhooks/1")
	req.Header.Set("X-Shencha-Event", eventID)
	req.Header.Set("X-Shencha-Timestamp", strconv.FormatInt(now, 10))
	req.Header.Set("X-Shencha-Signature", Sign(secret, now, body))
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// internalNets are ranges not covered by netip's own predicates that are
// not the public internet either.
var internalNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),
}

// Internal reports whether an address belongs to a network a webhook must
// not reach from the platform: loopback, private, link-local, multicast,
// unspecified, shared and reserved ranges.
func Internal(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range internalNets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckURL refuses, when private addresses are not allowed, a subscription
// address whose host is an internal address or a name for the local host.
// A name that resolves to an internal address is refused when it is dialled.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || allowPrivate {
		return nil // the store checks the URL's form
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	ip, err := netip.ParseAddr(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || err == nil && Internal(ip) {
		return review.Invalid("url", "field_invalid", "rule", "not a loopback, private or link-local address")
	}
	return nil
}
