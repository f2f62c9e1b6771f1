package oscal

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"shencha/internal/catalog"
	"shencha/internal/review"
)

// catalogTitle is the title of every exported catalogue.
const catalogTitle = "网络产品和服务安全审查准则目录 / Criteria catalogue for the cybersecurity review of network products and services"

const catalogRemarks = "The criteria of the cybersecurity review of network products and services (网络产品和服务安全审查), " +
	"grouped by the five risk areas of Art. 4 of the Measures; each criterion belongs to one of the dimensions of Art. 12 " +
	"(controllability, transparency, trustworthiness). The Chinese text, in the parts named `statement-zh` (namespace " +
	Namespace + "), is authoritative; the `statement` parts are its English translation. Standards are cited by number " +
	"and title; a clause is cited only where its text was checked."

// controlID is a criterion's OSCAL control id: "R2-T-03" → "r2-t-03".
func controlID(criterion string) string { return strings.ToLower(criterion) }

// statementID is the id of a criterion's (English) statement part, which
// assessment-results findings target.
func statementID(criterion string) string { return controlID(criterion) + "_smt" }

// catalogUUID is the UUID of the OSCAL catalog of a catalogue version.
func catalogUUID(version string) string { return id("catalog", version) }

// standardUUID is the UUID of the back-matter resource for a standard; it
// is the same in every catalogue version that cites the standard.
func standardUUID(number string) string { return id("standard", number) }

// Catalog renders a catalogue version as an OSCAL 1.1.3 catalog: one group
// per risk area (r1..r5), one control per criterion (its id lowercased,
// "r2-t-03"), with the dimension, severity and methods as properties in
// Namespace, an English "statement" part and an authoritative Chinese
// "statement-zh" part, and links to back-matter resources for the cited
// standards. The metadata's published and last-modified times are the
// catalogue's publication date at midnight, China Standard Time.
func Catalog(cat *catalog.Catalog) ([]byte, error) {
	if cat == nil {
		return nil, errors.New("oscal: catalog: no catalogue")
	}
	if err := cat.Validate(); err != nil {
		return nil, fmt.Errorf("oscal: %w", err)
	}
	var doc catalogDoc
	c := &doc.Catalog
	c.UUID = catalogUUID(cat.Version)
	published := cat.Published.Format("2006-01-02") + "T00:00:00+08:00"
	c.Metadata = metadata{
		Title:        catalogTitle,
		Published:    published,
		LastModified: published,
		Version:      cat.Version,
		OSCALVersion: OSCALVersion,
		Remarks:      catalogRemarks,
	}
	standards := map[string]catalog.Reference{}
	for _, a := range catalog.Areas {
		g := group{
			ID:    strings.ToLower(string(a)),
			Title: string(a) + " " + a.Name().ZH + " / " + a.Name().EN,
			Props: []prop{{Name: "label", Value: string(a)}},
		}
		for _, x := range cat.Criteria {
			if x.Area != a {
				continue
			}
			g.Controls = append(g.Controls, criterionControl(x))
			for _, r := range x.References {
				standards[r.Standard] = r
			}
		}
		c.Groups = append(c.Groups, g)
	}
	if len(standards) > 0 {
		numbers := make([]string, 0, len(standards))
		for n := range standards {
			numbers = append(numbers, n)
		}
		slices.Sort(numbers)
		c.BackMatter = &backMatter{}
		for _, n := range numbers {
			r := standards[n]
			c.BackMatter.Resources = append(c.BackMatter.Resources, resource{
				UUID:        standardUUID(n),
				Title:       n + " " + r.Title.ZH + " / " + r.Title.EN,
				DocumentIDs: []documentID{{Identifier: n}},
				Citation:    &citation{Text: n + "《" + r.Title.ZH + "》"},
			})
		}
	}
	return encode(&doc)
}

// criterionControl renders one criterion as a control.
func criterionControl(x catalog.Criterion) control {
	ctl := control{
		ID:    controlID(x.ID),
		Title: x.Title.ZH + " / " + x.Title.EN,
		Props: []prop{
			{Name: "label", Value: x.ID},
			ours("dimension", x.Dimension.Name().EN),
			ours("severity", string(x.Severity)),
		},
		Parts: []part{
			{ID: statementID(x.ID), Name: "statement", Props: []prop{ours("language", "en")}, Prose: x.Text.EN},
			{ID: statementID(x.ID) + ".zh", Name: "statement-zh", NS: Namespace, Title: x.Title.ZH,
				Props: []prop{ours("language", "zh-CN")}, Prose: x.Text.ZH},
		},
	}
	for _, m := range x.Methods {
		ctl.Props = append(ctl.Props, ours("method", string(m)))
	}
	for _, r := range x.References {
		ctl.Links = append(ctl.Links, link{Href: "#" + standardUUID(r.Standard), Rel: "reference", ResourceFragment: r.Clause, Text: r.Standard})
	}
	return ctl
}

// methodNames are the evaluation methods' names (Art. 3).
var methodNames = map[review.Method]catalog.Bilingual{
	review.MethodLabTesting:  {ZH: "实验室检测", EN: "Lab testing"},
	review.MethodOnSite:      {ZH: "现场检查", EN: "On-site inspection"},
	review.MethodMonitoring:  {ZH: "在线监测", EN: "Online monitoring"},
	review.MethodBackground:  {ZH: "背景调查", EN: "Background investigation"},
	review.MethodDocumentary: {ZH: "文件审查", EN: "Document review"},
}

// observationMethods maps an evaluation method to OSCAL's observation
// methods: testing the thing (TEST), looking at it or at records
// (EXAMINE), asking people (INTERVIEW).
func observationMethods(m review.Method) []string {
	switch m {
	case review.MethodLabTesting, review.MethodMonitoring:
		return []string{"TEST"}
	case review.MethodOnSite:
		return []string{"EXAMINE", "INTERVIEW"}
	case review.MethodBackground, review.MethodDocumentary:
		return []string{"EXAMINE"}
	}
	return []string{"UNKNOWN"}
}
