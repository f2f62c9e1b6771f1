package sbom

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// allocated runs f and returns the bytes it allocated (garbage included).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// endless yields a CycloneDX BOM that never ends, n bytes of it, made as
// it is read.
type endless struct {
	n, read int64
	head    []byte
	item    []byte
}

func newEndless(n int64) *endless {
	return &endless{n: n, head: []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`), item: []byte(`{"type":"library","name":"x","version":"1"},`)}
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), e.n-e.read)]
	for i := range p {
		off := e.read + int64(i)
		if off < int64(len(e.head)) {
			p[i] = e.head[off]
		} else {
			p[i] = e.item[(off-int64(len(e.head)))%int64(len(e.item))]
		}
	}
	e.read += int64(len(p))
	return len(p), nil
}

func TestTooLarge(t *testing.T) {
	const fifty = 50 << 20
	t.Run("Default", func(t *testing.T) {
		src := newEndless(fifty)
		var err error
		a := allocated(func() { _, err = Parse(src, DefaultLimits) })
		if !errors.Is(err, ErrTooLarge) || err.Error() != "sbom: larger than 33554432 bytes" {
			t.Fatalf("err = %v", err)
		}
		// Reading stops at the limit; the buffer for an unsized reader
		// grows by doubling, so at most about twice the limit.
		if src.read > DefaultLimits.MaxBytes+64<<10 {
			t.Errorf("read %d bytes of a %d limit", src.read, DefaultLimits.MaxBytes)
		}
		if a > 3*uint64(DefaultLimits.MaxBytes) {
			t.Errorf("allocated %d bytes for a %d limit", a, DefaultLimits.MaxBytes)
		}
	})
	t.Run("SmallLimit", func(t *testing.T) {
		// Memory follows the limit, not the input.
		var err error
		a := allocated(func() { _, err = Parse(newEndless(fifty), Limits{MaxBytes: 1 << 20}) })
		if !errors.Is(err, ErrTooLarge) || err.Error() != "sbom: larger than 1048576 bytes" {
			t.Fatalf("err = %v", err)
		}
		if a > 4<<20 {
			t.Errorf("allocated %d bytes for a 1 MiB limit", a)
		}
	})
	t.Run("Boundary", func(t *testing.T) {
		doc := `{"bomFormat":"CycloneDX","specVersion":"1.4"}`
		lim := Limits{MaxBytes: int64(len(doc))}
		if _, err := Parse(strings.NewReader(doc), lim); err != nil {
			t.Errorf("exactly the limit: %v", err)
		}
		lim.MaxBytes--
		if _, err := Parse(strings.NewReader(doc), lim); !errors.Is(err, ErrTooLarge) {
			t.Errorf("one byte over: %v", err)
		}
		if _, err := ParseVEX(strings.NewReader(doc), lim); !errors.Is(err, ErrTooLarge) {
			t.Errorf("ParseVEX one byte over: %v", err)
		}
	})
}

func nest(open, close string, n int, inner string) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

func TestTooDeep(t *testing.T) {
	const deep = 10_000
	cdxXML := `<bom xmlns="http://cyclonedx.org/schema/bom/1.4">`
	for _, tc := range []struct {
		name string
		doc  string
	}{
		{"JSONBeforeFormat", `{"x":` + nest("[", "]", deep, "") + `,"bomFormat":"CycloneDX"}`},
		{"JSONObjects", nest(`{"a":`, "}", deep, "1")},
		{"JSONUnterminated", `{"bomFormat":"CycloneDX","x":` + strings.Repeat("[", deep)},
		{"CycloneDXComponents", `{"bomFormat":"CycloneDX","components":` + nest(`[{"name":"c","components":`, "}]", deep, "[]") + `}`},
		{"CycloneDXUnknownField", `{"bomFormat":"CycloneDX","metadata":{"x":` + nest("[", "]", deep, "") + `}}`},
		{"SPDXJSON", `{"spdxVersion":"SPDX-2.3","packages":[{"annotations":` + nest("[", "]", deep, "") + `}]}`},
		{"OpenVEX", `{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"x":` + nest("[", "]", deep, "") + `}]}`},
		{"XML", cdxXML + nest("<a>", "</a>", deep, "") + "</bom>"},
		{"XMLUnterminated", cdxXML + strings.Repeat("<a>", deep)},
		{"XMLComponents", cdxXML + nest("<components><component>", "</component></components>", deep, "") + "</bom>"},
		{"XMLSelfClosing", cdxXML + strings.Repeat("<a>", deep) + "<b/>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			a := allocated(func() { _, err = Parse(strings.NewReader(tc.doc), DefaultLimits) })
			if !errors.Is(err, ErrTooDeep) || err.Error() != "sbom: nested deeper than 64 levels" {
				t.Fatalf("err = %v", err)
			}
			// The input is copied once; the parse stops at level 65.
			if a > uint64(len(tc.doc))+256<<10 {
				t.Errorf("allocated %d bytes for a %d-byte input", a, len(tc.doc))
			}
		})
	}
	t.Run("AtTheLimit", func(t *testing.T) {
		lim := Limits{MaxDepth: 8}
		// The top-level object is level 1.
		for _, ok := range []string{
			`{"bomFormat":"CycloneDX","x":` + nest("[", "]", 7, "") + `}`,
			cdxXML + nest("<a>", "</a>", 7, "") + "</bom>",
		} {
			if _, err := Parse(strings.NewReader(ok), lim); err != nil {
				t.Errorf("depth 8: %v", err)
			}
		}
		for _, deep := range []string{
			`{"bomFormat":"CycloneDX","x":` + nest("[", "]", 8, "") + `}`,
			cdxXML + nest("<a>", "</a>", 8, "") + "</bom>",
		} {
			if _, err := Parse(strings.NewReader(deep), lim); !errors.Is(err, ErrTooDeep) || !strings.Contains(err.Error(), "deeper than 8 levels") {
				t.Errorf("depth 9: %v", err)
			}
		}
	})
}

func TestJunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 1<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	for _, tc := range []struct {
		name string
		doc  string
		want error
		msg  string // part of the message
	}{
		{"Empty", "", ErrUnknownFormat, "empty document"},
		{"Space", " \n\t ", ErrUnknownFormat, "empty document"},
		{"Random", string(random), ErrUnknownFormat, "not CycloneDX, SPDX or OpenVEX"},
		{"NUL", "\x00\x01\x02", ErrUnknownFormat, `starts "\x00\x01\x02"`},
		{"Text", "hello world", ErrUnknownFormat, `starts "hello world"`},
		{"JSONArray", "[1,2,3]", ErrUnknownFormat, "not CycloneDX"},
		{"JSONOther", `{"name":"x","version":1}`, ErrUnknownFormat, `"bomFormat"`},
		{"JSONOtherBOMFormat", `{"bomFormat":"SWID"}`, ErrUnknownFormat, `bomFormat "SWID"`},
		{"JSONOpen", "{", ErrInvalid, "unexpected end of input"},
		{"JSONBadValue", `{"bomFormat":"CycloneDX","components":[{"name":}]}`, ErrInvalid, "byte 47"},
		{"JSONTrailing", `{"bomFormat":"CycloneDX"} {}`, ErrInvalid, "data after the top-level value"},
		{"JSONTrailingComma", `{"bomFormat":"CycloneDX","components":[{},]}`, ErrInvalid, "unexpected ']', want an object"},
		{"JSONBadEscape", `{"bomFormat":"CycloneDX","x":"\q"}`, ErrInvalid, "bad escape"},
		{"JSONBadUnicode", `{"bomFormat":"CycloneDX","x":"\u12G4"}`, ErrInvalid, `bad \u escape`},
		{"JSONControl", "{\"bomFormat\":\"CycloneDX\",\"x\":\"a\nb\"}", ErrInvalid, "control character"},
		{"JSONBadNumber", `{"bomFormat":"CycloneDX","x":-}`, ErrInvalid, "want a digit"},
		{"JSONBadLiteral", `{"bomFormat":"CycloneDX","x":nul}`, ErrInvalid, "want null"},
		{"JSONWrongType", `{"bomFormat":"CycloneDX","components":{"name":"x"}}`, ErrInvalid, "want an array"},
		{"JSONStringForObject", `{"bomFormat":"CycloneDX","components":[{"name":{"a":1}}]}`, ErrInvalid, "want a string"},
		{"SPDXJSONTruncated", `{"spdxVersion":"SPDX-2.3","packages":[{"name":"x"`, ErrInvalid, "unexpected end of input"},
		{"XMLOther", `<html><body>hi</body></html>`, ErrUnknownFormat, "<html>"},
		{"XMLWrongNamespace", `<bom xmlns="http://example.com/bom"/>`, ErrUnknownFormat, "not a CycloneDX <bom>"},
		{"XMLOnlyDeclaration", `<?xml version="1.0"?>`, ErrInvalid, "unexpected end of input"},
		{"XMLUnclosed", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>`, ErrInvalid, "unexpected"},
		{"XMLMismatched", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components></metadata></bom>`, ErrInvalid, "invalid XML"},
		{"XMLEntity", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><metadata><timestamp>&xxe;</timestamp></metadata></bom>`, ErrInvalid, "invalid XML"},
		{"XMLTrailing", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"/><bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>`, ErrInvalid, "after </bom>"},
		{"XMLCharset", `<?xml version="1.0" encoding="ISO-8859-1"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>`, ErrInvalid, "ISO-8859-1"},
		{"VEXUnknownState", `{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1","analysis":{"state":"maybe"}}]}`, ErrInvalid, `vulnerability "CVE-1": unknown analysis state "maybe"`},
		{"VEXUnknownStateXML", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><vulnerabilities><vulnerability><id>CVE-1</id><analysis><state>maybe</state></analysis></vulnerability></vulnerabilities></bom>`, ErrInvalid, `unknown analysis state "maybe"`},
		{"VEXNoID", `{"bomFormat":"CycloneDX","vulnerabilities":[{"analysis":{"state":"in_triage"}}]}`, ErrInvalid, "without a vulnerability id"},
		{"OpenVEXNoStatus", `{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"}}]}`, ErrInvalid, `vulnerability "CVE-1": unknown status ""`},
		{"OpenVEXBadStatus", `{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":"CVE-1","status":"fine"}]}`, ErrInvalid, `unknown status "fine"`},
		{"TagValueNoColon", "SPDXVersion: SPDX-2.3\nthis is not a tag\n", ErrInvalid, "line 2"},
		{"TagValueOpenText", "SPDXVersion: SPDX-2.3\nPackageName: x\nPackageComment: <text>never closed\n", ErrInvalid, "line 3: <text> without </text>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			a := allocated(func() { _, err = Parse(strings.NewReader(tc.doc), DefaultLimits) })
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), "sbom: ") || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v; want %v containing %q", err, tc.want, tc.msg)
			}
			if a > uint64(len(tc.doc))+256<<10 {
				t.Errorf("allocated %d bytes for a %d-byte input", a, len(tc.doc))
			}
		})
	}
}

// generate writes a document of n entries of one kind.
func generate(kind string, n int) string {
	var b strings.Builder
	list := func(head, item, sep, tail string) {
		b.WriteString(head)
		for i := range n {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(strings.ReplaceAll(item, "{i}", strconv.Itoa(i)))
		}
		b.WriteString(tail)
	}
	switch kind {
	case "cdx-json":
		list(`{"bomFormat":"CycloneDX","components":[`, `{"bom-ref":"c{i}","name":"c{i}"}`, ",", `]}`)
	case "cdx-json-nested":
		// Each component holds the next.
		b.WriteString(`{"bomFormat":"CycloneDX","components":`)
		b.WriteString(nest(`[{"name":"c","components":`, "}]", n, "[]"))
		b.WriteString(`}`)
	case "cdx-json-subject":
		list(`{"bomFormat":"CycloneDX","metadata":{"component":{"name":"subject"}},"components":[`, `{"name":"c{i}"}`, ",", `]}`)
	case "cdx-xml":
		list(`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>`, `<component type="library"><name>c{i}</name></component>`, "", `</components></bom>`)
	case "cdx-xml-nested":
		b.WriteString(`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component><name>top</name><components>`)
		list("", `<component><name>c{i}</name></component>`, "", "")
		b.WriteString(`</components></component></components></bom>`)
	case "cdx-xml-subject":
		list(`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><metadata><component type="application"><name>s</name></component></metadata><components>`,
			`<component type="library"><name>c{i}</name></component>`, "", `</components></bom>`)
	case "spdx-json":
		list(`{"spdxVersion":"SPDX-2.3","packages":[`, `{"SPDXID":"SPDXRef-{i}","name":"p{i}"}`, ",", `]}`)
	case "spdx-tag-value":
		list("SPDXVersion: SPDX-2.3\n", "PackageName: p{i}\nSPDXID: SPDXRef-{i}\n", "", "")
	case "spdx-relationships":
		list("SPDXVersion: SPDX-2.3\n", "Relationship: SPDXRef-{i} DEPENDS_ON SPDXRef-x\n", "", "")
	case "services":
		list(`{"bomFormat":"CycloneDX","services":[`, `{"name":"s{i}"}`, ",", `]}`)
	case "services-xml":
		list(`<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><services>`, `<service><name>s{i}</name></service>`, "", `</services></bom>`)
	case "dependencies":
		list(`{"bomFormat":"CycloneDX","dependencies":[`, `{"ref":"c{i}","dependsOn":["x"]}`, ",", `]}`)
	case "vulnerabilities":
		list(`{"bomFormat":"CycloneDX","vulnerabilities":[`, `{"id":"CVE-{i}","analysis":{"state":"in_triage"}}`, ",", `]}`)
	case "vulnerabilities-xml":
		list(`<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><vulnerabilities>`, `<vulnerability><id>CVE-{i}</id><analysis><state>in_triage</state></analysis></vulnerability>`, "", `</vulnerabilities></bom>`)
	case "openvex":
		list(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[`, `{"vulnerability":{"name":"CVE-{i}"},"status":"fixed"}`, ",", `]}`)
	}
	return b.String()
}

func TestTooMany(t *testing.T) {
	lim := Limits{MaxDepth: 64, MaxComponents: 10}
	for _, tc := range []struct {
		kind string
		what string
		max  int // entries that still pass
	}{
		{"cdx-json", "components", 10},
		{"cdx-json-nested", "components", 10},
		{"cdx-json-subject", "components", 9}, // the subject counts
		{"cdx-xml", "components", 10},
		{"cdx-xml-subject", "components", 9},
		{"cdx-xml-nested", "components", 9}, // and their parent

		{"spdx-json", "packages", 10},
		{"spdx-tag-value", "packages", 10},
		{"spdx-relationships", "dependency entries", 10},
		{"services", "services", 10},
		{"services-xml", "services", 10},
		{"dependencies", "dependency entries", 10},
		{"vulnerabilities", "vulnerabilities", 10},
		{"vulnerabilities-xml", "vulnerabilities", 10},
		{"openvex", "statements", 10},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			if _, err := Parse(strings.NewReader(generate(tc.kind, tc.max)), lim); err != nil {
				t.Errorf("%d entries: %v", tc.max, err)
			}
			_, err := Parse(strings.NewReader(generate(tc.kind, tc.max+1)), lim)
			if want := "sbom: more than 10 " + tc.what; !errors.Is(err, ErrTooMany) || err.Error() != want {
				t.Errorf("%d entries: %v; want %q", tc.max+1, err, want)
			}
		})
	}
	t.Run("XMLNestedFlood", func(t *testing.T) {
		// The token reader stops a flood inside one entry before the
		// entry is decoded.
		_, err := Parse(strings.NewReader(generate("cdx-xml-nested", 1000)), lim)
		if !errors.Is(err, ErrTooMany) || err.Error() != "sbom: more than 10 components" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("DefaultLimit", func(t *testing.T) {
		// 200,001 components stop the parse; what it kept is bounded by
		// the limit, not the input.
		doc := generate("cdx-json", DefaultLimits.MaxComponents+1)
		var err error
		a := allocated(func() { _, err = Parse(strings.NewReader(doc), DefaultLimits) })
		if !errors.Is(err, ErrTooMany) || err.Error() != "sbom: more than 200000 components" {
			t.Fatalf("err = %v", err)
		}
		t.Logf("%d-byte input, %d bytes allocated", len(doc), a)
	})
}

// What the parsers keep is a small multiple of the input, whatever its
// shape: lists of tiny entries are the worst case.
func TestMemoryFollowsInput(t *testing.T) {
	const size = 1 << 20
	lim := Limits{MaxBytes: 4 << 20, MaxDepth: 64, MaxComponents: DefaultLimits.MaxComponents}
	// Components are the exception: an empty one is a few bytes of input
	// and a Component in the model, so MaxComponents bounds them.
	perComponent := int64(reflect.TypeFor[Component]().Size())
	fill := func(head, item func(i int) string, tail string) string {
		var b strings.Builder
		b.WriteString(head(0))
		for i := 0; b.Len() < size; i++ {
			b.WriteString(item(i))
		}
		b.WriteString(tail)
		return b.String()
	}
	id := func(i int) string { return strconv.FormatInt(int64(i), 36) }
	for _, tc := range []struct {
		name string
		doc  string
	}{
		{"JSONDependsOn", fill(func(int) string { return `{"bomFormat":"CycloneDX","dependencies":[{"ref":"a","dependsOn":["a"` },
			func(i int) string { return `,"` + id(i) + `"` }, `]}]}`)},
		{"JSONHashes", fill(func(int) string {
			return `{"bomFormat":"CycloneDX","components":[{"name":"a","hashes":[{"content":"a"}`
		},
			func(i int) string { return `,{"content":"` + id(i) + `"}` }, `]}]}`)},
		{"JSONComponents", fill(func(int) string { return `{"bomFormat":"CycloneDX","components":[{}` },
			func(i int) string { return `,{"name":"` + id(i) + `"}` }, `]}`)},
		{"XMLHashes", fill(func(int) string {
			return `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component><hashes>`
		},
			func(i int) string { return `<hash>` + id(i) + `</hash>` }, `</hashes></component></components></bom>`)},
		{"XMLComponents", fill(func(int) string { return `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>` },
			func(int) string { return `<component/>` }, `</components></bom>`)},
		{"TagValueRelationships", fill(func(int) string { return "SPDXVersion: SPDX-2.3\n" },
			func(i int) string { return "Relationship: " + id(i) + " DEPENDS_ON b\n" }, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			d, err := Parse(strings.NewReader(tc.doc), lim)
			if err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			runtime.KeepAlive(d)
			t.Logf("%d-byte input keeps %d bytes (%.1fx)", len(tc.doc), live, float64(live)/float64(len(tc.doc)))
			if bound := 8*int64(len(tc.doc)) + int64(len(d.Components))*perComponent; live > bound {
				t.Errorf("a %d-byte input with %d components keeps %d bytes, more than %d", len(tc.doc), len(d.Components), live, bound)
			}
		})
	}
}

// The limits apply to a reader that returns data in tiny pieces too.
func TestOneByteReader(t *testing.T) {
	doc := generate("cdx-json", 20)
	d, err := Parse(&oneByte{r: bytes.NewReader([]byte(doc))}, DefaultLimits)
	if err != nil || len(d.Components) != 20 {
		t.Fatalf("%v, %v", d, err)
	}
	if _, err := Parse(&oneByte{r: bytes.NewReader([]byte(doc))}, Limits{MaxBytes: 100}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v", err)
	}
}

type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// A reader's failure is reported as such.
func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Parse(io.MultiReader(strings.NewReader("{"), &failing{boom}), DefaultLimits)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "sbom: read: ") {
		t.Errorf("err = %v", err)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }
