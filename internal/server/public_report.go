package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"shencha/internal/blob"
	"shencha/internal/review"
	"shencha/internal/store"
)

// Public reports (举报, Art. 3): anyone files one, over the API or from
// the web page (which hands its form to pageReport here, so both go
// through the same checks); the office lists, reads and triages them.

func (s *Server) registerPublicReports() {
	s.handle("POST", "/api/v1/reports", "file a public report (举报), named or anonymous: JSON, or multipart/form-data with its fields first and up to 5 files (pictures, PDF, text, zip); answers the receipt number and the check code, once; limited per client per hour", true, s.fileReport)
	s.handleLimited("GET", "/api/v1/reports/status", "a public report's status and the office's public reason (?receipt=&code=)", true, s.reportStatus)
	s.handle("GET", "/api/v1/reports", "public reports, those awaiting triage first, cursor-paged (office; ?status=, ?case=, ?cursor=…&limit=…; next_cursor gives the next page)", false, s.reports)
	s.handle("GET", "/api/v1/reports/{id}", "one public report with its reporter's contact (office; audited)", false, s.report)
	s.handle("POST", "/api/v1/reports/{id}/triage", "triage a report: dismiss, link to a case, or open a re-review (office)", false, s.triageReport)
	s.handle("GET", "/api/v1/reports/{id}/files/{file}", "download a report's file (office; audited)", false, s.reportFile)
}

// maxReportFile bounds one file of a report: 10 MiB, or the server's
// upload limit if that is lower.
func (s *Server) maxReportFile() int64 { return min(10<<20, s.cfg.MaxUpload) }

// maxReportBody bounds a whole report: its files and a margin for its text.
func (s *Server) maxReportBody() int64 {
	return review.MaxReportFiles*s.maxReportFile() + 1<<20
}

func (s *Server) fileReport(w http.ResponseWriter, r *http.Request) error {
	if err := s.filingAllowed(w, r); err != nil {
		return err
	}
	var rc store.ReportReceipt
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		_, rc, err = s.receiveReport(w, r)
	} else {
		var in review.NewReport
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		rc, err = s.cfg.Store.FileReport(r.Context(), in, nil)
	}
	if err != nil {
		return err
	}
	writeJSON(w, 201, rc)
	return nil
}

// reportFields are the text inputs of a report's form, by name.
var reportFields = map[string]func(in *review.NewReport, v string) error{
	"about": func(in *review.NewReport, v string) error {
		kind, id, _ := strings.Cut(v, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		switch {
		case v == "":
		case kind == "product" && err == nil && n > 0:
			in.ProductID = n
		case kind == "provider" && err == nil && n > 0:
			in.ProviderOrgID = n
		default:
			return review.Invalid("about", "field_invalid", "rule", "product:ID or provider:ID")
		}
		return nil
	},
	"product_id":      func(in *review.NewReport, v string) error { return formID(&in.ProductID, "product_id", v) },
	"provider_org_id": func(in *review.NewReport, v string) error { return formID(&in.ProviderOrgID, "provider_org_id", v) },
	"subject":         func(in *review.NewReport, v string) error { in.Subject = v; return nil },
	"description":     func(in *review.NewReport, v string) error { in.Description = v; return nil },
	"contact_name":    func(in *review.NewReport, v string) error { in.Contact.Name = v; return nil },
	"contact_email":   func(in *review.NewReport, v string) error { in.Contact.Email = v; return nil },
	"contact_phone":   func(in *review.NewReport, v string) error { in.Contact.Phone = v; return nil },
}

func formID(dst *int64, field, v string) error {
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return review.Invalid(field, "field_invalid", "rule", "a positive integer")
	}
	*dst = n
	return nil
}

// maxReportText bounds what is read of one text input: a description of
// review.MaxReportDescription characters of four bytes at most.
const maxReportText = 4*review.MaxReportDescription + 1

// pageReport is the web page's way to file a report: the API's limit per
// client, then the API's reading of the form (receiveReport).
func (s *Server) pageReport(w http.ResponseWriter, r *http.Request) (review.NewReport, store.ReportReceipt, error) {
	if err := s.filingAllowed(w, r); err != nil {
		return review.NewReport{}, store.ReportReceipt{}, err
	}
	return s.receiveReport(w, r)
}

// receiveReport takes a report from a multipart form: its text fields, then
// its files ("file", repeated). The text is checked (the store's
// CheckReport) before a byte of a file is stored; each file is recognised
// by its first bytes and checked before it is stored, and streamed into
// the blob store under the size limit. A report refused after a file was
// stored (a later file too large, a broken upload) takes its stored files
// with it, unless something else names them, so a refused report leaves
// nothing behind. It returns what the form said, for a page to show again.
func (s *Server) receiveReport(w http.ResponseWriter, r *http.Request) (review.NewReport, store.ReportReceipt, error) {
	var in review.NewReport
	if r.ContentLength > s.maxReportBody() {
		return in, store.ReportReceipt{}, review.E(review.KindTooLarge, "body_too_large", "max", itoa(s.maxReportBody()))
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxReportBody())
	mr, err := r.MultipartReader()
	if err != nil {
		return in, store.ReportReceipt{}, review.E(review.KindInvalid, "body_invalid", "reason", "multipart/form-data expected")
	}
	var files []store.ReportFile
	checked := false
	err = func() error {
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return bodyError(err, s.maxReportBody())
			}
			name := part.FormName()
			if name == "file" {
				if part.FileName() == "" {
					continue // a form sent with no file chosen still has the part
				}
				if !checked {
					if err := s.cfg.Store.CheckReport(r.Context(), &in); err != nil {
						return err
					}
					checked = true
				}
				f, err := s.putReportFile(r.Context(), part, len(files))
				if err != nil {
					return err
				}
				files = append(files, f)
				continue
			}
			set, ok := reportFields[name]
			if !ok {
				return review.Invalid(name, "field_unknown")
			}
			if checked {
				return review.Invalid(name, "field_invalid", "rule", "the text fields come before the files")
			}
			b, err := io.ReadAll(io.LimitReader(part, maxReportText))
			if err != nil {
				return bodyError(err, s.maxReportBody())
			}
			if len(b) == maxReportText {
				return review.Invalid(name, "field_too_long", "max", strconv.Itoa(review.MaxReportDescription))
			}
			if err := set(&in, string(b)); err != nil {
				return err
			}
		}
	}()
	var rc store.ReportReceipt
	if err == nil {
		rc, err = s.cfg.Store.FileReport(r.Context(), in, files)
	}
	if err != nil {
		s.discard(context.WithoutCancel(r.Context()), files)
	}
	return in, rc, err
}

// bodyError words a failure to read a request body: too large, or broken.
func bodyError(err error, max int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return review.E(review.KindTooLarge, "body_too_large", "max", itoa(max))
	}
	return review.E(review.KindInvalid, "body_invalid", "reason", err.Error())
}

// putReportFile checks the n-th file of a report by its name and its
// first bytes, then stores it.
func (s *Server) putReportFile(ctx context.Context, part *multipart.Part, n int) (store.ReportFile, error) {
	br := bufio.NewReaderSize(part, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return store.ReportFile{}, bodyError(err, s.maxReportBody())
	}
	if len(head) == 0 {
		return store.ReportFile{}, review.Invalid("files", "field_invalid", "rule", "the file "+part.FileName()+" is empty")
	}
	ct := http.DetectContentType(head)
	if err := review.CheckAttachment(n, part.FileName(), ct); err != nil {
		return store.ReportFile{}, err
	}
	m, err := s.putFile(ctx, br, "", s.maxReportFile(), part.FileName(), ct)
	var e *review.Error
	if errors.As(err, &e) && e.Kind == review.KindTooLarge {
		e.Field = "files" // the file, not the whole body, is over its limit
	}
	return store.ReportFile{Digest: m.Digest, Size: m.Size, Filename: m.Filename, ContentType: m.ContentType}, err
}

// discard removes the files a refused report stored, unless a record names
// them: blobs are shared by content, and another case or report may hold
// the same bytes.
func (s *Server) discard(ctx context.Context, files []store.ReportFile) {
	for _, f := range files {
		named, err := s.cfg.Store.BlobNamed(ctx, f.Digest)
		if err != nil || named {
			continue
		}
		d, err := blob.ParseDigest(f.Digest)
		if err != nil {
			continue
		}
		if err := s.cfg.Blobs.Delete(ctx, d); err != nil && !errors.Is(err, blob.ErrNotFound) {
			s.cfg.Log.Error("discard a refused report's file", "digest", f.Digest, "err", err)
		}
	}
}

func (s *Server) reportStatus(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	st, err := s.cfg.Store.ReportStatus(r.Context(), q.Get("receipt"), q.Get("code"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, st)
	return nil
}

func (s *Server) reports(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 0
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return review.Invalid("limit", "field_invalid", "rule", "an integer")
		}
		limit = n
	}
	page, err := s.cfg.Store.Reports(r.Context(), actor(r), store.PublicReportFilter{Status: review.ReportStatus(q.Get("status")), Case: q.Get("case"),
		Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	writeJSON(w, 200, page)
	return nil
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.cfg.Store.Report(r.Context(), actor(r), id, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) triageReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in review.Triage
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.cfg.Store.TriageReport(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) reportFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "file")
	if err != nil {
		return err
	}
	f, err := s.cfg.Store.OpenReportFile(r.Context(), actor(r), id, fid, clientAddr(r))
	if err != nil {
		return err
	}
	return s.sendBlob(w, r, f.Digest, f.Filename)
}
