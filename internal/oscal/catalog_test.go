package oscal

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"shencha/internal/catalog"
)

func TestCatalog(t *testing.T) {
	cat := catalog.Default()
	b, err := Catalog(cat)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, b); err != nil {
		t.Fatalf("the OSCAL catalog does not validate:\n%v", err)
	}

	t.Run("Deterministic", func(t *testing.T) {
		b2, err := Catalog(cat)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, b2) {
			t.Error("two exports of one catalogue differ")
		}
	})

	var doc catalogDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Catalog
	t.Run("Metadata", func(t *testing.T) {
		m := c.Metadata
		if m.Version != cat.Version || m.OSCALVersion != "1.1.3" || m.LastModified != "2026-01-15T00:00:00+08:00" || !strings.Contains(m.Title, "网络产品和服务安全审查") || !strings.Contains(m.Title, "cybersecurity review") {
			t.Errorf("metadata = %+v", m)
		}
		if c.UUID != catalogUUID(cat.Version) || !oscalUUID.MatchString(c.UUID) {
			t.Errorf("uuid = %s", c.UUID)
		}
	})
	t.Run("Structure", func(t *testing.T) {
		resources := map[string]bool{}
		for _, r := range c.BackMatter.Resources {
			resources["#"+r.UUID] = true
		}
		if len(resources) != 5 {
			t.Errorf("%d standards in back-matter, want 5", len(resources))
		}
		if len(c.Groups) != 5 || c.Groups[0].ID != "r1" || c.Groups[4].ID != "r5" {
			t.Fatalf("groups = %d, first %s", len(c.Groups), c.Groups[0].ID)
		}
		n := 0
		for _, g := range c.Groups {
			for _, ctl := range g.Controls {
				n++
				x, ok := cat.Lookup(strings.ToUpper(ctl.ID))
				if !ok {
					t.Errorf("control %s is no criterion", ctl.ID)
					continue
				}
				if strings.ToLower(string(x.Area)) != g.ID {
					t.Errorf("control %s in group %s", ctl.ID, g.ID)
				}
				if len(ctl.Parts) != 2 || ctl.Parts[0].Name != "statement" || ctl.Parts[0].Prose != x.Text.EN ||
					ctl.Parts[1].Name != "statement-zh" || ctl.Parts[1].NS != Namespace || ctl.Parts[1].Prose != x.Text.ZH {
					t.Errorf("control %s parts = %+v", ctl.ID, ctl.Parts)
				}
				methods := 0
				for _, p := range ctl.Props {
					if p.Name == "method" {
						methods++
					}
					if p.Name != "label" && p.NS != Namespace {
						t.Errorf("control %s: property %s outside our namespace", ctl.ID, p.Name)
					}
				}
				if methods != len(x.Methods) {
					t.Errorf("control %s has %d method props, want %d", ctl.ID, methods, len(x.Methods))
				}
				for _, l := range ctl.Links {
					if !resources[l.Href] {
						t.Errorf("control %s links to %s, not in back-matter", ctl.ID, l.Href)
					}
				}
			}
		}
		if n != len(cat.Criteria) {
			t.Errorf("%d controls, want %d", n, len(cat.Criteria))
		}
	})
	t.Run("CheckedClause", func(t *testing.T) {
		// A clause, once checked, becomes the link's resource-fragment.
		c := *cat
		c.Criteria = slices.Clone(cat.Criteria)
		c.Criteria[0].References = slices.Clone(c.Criteria[0].References)
		c.Criteria[0].References[0].Clause = "5.1"
		b, err := Catalog(&c)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"resource-fragment": "5.1"`)) || cat.Criteria[0].References[0].Clause != "" {
			t.Error("clause not exported, or the default catalogue was changed")
		}
	})
	t.Run("ErrInvalidCatalogue", func(t *testing.T) {
		if _, err := Catalog(&catalog.Catalog{}); err == nil || !strings.HasPrefix(err.Error(), "oscal: catalog: version: required") {
			t.Errorf("err = %v", err)
		}
		if _, err := Catalog(nil); err == nil {
			t.Error("no error for a nil catalogue")
		}
	})
}

// TestSchemaBites proves the validator rejects what it should: without
// this, a validator that accepted anything would pass every test.
func TestSchemaBites(t *testing.T) {
	good, err := AssessmentResults(sampleAssessment())
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, good); err != nil {
		t.Fatalf("the sample does not validate: %v", err)
	}
	cat, err := Catalog(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		doc  []byte
		edit func(m map[string]any)
		want string // in the validation error
	}{
		{"BrokenUUID", good, func(m map[string]any) {
			ar(m)["uuid"] = "not-a-uuid"
		}, "/assessment-results/uuid"},
		{"UUIDv8", good, func(m map[string]any) {
			ar(m)["uuid"] = "0b5f6e2c-8a1d-8c3e-9f00-1234567890ab"
		}, "/assessment-results/uuid"},
		{"MissingImportAP", good, func(m map[string]any) {
			delete(ar(m), "import-ap")
		}, "import-ap"},
		{"FindingWithoutDescription", good, func(m map[string]any) {
			delete(result0(m)["findings"].([]any)[0].(map[string]any), "description")
		}, "description"},
		{"UnknownObjectiveState", good, func(m map[string]any) {
			result0(m)["findings"].([]any)[0].(map[string]any)["target"].(map[string]any)["status"].(map[string]any)["state"] = "partially-satisfied"
		}, "state"},
		{"BadTimestamp", good, func(m map[string]any) {
			result0(m)["start"] = "2026-03-02 09:00"
		}, "/start"},
		{"ControlIDWithSpace", cat, func(m map[string]any) {
			m["catalog"].(map[string]any)["groups"].([]any)[0].(map[string]any)["controls"].([]any)[0].(map[string]any)["id"] = "r1 c 01"
		}, "/id"},
		{"CustomPartWithBadNS", cat, func(m map[string]any) {
			ctl := m["catalog"].(map[string]any)["groups"].([]any)[0].(map[string]any)["controls"].([]any)[0].(map[string]any)
			ctl["parts"].([]any)[1].(map[string]any)["ns"] = "shencha"
		}, "/ns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(tc.doc, &m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			err = validate(t, b)
			if err == nil {
				t.Fatal("the broken document validates")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not mention %q:\n%v", tc.want, err)
			}
		})
	}
}

func ar(m map[string]any) map[string]any { return m["assessment-results"].(map[string]any) }

func result0(m map[string]any) map[string]any { return ar(m)["results"].([]any)[0].(map[string]any) }
