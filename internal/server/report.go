package server

import (
	"net/http"

	"shencha/internal/document"
	"shencha/internal/i18n"
	"shencha/internal/store"
)

// registerReports adds the provider security assessment reports (Art. 14),
// the decision letter as PDF, and the lookup of an issued PDF by digest.
func (s *Server) registerReports() {
	s.handle("GET", "/api/v1/provider-reports", "provider security assessment reports, newest period first: the published ones; the office's drafts too with ?drafts=true (?provider_id=N)", true, s.providerReports)
	s.handle("POST", "/api/v1/provider-reports", "draft (or refresh the draft of) a provider's report for a period (office): {provider_id, period_from, period_to}", false, s.generateReport)
	s.handle("GET", "/api/v1/provider-reports/{id}", "one report with its content and, once published, its PDFs and their SHA-256", true, s.providerReport)
	s.handle("POST", "/api/v1/provider-reports/{id}/publish", "publish a draft report (office): its PDFs in Chinese and English are issued and their digests logged", false, s.publishReport)
	s.handle("GET", "/api/v1/provider-reports/{id}/pdf", "the report as PDF (?lang=zh-CN or en): the issued file once published, an unlogged preview of a draft for the office", true, s.reportPDF)
	s.handle("GET", "/api/v1/cases/{number}/letter.pdf", "the decision letter of a published case as PDF for the parties (?lang=zh-CN or en); issued and logged on its first request", false, s.letterPDF)
	s.handle("GET", "/api/v1/documents/{digest}", "an issued PDF by its SHA-256: its signed statement, log entry, inclusion proof and checkpoint (a decision letter's for its parties only)", true, s.documentByDigest)
}

func (s *Server) providerReports(w http.ResponseWriter, r *http.Request) error {
	provider, err := queryID(r, "provider_id")
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.ProviderReports(r.Context(), actor(r), store.ReportFilter{ProviderOrgID: provider, Drafts: r.URL.Query().Get("drafts") == "true"})
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"items": orEmpty(list)})
	return nil
}

func (s *Server) generateReport(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ProviderID int64  `json:"provider_id"`
		PeriodFrom string `json:"period_from"`
		PeriodTo   string `json:"period_to"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rep, err := s.cfg.Store.GenerateProviderReport(r.Context(), actor(r), in.ProviderID, in.PeriodFrom, in.PeriodTo)
	if err != nil {
		return err
	}
	writeJSON(w, 201, rep)
	return nil
}

func (s *Server) providerReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.cfg.Store.ProviderReport(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, rep)
	return nil
}

func (s *Server) publishReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.cfg.Store.PublishProviderReport(r.Context(), actor(r), id, document.ProviderReport)
	if err != nil {
		return err
	}
	writeJSON(w, 200, rep)
	return nil
}

func (s *Server) reportPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	lang := i18n.FromRequest(r)
	rep, err := s.cfg.Store.ProviderReport(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	if rep.Status == store.ReportDraft {
		pdf, err := document.ProviderReport(rep, lang)
		if err != nil {
			return err
		}
		w.Header().Set("X-Shencha-Draft", "true")
		writePDF(w, "provider-report-"+itoa(id)+"-"+lang+"-draft.pdf", pdf)
		return nil
	}
	d, err := s.cfg.Store.ReportPDF(r.Context(), actor(r), id, lang)
	if err != nil {
		return err
	}
	writeDocument(w, d)
	return nil
}

func (s *Server) letterPDF(w http.ResponseWriter, r *http.Request) error {
	d, err := s.cfg.Store.LetterPDF(r.Context(), actor(r), r.PathValue("number"), i18n.FromRequest(r), document.DecisionLetter)
	if err != nil {
		return err
	}
	writeDocument(w, d)
	return nil
}

func (s *Server) documentByDigest(w http.ResponseWriter, r *http.Request) error {
	d, att, err := s.cfg.Store.DocumentByDigest(r.Context(), actor(r), r.PathValue("digest"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"document": d, "attestation": att})
	return nil
}

// writeDocument serves an issued PDF as it was issued, naming its digest,
// which `shencha verify --document` looks up.
func writeDocument(w http.ResponseWriter, d *store.Document) {
	w.Header().Set("X-Shencha-Document-SHA256", d.SHA256)
	writePDF(w, d.Name, d.PDF)
}

func writePDF(w http.ResponseWriter, name string, pdf []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.WriteHeader(200)
	w.Write(pdf)
}
