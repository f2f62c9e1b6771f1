package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAssignForms: on the TideDB case in evaluation the office assigns
// lab1 for a second method and an expert through the case page's forms, which offer the labs
// and experts to choose and the assignee's declaration. A refusal (no
// declaration, a lab not accredited for the method) names its field and
// reason in the form, keeps what was chosen and assigns no one; other
// users are offered no such form.
func TestAssignForms(t *testing.T) {
	base, f := startDemo(t, 0)
	const path = "/cases/CSR-2026-0002"
	office := newClient(t, base)
	office.login("office")
	code, _, body := office.do("GET", path, nil, en, "en")
	lab := section(body, `id="action-assign_lab"`, "</form>")
	if code != 200 || lab == "" {
		t.Fatalf("no lab assignment form: %d", code)
	}
	lab1, lab2 := strconv.FormatInt(f.Orgs["lab1"].ID, 10), strconv.FormatInt(f.Orgs["lab2"].ID, 10)
	for _, want := range []string{`<option value="` + lab2 + `">Eastern Information Security Evaluation Lab</option>`,
		`<option value="online_monitoring">online monitoring</option>`, `name="declaration.no_conflict"`, `name="declaration.signed_by"`} {
		if !strings.Contains(lab, want) {
			t.Errorf("the lab form lacks %s:\n%s", want, lab)
		}
	}
	expert4 := strconv.FormatInt(f.Users["expert4"].ID, 10)
	if form := section(body, `id="action-assign_expert"`, "</form>"); !strings.Contains(form, `<option value="`+expert4+`">`) {
		t.Errorf("the expert form does not offer expert4:\n%s", form)
	}
	assigned := func() int {
		_, _, body := office.do("GET", path, nil)
		return strings.Count(section(body, `id="assignments"`, "</ul>"), "<li>")
	}
	before := assigned()

	declared := url.Values{"declaration.no_conflict": {"on"}, "declaration.confidentiality": {"on"}, "declaration.signed_by": {"Wang Li"}}
	with := func(v url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, vs := range v {
			out[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name, action string
		form         url.Values
		status       int
		err, invalid string
	}{
		{"NoDeclaration", "assign_lab", url.Values{"lab_org_id": {lab2}, "method": {"lab_testing"}}, http.StatusBadRequest,
			"The assignee&#39;s declaration is required.", `id="assign_lab-declaration" aria-describedby="assign_lab-declaration-hint error-assign_lab" aria-invalid="true"`},
		{"DeclarationUnsigned", "assign_expert", url.Values{"expert_user_id": {expert4}, "declaration.no_conflict": {"on"}, "declaration.confidentiality": {"on"}}, http.StatusBadRequest,
			"must be affirmed and signed", `id="assign_expert-declaration" aria-describedby="assign_expert-declaration-hint error-assign_expert" aria-invalid="true"`},
		{"NotAccredited", "assign_lab", with(declared, "lab_org_id", lab2, "method", "online_monitoring"), http.StatusConflict,
			"does not allow online monitoring on large databases and application software", `id="assign_lab-lab_org_id" name="lab_org_id" required aria-invalid="true"`},
		{"NoLab", "assign_lab", with(declared, "method", "lab_testing"), http.StatusBadRequest,
			"Lab is required.", `id="assign_lab-lab_org_id" name="lab_org_id" required aria-invalid="true"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := office.do("POST", path+"/actions/"+tt.action, tt.form, en, "en")
			form := section(body, `id="action-`+tt.action+`"`, "</form>")
			if code != tt.status || !strings.Contains(section(form, `id="error-`+tt.action+`"`, "</p>"), tt.err) {
				t.Errorf("%d, want %d with %q in the form:\n%s", code, tt.status, tt.err, form)
			}
			if !strings.Contains(form, tt.invalid) {
				t.Errorf("the form does not mark %s:\n%s", tt.invalid, form)
			}
			// What was chosen is still chosen.
			for name, v := range tt.form {
				if name == "declaration.signed_by" && !strings.Contains(form, `value="`+v[0]+`"`) ||
					(name == "lab_org_id" || name == "expert_user_id" || name == "method") && !regexp.MustCompile(`<option value="`+v[0]+`" selected>`).MatchString(form) {
					t.Errorf("the form lost %s=%s", name, v[0])
				}
			}
			if n := assigned(); n != before {
				t.Errorf("assignments %d after a refusal, want %d", n, before)
			}
		})
	}

	t.Run("OK", func(t *testing.T) {
		for action, form := range map[string]url.Values{
			"assign_lab":    with(declared, "lab_org_id", lab1, "method", "document_review"),
			"assign_expert": with(declared, "expert_user_id", expert4),
		} {
			if code, h, body := office.do("POST", path+"/actions/"+action, form); code != http.StatusSeeOther {
				t.Fatalf("%s: %d %s\n%s", action, code, h.Get("Location"), section(body, `id="action-`+action+`"`, "</form>"))
			}
		}
		_, _, body := office.do("GET", path, nil)
		list := section(body, `id="assignments"`, "</ul>")
		if n := assigned(); n != before+2 || strings.Count(list, "China Network Product Security Testing Centre") != 2 {
			t.Errorf("assignments after the forms (%d, were %d):\n%s", n, before, list)
		}
		// expert4, assigned, may now see the case.
		e := newClient(t, base)
		e.login("expert4")
		if code, _, _ := e.do("GET", path, nil); code != http.StatusOK {
			t.Errorf("expert4 after its assignment: %d", code)
		}
		// A second time: refused as a duplicate, nothing added.
		code, _, body := office.do("POST", path+"/actions/assign_expert", with(declared, "expert_user_id", expert4), en, "en")
		if code != http.StatusConflict || !strings.Contains(section(body, `id="error-assign_expert"`, "</p>"), "already exists") || assigned() != before+2 {
			t.Errorf("the same expert again: %d\n%s", code, section(body, `id="action-assign_expert"`, "</form>"))
		}
	})

	t.Run("OthersHaveNoForm", func(t *testing.T) {
		for _, user := range []string{"lab1", "provider1"} {
			c := newClient(t, base)
			c.login(user)
			_, _, body := c.do("GET", path, nil)
			if strings.Contains(body, "assign_lab") || strings.Contains(body, "assign_expert") {
				t.Errorf("%s is offered an assignment", user)
			}
			if code, _, _ := c.do("POST", path+"/actions/assign_expert", with(declared, "expert_user_id", expert4)); code != http.StatusForbidden && code != http.StatusNotFound {
				t.Errorf("%s assigning an expert: %d", user, code)
			}
		}
	})
}
