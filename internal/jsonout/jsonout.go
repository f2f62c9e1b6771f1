// Package jsonout appends JSON values to a byte slice exactly as
// encoding/json writes them (HTML characters escaped, as json.Marshal
// does), for the few answers served so often that reflection is most of
// their cost. Its tests compare every function with encoding/json.
package jsonout

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// String appends s as a JSON string. Runs of characters that need no
// escape are copied whole.
func String(b []byte, s string) []byte {
	start := len(b)
	b = append(b, '"')
	run := 0 // the start of the run not yet copied
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
				return slow(b[:start], s)
			}
			i += n
			continue
		}
		if plain[c] {
			i++
			continue
		}
		b = append(b, s[run:i]...)
		switch c {
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		case '"', '\\':
			b = append(b, '\\', c)
		default:
			return slow(b[:start], s)
		}
		i++
		run = i
	}
	b = append(b, s[run:]...)
	return append(b, '"')
}

// plain marks the ASCII characters written as they are.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// slow leaves the rarer escapes (other control characters, HTML
// characters, invalid UTF-8, U+2028 and U+2029) to encoding/json.
func slow(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// Field appends a member's name and colon, after a comma unless it is the
// object's first; name must need no escaping.
func Field(b []byte, name string) []byte {
	if c := b[len(b)-1]; c != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// Int appends an integer.
func Int(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// Bool appends true or false.
func Bool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// Bytes appends a []byte as encoding/json does: a standard base64 string,
// null for nil.
func Bytes(b []byte, p []byte) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = Base64(b, p)
	return append(b, '"')
}

// Time appends a time as its MarshalJSON does (RFC 3339 with nanoseconds),
// falling back to it for years it refuses.
func Time(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		q, _ := json.Marshal(t)
		return append(b, q...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// Value appends any value through encoding/json, for the rare parts of an
// answer not worth writing by hand.
func Value(b []byte, v any) []byte {
	q, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, q...)
}
