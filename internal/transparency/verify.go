package transparency

import (
	"crypto/ed25519"
	"errors"
	"fmt"
)

// Attestation is what a caller receives to check a result: the signed
// statement, its place in the log, the proof and the checkpoint it is
// proved against. For a non-public result the log holds the commitment of
// the envelope and Salt (base64) opens it; a caller who may not see the
// result gets neither.
type Attestation struct {
	Envelope *Envelope `json:"envelope,omitempty"`
	Salt     string    `json:"salt,omitempty"`
	// Kind is the entry's kind (KindVerdict, KindDocument or
	// KindCommitment).
	Kind string `json:"kind"`
	// Index is the entry's index in the log; Pending is true when the
	// statement is signed but not yet in the log (the sequencer runs
	// within a second), in which case the proof fields are empty.
	Index   int64 `json:"log_index"`
	Pending bool  `json:"pending,omitempty"`
	// InclusionProof proves the entry in the tree of Checkpoint, a signed
	// note (C2SP tlog-checkpoint).
	InclusionProof [][]byte `json:"inclusion_proof,omitempty"`
	Checkpoint     string   `json:"checkpoint,omitempty"`
	// EnvelopeJSON is Envelope's Marshal, when the server already made it
	// (to check it against the log), so answers need not write it again.
	EnvelopeJSON []byte `json:"-"`
}

// Trust is what a verifier trusts: the verdict public keys and the log's
// verifier keys (current and retired).
type Trust struct {
	VerdictKeys []ed25519.PublicKey
	LogKeys     []string
}

// Verified is what Verify established.
type Verified struct {
	Statement  Statement
	Index      int64
	Checkpoint Checkpoint
}

// Step errors name what failed; Verify wraps one of them.
var (
	ErrSalt    = errors.New("salt does not open the commitment")
	ErrPending = errors.New("statement is not in the log yet")
)

// Entry is the log entry the attestation claims: the envelope's JSON, or
// its commitment under the salt.
func (a *Attestation) Entry() ([]byte, error) {
	if a.Envelope == nil {
		return nil, fmt.Errorf("%w: no envelope", ErrEnvelope)
	}
	env := a.Envelope.Marshal()
	switch a.Kind {
	case KindVerdict, KindDocument:
		if a.Salt != "" {
			return nil, fmt.Errorf("%w: a public %s has no salt", ErrSalt, a.Kind)
		}
		return env, nil
	case KindCommitment:
		salt, err := strict.DecodeString(a.Salt)
		if err != nil || len(salt) != SaltSize {
			return nil, fmt.Errorf("%w: want %d bytes of base64", ErrSalt, SaltSize)
		}
		return Commitment(salt, env), nil
	}
	return nil, fmt.Errorf("%w: entry kind %q", ErrProof, a.Kind)
}

// Verify checks an attestation offline: the checkpoint's signature, the
// envelope's signature, the statement, and the inclusion of the entry (the
// envelope or its salted commitment) in the checkpoint's tree. The error
// says which step failed.
func Verify(a *Attestation, trust Trust) (Verified, error) {
	payload, cp, err := a.open(trust)
	if err != nil {
		return Verified{}, err
	}
	st, err := ParseStatement(payload)
	if err != nil {
		return Verified{}, err
	}
	if err := a.included(cp); err != nil {
		return Verified{}, err
	}
	return Verified{Statement: st, Index: a.Index, Checkpoint: cp}, nil
}

// open checks the checkpoint's and the envelope's signatures and returns
// the signed payload and the checkpoint.
func (a *Attestation) open(trust Trust) ([]byte, Checkpoint, error) {
	if a == nil {
		return nil, Checkpoint{}, errors.New("no attestation")
	}
	if a.Pending {
		return nil, Checkpoint{}, ErrPending
	}
	cp, err := OpenCheckpoint([]byte(a.Checkpoint), trust.LogKeys)
	if err != nil {
		return nil, cp, fmt.Errorf("checkpoint: %w", err)
	}
	if a.Envelope == nil {
		return nil, cp, fmt.Errorf("envelope: %w: missing", ErrEnvelope)
	}
	if a.Envelope.PayloadType != PayloadType {
		return nil, cp, fmt.Errorf("envelope: %w: payload type %q, want %q", ErrEnvelope, a.Envelope.PayloadType, PayloadType)
	}
	payload, err := a.Envelope.Open(trust.VerdictKeys)
	if err != nil {
		return nil, cp, fmt.Errorf("envelope: %w", err)
	}
	return payload, cp, nil
}

// included checks the attestation's entry is in the checkpoint's tree.
func (a *Attestation) included(cp Checkpoint) error {
	entry, err := a.Entry()
	if err != nil {
		return fmt.Errorf("entry: %w", err)
	}
	if err := VerifyInclusion(entry, a.Index, a.InclusionProof, cp); err != nil {
		return fmt.Errorf("inclusion: %w", err)
	}
	return nil
}
