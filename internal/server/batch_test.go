package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"shencha/internal/demo"
	"shencha/internal/storetest"
)

type batchAnswer struct {
	Items []struct {
		Line    int `json:"line"`
		Answers []struct {
			Status         string `json:"status"`
			MustNotProcure bool   `json:"must_not_procure"`
			Preferred      bool   `json:"preferred"`
			Attestation    *struct {
				Kind string `json:"kind"`
			} `json:"attestation"`
		} `json:"answers"`
		Error *struct {
			Code, Field, Message string
		} `json:"error"`
	} `json:"items"`
	Answered, Failed int
}

// TestEligibilityBatch sends a CSV purchase list of 10,000 lines, some of
// them malformed: every good line is answered, every bad one is named with
// its reason. The JSON and SBOM forms answer too.
func TestEligibilityBatch(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	if err := demo.SeedCases(context.Background(), e.s, e.f); err != nil {
		t.Fatal(err)
	}
	e.s.Sequence(context.Background(), 0)
	var b strings.Builder
	b.WriteString("purl,listing,quantity,note\n")
	bad := map[int]string{} // line → the field named
	for i := 2; i <= 10_001; i++ {
		switch {
		case i%1000 == 7:
			b.WriteString("hx-9000 3.1.0,,1,not a purl\n")
			bad[i] = "purl"
		case i%1000 == 11:
			b.WriteString(",abc,1,listing is not a number\n")
			bad[i] = "listing"
		case i%1000 == 13:
			b.WriteString(",,1,no identifier\n")
			bad[i] = "query"
		case i%1000 == 17:
			b.WriteString("pkg:generic/huaxin/hx\"9000@3.1.0,,1,a bare quote\n")
			bad[i] = "line"
		case i%3 == 0:
			b.WriteString("pkg:generic/huaxin/hx-9000@3.1.0,,2,router\n")
		case i%3 == 1:
			b.WriteString(",3,1,listing 3\n")
		default:
			fmt.Fprintf(&b, "pkg:generic/unknown/thing@%d,,1,never reviewed\n", i)
		}
	}
	code, body := e.postFile("procurer", "/api/v1/eligibility/batch?format=csv", []byte(b.String()))
	if code != 200 {
		t.Fatalf("batch: %d %.500s", code, body)
	}
	var ans batchAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Items) != 10_000 {
		t.Fatalf("%d items for 10,000 lines", len(ans.Items))
	}
	named := map[int]bool{}
	for _, it := range ans.Items {
		field, isBad := bad[it.Line]
		switch {
		case isBad:
			if it.Error == nil || it.Error.Field != field || it.Error.Message == "" {
				t.Fatalf("line %d: want an error naming %s, got %+v", it.Line, field, it.Error)
			}
			named[it.Line] = true
		case it.Error != nil:
			t.Fatalf("line %d: good line failed: %+v", it.Line, it.Error)
		default:
			if len(it.Answers) != 1 {
				t.Fatalf("line %d: %d answers", it.Line, len(it.Answers))
			}
		}
	}
	for line := range bad {
		if !named[line] {
			t.Fatalf("bad line %d not reported", line)
		}
	}
	// The procurer learns not to buy listing 3 (parties scope) and to
	// prefer the router (public, with its statement).
	for _, it := range ans.Items {
		if it.Error != nil || len(it.Answers) == 0 {
			continue
		}
		a := it.Answers[0]
		switch {
		case a.Status == "passed" && (!a.Preferred || a.Attestation == nil || a.Attestation.Kind != "verdict"):
			t.Fatalf("line %d: router answer %+v", it.Line, a)
		case a.Status == "not_disclosed" && !a.MustNotProcure:
			t.Fatalf("line %d: listing 3 answer %+v", it.Line, a)
		}
	}
	if ans.Answered+ans.Failed != len(ans.Items) || ans.Failed < 30 {
		t.Fatalf("answered %d, failed %d of %d", ans.Answered, ans.Failed, len(ans.Items))
	}

	// JSON: a list of queries, one of them unknown-field.
	code, body = e.postFile("procurer", "/api/v1/eligibility/batch", []byte(`[{"listing":1},{"cpe":"cpe:2.3:h:huaxin:hx-9000:3.1.0:*:*:*:*:*:*:*"},{"colour":"red"}]`))
	var j batchAnswer
	json.Unmarshal(body, &j)
	if code != 200 || j.Answered != 2 || j.Failed != 1 || j.Items[2].Error == nil || !strings.Contains(j.Items[2].Error.Message, "colour") {
		t.Fatalf("json batch: %d %s", code, body)
	}
	// An SBOM: every component answered.
	sbomDoc := `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
		{"type":"device","name":"HX-9000","version":"3.1.0","purl":"pkg:generic/huaxin/hx-9000@3.1.0"},
		{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"},
		{"type":"library","name":"mystery"}]}`
	code, body = e.postFile("procurer", "/api/v1/eligibility/batch?format=sbom", []byte(sbomDoc))
	var sb batchAnswer
	json.Unmarshal(body, &sb)
	if code != 200 || len(sb.Items) != 3 || sb.Items[0].Answers[0].Status != "passed" || sb.Items[1].Answers[0].Status != "not_reviewed" || sb.Items[2].Error == nil {
		t.Fatalf("sbom batch: %d %s", code, body)
	}
	// Too long a list is refused whole.
	code, body = e.postFile("procurer", "/api/v1/eligibility/batch?format=csv", []byte(strings.Repeat("1\n", 50_002)))
	if code != 400 || !strings.Contains(string(body), "batch_too_long") {
		t.Fatalf("50,002 lines: %d %.300s", code, body)
	}
}

// TestRateLimit: an anonymous client of the register is limited (429 with
// the reason, in its language); an API token is not, at the same pace;
// other routes are not limited.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	limited := 0
	for range 100 {
		code, body := e.send("", "GET", "/api/v1/eligibility?purl=pkg:generic/huaxin/hx-9000@3.1.0", nil, "zh-CN")
		if code == 429 {
			limited++
			if !strings.Contains(string(body), "rate_limited") || !strings.Contains(string(body), "请求过于频繁") {
				t.Fatalf("429 body: %s", body)
			}
		}
	}
	if limited < 40 {
		t.Fatalf("only %d of 100 quick anonymous requests limited", limited)
	}
	// The listings route answers the same question: the same limit.
	code, body := e.send("", "GET", "/api/v1/listings?purl=pkg:generic/huaxin/hx-9000@3.1.0", nil, "en")
	if code != 429 || !strings.Contains(string(body), "rate_limited") {
		t.Fatalf("/api/v1/listings after the burst: %d %s", code, body)
	}
	for range 100 {
		if code, body := e.send("procurer", "GET", "/api/v1/eligibility?purl=pkg:generic/huaxin/hx-9000@3.1.0", nil, ""); code != 200 {
			t.Fatalf("token request: %d %s", code, body)
		}
	}
	for range 60 {
		if code, _ := e.send("", "GET", "/healthz", nil, ""); code != 200 {
			t.Fatalf("healthz limited: %d", code)
		}
	}
}

// TestFeeds: the JSON and Atom feeds list public results only; the
// parties-scoped failure appears in neither.
func TestFeeds(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	if err := demo.SeedCases(context.Background(), e.s, e.f); err != nil {
		t.Fatal(err)
	}
	e.s.Sequence(context.Background(), 0)
	var feed struct {
		Items []struct {
			ListingID int64  `json:"listing_id"`
			Case      string `json:"case"`
			Status    string `json:"status"`
			LogIndex  int64  `json:"log_index"`
		} `json:"items"`
		Next string `json:"next"`
	}
	code, body := e.send("", "GET", "/api/v1/register/feed?limit=1", nil, "")
	if code != 200 || json.Unmarshal(body, &feed) != nil || len(feed.Items) != 1 || feed.Next == "" {
		t.Fatalf("feed page 1: %d %s", code, body)
	}
	var all []string
	for path := "/api/v1/register/feed?limit=1"; path != ""; {
		feed.Next = ""
		feed.Items = nil
		code, body := e.send("", "GET", path, nil, "")
		if code != 200 || json.Unmarshal(body, &feed) != nil {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		for _, it := range feed.Items {
			if it.LogIndex < 0 {
				t.Fatalf("feed item without log entry: %+v", it)
			}
			all = append(all, it.Case)
		}
		path = feed.Next
	}
	if strings.Join(all, ",") != "CSR-2026-0001,CSR-2026-0006" {
		t.Fatalf("feed lists %v", all)
	}
	code, body = e.send("", "GET", "/api/v1/register/feed.atom", nil, "")
	atom := string(body)
	if code != 200 || !strings.Contains(atom, `<feed xmlns="http://www.w3.org/2005/Atom">`) || !strings.Contains(atom, "CSR-2026-0006") ||
		strings.Contains(atom, "CSR-2026-0007") || strings.Contains(atom, "Lanyun Object Storage") {
		t.Fatalf("atom: %d %s", code, atom)
	}
}
