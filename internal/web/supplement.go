package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"shencha/internal/i18n"
	"shencha/internal/review"
	"shencha/internal/store"
)

// The provider's side of a review on the case page: the office's requests
// for supplementary material with a form to answer them (a text and a
// file), and the commitment (Art. 3) with what the provider signs. Whether
// the forms show comes from the case's allowed actions; what they do is
// the store's ApplyAction, as over the API.

// maxAnswerText is read of an answer's text; the store refuses more than
// the review's limit, naming the field.
const maxAnswerText = 64 << 10

// caseSections fills the case page's own sections: the link to the
// provider's ownership chain, the public reports behind the case (the
// office's), the supplement requests and the commitment.
func (ui *UI) caseSections(r *http.Request, a review.Actor, d *caseData) error {
	ctx, c := r.Context(), d.Case
	ok, err := ui.cfg.Store.CanReadOwnership(ctx, a, c.Provider.ID)
	if err != nil {
		return err
	}
	if ok {
		d.OwnershipURL = "/orgs/" + strconv.FormatInt(c.Provider.ID, 10) + "/ownership"
	}
	// The supply-chain analyses the visitor may read (the reviewers and the
	// organisation that submitted the SBOM); none for the rest.
	switch sboms, err := ui.cfg.Store.SBOMAnalyses(ctx, a, c.Number); {
	case err == nil:
		d.SBOMs = sboms
	case !review.IsKind(err, review.KindForbidden) && !review.IsKind(err, review.KindNotFound):
		return err
	}
	if _, ok := review.MayReadReports(a); ok {
		page, err := ui.cfg.Store.Reports(ctx, a, store.PublicReportFilter{Case: c.Number})
		if err != nil {
			return err
		}
		d.Reports = page.Items
	}
	canAnswer := slices.Contains(c.AllowedActions, string(review.ActAnswerSupplement))
	files := map[int64]store.MaterialView{}
	for _, m := range c.Materials {
		files[m.ID] = m
	}
	for _, s := range c.Supplements {
		it := supplementItem{SupplementView: s, Answerable: canAnswer && s.AnsweredAt == ""}
		for _, id := range s.Materials {
			if m, ok := files[id]; ok { // a file the visitor may not read is not named
				it.Files = append(it.Files, m)
			}
		}
		d.Supplements = append(d.Supplements, it)
	}
	if !slices.Contains(c.Parties, "provider") {
		return nil
	}
	cm := &commitmentData{CanSubmit: slices.Contains(c.AllowedActions, string(review.ActSubmitCommitment))}
	if cm.CanSubmit {
		draft, err := ui.cfg.Store.CommitmentDraft(ctx, a, c.Number)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(draft)
		cm.Draft, cm.Digest = string(draft), "sha256:"+hex.EncodeToString(sum[:])
		keys, err := ui.cfg.Store.SigningKeys(ctx, a.OrgID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.RevokedAt == "" {
				cm.Keys++
			}
		}
	}
	docs, err := ui.cfg.Store.SignedDocuments(ctx, a, c.Number)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		if doc.Type == review.CommitmentType {
			cm.Signed = append(cm.Signed, doc)
		}
	}
	if cm.CanSubmit || len(cm.Signed) > 0 {
		d.Commitment = cm
	}
	return nil
}

// answer takes the answer form: its text, then a confidentiality label
// and a file, as multipart/form-data, so it works without JavaScript. The
// answer is checked before a byte of the file is stored, so a refused
// answer leaves nothing behind; the file goes through the API's own upload
// route (upload.go) and the answer then points to it. Only a change to the
// case between the check and the answer (another user's action) can leave
// the file on the case without the answer; it is then an ordinary
// material of the case, listed and audited like any other.
func (ui *UI) answer(w http.ResponseWriter, r *http.Request) {
	number, a, act := r.PathValue("number"), ui.cfg.Actor(r), review.ActAnswerSupplement
	in := review.Input{}
	refuse := func(err error) {
		ui.refuseOnCase(w, r, number, &refusal{Action: string(act), Values: url.Values{"summary": {in.Summary}}}, err)
	}
	var label string
	done := false // the walk already answered the visitor
	err := formParts(r, func(part *multipart.Part) bool {
		switch part.FormName() {
		case "summary":
			in.Summary = partText(part, maxAnswerText)
		case "label":
			label = strings.TrimSpace(partText(part, 64))
		case "file":
			if part.FileName() == "" || len(in.Materials) > 0 {
				return true // no file chosen; or one already taken
			}
			if err := ui.cfg.Store.CheckAction(r.Context(), a, number, act, in); err != nil {
				refuse(err)
				done = true
				return false
			}
			id, status, field, msg, err := ui.apiUpload(r, number, label, part)
			switch {
			case err != nil:
				ui.fail(w, r, err)
				done = true
			case status != http.StatusCreated:
				ui.renderCase(w, r, status, "", "", &refusal{Action: string(act), Values: url.Values{"summary": {in.Summary}},
					Msg: uploadRefusal(i18n.FromRequest(r), field, msg), Field: field})
				done = true
			default:
				in.Materials = append(in.Materials, id)
			}
			return !done
		}
		return true
	})
	if done {
		return
	}
	if err != nil {
		refuse(err)
		return
	}
	if _, err := ui.cfg.Store.ApplyAction(r.Context(), a, number, act, in); err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, "/cases/"+number+"#supplements", http.StatusSeeOther)
}

// refuseOnCase shows a refused form on the case page, with what was typed
// and why, when the refusal is one the visitor can act on (bad input, a
// state that changed, an act not theirs) on a case it sees; anything else
// is an error page.
func (ui *UI) refuseOnCase(w http.ResponseWriter, r *http.Request, number string, ref *refusal, err error) {
	var e *review.Error
	if errors.As(err, &e) && (e.Kind == review.KindInvalid || e.Kind == review.KindConflict || e.Kind == review.KindForbidden || e.Kind == review.KindTooLarge) {
		if _, seeErr := ui.cfg.Store.Case(r.Context(), ui.cfg.Actor(r), number); seeErr == nil {
			ref.Err = e
			ui.renderCase(w, r, ui.cfg.Status(e.Kind), "", "", ref)
			return
		}
	}
	ui.fail(w, r, err)
}

// commitmentDraft serves the exact bytes the provider signs, as a file:
// copied from the page, a trailing newline could be lost and the
// signature would not verify.
func (ui *UI) commitmentDraft(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	b, err := ui.cfg.Store.CommitmentDraft(r.Context(), ui.cfg.Actor(r), number)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// The store found the case by this number, so it is CSR-YYYY-NNNN.
	w.Header().Set("Content-Disposition", `attachment; filename="commitment-`+number+`.json"`)
	w.Write(b)
}
