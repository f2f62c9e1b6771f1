package oscal

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"shencha/internal/catalog"
	"shencha/internal/review"
)

// Assessment is a case's evaluation as the store gathers it for export:
// who evaluated, what was planned, what was found and on which evidence.
type Assessment struct {
	// CaseNumber identifies the case, e.g. "CSR-2026-0002"; every UUID
	// of the export is derived from it.
	CaseNumber string
	// Title is the document's title; empty gives a default naming the case.
	Title string
	// Catalog is the catalogue version the case uses.
	Catalog *catalog.Catalog
	// Start and End bound the evaluation; End is zero while it is open.
	Start, End time.Time
	// Generated is when the export was made: the metadata's last-modified.
	Generated time.Time
	// Parties are the labs (and the office) involved; plan items and
	// findings refer to them by ID.
	Parties []Party
	// Plan assigns criteria to methods and labs.
	Plan []PlanItem
	// Findings are the labs' findings with the evidence they rest on.
	Findings []Finding
}

// Party is an organisation (or person) taking part in the evaluation.
type Party struct {
	ID   string // the platform's id for it, e.g. "org-3"; unique in the Assessment
	Name string
	Type string // "organization" (the default when empty) or "person"
}

// PlanItem is one planned evaluation: a criterion, by a method, by a party.
type PlanItem struct {
	CriterionID string
	Method      review.Method
	PartyID     string // "" when no lab is assigned yet
}

// Finding is a lab's finding on a criterion.
type Finding struct {
	CriterionID string
	Status      catalog.Status
	Rationale   string
	PartyID     string // the lab that made it; "" if unknown
	Evidence    []Evidence
}

// Evidence is one evidence record a finding rests on. Records are told
// apart by Digest: two findings citing one digest share one observation.
type Evidence struct {
	Title  string
	Digest string // "sha256:…", the digest of the evidence record
	Method review.Method
	// Collected is when the evidence was recorded; zero gives the start of
	// the evaluation, with a remark saying so.
	Collected time.Time
}

// roleAssessor is the OSCAL role of the labs.
const roleAssessor = "assessor"

var statusText = map[catalog.Status]string{
	catalog.StatusMet:           "met",
	catalog.StatusPartiallyMet:  "partially met",
	catalog.StatusNotMet:        "not met",
	catalog.StatusNotApplicable: "not applicable",
}

// objective maps a finding's status to OSCAL's objective status. OSCAL has
// two states; partially met counts as not satisfied and not applicable as
// satisfied, and the reason "other" with a remark says which it was. The
// exact status is also kept as a property of the target.
func objective(s catalog.Status) objectiveStatus {
	switch s {
	case catalog.StatusMet:
		return objectiveStatus{State: "satisfied", Reason: "pass"}
	case catalog.StatusNotApplicable:
		return objectiveStatus{State: "satisfied", Reason: "other", Remarks: "Not applicable to the product or service under review."}
	case catalog.StatusPartiallyMet:
		return objectiveStatus{State: "not-satisfied", Reason: "other", Remarks: "Partially met."}
	}
	return objectiveStatus{State: "not-satisfied", Reason: "fail"}
}

// AssessmentResults renders a case's evaluation as OSCAL 1.1.3
// assessment-results with one result: the reviewed controls (every
// criterion planned or found on), one observation per evidence record, one
// finding per finding, and the outcome of the default decision rule as a
// property. shencha keeps the evaluation plan in the case record rather
// than as an OSCAL assessment plan, so import-ap points to a back-matter
// resource describing the plan, and local-definitions lists the planned
// criteria by method as activities.
func AssessmentResults(in Assessment) ([]byte, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	cat := in.Catalog
	pos := make(map[string]int, len(cat.Criteria))
	for i, c := range cat.Criteria {
		pos[c.ID] = i
	}
	caseID := func(parts ...string) string { return id(append([]string{"case", in.CaseNumber}, parts...)...) }
	partyUUID := func(p string) string { return caseID("party", p) }
	observationUUID := func(digest string) string { return caseID("observation", digest) }
	planUUID, catalogResUUID := caseID("plan"), id("catalog-version", cat.Version)

	var doc assessmentResultsDoc
	ar := &doc.AssessmentResults
	ar.UUID = caseID("assessment-results")

	// Metadata: the parties, and which of them assessed.
	title := in.Title
	if title == "" {
		title = "网络安全审查 " + in.CaseNumber + " 第三方评价结果 / Cybersecurity review " + in.CaseNumber + ": evaluation results"
	}
	md := metadata{
		Title:        title,
		LastModified: dateTime(in.Generated),
		Version:      dateTime(in.Generated),
		OSCALVersion: OSCALVersion,
		Props:        []prop{ours("case-number", in.CaseNumber), ours("catalog-version", cat.Version)},
	}
	assessing := map[string]bool{}
	for _, it := range in.Plan {
		assessing[it.PartyID] = true
	}
	for _, f := range in.Findings {
		assessing[f.PartyID] = true
	}
	var assessors []string
	for _, p := range in.Parties {
		typ := p.Type
		if typ == "" {
			typ = "organization"
		}
		// OSCAL's name is one line without spaces at the ends.
		name := strings.Join(strings.Fields(p.Name), " ")
		md.Parties = append(md.Parties, party{UUID: partyUUID(p.ID), Type: typ, Name: name, Props: []prop{ours("party-id", p.ID)}})
		if assessing[p.ID] {
			assessors = append(assessors, partyUUID(p.ID))
		}
	}
	if len(assessors) > 0 {
		md.Roles = []role{{ID: roleAssessor, Title: "网络安全审查第三方机构 / Accredited third-party evaluation institution"}}
		md.ResponsibleParties = []responsibleParty{{RoleID: roleAssessor, PartyUUIDs: assessors}}
	}
	ar.Metadata = md

	ar.ImportAP = importAP{
		Href: "#" + planUUID,
		Remarks: "shencha keeps the evaluation plan in the case record and does not publish it as an OSCAL assessment plan. " +
			"This reference points to the back-matter resource describing the plan; local-definitions lists the planned criteria by method.",
	}

	// The plan, by method, as activities.
	selects := func(idx []int) []selectControl {
		slices.Sort(idx)
		idx = slices.Compact(idx)
		out := make([]selectControl, len(idx))
		for k, i := range idx {
			out[k] = selectControl{ControlID: controlID(cat.Criteria[i].ID)}
		}
		return out
	}
	partyUUIDs := func(used map[string]bool) []string {
		var out []string
		for _, p := range in.Parties {
			if used[p.ID] {
				out = append(out, partyUUID(p.ID))
			}
		}
		return out
	}
	var activities []activity
	for _, m := range review.Methods {
		var idx []int
		labs := map[string]bool{}
		for _, it := range in.Plan {
			if it.Method == m {
				idx = append(idx, pos[it.CriterionID])
				labs[it.PartyID] = true
			}
		}
		if len(idx) == 0 {
			continue
		}
		name := methodNames[m]
		a := activity{
			UUID:  caseID("activity", string(m)),
			Title: name.ZH + " / " + name.EN,
			Description: fmt.Sprintf("%s of the criteria of catalogue version %s planned for it in case %s.",
				name.EN, cat.Version, in.CaseNumber),
			RelatedControls: &reviewedControls{ControlSelections: []controlSelection{{IncludeControls: selects(idx)}}},
		}
		for _, om := range observationMethods(m) {
			a.Props = append(a.Props, prop{Name: "method", Value: om})
		}
		a.Props = append(a.Props, ours("method", string(m)))
		if uuids := partyUUIDs(labs); len(uuids) > 0 {
			a.ResponsibleRoles = []responsibleRole{{RoleID: roleAssessor, PartyUUIDs: uuids}}
		}
		activities = append(activities, a)
	}
	if len(activities) > 0 {
		ar.LocalDefinitions = &localDefinitions{Activities: activities}
	}

	// Findings in catalogue order, then by party; input order otherwise.
	order := make([]int, len(in.Findings))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		fa, fb := in.Findings[a], in.Findings[b]
		if d := pos[fa.CriterionID] - pos[fb.CriterionID]; d != 0 {
			return d
		}
		return strings.Compare(fa.PartyID, fb.PartyID)
	})

	res := result{
		UUID:  caseID("result"),
		Title: "第三方评价 / Third-party evaluation",
		Start: dateTime(in.Start),
	}
	if !in.End.IsZero() {
		res.End = dateTime(in.End)
	} else {
		res.Remarks = "The evaluation is still open: findings may be added or revised."
	}

	var reviewed []int
	for _, it := range in.Plan {
		reviewed = append(reviewed, pos[it.CriterionID])
	}
	seen := map[string]bool{}
	occurrence := map[[2]string]int{}
	var rule []catalog.Finding
	for _, i := range order {
		f := in.Findings[i]
		x := cat.Criteria[pos[f.CriterionID]]
		reviewed = append(reviewed, pos[f.CriterionID])
		rule = append(rule, catalog.Finding{CriterionID: f.CriterionID, Status: f.Status})
		key := [2]string{f.CriterionID, f.PartyID}
		occurrence[key]++
		desc := f.Rationale
		if strings.TrimSpace(desc) == "" {
			desc = "No rationale recorded."
		}
		fd := finding{
			UUID:        caseID("finding", f.CriterionID, f.PartyID, strconv.Itoa(occurrence[key])),
			Title:       x.ID + " " + x.Title.ZH + " / " + x.Title.EN + ": " + statusText[f.Status],
			Description: desc,
			Props:       []prop{ours("severity", string(x.Severity))},
			Target: findingTarget{
				Type:     "statement-id",
				TargetID: statementID(x.ID),
				Props:    []prop{ours("status", string(f.Status))},
				Status:   objective(f.Status),
			},
		}
		if f.PartyID != "" {
			fd.Origins = []origin{{Actors: []originActor{{Type: "party", ActorUUID: partyUUID(f.PartyID), RoleID: roleAssessor}}}}
		}
		cited := map[string]bool{}
		for _, ev := range f.Evidence {
			if !cited[ev.Digest] {
				cited[ev.Digest] = true
				fd.RelatedObservations = append(fd.RelatedObservations, relatedObservation{ObservationUUID: observationUUID(ev.Digest)})
			}
			if seen[ev.Digest] {
				continue
			}
			seen[ev.Digest] = true
			res.Observations = append(res.Observations, evidenceObservation(ev, observationUUID(ev.Digest), in.Start))
		}
		res.Findings = append(res.Findings, fd)
	}

	if len(reviewed) > 0 {
		res.ReviewedControls.ControlSelections = []controlSelection{{IncludeControls: selects(reviewed)}}
	} else {
		res.ReviewedControls.ControlSelections = []controlSelection{{Remarks: "No criterion has been planned yet."}}
	}
	res.ReviewedControls.Links = []link{{Href: "#" + catalogResUUID, Rel: "reference", Text: "Criteria catalogue " + cat.Version}}
	res.Description = fmt.Sprintf("Findings of the accredited third-party institutions in case %s on the criteria of catalogue version %s: "+
		"%d planned evaluations, %d criteria reviewed, %d findings resting on %d evidence records.",
		in.CaseNumber, cat.Version, len(in.Plan), len(res.ReviewedControls.ControlSelections[0].IncludeControls), len(res.Findings), len(res.Observations))
	if len(rule) > 0 {
		outcome, basis, err := catalog.Recommend(cat, rule)
		if err != nil {
			return nil, fmt.Errorf("oscal: assessment: %w", err)
		}
		res.Props = []prop{{Name: "default-rule-outcome", NS: Namespace, Value: string(outcome),
			Remarks: "The outcome the default decision rule gives for these findings; the decision may depart from it with a written rationale."}}
		if len(basis) > 0 {
			res.Props = append(res.Props, ours("default-rule-basis", strings.Join(basis, " ")))
		}
	}
	ar.Results = []result{res}

	// Back matter: the plan import-ap points to, and the catalogue version.
	plan := resource{
		UUID:        planUUID,
		Title:       "评价计划 / Evaluation plan of case " + in.CaseNumber,
		Description: "The criteria of the case's catalogue version chosen for evaluation, each with the evaluation method and the lab assigned to it.",
		Props:       []prop{ours("case-number", in.CaseNumber)},
		Remarks:     planRemarks(in, pos),
	}
	ar.BackMatter = &backMatter{Resources: []resource{plan, {
		UUID:    catalogResUUID,
		Title:   catalogTitle + ", version " + cat.Version,
		Props:   []prop{ours("catalog-version", cat.Version)},
		Remarks: "Exported by shencha as an OSCAL catalog with UUID " + catalogUUID(cat.Version) + "; control ids are the criterion ids in lower case.",
	}}}
	return encode(&doc)
}

// evidenceObservation renders one evidence record.
func evidenceObservation(ev Evidence, uuid string, start time.Time) observation {
	name := methodNames[ev.Method]
	title := ev.Title
	if strings.TrimSpace(title) == "" {
		title = "Evidence " + ev.Digest
	}
	o := observation{
		UUID:  uuid,
		Title: title,
		Description: name.EN + " evidence record (" + name.ZH + "). The record and its files stay in shencha, " +
			"confidential under Art. 13; its digest identifies it.",
		Props:            []prop{ours("method", string(ev.Method))},
		Methods:          observationMethods(ev.Method),
		RelevantEvidence: []relevantEvidence{{Description: title, Props: []prop{ours("digest", ev.Digest)}}},
		Collected:        dateTime(ev.Collected),
	}
	if ev.Collected.IsZero() {
		o.Collected = dateTime(start)
		o.Remarks = "The time of collection was not recorded; the start of the evaluation is given instead."
	}
	return o
}

// planRemarks lists the plan, one line per item, in catalogue order.
func planRemarks(in Assessment, pos map[string]int) string {
	if len(in.Plan) == 0 {
		return "No criterion has been planned yet."
	}
	names := map[string]string{}
	for _, p := range in.Parties {
		names[p.ID] = p.Name
	}
	items := slices.Clone(in.Plan)
	slices.SortStableFunc(items, func(a, b PlanItem) int { return pos[a.CriterionID] - pos[b.CriterionID] })
	var b strings.Builder
	for _, it := range items {
		lab := names[it.PartyID]
		if lab == "" {
			lab = "no lab assigned"
		}
		fmt.Fprintf(&b, "- %s: %s, %s\n", it.CriterionID, it.Method, lab)
	}
	return b.String()
}

// check refuses an Assessment the export could not render truthfully or
// validly.
func (in Assessment) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("oscal: assessment: "+format, args...)
	}
	if in.Catalog == nil {
		return errors.New("oscal: assessment: no catalogue")
	}
	if err := token("case number", in.CaseNumber); err != nil {
		return bad("%v", err)
	}
	for _, t := range []struct {
		field string
		t     time.Time
		need  bool
	}{{"start", in.Start, true}, {"end", in.End, false}, {"generated", in.Generated, true}} {
		if err := checkTime(t.field, t.t, t.need); err != nil {
			return bad("%v", err)
		}
	}
	if !in.End.IsZero() && in.End.Before(in.Start) {
		return bad("end %s is before start %s", dateTime(in.End), dateTime(in.Start))
	}
	parties := map[string]bool{}
	for i, p := range in.Parties {
		if err := token(fmt.Sprintf("parties[%d].id", i), p.ID); err != nil {
			return bad("%v", err)
		}
		if parties[p.ID] {
			return bad("parties[%d].id: duplicate %q", i, p.ID)
		}
		parties[p.ID] = true
		if p.Type != "" && p.Type != "organization" && p.Type != "person" {
			return bad("parties[%d].type: %q is neither organization nor person", i, p.Type)
		}
	}
	criterion := func(field, id string) error {
		if _, ok := in.Catalog.Lookup(id); !ok {
			return bad("%s: criterion %q is not in catalogue %s", field, id, in.Catalog.Version)
		}
		return nil
	}
	method := func(field string, m review.Method) error {
		if !slices.Contains(review.Methods, m) {
			return bad("%s: unknown method %q", field, m)
		}
		return nil
	}
	party := func(field, id string) error {
		if id != "" && !parties[id] {
			return bad("%s: party %q is not among the parties", field, id)
		}
		return nil
	}
	for i, it := range in.Plan {
		at := fmt.Sprintf("plan[%d]", i)
		if err := cmp.Or(criterion(at+".criterion", it.CriterionID), method(at+".method", it.Method), party(at+".party", it.PartyID)); err != nil {
			return err
		}
	}
	for i, f := range in.Findings {
		at := fmt.Sprintf("findings[%d]", i)
		if err := cmp.Or(criterion(at+".criterion", f.CriterionID), party(at+".party", f.PartyID)); err != nil {
			return err
		}
		if !slices.Contains(catalog.Statuses, f.Status) {
			return bad("%s.status: unknown status %q", at, f.Status)
		}
		for j, ev := range f.Evidence {
			ef := fmt.Sprintf("%s.evidence[%d]", at, j)
			if err := token(ef+".digest", ev.Digest); err != nil {
				return bad("%v", err)
			}
			if err := method(ef+".method", ev.Method); err != nil {
				return err
			}
			if err := checkTime(ef+".collected", ev.Collected, false); err != nil {
				return bad("%v", err)
			}
		}
	}
	return nil
}

// token requires a value OSCAL can carry as a property value: non-empty,
// without spaces.
func token(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s: required", field)
	}
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return fmt.Errorf("%s: %q contains white space", field, v)
	}
	return nil
}

// checkTime requires a time OSCAL can write: its date-time pattern admits
// the years 1900 to 2999 only.
func checkTime(field string, t time.Time, required bool) error {
	if t.IsZero() {
		if required {
			return fmt.Errorf("%s: required", field)
		}
		return nil
	}
	if y := t.UTC().Year(); y < 1900 || y > 2999 {
		return fmt.Errorf("%s: year %d is outside 1900-2999", field, y)
	}
	return nil
}
