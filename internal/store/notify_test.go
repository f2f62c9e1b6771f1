package store_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
	"shencha/internal/storetest"
)

// notices pages through a user's notifications (two at a time, so the
// cursor is exercised) and returns them as "code state" (or "code clock"),
// in the order the store lists them.
func (e *env) notices(t *testing.T, who string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for range 100 {
		p, err := e.s.Notifications(e.ctx, e.actor(t, who), cursor, 2)
		if err != nil {
			t.Fatalf("%s's notifications: %v", who, err)
		}
		for _, n := range p.Items {
			out = append(out, n.Code+" "+n.Params["state"]+n.Params["clock"])
		}
		if p.Next == "" {
			return out
		}
		cursor = p.Next
	}
	t.Fatalf("%s's notifications do not end", who)
	return nil
}

// outsiders are demo users with no relation to a provider1 application.
var outsiders = []string{"admin", "lab2", "expert2", "expert4", "committee", "ciio", "cii", "procurer", "finance-regulator", "association", "provider2"}

// TestNotificationsFollowNeedToKnow walks an application through the
// workflow and checks who is told what: the provider its case's states, the
// lab and the expert that they were assigned (and only them), the office
// that material came in; never the one who acted, never anyone who may not
// read the case.
func TestNotificationsFollowNeedToKnow(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 3, 2, 10))
			n := e.openDatabase(t)
			e.act(t, "provider1", n, review.ActSubmit, review.Input{})
			e.step(t, 1, "office", n, review.ActBeginScreening, review.Input{})
			e.step(t, 1, "office", n, review.ActAccept, review.Input{})
			e.step(t, 0, "office", n, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")})
			e.step(t, 0, "office", n, review.ActBeginEvaluation, review.Input{})
			e.step(t, 1, "office", n, review.ActRequestSupplement, review.Input{Items: "the source code escrow agreement"})
			e.step(t, 1, "provider1", n, review.ActAnswerSupplement, review.Input{Summary: "attached"})
			e.report(t, n, nil)
			e.step(t, 1, "office", n, review.ActCompleteEvaluation, review.Input{})
			e.step(t, 0, "office", n, review.ActAssignExpert, review.Input{ExpertUserID: e.f.Users["expert1"].ID, Declaration: demo.Declaration("expert1")})

			want := map[string][]string{
				"provider1": {"case_state expert_assessment", "supplement_requested awaiting_supplement", "case_state evaluation", "case_state accepted", "case_state screening"},
				"lab1":      {"assigned accepted"},
				"expert1":   {"opinion_awaited expert_assessment"},
				"office":    {"supplement_answered evaluation"},
			}
			for who, w := range want {
				if got := e.notices(t, who); !slices.Equal(got, w) {
					t.Errorf("%s was told %q, want %q", who, got, w)
				}
			}
			for _, who := range outsiders {
				if got := e.notices(t, who); len(got) != 0 {
					t.Errorf("%s, who may not read %s, was told %q", who, n, got)
				}
			}

			t.Run("UnreadFirst", func(t *testing.T) {
				p1 := e.actor(t, "provider1")
				page, err := e.s.Notifications(e.ctx, p1, "", 50)
				if err != nil || page.Unread != 5 || len(page.Items) != 5 {
					t.Fatalf("%+v %v", page, err)
				}
				if page.Items[0].Link != "/cases/"+n || page.Items[0].Params["case"] != n {
					t.Errorf("notification %+v: want the case's number and link", page.Items[0])
				}
				// Reading the two newest moves them after the three others.
				for _, it := range page.Items[:2] {
					if err := e.s.MarkRead(e.ctx, p1, it.ID); err != nil {
						t.Fatal(err)
					}
				}
				got := e.notices(t, "provider1")
				if w := []string{"case_state evaluation", "case_state accepted", "case_state screening", "case_state expert_assessment", "supplement_requested awaiting_supplement"}; !slices.Equal(got, w) {
					t.Errorf("after reading two: %q, want %q", got, w)
				}
				if c, _ := e.s.UnreadCount(e.ctx, p1); c != 3 {
					t.Errorf("unread %d, want 3", c)
				}
				// Someone else's notification is not found, and stays unread.
				reviewErr(t, e.s.MarkRead(e.ctx, e.actor(t, "lab1"), page.Items[2].ID), review.KindNotFound, "not_found")
				if c, _ := e.s.UnreadCount(e.ctx, p1); c != 3 {
					t.Errorf("unread %d after another user's attempt, want 3", c)
				}
				if m, err := e.s.MarkAllRead(e.ctx, p1); err != nil || m != 3 {
					t.Errorf("mark all read: %d %v, want 3", m, err)
				}
				if _, err := e.s.Notifications(e.ctx, p1, "x12", 10); err == nil {
					t.Error("a made-up cursor was accepted")
				}
				reviewErr(t, func() error { _, err := e.s.Notifications(e.ctx, p1, "", 500); return err }(), review.KindInvalid, "field_out_of_range")
			})
		})
	}
}

// TestNotificationRollsBackWithItsChange makes the last write of an action
// (its audit row) fail inside the database and checks that the action left
// no notification and no e-mail job behind: they are written in the same
// transaction. The same action then succeeds and leaves both.
func TestNotificationRollsBackWithItsChange(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 3, 2, 10))
			e.s.EmailNotifications = true
			p1 := e.actor(t, "provider1")
			if _, err := e.s.SetContact(e.ctx, p1, store.Contact{Email: "security@huaxin.example.cn", Lang: "en"}); err != nil {
				t.Fatal(err)
			}
			n := e.openDatabase(t)
			e.act(t, "provider1", n, review.ActSubmit, review.Input{})
			trigger := []string{`CREATE TRIGGER refuse_screening BEFORE INSERT ON audit WHEN NEW.action = 'case.begin_screening' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`}
			if e.s.Dialect() == store.Postgres {
				trigger = []string{`CREATE FUNCTION refuse_screening() RETURNS trigger LANGUAGE plpgsql AS $$
					BEGIN IF NEW.action = 'case.begin_screening' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`,
					`CREATE TRIGGER refuse_screening BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_screening()`}
			}
			for _, q := range trigger {
				if _, err := e.s.DB().ExecContext(e.ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			jobs := func() int {
				var c int
				if err := e.s.DB().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'notification_email'`).Scan(&c); err != nil {
					t.Fatal(err)
				}
				return c
			}
			if _, err := e.s.ApplyAction(e.ctx, e.actor(t, "office"), n, review.ActBeginScreening, review.Input{}); err == nil {
				t.Fatal("the action succeeded although its audit row was refused")
			}
			if got := e.notices(t, "provider1"); len(got) != 0 || jobs() != 0 {
				t.Fatalf("a rolled-back action left notifications %q and %d e-mail jobs", got, jobs())
			}
			if _, err := e.s.DB().ExecContext(e.ctx, `DROP TRIGGER refuse_screening`+map[bool]string{true: " ON audit"}[e.s.Dialect() == store.Postgres]); err != nil {
				t.Fatal(err)
			}
			e.act(t, "office", n, review.ActBeginScreening, review.Input{})
			page, err := e.s.Notifications(e.ctx, p1, "", 10)
			if err != nil || len(page.Items) != 1 || jobs() != 1 {
				t.Fatalf("after the action: %+v %v, %d e-mail jobs; want one of each", page, err, jobs())
			}
			m, err := e.s.EmailOf(e.ctx, page.Items[0].ID)
			if err != nil || !m.Pending || m.To != "security@huaxin.example.cn" || m.Lang != "en" || m.Code != "case_state" {
				t.Fatalf("e-mail %+v %v", m, err)
			}
			// A user without an address gets no e-mail job.
			e.act(t, "office", n, review.ActAccept, review.Input{})
			if err := e.s.EmailDone(e.ctx, m.ID, nil, false); err != nil {
				t.Fatal(err)
			}
			if m, _ := e.s.EmailOf(e.ctx, m.ID); m.Pending {
				t.Error("a sent e-mail is still pending")
			}
		})
	}
}

// TestContact checks the e-mail settings a user keeps for itself.
func TestContact(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0], at(2026, 3, 2, 10))
	a := e.actor(t, "lab1")
	for _, bad := range []store.Contact{{Email: "not an address"}, {Email: "Lab <lab@example.cn>"}, {Email: strings.Repeat("a", 250) + "@x.cn"}} {
		reviewErr(t, func() error { _, err := e.s.SetContact(e.ctx, a, bad); return err }(), review.KindInvalid, "field_invalid")
	}
	re := reviewErr(t, func() error { _, err := e.s.SetContact(e.ctx, a, store.Contact{Lang: "fr"}); return err }(), review.KindInvalid, "field_unknown_value")
	if re.Field != "lang" {
		t.Errorf("field %q, want lang", re.Field)
	}
	if c, _ := e.s.ContactOf(e.ctx, a); c != (store.Contact{}) {
		t.Errorf("refused settings were stored: %+v", c)
	}
	if _, err := e.s.SetContact(e.ctx, a, store.Contact{Email: " lab@example.cn ", Lang: "zh-CN"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.s.ContactOf(e.ctx, a); c != (store.Contact{Email: "lab@example.cn", Lang: "zh-CN"}) {
		t.Errorf("stored %+v", c)
	}
}

// TestDeadlineReminders checks that a clock's owner is reminded once when
// RemindDays working days or fewer are left, and once more after the clock
// is extended.
func TestDeadlineReminders(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			// Submitted Monday 2 March 2026: ten working days end Monday 16 March.
			e := newEnv(t, b, at(2026, 3, 2, 10))
			n := e.openRouter(t)
			e.act(t, "provider1", n, review.ActSubmit, review.Input{})
			remind := func(on string, want int) {
				t.Helper()
				e.clk.Set(mustDate(t, on).Time().Add(9 * 3600e9))
				got, err := e.s.RemindDeadlines(e.ctx)
				if err != nil || got != want {
					t.Errorf("reminders on %s: %d %v, want %d", on, got, err, want)
				}
			}
			remind("2026-03-10", 0) // four working days left
			remind("2026-03-11", 1) // three
			remind("2026-03-12", 0) // once per clock
			page, err := e.s.Notifications(e.ctx, e.actor(t, "office"), "", 10)
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("office: %+v %v", page, err)
			}
			if p := page.Items[0].Params; page.Items[0].Code != "deadline" || p["clock"] != "screening" || p["deadline"] != "2026-03-16" || p["days"] != "3" {
				t.Errorf("reminder %+v", page.Items[0])
			}
			for _, who := range append([]string{"provider1"}, outsiders...) {
				if got := e.notices(t, who); len(got) != 0 {
					t.Errorf("%s was reminded of the office's clock: %q", who, got)
				}
			}
			// Extended by five days: a new deadline, a new reminder when it nears.
			e.act(t, "office", n, review.ActExtendClock, review.Input{Clock: "screening", Days: 5, Reason: "waiting for a ministry's opinion"})
			remind("2026-03-13", 0)
			remind("2026-03-18", 1)
			if got := e.notices(t, "office"); len(got) != 2 {
				t.Errorf("office after the extension: %q", got)
			}
			// The supplement clock is the provider's.
			e.act(t, "office", n, review.ActBeginScreening, review.Input{})
			e.act(t, "office", n, review.ActMarkIncomplete, review.Input{Items: "the SBOM"})
			if got := e.notices(t, "provider1"); !slices.Equal(got, []string{"supplement_requested incomplete", "case_state screening"}) {
				t.Fatalf("provider1: %q", got)
			}
			// Asked on 18 March, the provider has until 1 April.
			remind("2026-03-27", 1)
			if got := e.notices(t, "provider1"); len(got) != 3 || got[0] != "deadline supplement" {
				t.Errorf("provider1 was not reminded of its supplement clock: %q", got)
			}
		})
	}
}

// TestWebhookDeliveriesFollowScope subscribes organisations inside and
// outside a sector and checks which listing changes each is sent.
func TestWebhookDeliveriesFollowScope(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, at(2026, 3, 2, 10))
			root := review.Actor{Username: "seed", Role: review.RoleAdmin}
			org, err := e.s.CreateOrg(e.ctx, root, review.Org{Kind: review.OrgProcurer, Name: "Financial Sector Procurement Centre", Sector: "finance"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := e.s.CreateUser(e.ctx, root, review.User{Username: "finance-buyer", OrgID: org.ID, Role: review.RoleProcurer}, "finance-buyer-pass", auth.Cheap)
			if err != nil {
				t.Fatal(err)
			}
			if e.f.Actors["finance-buyer"], err = e.s.ActorOf(e.ctx, u.ID); err != nil {
				t.Fatal(err)
			}

			t.Run("WhoMaySubscribe", func(t *testing.T) {
				for _, who := range []string{"provider1", "lab1", "admin", "cii"} {
					_, err := e.s.CreateWebhook(e.ctx, e.actor(t, who), "https://example.cn/hook")
					reviewErr(t, err, review.KindForbidden, "forbidden")
				}
				for url, code := range map[string]string{"": "field_required", "ftp://example.cn/x": "field_invalid", "https://user:pw@example.cn/": "field_invalid",
					"https:///nohost": "field_invalid", "https://example.cn/" + strings.Repeat("x", 2000): "field_too_long"} {
					_, err := e.s.CreateWebhook(e.ctx, e.actor(t, "ciio"), url)
					if re := reviewErr(t, err, review.KindInvalid, code); re.Field != "url" {
						t.Errorf("%q: field %q, want url", url, re.Field)
					}
				}
			})

			hooks := map[string]store.Webhook{}
			for _, who := range []string{"ciio", "office", "procurer", "finance-buyer"} {
				w, err := e.s.CreateWebhook(e.ctx, e.actor(t, who), "https://"+who+".example.cn/shencha")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(w.Secret, "whsec_") || len(w.Secret) != 6+64 {
					t.Errorf("secret %q", w.Secret)
				}
				hooks[who] = w
			}
			if list, err := e.s.Webhooks(e.ctx, e.actor(t, "ciio")); err != nil || len(list) != 1 || list[0].Secret != "" || list[0].ID != hooks["ciio"].ID {
				t.Errorf("ciio's subscriptions %+v %v: want its one, without the secret", list, err)
			}

			// A CII operator of the energy sector declares a procurement of
			// the database; the result is published to the sector.
			sector := e.open(t, "ciio", review.NewCase{Trigger: review.TriggerCIIOProcurement, ProductID: e.f.Database.ID, VersionIDs: versionIDs(e.f.DBV),
				Procurement: &review.Procurement{Description: "dispatch database"}}).Number
			e.act(t, "ciio", sector, review.ActDeclare, review.Input{})
			e.step(t, 1, "cii", sector, review.ActDetermineRequired, review.Input{Rationale: "used in grid dispatch"})
			e.step(t, 1, "office", sector, review.ActAssignLab, review.Input{LabOrgID: e.f.Orgs["lab1"].ID, Method: review.MethodLabTesting, Declaration: demo.Declaration("lab1")})
			e.step(t, 0, "office", sector, review.ActBeginEvaluation, review.Input{})
			e.toOpinions(t, sector)
			e.step(t, 1, "office", sector, review.ActDecide, review.Input{Outcome: review.OutcomePass, Rationale: "per the opinions"})
			e.step(t, 1, "office", sector, review.ActPublish, review.Input{Scope: review.ScopeSector})
			ans, err := e.s.Listings(e.ctx, e.actor(t, "office"), store.ListingQuery{ProductID: e.f.Database.ID, Version: e.f.DBV[0].Version})
			if err != nil || len(ans) != 1 || ans[0].ListingID == 0 {
				t.Fatalf("listing: %+v %v", ans, err)
			}
			if err := e.s.ListingAction(e.ctx, e.actor(t, "office"), ans[0].ListingID, review.ListSuspend, "the vendor's update server was compromised"); err != nil {
				t.Fatal(err)
			}
			// And a public result: the router's two versions.
			public := e.openRouter(t)
			e.publishDecided(t, public, review.OutcomePass, nil, review.ScopePublic)

			sent := map[string][]string{}
			total := 0
			for who, w := range hooks {
				list, err := e.s.WebhookDeliveries(e.ctx, e.actor(t, who), w.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range list {
					task, err := e.s.DeliveryTaskOf(e.ctx, d.ID)
					if err != nil || !task.Pending || d.State != "pending" || len(d.Attempts) != 0 || task.Secret != w.Secret {
						t.Fatalf("delivery %+v task %+v %v", d, task, err)
					}
					var ch store.ListingChange
					if err := json.Unmarshal(task.Body, &ch); err != nil {
						t.Fatal(err)
					}
					if ch.ID != "evt_"+strconv.FormatInt(d.EventID, 10) || ch.Type != "listing.changed" || ch.ListingID == 0 {
						t.Errorf("body %+v of event %d", ch, d.EventID)
					}
					sent[who] = append(sent[who], ch.Case+" "+ch.Event+" "+ch.Status)
					total++
				}
			}
			inSector := []string{public + " publish passed", public + " publish passed", sector + " suspend suspended", sector + " publish passed"}
			outside := []string{public + " publish passed", public + " publish passed"}
			for who, w := range map[string][]string{"ciio": inSector, "office": inSector, "procurer": outside, "finance-buyer": outside} {
				if !slices.Equal(sent[who], w) {
					t.Errorf("%s was sent %q, want %q", who, sent[who], w)
				}
			}
			var jobs int
			if err := e.s.DB().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'webhook_delivery'`).Scan(&jobs); err != nil || jobs != total {
				t.Errorf("%d delivery jobs (%v), want one per delivery (%d)", jobs, err, total)
			}
			// The provider is told in the app of the suspension.
			if got := e.notices(t, "provider1"); !slices.Contains(got, "listing_changed ") {
				t.Errorf("provider1 was not told of the suspension: %q", got)
			}

			t.Run("OwnOrganisationOnly", func(t *testing.T) {
				_, err := e.s.WebhookDeliveries(e.ctx, e.actor(t, "finance-buyer"), hooks["ciio"].ID, 0)
				reviewErr(t, err, review.KindNotFound, "not_found")
				reviewErr(t, e.s.DeleteWebhook(e.ctx, e.actor(t, "finance-buyer"), hooks["ciio"].ID), review.KindNotFound, "not_found")
				list, _ := e.s.WebhookDeliveries(e.ctx, e.actor(t, "ciio"), hooks["ciio"].ID, 0)
				if err := e.s.DeleteWebhook(e.ctx, e.actor(t, "ciio"), hooks["ciio"].ID); err != nil {
					t.Fatal(err)
				}
				for _, d := range list {
					if task, _ := e.s.DeliveryTaskOf(e.ctx, d.ID); task.Pending {
						t.Errorf("delivery %d of a deleted subscription is still to be sent", d.ID)
					}
				}
				if l, _ := e.s.Webhooks(e.ctx, e.actor(t, "ciio")); len(l) != 0 {
					t.Errorf("deleted subscription still listed: %+v", l)
				}
			})
		})
	}
}
