package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// opinionForm is a complete expert opinion as the case page's form posts
// it; tests delete or change fields to make it wrong.
func opinionForm() url.Values {
	v := url.Values{"recommendation": {"pass"}, "rationale": {"Module declared; hardening guide received."}}
	for _, a := range []string{"R1", "R2", "R3", "R4", "R5"} {
		v.Set("areas."+a+".level", "low")
	}
	v.Set("areas.R2.note", "Firmware signed by the provider's release key.")
	return v
}

func TestOpinionAndVoteForms(t *testing.T) {
	base := startServer(t)

	t.Run("ExpertOpinion", func(t *testing.T) {
		c := newClient(t, base)
		c.login("expert3")
		code, _, body := c.do("GET", "/cases/CSR-2026-0004", nil, "Accept-Language", "en")
		if code != 200 || !strings.Contains(body, `id="action-give_opinion"`) || !strings.Contains(body, `name="areas.R5.level"`) {
			t.Fatalf("no opinion form: %d\n%s", code, body)
		}

		// R3 left out: refused, the error names the area in the form, and
		// what was typed is still there.
		bad := opinionForm()
		bad.Del("areas.R3.level")
		code, _, body = c.do("POST", "/cases/CSR-2026-0004/actions/give_opinion", bad, "Accept-Language", "en")
		if code != http.StatusBadRequest {
			t.Fatalf("incomplete opinion: %d", code)
		}
		form := section(body, `id="action-give_opinion"`, "</form>")
		if !strings.Contains(form, `id="error-give_opinion"`) || !strings.Contains(form, "R3 Illegal collection or use of user information is required") {
			t.Errorf("the error is not in the form naming the area:\n%s", form)
		}
		for _, want := range []string{"Module declared; hardening guide received.", "Firmware signed by the provider&#39;s release key.",
			`<option value="pass" selected>`, `<option value="low" selected>`} {
			if !strings.Contains(form, want) {
				t.Errorf("the form lost %q:\n%s", want, form)
			}
		}
		if !strings.Contains(form, `name="areas.R3.level" required aria-invalid="true"`) {
			t.Errorf("R3's level is not marked invalid:\n%s", form)
		}

		// A wrong level is named too, in Chinese by default.
		bad = opinionForm()
		bad.Set("areas.R4.level", "severe")
		_, _, body = c.do("POST", "/cases/CSR-2026-0004/actions/give_opinion", bad)
		if !strings.Contains(section(body, `id="error-give_opinion"`, "</p>"), "风险等级 — R4") {
			t.Errorf("R4's level not named:\n%s", section(body, `id="action-give_opinion"`, "</form>"))
		}

		code, h, _ := c.do("POST", "/cases/CSR-2026-0004/actions/give_opinion", opinionForm())
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cases/CSR-2026-0004") {
			t.Fatalf("opinion: %d %q", code, h.Get("Location"))
		}
		_, _, body = c.do("GET", "/cases/CSR-2026-0004", nil)
		if strings.Contains(body, `id="action-give_opinion"`) || strings.Contains(body, `id="action-recuse"`) {
			t.Error("the form is still offered after the opinion is in")
		}

		// The third opinion is in: the office may decide now.
		o := newClient(t, base)
		o.login("office")
		if _, _, body = o.do("GET", "/cases/CSR-2026-0004", nil); !strings.Contains(body, `id="action-decide"`) {
			t.Error("the office cannot decide after the third opinion")
		}
		// A fail departs from the rule's recommendation: the departure
		// rationale is named by its label, the outcomes by their names.
		code, _, body = o.do("POST", "/cases/CSR-2026-0004/actions/decide", url.Values{"outcome": {"fail"}, "rationale": {"Too risky."}}, "Accept-Language", "en")
		if got := section(body, `id="error-decide"`, "</p>"); code != http.StatusBadRequest || !strings.Contains(got, "The decision fail departs") || !strings.Contains(got, "give a Departure rationale.") {
			t.Errorf("departure without a rationale: %d %s", code, got)
		}
	})

	t.Run("CommitteeVotes", func(t *testing.T) {
		for _, member := range []string{"committee2", "committee3"} {
			c := newClient(t, base)
			c.login(member)
			// A vote without reasons keeps the chosen outcome.
			code, _, body := c.do("POST", "/cases/CSR-2026-0005/actions/cast_vote", url.Values{"outcome": {"conditional_pass"}}, "Accept-Language", "en")
			form := section(body, `id="action-cast_vote"`, "</form>")
			if code != http.StatusBadRequest || !strings.Contains(form, "Rationale is required") || !strings.Contains(form, `<option value="conditional_pass" selected>`) {
				t.Errorf("%s: vote without reasons: %d\n%s", member, code, form)
			}
			code, _, _ = c.do("POST", "/cases/CSR-2026-0005/actions/cast_vote", url.Values{"outcome": {"conditional_pass"}, "rationale": {"Disclosure conditions suffice."}})
			if code != http.StatusSeeOther {
				t.Fatalf("%s: vote %d", member, code)
			}
		}
		c := newClient(t, base)
		c.login("committee")
		if _, _, body := c.do("GET", "/cases/CSR-2026-0005", nil); !strings.Contains(body, `id="action-committee_decide"`) {
			t.Error("three votes in, the committee cannot decide")
		}
	})

	// After the votes above: the committee decides 0005 as the conditional
	// pass its majority voted for.
	t.Run("CommitteeDecision", func(t *testing.T) {
		c := newClient(t, base)
		c.login("committee")
		path := "/cases/CSR-2026-0005/actions/committee_decide"
		decision := url.Values{"outcome": {"conditional_pass"}, "rationale": {"The majority found disclosure conditions sufficient."}}

		// No condition: refused, the conditions named by their label, the
		// outcome and rationale kept.
		code, _, body := c.do("POST", path, decision, "Accept-Language", "en")
		form := section(body, `id="action-committee_decide"`, "</form>")
		if code != http.StatusBadRequest || !strings.Contains(form, "Conditions (for a conditional pass) is required") {
			t.Fatalf("conditional pass without conditions: %d\n%s", code, form)
		}
		for _, want := range []string{`<option value="conditional_pass" selected>`, "The majority found disclosure conditions sufficient.",
			`id="committee_decide-conditions" aria-invalid="true"`, `name="departure_rationale" rows="3" aria-describedby=`} {
			if !strings.Contains(form, want) {
				t.Errorf("the refused form lacks %q:\n%s", want, form)
			}
		}

		// A condition without its due date: the due date is named, the
		// text and the checkbox kept (in Chinese by default).
		partial := url.Values{"conditions.1.text": {"Publish the hardening guide."}, "conditions.1.suspend_if_overdue": {"on"}}
		for k, v := range decision {
			partial[k] = v
		}
		_, _, body = c.do("POST", path, partial)
		form = section(body, `id="action-committee_decide"`, "</form>")
		if !strings.Contains(section(form, `id="error-committee_decide"`, "</p>"), "履行期限") ||
			!strings.Contains(form, "Publish the hardening guide.") || !strings.Contains(form, `name="conditions.1.suspend_if_overdue" value="on" checked`) {
			t.Errorf("condition without a due date:\n%s", form)
		}

		// With the condition: decided, and the case shows it.
		partial.Set("conditions.1.due", "2026-12-31")
		code, _, _ = c.do("POST", path, partial)
		if code != http.StatusSeeOther {
			t.Fatalf("committee decision with a condition: %d", code)
		}
		_, _, body = c.do("GET", "/cases/CSR-2026-0005", nil, "Accept-Language", "en")
		decided := section(body, `id="decision"`, "</section>")
		for _, want := range []string{"conditional pass", "Publish the hardening guide.", "due by 2026-12-31"} {
			if !strings.Contains(decided, want) {
				t.Errorf("the decision lacks %q:\n%s", want, decided)
			}
		}
		// The decision's time reads as a date and time, not a stored timestamp.
		if rawTime.MatchString(decided) {
			t.Errorf("the decision shows a raw timestamp:\n%s", decided)
		}
	})
}

var rawTime = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)
