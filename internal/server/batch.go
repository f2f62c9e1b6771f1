package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/sbom"
	"shencha/internal/store"
)

// MaxBatch is the most queries one batch answers.
const MaxBatch = 50_000

// maxBatchBody bounds a batch request's body.
const maxBatchBody = 32 << 20

// batchQuery is one line of a batch: any one identifier, as in GET
// /api/v1/eligibility.
type batchQuery struct {
	Listing int64  `json:"listing,omitempty"`
	PURL    string `json:"purl,omitempty"`
	CPE     string `json:"cpe,omitempty"`
	Digest  string `json:"digest,omitempty"`
	Product int64  `json:"product,omitempty"`
	Version string `json:"version,omitempty"`
	AsOf    string `json:"as_of,omitempty"`
}

func (q batchQuery) listingQuery() store.ListingQuery {
	return store.ListingQuery{ListingID: q.Listing, PURL: q.PURL, CPE: q.CPE, Digest: q.Digest, ProductID: q.Product, Version: q.Version, AsOf: q.AsOf}
}

// batchLine is one line as read, or why it could not be read.
type batchLine struct {
	Line  int        `json:"line"`
	Query batchQuery `json:"query"`
	err   *review.Error
}

// batchItem is the answer to one line.
type batchItem struct {
	Line    int                   `json:"line"`
	Query   batchQuery            `json:"query"`
	Answers []store.ListingAnswer `json:"answers,omitempty"`
	Error   *lineError            `json:"error,omitempty"`
}

type lineError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// eligibilityBatch answers a purchase list: a JSON array of queries, a CSV
// (with a header naming purl, cpe, digest, listing, product, version,
// as_of columns, or one identifier per line), or an SBOM (every component
// with a purl). Every good line is answered; every bad one is named, with
// its reason.
func (s *Server) eligibilityBatch(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBatchBody))
	if err != nil {
		return s.bodyError(err)
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch {
		case ct == "text/csv":
			format = "csv"
		case strings.Contains(ct, "cyclonedx") || strings.Contains(ct, "spdx") || ct == "application/xml" || ct == "text/xml":
			format = "sbom"
		default:
			format = "json"
		}
	}
	var lines []batchLine
	switch format {
	case "json":
		lines, err = jsonLines(body)
	case "csv":
		lines, err = csvLines(body)
	case "sbom":
		lines, err = sbomLines(body)
	default:
		return review.Invalid("format", "field_invalid", "rule", "json, csv or sbom")
	}
	if err != nil {
		return err
	}
	if len(lines) > MaxBatch {
		return review.Invalid("body", "batch_too_long", "max", strconv.Itoa(MaxBatch))
	}
	lang := i18n.FromRequest(r)
	out := struct {
		Items    []batchItem `json:"items"`
		Answered int         `json:"answered"`
		Failed   int         `json:"failed"`
	}{Items: make([]batchItem, 0, len(lines))}
	for _, l := range lines {
		it := batchItem{Line: l.Line, Query: l.Query}
		e := l.err
		if e == nil {
			ans, err := s.cfg.Store.Listings(r.Context(), actor(r), l.Query.listingQuery())
			if err != nil && !errors.As(err, &e) {
				return err
			}
			if e != nil && e.Kind == review.KindInternal {
				return e
			}
			it.Answers = ans
		}
		if e != nil {
			it.Error = &lineError{Code: e.Code, Field: e.Field, Message: message(lang, e)}
			out.Failed++
		} else {
			out.Answered++
		}
		out.Items = append(out.Items, it)
	}
	writeJSON(w, 200, out)
	return nil
}

func jsonLines(body []byte) ([]batchLine, error) {
	body = bytes.TrimSpace(body)
	if bytes.HasPrefix(body, []byte("{")) {
		var wrapped struct {
			Items json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &wrapped); err != nil {
			return nil, review.Invalid("body", "body_invalid", "reason", err.Error())
		}
		body = wrapped.Items
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, review.Invalid("body", "body_invalid", "reason", "want a JSON array of queries: "+err.Error())
	}
	if len(raws) > MaxBatch {
		return nil, review.Invalid("body", "batch_too_long", "max", strconv.Itoa(MaxBatch))
	}
	lines := make([]batchLine, len(raws))
	for i, raw := range raws {
		lines[i].Line = i + 1
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&lines[i].Query); err != nil {
			lines[i].err = review.Invalid("query", "body_invalid", "reason", err.Error())
			continue
		}
		lines[i].err = lines[i].Query.check()
	}
	return lines, nil
}

// check names what is missing from a query.
func (q batchQuery) check() *review.Error {
	if q.Listing == 0 && q.PURL == "" && q.CPE == "" && q.Digest == "" && q.Product == 0 {
		return review.Invalid("query", "field_invalid", "rule", "one of listing, purl, cpe, digest or product (with version)")
	}
	return nil
}

// csvColumns are the header names a CSV may use (others are ignored, so a
// purchase list can carry quantities and notes).
var csvColumns = map[string]bool{"listing": true, "purl": true, "cpe": true, "digest": true, "product": true, "version": true, "as_of": true}

func csvLines(body []byte) ([]batchLine, error) {
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var header []string
	var lines []batchLine
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if len(lines) > MaxBatch {
			return nil, review.Invalid("body", "batch_too_long", "max", strconv.Itoa(MaxBatch))
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				lines = append(lines, batchLine{Line: pe.StartLine, err: review.Invalid("line", "field_invalid", "rule", pe.Err.Error())})
				continue
			}
			return nil, review.Invalid("body", "body_invalid", "reason", err.Error())
		}
		// A line is the file's line where the record starts, as an editor
		// shows it: blank lines and quoted line breaks count.
		n, _ := cr.FieldPos(0)
		if first && isHeader(rec) {
			header = make([]string, len(rec))
			for i, h := range rec {
				header[i] = strings.ToLower(strings.TrimSpace(h))
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		l := batchLine{Line: n}
		if header != nil {
			l.err = l.Query.fromColumns(header, rec)
		} else {
			l.err = l.Query.fromIdentifier(strings.TrimSpace(rec[0]))
		}
		if l.err == nil {
			l.err = l.Query.check()
		}
		lines = append(lines, l)
	}
	return lines, nil
}

func isHeader(rec []string) bool {
	for _, h := range rec {
		if csvColumns[strings.ToLower(strings.TrimSpace(h))] {
			return true
		}
	}
	return false
}

func (q *batchQuery) fromColumns(header, rec []string) *review.Error {
	for i, v := range rec {
		if i >= len(header) {
			break
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		switch header[i] {
		case "listing", "product":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return review.Invalid(header[i], "field_invalid", "rule", "a positive integer")
			}
			if header[i] == "listing" {
				q.Listing = n
			} else {
				q.Product = n
			}
		case "purl":
			q.PURL = v
		case "cpe":
			q.CPE = v
		case "digest":
			q.Digest = v
		case "version":
			q.Version = v
		case "as_of":
			q.AsOf = v
		}
	}
	return nil
}

// fromIdentifier reads a line that is just an identifier.
func (q *batchQuery) fromIdentifier(v string) *review.Error {
	switch {
	case strings.HasPrefix(v, "pkg:"):
		q.PURL = v
	case strings.HasPrefix(v, "cpe:"):
		q.CPE = v
	case strings.HasPrefix(v, "sha256:"):
		q.Digest = v
	default:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return review.Invalid("line", "field_invalid", "rule", fmt.Sprintf("%q is not a purl, CPE, sha256: digest or listing id", truncate(v, 80)))
		}
		q.Listing = n
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func sbomLines(body []byte) ([]batchLine, error) {
	doc, err := sbom.Parse(bytes.NewReader(body), sbom.DefaultLimits)
	if err != nil {
		return nil, review.Invalid("body", "body_invalid", "reason", err.Error())
	}
	lines := make([]batchLine, 0, len(doc.Components))
	for i, c := range doc.Components {
		l := batchLine{Line: i + 1, Query: batchQuery{PURL: c.PURL, CPE: c.CPE}}
		if c.PURL == "" && c.CPE == "" {
			l.err = review.Invalid("purl", "field_invalid", "rule", fmt.Sprintf("component %q has no purl or CPE", truncate(c.Name, 80)))
		} else if c.PURL != "" {
			l.Query.CPE = ""
		}
		lines = append(lines, l)
	}
	return lines, nil
}
