package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"shencha/internal/review"
	"shencha/internal/storetest"
)

type ownershipDoc struct {
	Org    struct{ Name string } `json:"org"`
	Stakes []struct {
		ID           int64           `json:"id"`
		HeldID       int64           `json:"held_id"`
		OwnerName    string          `json:"owner_name"`
		Jurisdiction string          `json:"jurisdiction"`
		Share        json.RawMessage `json:"share"`
		Depth        int             `json:"depth"`
		Foreign      bool            `json:"foreign"`
	} `json:"stakes"`
	Control struct {
		Path     []int64 `json:"path"`
		Ultimate int64   `json:"ultimate_controller_id"`
	} `json:"control"`
	Rule string `json:"control_rule"`
}

func TestOwnershipOverAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			path := "/api/v1/orgs/" + itoa(e.f.Orgs["provider1"].ID) + "/ownership"

			var doc ownershipDoc
			if code := e.do("office", "GET", path, nil, &doc); code != 200 || len(doc.Stakes) != 5 || doc.Rule == "" {
				t.Fatalf("office: %d %+v", code, doc)
			}
			// Shares are exact, with two decimals; the founder is the
			// ultimate controller, through the holding.
			first := doc.Stakes[0]
			if first.OwnerName != "Huaxin Holdings Ltd." || string(first.Share) != "72.50" || first.Depth != 1 || first.HeldID != 0 {
				t.Errorf("first stake %+v (share %s)", first, first.Share)
			}
			founder := doc.Stakes[3]
			if founder.OwnerName != "Zhang Wei" || doc.Control.Ultimate != founder.ID || len(doc.Control.Path) != 2 {
				t.Errorf("control %+v, founder %+v", doc.Control, founder)
			}

			// Investigation is confidential: another provider and an
			// unassigned lab are refused, the public must sign in.
			e.fails("provider2", "GET", path, nil, 403, "forbidden")
			e.fails("lab1", "GET", path, nil, 403, "forbidden")
			e.fails("", "GET", path, nil, 401, "unauthorized")
			// The lab assigned to one of the provider's cases reads it.
			e.toEvaluation(t, 0, false)
			if code := e.do("lab1", "GET", path, nil, &doc); code != 200 || len(doc.Stakes) != 5 {
				t.Errorf("assigned lab: %d", code)
			}
			if code := e.do("provider1", "GET", path, nil, nil); code != 200 {
				t.Errorf("the provider itself: %d", code)
			}

			// Recording: bad input names the field; nothing is written.
			p2 := "/api/v1/orgs/" + itoa(e.f.Orgs["provider2"].ID) + "/ownership"
			for _, c := range []struct {
				body  string
				field string
			}{
				{`{"owner_name":"Fund","owner_kind":"company","jurisdiction":"Cayman","share":1}`, "jurisdiction"},
				{`{"owner_name":"Fund","owner_kind":"company","jurisdiction":"KY","share":12.345}`, "share"},
				{`{"owner_name":"Fund","owner_kind":"company","jurisdiction":"KY","share":"lots"}`, "share"},
				{`{"owner_name":"Fund","owner_kind":"company","jurisdiction":"KY","share":0.01}`, "share"}, // the chain is at 100 %
				{`{"owner_name":"","owner_kind":"company","jurisdiction":"KY","share":1}`, "owner_name"},
				{`{"owner_name":"Fund","owner_kind":"trust","jurisdiction":"KY","share":1}`, "owner_kind"},
				{`{"owner_name":"Fund","owner_kind":"company","jurisdiction":"KY","percent":1}`, "percent"},
				{`{"held_id":99999,"owner_name":"Fund","owner_kind":"company","jurisdiction":"KY","share":1}`, "held_id"},
			} {
				code, body := e.send("office", "POST", p2, json.RawMessage(c.body), "en")
				var d errDoc
				json.Unmarshal(body, &d)
				if code != 400 || d.Error.Field != c.field || !strings.Contains(d.Error.Message, c.field) {
					t.Errorf("%s: %d %+v, want 400 naming %s", c.body, code, d.Error, c.field)
				}
			}
			var after ownershipDoc
			e.do("office", "GET", p2, nil, &after)
			if len(after.Stakes) != 6 {
				t.Errorf("%d stakes after refusals, want the demo's 6", len(after.Stakes))
			}
			// The office records an owner of an owner; the provider declares
			// in its own chain only.
			var st struct {
				ID    int64           `json:"id"`
				Share json.RawMessage `json:"share"`
			}
			silver := after.Stakes[1].ID
			if code := e.do("office", "POST", p2, map[string]any{"held_id": silver, "owner_name": "Silver Harbour Trust", "owner_kind": "company",
				"jurisdiction": "SG", "share": "100"}, &st); code != 201 || string(st.Share) != "100.00" {
				t.Fatalf("office records: %d %+v", code, st)
			}
			e.fails("provider1", "POST", p2, map[string]any{"owner_name": "X", "owner_kind": "person", "jurisdiction": "CN", "share": 0}, 403, "forbidden")
			e.fails("lab1", "POST", path, map[string]any{"owner_name": "X", "owner_kind": "person", "jurisdiction": "CN", "share": 0}, 403, "forbidden")
			if code := e.do("provider2", "POST", p2, map[string]any{"held_id": st.ID, "owner_name": "Li Ming", "owner_kind": string(review.OwnerPerson),
				"jurisdiction": "SG", "share": 0, "control": true}, nil); code != 201 {
				t.Errorf("provider2 declares in its own chain: %d", code)
			}
			e.fails("office", "GET", "/api/v1/orgs/"+itoa(e.f.Orgs["lab1"].ID)+"/ownership", nil, 400, "field_invalid")
			e.fails("office", "GET", "/api/v1/orgs/99999/ownership", nil, 404, "not_found")
		})
	}
}
