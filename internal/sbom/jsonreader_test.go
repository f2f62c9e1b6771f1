package sbom

import (
	"errors"
	"strings"
	"testing"
)

func TestJSONReaderStrings(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`"plain"`, "plain"},
		{`""`, ""},
		{`null`, ""},
		{`true`, "true"},
		{`-12.5e+3`, "-12.5e+3"},
		{`0`, "0"},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t"},
		{`"\u00e9\u4e2d"`, "é中"},
		{`"\ud83d\ude00"`, "😀"},              // a surrogate pair
		{`"\ud83d x"`, "\uFFFD x"},           // a lone high half
		{`"\ude00"`, "\uFFFD"},               // a lone low half
		{`"\ud83d\u0041"`, "\uFFFDA"},        // a high half and a non-surrogate
		{"\"\xff\xfeok\"", "\uFFFDok"},       // a run of invalid UTF-8 becomes one U+FFFD
		{"\"pkg:npm/a@1 \"", "pkg:npm/a@1 "}, // str keeps spaces; the model trims
		{`"审查 \u5ba1\u67e5"`, "审查 审查"},
	} {
		r := newJSONReader([]byte(tc.in), 8)
		got, err := r.str()
		if err == nil {
			err = r.end()
		}
		if err != nil || got != tc.want {
			t.Errorf("str(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestJSONReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		in, msg string
	}{
		{`"abc`, "unterminated string"},
		{`"abc\`, "unterminated string"},
		{`"\u12"`, `bad \u escape`},
		{`"\x"`, "bad escape"},
		{"\"a\tb\"", "control character"},
		{`01`, "data after the top-level value"},
		{`1.`, "want a digit"},
		{`1e`, "want a digit"},
		{`-`, "want a digit"},
		{`tru`, "want true"},
		{`{"a":1,}`, "want a member name"},
		{`{"a" 1}`, "want ':'"},
		{`{"a":1 "b":2}`, "want ',' or '}'"},
		{`[1 2]`, "want ',' or ']'"},
		{`[1,]`, "want a value"},
		{`{`, "unexpected end of input"},
		{``, "unexpected end of input"},
	} {
		r := newJSONReader([]byte(tc.in), 8)
		err := r.skip()
		if err == nil {
			err = r.end()
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("skip(%s) = %v; want %q", tc.in, err, tc.msg)
		}
	}
}

func TestJSONReaderSkip(t *testing.T) {
	in := `{"a":[1,-2.5e10,true,false,null,"s\"",{"b":{}},[]],"c":{"d":[[[]]]}}`
	r := newJSONReader([]byte(in), 5)
	if err := r.skip(); err != nil || r.end() != nil {
		t.Errorf("skip: %v", err)
	}
	r = newJSONReader([]byte(in), 4)
	if err := r.skip(); !errors.Is(err, ErrTooDeep) {
		t.Errorf("skip at depth 4: %v", err)
	}
	// Keys with escapes compare by their value.
	r = newJSONReader([]byte(`{"n\u0061me":"x","a\"b":1}`), 4)
	var keys []string
	err := r.object(func(key []byte) error {
		keys = append(keys, string(key))
		return r.skip()
	})
	if err != nil || strings.Join(keys, ",") != `name,a"b` {
		t.Errorf("keys %q, %v", keys, err)
	}
}

func TestJSONReaderStrs(t *testing.T) {
	r := newJSONReader([]byte(`["a","",null,"b"]`), 4)
	got, err := r.strs()
	if err != nil || strings.Join(got, ",") != "a,b" {
		t.Errorf("strs = %q, %v", got, err)
	}
	r = newJSONReader([]byte(`"lone"`), 4)
	if got, err := r.strs(); err != nil || len(got) != 1 || got[0] != "lone" {
		t.Errorf("lone string = %q, %v", got, err)
	}
	r = newJSONReader([]byte(`{"a":1}`), 4)
	if _, err := r.strs(); !errors.Is(err, ErrInvalid) {
		t.Errorf("strs(object) = %v", err)
	}
}
