package sbom

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// cdxBuilder collects what the CycloneDX JSON and XML readers find and
// assembles the Document; both readers share it so the two encodings of
// one BOM give the same Document.
type cdxBuilder struct {
	lim       Limits
	doc       Document
	root      []Component // metadata.component and its sub-components
	comps     []Component
	ncomp     int
	deps      []Dependency
	depIndex  map[string]int
	supplier  string // metadata.supplier
	maker     string // metadata.manufacturer (1.6) or manufacture (1.2–1.5)
	timestamp string
}

func newCDXBuilder(format Format, lim Limits) *cdxBuilder {
	return &cdxBuilder{lim: lim, doc: Document{Format: format}, depIndex: map[string]int{}}
}

// countComponent is called before a component is added.
func (b *cdxBuilder) countComponent() error {
	b.ncomp++
	if b.ncomp > b.lim.MaxComponents {
		return tooMany(b.lim.MaxComponents, "components")
	}
	return nil
}

func (b *cdxBuilder) countService() error {
	if len(b.doc.Services) >= b.lim.MaxComponents {
		return tooMany(b.lim.MaxComponents, "services")
	}
	return nil
}

func (b *cdxBuilder) addStatement(s Statement) error {
	if len(b.doc.VEX) >= b.lim.MaxComponents {
		return tooMany(b.lim.MaxComponents, "vulnerabilities")
	}
	b.doc.VEX = append(b.doc.VEX, s)
	return nil
}

// addDependency merges entries for the same ref (CycloneDX requires one
// per ref; producers do not always comply).
func (b *cdxBuilder) addDependency(ref string, on, provides []string) error {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil
	}
	if i, ok := b.depIndex[ref]; ok {
		d := &b.deps[i]
		d.DependsOn = append(d.DependsOn, on...)
		d.Provides = append(d.Provides, provides...)
		return nil
	}
	if len(b.deps) >= b.lim.MaxComponents {
		return tooMany(b.lim.MaxComponents, "dependency entries")
	}
	b.depIndex[ref] = len(b.deps)
	b.deps = append(b.deps, Dependency{Ref: ref, DependsOn: on, Provides: provides})
	return nil
}

// finish assembles the Document: the subject first, then the components.
func (b *cdxBuilder) finish() *Document {
	d := &b.doc
	d.Timestamp = parseTime(b.timestamp)
	if len(b.root) > 0 {
		r := &b.root[0]
		r.Root = true
		d.Name, d.Version = r.Name, r.Version
		// Some producers list the subject again among the components;
		// keep one.
		if r.Ref != "" {
			for i := range b.comps {
				if b.comps[i].Ref == r.Ref {
					b.comps[i].Root = true
					b.root = b.root[1:]
					break
				}
			}
		}
	}
	// Insert reuses the list's spare capacity when it can.
	d.Components = slices.Insert(b.comps, 0, b.root...)
	for i := range d.Components {
		c := &d.Components[i]
		c.Licenses = uniq(c.Licenses)
		if c.Crypto != nil {
			c.Crypto.Refs = uniq(c.Crypto.Refs)
			c.Crypto.CipherSuites = uniq(c.Crypto.CipherSuites)
		}
	}
	d.Authors = uniq(d.Authors)
	d.Supplier = firstNonEmpty(b.supplier, b.maker)
	if d.Supplier == "" && d.Name != "" {
		for _, c := range d.Components {
			if c.Root {
				d.Supplier = c.Supplier
				break
			}
		}
	}
	for i := range b.deps {
		b.deps[i].DependsOn = uniq(b.deps[i].DependsOn)
		b.deps[i].Provides = uniq(b.deps[i].Provides)
	}
	d.Dependencies = b.deps
	for i := range d.VEX {
		s := &d.VEX[i]
		s.Aliases = uniq(s.Aliases)
		s.Products = uniq(s.Products)
		if s.Timestamp.IsZero() {
			s.Timestamp = d.Timestamp
		}
	}
	for i := range d.Services {
		s := &d.Services[i]
		if j, ok := b.depIndex[s.Ref]; ok && s.Ref != "" {
			s.DependsOn = slices.Clone(b.deps[j].DependsOn)
		}
	}
	return d
}

// finishComponent normalises what both encodings read.
func finishComponent(c *Component) {
	c.PURL = strings.TrimSpace(c.PURL)
	c.CPE = strings.TrimSpace(c.CPE)
	c.Ref = strings.TrimSpace(c.Ref)
	switch strings.ToLower(c.Type) {
	case "device", "firmware":
		c.Hardware = true
	}
}

// cdxStatus maps a CycloneDX analysis state to a VEX status.
func cdxStatus(state string) (string, bool) {
	switch state {
	case "not_affected", "false_positive":
		return "not_affected", true
	case "exploitable":
		return "affected", true
	case "resolved", "resolved_with_pedigree":
		return "fixed", true
	case "in_triage":
		return "under_investigation", true
	}
	return "", false
}

// checkStatement refuses a statement that claims nothing checkable: a VEX
// statement takes findings out, so a malformed one is an error, not a
// guess.
func checkStatement(format Format, s *Statement, state string) error {
	if s.Vulnerability == "" {
		return invalid(format, "a VEX statement without a vulnerability id")
	}
	if state != "" { // CycloneDX
		status, ok := cdxStatus(state)
		if !ok {
			return invalid(format, fmt.Sprintf("vulnerability %q: unknown analysis state %q", clip(s.Vulnerability), clip(state)))
		}
		s.Status = status
	}
	switch s.Status {
	case "not_affected", "affected", "fixed", "under_investigation":
		return nil
	}
	return invalid(format, fmt.Sprintf("vulnerability %q: unknown status %q", clip(s.Vulnerability), clip(s.Status)))
}

// statementTime picks the most specific time a CycloneDX vulnerability
// gives.
func statementTime(vals ...string) time.Time {
	for _, v := range vals {
		if t := parseTime(v); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// toolName spells a tool as SPDX spells a creator tool.
func toolName(name, version string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if version = strings.TrimSpace(version); version != "" {
		name += "-" + version
	}
	return "Tool: " + name
}

// personName spells a contact as SPDX spells a creator person.
func personName(name, email string) string {
	name, email = strings.TrimSpace(name), strings.TrimSpace(email)
	switch {
	case name != "" && email != "":
		return "Person: " + name + " (" + email + ")"
	case name != "":
		return "Person: " + name
	case email != "":
		return "Person: (" + email + ")"
	}
	return ""
}

// normHash spells algorithms the CycloneDX way ("SHA-256" for SPDX's
// "SHA256") so hashes compare across formats.
func normHash(alg, value string) Hash {
	alg = strings.ToUpper(strings.TrimSpace(alg))
	switch alg {
	case "SHA1", "SHA224", "SHA256", "SHA384", "SHA512":
		alg = "SHA-" + alg[3:]
	}
	return Hash{Alg: alg, Value: strings.ToLower(strings.TrimSpace(value))}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
