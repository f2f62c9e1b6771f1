package blob

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyFileLines returns the key lines of the key file at p (comments and
// blank lines dropped), each split into id and base64 key.
func keyFileLines(t testing.TB, p string) [][2]string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][2]string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) != 2 {
			t.Fatalf("key file line %q has %d fields", l, len(f))
		}
		lines = append(lines, [2]string{f[0], f[1]})
	}
	return lines
}

func TestOpenKeyringCreates(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "blob-master.keys")
	kr, err := OpenKeyring(p)
	if err != nil {
		t.Fatalf("OpenKeyring of a missing file: %v", err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("new key file mode = %04o, want 0600", perm)
	}
	lines := keyFileLines(t, p)
	if len(lines) != 1 || lines[0][0] != "00000001" {
		t.Fatalf("new key file holds %v, want one key with id 00000001", lines)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[0][1])
	if err != nil || len(raw) != 32 {
		t.Fatalf("new key is not 32 bytes of base64: %d bytes, %v", len(raw), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key file", len(entries))
	}

	// Reopening reads the same key rather than making another.
	again, err := OpenKeyring(p)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	if len(again.keys) != 1 || again.keys[0].raw != kr.keys[0].raw || again.keys[0].id != 1 {
		t.Errorf("reopened keyring differs from the one created")
	}
	// Two fresh keyrings never share a key.
	other, _ := newKeyring(t)
	if other.keys[0].raw == kr.keys[0].raw {
		t.Errorf("two new keyrings got the same key")
	}
}

func TestOpenKeyringRefusesLooseMode(t *testing.T) {
	tests := []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true},
		{0o400, true},
		{0o644, false},
		{0o640, false},
		{0o604, false},
		{0o620, false},
		{0o660, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%04o", tt.mode), func(t *testing.T) {
			_, p := newKeyring(t)
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := OpenKeyring(p)
			if tt.ok {
				if err != nil {
					t.Fatalf("OpenKeyring = %v, want success", err)
				}
				return
			}
			if err == nil {
				t.Fatal("OpenKeyring succeeded")
			}
			if want := fmt.Sprintf("%04o", tt.mode); !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name the file and its mode %s", err, want)
			}
		})
	}
}

func TestOpenKeyringParse(t *testing.T) {
	const (
		k1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="     // 0..31
		k2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="     // 32..63
		kS = "AAECAwQFBgcICQoLDA0ODw=="                         // 16 bytes
		kU = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"      // unpadded
		kB = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=!!!!" // junk
	)
	tests := []struct {
		name    string
		file    string
		ids     []uint32 // nil: an error is expected
		errPart string   // in the error
	}{
		{"one key", "00000001 " + k1 + "\n", []uint32{1}, ""},
		{"comments, blanks, spaces, no final newline",
			"# master keys\n\n  # indented comment\n0000000a\t" + k1 + "  \n\n0000000b " + k2,
			[]uint32{10, 11}, ""},
		{"ids need not be consecutive", "00000001 " + k1 + "\n00000007 " + k2 + "\n", []uint32{1, 7}, ""},

		{"empty file", "", nil, "no keys"},
		{"comments only", "# nothing here\n", nil, "no keys"},
		{"one field", "00000001\n", nil, "line 1"},
		{"three fields", "00000001 " + k1 + " extra\n", nil, "line 1"},
		{"short id", "# c\n0000001 " + k1 + "\n", nil, "line 2"},
		{"uppercase id", "0000000A " + k1 + "\n", nil, "line 1"},
		{"non-hex id", "0000000g " + k1 + "\n", nil, "line 1"},
		{"short key", "00000001 " + kS + "\n", nil, "line 1"},
		{"unpadded base64", "00000001 " + kU + "\n", nil, "line 1"},
		{"bad base64", "00000001 " + kB + "\n", nil, "line 1"},
		{"duplicate id", "00000001 " + k1 + "\n00000001 " + k2 + "\n", nil, "line 2"},
		{"decreasing ids", "00000002 " + k1 + "\n00000001 " + k2 + "\n", nil, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeKeyFile(t, tt.file)
			kr, err := OpenKeyring(p)
			if tt.ids == nil {
				if err == nil {
					t.Fatal("OpenKeyring succeeded")
				}
				if !strings.Contains(err.Error(), tt.errPart) || !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not mention %q and the file", err, tt.errPart)
				}
				for _, k := range []string{k1, k2, kS, kU} {
					if strings.Contains(err.Error(), k) {
						t.Errorf("error %q quotes key material", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenKeyring: %v", err)
			}
			var ids []uint32
			for _, k := range kr.keys {
				ids = append(ids, k.id)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.ids) {
				t.Errorf("key ids = %v, want %v", ids, tt.ids)
			}
			if kr.current().id != tt.ids[len(tt.ids)-1] {
				t.Errorf("current key = %08x, want the last", kr.current().id)
			}
		})
	}
}

func TestOpenKeyringNotAFile(t *testing.T) {
	if _, err := OpenKeyring(""); err == nil {
		t.Error(`OpenKeyring("") succeeded`)
	}
	if _, err := OpenKeyring(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("OpenKeyring(directory) = %v, want a not-a-regular-file error", err)
	}
	missingDir := filepath.Join(t.TempDir(), "absent", "blob-master.keys")
	if _, err := OpenKeyring(missingDir); err == nil {
		t.Error("OpenKeyring in a missing directory succeeded")
	}
}
