package transparency

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"shencha/internal/jsonout"
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
func (s Statement) Marshal() []byte { return s.AppendJSON(make([]byte, 0, 1024)) }

// AppendJSON appends the statement's JSON, as encoding/json writes it.
func (s Statement) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	b = jsonout.Field(b, "_type")
	b = jsonout.String(b, s.Type)
	b = jsonout.Field(b, "subject")
	if s.Subject == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, sub := range s.Subject {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = jsonout.Field(b, "name")
			b = jsonout.String(b, sub.Name)
			b = jsonout.Field(b, "digest")
			if d, ok := sub.Digest["sha256"]; ok && len(sub.Digest) == 1 {
				b = append(b, `{"sha256":`...)
				b = jsonout.String(b, d)
				b = append(b, '}')
			} else {
				b = jsonout.Value(b, sub.Digest) // keys sorted, as encoding/json does
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = jsonout.Field(b, "predicateType")
	b = jsonout.String(b, s.PredicateType)
	b = jsonout.Field(b, "predicate")
	v := &s.Predicate
	b = append(b, '{')
	b = jsonout.Field(b, "case")
	b = jsonout.String(b, v.Case)
	b = jsonout.Field(b, "outcome")
	b = jsonout.String(b, v.Outcome)
	b = jsonout.Field(b, "listing_id")
	b = jsonout.Int(b, v.ListingID)
	b = jsonout.Field(b, "status")
	b = jsonout.String(b, v.Status)
	b = jsonout.Field(b, "event")
	b = jsonout.String(b, v.Event)
	if v.Reason != "" {
		b = jsonout.Field(b, "reason")
		b = jsonout.String(b, v.Reason)
	}
	b = jsonout.Field(b, "sequence")
	b = jsonout.Int(b, int64(v.Sequence))
	b = jsonout.Field(b, "scope")
	b = jsonout.String(b, v.Scope)
	if v.Sector != "" {
		b = jsonout.Field(b, "sector")
		b = jsonout.String(b, v.Sector)
	}
	b = jsonout.Field(b, "product")
	b = jsonout.String(b, v.Product)
	b = jsonout.Field(b, "provider")
	b = jsonout.String(b, v.Provider)
	b = jsonout.Field(b, "version")
	b = jsonout.String(b, v.Version)
	if len(v.Conditions) > 0 {
		b = jsonout.Field(b, "conditions")
		b = jsonout.Value(b, v.Conditions)
	}
	b = jsonout.Field(b, "valid_from")
	b = jsonout.String(b, v.ValidFrom)
	b = jsonout.Field(b, "valid_until")
	b = jsonout.String(b, v.ValidUntil)
	b = jsonout.Field(b, "decided_at")
	b = jsonout.String(b, v.DecidedAt)
	b = jsonout.Field(b, "issued_at")
	b = jsonout.String(b, v.IssuedAt)
	b = jsonout.Field(b, "catalogue")
	b = jsonout.String(b, v.Catalogue)
	b = append(b, '}')
	return append(b, '}')
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
