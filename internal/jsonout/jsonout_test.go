package jsonout

import (
	"encoding/json"
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
