package transparency

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Entry kinds: what a log entry's bytes are.
const (
	// KindVerdict: the JSON of a public verdict's envelope.
	KindVerdict = "verdict"
	// KindCommitment: the 32-byte Commitment of a non-public verdict.
	KindCommitment = "commitment"
	// KindAuditAnchor: the AnchorText of the audit chain's head.
	KindAuditAnchor = "audit_anchor"
)

// SaltSize is the size of a commitment's random salt.
const SaltSize = 32

// Commitment binds a non-public verdict's envelope without revealing it:
// SHA-256(salt || envelope JSON). It is the log entry of such a verdict.
func Commitment(salt, envelope []byte) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(envelope)
	return h.Sum(nil)
}

// AnchorText is the log entry anchoring the audit chain: its last row's
// sequence number and hash.
func AnchorText(seq int64, hash string) []byte {
	return []byte("shencha audit chain\n" + strconv.FormatInt(seq, 10) + "\n" + hash + "\n")
}

// ParseAnchor reads an AnchorText: the audit row's sequence number and hash.
func ParseAnchor(entry []byte) (int64, string, error) {
	lines := strings.Split(string(entry), "\n")
	if len(lines) != 4 || lines[0] != "shencha audit chain" || lines[3] != "" {
		return 0, "", fmt.Errorf("transparency: not an audit anchor: %q", entry)
	}
	seq, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || seq < 1 {
		return 0, "", fmt.Errorf("transparency: audit anchor: row %q", lines[1])
	}
	return seq, lines[2], nil
}

// Checkpoint is a signed tree head: the log's origin, its size and root.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Body is the checkpoint's note text (C2SP tlog-checkpoint):
// "<origin>\n<size>\n<base64 root>\n".
func (c Checkpoint) Body() string {
	return c.Origin + "\n" + strconv.FormatInt(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root[:]) + "\n"
}

// SignCheckpoint signs a checkpoint as a note.
func SignCheckpoint(c Checkpoint, signer note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: c.Body()}, signer)
}

// ErrCheckpoint is wrapped by every reason a checkpoint is refused.
var ErrCheckpoint = errors.New("checkpoint does not verify")

// OpenCheckpoint checks a signed checkpoint against the log's verifier keys
// (note verifier key strings, current and retired) and parses it.
func OpenCheckpoint(msg []byte, vkeys []string) (Checkpoint, error) {
	var vs []note.Verifier
	for _, k := range vkeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return Checkpoint{}, fmt.Errorf("%w: log key %q: %v", ErrCheckpoint, k, err)
		}
		vs = append(vs, v)
	}
	if err := canonicalSignatures(msg); err != nil {
		return Checkpoint{}, err
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			return Checkpoint{}, fmt.Errorf("%w: bad signature by %s", ErrCheckpoint, inv.Name)
		case errors.As(err, &unv):
			return Checkpoint{}, fmt.Errorf("%w: not signed by a log key given", ErrCheckpoint)
		}
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	return ParseCheckpointBody(n.Text)
}

// canonicalSignatures refuses a note whose signature lines are not in
// canonical base64: note decodes leniently, and a changed character that
// decodes to the same bytes must still be a change.
func canonicalSignatures(msg []byte) error {
	text := string(msg)
	i := strings.LastIndex(text, "\n\n")
	if i < 0 {
		return fmt.Errorf("%w: malformed note", ErrCheckpoint)
	}
	for _, line := range strings.Split(strings.TrimSuffix(text[i+2:], "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "—" {
			return fmt.Errorf("%w: malformed signature line %q", ErrCheckpoint, line)
		}
		if _, err := strict.DecodeString(f[2]); err != nil {
			return fmt.Errorf("%w: signature by %s is not canonical base64", ErrCheckpoint, f[1])
		}
	}
	return nil
}

// ParseCheckpointBody parses a checkpoint's text (no signature check).
func ParseCheckpointBody(text string) (Checkpoint, error) {
	if !noteText(text) {
		return Checkpoint{}, fmt.Errorf("%w: not a note's text (UTF-8 without control characters)", ErrCheckpoint)
	}
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, fmt.Errorf("%w: want origin, size and root lines", ErrCheckpoint)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	// Only the canonical decimal form: "+5" or "05" would be another text
	// for the same checkpoint.
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("%w: size %q", ErrCheckpoint, lines[1])
	}
	root, err := strict.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: root %q", ErrCheckpoint, lines[2])
	}
	c := Checkpoint{Origin: lines[0], Size: size}
	copy(c.Root[:], root)
	return c, nil
}

// noteText reports whether a note may hold text, as note.Open decides:
// valid UTF-8 with no control character but newline. A checkpoint's text
// that no note could carry is not a checkpoint.
func noteText(text string) bool {
	for _, r := range text {
		if r < 0x20 && r != '\n' {
			return false
		}
	}
	return utf8.ValidString(text)
}

// ErrProof is wrapped by every reason a proof is refused.
var ErrProof = errors.New("proof does not verify")

// VerifyInclusion checks that entry (the entry's bytes) is at index in the
// tree of the checkpoint.
func VerifyInclusion(entry []byte, index int64, proof [][]byte, c Checkpoint) error {
	if index < 0 || index >= c.Size {
		return fmt.Errorf("%w: index %d is outside a tree of %d entries", ErrProof, index, c.Size)
	}
	p, err := hashes(proof)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(p, c.Size, c.Root, index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("%w: entry %d is not in the tree of size %d: %v", ErrProof, index, c.Size, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of newer extends that of older.
func VerifyConsistency(older, newer Checkpoint, proof [][]byte) error {
	if older.Origin != newer.Origin {
		return fmt.Errorf("%w: checkpoints of different logs (%q, %q)", ErrProof, older.Origin, newer.Origin)
	}
	if older.Size > newer.Size {
		return fmt.Errorf("%w: the older checkpoint (%d) is larger than the newer (%d)", ErrProof, older.Size, newer.Size)
	}
	p, err := hashes(proof)
	if err != nil {
		return err
	}
	if older.Size == 0 {
		return nil
	}
	if older.Size == newer.Size {
		if !bytes.Equal(older.Root[:], newer.Root[:]) || len(p) != 0 {
			return fmt.Errorf("%w: two trees of size %d with different roots", ErrProof, older.Size)
		}
		return nil
	}
	if err := tlog.CheckTree(p, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return fmt.Errorf("%w: the tree of size %d does not extend that of size %d: %v", ErrProof, newer.Size, older.Size, err)
	}
	return nil
}

func hashes(proof [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(proof))
	for i, h := range proof {
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("%w: proof hash %d has %d bytes, want %d", ErrProof, i, len(h), tlog.HashSize)
		}
		copy(out[i][:], h)
	}
	return out, nil
}
