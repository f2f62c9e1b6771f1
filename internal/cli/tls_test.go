package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files
// in dir and returns their paths and the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "shencha test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

// TestServeTLS runs `shencha demo --tls-cert --tls-key` in a child process:
// it answers HTTPS with HSTS and Secure cookies, and does not serve plain
// HTTP on that port.
func TestServeTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dir := t.TempDir()
	certFile, keyFile, cert := selfSigned(t, t.TempDir())
	c := startChild(t, dir, "--tls-cert", certFile, "--tls-key", keyFile)
	defer c.kill()
	if !strings.HasPrefix(c.url, "https://") {
		t.Fatalf("listening on %s, want https", c.url)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}

	resp, err := client.Get(c.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("HTTPS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("HTTPS: CSP %q", resp.Header.Get("Content-Security-Policy"))
	}

	resp, err = client.Post(c.url+"/api/v1/login", "application/json", strings.NewReader(`{"username":"office","password":"shencha-demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ck := resp.Header.Get("Set-Cookie"); resp.StatusCode != 200 || !strings.Contains(ck, "; Secure") {
		t.Errorf("login over HTTPS: %d, cookie %q lacks Secure", resp.StatusCode, ck)
	}

	// Plain HTTP to the same port gets no page: at most Go's one-line
	// refusal, without any of the application's headers.
	plain := "http://" + strings.TrimPrefix(c.url, "https://")
	resp, err = (&http.Client{Timeout: 10 * time.Second}).Get(plain + "/healthz")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || resp.Header.Get("Content-Security-Policy") != "" || bytes.Contains(body, []byte(`"status"`)) {
			t.Errorf("plain HTTP served: %d %v %s", resp.StatusCode, resp.Header, body)
		}
	}
}

// TestServeTLSFlags: the certificate and the key go together, and a pair
// that does not load stops the start before anything else.
func TestServeTLSFlags(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"CertWithoutKey", []string{"serve", "--data-dir", dir, "--tls-cert", certFile}, "--tls-cert and --tls-key go together"},
		{"KeyWithoutCert", []string{"serve", "--data-dir", dir, "--tls-key", keyFile}, "--tls-cert and --tls-key go together"},
		{"BadPair", []string{"serve", "--data-dir", dir, "--tls-cert", keyFile, "--tls-key", certFile}, "TLS:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := Main(tc.args, io.Discard, &stderr); code == 0 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr.String(), tc.want)
			}
		})
	}
}
