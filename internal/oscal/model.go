package oscal

import (
	"bytes"
	"encoding/json"
	"time"
)

// The OSCAL JSON structures this package writes: a subset of the OSCAL
// 1.1.3 model, fields in the order of the OSCAL documentation.

// OSCALVersion is the OSCAL version every export declares.
const OSCALVersion = "1.1.3"

type prop struct {
	Name    string `json:"name"`
	NS      string `json:"ns,omitempty"`
	Value   string `json:"value"`
	Remarks string `json:"remarks,omitempty"`
}

// ours is a property in shencha's namespace.
func ours(name, value string) prop { return prop{Name: name, NS: Namespace, Value: value} }

type link struct {
	Href             string `json:"href"`
	Rel              string `json:"rel,omitempty"`
	ResourceFragment string `json:"resource-fragment,omitempty"`
	Text             string `json:"text,omitempty"`
}

type role struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type party struct {
	UUID  string `json:"uuid"`
	Type  string `json:"type"`
	Name  string `json:"name,omitempty"`
	Props []prop `json:"props,omitempty"`
}

type responsibleParty struct {
	RoleID     string   `json:"role-id"`
	PartyUUIDs []string `json:"party-uuids"`
}

type metadata struct {
	Title              string             `json:"title"`
	Published          string             `json:"published,omitempty"`
	LastModified       string             `json:"last-modified"`
	Version            string             `json:"version"`
	OSCALVersion       string             `json:"oscal-version"`
	Props              []prop             `json:"props,omitempty"`
	Roles              []role             `json:"roles,omitempty"`
	Parties            []party            `json:"parties,omitempty"`
	ResponsibleParties []responsibleParty `json:"responsible-parties,omitempty"`
	Remarks            string             `json:"remarks,omitempty"`
}

type documentID struct {
	Scheme     string `json:"scheme,omitempty"`
	Identifier string `json:"identifier"`
}

type citation struct {
	Text string `json:"text"`
}

type resource struct {
	UUID        string       `json:"uuid"`
	Title       string       `json:"title,omitempty"`
	Description string       `json:"description,omitempty"`
	Props       []prop       `json:"props,omitempty"`
	DocumentIDs []documentID `json:"document-ids,omitempty"`
	Citation    *citation    `json:"citation,omitempty"`
	Remarks     string       `json:"remarks,omitempty"`
}

type backMatter struct {
	Resources []resource `json:"resources"`
}

// Catalog model.

type part struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Title string `json:"title,omitempty"`
	Props []prop `json:"props,omitempty"`
	Prose string `json:"prose,omitempty"`
}

type control struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Props []prop `json:"props,omitempty"`
	Links []link `json:"links,omitempty"`
	Parts []part `json:"parts,omitempty"`
}

type group struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Props    []prop    `json:"props,omitempty"`
	Controls []control `json:"controls,omitempty"`
}

type catalogDoc struct {
	Catalog struct {
		UUID       string      `json:"uuid"`
		Metadata   metadata    `json:"metadata"`
		Groups     []group     `json:"groups"`
		BackMatter *backMatter `json:"back-matter,omitempty"`
	} `json:"catalog"`
}

// Assessment-results model.

type selectControl struct {
	ControlID string `json:"control-id"`
}

type controlSelection struct {
	IncludeControls []selectControl `json:"include-controls,omitempty"`
	Remarks         string          `json:"remarks,omitempty"`
}

type reviewedControls struct {
	ControlSelections []controlSelection `json:"control-selections"`
	Links             []link             `json:"links,omitempty"`
}

type responsibleRole struct {
	RoleID     string   `json:"role-id"`
	PartyUUIDs []string `json:"party-uuids,omitempty"`
}

type activity struct {
	UUID             string            `json:"uuid"`
	Title            string            `json:"title,omitempty"`
	Description      string            `json:"description"`
	Props            []prop            `json:"props,omitempty"`
	RelatedControls  *reviewedControls `json:"related-controls,omitempty"`
	ResponsibleRoles []responsibleRole `json:"responsible-roles,omitempty"`
}

type relevantEvidence struct {
	Description string `json:"description"`
	Props       []prop `json:"props,omitempty"`
}

type observation struct {
	UUID             string             `json:"uuid"`
	Title            string             `json:"title,omitempty"`
	Description      string             `json:"description"`
	Props            []prop             `json:"props,omitempty"`
	Methods          []string           `json:"methods"`
	RelevantEvidence []relevantEvidence `json:"relevant-evidence,omitempty"`
	Collected        string             `json:"collected"`
	Remarks          string             `json:"remarks,omitempty"`
}

type originActor struct {
	Type      string `json:"type"`
	ActorUUID string `json:"actor-uuid"`
	RoleID    string `json:"role-id,omitempty"`
}

type origin struct {
	Actors []originActor `json:"actors"`
}

type objectiveStatus struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

type findingTarget struct {
	Type     string          `json:"type"`
	TargetID string          `json:"target-id"`
	Props    []prop          `json:"props,omitempty"`
	Status   objectiveStatus `json:"status"`
}

type relatedObservation struct {
	ObservationUUID string `json:"observation-uuid"`
}

type finding struct {
	UUID                string               `json:"uuid"`
	Title               string               `json:"title"`
	Description         string               `json:"description"`
	Props               []prop               `json:"props,omitempty"`
	Origins             []origin             `json:"origins,omitempty"`
	Target              findingTarget        `json:"target"`
	RelatedObservations []relatedObservation `json:"related-observations,omitempty"`
}

type result struct {
	UUID             string           `json:"uuid"`
	Title            string           `json:"title"`
	Description      string           `json:"description"`
	Start            string           `json:"start"`
	End              string           `json:"end,omitempty"`
	Props            []prop           `json:"props,omitempty"`
	ReviewedControls reviewedControls `json:"reviewed-controls"`
	Observations     []observation    `json:"observations,omitempty"`
	Findings         []finding        `json:"findings,omitempty"`
	Remarks          string           `json:"remarks,omitempty"`
}

type importAP struct {
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

type localDefinitions struct {
	Activities []activity `json:"activities,omitempty"`
}

type assessmentResultsDoc struct {
	AssessmentResults struct {
		UUID             string            `json:"uuid"`
		Metadata         metadata          `json:"metadata"`
		ImportAP         importAP          `json:"import-ap"`
		LocalDefinitions *localDefinitions `json:"local-definitions,omitempty"`
		Results          []result          `json:"results"`
		BackMatter       *backMatter       `json:"back-matter,omitempty"`
	} `json:"assessment-results"`
}

// encode writes v as indented JSON with a final newline, without escaping
// <, > and & (the prose is read by people).
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// dateTime writes t as OSCAL's date-time-with-timezone, in UTC, to the
// second.
func dateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
