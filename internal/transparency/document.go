package transparency

import (
	"encoding/json"
	"fmt"
	"strings"
)

// KindDocument is the log entry kind of a public document's envelope: the
// signed statement of a PDF the office issued (a published provider
// report). A document for the parties only (a decision letter) enters the
// log as a KindCommitment of its envelope, as a non-public verdict does.
const KindDocument = "document"

// DocumentPredicateType names the document predicate (documented in the
// README).
const DocumentPredicateType = "https://shencha.org/attestation/document/v1"

// Document kinds: what an issued PDF is.
const (
	DocProviderReport = "provider_report"
	DocDecisionLetter = "decision_letter"
)

// DocumentStatement is an in-toto Statement v1 about one issued PDF: its
// subject is the file (name and SHA-256), its predicate says what it is.
type DocumentStatement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Document  `json:"predicate"`
}

// Document is the predicate: which document the file is.
type Document struct {
	// Kind is DocProviderReport or DocDecisionLetter; Language the
	// document's locale (zh-CN, en).
	Kind     string `json:"kind"`
	Language string `json:"language"`
	// Provider names the provider the document is about.
	Provider string `json:"provider"`
	// Report, PeriodFrom and PeriodTo identify a provider report and the
	// period it covers (dates).
	Report     int64  `json:"report,omitempty"`
	PeriodFrom string `json:"period_from,omitempty"`
	PeriodTo   string `json:"period_to,omitempty"`
	// Case is a decision letter's case number.
	Case string `json:"case,omitempty"`
	// IssuedAt is when the document was issued (RFC 3339).
	IssuedAt string `json:"issued_at"`
}

// NewDocumentStatement states that the file name with SHA-256 digest (hex)
// is the document d.
func NewDocumentStatement(name, sha256Hex string, d Document) DocumentStatement {
	return DocumentStatement{Type: StatementType, PredicateType: DocumentPredicateType,
		Subject: []Subject{{Name: name, Digest: map[string]string{"sha256": sha256Hex}}}, Predicate: d}
}

// Marshal gives the statement's JSON (the envelope's payload).
func (s DocumentStatement) Marshal() []byte {
	b, _ := json.Marshal(s) // plain strings and numbers: it cannot fail
	return b
}

// ParseDocumentStatement reads a document statement, checking its types
// and that its one subject has a SHA-256.
func ParseDocumentStatement(b []byte) (DocumentStatement, error) {
	var s DocumentStatement
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("statement: %w", err)
	}
	if s.Type != StatementType || s.PredicateType != DocumentPredicateType {
		return s, fmt.Errorf("statement: type %q / predicate %q is not a shencha document", s.Type, s.PredicateType)
	}
	if len(s.Subject) != 1 || s.Subject[0].Digest["sha256"] == "" {
		return s, fmt.Errorf("statement: want one subject with a sha256 digest")
	}
	return s, nil
}

// VerifiedDocument is what VerifyDocument established.
type VerifiedDocument struct {
	Statement  DocumentStatement
	Index      int64
	Checkpoint Checkpoint
}

// VerifyDocument checks that a file whose SHA-256 is fileSHA256 (hex) is a
// document the office issued and logged: the checkpoint's signature, the
// envelope's signature, that the signed statement names this digest, and
// the inclusion of the entry (the envelope or, for a document for the
// parties, its salted commitment) in the checkpoint's tree. The error says
// which step failed.
func VerifyDocument(a *Attestation, trust Trust, fileSHA256 string) (VerifiedDocument, error) {
	payload, cp, err := a.open(trust)
	if err != nil {
		return VerifiedDocument{}, err
	}
	st, err := ParseDocumentStatement(payload)
	if err != nil {
		return VerifiedDocument{}, err
	}
	if got := st.Subject[0].Digest["sha256"]; !strings.EqualFold(got, fileSHA256) {
		return VerifiedDocument{}, fmt.Errorf("%w: the statement is about the file with SHA-256 %s, not %s", ErrEnvelope, got, fileSHA256)
	}
	if err := a.included(cp); err != nil {
		return VerifiedDocument{}, err
	}
	return VerifiedDocument{Statement: st, Index: a.Index, Checkpoint: cp}, nil
}
