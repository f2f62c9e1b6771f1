package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/transparency"
)

// Issued documents: the PDFs the office issues (published provider reports
// and decision letters), kept byte for byte, each with a signed statement of
// its SHA-256 queued for the transparency log in the transaction that issues
// it, so that whoever holds a copy can check it is the one issued. A public
// document's statement enters the log as it is; a letter, which is for the
// parties, as a salted commitment that the parties can open.

// Document is an issued PDF.
type Document struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"` // transparency.DocProviderReport or DocDecisionLetter
	Lang      string `json:"language"`
	Name      string `json:"name"` // the file name it is served under
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	IssuedAt  string `json:"issued_at"`
	ReportID  int64  `json:"report_id,omitempty"`
	Case      string `json:"case,omitempty"`
	PDF       []byte `json:"-"`
	caseID    int64
	reportRef sql.NullInt64
}

// validLang refuses a language the documents are not written in.
func validLang(lang string) error {
	if !slices.Contains(i18n.Locales, lang) {
		return review.Invalid("lang", "field_unknown_value", "value", lang)
	}
	return nil
}

// documentName is the file name of a document.
func documentName(d *Document) string {
	if d.Kind == transparency.DocDecisionLetter {
		return d.Case + "-decision-letter-" + d.Lang + ".pdf"
	}
	return "provider-report-" + itoa(d.ReportID) + "-" + d.Lang + ".pdf"
}

// issue stores a rendered document and queues the signed statement of its
// digest for the log, in the caller's transaction: as it is when public, as
// a salted commitment otherwise.
func (s *Store) issue(ctx context.Context, tx *sql.Tx, d *Document, pred transparency.Document, public bool) error {
	sum := sha256.Sum256(d.PDF)
	d.SHA256, d.Size, d.IssuedAt, d.Name = hex.EncodeToString(sum[:]), int64(len(d.PDF)), ts(s.Now()), documentName(d)
	err := tx.QueryRowContext(ctx, `INSERT INTO documents (kind, report_id, case_id, lang, sha256, size, pdf, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		d.Kind, nullID(d.ReportID), nullID(d.caseID), d.Lang, d.SHA256, d.Size, d.PDF, d.IssuedAt).Scan(&d.ID)
	if err != nil {
		return wrap("issue document", err)
	}
	pred.Kind, pred.Language, pred.IssuedAt = d.Kind, d.Lang, d.IssuedAt
	stmt := transparency.NewDocumentStatement(d.Name, d.SHA256, pred)
	env := transparency.SignEnvelope(s.keys.Load().Verdict, transparency.PayloadType, stmt.Marshal()).Marshal()
	kind, entry := transparency.KindDocument, env
	var salt []byte
	if !public {
		salt = make([]byte, transparency.SaltSize)
		rand.Read(salt)
		kind, entry = transparency.KindCommitment, transparency.Commitment(salt, env)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_queue (kind, entry, envelope, salt, document_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		kind, entry, string(env), salt, d.ID, ts(s.Now())); err != nil {
		return wrap("issue document", err)
	}
	s.wakeSequencer()
	return nil
}

const documentColumns = `d.id, d.kind, d.lang, d.sha256, d.size, d.created_at, d.report_id, COALESCE(d.case_id, 0), COALESCE(c.number, '')`

// document reads one document, with its bytes when withPDF is set; nil
// when none matches.
func (s *Store) document(ctx context.Context, q queryer, withPDF bool, where string, args ...any) (*Document, error) {
	cols := documentColumns
	if withPDF {
		cols += ", d.pdf"
	}
	d := &Document{}
	dest := []any{&d.ID, &d.Kind, &d.Lang, &d.SHA256, &d.Size, &d.IssuedAt, &d.reportRef, &d.caseID, &d.Case}
	if withPDF {
		dest = append(dest, &d.PDF)
	}
	err := q.QueryRowContext(ctx, `SELECT `+cols+` FROM documents d LEFT JOIN cases c ON c.id = d.case_id WHERE `+where, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("document", err)
	}
	d.ReportID = d.reportRef.Int64
	d.Name = documentName(d)
	return d, nil
}

// RenderLetter makes the PDF of a decision letter in a language, from the
// case as a party sees it; committee says whether the committee decided.
type RenderLetter func(v *CaseView, committee bool, lang string) ([]byte, error)

// LetterPDF returns the decision letter of a published case as PDF, for the
// parties who may read the letter. The first request in each language
// issues it: render makes the PDF, which is stored with its statement
// queued for the log in one transaction; every later request gets the same
// bytes. Each download is audited (the letter is confidential, Art. 13).
func (s *Store) LetterPDF(ctx context.Context, a review.Actor, number, lang string, render RenderLetter) (*Document, error) {
	if err := validLang(lang); err != nil {
		return nil, err
	}
	v, committee, err := s.Letter(ctx, a, number)
	if err != nil {
		return nil, err
	}
	if v.State != review.StatePublished {
		return nil, review.Conflict("guard_failed", "rule", "not_published")
	}
	var caseID int64
	if err := s.r.QueryRowContext(ctx, `SELECT id FROM cases WHERE number = $1`, number).Scan(&caseID); err != nil {
		return nil, wrap("letter", err)
	}
	var doc *Document
	get := func(tx *sql.Tx) error {
		d, err := s.document(ctx, tx, true, `d.case_id = $1 AND d.kind = $2 AND d.lang = $3`, caseID, transparency.DocDecisionLetter, lang)
		if err != nil {
			return err
		}
		if d == nil {
			pdf, err := render(v, committee, lang)
			if err != nil {
				return review.Internal(err)
			}
			d = &Document{Kind: transparency.DocDecisionLetter, Lang: lang, Case: number, caseID: caseID, PDF: pdf}
			if err := s.issue(ctx, tx, d, transparency.Document{Provider: v.Provider.Name, Case: number}, false); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, a, "letter.issue", "case:"+number, map[string]any{"document": d.ID, "sha256": d.SHA256, "lang": lang}); err != nil {
				return err
			}
		}
		doc = d
		return s.audit(ctx, tx, a, "letter.read", "case:"+number, map[string]any{"document": d.ID, "sha256": d.SHA256, "lang": lang})
	}
	err = s.tx(ctx, get)
	if isUnique(err) {
		// Another request issued it first (PostgreSQL): read theirs.
		err = s.tx(ctx, get)
	}
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// DocumentByDigest finds an issued document by its SHA-256 ("sha256:<hex>"
// or bare hex) with the attestation that checks it: the signed statement,
// its log entry, the inclusion proof and checkpoint (Pending while it waits
// for the sequencer). A published report's is public; a letter's only for
// those who may read the letter, and anyone else is told there is none.
func (s *Store) DocumentByDigest(ctx context.Context, a review.Actor, digest string) (*Document, *transparency.Attestation, error) {
	hexDigest := strings.ToLower(strings.TrimPrefix(digest, "sha256:"))
	if !review.IsSHA256Hex(hexDigest) {
		return nil, nil, review.Invalid("digest", "field_invalid", "rule", "sha256:<64 hex digits>")
	}
	d, err := s.document(ctx, s.r, false, `d.sha256 = $1`, hexDigest)
	if err != nil {
		return nil, nil, err
	}
	if d == nil {
		return nil, nil, review.NotFound("document")
	}
	if d.Kind == transparency.DocDecisionLetter {
		if _, _, err := s.Letter(ctx, a, d.Case); err != nil {
			if review.IsKind(err, review.KindInternal) {
				return nil, nil, err
			}
			return nil, nil, review.NotFound("document")
		}
	}
	att, err := s.documentAttestation(ctx, d.ID)
	return d, att, err
}

// documentAttestation builds the attestation of a document's log entry.
func (s *Store) documentAttestation(ctx context.Context, docID int64) (*transparency.Attestation, error) {
	var kind, envelope string
	var salt []byte
	var idx int64
	err := s.r.QueryRowContext(ctx, `SELECT idx, kind, envelope, salt FROM log_entries WHERE document_id = $1`, docID).Scan(&idx, &kind, &envelope, &salt)
	pending := false
	if errors.Is(err, sql.ErrNoRows) {
		// Queued, unless it moved to the log between the two reads.
		idx = 0
		err = s.r.QueryRowContext(ctx, `SELECT kind, envelope, salt FROM log_queue WHERE document_id = $1`, docID).Scan(&kind, &envelope, &salt)
		pending = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			err = s.r.QueryRowContext(ctx, `SELECT idx, kind, envelope, salt FROM log_entries WHERE document_id = $1`, docID).Scan(&idx, &kind, &envelope, &salt)
		}
	}
	if err != nil {
		return nil, wrap("document attestation", err)
	}
	return s.attest(ctx, kind, idx, pending, envelope, salt)
}
