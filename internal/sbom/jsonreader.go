package sbom

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader is a pull parser over a whole JSON text. The format readers
// walk it with object, array and the scalar readers, keeping only the
// fields they need and skipping the rest.
//
// It exists instead of encoding/json for bounds: nesting is counted as it
// is entered (encoding/json accepts 10,000 levels), lists are counted as
// they grow, and nothing is materialised that the model does not keep, so
// memory follows the model and not the input's shape.
type jsonReader struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	buf      []byte // scratch for unescaping keys
}

func newJSONReader(data []byte, maxDepth int) *jsonReader {
	return &jsonReader{data: data, maxDepth: maxDepth}
}

func (r *jsonReader) syntax(msg string) error {
	return &limitError{ErrInvalid, fmt.Sprintf("sbom: invalid JSON at byte %d: %s", r.pos, msg)}
}

// next skips white space and returns the next byte, 0 at the end.
func (r *jsonReader) next() byte {
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; c {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return c
		}
	}
	return 0
}

// end checks that only white space follows the top-level value.
func (r *jsonReader) end() error {
	if r.next() != 0 {
		return r.syntax("data after the top-level value")
	}
	return nil
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > r.maxDepth {
		return tooDeep(r.maxDepth)
	}
	return nil
}

// object calls fn for each member of an object (or not at all for null).
// fn must consume the member's value; key is valid only until then.
func (r *jsonReader) object(fn func(key []byte) error) error {
	switch r.next() {
	case '{':
	case 'n':
		return r.literal("null")
	default:
		return r.unexpected("an object")
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.pos++
	if r.next() == '}' {
		r.pos++
		r.depth--
		return nil
	}
	for {
		if r.next() != '"' {
			return r.unexpected("a member name")
		}
		key, err := r.rawString()
		if err != nil {
			return err
		}
		if r.next() != ':' {
			return r.unexpected("':'")
		}
		r.pos++
		if err := fn(key); err != nil {
			return err
		}
		switch r.next() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			r.depth--
			return nil
		default:
			return r.unexpected("',' or '}'")
		}
	}
}

// array calls fn for each element of an array (or not at all for null);
// fn must consume the element.
func (r *jsonReader) array(fn func() error) error {
	switch r.next() {
	case '[':
	case 'n':
		return r.literal("null")
	default:
		return r.unexpected("an array")
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.pos++
	if r.next() == ']' {
		r.pos++
		r.depth--
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch r.next() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			r.depth--
			return nil
		default:
			return r.unexpected("',' or ']'")
		}
	}
}

// skip consumes one value of any type, checking it as it goes.
// document reads a document's top-level object and checks that nothing
// but whitespace follows it.
func (r *jsonReader) document(fn func(key []byte) error) error {
	if err := r.object(fn); err != nil {
		return err
	}
	return r.end()
}

// field names a string member of an object and where its value goes.
type field struct {
	key string
	dst *string
}

// fields reads an object of which only some string members matter,
// skipping the rest.
func (r *jsonReader) fields(fs ...field) error {
	return r.object(func(key []byte) error {
		for _, f := range fs {
			if string(key) == f.key {
				var err error
				*f.dst, err = r.str()
				return err
			}
		}
		return r.skip()
	})
}

func (r *jsonReader) skip() error {
	switch c := r.next(); {
	case c == '{':
		return r.object(func([]byte) error { return r.skip() })
	case c == '[':
		return r.array(r.skip)
	case c == '"':
		_, err := r.rawString()
		return err
	default:
		_, err := r.scalar()
		return err
	}
}

// str reads a string; a number or boolean gives its literal text and null
// gives "". Text that is not valid UTF-8 has the bad bytes replaced.
func (r *jsonReader) str() (string, error) {
	if r.next() == '"' {
		b, err := r.rawString()
		if err != nil {
			return "", err
		}
		if !utf8.Valid(b) {
			return strings.ToValidUTF8(string(b), "\uFFFD"), nil
		}
		return string(b), nil
	}
	return r.scalar()
}

// strs reads an array of strings, dropping empty ones. A lone string is
// read as a list of one, as some producers write it.
func (r *jsonReader) strs() ([]string, error) {
	if c := r.next(); c != '[' {
		if c == '{' {
			return nil, r.unexpected("a string or an array of strings")
		}
		s, err := r.str()
		if err != nil || s == "" {
			return nil, err
		}
		return []string{s}, nil
	}
	var out []string
	err := r.array(func() error {
		s, err := r.str()
		if err != nil || s == "" {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// boolean reads true or false (also as strings); null or anything else
// scalar is nil.
func (r *jsonReader) boolean() (*bool, error) {
	s, err := r.str()
	if err != nil {
		return nil, err
	}
	switch s {
	case "true":
		t := true
		return &t, nil
	case "false":
		f := false
		return &f, nil
	}
	return nil, nil
}

// scalar reads a number, true, false or null and returns its text (""
// for null).
func (r *jsonReader) scalar() (string, error) {
	switch c := r.next(); {
	case c == 't':
		return "true", r.literal("true")
	case c == 'f':
		return "false", r.literal("false")
	case c == 'n':
		return "", r.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	case c == '{' || c == '[':
		return "", r.unexpected("a string")
	}
	return "", r.unexpected("a value")
}

func (r *jsonReader) unexpected(want string) error {
	if r.pos >= len(r.data) {
		return r.syntax("unexpected end of input, want " + want)
	}
	return r.syntax(fmt.Sprintf("unexpected %q, want %s", r.data[r.pos], want))
}

func (r *jsonReader) literal(lit string) error {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		return r.unexpected(lit)
	}
	r.pos += len(lit)
	return nil
}

// number reads a number as JSON spells it and returns its text.
func (r *jsonReader) number() (string, error) {
	start := r.pos
	p := r.pos
	d := r.data
	digits := func() bool {
		q := p
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
		return p > q
	}
	if p < len(d) && d[p] == '-' {
		p++
	}
	if p < len(d) && d[p] == '0' {
		p++
	} else if !digits() {
		r.pos = p
		return "", r.unexpected("a digit")
	}
	if p < len(d) && d[p] == '.' {
		p++
		if !digits() {
			r.pos = p
			return "", r.unexpected("a digit")
		}
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		if !digits() {
			r.pos = p
			return "", r.unexpected("a digit")
		}
	}
	r.pos = p
	return string(d[start:p]), nil
}

// rawString reads a string at r.pos (which is '"') and returns its
// unescaped bytes: a view of the input when there are no escapes, else of
// r.buf. Either is valid only until the next read.
func (r *jsonReader) rawString() ([]byte, error) {
	d := r.data
	start := r.pos + 1
	p := start
	for p < len(d) {
		c := d[p]
		switch {
		case c == '"':
			r.pos = p + 1
			return d[start:p], nil
		case c == '\\':
			return r.escapedString(start, p)
		case c < 0x20:
			r.pos = p
			return nil, r.syntax("control character in string")
		}
		p++
	}
	r.pos = p
	return nil, r.syntax("unterminated string")
}

// escapedString continues rawString from the first backslash at p.
func (r *jsonReader) escapedString(start, p int) ([]byte, error) {
	d := r.data
	b := append(r.buf[:0], d[start:p]...)
	for p < len(d) {
		c := d[p]
		switch {
		case c == '"':
			r.pos = p + 1
			r.buf = b
			return b, nil
		case c < 0x20:
			r.pos = p
			return nil, r.syntax("control character in string")
		case c != '\\':
			b = append(b, c)
			p++
			continue
		}
		if p+1 >= len(d) {
			break
		}
		p++
		switch d[p] {
		case '"', '\\', '/':
			b = append(b, d[p])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r1, ok := hex4(d, p+1)
			if !ok {
				r.pos = p
				return nil, r.syntax("bad \\u escape")
			}
			p += 4
			if utf16.IsSurrogate(r1) {
				// A pair is two escapes; a lone half becomes U+FFFD.
				if r2, ok := hex4(d, p+3); ok && p+2 < len(d) && d[p+1] == '\\' && d[p+2] == 'u' {
					if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
						r1 = dec
						p += 6
					} else {
						r1 = utf8.RuneError
					}
				} else {
					r1 = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r1)
		default:
			r.pos = p
			return nil, r.syntax("bad escape")
		}
		p++
	}
	r.pos = p
	return nil, r.syntax("unterminated string")
}

// hex4 reads four hex digits at d[p:].
func hex4(d []byte, p int) (rune, bool) {
	if p < 0 || p+4 > len(d) {
		return 0, false
	}
	var v rune
	for _, c := range d[p : p+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | rune(c)
	}
	return v, true
}

// hashes reads an array of {algKey: …, valueKey: …} objects (CycloneDX
// hashes, SPDX checksums) and appends the normalised hashes to into.
func (r *jsonReader) hashes(algKey, valueKey string, into []Hash) ([]Hash, error) {
	err := r.array(func() error {
		var alg, val string
		err := r.object(func(key []byte) error {
			var err error
			switch string(key) {
			case algKey:
				alg, err = r.str()
			case valueKey:
				val, err = r.str()
			default:
				err = r.skip()
			}
			return err
		})
		if val != "" {
			into = append(into, normHash(alg, val))
		}
		return err
	})
	return into, err
}
