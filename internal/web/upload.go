package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
)

// upload takes a material from the case page's multipart form and hands
// the file, streamed, to the API's own route (POST
// /api/v1/cases/{number}/materials) on the server's mux. The UI has no
// blob store and no upload code of its own, so a page upload gets exactly
// what an API upload gets: the permission check before a byte is stored,
// the server's size limit, the blob store's all-or-nothing write (nothing
// half-written remains on a failure) and the audit record.
//
// The form sends "label" before "file" (the order of its inputs), so the
// label is known when the file part starts and the file is never buffered.
func (ui *UI) upload(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	// Who may not add to the case is refused before the form is read.
	if err := ui.cfg.Store.Authorize(r.Context(), ui.cfg.Actor(r), number, review.ActUploadMaterial); err != nil {
		if msg, status, ok := ui.refusal(r, err); ok {
			ui.uploadFailed(w, r, status, "file", msg)
			return
		}
		ui.fail(w, r, err)
		return
	}
	var label string
	sent := false
	err := formParts(r, func(part *multipart.Part) bool {
		switch part.FormName() {
		case "label":
			label = strings.TrimSpace(partText(part, 64))
		case "file":
			if part.FileName() == "" {
				return true // a form sent with no file chosen still has the part
			}
			ui.forwardUpload(w, r, number, label, part)
			sent = true
			return false
		}
		return true
	})
	switch {
	case sent:
	case err != nil:
		ui.uploadFailed(w, r, ui.cfg.Status(err.Kind), "file", ui.message(i18n.FromRequest(r), err))
	default:
		ui.uploadFailed(w, r, http.StatusBadRequest, "file", ui.message(i18n.FromRequest(r), review.Required("file")))
	}
}

// formParts reads a multipart form's parts in their order, handing each to
// fn until fn returns false; a body that is not such a form is refused as
// body_invalid. Reading part by part, a file is streamed, never buffered.
func formParts(r *http.Request, fn func(*multipart.Part) bool) *review.Error {
	mr, err := r.MultipartReader()
	if err != nil {
		return review.E(review.KindInvalid, "form_invalid", "reason", "multipart/form-data expected")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return review.E(review.KindTooLarge, "body_too_large", "max", strconv.FormatInt(tooBig.Limit, 10))
		}
		if err != nil {
			return review.E(review.KindInvalid, "form_invalid", "reason", err.Error())
		}
		if !fn(part) {
			return nil
		}
	}
}

// partText reads a text input of a multipart form, at most max bytes.
func partText(part *multipart.Part, max int64) string {
	b, _ := io.ReadAll(io.LimitReader(part, max))
	return string(b)
}

// forwardUpload runs the API's upload handler for one file part and
// answers the page: back to the case's materials, or the case page with
// the API's error beside the form.
func (ui *UI) forwardUpload(w http.ResponseWriter, r *http.Request, number, label string, part *multipart.Part) {
	_, status, field, msg, err := ui.apiUpload(r, number, label, part)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	if status == http.StatusCreated {
		// Post/redirect/get: a reload does not upload twice.
		http.Redirect(w, r, "/cases/"+number+"#materials", http.StatusSeeOther)
		return
	}
	ui.uploadFailed(w, r, status, field, msg)
}

// apiUpload hands one file part, streamed, to the API's upload route and
// returns the stored material's id, or the API's refusal: its status, the
// page's input it names and its message in the visitor's language.
func (ui *UI) apiUpload(r *http.Request, number, label string, part *multipart.Part) (id int64, status int, field, msg string, err error) {
	q := url.Values{"filename": {part.FileName()}}
	if label != "" {
		q.Set("label", label)
	}
	// The clone keeps the context (the authenticated actor the server put
	// there), the client address and the language headers.
	sub := r.Clone(r.Context())
	sub.URL = &url.URL{Path: "/api/v1/cases/" + url.PathEscape(number) + "/materials", RawQuery: q.Encode()}
	sub.RequestURI = sub.URL.RequestURI()
	sub.Body = io.NopCloser(part)
	sub.ContentLength = -1 // unknown: the blob store enforces the limit while it reads
	sub.Header = r.Header.Clone()
	sub.Header.Del("Content-Length")
	sub.Header.Del("X-Content-SHA256") // only the API's clients send a digest
	sub.Header.Set("Content-Type", part.Header.Get("Content-Type"))
	rec := &recorder{header: http.Header{}}
	ui.mux.ServeHTTP(rec, sub)
	var body struct {
		ID    int64 `json:"id"`
		Error struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.body.Bytes(), &body); err != nil || rec.code == http.StatusCreated && body.ID == 0 || rec.code != http.StatusCreated && body.Error.Message == "" {
		ui.cfg.Log.Error("upload: unreadable API answer", "case", number, "status", rec.code)
		return 0, 0, "", "", review.Internal(errors.New("upload: unreadable API answer"))
	}
	if rec.code == http.StatusCreated {
		return body.ID, rec.code, "", "", nil
	}
	// The API names the query parameter it refused; on the page the file
	// is the "file" input whatever the API called it.
	field = body.Error.Field
	switch field {
	case "", "filename", "X-Content-SHA256":
		field = "file"
	}
	return 0, rec.code, field, body.Error.Message, nil
}

// uploadFailed shows the case page with the refusal beside the upload
// form, naming the field and the reason. A case the visitor may not see
// stays a plain not-found page.
func (ui *UI) uploadFailed(w http.ResponseWriter, r *http.Request, status int, field, msg string) {
	ui.showCaseWith(w, r, status, "", uploadRefusal(i18n.FromRequest(r), field, msg))
}

// uploadRefusal words an upload's refusal: the input by its label, and
// the API's reason.
func uploadRefusal(lang, field, msg string) string {
	label := field // a field without a label of its own keeps the API's name
	if key, ok := uploadFields[field]; ok {
		label = i18n.T(lang, key, nil)
	}
	return i18n.T(lang, "ui.upload.failed", map[string]string{"field": label, "reason": msg})
}

// uploadFields are the upload form's inputs and their labels' messages.
var uploadFields = map[string]string{"file": "ui.upload.field.file", "label": "ui.upload.field.label"}

// recorder keeps the API's answer to a forwarded upload. The answer is a
// small JSON document (the material, or an error), so it is bounded.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (c *recorder) Header() http.Header { return c.header }

func (c *recorder) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}

func (c *recorder) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	if c.body.Len()+len(b) > 64<<10 {
		return 0, errors.New("upload: API answer too large")
	}
	return c.body.Write(b)
}
