package demo

import (
	"context"
	"fmt"

	"shencha/internal/review"
	"shencha/internal/store"
)

// ownerSpec is one stake of a demo chain. held is the index in the same
// chain of the owner it holds a share of, -1 for the provider itself.
type ownerSpec struct {
	held    int
	by      string // who records it: the provider declares, the office investigates
	name    string
	kind    review.OwnerKind
	country string
	share   review.Decimal
	control bool
	notes   string
}

// chains are the demo providers' ownership and control chains, each with
// an owner outside China somewhere in it. Huaxin's is the chain of
// BackgroundOf, grown by a level; Lanyun's runs through an offshore
// holding that controls its parent by VIE agreements.
var chains = map[string][]ownerSpec{
	"provider1": {
		{-1, "provider1", "Huaxin Holdings Ltd.", review.OwnerCompany, "CN", "72.50", false, ""},
		{-1, "provider1", "Pacific Growth Fund LP", review.OwnerCompany, "KY", "12.00", false, "Minority investor since 2019; no board seat."},
		{-1, "provider1", "Huaxin Employee Shareholding Platform (LP)", review.OwnerCompany, "CN", "15.50", false, ""},
		{0, "office", "Zhang Wei", review.OwnerPerson, "CN", "61.00", true, "Founder; chairs the board of Huaxin Holdings."},
		{0, "office", "Harbour Bridge Capital Ltd.", review.OwnerCompany, "VG", "39.00", false, ""},
	},
	"provider2": {
		{-1, "provider2", "Lanyun Group Co., Ltd.", review.OwnerCompany, "CN", "51.00", false, ""},
		{-1, "provider2", "Silver Harbour Investments Pte. Ltd.", review.OwnerCompany, "SG", "29.00", false, ""},
		{-1, "provider2", "Hangzhou State-owned Capital Investment Co.", review.OwnerState, "CN", "20.00", false, ""},
		{0, "office", "Eastern Horizon Holdings Ltd.", review.OwnerCompany, "KY", "0", true, "Controls Lanyun Group through VIE agreements (exclusive services, equity pledge, proxy voting)."},
		{3, "office", "Chen Jun", review.OwnerPerson, "CN", "62.00", false, "Founder."},
		{3, "office", "Northbridge Ventures Fund III L.P.", review.OwnerCompany, "US", "38.00", false, ""},
	},
}

// seedOwnership records the demo chains through the store, as the
// provider and the office would.
func seedOwnership(ctx context.Context, s *store.Store, f *Fixture) error {
	for _, provider := range []string{"provider1", "provider2"} {
		var ids []int64
		for _, o := range chains[provider] {
			in := review.NewStake{OwnerName: o.name, OwnerKind: o.kind, Jurisdiction: o.country, Share: o.share, Control: o.control, Notes: o.notes}
			if o.held >= 0 {
				in.HeldID = ids[o.held]
			}
			st, err := s.RecordStake(ctx, f.Actors[o.by], f.Orgs[provider].ID, in)
			if err != nil {
				return fmt.Errorf("seed ownership of %s: %s: %w", provider, o.name, err)
			}
			ids = append(ids, st.ID)
		}
	}
	return nil
}
