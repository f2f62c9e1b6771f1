package web

import (
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"

	"shencha/internal/catalog"
	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

func TestEveryPageParses(t *testing.T) {
	for _, p := range pageNames {
		if _, err := parsePage(p); err != nil {
			t.Error(err)
		}
	}
	if _, err := parsePage("no-such-page"); err == nil {
		t.Error("a missing template must fail to parse")
	}
}

// storeEvents are the timeline entries the store writes that are not
// actions of the transition table.
var storeEvents = []string{"open", "add_evidence", "countersign", "condition_overdue", "analyse_sbom", "apply_vex", "rereview_flag"}

// listingActions are the actions of the listing table.
func listingActions() []review.ListingAction {
	var out []review.ListingAction
	for _, r := range review.ListingTable {
		out = append(out, r.Action)
	}
	return out
}

// domains names every value a template may look up under a message prefix
// ($.TP "state." .State and the like).
func domains() map[string][]string {
	actions := append([]string{}, storeEvents...)
	for _, a := range review.Actions() {
		actions = append(actions, string(a))
	}
	listing := []review.ListingStatus{review.ListingPassed, review.ListingConditionallyPassed, review.ListingFailed,
		review.ListingSuspended, review.ListingRevoked, review.ListingExpired, review.ListingSuperseded,
		review.ListingUnderReview, review.ListingNotReviewed, review.ListingNotDisclosed}
	var in []string
	for name := range inputs {
		in = append(in, name)
	}
	return map[string][]string{
		"state.":                       names(review.States),
		"listing.":                     names(listing),
		"role.":                        names(review.Roles),
		"scope.":                       names(review.Scopes),
		"outcome.":                     names(review.Outcomes),
		"clock.":                       review.ClockNames(),
		"trigger.":                     names(review.Triggers),
		"category.":                    names(review.Categories),
		"assignment.":                  names([]review.AssignmentKind{review.AssignLab, review.AssignExpert}),
		"label.":                       names(review.Labels),
		"input.":                       in,
		"area.":                        review.RiskAreas,
		"risk.":                        names(review.RiskLevels),
		"action.":                      actions,
		"orgkind.":                     names(review.OrgKinds),
		"ownerkind.":                   names(review.OwnerKinds),
		"method.":                      names(review.Methods),
		"sector.":                      review.Sectors,
		"severity.":                    names(catalog.Severities),
		"finding.":                     names(catalog.Statuses),
		"dimension.":                   names(catalog.Dimensions),
		"evidence.":                    names(review.EvidenceKindList),
		"tie.":                         names(review.TieKinds),
		"catalog.":                     {store.CatalogProposed, store.CatalogApproved, store.CatalogRejected},
		"listing_action.":              append([]string{"publish"}, names(listingActions())...),
		"doc.report.standing.":         store.ConditionStandings,
		"ui.report.pdf.":               i18n.Locales,
		"ui.lang.name.":                i18n.Locales,
		"reportstatus.":                names(review.ReportStatuses),
		"ui.pubreport.status.explain.": names(review.ReportStatuses),
		"triage.":                      names(review.TriageActionList),
		"reportevent.":                 append([]string{"file"}, names(review.TriageActionList)...),
	}
}

// templateKeys walks every template for message lookups: the literal keys
// of $.T calls and the prefixes of $.TP calls.
func templateKeys(t *testing.T) (keys, prefixes map[string]bool) {
	keys, prefixes = map[string]bool{}, map[string]bool{}
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatal("no templates", err)
	}
	for _, f := range files {
		b, _ := templateFiles.ReadFile(f)
		// The walk needs only the tree; which functions exist is
		// parsePage's concern.
		p := parse.New(f)
		p.Mode = parse.SkipFuncCheck
		trees := map[string]*parse.Tree{}
		if _, err := p.Parse(string(b), "{{", "}}", trees); err != nil {
			t.Fatal(err)
		}
		for _, tree := range trees {
			walk(tree.Root, func(cmd *parse.CommandNode) {
				if len(cmd.Args) < 2 {
					return
				}
				name := method(cmd.Args[0])
				s, ok := cmd.Args[1].(*parse.StringNode)
				switch {
				case name == "T" && ok:
					keys[s.Text] = true
				case name == "TP" && ok:
					prefixes[s.Text] = true
				}
			})
		}
	}
	return keys, prefixes
}

// method is the last name of a field or variable chain ($.T → "T").
func method(n parse.Node) string {
	switch n := n.(type) {
	case *parse.FieldNode:
		return n.Ident[len(n.Ident)-1]
	case *parse.VariableNode:
		return n.Ident[len(n.Ident)-1]
	}
	return ""
}

func walk(n parse.Node, fn func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walk(c, fn)
			}
		}
	case *parse.ActionNode:
		walk(n.Pipe, fn)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walk(c, fn)
			}
		}
	case *parse.CommandNode:
		fn(n)
		for _, a := range n.Args {
			walk(a, fn)
		}
	case *parse.IfNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.RangeNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.WithNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.TemplateNode:
		walk(n.Pipe, fn)
	}
}

// goKeys finds the message keys the package's Go code names (page titles,
// verification steps): every string literal that starts with "ui.".
func goKeys(t *testing.T) map[string]bool {
	keys := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && strings.HasPrefix(s, "ui.") {
					keys[s] = true
				}
			}
			return true
		})
	}
	return keys
}

// TestEveryKeyInEveryLocale fails when a message the UI can show is
// missing from a locale, and when the locales' key sets differ.
func TestEveryKeyInEveryLocale(t *testing.T) {
	keys, prefixes := templateKeys(t)
	if len(keys) < 50 {
		t.Fatalf("found only %d keys in the templates: is the walk broken?", len(keys))
	}
	for k := range goKeys(t) {
		keys[k] = true
	}
	dom := domains()
	for p := range prefixes {
		values, ok := dom[p]
		if !ok {
			t.Errorf("templates look up prefix %q, which names no known list of values", p)
			continue
		}
		for _, v := range values {
			keys[p+v] = true
		}
	}
	for _, in := range inputs {
		for _, o := range in.Options {
			keys[in.OptionPrefix+o] = true
		}
	}
	for k := range keys {
		for _, l := range i18n.Locales {
			if !i18n.Has(l, k) {
				t.Errorf("locale %s lacks %q", l, k)
			}
		}
	}
	first := i18n.Locales[0]
	for _, l := range i18n.Locales[1:] {
		if len(i18n.Keys(l)) != len(i18n.Keys(first)) {
			t.Errorf("locale %s has %d keys, %s has %d", l, len(i18n.Keys(l)), first, len(i18n.Keys(first)))
		}
		for _, k := range i18n.Keys(first) {
			if !i18n.Has(l, k) {
				t.Errorf("locale %s lacks %q (present in %s)", l, k, first)
			}
		}
	}
}

// TestNoInlineScriptOrStyle keeps the pages within `default-src 'self'`.
func TestNoInlineScriptOrStyle(t *testing.T) {
	bad := []*regexp.Regexp{
		regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`),             // a script with a body
		regexp.MustCompile(`<script(?:(?:\s(?:defer|type="[^"]*"))*)>`), // a script without src
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`javascript:`),
		regexp.MustCompile(`hx-on`),
	}
	files, _ := fs.Glob(templateFiles, "templates/*.html")
	for _, f := range files {
		b, _ := templateFiles.ReadFile(f)
		for _, re := range bad {
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s: inline script or style at byte %d: %q", f, loc[0], b[loc[0]:min(len(b), loc[1]+20)])
			}
		}
	}
}

// TestVendoredHtmx checks the embedded htmx against the digest recorded
// in static/README.md.
func TestVendoredHtmx(t *testing.T) {
	b, err := staticFiles.ReadFile("static/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	note, err := os.ReadFile("static/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(note), hex.EncodeToString(sum[:])) {
		t.Errorf("static/README.md does not record htmx.min.js's sha256 %x", sum)
	}
}
