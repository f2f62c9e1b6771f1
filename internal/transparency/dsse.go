// Package transparency makes review results verifiable by anyone: each
// published verdict and each later listing change is an in-toto Statement
// v1 signed in a DSSE envelope by the office's verdict key, and is appended
// to an RFC 6962 Merkle log whose checkpoints the log key signs in the C2SP
// signed-note format. A result whose scope is not public enters the log as
// a salted commitment, so the public log reveals nothing about it, while a
// caller allowed to see it gets the envelope and the salt and checks the
// same proofs.
//
// The package has no I/O besides key files: the store keeps the log, the
// server serves it, and `shencha verify` checks what they hand out with
// Verify.
package transparency

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"shencha/internal/jsonout"
	"shencha/internal/signature"
)

// strict decodes base64 refusing non-zero padding bits, so that a changed
// character is never read as the same bytes.
var strict = base64.StdEncoding.Strict()

// PayloadType is the DSSE payload type of a verdict: an in-toto Statement.
const PayloadType = "application/vnd.in-toto+json"

// Envelope is a DSSE envelope (https://github.com/secure-systems-lab/dsse).
type Envelope struct {
	PayloadType string `json:"payloadType"`
	// Payload is the standard base64 of the signed bytes.
	Payload    string      `json:"payload"`
	Signatures []Signature `json:"signatures"`
}

// Signature is one signature of an envelope.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"` // standard base64
}

// PAE is DSSE's pre-authentication encoding, the bytes actually signed:
// "DSSEv1 <len(type)> <type> <len(body)> <body>".
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, 32+len(payloadType)+len(payload))
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	return append(b, payload...)
}

// SignEnvelope signs payload with key.
func SignEnvelope(key ed25519.PrivateKey, payloadType string, payload []byte) Envelope {
	pub := key.Public().(ed25519.PublicKey)
	return Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []Signature{{KeyID: signature.KeyID(pub), Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, PAE(payloadType, payload)))}},
	}
}

// ErrEnvelope is wrapped by every reason an envelope does not verify.
var ErrEnvelope = errors.New("envelope does not verify")

// Open checks that one of the envelope's signatures verifies under one of
// keys (by key id) and returns the payload.
func (e Envelope) Open(keys []ed25519.PublicKey) ([]byte, error) {
	payload, err := strict.DecodeString(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64", ErrEnvelope)
	}
	if len(e.Signatures) == 0 {
		return nil, fmt.Errorf("%w: no signature", ErrEnvelope)
	}
	msg := PAE(e.PayloadType, payload)
	known := false
	for _, s := range e.Signatures {
		for _, k := range keys {
			if signature.KeyID(k) != s.KeyID {
				continue
			}
			known = true
			sig, err := strict.DecodeString(s.Sig)
			if err == nil && ed25519.Verify(k, msg, sig) {
				return payload, nil
			}
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: signed by key %s, which is not a verdict key given", ErrEnvelope, e.Signatures[0].KeyID)
	}
	return nil, fmt.Errorf("%w: bad signature over the payload", ErrEnvelope)
}

// Marshal gives the envelope's JSON, the bytes that enter the log.
func (e Envelope) Marshal() []byte {
	n := 64 + len(e.PayloadType) + len(e.Payload)
	for _, s := range e.Signatures {
		n += 32 + len(s.KeyID) + len(s.Sig)
	}
	return e.AppendJSON(make([]byte, 0, n))
}

// OneSignature makes the envelope of payload with one signature already
// made, and its Marshal form, in one pass: the base64 is written straight
// into the JSON (it needs no escaping), and the envelope's strings are
// slices of it.
func OneSignature(payloadType string, payload []byte, keyID string, sig []byte) (Envelope, []byte) {
	var env Envelope
	b := make([]byte, 0, OneSignatureLen(payloadType, payload, keyID, sig))
	b = AppendOneSignature(b, &env, make([]Signature, 1), payloadType, payload, keyID, sig)
	return env, b
}

// OneSignatureLen is the length of OneSignature's JSON (for a type and a
// key id that need no escaping; at most that otherwise).
func OneSignatureLen(payloadType string, payload []byte, keyID string, sig []byte) int {
	enc := base64.StdEncoding
	return len(`{"payloadType":"","payload":"","signatures":[{"keyid":"","sig":""}]}`) + len(payloadType) + enc.EncodedLen(len(payload)) +
		len(keyID) + enc.EncodedLen(len(sig))
}

// AppendOneSignature is OneSignature written into b, which must have
// OneSignatureLen spare capacity, and into env and sigs (of length 1).
// env's strings are slices of what it appends: they hold only while b's
// array is not written again.
func AppendOneSignature(b []byte, env *Envelope, sigs []Signature, payloadType string, payload []byte, keyID string, sig []byte) []byte {
	b0 := len(b)
	b = append(b, `{"payloadType":`...)
	b = jsonout.String(b, payloadType)
	b = append(b, `,"payload":"`...)
	p0 := len(b)
	b = jsonout.Base64(b, payload)
	p1 := len(b)
	b = append(b, `","signatures":[{"keyid":`...)
	b = jsonout.String(b, keyID)
	b = append(b, `,"sig":"`...)
	s0 := len(b)
	b = jsonout.Base64(b, sig)
	s1 := len(b)
	b = append(b, `"}]}`...)
	text := unsafe.String(unsafe.SliceData(b[b0:]), len(b)-b0)
	sigs[0] = Signature{KeyID: keyID, Sig: text[s0-b0 : s1-b0]}
	*env = Envelope{PayloadType: payloadType, Payload: text[p0-b0 : p1-b0], Signatures: sigs[:1]}
	return b
}

// AppendJSON appends the envelope's JSON, as encoding/json writes it.
func (e Envelope) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	b = jsonout.Field(b, "payloadType")
	b = jsonout.String(b, e.PayloadType)
	b = jsonout.Field(b, "payload")
	b = jsonout.String(b, e.Payload)
	b = jsonout.Field(b, "signatures")
	if e.Signatures == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, s := range e.Signatures {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = jsonout.Field(b, "keyid")
			b = jsonout.String(b, s.KeyID)
			b = jsonout.Field(b, "sig")
			b = jsonout.String(b, s.Sig)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// ParseEnvelope reads an envelope's JSON. Envelopes this package wrote
// (Marshal's exact form) are read without reflection; anything else goes
// through encoding/json.
func ParseEnvelope(b []byte) (Envelope, error) {
	if e, ok := parseOwnEnvelope(b); ok {
		return e, nil
	}
	var e Envelope
	err := json.Unmarshal(b, &e)
	return e, err
}

// parseOwnEnvelope reads Marshal's form: the three fields in order, no
// whitespace, no escapes, printable ASCII only (the rest, control
// characters and UTF-8 that may be invalid, is encoding/json's to judge).
func parseOwnEnvelope(b []byte) (Envelope, bool) {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return Envelope{}, false
		}
	}
	s := string(b)
	var e Envelope
	var ok bool
	field := func(prefix string) string {
		if !ok || !strings.HasPrefix(s, prefix) {
			ok = false
			return ""
		}
		s = s[len(prefix):]
		end := strings.IndexByte(s, '"')
		if end < 0 {
			ok = false
			return ""
		}
		v := s[:end]
		s = s[end+1:]
		return v
	}
	ok = true
	e.PayloadType = field(`{"payloadType":"`)
	e.Payload = field(`,"payload":"`)
	if !ok || !strings.HasPrefix(s, `,"signatures":[`) {
		return Envelope{}, false
	}
	s = s[len(`,"signatures":[`):]
	e.Signatures = make([]Signature, 0, 1) // "[]" is an empty list, as encoding/json reads it
	for ok && strings.HasPrefix(s, `{"keyid":"`) {
		sig := Signature{KeyID: field(`{"keyid":"`), Sig: field(`,"sig":"`)}
		if !ok || !strings.HasPrefix(s, "}") {
			return Envelope{}, false
		}
		s = s[1:]
		e.Signatures = append(e.Signatures, sig)
		s = strings.TrimPrefix(s, ",")
	}
	return e, ok && s == "]}"
}
