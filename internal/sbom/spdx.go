package sbom

import (
	"bytes"
	"fmt"
	"strings"
)

// spdxBuilder collects what the SPDX JSON and tag-value readers find.
// Relationships are normalised once every element is known.
type spdxBuilder struct {
	lim       Limits
	doc       Document
	docName   string
	created   string
	describes []string
	rels      []spdxRel
	// nonComponents are the ids of files and snippets: relationships to
	// them are not dependencies between components.
	nonComponents map[string]bool
}

type spdxRel struct{ a, typ, b string }

func newSPDXBuilder(format Format, lim Limits) *spdxBuilder {
	return &spdxBuilder{lim: lim, doc: Document{Format: format}, nonComponents: map[string]bool{}}
}

func (b *spdxBuilder) addPackage(c Component) error {
	if len(b.doc.Components) >= b.lim.MaxComponents {
		return tooMany(b.lim.MaxComponents, "packages")
	}
	c.Ref = strings.TrimSpace(c.Ref)
	c.Name = strings.TrimSpace(c.Name)
	c.Version = noAssertion(c.Version)
	c.Supplier = spdxEntity(c.Supplier)
	c.PURL = strings.TrimSpace(c.PURL)
	c.CPE = strings.TrimSpace(c.CPE)
	c.Type = strings.ToLower(strings.TrimSpace(c.Type))
	switch c.Type {
	case "device", "firmware":
		c.Hardware = true
	}
	c.Licenses = uniq(c.Licenses)
	b.doc.Components = append(b.doc.Components, c)
	return nil
}

// externalRef applies one package external reference.
func externalRef(c *Component, category, typ, locator string) {
	locator = strings.TrimSpace(locator)
	cat := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(category), "_", "-"))
	switch strings.TrimSpace(typ) {
	case "purl":
		if cat == "PACKAGE-MANAGER" && c.PURL == "" {
			c.PURL = locator
		}
	case "cpe23Type":
		c.CPE = locator // preferred over cpe22Type
	case "cpe22Type":
		if c.CPE == "" {
			c.CPE = locator
		}
	case "swid":
		if c.SWID == "" {
			c.SWID = locator
		}
	}
}

// License values that say nothing.
func noAssertion(s string) string {
	s = strings.TrimSpace(s)
	switch s {
	case "NOASSERTION", "NONE":
		return ""
	}
	return s
}

// spdxEntity drops the "Organization: " or "Person: " type from a
// supplier.
func spdxEntity(s string) string {
	s = noAssertion(s)
	for _, p := range []string{"Organization:", "Person:", "Tool:"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return strings.TrimSpace(rest)
		}
	}
	return s
}

// relationship types that mean "a depends on b" and "b depends on a".
var (
	spdxForward = map[string]bool{
		"DEPENDS_ON": true, "CONTAINS": true, "DYNAMIC_LINK": true, "STATIC_LINK": true, "HAS_PREREQUISITE": true,
	}
	spdxReverse = map[string]bool{
		"DEPENDENCY_OF": true, "CONTAINED_BY": true, "BUILD_DEPENDENCY_OF": true, "DEV_DEPENDENCY_OF": true,
		"OPTIONAL_DEPENDENCY_OF": true, "PROVIDED_DEPENDENCY_OF": true, "TEST_DEPENDENCY_OF": true,
		"RUNTIME_DEPENDENCY_OF": true, "PREREQUISITE_FOR": true, "OPTIONAL_COMPONENT_OF": true,
	}
)

// finish normalises relationships to dependencies and picks the subject.
//
// DEPENDS_ON, CONTAINS, DYNAMIC_LINK, STATIC_LINK and HAS_PREREQUISITE
// read "a depends on b"; DEPENDENCY_OF, CONTAINED_BY, the *_DEPENDENCY_OF
// kinds, PREREQUISITE_FOR and OPTIONAL_COMPONENT_OF read "b depends on a".
// Relationships with the document, a file, a snippet, NOASSERTION or NONE
// are not dependencies between components and are left out; other kinds
// (GENERATED_FROM, COPY_OF, …) are not dependencies either.
func (b *spdxBuilder) finish() (*Document, error) {
	d := &b.doc
	d.Timestamp = parseTime(b.created)
	d.Authors = uniq(d.Authors)
	index := map[string]int{}
	order := []string{}
	skip := func(id string) bool {
		switch id {
		case "", "SPDXRef-DOCUMENT", "NOASSERTION", "NONE":
			return true
		}
		return b.nonComponents[id]
	}
	for _, r := range b.rels {
		typ := strings.ToUpper(r.typ)
		var from, to string
		switch {
		case typ == "DESCRIBES" && r.a == "SPDXRef-DOCUMENT":
			b.describes = append(b.describes, r.b)
			continue
		case typ == "DESCRIBED_BY" && r.b == "SPDXRef-DOCUMENT":
			b.describes = append(b.describes, r.a)
			continue
		case spdxForward[typ]:
			from, to = r.a, r.b
		case spdxReverse[typ]:
			from, to = r.b, r.a
		default:
			continue
		}
		if skip(from) || skip(to) {
			continue
		}
		i, ok := index[from]
		if !ok {
			if len(order) >= b.lim.MaxComponents {
				return nil, tooMany(b.lim.MaxComponents, "dependency entries")
			}
			i = len(order)
			index[from] = i
			order = append(order, from)
			d.Dependencies = append(d.Dependencies, Dependency{Ref: from})
		}
		d.Dependencies[i].DependsOn = append(d.Dependencies[i].DependsOn, to)
	}
	for i := range d.Dependencies {
		d.Dependencies[i].DependsOn = uniq(d.Dependencies[i].DependsOn)
	}
	described := map[string]bool{}
	for _, id := range b.describes {
		described[strings.TrimSpace(id)] = true
	}
	for i := range d.Components {
		c := &d.Components[i]
		if c.Ref != "" && described[c.Ref] {
			c.Root = true
			if d.Name == "" {
				d.Name, d.Version, d.Supplier = c.Name, c.Version, c.Supplier
			}
		}
	}
	if d.Name == "" {
		d.Name = strings.TrimSpace(b.docName)
	}
	return d, nil
}

// parseSPDXJSON reads an SPDX 2.2 or 2.3 JSON document.
func parseSPDXJSON(data []byte, lim Limits) (*Document, error) {
	r := newJSONReader(data, lim.MaxDepth)
	b := newSPDXBuilder(SPDXJSON, lim)
	elementIDs := func(count *int) error {
		return r.array(func() error {
			*count++
			return r.object(func(key []byte) error {
				if string(key) == "SPDXID" {
					id, err := r.str()
					if id = strings.TrimSpace(id); id != "" {
						b.nonComponents[id] = true
					}
					return err
				}
				return r.skip()
			})
		})
	}
	err := r.document(func(key []byte) error {
		var err error
		switch string(key) {
		case "spdxVersion":
			b.doc.SpecVersion, err = r.str()
		case "name":
			b.docName, err = r.str()
		case "documentNamespace":
			b.doc.Serial, err = r.str()
		case "creationInfo":
			err = r.object(func(key []byte) error {
				var err error
				switch string(key) {
				case "created":
					b.created, err = r.str()
				case "creators":
					var cs []string
					cs, err = r.strs()
					b.doc.Authors = add(b.doc.Authors, cs...)
				default:
					err = r.skip()
				}
				return err
			})
		case "documentDescribes":
			var ds []string
			ds, err = r.strs()
			b.describes = append(b.describes, ds...)
		case "packages":
			err = r.array(func() error { return b.jsonPackage(r) })
		case "files":
			err = elementIDs(&b.doc.Files)
		case "snippets":
			err = elementIDs(&b.doc.Snippets)
		case "relationships":
			err = r.array(func() error {
				var rel spdxRel
				err := r.fields(field{"spdxElementId", &rel.a}, field{"relationshipType", &rel.typ}, field{"relatedSpdxElement", &rel.b})
				if rel.a != "" && rel.typ != "" && rel.b != "" {
					rel.a, rel.typ, rel.b = strings.TrimSpace(rel.a), strings.TrimSpace(rel.typ), strings.TrimSpace(rel.b)
					b.rels = append(b.rels, rel)
				}
				return err
			})
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return b.finish()
}

func (b *spdxBuilder) jsonPackage(r *jsonReader) error {
	var c Component
	var declared, concluded string
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "SPDXID":
			c.Ref, err = r.str()
		case "name":
			c.Name, err = r.str()
		case "versionInfo":
			c.Version, err = r.str()
		case "supplier":
			c.Supplier, err = r.str()
		case "primaryPackagePurpose":
			c.Type, err = r.str()
		case "licenseDeclared":
			declared, err = r.str()
		case "licenseConcluded":
			concluded, err = r.str()
		case "checksums":
			c.Hashes, err = r.hashes("algorithm", "checksumValue", c.Hashes)
		case "externalRefs":
			err = r.array(func() error {
				var cat, typ, loc string
				err := r.fields(field{"referenceCategory", &cat}, field{"referenceType", &typ}, field{"referenceLocator", &loc})
				externalRef(&c, cat, typ, loc)
				return err
			})
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	c.Licenses = add(c.Licenses, noAssertion(declared), noAssertion(concluded))
	return b.addPackage(c)
}

// isTagValue: comment lines may come first, then "SPDXVersion:".
func isTagValue(body []byte) bool {
	for len(body) > 0 {
		line, rest, _ := bytes.Cut(body, []byte("\n"))
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0 || line[0] == '#':
			body = rest
			continue
		}
		return bytes.HasPrefix(line, []byte("SPDXVersion:"))
	}
	return false
}

// parseSPDXTagValue reads an SPDX 2.2 or 2.3 tag-value document: "Tag:
// value" lines, values spanning lines inside <text>…</text>.
func parseSPDXTagValue(data []byte, lim Limits) (*Document, error) {
	b := newSPDXBuilder(SPDXTagValue, lim)
	const (
		inDocument = iota
		inPackage
		inFile
		inOther // snippets, extracted licences
	)
	section := inDocument
	var pkg *Component
	var declared, concluded string
	flush := func() error {
		if pkg == nil {
			return nil
		}
		pkg.Licenses = add(pkg.Licenses, noAssertion(declared), noAssertion(concluded))
		err := b.addPackage(*pkg)
		pkg, declared, concluded = nil, "", ""
		return err
	}
	lineNo := 0
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		lineNo++
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		tagB, valB, ok := bytes.Cut(trimmed, []byte(":"))
		if !ok {
			return nil, invalid(SPDXTagValue, fmt.Sprintf("line %d: want \"Tag: value\", have %s", lineNo, quoteStart(trimmed)))
		}
		tag := string(bytes.TrimSpace(tagB))
		valB = bytes.TrimSpace(valB)
		if v, ok := bytes.CutPrefix(valB, []byte("<text>")); ok {
			// The value runs to </text>, maybe lines later.
			start := lineNo
			var text []byte
			for {
				if before, _, found := bytes.Cut(v, []byte("</text>")); found {
					text = append(text, before...)
					break
				}
				if len(data) == 0 {
					return nil, invalid(SPDXTagValue, fmt.Sprintf("line %d: <text> without </text>", start))
				}
				text = append(append(text, v...), '\n')
				v, data, _ = bytes.Cut(data, []byte("\n"))
				lineNo++
			}
			valB = bytes.TrimSpace(text)
		}
		// Only the tags the model keeps make strings.
		switch tag {
		case "SPDXVersion":
			b.doc.SpecVersion = string(valB)
		case "DocumentName":
			b.docName = string(valB)
		case "DocumentNamespace":
			b.doc.Serial = string(valB)
		case "Creator":
			b.doc.Authors = add(b.doc.Authors, string(valB))
		case "Created":
			b.created = string(valB)
		case "Relationship":
			f := strings.Fields(string(valB))
			if len(f) >= 3 {
				b.rels = append(b.rels, spdxRel{f[0], f[1], f[2]})
			}
		case "PackageName":
			if err := flush(); err != nil {
				return nil, err
			}
			section = inPackage
			pkg = &Component{Name: string(valB)}
		case "FileName":
			if err := flush(); err != nil {
				return nil, err
			}
			section = inFile
			b.doc.Files++
		case "SnippetSPDXID":
			if err := flush(); err != nil {
				return nil, err
			}
			section = inOther
			b.doc.Snippets++
			b.nonComponents[string(valB)] = true
		case "LicenseID":
			if err := flush(); err != nil {
				return nil, err
			}
			section = inOther
		case "SPDXID":
			switch section {
			case inPackage:
				pkg.Ref = string(valB)
			case inFile:
				b.nonComponents[string(valB)] = true
			}
		}
		if section != inPackage {
			continue
		}
		switch tag {
		case "PackageVersion":
			pkg.Version = string(valB)
		case "PackageSupplier":
			pkg.Supplier = string(valB)
		case "PrimaryPackagePurpose":
			pkg.Type = string(valB)
		case "PackageLicenseDeclared":
			declared = string(valB)
		case "PackageLicenseConcluded":
			concluded = string(valB)
		case "PackageChecksum":
			alg, val, _ := strings.Cut(string(valB), ":")
			if val = strings.TrimSpace(val); val != "" {
				pkg.Hashes = append(pkg.Hashes, normHash(alg, val))
			}
		case "ExternalRef":
			if f := strings.Fields(string(valB)); len(f) >= 3 {
				externalRef(pkg, f[0], f[1], f[2])
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if b.doc.SpecVersion == "" {
		return nil, invalid(SPDXTagValue, "no SPDXVersion")
	}
	return b.finish()
}
