package server

import (
	"errors"
	"io"
	"net/http"
	"os"

	"shencha/internal/blob"
	"shencha/internal/review"
	"shencha/internal/sbom"
	"shencha/internal/vuln"
)

// maxAdvisoryUpload bounds an uploaded OSV all.zip.
const maxAdvisoryUpload = 512 << 20

// maxVEX bounds a VEX document.
const maxVEX = 8 << 20

func (s *Server) registerSupplyChain() {
	s.handle("POST", "/api/v1/cases/{number}/sboms", "upload an SBOM, HBOM, SaaSBOM or CBOM (raw body; ?filename=, ?version_id=): stored, parsed, matched against the advisories, kept as evidence", false, s.uploadSBOM)
	s.handle("GET", "/api/v1/cases/{number}/sboms", "the case's SBOM analyses", false, s.sbomAnalyses)
	s.handle("GET", "/api/v1/cases/{number}/sboms/{id}", "one SBOM analysis: quality, findings, VEX", false, s.sbomAnalysis)
	s.handle("POST", "/api/v1/cases/{number}/sboms/{id}/vex", "apply a VEX document (CycloneDX or OpenVEX, raw body) to an analysis", false, s.applyVEX)
	s.handle("GET", "/api/v1/versions/{id}/components", "a product version's component inventory with advisories, fixed versions and VEX status", false, s.inventory)
	s.handle("POST", "/api/v1/advisories", "import OSV advisories: an all.zip as the raw body (admin, office)", false, s.importAdvisories)
	s.handle("GET", "/api/v1/advisories", "advisory imports, newest first, with the digest of each advisory set", false, s.advisoryImports)
	s.handle("GET", "/api/v1/advisories/{id}", "one advisory with the reviewers' rating", false, s.advisory)
	s.handle("POST", "/api/v1/advisories/{id}/rating", "rate an advisory (office, lab, expert)", false, s.rateAdvisory)
	s.handle("GET", "/api/v1/rereview-flags", "listed versions newly affected by imported advisories (office; ?open=1)", false, s.flags)
	s.handle("POST", "/api/v1/rereview-flags/{id}/handle", "close a re-review flag with a note (office)", false, s.handleFlag)
}

func (s *Server) uploadSBOM(w http.ResponseWriter, r *http.Request) error {
	versionID, err := queryID(r, "version_id")
	if err != nil {
		return err
	}
	m, err := s.receiveFile(r, sbom.DefaultLimits.MaxBytes)
	if err != nil {
		return err
	}
	d, err := blob.ParseDigest(m.Digest)
	if err != nil {
		return review.Internal(err)
	}
	rc, _, err := s.cfg.Blobs.Open(r.Context(), d)
	if err != nil {
		return review.Internal(err)
	}
	defer rc.Close()
	doc, err := sbom.Parse(rc, sbom.DefaultLimits)
	if err != nil {
		// The file stays only as an unreferenced blob: no material, no analysis.
		return s.parseError(err, sbom.DefaultLimits.MaxBytes)
	}
	v, err := s.cfg.Store.AnalyseSBOM(r.Context(), actor(r), r.PathValue("number"), m, doc, versionID, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, 201, v)
	return nil
}

// parseError names why an SBOM or VEX document of at most max bytes was
// refused.
func (s *Server) parseError(err error, max int64) error {
	if readFailed(err) {
		return s.bodyError(err)
	}
	if errors.Is(err, sbom.ErrTooLarge) {
		return review.E(review.KindTooLarge, "body_too_large", "max", itoa(max))
	}
	return review.E(review.KindInvalid, "body_invalid", "reason", err.Error())
}

func (s *Server) sbomAnalyses(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.SBOMAnalyses(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) sbomAnalysis(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.cfg.Store.SBOMAnalysis(r.Context(), actor(r), r.PathValue("number"), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) applyVEX(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// Whoever may not is refused before the body is read.
	if err := s.cfg.Store.AuthorizeVEX(r.Context(), actor(r), r.PathValue("number")); err != nil {
		return err
	}
	st, err := sbom.ParseVEX(http.MaxBytesReader(w, r.Body, maxVEX), sbom.Limits{MaxBytes: maxVEX, MaxDepth: sbom.DefaultLimits.MaxDepth, MaxComponents: sbom.DefaultLimits.MaxComponents})
	if err != nil {
		return s.parseError(err, maxVEX)
	}
	v, err := s.cfg.Store.ApplyVEX(r.Context(), actor(r), r.PathValue("number"), id, st)
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) inventory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	inv, err := s.cfg.Store.VersionInventory(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, inv)
	return nil
}

// importAdvisories spools the zip to a temporary file (a zip is read from
// its end) and imports it; bombs and bad records are refused or counted.
func (s *Server) importAdvisories(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if a.Role != review.RoleAdmin && a.Role != review.RoleOffice {
		return review.Forbidden("import_advisories")
	}
	f, err := os.CreateTemp("", "shencha-osv-*.zip")
	if err != nil {
		return review.Internal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, maxAdvisoryUpload))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return review.E(review.KindTooLarge, "body_too_large", "max", itoa(maxAdvisoryUpload))
	}
	if err != nil {
		return review.Internal(err)
	}
	recs, stats, err := vuln.ImportZip(f, n, vuln.DefaultLimits)
	if err != nil {
		return review.E(review.KindInvalid, "body_invalid", "reason", err.Error())
	}
	imp, err := s.cfg.Store.ImportAdvisories(r.Context(), a, "upload", recs, stats)
	if err != nil {
		return err
	}
	writeJSON(w, 201, imp)
	return nil
}

func (s *Server) advisoryImports(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.AdvisoryImports(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) advisory(w http.ResponseWriter, r *http.Request) error {
	v, err := s.cfg.Store.Advisory(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) rateAdvisory(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Rating    string `json:"rating"`
		Rationale string `json:"rationale"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.cfg.Store.RateAdvisory(r.Context(), actor(r), r.PathValue("id"), in.Rating, in.Rationale); err != nil {
		return err
	}
	return s.advisory(w, r)
}

func (s *Server) flags(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.RereviewFlags(r.Context(), actor(r), r.URL.Query().Get("open") != "")
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": list})
	return nil
}

func (s *Server) handleFlag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.cfg.Store.HandleFlag(r.Context(), actor(r), id, in.Note); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}
