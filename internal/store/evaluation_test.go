package store_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shencha/internal/catalog"
	"shencha/internal/demo"
	"shencha/internal/oscal"
	"shencha/internal/oscal/oscaltest"
	"shencha/internal/review"
	"shencha/internal/signature"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// ---- helpers of the evaluation tests ----

// currentCatalog reads the catalogue new cases start with.
func (e *env) currentCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	cat, err := e.s.Catalog(e.ctx, "")
	if err != nil {
		tb.Fatalf("current catalogue: %v", err)
	}
	return cat
}

// pickCriterion names the first criterion of the catalogue that method m
// can (or, with can false, cannot) establish, of severity sev ("" for any),
// and not among skip.
func pickCriterion(tb testing.TB, cat *catalog.Catalog, m review.Method, can bool, sev catalog.Severity, skip ...string) string {
	tb.Helper()
	for _, c := range cat.Criteria {
		if slices.Contains(c.Methods, m) == can && (sev == "" || c.Severity == sev) && !slices.Contains(skip, c.ID) {
			return c.ID
		}
	}
	tb.Fatalf("catalogue %s has no criterion that %s can=%v establish with severity %q", cat.Version, m, can, sev)
	return ""
}

// labAssignment is the id of a lab's active assignment for a method.
func (e *env) labAssignment(tb testing.TB, number, lab string, m review.Method) int64 {
	tb.Helper()
	for _, as := range e.view(tb, "office", number).Assignments {
		if as.Lab != nil && as.Lab.ID == e.f.Orgs[lab].ID && as.Method == m && as.EndedAt == "" {
			return as.ID
		}
	}
	tb.Fatalf("%s: no active %s assignment of %s", number, m, lab)
	return 0
}

// assignLab has the office assign a lab for a method and returns the assignment id.
func (e *env) assignLab(tb testing.TB, number, lab string, m review.Method) int64 {
	tb.Helper()
	e.act(tb, "office", number, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs[lab].ID, Method: m, Declaration: demo.Declaration(lab)})
	return e.labAssignment(tb, number, lab, m)
}

// assignExperts has the office assign experts.
func (e *env) assignExperts(tb testing.TB, number string, experts ...string) {
	tb.Helper()
	for _, x := range experts {
		e.act(tb, "office", number, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users[x].ID, Declaration: demo.Declaration(x)})
	}
}

// upload records a file on a case (its content is the blob store's business).
func (e *env) upload(tb testing.TB, who, number, filename string, label review.Label, from string) store.MaterialView {
	tb.Helper()
	sum := sha256.Sum256([]byte(number + "/" + filename))
	m, err := e.s.AddMaterial(e.ctx, e.actor(tb, who), number, store.MaterialView{Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: 100,
		Filename: filename, ContentType: "application/octet-stream", Label: label}, from)
	if err != nil {
		tb.Fatalf("%s uploads %s to %s: %v", who, filename, number, err)
	}
	return m
}

// evidenceOf builds an evidence record of a kind from its structured data.
func evidenceOf(kind review.EvidenceKind, title string, label review.Label, data any, criteria []string, materials ...int64) review.EvidenceInput {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return review.EvidenceInput{Kind: kind, Title: title, Label: label, Criteria: criteria, Materials: materials, Data: raw}
}

func labTestInput(title string, label review.Label, criteria []string, materials ...int64) review.EvidenceInput {
	return evidenceOf(review.EvidenceLabTest, title, label, review.LabTestReport{
		Sample: review.Sample{Name: "HX-9000", Version: "3.1.0", Serial: "SN-0042"},
		Tests:  []review.TestCase{{ID: "T-01", Title: "full port scan", Result: "pass"}}}, criteria, materials...)
}

func documentInput(title string, materials ...int64) review.EvidenceInput {
	return evidenceOf(review.EvidenceDocument, title, "", review.Document{DocKind: "declaration", Description: "security declaration"}, nil, materials...)
}

func checklistInput(title string) review.EvidenceInput {
	return evidenceOf(review.EvidenceChecklist, title, "", review.Checklist{Site: "R&D centre", Date: "2026-04-08", Inspectors: []string{"A"},
		Items: []review.ChecklistItem{{Check: "build server isolation", Result: "nonconforming", Note: "shared admin account"}}}, nil)
}

func monitoringInput(title string) review.EvidenceInput {
	return evidenceOf(review.EvidenceMonitoring, title, "", review.Observations{Target: "HX-9000",
		Items: []review.Observation{{At: "2026-04-08T10:00:00+08:00", Observation: "traffic to declared endpoints only"}}}, nil)
}

// addEvidence files evidence and fails the test on error.
func (e *env) addEvidence(tb testing.TB, who, number string, in review.EvidenceInput, asg int64) store.EvidenceView {
	tb.Helper()
	v, err := e.s.AddEvidence(e.ctx, e.actor(tb, who), number, in, asg, who+"-host")
	if err != nil {
		tb.Fatalf("%s files %s on %s: %v", who, in.Kind, number, err)
	}
	return v
}

// addPlan has the office plan items and fails the test on error.
func (e *env) addPlan(tb testing.TB, number string, items ...store.PlanItem) []store.PlanItem {
	tb.Helper()
	out, err := e.s.AddPlanItems(e.ctx, e.actor(tb, "office"), number, items)
	if err != nil {
		tb.Fatalf("office plans %+v on %s: %v", items, number, err)
	}
	return out
}

// putFinding records a finding and fails the test on error.
func (e *env) putFinding(tb testing.TB, lab, number, criterion string, in store.FindingInput) store.FindingView {
	tb.Helper()
	f, err := e.s.PutFinding(e.ctx, e.actor(tb, lab), number, criterion, in)
	if err != nil {
		tb.Fatalf("%s records %s on %s: %v", lab, criterion, number, err)
	}
	return f
}

// reportSummary is the summary of the reports the tests sign.
const reportSummary = "Evaluated the planned criteria on the submitted sample."

// signedReport is a submit_report input signed with key over the draft.
func (e *env) signedReport(tb testing.TB, lab, number string, asg int64, key ed25519.PrivateKey) review.Input {
	tb.Helper()
	draft, err := e.s.ReportDraft(e.ctx, e.actor(tb, lab), number, asg, reportSummary, review.OutcomePass)
	if err != nil {
		tb.Fatalf("%s drafts its report on %s: %v", lab, number, err)
	}
	return review.Input{AssignmentID: asg, Summary: reportSummary, Recommendation: review.OutcomePass, Signature: signature.Sign(key, draft)}
}

func evidenceIDs(list []store.EvidenceView) []int64 {
	out := make([]int64, len(list))
	for i, v := range list {
		out[i] = v.ID
	}
	slices.Sort(out)
	return out
}

func sortedIDs(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// editCatalog returns the embedded catalogue's JSON changed by edit.
func editCatalog(tb testing.TB, edit func(c map[string]any, criteria []map[string]any) []map[string]any) []byte {
	tb.Helper()
	var c map[string]any
	if err := json.Unmarshal(catalog.DefaultJSON(), &c); err != nil {
		tb.Fatal(err)
	}
	var crits []map[string]any
	for _, x := range c["criteria"].([]any) {
		crits = append(crits, x.(map[string]any))
	}
	crits = edit(c, crits)
	c["criteria"] = crits
	b, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func sha256Digest(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// ---- 1. catalogue versions ----

func TestCatalogVersions(t *testing.T) {
	def := catalog.Default()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			// The embedded default is approved during migration, stamped
			// with the real time; "most recently approved" orders by that
			// stamp, so the fake clock must not run behind it.
			e := newEnv(t, b, time.Now().Add(time.Hour))
			admin, committee := e.actor(t, "admin"), e.actor(t, "committee")

			vs, err := e.s.CatalogVersions(e.ctx)
			if err != nil || len(vs) != 1 {
				t.Fatalf("versions after migration: %+v, %v", vs, err)
			}
			if v := vs[0]; v.Version != def.Version || v.Status != store.CatalogApproved || v.Criteria != len(def.Criteria) ||
				v.Digest != sha256Digest(catalog.DefaultJSON()) || v.DecidedAt == "" {
				t.Errorf("embedded default after migration: %+v", v)
			}
			if cur := e.currentCatalog(t); cur.Version != def.Version {
				t.Errorf("current catalogue %s, want %s", cur.Version, def.Version)
			}
			_, err = e.s.Catalog(e.ctx, "1999.1")
			reviewErr(t, err, review.KindNotFound, "not_found")

			// 2027.1 adds a criterion R1-C-99 (a copy of R1-C-01).
			next := editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
				c["version"] = "2027.1"
				extra := map[string]any{}
				for k, v := range crits[0] {
					extra[k] = v
				}
				extra["id"] = "R1-C-99"
				extra["title"] = map[string]any{"zh": "新增准则", "en": "A criterion added in 2027.1"}
				return append(crits, extra)
			})
			for _, who := range []string{"office", "committee", "lab1", "provider1", "expert1"} {
				_, err := e.s.LoadCatalog(e.ctx, e.actor(t, who), next)
				reviewErr(t, err, review.KindForbidden, "forbidden")
			}
			v, err := e.s.LoadCatalog(e.ctx, admin, next)
			if err != nil {
				t.Fatalf("admin loads 2027.1: %v", err)
			}
			if v.Version != "2027.1" || v.Status != store.CatalogProposed || v.Criteria != len(def.Criteria)+1 || v.Digest != sha256Digest(next) {
				t.Errorf("loaded: %+v", v)
			}
			if cur := e.currentCatalog(t); cur.Version != def.Version {
				t.Errorf("a proposed version became current: %s", cur.Version)
			}
			if c27, err := e.s.Catalog(e.ctx, "2027.1"); err != nil {
				t.Errorf("read proposed 2027.1: %v", err)
			} else if _, ok := c27.Lookup("R1-C-99"); !ok {
				t.Errorf("2027.1 lacks R1-C-99")
			}
			before := e.openRouter(t)
			if cv := e.view(t, "provider1", before).CatalogVersion; cv != def.Version {
				t.Errorf("case opened while 2027.1 is proposed has catalogue %q, want %q", cv, def.Version)
			}

			// An invalid catalogue is refused, naming the problem; nothing is stored.
			invalid := []struct {
				name string
				data []byte
				want string
			}{
				{"criterion without methods", editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
					c["version"] = "2027.9"
					crits[0]["methods"] = []any{}
					return crits
				}), "R1-C-01: methods: required"},
				{"unknown method", editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
					c["version"] = "2027.9"
					crits[1]["methods"] = []any{"divination"}
					return crits
				}), `methods: unknown method "divination"`},
				{"unknown severity", editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
					c["version"] = "2027.9"
					crits[0]["severity"] = "apocalyptic"
					return crits
				}), "R1-C-01: severity: unknown severity"},
				{"malformed version", editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
					c["version"] = "2027 9"
					return crits
				}), "version: malformed"},
				{"unknown field", editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
					c["version"] = "2027.9"
					crits[0]["weight"] = 3
					return crits
				}), "R1-C-01: weight: unknown field"},
				{"a cell with too few criteria", editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
					c["version"] = "2027.9"
					return slices.DeleteFunc(crits, func(x map[string]any) bool { return strings.HasPrefix(x["id"].(string), "R5-W-") })
				}), "cell R5-W has 0 criteria"},
				{"trailing data", append(catalog.DefaultJSON(), []byte(" {}")...), "trailing data"},
				{"not JSON", []byte(`{"version": `), "catalog:"},
			}
			for _, tc := range invalid {
				t.Run(tc.name, func(t *testing.T) {
					_, err := e.s.LoadCatalog(e.ctx, admin, tc.data)
					re := reviewErr(t, err, review.KindInvalid, "field_invalid")
					if re.Field != "catalog" || !strings.Contains(re.Params["rule"], tc.want) {
						t.Errorf("field %q rule %q, want field catalog and a rule containing %q", re.Field, re.Params["rule"], tc.want)
					}
				})
			}
			// The same version twice is a duplicate, whether or not the content differs.
			_, err = e.s.LoadCatalog(e.ctx, admin, next)
			reviewErr(t, err, review.KindConflict, "duplicate")
			_, err = e.s.LoadCatalog(e.ctx, admin, editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
				c["version"] = "2027.1"
				return crits
			}))
			reviewErr(t, err, review.KindConflict, "duplicate")
			if vs, _ := e.s.CatalogVersions(e.ctx); len(vs) != 2 {
				t.Errorf("after refused loads: %d versions, want 2: %+v", len(vs), vs)
			}

			// Only the committee decides.
			for _, who := range []string{"admin", "office", "expert1", "provider1", "lab1"} {
				err := e.s.DecideCatalog(e.ctx, e.actor(t, who), "2027.1", true, "")
				reviewErr(t, err, review.KindForbidden, "forbidden")
			}
			if cur := e.currentCatalog(t); cur.Version != def.Version {
				t.Errorf("refused approvals changed the current catalogue: %s", cur.Version)
			}
			e.clk.Add(time.Minute)
			if err := e.s.DecideCatalog(e.ctx, committee, "2027.1", true, "approved at session 12"); err != nil {
				t.Fatalf("committee approves 2027.1: %v", err)
			}
			err = e.s.DecideCatalog(e.ctx, e.actor(t, "committee2"), "2027.1", false, "too late")
			reviewErr(t, err, review.KindConflict, "already_done")
			if cur := e.currentCatalog(t); cur.Version != "2027.1" {
				t.Fatalf("current catalogue after approval: %s, want 2027.1", cur.Version)
			}
			after := e.openRouter(t)
			if cv := e.view(t, "provider1", after).CatalogVersion; cv != "2027.1" {
				t.Errorf("case opened after approval has catalogue %q, want 2027.1", cv)
			}
			if cv := e.view(t, "provider1", before).CatalogVersion; cv != def.Version {
				t.Errorf("earlier case changed catalogue to %q, want %q", cv, def.Version)
			}

			// A case keeps its version: R1-C-99 is plannable only on the later case.
			e.toEvaluation(t, before)
			e.toEvaluation(t, after)
			_, err = e.s.AddPlanItems(e.ctx, e.actor(t, "office"), before, []store.PlanItem{{CriterionID: "R1-C-99", Method: review.MethodLabTesting,
				AssignmentID: e.labAssignment(t, before, "lab1", review.MethodLabTesting)}})
			if re := reviewErr(t, err, review.KindInvalid, "field_unknown_value"); re.Field != "items.criterion_id" {
				t.Errorf("plan R1-C-99 on the %s case: field %q", def.Version, re.Field)
			}
			e.addPlan(t, after, store.PlanItem{CriterionID: "R1-C-99", Method: review.MethodLabTesting,
				AssignmentID: e.labAssignment(t, after, "lab1", review.MethodLabTesting)})

			// Rejection: the version stays out, and cannot be decided again.
			rejected := editCatalog(t, func(c map[string]any, crits []map[string]any) []map[string]any {
				c["version"] = "2027.2"
				return crits
			})
			if _, err := e.s.LoadCatalog(e.ctx, admin, rejected); err != nil {
				t.Fatalf("load 2027.2: %v", err)
			}
			e.clk.Add(time.Minute)
			if err := e.s.DecideCatalog(e.ctx, e.actor(t, "committee2"), "2027.2", false, "insufficient consultation"); err != nil {
				t.Fatalf("committee rejects 2027.2: %v", err)
			}
			err = e.s.DecideCatalog(e.ctx, committee, "2027.2", true, "")
			reviewErr(t, err, review.KindConflict, "already_done")
			err = e.s.DecideCatalog(e.ctx, committee, "2099.9", true, "")
			reviewErr(t, err, review.KindNotFound, "not_found")
			if cur := e.currentCatalog(t); cur.Version != "2027.1" {
				t.Errorf("current catalogue after a rejection: %s, want 2027.1", cur.Version)
			}
			if cv := e.view(t, "provider1", e.openRouter(t)).CatalogVersion; cv != "2027.1" {
				t.Errorf("case opened after the rejection has catalogue %q", cv)
			}
			vs, err = e.s.CatalogVersions(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			status := map[string]store.CatalogVersion{}
			for _, v := range vs {
				status[v.Version] = v
			}
			if len(vs) != 3 || status[def.Version].Status != store.CatalogApproved || status["2027.1"].Status != store.CatalogApproved ||
				status["2027.2"].Status != store.CatalogRejected || status["2027.2"].Note != "insufficient consultation" || status["2027.2"].DecidedAt == "" {
				t.Errorf("versions: %+v", vs)
			}

			// Audit: one row per load and per decision, none for refusals.
			var loads []string
			for _, r := range e.auditRows(t, "catalog.load", "") {
				loads = append(loads, r.Subject+" by "+r.Actor)
			}
			if !slices.Equal(loads, []string{"catalog:2027.1 by admin", "catalog:2027.2 by admin"}) {
				t.Errorf("catalog.load rows: %v", loads)
			}
			if rows := e.auditRows(t, "catalog.approved", ""); len(rows) != 1 || rows[0].Subject != "catalog:2027.1" || rows[0].Actor != "committee" {
				t.Errorf("catalog.approved rows: %+v", rows)
			}
			if rows := e.auditRows(t, "catalog.rejected", ""); len(rows) != 1 || rows[0].Subject != "catalog:2027.2" || rows[0].Actor != "committee2" {
				t.Errorf("catalog.rejected rows: %+v", rows)
			}
		})
	}
}

// ---- 2. the evaluation plan ----

func TestPlan(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			cat := e.currentCatalog(t)
			lt := demo.CriteriaFor(cat, review.MethodLabTesting, 4)
			notLT := pickCriterion(t, cat, review.MethodLabTesting, false, "")
			var both string // lab testing and document review both establish it
			for _, c := range cat.Criteria {
				if both == "" && slices.Contains(c.Methods, review.MethodLabTesting) && slices.Contains(c.Methods, review.MethodDocumentary) {
					both = c.ID
				}
			}
			if len(lt) != 4 || both == "" {
				t.Fatalf("catalogue lacks criteria for the test: %v %q", lt, both)
			}

			n := e.openRouter(t)
			e.toEvaluation(t, n)
			asg1 := e.labAssignment(t, n, "lab1", review.MethodLabTesting)
			asg2 := e.assignLab(t, n, "lab2", review.MethodLabTesting)
			other := e.openRouter(t)
			e.toEvaluation(t, other)
			otherAsg := e.labAssignment(t, other, "lab1", review.MethodLabTesting)
			item := func(c string, m review.Method, asg int64) store.PlanItem {
				return store.PlanItem{CriterionID: c, Method: m, AssignmentID: asg}
			}
			lab := review.MethodLabTesting

			refused := []struct {
				name, who   string
				items       []store.PlanItem
				kind        review.Kind
				code, field string
			}{
				{"a lab", "lab1", []store.PlanItem{item(lt[0], lab, asg1)}, review.KindForbidden, "forbidden", ""},
				{"the provider", "provider1", []store.PlanItem{item(lt[0], lab, asg1)}, review.KindForbidden, "forbidden", ""},
				{"an unassigned expert", "expert1", []store.PlanItem{item(lt[0], lab, asg1)}, review.KindNotFound, "not_found", ""},
				{"no items", "office", nil, review.KindInvalid, "field_required", "items"},
				{"unknown criterion", "office", []store.PlanItem{item("R9-X-99", lab, asg1)}, review.KindInvalid, "field_unknown_value", "items.criterion_id"},
				{"method cannot establish the criterion", "office", []store.PlanItem{item(notLT, lab, asg1)}, review.KindInvalid, "field_invalid", "items.method"},
				{"assignment of another case", "office", []store.PlanItem{item(lt[0], lab, otherAsg)}, review.KindInvalid, "field_invalid", "items.assignment_id"},
				{"no such assignment", "office", []store.PlanItem{item(lt[0], lab, 999999)}, review.KindInvalid, "field_invalid", "items.assignment_id"},
				{"method other than the assignment's", "office", []store.PlanItem{item(both, review.MethodDocumentary, asg1)}, review.KindInvalid, "field_invalid", "items.method"},
				{"a bad item after a good one", "office", []store.PlanItem{item(lt[0], lab, asg1), item("R9-X-99", lab, asg1)}, review.KindInvalid, "field_unknown_value", "items.criterion_id"},
			}
			for _, tc := range refused {
				t.Run("refused/"+tc.name, func(t *testing.T) {
					_, err := e.s.AddPlanItems(e.ctx, e.actor(t, tc.who), n, tc.items)
					if re := reviewErr(t, err, tc.kind, tc.code); re.Field != tc.field {
						t.Errorf("field %q, want %q", re.Field, tc.field)
					}
				})
			}
			if p, err := e.s.Plan(e.ctx, e.actor(t, "office"), n); err != nil || len(p) != 0 {
				t.Fatalf("plan after refusals: %+v, %v", p, err)
			}

			added := e.addPlan(t, n, item(lt[0], lab, asg1), item(lt[1], lab, asg1), item(lt[2], lab, asg2), item(lt[0], lab, asg2))
			idOf := map[string]int64{}
			for _, it := range added {
				if it.ID == 0 {
					t.Errorf("plan item without id: %+v", it)
				}
				idOf[it.CriterionID+"@"+itoa(it.AssignmentID)] = it.ID
			}
			if len(idOf) != 4 {
				t.Fatalf("added items: %+v", added)
			}
			// A duplicate refuses the whole batch.
			_, err := e.s.AddPlanItems(e.ctx, e.actor(t, "office"), n, []store.PlanItem{item(lt[3], lab, asg1), item(lt[0], lab, asg1)})
			reviewErr(t, err, review.KindConflict, "duplicate")

			// Who sees which items.
			lab1, lab2 := e.f.Orgs["lab1"].Name, e.f.Orgs["lab2"].Name
			e.assignExperts(t, n, "expert1")
			all := []string{lt[0] + "@" + lab1, lt[0] + "@" + lab2, lt[1] + "@" + lab1, lt[2] + "@" + lab2}
			for who, want := range map[string][]string{"office": all, "expert1": all,
				"lab1": {lt[0] + "@" + lab1, lt[1] + "@" + lab1}, "lab2": {lt[0] + "@" + lab2, lt[2] + "@" + lab2}} {
				p, err := e.s.Plan(e.ctx, e.actor(t, who), n)
				if err != nil {
					t.Errorf("%s reads the plan: %v", who, err)
					continue
				}
				var got []string
				for _, it := range p {
					got = append(got, it.CriterionID+"@"+it.Lab)
				}
				if !sameSet(got, want) {
					t.Errorf("%s sees plan %v, want %v", who, got, want)
				}
			}
			_, err = e.s.Plan(e.ctx, e.actor(t, "provider1"), n)
			reviewErr(t, err, review.KindForbidden, "forbidden")
			_, err = e.s.Plan(e.ctx, e.actor(t, "expert2"), n)
			reviewErr(t, err, review.KindNotFound, "not_found")

			// Removing an item removes its finding, and only that.
			ev := e.addEvidence(t, "lab1", n, labTestInput("scan", "", lt[:2]), asg1)
			e.putFinding(t, "lab1", n, lt[0], store.FindingInput{Status: catalog.StatusMet, Rationale: "ok", Evidence: []int64{ev.ID}})
			e.putFinding(t, "lab1", n, lt[1], store.FindingInput{Status: catalog.StatusMet, Rationale: "ok", Evidence: []int64{ev.ID}})
			rm := idOf[lt[1]+"@"+itoa(asg1)]
			err = e.s.RemovePlanItem(e.ctx, e.actor(t, "lab1"), n, rm)
			reviewErr(t, err, review.KindForbidden, "forbidden")
			err = e.s.RemovePlanItem(e.ctx, e.actor(t, "office"), other, rm)
			reviewErr(t, err, review.KindNotFound, "not_found")
			err = e.s.RemovePlanItem(e.ctx, e.actor(t, "office"), n, 999999)
			reviewErr(t, err, review.KindNotFound, "not_found")
			if err := e.s.RemovePlanItem(e.ctx, e.actor(t, "office"), n, rm); err != nil {
				t.Fatalf("office removes %s: %v", lt[1], err)
			}
			fs, err := e.s.Findings(e.ctx, e.actor(t, "office"), n)
			if err != nil || len(fs) != 1 || fs[0].CriterionID != lt[0] {
				t.Errorf("findings after removing %s: %+v, %v", lt[1], fs, err)
			}
			if p, _ := e.s.Plan(e.ctx, e.actor(t, "lab1"), n); len(p) != 1 || p[0].CriterionID != lt[0] {
				t.Errorf("lab1's plan after removal: %+v", p)
			}
			_, err = e.s.PutFinding(e.ctx, e.actor(t, "lab1"), n, lt[1], store.FindingInput{Status: catalog.StatusMet, Rationale: "ok", Evidence: []int64{ev.ID}})
			reviewErr(t, err, review.KindInvalid, "criterion_not_in_plan")
			if rows := e.auditRows(t, "plan.remove", "case:"+n); len(rows) != 1 || !strings.Contains(rows[0].Detail, lt[1]) {
				t.Errorf("plan.remove audit rows: %+v", rows)
			}

			// Once lab1 reported, its part of the plan is frozen; lab2's is not.
			e.act(t, "lab1", n, review.ActSubmitReport, e.signedReport(t, "lab1", n, asg1, e.f.Keys["lab1"]))
			_, err = e.s.AddPlanItems(e.ctx, e.actor(t, "office"), n, []store.PlanItem{item(lt[3], lab, asg1)})
			reviewErr(t, err, review.KindConflict, "already_done")
			err = e.s.RemovePlanItem(e.ctx, e.actor(t, "office"), n, idOf[lt[0]+"@"+itoa(asg1)])
			reviewErr(t, err, review.KindConflict, "already_done")
			e.addPlan(t, n, item(lt[3], lab, asg2))
			if err := e.s.RemovePlanItem(e.ctx, e.actor(t, "office"), n, idOf[lt[2]+"@"+itoa(asg2)]); err != nil {
				t.Errorf("remove from lab2's plan after lab1 reported: %v", err)
			}
		})
	}
}

// ---- 3. evidence and need-to-know ----

func TestEvidenceNeedToKnow(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 2)
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			asg1 := e.labAssignment(t, n, "lab1", review.MethodLabTesting)
			asg2 := e.assignLab(t, n, "lab2", review.MethodLabTesting)
			other := e.openRouter(t)

			mProv := e.upload(t, "provider1", n, "design.pdf", "", "10.0.0.5")
			mProvR := e.upload(t, "provider1", n, "source-escrow.pdf", review.LabelRestricted, "10.0.0.5")
			mLabR := e.upload(t, "lab1", n, "capture.pcap", review.LabelRestricted, "10.1.1.1")
			mOther := e.upload(t, "provider1", other, "other.pdf", "", "10.0.0.5")
			if mProv.Label != review.LabelConfidential || mProvR.Label != review.LabelRestricted {
				t.Errorf("labels: %q %q", mProv.Label, mProvR.Label)
			}

			evLabR := e.addEvidence(t, "lab1", n, labTestInput("lab1 restricted scan", review.LabelRestricted, lt, mLabR.ID), 0)
			if evLabR.Kind != review.EvidenceLabTest || evLabR.Method != review.MethodLabTesting || evLabR.AssignmentID != asg1 ||
				evLabR.Label != review.LabelRestricted || !strings.HasPrefix(evLabR.Digest, "sha256:") || evLabR.SubmittedBy != "lab1" ||
				len(evLabR.Materials) != 1 || evLabR.Materials[0].ID != mLabR.ID || !slices.Equal(evLabR.Criteria, lt) {
				t.Errorf("lab1's evidence: %+v", evLabR)
			}
			evLabDoc := e.addEvidence(t, "lab1", n, documentInput("lab1 method statement"), asg1)
			evProvDoc := e.addEvidence(t, "provider1", n, documentInput("provider declaration", mProv.ID), 0)
			evCheck := e.addEvidence(t, "office", n, checklistInput("on-site inspection"), 0)
			evLab2 := e.addEvidence(t, "lab2", n, labTestInput("lab2 scan", "", lt[:1]), asg2)

			refused := []struct {
				name, who   string
				in          review.EvidenceInput
				asg         int64
				kind        review.Kind
				code, field string
			}{
				{"lab files a checklist", "lab1", checklistInput("x"), asg1, review.KindInvalid, "field_invalid", "kind"},
				{"lab files observations", "lab1", monitoringInput("x"), asg1, review.KindInvalid, "field_invalid", "kind"},
				{"lab names another lab's assignment", "lab2", labTestInput("x", "", nil), asg1, review.KindInvalid, "field_invalid", "assignment_id"},
				{"provider files a lab test report", "provider1", labTestInput("x", "", nil), 0, review.KindForbidden, "forbidden", ""},
				{"provider files a checklist", "provider1", checklistInput("x"), 0, review.KindForbidden, "forbidden", ""},
				{"criterion not in the catalogue", "lab1", labTestInput("x", "", []string{"R9-Z-01"}), asg1, review.KindInvalid, "field_unknown_value", "criteria"},
				{"material of another case", "lab1", labTestInput("x", "", nil, mOther.ID), asg1, review.KindInvalid, "field_invalid", "materials"},
				{"no such material", "lab1", labTestInput("x", "", nil, 999999), asg1, review.KindInvalid, "field_invalid", "materials"},
				{"unknown label", "office", evidenceOf(review.EvidenceDocument, "x", "secret", review.Document{DocKind: "other"}, nil), 0, review.KindInvalid, "field_unknown_value", "label"},
				{"cii department", "cii", documentInput("x"), 0, review.KindNotFound, "not_found", ""},
				{"procurer", "procurer", documentInput("x"), 0, review.KindNotFound, "not_found", ""},
				{"admin", "admin", documentInput("x"), 0, review.KindNotFound, "not_found", ""},
			}
			for _, tc := range refused {
				t.Run("file/"+tc.name, func(t *testing.T) {
					_, err := e.s.AddEvidence(e.ctx, e.actor(t, tc.who), n, tc.in, tc.asg, "test")
					if re := reviewErr(t, err, tc.kind, tc.code); re.Field != tc.field {
						t.Errorf("field %q, want %q", re.Field, tc.field)
					}
				})
			}

			e.assignExperts(t, n, "expert1")
			everything := sortedIDs(evLabR.ID, evLabDoc.ID, evProvDoc.ID, evCheck.ID, evLab2.ID)
			reads := []struct {
				who  string
				want []int64 // nil: refused with kind
				kind review.Kind
			}{
				{"office", everything, ""},
				{"expert1", everything, ""},
				{"lab1", everything, ""},
				{"lab2", sortedIDs(evLabDoc.ID, evProvDoc.ID, evCheck.ID, evLab2.ID), ""},
				{"provider1", sortedIDs(evProvDoc.ID, evCheck.ID), ""},
				{"committee", nil, review.KindNotFound},
				{"expert2", nil, review.KindNotFound},
				{"cii", nil, review.KindNotFound},
				{"procurer", nil, review.KindNotFound},
				{"admin", nil, review.KindNotFound},
				{"provider2", nil, review.KindNotFound},
			}
			for _, tc := range reads {
				t.Run("read/"+tc.who, func(t *testing.T) {
					before := len(e.auditRows(t, "evidence.read", "case:"+n))
					list, err := e.s.Evidence(e.ctx, e.actor(t, tc.who), n, tc.who+"-addr")
					if tc.want == nil {
						reviewErr(t, err, tc.kind, "")
						if after := len(e.auditRows(t, "evidence.read", "case:"+n)); after != before {
							t.Errorf("a refused read left %d audit rows", after-before)
						}
						return
					}
					if err != nil {
						t.Fatalf("read: %v", err)
					}
					if got := evidenceIDs(list); !slices.Equal(got, tc.want) {
						t.Errorf("reads evidence %v, want %v", got, tc.want)
					}
					rows := e.auditRows(t, "evidence.read", "case:"+n)
					if len(rows) != before+1 {
						t.Fatalf("%d evidence.read rows after the read, want %d", len(rows), before+1)
					}
					var d struct {
						Evidence []int64 `json:"evidence"`
						From     string  `json:"from"`
					}
					last := rows[len(rows)-1]
					if err := json.Unmarshal([]byte(last.Detail), &d); err != nil || last.Actor != tc.who ||
						!slices.Equal(sortedIDs(d.Evidence...), tc.want) || d.From != tc.who+"-addr" {
						t.Errorf("audit row %+v (%v)", last, err)
					}
				})
			}

			// One record at a time: the same rule.
			one := []struct {
				who string
				id  int64
				ok  bool
			}{
				{"lab1", evLabR.ID, true}, {"office", evLabR.ID, true}, {"expert1", evLabR.ID, true},
				{"lab2", evLabR.ID, false}, {"provider1", evLabR.ID, false}, {"provider1", evLab2.ID, false},
				{"provider1", evLabDoc.ID, false}, {"provider1", evCheck.ID, true}, {"provider1", evProvDoc.ID, true},
				{"lab2", evCheck.ID, true}, {"office", 999999, false},
			}
			for _, tc := range one {
				v, err := e.s.OneEvidence(e.ctx, e.actor(t, tc.who), n, tc.id, "test")
				switch {
				case tc.ok && err != nil:
					t.Errorf("%s reads evidence %d: %v", tc.who, tc.id, err)
				case tc.ok && v.ID != tc.id:
					t.Errorf("%s reads evidence %d, got %d", tc.who, tc.id, v.ID)
				case !tc.ok && !review.IsKind(err, review.KindNotFound):
					t.Errorf("%s reads evidence %d: %+v, %v; want not found", tc.who, tc.id, v, err)
				}
			}
			// Reviewers see where a record came from; the provider does not.
			if v, _ := e.s.OneEvidence(e.ctx, e.actor(t, "office"), n, evCheck.ID, "x"); v.From != "office-host" {
				t.Errorf("office sees from %q", v.From)
			}
			if v, _ := e.s.OneEvidence(e.ctx, e.actor(t, "provider1"), n, evCheck.ID, "x"); v.From != "" {
				t.Errorf("provider sees from %q", v.From)
			}
			// The CII department of a CIIO case sees the case, not its evidence.
			ciioCase := e.open(t, "ciio", review.NewCase{Trigger: review.TriggerCIIOProcurement, ProductID: e.f.Cloud.ID,
				VersionIDs: versionIDs(e.f.CloudV), Procurement: &review.Procurement{Description: "dispatch cloud"}}).Number
			e.act(t, "ciio", ciioCase, review.ActDeclare, review.Input{})
			_, err := e.s.Evidence(e.ctx, e.actor(t, "cii"), ciioCase, "x")
			reviewErr(t, err, review.KindForbidden, "forbidden")
			_, err = e.s.Plan(e.ctx, e.actor(t, "cii"), ciioCase)
			reviewErr(t, err, review.KindForbidden, "forbidden")

			// Countersignature: the provider, once, on checklists only.
			signs := []struct {
				name, who string
				id        int64
				kind      review.Kind
				code      string
			}{
				{"office", "office", evCheck.ID, review.KindForbidden, "forbidden"},
				{"the lab", "lab1", evCheck.ID, review.KindForbidden, "forbidden"},
				{"another provider", "provider2", evCheck.ID, review.KindNotFound, "not_found"},
				{"a document", "provider1", evProvDoc.ID, review.KindInvalid, "field_invalid"},
				{"a lab test report", "provider1", evLabR.ID, review.KindInvalid, "field_invalid"},
				{"no such record", "provider1", 999999, review.KindNotFound, "not_found"},
			}
			for _, tc := range signs {
				err := e.s.Countersign(e.ctx, e.actor(t, tc.who), n, tc.id, "noted")
				if err == nil {
					t.Errorf("countersign by %s: accepted", tc.name)
					continue
				}
				reviewErr(t, err, tc.kind, tc.code)
			}
			if err := e.s.Countersign(e.ctx, e.actor(t, "provider1"), n, evCheck.ID, "we accept the nonconformity"); err != nil {
				t.Fatalf("provider1 countersigns: %v", err)
			}
			err = e.s.Countersign(e.ctx, e.actor(t, "provider1"), n, evCheck.ID, "again")
			reviewErr(t, err, review.KindConflict, "already_done")
			if v, _ := e.s.OneEvidence(e.ctx, e.actor(t, "office"), n, evCheck.ID, "x"); v.Countersigned == "" || v.CountersignedBy != "provider1" ||
				v.CountersignNote != "we accept the nonconformity" {
				t.Errorf("countersigned checklist: %+v", v)
			}
			if rows := e.auditRows(t, "evidence.countersign", "case:"+n); len(rows) != 1 || rows[0].Actor != "provider1" {
				t.Errorf("countersign audit rows: %+v", rows)
			}

			// Restricted files are listed only for those who may read them.
			names := func(v *store.CaseView) []string {
				var out []string
				for _, m := range v.Materials {
					out = append(out, m.Filename)
				}
				return out
			}
			for who, want := range map[string][]string{
				"office":    {"design.pdf", "source-escrow.pdf", "capture.pcap"},
				"expert1":   {"design.pdf", "source-escrow.pdf", "capture.pcap"},
				"provider1": {"design.pdf", "source-escrow.pdf"},
				"lab1":      {"design.pdf", "capture.pcap"},
				"lab2":      {"design.pdf"},
			} {
				if got := names(e.view(t, who, n)); !sameSet(got, want) {
					t.Errorf("%s is shown files %v, want %v", who, got, want)
				}
			}

			// Chain of custody: who stored and who read a file, from where.
			if _, err := e.s.OpenMaterial(e.ctx, e.actor(t, "lab1"), n, mProv.ID, "10.9.9.9"); err != nil {
				t.Fatalf("lab1 downloads design.pdf: %v", err)
			}
			for _, who := range []string{"office", "expert1"} {
				cs, err := e.s.Custody(e.ctx, e.actor(t, who), n, mProv.ID)
				if err != nil || len(cs) != 2 {
					t.Fatalf("%s reads custody: %+v, %v", who, cs, err)
				}
				if c := cs[0]; c.Event != "uploaded" || c.Actor != "provider1" || c.From != "10.0.0.5" || c.Digest != mProv.Digest || c.At == "" {
					t.Errorf("custody[0]: %+v", c)
				}
				if c := cs[1]; c.Event != "downloaded" || c.Actor != "lab1" || c.From != "10.9.9.9" || c.Digest != mProv.Digest || c.At == "" {
					t.Errorf("custody[1]: %+v", c)
				}
			}
			for _, who := range []string{"lab1", "provider1"} {
				_, err := e.s.Custody(e.ctx, e.actor(t, who), n, mProv.ID)
				reviewErr(t, err, review.KindForbidden, "forbidden")
			}
			_, err = e.s.Custody(e.ctx, e.actor(t, "office"), n, mOther.ID)
			reviewErr(t, err, review.KindNotFound, "not_found")
		})
	}
}

// TestEvidenceWithFile: evidence recorded with its file makes the file a
// material of the case, with the evidence's label, cited by the evidence;
// a refused record leaves no material (nor event, nor custody) behind.
func TestEvidenceWithFile(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 1)
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			asg := e.labAssignment(t, n, "lab1", review.MethodLabTesting)
			file := func(name string) store.MaterialView {
				sum := sha256.Sum256([]byte(name))
				return store.MaterialView{Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: 2048, Filename: name, ContentType: "application/pdf"}
			}
			materials := func() []store.MaterialView { return e.view(t, "office", n).Materials }

			refused := []struct {
				name, who   string
				in          review.EvidenceInput
				file        string
				kind        review.Kind
				code, field string
			}{
				{"kind outside the lab's method", "lab1", checklistInput("x"), "c.pdf", review.KindInvalid, "field_invalid", "kind"},
				{"criterion not in the catalogue", "lab1", labTestInput("x", "", []string{"R9-Z-01"}), "c.pdf", review.KindInvalid, "field_unknown_value", "criteria"},
				{"file name with a path", "lab1", labTestInput("x", "", lt), "../c.pdf", review.KindInvalid, "field_invalid", "filename"},
				{"provider files a lab test report", "provider1", labTestInput("x", "", lt), "c.pdf", review.KindForbidden, "forbidden", ""},
				{"no title", "lab1", labTestInput("", "", lt), "c.pdf", review.KindInvalid, "field_required", "title"},
			}
			for _, tc := range refused {
				t.Run("refused/"+tc.name, func(t *testing.T) {
					_, err := e.s.AddEvidenceFile(e.ctx, e.actor(t, tc.who), n, tc.in, 0, file(tc.file), "test")
					if re := reviewErr(t, err, tc.kind, tc.code); re.Field != tc.field {
						t.Errorf("field %q, want %q", re.Field, tc.field)
					}
					if m := materials(); len(m) != 0 {
						t.Errorf("a refused record left materials %+v", m)
					}
				})
			}

			f := file("scan-report.pdf")
			v, err := e.s.AddEvidenceFile(e.ctx, e.actor(t, "lab1"), n, labTestInput("scan report", review.LabelRestricted, lt), asg, f, "10.1.1.1")
			if err != nil {
				t.Fatal(err)
			}
			m := materials()
			if len(m) != 1 || m[0].Filename != f.Filename || m[0].Digest != f.Digest || m[0].Label != review.LabelRestricted || m[0].UploadedBy != "lab1" {
				t.Fatalf("materials after the record: %+v", m)
			}
			if len(v.Materials) != 1 || v.Materials[0].ID != m[0].ID || v.AssignmentID != asg || v.Label != review.LabelRestricted {
				t.Errorf("the evidence does not cite its file: %+v", v)
			}
			custody, err := e.s.Custody(e.ctx, e.actor(t, "office"), n, m[0].ID)
			if err != nil || len(custody) != 1 || custody[0].Event != "uploaded" || custody[0].From != "10.1.1.1" {
				t.Errorf("custody of the file: %+v, %v", custody, err)
			}
			// The same digest as a file recorded without the record: the
			// evidence's digest covers the file's.
			w, err := e.s.AddEvidence(e.ctx, e.actor(t, "lab1"), n, labTestInput("scan report", review.LabelRestricted, lt, m[0].ID), asg, "10.1.1.1")
			if err != nil || w.Digest != v.Digest {
				t.Errorf("digest with the file %s, citing it afterwards %s (%v)", v.Digest, w.Digest, err)
			}
		})
	}
}

// ---- 4. findings ----

func TestFindings(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 4)
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			asg1 := e.labAssignment(t, n, "lab1", review.MethodLabTesting)
			asg2 := e.assignLab(t, n, "lab2", review.MethodLabTesting)
			e.addPlan(t, n, store.PlanItem{CriterionID: lt[0], Method: review.MethodLabTesting, AssignmentID: asg1},
				store.PlanItem{CriterionID: lt[1], Method: review.MethodLabTesting, AssignmentID: asg1},
				store.PlanItem{CriterionID: lt[2], Method: review.MethodLabTesting, AssignmentID: asg2})
			ev := e.addEvidence(t, "lab1", n, labTestInput("scan", "", lt[:2]), asg1)
			ev2 := e.addEvidence(t, "lab2", n, labTestInput("scan", "", lt[2:3]), asg2)

			// A case still being accepted takes no findings.
			early := e.openRouter(t)
			e.toScreening(t, early)
			e.act(t, "office", early, review.ActAccept, review.Input{})
			earlyAsg := e.assignLab(t, early, "lab1", review.MethodLabTesting)
			e.addPlan(t, early, store.PlanItem{CriterionID: lt[0], Method: review.MethodLabTesting, AssignmentID: earlyAsg})
			otherEv := e.addEvidence(t, "lab1", early, labTestInput("early", "", nil), earlyAsg)
			_, err := e.s.PutFinding(e.ctx, e.actor(t, "lab1"), early, lt[0], store.FindingInput{Status: catalog.StatusNotApplicable, Rationale: "n/a"})
			reviewErr(t, err, review.KindConflict, "illegal_transition")

			met := func(evs ...int64) store.FindingInput {
				return store.FindingInput{Status: catalog.StatusMet, Rationale: "checked", Evidence: evs}
			}
			refused := []struct {
				name, who, criterion string
				in                   store.FindingInput
				kind                 review.Kind
				code, field          string
			}{
				{"provider", "provider1", lt[0], met(ev.ID), review.KindForbidden, "forbidden", ""},
				{"office", "office", lt[0], met(ev.ID), review.KindForbidden, "forbidden", ""},
				{"unassigned expert", "expert1", lt[0], met(ev.ID), review.KindNotFound, "not_found", ""},
				{"criterion planned for the other lab", "lab1", lt[2], met(ev.ID), review.KindInvalid, "criterion_not_in_plan", "criterion"},
				{"criterion planned for nobody", "lab1", lt[3], met(ev.ID), review.KindInvalid, "criterion_not_in_plan", "criterion"},
				{"met without evidence", "lab1", lt[0], met(), review.KindInvalid, "field_required", "evidence"},
				{"not met without evidence", "lab1", lt[0], store.FindingInput{Status: catalog.StatusNotMet, Rationale: "x"}, review.KindInvalid, "field_required", "evidence"},
				{"evidence of another case", "lab1", lt[0], met(otherEv.ID), review.KindInvalid, "field_invalid", "evidence"},
				{"no such evidence", "lab1", lt[0], met(999999), review.KindInvalid, "field_invalid", "evidence"},
				{"unknown status", "lab1", lt[0], store.FindingInput{Status: "mostly", Rationale: "x", Evidence: []int64{ev.ID}}, review.KindInvalid, "field_unknown_value", "status"},
				{"no rationale", "lab1", lt[0], store.FindingInput{Status: catalog.StatusMet, Rationale: " ", Evidence: []int64{ev.ID}}, review.KindInvalid, "field_required", "rationale"},
				{"another lab's assignment", "lab2", lt[2], store.FindingInput{Status: catalog.StatusMet, Rationale: "x", Evidence: []int64{ev2.ID}, AssignmentID: asg1}, review.KindInvalid, "field_invalid", "assignment_id"},
			}
			for _, tc := range refused {
				t.Run(tc.name, func(t *testing.T) {
					_, err := e.s.PutFinding(e.ctx, e.actor(t, tc.who), n, tc.criterion, tc.in)
					re := reviewErr(t, err, tc.kind, tc.code)
					if re.Field != tc.field {
						t.Errorf("field %q, want %q", re.Field, tc.field)
					}
					if tc.code == "criterion_not_in_plan" && re.Params["criterion"] != tc.criterion {
						t.Errorf("params %v do not name %s", re.Params, tc.criterion)
					}
				})
			}
			if fs, _ := e.s.Findings(e.ctx, e.actor(t, "office"), n); len(fs) != 0 {
				t.Fatalf("refused findings were stored: %+v", fs)
			}

			// Not applicable needs no evidence.
			na := e.putFinding(t, "lab1", n, lt[1], store.FindingInput{Status: catalog.StatusNotApplicable, Rationale: "no such interface"})
			if na.Version != 1 || len(na.Evidence) != 0 || na.AssignmentID != asg1 || na.UpdatedBy != "lab1" {
				t.Errorf("not applicable finding: %+v", na)
			}

			// Optimistic versions.
			f := e.putFinding(t, "lab1", n, lt[0], met(ev.ID))
			if f.Version != 1 || f.Status != catalog.StatusMet || f.Lab != e.f.Orgs["lab1"].Name {
				t.Fatalf("new finding: %+v", f)
			}
			steps := []struct {
				name    string
				version int64
				status  catalog.Status
				want    int64 // the version after; 0: refused as a concurrent update
			}{
				{"current version", 1, catalog.StatusPartiallyMet, 2},
				{"stale version", 1, catalog.StatusNotMet, 0},
				{"current again", 2, catalog.StatusNotMet, 3},
				{"future version", 9, catalog.StatusMet, 0},
				{"no version: last writer wins", 0, catalog.StatusMet, 4},
			}
			for _, s := range steps {
				got, err := e.s.PutFinding(e.ctx, e.actor(t, "lab1"), n, lt[0], store.FindingInput{Status: s.status, Rationale: s.name, Evidence: []int64{ev.ID}, Version: s.version})
				if s.want == 0 {
					reviewErr(t, err, review.KindConflict, "concurrent_update")
					continue
				}
				if err != nil || got.Version != s.want || got.Status != s.status || got.Rationale != s.name || got.ID != f.ID {
					t.Errorf("%s: %+v, %v; want version %d status %s", s.name, got, err, s.want, s.status)
				}
			}
			// A version given for a finding not yet recorded is a concurrent update too.
			_, err = e.s.PutFinding(e.ctx, e.actor(t, "lab2"), n, lt[2], store.FindingInput{Status: catalog.StatusMet, Rationale: "x", Evidence: []int64{ev2.ID}, Version: 1})
			reviewErr(t, err, review.KindConflict, "concurrent_update")
			e.putFinding(t, "lab2", n, lt[2], store.FindingInput{Status: catalog.StatusMet, Rationale: "x", Evidence: []int64{ev2.ID}})

			// Who reads which findings.
			lab1, lab2 := e.f.Orgs["lab1"].Name, e.f.Orgs["lab2"].Name
			e.assignExperts(t, n, "expert1")
			all := []string{lt[0] + "@" + lab1, lt[1] + "@" + lab1, lt[2] + "@" + lab2}
			for who, want := range map[string][]string{"office": all, "expert1": all,
				"lab1": {lt[0] + "@" + lab1, lt[1] + "@" + lab1}, "lab2": {lt[2] + "@" + lab2}} {
				fs, err := e.s.Findings(e.ctx, e.actor(t, who), n)
				if err != nil {
					t.Errorf("%s reads findings: %v", who, err)
					continue
				}
				var got []string
				for _, f := range fs {
					got = append(got, f.CriterionID+"@"+f.Lab)
				}
				if !sameSet(got, want) {
					t.Errorf("%s reads findings %v, want %v", who, got, want)
				}
			}
			for who, kind := range map[string]review.Kind{"provider1": review.KindForbidden, "provider2": review.KindNotFound, "committee": review.KindNotFound} {
				_, err := e.s.Findings(e.ctx, e.actor(t, who), n)
				reviewErr(t, err, kind, "")
			}
			if rows := e.auditRows(t, "finding.put", "case:"+n); len(rows) != 6 {
				t.Errorf("finding.put audit rows: %d, want 6 (one per accepted write)", len(rows))
			}
		})
	}
}

// ---- 5. signed reports ----

func TestSignedReports(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 2)
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			asg := e.labAssignment(t, n, "lab1", review.MethodLabTesting)
			e.addPlan(t, n, store.PlanItem{CriterionID: lt[0], Method: review.MethodLabTesting, AssignmentID: asg},
				store.PlanItem{CriterionID: lt[1], Method: review.MethodLabTesting, AssignmentID: asg})
			ev := e.addEvidence(t, "lab1", n, labTestInput("scan", "", lt), asg)
			e.putFinding(t, "lab1", n, lt[0], store.FindingInput{Status: catalog.StatusMet, Rationale: "port scan clean", Evidence: []int64{ev.ID}})
			lab1 := e.actor(t, "lab1")
			draft := func() []byte {
				t.Helper()
				d, err := e.s.ReportDraft(e.ctx, lab1, n, asg, reportSummary, review.OutcomePass)
				if err != nil {
					t.Fatalf("draft: %v", err)
				}
				return d
			}

			// The draft is deterministic and rebuilt from the record.
			d1, d2 := draft(), draft()
			if !bytes.Equal(d1, d2) {
				t.Fatalf("two drafts differ:\n%s\n%s", d1, d2)
			}
			var p review.ReportPayload
			if err := json.Unmarshal(d1, &p); err != nil {
				t.Fatalf("draft is not JSON: %v", err)
			}
			if p.Type != review.ReportType || p.Case != n || p.CatalogVersion != catalog.Default().Version || p.AssignmentID != asg ||
				p.LabOrgID != e.f.Orgs["lab1"].ID || len(p.Findings) != 1 || p.Findings[0].Criterion != lt[0] ||
				len(p.Findings[0].Evidence) != 1 || p.Findings[0].Evidence[0] != ev.Digest {
				t.Errorf("draft payload: %+v", p)
			}
			for who, kind := range map[string]review.Kind{"provider1": review.KindForbidden, "office": review.KindForbidden, "lab2": review.KindNotFound} {
				_, err := e.s.ReportDraft(e.ctx, e.actor(t, who), n, 0, "summary", review.OutcomePass)
				reviewErr(t, err, kind, "")
			}

			// A report missing a planned finding is refused, naming it.
			_, err := e.s.ApplyAction(e.ctx, lab1, n, review.ActSubmitReport, review.Input{AssignmentID: asg, Summary: reportSummary,
				Recommendation: review.OutcomePass, Signature: signature.Sign(e.f.Keys["lab1"], d1)})
			if re := reviewErr(t, err, review.KindInvalid, "report_incomplete"); !strings.Contains(re.Params["missing"], lt[1]) || strings.Contains(re.Params["missing"], lt[0]) {
				t.Errorf("report_incomplete params %v, want %s missing", re.Params, lt[1])
			}

			// Every change of a finding changes the bytes; undoing it restores them.
			e.putFinding(t, "lab1", n, lt[1], store.FindingInput{Status: catalog.StatusMet, Rationale: "firmware unpacked", Evidence: []int64{ev.ID}})
			d3 := draft()
			if bytes.Equal(d3, d1) {
				t.Error("draft unchanged by a new finding")
			}
			e.putFinding(t, "lab1", n, lt[0], store.FindingInput{Status: catalog.StatusPartiallyMet, Rationale: "port scan clean", Evidence: []int64{ev.ID}})
			if bytes.Equal(draft(), d3) {
				t.Error("draft unchanged by a changed status")
			}
			e.putFinding(t, "lab1", n, lt[0], store.FindingInput{Status: catalog.StatusMet, Rationale: "port scan clean", Evidence: []int64{ev.ID}})
			if !bytes.Equal(draft(), d3) {
				t.Error("draft differs after restoring the finding")
			}
			if d, _ := e.s.ReportDraft(e.ctx, lab1, n, asg, "another summary", review.OutcomePass); bytes.Equal(d, d3) {
				t.Error("draft unchanged by the summary")
			}

			// Signatures: only the lab's own registered, unrevoked key.
			good := e.signedReport(t, "lab1", n, asg, e.f.Keys["lab1"])
			bad := []struct {
				name string
				sig  string
			}{
				{"another org's key", e.signedReport(t, "lab1", n, asg, e.f.Keys["lab2"]).Signature},
				{"the provider's key", e.signedReport(t, "lab1", n, asg, e.f.Keys["provider1"]).Signature},
				{"other bytes", signature.Sign(e.f.Keys["lab1"], d1)},
				{"not base64", "not-a-signature"},
			}
			for _, tc := range bad {
				in := good
				in.Signature = tc.sig
				_, err := e.s.ApplyAction(e.ctx, lab1, n, review.ActSubmitReport, in)
				if re := reviewErr(t, err, review.KindInvalid, "signature_invalid"); re.Field != "signature" {
					t.Errorf("%s: field %q", tc.name, re.Field)
				}
			}
			oldPub := e.f.Keys["lab1"].Public().(ed25519.PublicKey)
			err = e.s.RevokeSigningKey(e.ctx, e.actor(t, "lab1"), e.f.Orgs["lab1"].ID, signature.KeyID(oldPub))
			reviewErr(t, err, review.KindForbidden, "forbidden")
			if err := e.s.RevokeSigningKey(e.ctx, e.actor(t, "office"), e.f.Orgs["lab1"].ID, signature.KeyID(oldPub)); err != nil {
				t.Fatalf("revoke lab1's key: %v", err)
			}
			_, err = e.s.ApplyAction(e.ctx, lab1, n, review.ActSubmitReport, good)
			reviewErr(t, err, review.KindInvalid, "no_signing_key")
			newPub, newKey, _ := ed25519.GenerateKey(nil)
			if _, err := e.s.AddSigningKey(e.ctx, e.actor(t, "office"), e.f.Orgs["lab1"].ID, signature.FormatPublicKey(newPub)); err != nil {
				t.Fatal(err)
			}
			_, err = e.s.ApplyAction(e.ctx, lab1, n, review.ActSubmitReport, good) // the revoked key
			reviewErr(t, err, review.KindInvalid, "signature_invalid")
			if sd, _ := e.s.SignedDocuments(e.ctx, e.actor(t, "office"), n); len(sd) != 0 {
				t.Fatalf("refused reports were stored: %+v", sd)
			}
			e.act(t, "lab1", n, review.ActSubmitReport, e.signedReport(t, "lab1", n, asg, newKey))
			_, err = e.s.ApplyAction(e.ctx, lab1, n, review.ActSubmitReport, e.signedReport(t, "lab1", n, asg, newKey))
			reviewErr(t, err, review.KindConflict, "already_done")
			if err := demo.Commit(e.ctx, e.s, e.f, n, "provider1"); err != nil {
				t.Fatal(err)
			}

			report := func(who string) store.SignedDocument {
				t.Helper()
				docs, err := e.s.SignedDocuments(e.ctx, e.actor(t, who), n)
				if err != nil {
					t.Fatalf("%s lists signed documents: %v", who, err)
				}
				for _, d := range docs {
					if d.Type == review.ReportType {
						return d
					}
				}
				t.Fatalf("%s sees no report among %+v", who, docs)
				return store.SignedDocument{}
			}
			r := report("office")
			if !r.SignatureValid || r.MatchesRecord == nil || !*r.MatchesRecord || r.KeyID != signature.KeyID(newPub) ||
				r.PublicKey != signature.FormatPublicKey(newPub) || r.SignedBy != "lab1" || r.AssignmentID != asg || string(r.Payload) != string(d3) {
				t.Errorf("stored report: %+v (matches %v)", r, r.MatchesRecord)
			}
			if pub, err := signature.ParsePublicKey(r.PublicKey); err != nil || signature.Verify(pub, r.Payload, r.Signature) != nil {
				t.Errorf("the stored report does not verify offline: %v", err)
			}
			report("lab1")
			// The provider sees its commitment only; another lab nothing.
			if docs, err := e.s.SignedDocuments(e.ctx, e.actor(t, "provider1"), n); err != nil || len(docs) != 1 || docs[0].Type != review.CommitmentType || !docs[0].SignatureValid || docs[0].MatchesRecord != nil {
				t.Errorf("provider1's signed documents: %+v, %v", docs, err)
			}
			// A revoked key's old signatures stay valid.
			if err := e.s.RevokeSigningKey(e.ctx, e.actor(t, "admin"), e.f.Orgs["lab1"].ID, signature.KeyID(newPub)); err != nil {
				t.Fatal(err)
			}
			if r := report("office"); !r.SignatureValid || !*r.MatchesRecord {
				t.Errorf("after revoking the signing key: valid %v matches %v", r.SignatureValid, *r.MatchesRecord)
			}

			// Editing a finding behind the application's back: the signature
			// still verifies, but no longer matches the record.
			if _, err := e.s.DB().ExecContext(e.ctx, `UPDATE findings SET status = 'not_met' WHERE criterion_id = $1 AND case_id = (SELECT id FROM cases WHERE number = $2)`, lt[1], n); err != nil {
				t.Fatal(err)
			}
			if r := report("office"); !r.SignatureValid || *r.MatchesRecord {
				t.Errorf("after editing a finding: valid %v matches %v, want true false", r.SignatureValid, *r.MatchesRecord)
			}
			// Editing the stored payload breaks the signature.
			if _, err := e.s.DB().ExecContext(e.ctx, `UPDATE signed_documents SET payload = payload || ' ' WHERE kind = $1`, review.ReportType); err != nil {
				t.Fatal(err)
			}
			if r := report("office"); r.SignatureValid {
				t.Error("a stored payload edited by one byte still verifies")
			}
		})
	}
}

// ---- 6. opinions, recusal, votes, quorum ----

func TestOpinionsAndVotes(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			e.s.ExpertQuorum = 2
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 1)
			evR := e.addEvidence(t, "lab1", n, labTestInput("restricted capture", review.LabelRestricted, lt), 0)
			e.report(t, n, nil)
			e.act(t, "office", n, review.ActCompleteEvaluation, review.Input{})
			e.assignExperts(t, n, "expert1", "expert2", "expert3", "expert4")

			assess := func(who string) *store.Assessment {
				t.Helper()
				a, err := e.s.Assessment(e.ctx, e.actor(t, who), n)
				if err != nil {
					t.Fatalf("%s reads the assessment: %v", who, err)
				}
				return a
			}
			experts := func(a *store.Assessment) []string {
				var out []string
				for _, o := range a.Opinions {
					out = append(out, o.Expert)
				}
				return out
			}
			give := func(who string, o review.Outcome, level review.RiskLevel) {
				t.Helper()
				e.act(t, who, n, review.ActGiveOpinion, review.Input{Recommendation: o, Rationale: who + " weighed the evidence", Areas: demo.Areas(level, "")})
			}

			give("expert1", review.OutcomePass, review.RiskLow)
			_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), n, review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "x"})
			if re := reviewErr(t, err, review.KindConflict, "guard_failed"); re.Params["rule"] != "expert_quorum_not_reached" {
				t.Errorf("decide on one opinion: %v", re)
			}
			// An expert sees the others only after giving its own.
			if a := assess("expert2"); len(a.Opinions) != 0 || a.Tally.Cast != 0 {
				t.Errorf("expert2 before its opinion sees %v (tally %+v)", experts(a), a.Tally)
			}
			if got := experts(assess("expert1")); !slices.Equal(got, []string{"expert1"}) {
				t.Errorf("expert1 sees %v", got)
			}
			give("expert2", review.OutcomePass, review.RiskLow)
			if got := experts(assess("expert2")); !slices.Equal(got, []string{"expert1", "expert2"}) {
				t.Errorf("expert2 after its opinion sees %v", got)
			}

			// Recusal: only before an opinion; it ends the expert's access.
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "expert1"), n, review.ActRecuse, review.Input{Reason: "second thoughts"})
			reviewErr(t, err, review.KindConflict, "already_done")
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "expert1"), n, review.ActGiveOpinion, opinion(review.OutcomeFail))
			reviewErr(t, err, review.KindConflict, "already_done")
			e.act(t, "expert3", n, review.ActRecuse, review.Input{Reason: "consulted for the provider in 2024"})
			_, err = e.s.Assessment(e.ctx, e.actor(t, "expert3"), n)
			reviewErr(t, err, review.KindForbidden, "assignment_ended")
			give("expert4", review.OutcomeFail, review.RiskHigh)

			a := assess("office")
			if got := experts(a); !slices.Equal(got, []string{"expert1", "expert2", "expert4"}) {
				t.Errorf("office sees opinions of %v", got)
			}
			tl := a.Tally
			if tl.Cast != 3 || tl.Quorum != 2 || tl.Counts[review.OutcomePass] != 2 || tl.Counts[review.OutcomeFail] != 1 ||
				tl.Majority != review.OutcomePass || tl.Unanimous || !slices.Equal(tl.Dissent, []string{"expert4"}) {
				t.Errorf("tally: %+v", tl)
			}
			if len(a.Recusals) != 1 || a.Recusals[0].Expert != "expert3" || a.Recusals[0].Reason != "consulted for the provider in 2024" || a.Recusals[0].At == "" {
				t.Errorf("recusals: %+v", a.Recusals)
			}
			if r1 := a.Areas["R1"]; r1[review.RiskLow] != 2 || r1[review.RiskHigh] != 1 || len(r1) != 2 {
				t.Errorf("spread in R1: %v", r1)
			}
			if a.Recommendation != review.OutcomePass || len(a.RuleBasis) != 0 {
				t.Errorf("rule recommendation %q basis %v, want pass", a.Recommendation, a.RuleBasis)
			}
			for who, kind := range map[string]review.Kind{"provider1": review.KindForbidden, "lab1": review.KindForbidden, "committee": review.KindNotFound} {
				_, err := e.s.Assessment(e.ctx, e.actor(t, who), n)
				reviewErr(t, err, kind, "")
			}
			// Experts read restricted evidence; the committee not before referral.
			if list, err := e.s.Evidence(e.ctx, e.actor(t, "expert1"), n, "x"); err != nil || !slices.Contains(evidenceIDs(list), evR.ID) {
				t.Errorf("expert1 reads evidence %v, %v; want %d among it", evidenceIDs(list), err, evR.ID)
			}
			_, err = e.s.Evidence(e.ctx, e.actor(t, "committee"), n, "x")
			reviewErr(t, err, review.KindNotFound, "not_found")

			// The committee: referral with the lowered quorum, one vote each.
			e.act(t, "office", n, review.ActMarkImportant, review.Input{})
			e.act(t, "office", n, review.ActReferToCommittee, review.Input{})
			if list, err := e.s.Evidence(e.ctx, e.actor(t, "committee"), n, "x"); err != nil || !slices.Contains(evidenceIDs(list), evR.ID) {
				t.Errorf("committee reads evidence %v, %v; want %d among it", evidenceIDs(list), err, evR.ID)
			}
			vote := func(who string, o review.Outcome) error {
				_, err := e.s.ApplyAction(e.ctx, e.actor(t, who), n, review.ActCastVote, review.Input{Outcome: o, Rationale: who + "'s reasons"})
				return err
			}
			if err := vote("committee", review.OutcomePass); err != nil {
				t.Fatal(err)
			}
			reviewErr(t, vote("committee", review.OutcomeFail), review.KindConflict, "already_done")
			reviewErr(t, vote("expert1", review.OutcomeFail), review.KindForbidden, "forbidden")
			if err := vote("committee2", review.OutcomePass); err != nil {
				t.Fatal(err)
			}
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "committee"), n, review.ActCommitteeDecide, review.Input{Outcome: review.OutcomePass, Rationale: "x"})
			if re := reviewErr(t, err, review.KindConflict, "guard_failed"); re.Params["rule"] != "committee_quorum_not_reached" {
				t.Errorf("committee decides on two votes: %v", re)
			}
			if err := vote("committee3", review.OutcomeFail); err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{"office", "committee2"} {
				votes, tally, err := e.s.Votes(e.ctx, e.actor(t, who), n)
				if err != nil {
					t.Fatalf("%s reads votes: %v", who, err)
				}
				var got []string
				for _, v := range votes {
					got = append(got, v.Member+":"+string(v.Outcome))
				}
				if !slices.Equal(got, []string{"committee:pass", "committee2:pass", "committee3:fail"}) || tally.Cast != 3 ||
					tally.Majority != review.OutcomePass || !slices.Equal(tally.Dissent, []string{"committee3"}) {
					t.Errorf("%s reads votes %v tally %+v", who, got, tally)
				}
			}
			for who, kind := range map[string]review.Kind{"provider1": review.KindForbidden, "lab1": review.KindForbidden, "expert1": review.KindForbidden} {
				_, _, err := e.s.Votes(e.ctx, e.actor(t, who), n)
				reviewErr(t, err, kind, "")
			}
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "committee"), n, review.ActCommitteeDecide, review.Input{Outcome: review.OutcomeFail, Rationale: "x"})
			reviewErr(t, err, review.KindInvalid, "field_invalid")
			v := e.act(t, "committee2", n, review.ActCommitteeDecide, review.Input{Outcome: review.OutcomePass, Rationale: "the majority"})
			if v.State != review.StateDecided || v.Decision == nil || v.Decision.Outcome != review.OutcomePass {
				t.Errorf("after the committee's decision: %s %+v", v.State, v.Decision)
			}
		})
	}
}

// ---- 7. the decision rule, departures and conditions ----

func TestDecisionAndConditions(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			e.s.ExpertQuorum = 2
			cat := e.currentCatalog(t)
			critical := pickCriterion(t, cat, review.MethodLabTesting, true, catalog.SeverityCritical)
			high := pickCriterion(t, cat, review.MethodLabTesting, true, catalog.SeverityHigh)
			low := pickCriterion(t, cat, review.MethodLabTesting, true, catalog.SeverityMedium, critical, high)
			evaluate := func(findings map[string]catalog.Status) string {
				t.Helper()
				n := e.openRouter(t)
				e.toEvaluation(t, n)
				e.report(t, n, findings)
				e.act(t, "office", n, review.ActCompleteEvaluation, review.Input{})
				e.assignExperts(t, n, "expert1", "expert2")
				e.act(t, "expert1", n, review.ActGiveOpinion, opinion(review.OutcomePass))
				e.act(t, "expert2", n, review.ActGiveOpinion, opinion(review.OutcomePass))
				return n
			}
			rules := []struct {
				name     string
				findings map[string]catalog.Status
				want     review.Outcome
				basis    []string
			}{
				{"critical not met", map[string]catalog.Status{critical: catalog.StatusNotMet, high: catalog.StatusNotMet, low: catalog.StatusMet}, review.OutcomeFail, []string{critical}},
				{"high not met", map[string]catalog.Status{high: catalog.StatusNotMet, low: catalog.StatusNotMet, critical: catalog.StatusMet}, review.OutcomeConditionalPass, []string{high}},
				{"critical partially met", map[string]catalog.Status{critical: catalog.StatusPartiallyMet, low: catalog.StatusNotMet}, review.OutcomeConditionalPass, []string{critical}},
			}
			cases := map[string]string{}
			for _, r := range rules {
				n := evaluate(r.findings)
				cases[r.name] = n
				a, err := e.s.Assessment(e.ctx, e.actor(t, "office"), n)
				if err != nil || a.Recommendation != r.want || !slices.Equal(a.RuleBasis, r.basis) {
					t.Errorf("%s: rule gives %q on %v (%v), want %q on %v", r.name, a.Recommendation, a.RuleBasis, err, r.want, r.basis)
				}
			}

			// Departing from the rule needs a written rationale, kept in the decision.
			n := cases["critical not met"]
			_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), n, review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "experts say pass"})
			if re := reviewErr(t, err, review.KindInvalid, "departs_from_rule"); re.Field != "departure_rationale" ||
				re.Params["recommended"] != string(review.OutcomeFail) || re.Params["outcome"] != string(review.OutcomePass) {
				t.Errorf("departure refused with %v", re)
			}
			const why = "The debug port is disabled in the shipped configuration and cannot be enabled remotely."
			v := e.act(t, "office", n, review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "experts say pass", DepartureRationale: why})
			if d := v.Decision; d == nil || d.Outcome != review.OutcomePass || d.Recommendation != review.OutcomeFail || d.DepartureRationale != why {
				t.Errorf("decision: %+v", v.Decision)
			}
			if d := e.view(t, "provider1", n).Decision; d == nil || d.DepartureRationale != why {
				t.Errorf("the provider's view of the decision: %+v", d)
			}

			// Following the rule needs none; a conditional pass carries conditions.
			n = cases["high not met"]
			conds := []review.Condition{
				{Text: "Ship firmware 3.2.1 closing the finding", Due: "2026-12-31"},
				{Text: "Publish a hardening guide", Due: "2026-06-30"},
				{Text: "Retest by lab1", Due: "2026-08-31", SuspendIfOverdue: true},
			}
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), n, review.ActDecide, review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "fixable"})
			reviewErr(t, err, review.KindInvalid, "field_required")
			v = e.act(t, "office", n, review.ActDecide, review.Input{Outcome: review.OutcomeConditionalPass, Rationale: "fixable", Conditions: conds})
			if v.Decision == nil || v.Decision.DepartureRationale != "" || len(v.Decision.Conditions) != 3 {
				t.Fatalf("conditional decision: %+v", v.Decision)
			}
			e.act(t, "office", n, review.ActPublish, review.Input{Scope: review.ScopePublic})
			ids := make([]int64, 3)
			for i, c := range v.Decision.Conditions {
				ids[i] = c.ID
				if c.Text != conds[i].Text || c.Due != conds[i].Due || c.SuspendIfOverdue != conds[i].SuspendIfOverdue || c.MetAt != "" || c.OverdueAt != "" {
					t.Errorf("condition %d: %+v", i, c)
				}
			}
			condMet, condFlag, condSuspend := ids[0], ids[1], ids[2]
			conditions := func() []review.Condition {
				t.Helper()
				return e.view(t, "provider1", n).Decision.Conditions
			}
			listing := func(purl string) review.ListingStatus {
				t.Helper()
				ans, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{PURL: purl})
				if err != nil || len(ans) != 1 {
					t.Fatalf("listing %s: %+v, %v", purl, ans, err)
				}
				return ans[0].Status
			}
			purls := []string{e.f.RouterV[0].PURL, e.f.RouterV[1].PURL}
			for _, p := range purls {
				if st := listing(p); st != review.ListingConditionallyPassed {
					t.Errorf("%s after publication: %s", p, st)
				}
			}

			// Fulfilment: submitted by the provider, rejected, then accepted.
			fulfil := []struct {
				name, who string
				act       review.Action
				in        review.Input
				kind      review.Kind
				code      string // "" accepted
			}{
				{"accept with nothing pending", "office", review.ActAcceptFulfilment, review.Input{ConditionID: condMet}, review.KindConflict, "guard_failed"},
				{"a lab cannot submit", "lab1", review.ActSubmitFulfilment, review.Input{ConditionID: condMet, Summary: "x"}, review.KindForbidden, "forbidden"},
				{"no such condition", "provider1", review.ActSubmitFulfilment, review.Input{ConditionID: 999999, Summary: "x"}, review.KindInvalid, "field_invalid"},
				{"no such file", "provider1", review.ActSubmitFulfilment, review.Input{ConditionID: condMet, Summary: "x", Materials: []int64{999999}}, review.KindInvalid, "field_invalid"},
				{"provider submits", "provider1", review.ActSubmitFulfilment, review.Input{ConditionID: condMet, Summary: "firmware 3.2.1 released"}, "", ""},
				{"provider cannot accept", "provider1", review.ActAcceptFulfilment, review.Input{ConditionID: condMet}, review.KindForbidden, "forbidden"},
				{"reject needs a reason", "office", review.ActRejectFulfilment, review.Input{ConditionID: condMet}, review.KindInvalid, "field_required"},
				{"office rejects", "office", review.ActRejectFulfilment, review.Input{ConditionID: condMet, Reason: "no retest report"}, "", ""},
				{"nothing left to reject", "office", review.ActRejectFulfilment, review.Input{ConditionID: condMet, Reason: "again"}, review.KindConflict, "guard_failed"},
				{"provider submits again", "provider1", review.ActSubmitFulfilment, review.Input{ConditionID: condMet, Summary: "with lab1's retest report"}, "", ""},
				{"office accepts", "office", review.ActAcceptFulfilment, review.Input{ConditionID: condMet}, "", ""},
				{"a met condition takes no more", "provider1", review.ActSubmitFulfilment, review.Input{ConditionID: condMet, Summary: "again"}, review.KindConflict, "already_done"},
			}
			for _, s := range fulfil {
				_, err := e.s.ApplyAction(e.ctx, e.actor(t, s.who), n, s.act, s.in)
				if s.code == "" {
					if err != nil {
						t.Fatalf("%s: %v", s.name, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("%s: accepted", s.name)
					continue
				}
				reviewErr(t, err, s.kind, s.code)
			}
			d := e.view(t, "office", n).Decision
			if len(d.Fulfilments) != 2 || d.Fulfilments[0].Decision != "rejected" || d.Fulfilments[0].Note != "no retest report" ||
				d.Fulfilments[1].Decision != "accepted" || d.Fulfilments[1].DecidedAt == "" || d.Fulfilments[1].SubmittedBy != "provider1" {
				t.Errorf("fulfilments: %+v", d.Fulfilments)
			}
			if c := conditions(); c[0].MetAt == "" || c[1].MetAt != "" || c[2].MetAt != "" {
				t.Errorf("conditions after acceptance: %+v", c)
			}

			// Overdue: flagged only, or flagged and the listing suspended.
			check := func(id int64, want int) {
				t.Helper()
				got, err := e.s.CheckCondition(e.ctx, id)
				if err != nil || got != want {
					t.Errorf("check condition %d: %d suspended, %v; want %d", id, got, err, want)
				}
			}
			e.clk.Set(at(2026, 7, 2, 9))
			check(condFlag, 0)
			check(condSuspend, 0) // not due yet
			c := conditions()
			if c[1].OverdueAt == "" || c[2].OverdueAt != "" {
				t.Errorf("after 30 June: %+v", c)
			}
			flagged := c[1].OverdueAt
			for _, p := range purls {
				if st := listing(p); st != review.ListingConditionallyPassed {
					t.Errorf("%s after a flagged condition: %s, want conditionally_passed", p, st)
				}
			}
			e.clk.Set(at(2026, 9, 2, 9))
			check(condSuspend, 2) // both router versions
			check(condSuspend, 0) // idempotent
			check(condFlag, 0)
			if c := conditions(); c[2].OverdueAt == "" || c[1].OverdueAt != flagged {
				t.Errorf("after 31 August: %+v", c)
			}
			for _, p := range purls {
				if st := listing(p); st != review.ListingSuspended {
					t.Errorf("%s after an overdue suspending condition: %s, want suspended", p, st)
				}
			}
			e.clk.Set(at(2027, 1, 4, 9))
			check(condMet, 0)
			if c := conditions(); c[0].OverdueAt != "" {
				t.Errorf("a met condition was flagged overdue: %+v", c[0])
			}
			overdue := 0
			for _, ev := range e.view(t, "office", n).Events {
				if ev.Action == "condition_overdue" {
					overdue++
				}
			}
			if overdue != 2 {
				t.Errorf("%d condition_overdue events, want 2", overdue)
			}
		})
	}
}

// ---- 8. OSCAL assessment results ----

func TestOSCALAssessmentExport(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 3)
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			e.report(t, n, map[string]catalog.Status{lt[0]: catalog.StatusMet, lt[1]: catalog.StatusPartiallyMet, lt[2]: catalog.StatusNotApplicable})
			export := func(who string) []byte {
				t.Helper()
				a, err := e.s.OSCALAssessment(e.ctx, e.actor(t, who), n)
				if err != nil {
					t.Fatalf("%s exports: %v", who, err)
				}
				if len(a.Findings) != 3 || len(a.Plan) != 3 || len(a.Parties) != 1 {
					t.Errorf("assessment: %d findings, %d plan items, %d parties", len(a.Findings), len(a.Plan), len(a.Parties))
				}
				doc, err := oscal.AssessmentResults(*a)
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				if err := oscaltest.Validate(doc); err != nil {
					t.Errorf("export does not validate against OSCAL 1.1.3: %v", err)
				}
				var parsed struct {
					AR struct {
						Results []struct {
							End      string `json:"end"`
							Findings []struct {
								Target struct {
									TargetID string `json:"target-id"`
									Status   struct {
										State string `json:"state"`
									} `json:"status"`
								} `json:"target"`
							} `json:"findings"`
						} `json:"results"`
					} `json:"assessment-results"`
				}
				if err := json.Unmarshal(doc, &parsed); err != nil || len(parsed.AR.Results) != 1 {
					t.Fatalf("export shape: %v", err)
				}
				got := map[string]string{}
				for _, f := range parsed.AR.Results[0].Findings {
					got[f.Target.TargetID] = f.Target.Status.State
				}
				want := map[string]string{strings.ToLower(lt[0]) + "_smt": "satisfied", strings.ToLower(lt[1]) + "_smt": "not-satisfied",
					strings.ToLower(lt[2]) + "_smt": "satisfied"}
				if len(parsed.AR.Results[0].Findings) != 3 || len(got) != 3 {
					t.Errorf("export has findings %v, want one per recorded finding %v", got, want)
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("finding on %s: %q, want %q", k, got[k], v)
					}
				}
				return doc
			}
			open := export("office") // evaluation still open: no end
			e.act(t, "office", n, review.ActCompleteEvaluation, review.Input{})
			e.assignExperts(t, n, "expert1")
			closed := export("expert1")
			if bytes.Equal(open, closed) {
				t.Error("closing the evaluation did not change the export")
			}
			for who, kind := range map[string]review.Kind{"lab1": review.KindForbidden, "provider1": review.KindForbidden,
				"committee": review.KindNotFound, "admin": review.KindNotFound} {
				_, err := e.s.OSCALAssessment(e.ctx, e.actor(t, who), n)
				reviewErr(t, err, kind, "")
			}
		})
	}
}

// A restricted file is for the office, experts, the committee and the
// uploading organisation: not listed for others, and not downloadable or
// named through evidence either.
func TestRestrictedMaterialStaysRestricted(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 1)
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			asg1 := e.labAssignment(t, n, "lab1", review.MethodLabTesting)
			e.assignLab(t, n, "lab2", review.MethodLabTesting)
			m := e.upload(t, "lab1", n, "capture.pcap", review.LabelRestricted, "10.1.1.1")
			ev := e.addEvidence(t, "lab1", n, labTestInput("confidential record citing a restricted file", "", lt, m.ID), asg1)
			ck := checklistInput("checklist citing it")
			ck.Materials = []int64{m.ID}
			evCk := e.addEvidence(t, "office", n, ck, 0)
			for _, who := range []string{"lab2", "provider1"} {
				if _, err := e.s.OpenMaterial(e.ctx, e.actor(t, who), n, m.ID, "x"); err == nil {
					t.Errorf("%s downloads lab1's restricted file", who)
				}
			}
			for _, r := range []struct {
				who string
				id  int64
			}{{"lab2", ev.ID}, {"provider1", evCk.ID}} {
				v, err := e.s.OneEvidence(e.ctx, e.actor(t, r.who), n, r.id, "x")
				if err != nil {
					t.Fatalf("%s reads evidence %d: %v", r.who, r.id, err)
				}
				for _, x := range v.Materials {
					if x.ID == m.ID {
						t.Errorf("%s is shown the restricted file %q through evidence %d", r.who, x.Filename, r.id)
					}
				}
			}
		})
	}
}

// Two reviewers writing one finding with the same version: one wins, the
// other is told of the concurrent update (not told it succeeded while its
// write was dropped).
func TestConcurrentFindingWrites(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			lt := demo.CriteriaFor(e.currentCatalog(t), review.MethodLabTesting, 1)
			n := e.openRouter(t)
			e.toEvaluation(t, n)
			asg := e.labAssignment(t, n, "lab1", review.MethodLabTesting)
			e.addPlan(t, n, store.PlanItem{CriterionID: lt[0], Method: review.MethodLabTesting, AssignmentID: asg})
			ev := e.addEvidence(t, "lab1", n, labTestInput("scan", "", lt), asg)
			f := e.putFinding(t, "lab1", n, lt[0], store.FindingInput{Status: catalog.StatusMet, Rationale: "r0", Evidence: []int64{ev.ID}})
			for round := range 20 {
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for k := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, errs[k] = e.s.PutFinding(e.ctx, e.actor(t, "lab1"), n, lt[0], store.FindingInput{Status: catalog.StatusMet,
							Rationale: "writer " + itoa(int64(k)), Evidence: []int64{ev.ID}, Version: f.Version})
					}()
				}
				wg.Wait()
				ok := 0
				for _, err := range errs {
					if err == nil {
						ok++
					} else if !isCode(err, "concurrent_update") {
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if ok != 1 {
					t.Fatalf("round %d: %d of two writers of version %d succeeded, want exactly one", round, ok, f.Version)
				}
				fs, _ := e.s.Findings(e.ctx, e.actor(t, "office"), n)
				if len(fs) != 1 || fs[0].Version != f.Version+1 {
					t.Fatalf("round %d: finding %+v, want version %d", round, fs, f.Version+1)
				}
				f = fs[0]
			}
		})
	}
}
