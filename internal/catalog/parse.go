package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"shencha/internal/review"
)

// Limits on a catalogue file.
const (
	// MaxSize is the largest catalogue file Parse accepts, in bytes.
	MaxSize = 4 << 20
	// MaxCriteria is the most criteria a catalogue may hold.
	MaxCriteria = 2000
	// MaxTitle and MaxText bound a title and a text, in characters.
	MaxTitle = 300
	MaxText  = 5000
	// MinPerCell is the fewest criteria each area × dimension cell needs.
	MinPerCell = 2
)

// Error is a problem with a catalogue: which criterion, which field, what.
// Its message reads "catalog: R2-T-03: methods: unknown method "x"".
type Error struct {
	// Criterion is the criterion's id, or "criteria[i]" for one without a
	// usable id; empty for a problem of the whole catalogue.
	Criterion string
	// Field is the JSON field at fault, e.g. "title.zh" or
	// "references[1].standard"; empty when the problem is not one field's.
	Field   string
	Problem string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("catalog: ")
	if e.Criterion != "" {
		b.WriteString(e.Criterion + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Parse reads a catalogue file strictly (unknown fields and trailing data
// are refused) and validates it.
func Parse(data []byte) (*Catalog, error) {
	if len(data) > MaxSize {
		return nil, &Error{Problem: fmt.Sprintf("input is %d bytes, more than the %d allowed", len(data), MaxSize)}
	}
	// Criteria are decoded one by one so that a decoding error can name
	// the criterion it is in.
	var raw struct {
		Version   string            `json:"version"`
		Published json.RawMessage   `json:"published"`
		Criteria  []json.RawMessage `json:"criteria"`
	}
	if err := decodeStrict(data, &raw); err != nil {
		return nil, decodeError("", err)
	}
	if len(raw.Criteria) > MaxCriteria {
		return nil, &Error{Field: "criteria", Problem: fmt.Sprintf("%d criteria, more than the %d allowed", len(raw.Criteria), MaxCriteria)}
	}
	c := &Catalog{Version: raw.Version, Criteria: make([]Criterion, len(raw.Criteria))}
	if len(raw.Published) > 0 && string(raw.Published) != "null" {
		if err := json.Unmarshal(raw.Published, &c.Published); err != nil {
			return nil, &Error{Field: "published", Problem: err.Error()}
		}
	}
	for i, r := range raw.Criteria {
		if err := decodeStrict(r, &c.Criteria[i]); err != nil {
			var probe struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(r, &probe)
			return nil, decodeError(label(i, probe.ID), err)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// decodeError turns a JSON decoding error into an Error naming the field
// where encoding/json says which.
func decodeError(criterion string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &Error{Criterion: criterion, Field: te.Field, Problem: "want " + te.Type.String() + ", got " + te.Value}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &Error{Criterion: criterion, Field: strings.Trim(name, `"`), Problem: "unknown field"}
	}
	return &Error{Criterion: criterion, Problem: err.Error()}
}

// label names a criterion in an error: its id if it looks like one, else
// its position.
func label(i int, id string) string {
	if idRE.MatchString(id) {
		return id
	}
	return "criteria[" + strconv.Itoa(i) + "]"
}

var (
	idRE      = regexp.MustCompile(`^(R[1-5])-([CTW])-([0-9]{2})$`)
	versionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$`)
)

// Validate checks a catalogue: a version and a publication date; unique,
// well-formed ids that agree with the criterion's area and dimension; both
// languages of every title and text; known, non-repeated methods; a known
// severity; references with a standard and a bilingual title, the same
// title wherever a standard is cited; and at least MinPerCell criteria in
// every area × dimension cell. It reports the first problem found.
func (c *Catalog) Validate() error {
	if strings.TrimSpace(c.Version) == "" {
		return &Error{Field: "version", Problem: "required"}
	}
	if !versionRE.MatchString(c.Version) {
		return &Error{Field: "version", Problem: fmt.Sprintf("malformed %q: want 1-32 of A-Z a-z 0-9 . _ - starting with a letter or digit", c.Version)}
	}
	if c.Published.IsZero() {
		return &Error{Field: "published", Problem: "required"}
	}
	if y := c.Published.Year(); y < 1900 || y > 2999 {
		// The years OSCAL's date-time pattern admits.
		return &Error{Field: "published", Problem: fmt.Sprintf("year %d is outside 1900-2999", y)}
	}
	if len(c.Criteria) == 0 {
		return &Error{Field: "criteria", Problem: "required"}
	}
	if len(c.Criteria) > MaxCriteria {
		return &Error{Field: "criteria", Problem: fmt.Sprintf("%d criteria, more than the %d allowed", len(c.Criteria), MaxCriteria)}
	}
	seen := map[string]bool{}
	cells := map[string]int{}
	type citation struct {
		title Bilingual
		by    string
	}
	standards := map[string]citation{}
	for i, x := range c.Criteria {
		who := label(i, x.ID)
		bad := func(field, format string, args ...any) error {
			return &Error{Criterion: who, Field: field, Problem: fmt.Sprintf(format, args...)}
		}
		if x.ID == "" {
			return bad("id", "required")
		}
		m := idRE.FindStringSubmatch(x.ID)
		if m == nil || m[3] == "00" {
			return bad("id", "malformed %q: want area-dimension-sequence like \"R2-T-03\"", x.ID)
		}
		if seen[x.ID] {
			return bad("id", "duplicate")
		}
		seen[x.ID] = true
		if !x.Area.Known() {
			return bad("area", "unknown area %q", x.Area)
		}
		if string(x.Area) != m[1] {
			return bad("area", "%q does not match the id", x.Area)
		}
		if !x.Dimension.Known() {
			return bad("dimension", "unknown dimension %q", x.Dimension)
		}
		if string(x.Dimension) != m[2] {
			return bad("dimension", "%q does not match the id", x.Dimension)
		}
		for _, f := range []struct {
			field string
			value string
			max   int
		}{
			{"title.zh", x.Title.ZH, MaxTitle}, {"title.en", x.Title.EN, MaxTitle},
			{"text.zh", x.Text.ZH, MaxText}, {"text.en", x.Text.EN, MaxText},
		} {
			if strings.TrimSpace(f.value) == "" {
				return bad(f.field, "required")
			}
			if n := utf8.RuneCountInString(f.value); n > f.max {
				return bad(f.field, "%d characters, more than the %d allowed", n, f.max)
			}
		}
		if len(x.Methods) == 0 {
			return bad("methods", "required")
		}
		for j, meth := range x.Methods {
			if !slices.Contains(review.Methods, meth) {
				return bad("methods", "unknown method %q", meth)
			}
			if slices.Contains(x.Methods[:j], meth) {
				return bad("methods", "method %q listed twice", meth)
			}
		}
		if x.Severity == "" {
			return bad("severity", "required")
		}
		if !slices.Contains(Severities, x.Severity) {
			return bad("severity", "unknown severity %q", x.Severity)
		}
		for j, r := range x.References {
			at := fmt.Sprintf("references[%d]", j)
			switch {
			case strings.TrimSpace(r.Standard) == "":
				return bad(at+".standard", "required")
			case !oneLine(r.Standard):
				return bad(at+".standard", "malformed %q: want one line without leading or trailing space", r.Standard)
			case r.Clause != "" && !oneLine(r.Clause):
				return bad(at+".clause", "malformed %q: want one line without leading or trailing space", r.Clause)
			case strings.TrimSpace(r.Title.ZH) == "":
				return bad(at+".title.zh", "required")
			case strings.TrimSpace(r.Title.EN) == "":
				return bad(at+".title.en", "required")
			}
			if prev, ok := standards[r.Standard]; ok && prev.title != r.Title {
				return bad(at+".title", "differs from the title %s gives for %s", prev.by, r.Standard)
			} else if !ok {
				standards[r.Standard] = citation{r.Title, x.ID}
			}
		}
		cells[m[1]+"-"+m[2]]++
	}
	for _, a := range Areas {
		for _, d := range Dimensions {
			cell := string(a) + "-" + string(d)
			if n := cells[cell]; n < MinPerCell {
				return &Error{Field: "criteria", Problem: fmt.Sprintf("cell %s has %d criteria, at least %d required", cell, n, MinPerCell)}
			}
		}
	}
	return nil
}

// oneLine reports whether s is one line with no space at either end, as
// identifiers and OSCAL's string values must be.
func oneLine(s string) bool {
	return s == strings.TrimSpace(s) && !strings.ContainsAny(s, "\r\n")
}
