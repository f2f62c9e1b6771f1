// Package scan matches an SBOM's components against an advisory database
// and applies the provider's VEX statements. It is pure: the server and
// `shencha sbom scan` call the same Run, so both show the same matches.
package scan

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"shencha/internal/sbom"
	"shencha/internal/vuln"
)

// Component is an SBOM component as the report names it.
type Component struct {
	Ref     string `json:"ref,omitempty"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	PURL    string `json:"purl,omitempty"`
}

// VEX is the provider's statement that changed a finding, with its reason.
type VEX struct {
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
	Detail        string `json:"detail,omitempty"`
}

// Finding is one advisory affecting one component.
type Finding struct {
	Component Component     `json:"component"`
	Ecosystem string        `json:"ecosystem"`
	Advisory  string        `json:"advisory"`
	Aliases   []string      `json:"aliases,omitempty"`
	Summary   string        `json:"summary,omitempty"`
	Severity  vuln.Severity `json:"severity"`
	Fixed     []string      `json:"fixed,omitempty"`
	Notes     []string      `json:"notes,omitempty"`
	// VEX is the provider's statement about this finding, if any;
	// Suppressed says it takes the finding out (not_affected or fixed).
	VEX        *VEX `json:"vex,omitempty"`
	Suppressed bool `json:"suppressed"`
}

// Report is the analysis of one SBOM against one advisory set.
type Report struct {
	Format      sbom.Format  `json:"format"`
	SpecVersion string       `json:"spec_version"`
	Kinds       []sbom.Kind  `json:"kinds"`
	Subject     string       `json:"subject"`
	Components  int          `json:"components"`
	Services    int          `json:"services"`
	Quality     sbom.Quality `json:"quality"`
	// AdvisoryDigest and Advisories identify and count the advisories
	// matched against; AdvisoriesSkipped counts those of the source that
	// were not read because they name none of the SBOM's packages (a CLI
	// scan reads only the rest, so its digest covers only the rest).
	AdvisoryDigest    string    `json:"advisory_digest"`
	Advisories        int       `json:"advisories"`
	AdvisoriesSkipped int       `json:"advisories_not_naming_sbom_packages,omitempty"`
	Findings          []Finding `json:"findings"`
	// Unmatched counts components that could not be looked up, by reason
	// (no purl, an ecosystem without advisories here).
	Unmatched map[string]int `json:"unmatched,omitempty"`
	// Affected counts the findings a VEX statement did not suppress.
	Affected int `json:"affected"`
}

// Run matches every component with a purl against db and applies the
// document's embedded VEX and the extra statements.
func Run(doc *sbom.Document, db *vuln.DB, vex []sbom.Statement) *Report {
	r := &Report{Format: doc.Format, SpecVersion: doc.SpecVersion, Kinds: doc.Kinds, Subject: strings.TrimSpace(doc.Name + " " + doc.Version),
		Components: len(doc.Components), Services: len(doc.Services), Quality: doc.Quality(), AdvisoryDigest: db.Digest(), Advisories: db.Len(),
		Findings: []Finding{}, Unmatched: map[string]int{}}
	statements := append(slices.Clone(doc.VEX), vex...)
	// Components in purl order give findings in (purl, advisory) order, as
	// Match returns advisories by id; a package listed twice is reported
	// once, under its first purl in that order (components with the same
	// purl in document order).
	type ref struct {
		purl string // a copy, for the sort to compare without going through doc
		i    int
	}
	order := make([]ref, len(doc.Components))
	for i, c := range doc.Components {
		order[i] = ref{c.PURL, i}
	}
	slices.SortFunc(order, func(a, b ref) int { return cmp.Or(strings.Compare(a.purl, b.purl), cmp.Compare(a.i, b.i)) })
	// Each package once, under its first component in that order.
	pkgs := make([]vuln.Package, 0, len(order))
	comps := make([]Component, 0, len(order)) // by package
	repeats := make([]int, 0, len(order))     // by package: the components after the first that name it
	type pkg struct{ eco, name, version string }
	first := make(map[pkg]int, len(order))
	for _, o := range order {
		c := &doc.Components[o.i]
		if c.PURL == "" {
			r.Unmatched["no_purl"]++
			continue
		}
		p, err := vuln.ParsePURL(c.PURL)
		if err != nil {
			r.Unmatched[unmatchedReason(err)]++
			continue
		}
		key := pkg{p.Ecosystem, p.Name, p.Version}
		if i, ok := first[key]; ok {
			repeats[i]++
			continue
		}
		first[key] = len(pkgs)
		pkgs = append(pkgs, p)
		comps = append(comps, Component{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL})
		repeats = append(repeats, 0)
	}
	// The batch makes each match only once the findings, of known number,
	// are allocated: it is copied into its finding and not kept.
	batch := db.MatchAll(pkgs)
	for i := range pkgs {
		if err := batch.Err(i); err != nil { // each component naming it is unmatched
			r.Unmatched[unmatchedReason(err)] += 1 + repeats[i]
		}
	}
	r.Findings = make([]Finding, batch.Len())
	n := 0
	for i, m := range batch.All() {
		f := &r.Findings[n]
		n++
		// Field by field: a Finding is large, and building one to copy
		// it into the slice cost more.
		f.Component, f.Ecosystem, f.Advisory, f.Aliases, f.Summary, f.Severity, f.Fixed, f.Notes =
			comps[i], m.Package.Ecosystem, m.ID, m.Aliases, m.Summary, m.Severity, m.Fixed, m.Notes
		applyVEX(f, statements)
		if !f.Suppressed { // as count does, without reading the findings again
			r.Affected++
		}
	}
	return r
}

// ApplyVEX lays further statements over the findings: a later statement
// about a finding replaces an earlier one.
func (r *Report) ApplyVEX(statements []sbom.Statement) {
	for i := range r.Findings {
		f := &r.Findings[i]
		before := f.VEX
		f.VEX = nil
		applyVEX(f, statements)
		if f.VEX == nil {
			f.VEX = before
			f.Suppressed = f.VEX != nil && (f.VEX.Status == "not_affected" || f.VEX.Status == "fixed")
		}
	}
	r.count()
}

func (r *Report) count() {
	r.Affected = 0
	for _, f := range r.Findings {
		if !f.Suppressed {
			r.Affected++
		}
	}
}

func unmatchedReason(err error) string {
	var u *vuln.UnsupportedError
	if errors.As(err, &u) {
		return "unsupported_ecosystem"
	}
	return "bad_purl"
}

// applyVEX finds the last statement about the finding's advisory (by id or
// alias) and component (by ref or purl; a statement naming no product
// covers every component).
func applyVEX(f *Finding, statements []sbom.Statement) {
	if len(statements) == 0 {
		f.Suppressed = f.VEX != nil && (f.VEX.Status == "not_affected" || f.VEX.Status == "fixed")
		return
	}
	ids := append([]string{f.Advisory}, f.Aliases...)
	for _, s := range statements {
		if !slices.Contains(ids, s.Vulnerability) && !overlaps(ids, s.Aliases) {
			continue
		}
		if len(s.Products) > 0 && !covers(s.Products, f.Component) {
			continue
		}
		f.VEX = &VEX{Status: s.Status, Justification: s.Justification, Detail: s.Detail}
	}
	f.Suppressed = f.VEX != nil && (f.VEX.Status == "not_affected" || f.VEX.Status == "fixed")
}

func overlaps(a, b []string) bool {
	for _, x := range b {
		if slices.Contains(a, x) {
			return true
		}
	}
	return false
}

// covers matches a statement's products against a component: its bom-ref
// (also as the fragment of a CycloneDX BOM-Link), or its purl, ignoring
// qualifiers.
func covers(products []string, c Component) bool {
	for _, p := range products {
		if c.Ref != "" && (p == c.Ref || strings.HasSuffix(p, "#"+c.Ref)) {
			return true
		}
		if c.PURL != "" && purlBase(p) == purlBase(c.PURL) {
			return true
		}
	}
	return false
}

func purlBase(p string) string {
	p, _, _ = strings.Cut(p, "#")
	p, _, _ = strings.Cut(p, "?")
	return strings.TrimSpace(p)
}

// WriteTable prints the report for a terminal.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s %s (%s) — %d components, quality %d/100, %d advisories in set %s\n",
		r.Format, r.SpecVersion, r.Subject, r.Components, r.Quality.Score, r.Advisories, r.AdvisoryDigest)
	if r.AdvisoriesSkipped > 0 {
		fmt.Fprintf(w, "  (%d more advisories name none of its packages and were not read)\n", r.AdvisoriesSkipped)
	}
	for _, g := range r.Quality.Gaps {
		fmt.Fprintf(w, "  gap: %s\n", g)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tVERSION\tADVISORY\tALIASES\tSEVERITY\tFIXED\tVEX")
	for _, f := range r.Findings {
		vex := ""
		if f.VEX != nil {
			vex = f.VEX.Status
			if f.VEX.Justification != "" {
				vex += " (" + f.VEX.Justification + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Component.Name, f.Component.Version, f.Advisory, strings.Join(f.Aliases, ","),
			f.Severity.Rating, strings.Join(f.Fixed, ","), vex)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d findings, %d affected after VEX\n", len(r.Findings), r.Affected)
	return err
}
