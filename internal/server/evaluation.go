package server

import (
	"encoding/json"
	"io"
	"net/http"

	"shencha/internal/catalog"
	"shencha/internal/oscal"
	"shencha/internal/review"
	"shencha/internal/store"
)

// maxCatalog bounds a catalogue upload.
const maxCatalog = 4 << 20

func (s *Server) registerEvaluation() {
	s.handle("GET", "/api/v1/catalog", "criteria catalogue versions and the current one", false, s.catalogVersions)
	s.handle("POST", "/api/v1/catalog", "load a new catalogue version, proposed until the committee approves it (admin)", false, s.loadCatalog)
	s.handle("GET", "/api/v1/catalog/{version}", "one catalogue version with its criteria", false, s.catalog)
	s.handle("GET", "/api/v1/catalog/{version}/oscal", "a catalogue version as an OSCAL 1.1.3 catalog", false, s.catalogOSCAL)
	s.handle("POST", "/api/v1/catalog/{version}/approve", "approve a proposed catalogue version (committee)", false, s.decideCatalog(true))
	s.handle("POST", "/api/v1/catalog/{version}/reject", "reject a proposed catalogue version (committee)", false, s.decideCatalog(false))

	s.handle("GET", "/api/v1/cases/{number}/plan", "the evaluation plan: criteria, methods, labs", false, s.plan)
	s.handle("POST", "/api/v1/cases/{number}/plan", "add criteria to the evaluation plan (office)", false, s.addPlan)
	s.handle("DELETE", "/api/v1/cases/{number}/plan/{id}", "take a criterion off the plan (office)", false, s.removePlan)
	s.handle("GET", "/api/v1/cases/{number}/evidence", "evidence you may read on the case (audited)", false, s.evidence)
	s.handle("POST", "/api/v1/cases/{number}/evidence", "record evidence: structured data by method, files already uploaded", false, s.addEvidence)
	s.handle("GET", "/api/v1/cases/{number}/evidence/{id}", "one piece of evidence (audited)", false, s.oneEvidence)
	s.handle("POST", "/api/v1/cases/{number}/evidence/{id}/countersign", "provider countersigns an inspection checklist's nonconformities", false, s.countersign)
	s.handle("GET", "/api/v1/cases/{number}/materials/{id}/custody", "a file's chain of custody", false, s.custody)
	s.handle("GET", "/api/v1/cases/{number}/findings", "findings per criterion", false, s.findings)
	s.handle("PUT", "/api/v1/cases/{number}/findings/{criterion}", "record or revise your lab's finding on a planned criterion", false, s.putFinding)
	s.handle("POST", "/api/v1/cases/{number}/reports/draft", "the canonical bytes of your lab's report, to sign with `shencha sign`", false, s.reportDraft)
	s.handle("POST", "/api/v1/cases/{number}/commitment/draft", "the canonical bytes of the provider's commitment, to sign with `shencha sign`", false, s.commitmentDraft)
	s.handle("GET", "/api/v1/cases/{number}/signed", "signed reports and commitments, verified on every read", false, s.signed)
	s.handle("GET", "/api/v1/cases/{number}/assessment", "expert opinions consolidated: tally, dissent, risk per area", false, s.assessment)
	s.handle("GET", "/api/v1/cases/{number}/votes", "committee votes and their tally", false, s.votes)
	s.handle("GET", "/api/v1/cases/{number}/letter", "the decision letter (HTML; ?lang=zh-CN or en)", false, s.letter)
	s.handle("GET", "/api/v1/cases/{number}/oscal", "the case's evaluation as OSCAL 1.1.3 assessment-results", false, s.caseOSCAL)

	s.handle("GET", "/api/v1/orgs/{id}/keys", "an organisation's registered signing keys", false, s.signingKeys)
	s.handle("POST", "/api/v1/orgs/{id}/keys", "register a lab's or provider's Ed25519 public key (admin, office)", false, s.addSigningKey)
	s.handle("DELETE", "/api/v1/orgs/{id}/keys/{key_id}", "revoke a signing key (admin, office)", false, s.revokeSigningKey)
}

func (s *Server) catalogVersions(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.CatalogVersions(r.Context())
	if err != nil {
		return err
	}
	cur, err := s.cfg.Store.Catalog(r.Context(), "")
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"current": cur.Version, "versions": list})
	return nil
}

func (s *Server) loadCatalog(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCatalog))
	if err != nil {
		return s.bodyError(err)
	}
	v, err := s.cfg.Store.LoadCatalog(r.Context(), actor(r), body)
	if err != nil {
		return err
	}
	writeJSON(w, 201, v)
	return nil
}

func (s *Server) catalog(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cfg.Store.Catalog(r.Context(), r.PathValue("version"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, c)
	return nil
}

func (s *Server) catalogOSCAL(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cfg.Store.Catalog(r.Context(), r.PathValue("version"))
	if err != nil {
		return err
	}
	b, err := oscal.Catalog(c)
	if err != nil {
		return review.Internal(err)
	}
	writeRaw(w, "application/json", b)
	return nil
}

func writeRaw(w http.ResponseWriter, ct string, b []byte) {
	w.Header().Set("Content-Type", ct+"; charset=utf-8")
	w.WriteHeader(200)
	w.Write(b)
}

func (s *Server) decideCatalog(approve bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Note string `json:"note"`
		}
		if r.ContentLength != 0 {
			if err := s.decode(w, r, &in); err != nil {
				return err
			}
		}
		if err := s.cfg.Store.DecideCatalog(r.Context(), actor(r), r.PathValue("version"), approve, in.Note); err != nil {
			return err
		}
		return s.catalogVersions(w, r)
	}
}

func (s *Server) plan(w http.ResponseWriter, r *http.Request) error {
	items, err := s.cfg.Store.Plan(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": items})
	return nil
}

func (s *Server) addPlan(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Items []store.PlanItem `json:"items"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	items, err := s.cfg.Store.AddPlanItems(r.Context(), actor(r), r.PathValue("number"), in.Items)
	if err != nil {
		return err
	}
	writeJSON(w, 201, map[string]any{"items": items})
	return nil
}

func (s *Server) removePlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.RemovePlanItem(r.Context(), actor(r), r.PathValue("number"), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (s *Server) evidence(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.Evidence(r.Context(), actor(r), r.PathValue("number"), clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) addEvidence(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		review.EvidenceInput
		AssignmentID int64 `json:"assignment_id,omitempty"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.cfg.Store.AddEvidence(r.Context(), actor(r), r.PathValue("number"), in.EvidenceInput, in.AssignmentID, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, 201, v)
	return nil
}

func (s *Server) oneEvidence(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.cfg.Store.OneEvidence(r.Context(), actor(r), r.PathValue("number"), id, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) countersign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.Countersign(r.Context(), actor(r), r.PathValue("number"), id, in.Note); err != nil {
		return err
	}
	return s.oneEvidence(w, r)
}

func (s *Server) custody(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.Custody(r.Context(), actor(r), r.PathValue("number"), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) findings(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.Findings(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) putFinding(w http.ResponseWriter, r *http.Request) error {
	var in store.FindingInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	f, err := s.cfg.Store.PutFinding(r.Context(), actor(r), r.PathValue("number"), r.PathValue("criterion"), in)
	if err != nil {
		return err
	}
	writeJSON(w, 200, f)
	return nil
}

// reportDraft answers the exact bytes to sign, as the body, so that
// `curl … > report.json && shencha sign --key lab.key report.json` works.
func (s *Server) reportDraft(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		AssignmentID   int64          `json:"assignment_id,omitempty"`
		Summary        string         `json:"summary"`
		Recommendation review.Outcome `json:"recommendation"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	b, err := s.cfg.Store.ReportDraft(r.Context(), actor(r), r.PathValue("number"), in.AssignmentID, in.Summary, in.Recommendation)
	if err != nil {
		return err
	}
	writeRaw(w, "application/json", b)
	return nil
}

func (s *Server) commitmentDraft(w http.ResponseWriter, r *http.Request) error {
	b, err := s.cfg.Store.CommitmentDraft(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeRaw(w, "application/json", b)
	return nil
}

func (s *Server) signed(w http.ResponseWriter, r *http.Request) error {
	docs, err := s.cfg.Store.SignedDocuments(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": docs})
	return nil
}

func (s *Server) assessment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.cfg.Store.Assessment(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, a)
	return nil
}

func (s *Server) votes(w http.ResponseWriter, r *http.Request) error {
	votes, tally, err := s.cfg.Store.Votes(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": votes, "tally": tally})
	return nil
}

func (s *Server) caseOSCAL(w http.ResponseWriter, r *http.Request) error {
	in, err := s.cfg.Store.OSCALAssessment(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	b, err := oscal.AssessmentResults(*in)
	if err != nil {
		return review.Internal(err)
	}
	writeRaw(w, "application/json", b)
	return nil
}

func (s *Server) signingKeys(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	keys, err := s.cfg.Store.SigningKeys(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": keys})
	return nil
}

func (s *Server) addSigningKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		PublicKey string `json:"public_key"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	k, err := s.cfg.Store.AddSigningKey(r.Context(), actor(r), id, in.PublicKey)
	if err != nil {
		return err
	}
	writeJSON(w, 201, k)
	return nil
}

func (s *Server) revokeSigningKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.RevokeSigningKey(r.Context(), actor(r), id, r.PathValue("key_id")); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

var _ = json.Marshal
var _ catalog.Status
