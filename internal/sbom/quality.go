package sbom

import (
	"fmt"
	"math"
)

// Quality scores a document against the NTIA minimum elements for an SBOM.
type Quality struct {
	// Score is the mean of the elements' shares, 0–100.
	Score    int       `json:"score"`
	Elements []Element `json:"elements"`
	// Gaps say what is missing, one line per element not fully present.
	Gaps []string `json:"gaps,omitempty"`
}

// Element is one minimum element: for per-component elements, Present of
// Total components have it; for document-level ones Total is 1.
type Element struct {
	Name    string `json:"name"`
	Present int    `json:"present"`
	Total   int    `json:"total"`
	OK      bool   `json:"ok"`
}

// The NTIA minimum element names, in the order Quality lists them.
const (
	ElementSupplier   = "supplier"
	ElementName       = "component name"
	ElementVersion    = "version"
	ElementIdentifier = "unique identifier"
	ElementDeps       = "dependency relationships"
	ElementAuthor     = "author of SBOM data"
	ElementTimestamp  = "timestamp"
)

// Quality scores the document against the NTIA minimum elements: per
// component a supplier, a name, a version and a unique identifier (purl,
// CPE, SWID tag or hash); per document dependency relationships (at least
// one "depends on" edge), an author (a person, organisation or tool) and a
// timestamp. Each per-component element scores the share of components
// that have it, each document-level one 0 or 1; Score is their mean.
func (d *Document) Quality() Quality {
	n := len(d.Components)
	var supplier, name, version, id int
	for _, c := range d.Components {
		if c.Supplier != "" {
			supplier++
		}
		if c.Name != "" {
			name++
		}
		if c.Version != "" {
			version++
		}
		if c.PURL != "" || c.CPE != "" || c.SWID != "" || len(c.Hashes) > 0 {
			id++
		}
	}
	deps := 0
	for _, dep := range d.Dependencies {
		if len(dep.DependsOn) > 0 {
			deps = 1
			break
		}
	}
	q := Quality{}
	perComponent := func(elem string, present int) {
		q.Elements = append(q.Elements, Element{Name: elem, Present: present, Total: n, OK: n > 0 && present == n})
		if n > 0 && present < n {
			q.Gaps = append(q.Gaps, fmt.Sprintf("%s missing on %d of %d components", elem, n-present, n))
		}
	}
	document := func(elem string, present bool, gap string) {
		p := 0
		if present {
			p = 1
		}
		q.Elements = append(q.Elements, Element{Name: elem, Present: p, Total: 1, OK: present})
		if !present {
			q.Gaps = append(q.Gaps, gap)
		}
	}
	if n == 0 {
		q.Gaps = append(q.Gaps, "no components")
	}
	perComponent(ElementSupplier, supplier)
	perComponent(ElementName, name)
	perComponent(ElementVersion, version)
	perComponent(ElementIdentifier, id)
	document(ElementDeps, deps > 0, "no dependency relationships")
	document(ElementAuthor, len(d.Authors) > 0, "no author of the SBOM data")
	document(ElementTimestamp, !d.Timestamp.IsZero(), "no timestamp")
	sum := 0.0
	for _, e := range q.Elements {
		if e.Total > 0 {
			sum += float64(e.Present) / float64(e.Total)
		}
	}
	q.Score = int(math.Round(100 * sum / float64(len(q.Elements))))
	return q
}
