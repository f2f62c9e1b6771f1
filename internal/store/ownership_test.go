package store_test

import (
	"slices"
	"testing"

	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// ownerNames lists a chain's owners by depth, then as recorded.
func ownerNames(v *store.OwnershipView) []string {
	var out []string
	for d := 1; len(out) < len(v.Stakes); d++ {
		for _, st := range v.Stakes {
			if st.Depth == d {
				out = append(out, st.OwnerName)
			}
		}
	}
	return out
}

func stakeNamed(tb testing.TB, v *store.OwnershipView, name string) store.StakeView {
	tb.Helper()
	for _, st := range v.Stakes {
		if st.OwnerName == name {
			return st
		}
	}
	tb.Fatalf("no owner %q in the chain of %s", name, v.Org.Name)
	return store.StakeView{}
}

// TestDemoOwnership checks the demo chains and what the store derives
// from them: depths, foreign owners and the ultimate controller.
func TestDemoOwnership(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			v, err := e.s.Ownership(e.ctx, e.actor(t, "office"), e.f.Orgs["provider1"].ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"Huaxin Holdings Ltd.", "Pacific Growth Fund LP", "Huaxin Employee Shareholding Platform (LP)", "Zhang Wei", "Harbour Bridge Capital Ltd."}
			if got := ownerNames(v); !slices.Equal(got, want) {
				t.Errorf("owners by depth %v, want %v", got, want)
			}
			holding, zhang := stakeNamed(t, v, "Huaxin Holdings Ltd."), stakeNamed(t, v, "Zhang Wei")
			if holding.Share != 7250 || holding.Depth != 1 || holding.RecordedBy != "provider1" || zhang.HeldID != holding.ID || zhang.Depth != 2 || zhang.RecordedBy != "office" {
				t.Errorf("holding %+v, founder %+v", holding, zhang)
			}
			if !stakeNamed(t, v, "Pacific Growth Fund LP").Foreign || !stakeNamed(t, v, "Harbour Bridge Capital Ltd.").Foreign || holding.Foreign {
				t.Error("foreign owners are the fund (KY) and the BVI company, not the holding (CN)")
			}
			if !slices.Equal(v.Control.Path, []int64{holding.ID, zhang.ID}) || v.Control.Ultimate != zhang.ID || v.Control.Disputed {
				t.Errorf("control %+v, want the holding then Zhang Wei", v.Control)
			}

			// Lanyun: the VIE holding's recorded control wins over the
			// parent's (unrecorded) shares; its founder controls it.
			v, err = e.s.Ownership(e.ctx, e.actor(t, "office"), e.f.Orgs["provider2"].ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			group, vie, chen := stakeNamed(t, v, "Lanyun Group Co., Ltd."), stakeNamed(t, v, "Eastern Horizon Holdings Ltd."), stakeNamed(t, v, "Chen Jun")
			if !slices.Equal(v.Control.Path, []int64{group.ID, vie.ID, chen.ID}) || v.Control.Ultimate != chen.ID {
				t.Errorf("control %+v, want group, VIE holding, Chen Jun", v.Control)
			}
			if us := stakeNamed(t, v, "Northbridge Ventures Fund III L.P."); us.Depth != 3 || us.Jurisdiction != "US" || !us.Foreign {
				t.Errorf("the US fund: %+v", us)
			}
		})
	}
}

// TestOwnershipNeedToKnow: the investigation is for the office, the
// provider itself and the people of its cases, and each read is audited.
func TestOwnershipNeedToKnow(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			p1 := e.f.Orgs["provider1"].ID
			subject := "org:" + itoa(p1)
			read := func(who string) error {
				_, err := e.s.Ownership(e.ctx, e.actor(t, who), p1, "test")
				return err
			}
			reads := func() int { return len(e.auditRows(t, "ownership.read", subject)) }

			for _, who := range []string{"office", "provider1"} {
				if err := read(who); err != nil {
					t.Errorf("%s: %v", who, err)
				}
			}
			if n := reads(); n != 2 {
				t.Errorf("%d reads audited, want 2", n)
			}
			// Nobody else, before any case.
			for _, who := range []string{"provider2", "lab1", "expert1", "committee", "admin", "finance-regulator", "association", "cii", "ciio", "procurer"} {
				reviewErr(t, read(who), review.KindForbidden, "forbidden")
				if ok, err := e.s.CanReadOwnership(e.ctx, e.actor(t, who), p1); ok || err != nil {
					t.Errorf("%s may read: %v %v", who, ok, err)
				}
			}
			_, err := e.s.Ownership(e.ctx, review.Actor{}, p1, "test")
			reviewErr(t, err, review.KindUnauthorized, "")
			if n := reads(); n != 2 {
				t.Errorf("refused reads were audited: %d rows", n)
			}

			// The association suggests a review of the router: as applicant
			// it still may not read the investigation. The lab assigned to it may.
			number := e.open(t, "association", review.NewCase{Trigger: review.TriggerAssociationSuggestion, ProductID: e.f.Router.ID,
				VersionIDs: versionIDs(e.f.RouterV)}).Number
			e.toEvaluation(t, number)
			reviewErr(t, read("association"), review.KindForbidden, "forbidden")
			if err := read("lab1"); err != nil {
				t.Errorf("assigned lab: %v", err)
			}
			if ok, _ := e.s.CanReadOwnership(e.ctx, e.actor(t, "lab1"), p1); !ok {
				t.Error("CanReadOwnership disagrees with Ownership for the assigned lab")
			}
			reviewErr(t, read("lab2"), review.KindForbidden, "forbidden")
			// The lab may read, not record.
			_, err = e.s.RecordStake(e.ctx, e.actor(t, "lab1"), p1, review.NewStake{OwnerName: "X", OwnerKind: review.OwnerPerson, Jurisdiction: "CN", Share: "0"})
			reviewErr(t, err, review.KindForbidden, "forbidden")
			// Its assignment ended, its access ends with it.
			as := e.view(t, "office", number).Assignments[0].ID
			e.act(t, "office", number, review.ActEndAssignment, review.Input{AssignmentID: as, Reason: "reassigned"})
			reviewErr(t, read("lab1"), review.KindForbidden, "forbidden")
			if n := reads(); n != 3 {
				t.Errorf("%d reads audited, want 3", n)
			}
			if _, err := e.s.VerifyAudit(e.ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRecordStake: the provider declares its own chain, the office
// records any; bad input names its field and writes nothing.
func TestRecordStake(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			org, err := e.s.CreateOrg(e.ctx, e.actor(t, "admin"), review.Org{Kind: review.OrgProvider, Name: "Qinghe Software Co., Ltd."})
			if err != nil {
				t.Fatal(err)
			}
			stakes := func() int {
				v, err := e.s.Ownership(e.ctx, e.actor(t, "office"), org.ID, "test")
				if err != nil {
					t.Fatal(err)
				}
				return len(v.Stakes)
			}
			parent, err := e.s.RecordStake(e.ctx, e.actor(t, "office"), org.ID, review.NewStake{OwnerName: "Qinghe Holdings", OwnerKind: review.OwnerCompany,
				Jurisdiction: "CN", Share: "85.5"})
			if err != nil || parent.Share != 8550 || parent.RecordedBy != "office" || parent.ID == 0 {
				t.Fatalf("office records: %+v %v", parent, err)
			}
			// Another provider may not declare this one's owners.
			_, err = e.s.RecordStake(e.ctx, e.actor(t, "provider1"), org.ID, review.NewStake{OwnerName: "Y", OwnerKind: review.OwnerPerson, Jurisdiction: "CN", Share: "1"})
			reviewErr(t, err, review.KindForbidden, "forbidden")

			bad := []struct {
				name, field, code string
				in                review.NewStake
			}{
				{"ErrTotalOver100", "share", "field_invalid", review.NewStake{OwnerName: "Fund", OwnerKind: review.OwnerCompany, Jurisdiction: "KY", Share: "14.51"}},
				{"ErrShareFormat", "share", "field_invalid", review.NewStake{OwnerName: "Fund", OwnerKind: review.OwnerCompany, Jurisdiction: "KY", Share: "ten"}},
				{"ErrJurisdiction", "jurisdiction", "field_invalid", review.NewStake{OwnerName: "Fund", OwnerKind: review.OwnerCompany, Jurisdiction: "Cayman", Share: "1"}},
				{"ErrKind", "owner_kind", "field_unknown_value", review.NewStake{OwnerName: "Fund", OwnerKind: "fund", Jurisdiction: "KY", Share: "1"}},
				{"ErrHeldElsewhere", "held_id", "field_invalid", review.NewStake{HeldID: 1, OwnerName: "Fund", OwnerKind: review.OwnerCompany, Jurisdiction: "KY", Share: "1"}},
			}
			for _, c := range bad {
				_, err := e.s.RecordStake(e.ctx, e.actor(t, "office"), org.ID, c.in)
				if re := reviewErr(t, err, review.KindInvalid, c.code); re.Field != c.field {
					t.Errorf("%s: field %q, want %q", c.name, re.Field, c.field)
				}
			}
			if n := stakes(); n != 1 {
				t.Errorf("%d stakes after refusals, want 1", n)
			}
			if n := len(e.auditRows(t, "ownership.record", "org:"+itoa(org.ID))); n != 1 {
				t.Errorf("%d records audited, want 1", n)
			}
			// An owner of the holding: its own 100 %, apart from the provider's.
			if _, err := e.s.RecordStake(e.ctx, e.actor(t, "office"), org.ID, review.NewStake{HeldID: parent.ID, OwnerName: "Qinghe Founder", OwnerKind: review.OwnerPerson,
				Jurisdiction: "CN", Share: "100"}); err != nil {
				t.Fatal(err)
			}

			// The chain's organisation must be a provider.
			_, err = e.s.RecordStake(e.ctx, e.actor(t, "office"), e.f.Orgs["lab1"].ID, review.NewStake{OwnerName: "X", OwnerKind: review.OwnerPerson, Jurisdiction: "CN", Share: "1"})
			if re := reviewErr(t, err, review.KindInvalid, "field_invalid"); re.Field != "id" {
				t.Errorf("a lab's chain: field %q", re.Field)
			}
			_, err = e.s.Ownership(e.ctx, e.actor(t, "office"), 99999, "test")
			reviewErr(t, err, review.KindNotFound, "not_found")

			// provider1 declares one more owner of its own: 100 % is reached.
			p1 := e.f.Orgs["provider1"].ID
			if _, err := e.s.RecordStake(e.ctx, e.actor(t, "provider1"), p1, review.NewStake{OwnerName: "Anyone", OwnerKind: review.OwnerPerson,
				Jurisdiction: "CN", Share: "0.01"}); err == nil {
				t.Error("the demo chain of provider1 is at 100 %: one more share must be refused")
			}
		})
	}
}

// TestRecordStakeConcurrently: recorders each adding 10 % to a chain at
// 85 %, released together: exactly one of them gets in.
func TestRecordStakeConcurrently(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			org, err := e.s.CreateOrg(e.ctx, e.actor(t, "admin"), review.Org{Kind: review.OrgProvider, Name: "Race Networks"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.RecordStake(e.ctx, e.actor(t, "office"), org.ID, review.NewStake{OwnerName: "Parent", OwnerKind: review.OwnerCompany, Jurisdiction: "CN", Share: "85"}); err != nil {
				t.Fatal(err)
			}
			fns := make([]func() error, 8)
			for i := range fns {
				fns[i] = func() error {
					_, err := e.s.RecordStake(e.ctx, e.actor(t, "office"), org.ID, review.NewStake{OwnerName: "Bidder " + itoa(int64(i)),
						OwnerKind: review.OwnerCompany, Jurisdiction: "HK", Share: "10"})
					return err
				}
			}
			ok := 0
			for _, err := range race(fns...) {
				if err == nil {
					ok++
				} else if !review.IsKind(err, review.KindInvalid) && !review.IsKind(err, review.KindConflict) {
					t.Errorf("unexpected error: %v", err)
				}
			}
			v, err := e.s.Ownership(e.ctx, e.actor(t, "office"), org.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			if ok != 1 || len(v.Stakes) != 2 {
				t.Errorf("%d recorded, %d stakes; want exactly one more", ok, len(v.Stakes))
			}
		})
	}
}

// TestAnswerSupplement: the provider answers a request with a text and the
// files it uploaded; a file not on the case is refused and nothing moves.
func TestAnswerSupplement(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 4, 6, 10))
			number := e.openDatabase(t)
			e.toEvaluation(t, number)
			e.step(t, 1, "office", number, review.ActRequestSupplement, review.Input{Items: "The build's SBOM."})
			m, err := e.s.AddMaterial(e.ctx, e.actor(t, "provider1"), number, store.MaterialView{Digest: "sha256:00aa", Size: 2,
				Filename: "tidedb.spdx.json", ContentType: "application/json"}, "test")
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "provider1"), number, review.ActAnswerSupplement, review.Input{})
			if re := reviewErr(t, err, review.KindInvalid, "field_required"); re.Field != "summary" {
				t.Errorf("empty answer: field %q", re.Field)
			}
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "provider1"), number, review.ActAnswerSupplement, review.Input{Summary: "SBOM attached", Materials: []int64{m.ID + 1000}})
			if re := reviewErr(t, err, review.KindInvalid, "field_invalid"); re.Field != "materials" {
				t.Errorf("a file not on the case: field %q", re.Field)
			}
			v := e.view(t, "provider1", number)
			if v.State != review.StateAwaitingSupplement || v.Supplements[0].AnsweredAt != "" {
				t.Fatalf("a refused answer changed the case: %s %+v", v.State, v.Supplements)
			}
			v = e.step(t, 1, "provider1", number, review.ActAnswerSupplement, review.Input{Summary: "SBOM attached", Materials: []int64{m.ID}})
			s := v.Supplements[0]
			if v.State != review.StateEvaluation || s.Answer != "SBOM attached" || !slices.Equal(s.Materials, []int64{m.ID}) || s.AnsweredAt == "" {
				t.Errorf("answered: %s %+v", v.State, s)
			}
			// The office reads the same answer.
			if got := e.view(t, "office", number).Supplements[0]; !slices.Equal(got.Materials, []int64{m.ID}) {
				t.Errorf("office sees %+v", got)
			}
		})
	}
}
