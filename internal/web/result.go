package web

import (
	"net/http"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/transparency"
)

// resultData is one listing as the visitor may see it, with the checks of
// its signed statement.
type resultData struct {
	Answer store.ListingAnswer
	// Checks are the steps of verification, each passed or failed; empty
	// when the statement is not yet in the log.
	Checks  []check
	Pending bool
	// Verified is transparency.Verify's verdict over the whole attestation.
	Verified  bool
	Statement *transparency.Verdict
	LogIndex  int64
	TreeSize  int64
}

// check is one verification step. Key names the step's message; Detail is
// the failure's reason, in English (it names cryptographic facts).
type check struct {
	Key    string
	Passed bool
	// Skipped: a step that needs an earlier one's result could not run.
	Skipped bool
	Detail  string
}

func (ui *UI) result(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id")
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	ans, err := ui.cfg.Store.Listings(r.Context(), ui.cfg.Actor(r), store.ListingQuery{ListingID: id})
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	// A listing outside the visitor's scope is answered as if absent: the
	// register says "not disclosed" to a search, but the page of the result
	// itself would reveal the product and version.
	if len(ans) == 0 || ans[0].ListingID == 0 {
		ui.fail(w, r, review.NotFound("listing"))
		return
	}
	d := &resultData{Answer: ans[0]}
	if att := ans[0].Attestation; att != nil {
		d.Pending = att.Pending
		if !att.Pending {
			k := ui.cfg.Store.Keys()
			d.verify(att, transparency.Trust{VerdictKeys: k.VerdictKeys(), LogKeys: k.LogKeys()})
		}
	}
	ui.render(w, r, http.StatusOK, "result", ui.newPage(r, "ui.result.title", d))
}

// verify checks the attestation against the server's own public keys, step
// by step so each is shown, then as a whole with transparency.Verify, the
// check `shencha verify` makes offline.
func (d *resultData) verify(att *transparency.Attestation, trust transparency.Trust) {
	cp, cpErr := transparency.OpenCheckpoint([]byte(att.Checkpoint), trust.LogKeys)
	d.Checks = append(d.Checks, stepCheck("ui.verify.checkpoint", cpErr))
	var envErr error
	if att.Envelope == nil {
		envErr = transparency.ErrEnvelope
	} else {
		var payload []byte
		if payload, envErr = att.Envelope.Open(trust.VerdictKeys); envErr == nil {
			st, err := transparency.ParseStatement(payload)
			if envErr = err; err == nil {
				d.Statement = &st.Predicate
			}
		}
	}
	d.Checks = append(d.Checks, stepCheck("ui.verify.envelope", envErr))
	inclusion := check{Key: "ui.verify.inclusion", Skipped: cpErr != nil}
	if cpErr == nil {
		entry, err := att.Entry()
		if err == nil {
			err = transparency.VerifyInclusion(entry, att.Index, att.InclusionProof, cp)
		}
		inclusion = stepCheck("ui.verify.inclusion", err)
		d.TreeSize = cp.Size
	}
	d.Checks = append(d.Checks, inclusion)
	d.LogIndex = att.Index
	_, err := transparency.Verify(att, trust)
	d.Verified = err == nil
}

func stepCheck(key string, err error) check {
	if err != nil {
		return check{Key: key, Detail: err.Error()}
	}
	return check{Key: key, Passed: true}
}
