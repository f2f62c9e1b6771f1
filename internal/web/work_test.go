package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// section returns the part of a page between two markers, so a test can
// say which table a case is listed in.
func section(body, from, to string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, to); j >= 0 {
		return rest[:j]
	}
	return rest
}

func TestWorkQueues(t *testing.T) {
	base := startServer(t)
	get := func(user string) (int, string) {
		c := newClient(t, base)
		c.login(user)
		code, _, body := c.do("GET", "/work", nil, "Accept-Language", "en")
		return code, body
	}

	t.Run("ExpertAwaitsOnlyWhatItHasNotDone", func(t *testing.T) {
		// expert3 holds 0004 (two opinions in, not its own) and has given
		// its opinion on 0001, 0005, 0006 and 0007.
		code, body := get("expert3")
		if code != 200 || !strings.Contains(body, `id="nav-work"`) {
			t.Fatalf("%d %s", code, body)
		}
		awaiting, others := section(body, `id="awaiting"`, `id="others"`), section(body, `id="others"`, "</main>")
		if !strings.Contains(awaiting, `href="/cases/CSR-2026-0004"`) || !strings.Contains(awaiting, "give an opinion") {
			t.Errorf("0004 does not await expert3:\n%s", awaiting)
		}
		if strings.Contains(awaiting, "CSR-2026-0005") || !strings.Contains(others, "CSR-2026-0005") {
			t.Errorf("0005, where expert3's opinion is in, is listed as awaiting:\n%s", body)
		}
		// expert1 has given its opinion on 0004 already.
		_, body = get("expert1")
		if strings.Contains(section(body, `id="awaiting"`, `id="others"`), "CSR-2026-0004") {
			t.Error("0004 awaits expert1, whose opinion is in")
		}
	})

	t.Run("CommitteeSeesReferredCases", func(t *testing.T) {
		// "committee" has voted on 0005; committee2 has not.
		_, body := get("committee2")
		if !strings.Contains(section(body, `id="awaiting"`, `id="others"`), "CSR-2026-0005") {
			t.Errorf("0005 does not await committee2:\n%s", body)
		}
		_, body = get("committee")
		if strings.Contains(section(body, `id="awaiting"`, `id="others"`), "CSR-2026-0005") {
			t.Error("0005 awaits the member who voted")
		}
		if strings.Contains(body, "CSR-2026-0004") {
			t.Error("the committee sees a case not referred to it")
		}
	})

	t.Run("LabSeesItsAssignments", func(t *testing.T) {
		_, body := get("lab1")
		if !strings.Contains(body, `href="/cases/CSR-2026-0002"`) {
			t.Errorf("lab1's evaluation is not listed:\n%s", body)
		}
		_, body = get("lab2")
		if strings.Contains(body, "CSR-2026-0002") {
			t.Error("lab2 sees lab1's case")
		}
	})

	t.Run("OtherRolesHaveNoQueue", func(t *testing.T) {
		code, body := get("provider1")
		if code != http.StatusForbidden || strings.Contains(body, `id="nav-work"`) {
			t.Errorf("provider: %d", code)
		}
	})
}
