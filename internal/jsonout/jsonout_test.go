package jsonout

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func same(t *testing.T, got []byte, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("%#v: got %s, encoding/json %s", v, got, want)
	}
}

func TestString(t *testing.T) {
	for _, s := range []string{"", "plain", "payload+/=", `quote"`, `back\slash`, "<a>&b", "tab\tnew\nline", "\x00\x1f", "中文 审查",
		"bad \xff utf8", "line\u2028sep\u2029", "emoji 😀"} {
		same(t, String(nil, s), s)
	}
}

func FuzzString(f *testing.F) {
	f.Add("x<y>&\"\\\n\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) { same(t, String(nil, s), s) })
}

func TestValues(t *testing.T) {
	same(t, Int(nil, -42), -42)
	same(t, Bool(nil, true), true)
	same(t, Bytes(nil, nil), []byte(nil))
	same(t, Bytes(nil, []byte{}), []byte{})
	same(t, Bytes(nil, []byte{0, 1, 2, 250, 251, 252, 253}), []byte{0, 1, 2, 250, 251, 252, 253})
	for _, tm := range []time.Time{time.Date(2026, 3, 2, 9, 4, 5, 120000, time.UTC), time.Date(2026, 3, 2, 9, 4, 5, 0, time.FixedZone("CST", 8*3600)), {}} {
		same(t, Time(nil, tm), tm)
	}
	same(t, Value(nil, map[string]string{"b": "1", "a": "<"}), map[string]string{"b": "1", "a": "<"})
	if got := string(Field(Field([]byte("{"), "a"), "b")); got != `{"a":,"b":` {
		t.Fatalf("fields: %s", got)
	}
}

func TestBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 300 {
		for range 20 {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			prefix := []byte("x")
			got := Base64(prefix, src)
			want := base64.StdEncoding.AppendEncode([]byte("x"), src)
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bytes %x: %q, want %q", n, src, got, want)
			}
		}
	}
}

func FuzzBase64(f *testing.F) {
	f.Add([]byte("shencha"), []byte{})
	f.Add([]byte{0xff, 0xfe, 0xfd, 0, 1, 2, 3, 4, 5}, []byte("pre"))
	f.Fuzz(func(t *testing.T, src, prefix []byte) {
		got := Base64(slices.Clone(prefix), src)
		want := base64.StdEncoding.AppendEncode(slices.Clone(prefix), src)
		if !bytes.Equal(got, want) {
			t.Fatalf("%x: %q, want %q", src, got, want)
		}
	})
}

func BenchmarkBase64(b *testing.B) {
	src := make([]byte, 1900) // about a statement
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]byte, 0, 4096)
	b.Run("jsonout", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			dst = Base64(dst[:0], src)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			dst = base64.StdEncoding.AppendEncode(dst[:0], src)
		}
	})
}
