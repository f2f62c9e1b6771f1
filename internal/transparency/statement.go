package transparency

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// StatementType is the in-toto Statement v1 type.
const StatementType = "https://in-toto.io/Statement/v1"

// PredicateType names the verdict predicate (documented in the README).
const PredicateType = "https://shencha.org/attestation/verdict/v1"

// Statement is an in-toto Statement v1 about product versions.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Verdict   `json:"predicate"`
}

// Subject is one product version: its canonical identifier and a digest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Verdict is the predicate: a listing's status after one event.
type Verdict struct {
	// Case is the review case number; Outcome its decision (pass,
	// conditional_pass, fail).
	Case    string `json:"case"`
	Outcome string `json:"outcome"`
	// ListingID and Status are the listing and its status after Event
	// (publish, suspend, reinstate, revoke, expire, supersede); Reason is
	// the event's reason, if any.
	ListingID int64  `json:"listing_id"`
	Status    string `json:"status"`
	Event     string `json:"event"`
	Reason    string `json:"reason,omitempty"`
	// Sequence numbers the listing's events from 1, so a statement's place
	// in the listing's history is explicit.
	Sequence int `json:"sequence"`
	// Scope is who may see the result: public, sector or parties.
	Scope string `json:"scope"`
	// Sector is the case's sector (for sector-scoped results).
	Sector string `json:"sector,omitempty"`
	// Product, Provider and Version name the subject for people.
	Product  string `json:"product"`
	Provider string `json:"provider"`
	Version  string `json:"version"`
	// Conditions are the conditions of a conditional pass, with due dates.
	Conditions []Condition `json:"conditions,omitempty"`
	// ValidFrom and ValidUntil bound the listing's validity (dates).
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
	// DecidedAt is the decision's date; IssuedAt when this statement was
	// made (RFC 3339).
	DecidedAt string `json:"decided_at"`
	IssuedAt  string `json:"issued_at"`
	// Catalogue is the criteria catalogue version the case was evaluated
	// against.
	Catalogue string `json:"catalogue"`
}

// Condition is one condition of a conditional pass.
type Condition struct {
	Text string `json:"text"`
	Due  string `json:"due"`
}

// SubjectFor names a product version: by its purl, else its CPE, else
// "provider/product@version"; the digest is the artifact's SHA-256 when
// known ("sha256:<hex>" or bare hex), else the SHA-256 of the name.
func SubjectFor(purl, cpe, provider, product, version, artifactSHA256 string) Subject {
	name := purl
	switch {
	case name != "":
	case cpe != "":
		name = cpe
	default:
		name = provider + "/" + product + "@" + version
	}
	d := strings.TrimPrefix(artifactSHA256, "sha256:")
	if d == "" {
		sum := sha256.Sum256([]byte(name))
		d = hex.EncodeToString(sum[:])
	}
	return Subject{Name: name, Digest: map[string]string{"sha256": d}}
}

// Marshal gives the statement's JSON (the envelope's payload).
func (s Statement) Marshal() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // plain data
	}
	return b
}

// ParseStatement reads a verdict statement, checking its types.
func ParseStatement(b []byte) (Statement, error) {
	var s Statement
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("statement: %w", err)
	}
	if s.Type != StatementType || s.PredicateType != PredicateType {
		return s, fmt.Errorf("statement: type %q / predicate %q is not a shencha verdict", s.Type, s.PredicateType)
	}
	if len(s.Subject) == 0 {
		return s, fmt.Errorf("statement: no subject")
	}
	for _, sub := range s.Subject {
		if len(sub.Digest) == 0 {
			return s, fmt.Errorf("statement: subject %q has no digest", sub.Name)
		}
	}
	return s, nil
}
