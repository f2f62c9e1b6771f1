package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"shencha/internal/blob"
	"shencha/internal/signature"
)

// shencha runs a command line in process.
func shencha(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSignCommands(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "lab.key")

	code, out, errs := shencha("sign", "keygen", "--out", keyFile)
	pubText := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(pubText, "ed25519:") {
		t.Fatalf("keygen: exit %d, out %q, err %q", code, out, errs)
	}
	pub, err := signature.ParsePublicKey(pubText)
	if err != nil {
		t.Fatalf("keygen printed %q: %v", pubText, err)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", st, err)
	}
	priv, err := signature.LoadKeyFile(keyFile)
	if err != nil || !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("the key file does not hold the printed key: %v", err)
	}
	before, _ := os.ReadFile(keyFile)
	if code, _, errs := shencha("sign", "keygen", "--out", keyFile); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("keygen over an existing key: exit %d, %q", code, errs)
	}
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(after, before) {
		t.Error("a refused keygen changed the key file")
	}

	payload := filepath.Join(dir, "report.json")
	body := []byte(`{"type":"shencha.lab-report/v1","case":"CSR-2026-0002","summary":"两项准则均已满足"}`)
	if err := os.WriteFile(payload, body, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = shencha("sign", "--key", keyFile, payload)
	sig := strings.TrimSpace(out)
	if code != 0 || sig == "" {
		t.Fatalf("sign: exit %d, out %q, err %q", code, out, errs)
	}
	if err := signature.Verify(pub, body, sig); err != nil {
		t.Fatalf("the printed signature does not verify over the exact payload bytes: %v", err)
	}

	code, out, errs = shencha("sign", "verify", "--public-key", pubText, "--signature", sig, payload)
	if code != 0 || !strings.Contains(out, "signature OK") || !strings.Contains(out, signature.KeyID(pub)) {
		t.Errorf("verify: exit %d, out %q, err %q", code, out, errs)
	}

	// Every one-byte change of the payload is caught.
	changed := []struct {
		name string
		b    []byte
	}{
		{"a byte flipped", append([]byte{body[0] ^ 0x20}, body[1:]...)},
		{"a newline appended", append(bytes.Clone(body), '\n')},
		{"the last byte dropped", body[:len(body)-1]},
	}
	for _, tc := range changed {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "report.json")
			if err := os.WriteFile(p, tc.b, 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errs := shencha("sign", "verify", "--public-key", pubText, "--signature", sig, p)
			if code != 1 || strings.Contains(out, "OK") || !strings.Contains(errs, "does not verify") {
				t.Errorf("verify a changed payload: exit %d, out %q, err %q", code, out, errs)
			}
		})
	}

	refused := []struct {
		name string
		args []string
		want string
	}{
		{"sign without --key", []string{"sign", payload}, "shencha sign --key FILE"},
		{"keygen without --out", []string{"sign", "keygen"}, "shencha sign keygen --out FILE"},
		{"sign with a missing key", []string{"sign", "--key", filepath.Join(dir, "nope.key"), payload}, "no such file"},
		{"sign a missing payload", []string{"sign", "--key", keyFile, filepath.Join(dir, "nope.json")}, "no such file"},
		{"verify with a malformed key", []string{"sign", "verify", "--public-key", "ed25519:short", "--signature", sig, payload}, "public key"},
		{"verify with another key", []string{"sign", "verify", "--public-key", signature.FormatPublicKey(make([]byte, 32)), "--signature", sig, payload}, "does not verify"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := shencha(tc.args...)
			if code == 0 || out != "" || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, out %q, err %q; want a failure mentioning %q", code, out, errs, tc.want)
			}
		})
	}

	// A key file others may read is refused for signing.
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := shencha("sign", "--key", keyFile, payload); code == 0 || out != "" || !strings.Contains(errs, "0600") {
		t.Errorf("sign with a 0644 key: exit %d, out %q, err %q", code, out, errs)
	}
}

// storeBlob puts content into the data dir's encrypted blob store as the
// server would, and returns its digest.
func storeBlob(t *testing.T, dir string, content []byte) blob.Digest {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	kr, err := blob.OpenKeyring(filepath.Join(dir, "keys", "blob-master.keys"))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.NewEncrypted(filepath.Join(dir, "blobs"), kr)
	if err != nil {
		t.Fatal(err)
	}
	info, err := bs.Put(context.Background(), bytes.NewReader(content), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return info.Digest
}

// readBlob reads a blob back with the data dir's current key file.
func readBlob(t *testing.T, dir string, d blob.Digest) []byte {
	t.Helper()
	kr, err := blob.OpenKeyring(filepath.Join(dir, "keys", "blob-master.keys"))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.NewEncrypted(filepath.Join(dir, "blobs"), kr)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := bs.Open(context.Background(), d)
	if err != nil {
		t.Fatalf("open %s after rotation: %v", d, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s after rotation: %v", d, err)
	}
	return b
}

func TestKeysRotateMaster(t *testing.T) {
	dir := t.TempDir()
	content := []byte("lab1's packet capture of the HX-9000 management port")
	d := storeBlob(t, dir, content)
	keyFile := filepath.Join(dir, "keys", "blob-master.keys")
	before, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	// While another process holds the data dir, rotation refuses to run.
	lock, err := os.OpenFile(filepath.Join(dir, "keys", "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	code, out, errs := shencha("keys", "rotate-master", "--data-dir", dir)
	if code != 1 || !strings.Contains(errs, "in use") {
		t.Errorf("rotate beside a running server: exit %d, out %q, err %q", code, out, errs)
	}
	if now, _ := os.ReadFile(keyFile); !bytes.Equal(now, before) {
		t.Error("a refused rotation changed the key file")
	}
	lock.Close()

	code, out, errs = shencha("keys", "rotate-master", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "master key rotated") || !strings.Contains(out, "Rewrapped:1") {
		t.Fatalf("rotate: exit %d, out %q, err %q", code, out, errs)
	}
	after, _ := os.ReadFile(keyFile)
	if bytes.Equal(after, before) {
		t.Error("the key file is unchanged by the rotation")
	}
	if st, _ := os.Stat(keyFile); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode after rotation: %v", st.Mode().Perm())
	}
	if got := readBlob(t, dir, d); !bytes.Equal(got, content) {
		t.Errorf("blob after rotation reads %q", got)
	}
	// Again: a new key again, and the blob still reads.
	code, out, errs = shencha("keys", "rotate-master", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Rewrapped:1") {
		t.Fatalf("second rotation: exit %d, out %q, err %q", code, out, errs)
	}
	if got := readBlob(t, dir, d); !bytes.Equal(got, content) {
		t.Errorf("blob after the second rotation reads %q", got)
	}

	if code, _, errs := shencha("keys", "rotate"); code == 0 || !strings.Contains(errs, "keys rotate-master [--data-dir DIR]") {
		t.Errorf("keys with an unknown subcommand: exit %d, err %q", code, errs)
	}
}

func TestKeysRotateMasterWithoutTheKeyFile(t *testing.T) {
	dir := t.TempDir()
	storeBlob(t, dir, []byte("an encrypted file"))
	keyFile := filepath.Join(dir, "keys", "blob-master.keys")
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	code, out, errs := shencha("keys", "rotate-master", "--data-dir", dir)
	if code != 1 || !strings.Contains(errs, "master key file") || !strings.Contains(errs, "missing") {
		t.Errorf("rotate without the key file: exit %d, out %q, err %q", code, out, errs)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("a fresh master key was created beside files it cannot read: %v", err)
	}
}
