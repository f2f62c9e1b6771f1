package store_test

import (
	"slices"
	"testing"
	"time"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

func TestBadInput(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 7, 6, 10))
			routerCase := e.openRouter(t)
			e.toScreening(t, routerCase)
			e.step(t, 1, "office", routerCase, review.ActAccept, review.Input{})
			draft := e.openDatabase(t)
			cloudCase := e.open(t, "provider2", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
				ProductID: e.f.Cloud.ID, VersionIDs: versionIDs(e.f.CloudV)}).Number
			e.toScreening(t, cloudCase)
			e.step(t, 1, "office", cloudCase, review.ActAccept, review.Input{})
			auditBefore, err := e.s.VerifyAudit(e.ctx)
			if err != nil {
				t.Fatal(err)
			}

			lab2 := e.f.Orgs["lab2"].ID
			decl := demo.Declaration("Director, lab2")
			router := versionIDs(e.f.RouterV)
			for _, c := range []struct {
				name   string
				run    func() error
				kind   review.Kind
				code   string
				field  string
				params map[string]string
			}{
				{"create without product", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "provider1"), review.NewCase{Trigger: review.TriggerEnterpriseApplication, VersionIDs: router})
					return err
				}, review.KindInvalid, "field_required", "product_id", nil},
				{"create for an unknown product", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "provider1"), review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: 99999, VersionIDs: router})
					return err
				}, review.KindInvalid, "field_invalid", "product_id", nil},
				{"provider applies for another provider's product", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "provider1"), review.NewCase{Trigger: review.TriggerEnterpriseApplication,
						ProductID: e.f.Cloud.ID, VersionIDs: versionIDs(e.f.CloudV)})
					return err
				}, review.KindInvalid, "field_invalid", "product_id", nil},
				{"versions of another product", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "provider1"), review.NewCase{Trigger: review.TriggerEnterpriseApplication,
						ProductID: e.f.Router.ID, VersionIDs: versionIDs(e.f.DBV)})
					return err
				}, review.KindInvalid, "field_invalid", "version_ids", nil},
				{"no versions", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "provider1"), review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: e.f.Router.ID})
					return err
				}, review.KindInvalid, "field_required", "version_ids", nil},
				{"procurement without a description", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "ciio"), review.NewCase{Trigger: review.TriggerCIIOProcurement,
						ProductID: e.f.Router.ID, VersionIDs: router, Procurement: &review.Procurement{Description: " "}})
					return err
				}, review.KindInvalid, "field_required", "procurement.description", nil},
				{"a lab may not open a case", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "lab1"), review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: e.f.Router.ID, VersionIDs: router})
					return err
				}, review.KindForbidden, "forbidden", "", nil},
				{"anonymous may not open a case", func() error {
					_, err := e.s.CreateCase(e.ctx, review.Actor{}, review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: e.f.Router.ID, VersionIDs: router})
					return err
				}, review.KindUnauthorized, "unauthorized", "", nil},
				{"re-review of an invisible case", func() error {
					_, err := e.s.CreateCase(e.ctx, e.actor(t, "finance-regulator"), review.NewCase{Trigger: review.TriggerStateRequest,
						ProductID: e.f.Router.ID, VersionIDs: router, PreviousCase: routerCase})
					return err
				}, review.KindInvalid, "field_invalid", "previous_case", nil},
				{"illegal transition", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), draft, review.ActAccept, review.Input{})
					return err
				}, review.KindConflict, "illegal_transition", "", map[string]string{"action": "accept", "state": "draft"}},
				{"unknown action", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), draft, "approve_all", review.Input{})
					return err
				}, review.KindInvalid, "field_unknown_value", "action", nil},
				{"provider may not accept", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "provider1"), routerCase, review.ActAccept, review.Input{})
					return err
				}, review.KindForbidden, "forbidden", "", nil},
				{"terminate without a reason", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), routerCase, review.ActTerminate, review.Input{Reason: "  "})
					return err
				}, review.KindInvalid, "field_required", "reason", nil},
				{"assign lab2 to a provider2 case", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), cloudCase, review.ActAssignLab,
						review.Input{LabOrgID: lab2, Method: review.MethodLabTesting, Declaration: decl})
					return err
				}, review.KindConflict, "conflict_of_interest", "", map[string]string{"tie": "consulting"}},
				{"assign lab2 for a method it is not accredited for", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), routerCase, review.ActAssignLab,
						review.Input{LabOrgID: lab2, Method: review.MethodOnSite, Declaration: decl})
					return err
				}, review.KindConflict, "accreditation_invalid", "lab_org_id", map[string]string{"reason": "method_not_covered", "method": "on_site_inspection"}},
				{"assign without a signed declaration", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), routerCase, review.ActAssignLab,
						review.Input{LabOrgID: e.f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: &review.Declaration{NoConflict: true}})
					return err
				}, review.KindInvalid, "declaration_required", "declaration", nil},
				{"assign a provider as a lab", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), routerCase, review.ActAssignLab,
						review.Input{LabOrgID: e.f.Orgs["provider2"].ID, Method: review.MethodLabTesting, Declaration: decl})
					return err
				}, review.KindInvalid, "field_invalid", "lab_org_id", nil},
				{"assign a lab user as an expert", func() error {
					_, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), routerCase, review.ActAssignExpert,
						review.Input{ExpertUserID: e.f.Users["lab1"].ID, Declaration: decl})
					return err
				}, review.KindInvalid, "field_invalid", "expert_user_id", nil},
				{"create user with a bad username", func() error {
					_, err := e.s.CreateUser(e.ctx, e.actor(t, "admin"), review.User{Username: "Bad Name!", OrgID: e.f.Orgs["lab1"].ID, Role: review.RoleLab}, "long-enough-pw", auth.Cheap)
					return err
				}, review.KindInvalid, "field_invalid", "username", nil},
				{"create user with a duplicate username", func() error {
					_, err := e.s.CreateUser(e.ctx, e.actor(t, "admin"), review.User{Username: "lab1", OrgID: e.f.Orgs["lab1"].ID, Role: review.RoleLab}, "long-enough-pw", auth.Cheap)
					return err
				}, review.KindConflict, "duplicate", "username", nil},
				{"create user with a role its organisation cannot hold", func() error {
					_, err := e.s.CreateUser(e.ctx, e.actor(t, "admin"), review.User{Username: "lab1-office", OrgID: e.f.Orgs["lab1"].ID, Role: review.RoleOffice}, "long-enough-pw", auth.Cheap)
					return err
				}, review.KindInvalid, "field_invalid", "role", nil},
				{"create user with a short password", func() error {
					_, err := e.s.CreateUser(e.ctx, e.actor(t, "admin"), review.User{Username: "lab1-b", OrgID: e.f.Orgs["lab1"].ID, Role: review.RoleLab}, "short", auth.Cheap)
					return err
				}, review.KindInvalid, "field_too_short", "password", nil},
				{"only the admin creates users", func() error {
					_, err := e.s.CreateUser(e.ctx, e.actor(t, "office"), review.User{Username: "lab1-c", OrgID: e.f.Orgs["lab1"].ID, Role: review.RoleLab}, "long-enough-pw", auth.Cheap)
					return err
				}, review.KindForbidden, "forbidden", "", nil},
				{"duplicate organisation name", func() error {
					_, err := e.s.CreateOrg(e.ctx, e.actor(t, "admin"), review.Org{Kind: review.OrgLab, Name: e.f.Orgs["lab1"].Name})
					return err
				}, review.KindConflict, "duplicate", "name", nil},
				{"sector regulator without a sector", func() error {
					_, err := e.s.CreateOrg(e.ctx, e.actor(t, "admin"), review.Org{Kind: review.OrgSectorRegulator, Name: "Some Regulator"})
					return err
				}, review.KindInvalid, "field_required", "sector", nil},
				{"duplicate product", func() error {
					_, err := e.s.CreateProduct(e.ctx, e.actor(t, "provider1"), review.Product{Name: e.f.Router.Name, Category: "core_network_equipment"})
					return err
				}, review.KindConflict, "duplicate", "name", nil},
				{"duplicate version", func() error {
					_, err := e.s.AddVersion(e.ctx, e.actor(t, "provider1"), review.Version{ProductID: e.f.Router.ID, Version: "3.1.0"})
					return err
				}, review.KindConflict, "duplicate", "version", nil},
				{"version of another provider's product", func() error {
					_, err := e.s.AddVersion(e.ctx, e.actor(t, "provider2"), review.Version{ProductID: e.f.Router.ID, Version: "9.0"})
					return err
				}, review.KindForbidden, "forbidden", "", nil},
				{"list with a bad cursor", func() error {
					_, err := e.s.ListCases(e.ctx, e.actor(t, "office"), store.CaseFilter{Cursor: "not a cursor!"})
					return err
				}, review.KindInvalid, "field_invalid", "cursor", nil},
				{"list with a too large page", func() error {
					_, err := e.s.ListCases(e.ctx, e.actor(t, "office"), store.CaseFilter{Limit: 201})
					return err
				}, review.KindInvalid, "field_out_of_range", "limit", nil},
				{"list by an unknown state", func() error {
					_, err := e.s.ListCases(e.ctx, e.actor(t, "office"), store.CaseFilter{State: "limbo"})
					return err
				}, review.KindInvalid, "field_unknown_value", "state", nil},
				{"register without a query", func() error {
					_, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{})
					return err
				}, review.KindInvalid, "field_required", "purl", nil},
				{"register with a bad date", func() error {
					_, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{PURL: "pkg:generic/huaxin/hx-9000@3.1.0", AsOf: "2026-02-30"})
					return err
				}, review.KindInvalid, "field_invalid", "as_of", nil},
				{"register with a bad purl", func() error {
					_, err := e.s.Listings(e.ctx, review.Actor{}, store.ListingQuery{PURL: "huaxin/hx-9000"})
					return err
				}, review.KindInvalid, "field_invalid", "purl", nil},
				{"material with a path in its name", func() error {
					_, err := e.s.AddMaterial(e.ctx, e.actor(t, "provider1"), draft, store.MaterialView{Digest: "sha256:00", Size: 1, Filename: "../../etc/passwd"}, "127.0.0.1")
					return err
				}, review.KindInvalid, "field_invalid", "filename", nil},
			} {
				t.Run(c.name, func(t *testing.T) {
					re := reviewErr(t, c.run(), c.kind, c.code)
					if re.Field != c.field {
						t.Errorf("field %q, want %q", re.Field, c.field)
					}
					for k, v := range c.params {
						if re.Params[k] != v {
							t.Errorf("param %s = %q, want %q (params %v)", k, re.Params[k], v, re.Params)
						}
					}
				})
			}

			// An illegal transition names what the actor may do instead.
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), draft, review.ActAccept, review.Input{})
			re := reviewErr(t, err, review.KindConflict, "illegal_transition")
			if len(re.Allowed) == 0 || !slices.Contains(re.Allowed, "terminate") || slices.Contains(re.Allowed, "accept") {
				t.Errorf("allowed instead: %v", re.Allowed)
			}

			// Nothing refused changed anything: no assignment, no audit row.
			if got := e.view(t, "office", cloudCase).Assignments; len(got) != 0 {
				t.Errorf("refused assignments left rows: %+v", got)
			}
			if got := e.view(t, "office", routerCase).Assignments; len(got) != 0 {
				t.Errorf("refused assignments left rows: %+v", got)
			}
			if got := e.view(t, "office", draft); got.State != review.StateDraft || len(got.Materials) != 0 {
				t.Errorf("draft after refused actions: %s, %d materials", got.State, len(got.Materials))
			}
			if n, err := e.s.VerifyAudit(e.ctx); err != nil || n != auditBefore {
				t.Errorf("audit rows %d → %d (%v): refused calls must not write", auditBefore, n, err)
			}
			if _, err := e.s.UserByName(e.ctx, "lab1-b"); !review.IsKind(err, review.KindNotFound) {
				t.Errorf("refused user exists: %v", err)
			}

			// lab2 may still be assigned where its tie and accreditation allow.
			e.act(t, "office", routerCase, review.ActAssignLab, review.Input{LabOrgID: lab2, Method: review.MethodLabTesting, Declaration: decl})
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), routerCase, review.ActAssignLab, review.Input{LabOrgID: lab2, Method: review.MethodLabTesting, Declaration: decl})
			reviewErr(t, err, review.KindConflict, "duplicate")

			// An accreditation that has expired no longer covers the method.
			e.clk.Set(time.Date(2028, 1, 3, 10, 0, 0, 0, cst))
			_, err = e.s.ApplyAction(e.ctx, e.actor(t, "office"), routerCase, review.ActAssignLab, review.Input{LabOrgID: lab2, Method: review.MethodDocumentary, Declaration: decl})
			if re := reviewErr(t, err, review.KindConflict, "accreditation_invalid"); re.Params["reason"] != "expired" {
				t.Errorf("expired accreditation: %+v", re.Params)
			}
		})
	}
}
