package demo

import (
	"context"
	"fmt"

	"shencha/internal/review"
	"shencha/internal/store"
)

// SeedReports files two public reports (举报): one anonymous, about the
// HX-9000 router, awaiting the office's triage; one with a contact, about
// Lanyun Cloud, which the office dismissed. It returns the first one's
// receipt, whose check code the demo prints so the status page can be
// tried.
func SeedReports(ctx context.Context, s *store.Store, f *Fixture) (store.ReportReceipt, error) {
	rc, err := s.FileReport(ctx, review.NewReport{ProductID: f.Router.ID, Subject: "firmware 3.1.0, seen at a county data centre",
		Description: "The router answers on TCP port 2323 with a login prompt that its manual does not mention, even after remote management is disabled."}, nil)
	if err != nil {
		return rc, fmt.Errorf("seed report: %w", err)
	}
	other, err := s.FileReport(ctx, review.NewReport{ProviderOrgID: f.Orgs["provider2"].ID,
		Description: "A sales representative said Lanyun keeps copies of tenants' data abroad.",
		Contact:     review.Contact{Name: "Chen Jing", Email: "chen.jing@example.cn"}}, nil)
	if err != nil {
		return rc, fmt.Errorf("seed report: %w", err)
	}
	list, err := s.Reports(ctx, f.Actors["office"], store.PublicReportFilter{Status: review.ReportReceived})
	if err != nil {
		return rc, err
	}
	for _, r := range list.Items {
		if r.Receipt == other.Receipt {
			_, err = s.TriageReport(ctx, f.Actors["office"], r.ID, review.Triage{Action: review.TriageDismiss,
				Reason: "Hearsay with nothing to check; report again with what you observed yourself."})
		}
	}
	return rc, err
}
