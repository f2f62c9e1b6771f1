package catalog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// mutated returns the embedded catalogue file changed by edit, working on
// its generic JSON form so that any field can be broken.
func mutated(t *testing.T, edit func(doc map[string]any, crit []any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(DefaultJSON(), &doc); err != nil {
		t.Fatal(err)
	}
	crit := doc["criteria"].([]any)
	edit(doc, crit)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func field(crit []any, i int) map[string]any { return crit[i].(map[string]any) }

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(doc map[string]any, crit []any)
		raw  []byte // used instead of edit when set
		want string
	}{
		{name: "TooLarge", raw: bytes.Repeat([]byte(" "), MaxSize+1),
			want: "catalog: input is 4194305 bytes, more than the 4194304 allowed"},
		{name: "NotJSON", raw: []byte(`{"version":`), want: "catalog: unexpected EOF"},
		{name: "TrailingData", raw: append(DefaultJSON(), `{}`...), want: "catalog: trailing data after the JSON value"},
		{name: "UnknownTopField", edit: func(doc map[string]any, _ []any) { doc["colour"] = "red" },
			want: "catalog: colour: unknown field"},
		{name: "UnknownCriterionField", edit: func(_ map[string]any, c []any) { field(c, 0)["colour"] = "red" },
			want: "catalog: R1-C-01: colour: unknown field"},
		{name: "UnknownFieldNoID", edit: func(_ map[string]any, c []any) { field(c, 3)["id"] = "x"; field(c, 3)["colour"] = "red" },
			want: "catalog: criteria[3]: colour: unknown field"},
		{name: "WrongType", edit: func(_ map[string]any, c []any) { field(c, 2)["methods"] = "lab_testing" },
			want: "catalog: R1-C-03: methods: want []review.Method, got string"},
		{name: "VersionRequired", edit: func(doc map[string]any, _ []any) { delete(doc, "version") },
			want: "catalog: version: required"},
		{name: "VersionMalformed", edit: func(doc map[string]any, _ []any) { doc["version"] = "2026 1" },
			want: `catalog: version: malformed "2026 1"`},
		{name: "PublishedRequired", edit: func(doc map[string]any, _ []any) { delete(doc, "published") },
			want: "catalog: published: required"},
		{name: "PublishedMalformed", edit: func(doc map[string]any, _ []any) { doc["published"] = "15/01/2026" },
			want: `catalog: published: want a date YYYY-MM-DD, got "15/01/2026"`},
		{name: "PublishedOutOfRange", edit: func(doc map[string]any, _ []any) { doc["published"] = "1815-06-18" },
			want: "catalog: published: year 1815 is outside 1900-2999"},
		{name: "CriteriaRequired", edit: func(doc map[string]any, _ []any) { doc["criteria"] = []any{} },
			want: "catalog: criteria: required"},
		{name: "IDRequired", edit: func(_ map[string]any, c []any) { delete(field(c, 4), "id") },
			want: "catalog: criteria[4]: id: required"},
		{name: "IDMalformed", edit: func(_ map[string]any, c []any) { field(c, 0)["id"] = "R6-C-01" },
			want: `catalog: criteria[0]: id: malformed "R6-C-01": want area-dimension-sequence like "R2-T-03"`},
		{name: "IDSequenceZero", edit: func(_ map[string]any, c []any) { field(c, 0)["id"] = "R1-C-00" },
			want: `catalog: R1-C-00: id: malformed "R1-C-00"`},
		{name: "IDDuplicate", edit: func(_ map[string]any, c []any) { field(c, 1)["id"] = "R1-C-01" },
			want: "catalog: R1-C-01: id: duplicate"},
		{name: "AreaUnknown", edit: func(_ map[string]any, c []any) { field(c, 0)["area"] = "R9" },
			want: `catalog: R1-C-01: area: unknown area "R9"`},
		{name: "AreaMismatch", edit: func(_ map[string]any, c []any) { field(c, 0)["area"] = "R2" },
			want: `catalog: R1-C-01: area: "R2" does not match the id`},
		{name: "DimensionUnknown", edit: func(_ map[string]any, c []any) { field(c, 0)["dimension"] = "X" },
			want: `catalog: R1-C-01: dimension: unknown dimension "X"`},
		{name: "DimensionMismatch", edit: func(_ map[string]any, c []any) { field(c, 0)["dimension"] = "T" },
			want: `catalog: R1-C-01: dimension: "T" does not match the id`},
		{name: "TitleZHRequired", edit: func(_ map[string]any, c []any) { field(c, 0)["title"].(map[string]any)["zh"] = " " },
			want: "catalog: R1-C-01: title.zh: required"},
		{name: "TitleENRequired", edit: func(_ map[string]any, c []any) { delete(field(c, 0)["title"].(map[string]any), "en") },
			want: "catalog: R1-C-01: title.en: required"},
		{name: "TextZHRequired", edit: func(_ map[string]any, c []any) { field(c, 5)["text"].(map[string]any)["zh"] = "" },
			want: "catalog: R1-T-02: text.zh: required"},
		{name: "TextENRequired", edit: func(_ map[string]any, c []any) { delete(field(c, 5), "text") },
			want: "catalog: R1-T-02: text.zh: required"},
		{name: "TitleTooLong", edit: func(_ map[string]any, c []any) {
			field(c, 0)["title"].(map[string]any)["zh"] = strings.Repeat("审", MaxTitle+1)
		}, want: "catalog: R1-C-01: title.zh: 301 characters, more than the 300 allowed"},
		{name: "MethodsRequired", edit: func(_ map[string]any, c []any) { field(c, 0)["methods"] = []any{} },
			want: "catalog: R1-C-01: methods: required"},
		{name: "MethodUnknown", edit: func(_ map[string]any, c []any) { field(c, 0)["methods"] = []any{"lab_testing", "x"} },
			want: `catalog: R1-C-01: methods: unknown method "x"`},
		{name: "MethodTwice", edit: func(_ map[string]any, c []any) { field(c, 0)["methods"] = []any{"lab_testing", "lab_testing"} },
			want: `catalog: R1-C-01: methods: method "lab_testing" listed twice`},
		{name: "SeverityRequired", edit: func(_ map[string]any, c []any) { delete(field(c, 0), "severity") },
			want: "catalog: R1-C-01: severity: required"},
		{name: "SeverityUnknown", edit: func(_ map[string]any, c []any) { field(c, 0)["severity"] = "severe" },
			want: `catalog: R1-C-01: severity: unknown severity "severe"`},
		{name: "ReferenceStandardRequired", edit: func(_ map[string]any, c []any) {
			field(c, 0)["references"].([]any)[1].(map[string]any)["standard"] = ""
		}, want: "catalog: R1-C-01: references[1].standard: required"},
		{name: "ReferenceStandardSpaces", edit: func(_ map[string]any, c []any) {
			field(c, 0)["references"].([]any)[0].(map[string]any)["standard"] = "GB 40050-2021 "
		}, want: `catalog: R1-C-01: references[0].standard: malformed "GB 40050-2021 "`},
		{name: "ReferenceClauseTwoLines", edit: func(_ map[string]any, c []any) {
			field(c, 0)["references"].([]any)[0].(map[string]any)["clause"] = "5.1\n5.2"
		}, want: `catalog: R1-C-01: references[0].clause: malformed "5.1\n5.2"`},
		{name: "ReferenceTitleRequired", edit: func(_ map[string]any, c []any) {
			delete(field(c, 0)["references"].([]any)[0].(map[string]any)["title"].(map[string]any), "en")
		}, want: "catalog: R1-C-01: references[0].title.en: required"},
		{name: "ReferenceTitleDiffers", edit: func(_ map[string]any, c []any) {
			field(c, 1)["references"].([]any)[0].(map[string]any)["title"].(map[string]any)["en"] = "Something else"
		}, want: "catalog: R1-C-02: references[0].title: differs from the title R1-C-01 gives for GB 40050-2021"},
		{name: "CellTooSmall", edit: func(doc map[string]any, c []any) {
			var keep []any
			for _, x := range c {
				if id := x.(map[string]any)["id"].(string); id != "R4-T-01" && id != "R4-T-02" {
					keep = append(keep, x)
				}
			}
			doc["criteria"] = keep
		}, want: "catalog: criteria: cell R4-T has 1 criteria, at least 2 required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.raw
			if data == nil {
				data = mutated(t, tc.edit)
			}
			c, err := Parse(data)
			if err == nil {
				t.Fatalf("Parse accepted it: %d criteria", len(c.Criteria))
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseOK(t *testing.T) {
	t.Run("Untouched", func(t *testing.T) {
		if _, err := Parse(mutated(t, func(map[string]any, []any) {})); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ClauseKept", func(t *testing.T) {
		c, err := Parse(mutated(t, func(_ map[string]any, c []any) {
			field(c, 0)["references"].([]any)[0].(map[string]any)["clause"] = "5.1"
		}))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Criteria[0].References[0].Clause; got != "5.1" {
			t.Errorf("clause = %q", got)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		// What the API serves (the Catalog marshalled) loads again unchanged.
		b, err := json.Marshal(Default())
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(c)
		if !bytes.Equal(b, b2) {
			t.Error("marshal → parse → marshal changed the catalogue")
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add(DefaultJSON())
	f.Add([]byte(`{"version":"1","published":"2026-01-01","criteria":[{"id":"R1-C-01"}]}`))
	f.Add([]byte(`{"version":"1","published":"2026-02-30"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "catalog: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed catalogue does not validate: %v", err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(b); err != nil {
			t.Fatalf("re-parse of a parsed catalogue: %v", err)
		}
	})
}
