package store

import (
	"shencha/internal/jsonout"
	"shencha/internal/transparency"
	"sync/atomic"
)

// AppendListingAnswers appends answers as a JSON array, byte for byte as
// encoding/json writes them (null for nil). The eligibility register's
// answers are asked for more than anything else the server serves, and
// written by hand they cost a fraction of reflection.
func AppendListingAnswers(b []byte, answers []ListingAnswer) []byte {
	if answers == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range answers {
		if i > 0 {
			b = append(b, ',')
		}
		b = answers[i].appendJSON(b)
	}
	return append(b, ']')
}

func (a *ListingAnswer) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = jsonout.Field(b, "product_id")
	b = jsonout.Int(b, a.ProductID)
	b = jsonout.Field(b, "product")
	b = jsonout.String(b, a.Product)
	b = jsonout.Field(b, "provider")
	b = jsonout.String(b, a.Provider)
	b = jsonout.Field(b, "version_id")
	b = jsonout.Int(b, a.VersionID)
	b = jsonout.Field(b, "version")
	b = jsonout.String(b, a.Version)
	if a.PURL != "" {
		b = jsonout.Field(b, "purl")
		b = jsonout.String(b, a.PURL)
	}
	if a.CPE != "" {
		b = jsonout.Field(b, "cpe")
		b = jsonout.String(b, a.CPE)
	}
	b = jsonout.Field(b, "status")
	b = jsonout.String(b, string(a.Status))
	b = jsonout.Field(b, "preferred")
	b = jsonout.Bool(b, a.Preferred)
	b = jsonout.Field(b, "must_not_procure")
	b = jsonout.Bool(b, a.MustNotProcure)
	if a.ListingID != 0 {
		b = jsonout.Field(b, "listing_id")
		b = jsonout.Int(b, a.ListingID)
	}
	if a.Case != "" {
		b = jsonout.Field(b, "case")
		b = jsonout.String(b, a.Case)
	}
	if a.Scope != "" {
		b = jsonout.Field(b, "scope")
		b = jsonout.String(b, string(a.Scope))
	}
	if a.ValidUntil != "" {
		b = jsonout.Field(b, "valid_until")
		b = jsonout.String(b, a.ValidUntil)
	}
	if len(a.Conditions) > 0 {
		b = jsonout.Field(b, "conditions")
		b = jsonout.Value(b, a.Conditions)
	}
	if len(a.History) > 0 {
		b = jsonout.Field(b, "history")
		b = append(b, '[')
		for i, e := range a.History {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = jsonout.Field(b, "status")
			b = jsonout.String(b, string(e.Status))
			b = jsonout.Field(b, "at")
			b = jsonout.Time(b, e.At)
			b = jsonout.Field(b, "action")
			b = jsonout.String(b, e.Action)
			if e.Reason != "" {
				b = jsonout.Field(b, "reason")
				b = jsonout.String(b, e.Reason)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if a.ReReview {
		b = jsonout.Field(b, "re_review_open")
		b = jsonout.Bool(b, true)
	}
	b = jsonout.Field(b, "as_of")
	b = jsonout.String(b, a.AsOf)
	if a.Attestation != nil {
		b = jsonout.Field(b, "attestation")
		b = appendAttestation(b, a.Attestation)
	}
	return append(b, '}')
}

func appendAttestation(b []byte, a *transparency.Attestation) []byte {
	b = append(b, '{')
	if a.Envelope != nil {
		b = jsonout.Field(b, "envelope")
		if a.EnvelopeJSON != nil {
			b = append(b, a.EnvelopeJSON...)
		} else {
			b = a.Envelope.AppendJSON(b)
		}
	}
	if a.Salt != "" {
		b = jsonout.Field(b, "salt")
		b = jsonout.String(b, a.Salt)
	}
	b = jsonout.Field(b, "kind")
	b = jsonout.String(b, a.Kind)
	b = jsonout.Field(b, "log_index")
	b = jsonout.Int(b, a.Index)
	if a.Pending {
		b = jsonout.Field(b, "pending")
		b = jsonout.Bool(b, true)
	}
	if len(a.InclusionProof) > 0 {
		b = jsonout.Field(b, "inclusion_proof")
		b = append(b, '[')
		for i, h := range a.InclusionProof {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonout.Bytes(b, h)
		}
		b = append(b, ']')
	}
	if a.Checkpoint != "" {
		b = jsonout.Field(b, "checkpoint")
		b = appendCheckpoint(b, a.Checkpoint)
	}
	return append(b, '}')
}

// escapedNote is a checkpoint with its JSON string: every answer until the
// next checkpoint carries the same one, escaped once.
type escapedNote struct {
	note string
	json []byte
}

var lastNote atomic.Pointer[escapedNote]

// appendCheckpoint appends a checkpoint as a JSON string, reusing the
// escaped form of the last one written.
func appendCheckpoint(b []byte, note string) []byte {
	if e := lastNote.Load(); e != nil && e.note == note {
		return append(b, e.json...)
	}
	q := jsonout.String(nil, note)
	lastNote.Store(&escapedNote{note: note, json: q})
	return append(b, q...)
}
