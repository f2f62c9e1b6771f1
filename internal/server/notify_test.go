package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"shencha/internal/review"
	"shencha/internal/storetest"
)

type notificationsDoc struct {
	Items []struct {
		ID     int64             `json:"id"`
		Code   string            `json:"code"`
		Params map[string]string `json:"params"`
		Text   string            `json:"text"`
		Link   string            `json:"link"`
		ReadAt string            `json:"read_at"`
	} `json:"items"`
	Unread int    `json:"unread"`
	Next   string `json:"next_cursor"`
}

func TestNotificationsAPI(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	var c caseDoc
	e.do("provider1", "POST", "/api/v1/cases", review.NewCase{Trigger: review.TriggerEnterpriseApplication,
		ProductID: e.f.Router.ID, VersionIDs: []int64{e.f.RouterV[0].ID}}, &c)
	e.act("provider1", c.Number, review.ActSubmit, review.Input{})
	e.act("office", c.Number, review.ActBeginScreening, review.Input{})

	var d notificationsDoc
	if code := e.do("provider1", "GET", "/api/v1/notifications", nil, &d); code != 200 || d.Unread != 1 || len(d.Items) != 1 {
		t.Fatalf("%d %+v", code, d)
	}
	n := d.Items[0]
	if n.Code != "case_state" || n.Text != "Case "+c.Number+" is now screening." || n.Link != "/cases/"+c.Number || n.ReadAt != "" {
		t.Errorf("notification %+v", n)
	}
	code, body := e.send("provider1", "GET", "/api/v1/notifications", nil, "zh-CN")
	var zh notificationsDoc
	json.Unmarshal(body, &zh)
	if code != 200 || len(zh.Items) != 1 || !strings.HasPrefix(zh.Items[0].Text, "案件 "+c.Number) {
		t.Errorf("in Chinese: %d %s", code, body)
	}
	// The office, which acted, is told nothing; anonymous callers sign in first.
	if e.do("office", "GET", "/api/v1/notifications", nil, &d); len(d.Items) != 0 {
		t.Errorf("office: %+v", d)
	}
	e.fails("", "GET", "/api/v1/notifications", nil, 401, "unauthorized")
	e.fails("provider1", "GET", "/api/v1/notifications?limit=lots", nil, 400, "field_invalid")

	path := "/api/v1/notifications/" + itoa(n.ID) + "/read"
	e.fails("office", "POST", path, nil, 404, "not_found")
	if code, body := e.raw("provider1", "POST", path, nil); code != 204 {
		t.Fatalf("mark read: %d %s", code, body)
	}
	if e.do("provider1", "GET", "/api/v1/notifications", nil, &d); d.Unread != 0 || d.Items[0].ReadAt == "" {
		t.Errorf("after reading: %+v", d)
	}

	t.Run("Contact", func(t *testing.T) {
		bad := e.fails("provider1", "PUT", "/api/v1/me/contact", map[string]string{"email": "security at huaxin"}, 400, "field_invalid")
		if bad.Error.Field != "email" || !strings.Contains(bad.Error.Message, "E-mail address (email)") {
			t.Errorf("refusal %+v: want the field named", bad.Error)
		}
		e.fails("provider1", "PUT", "/api/v1/me/contact", map[string]string{"email": "a@b.cn", "phone": "1"}, 400, "field_unknown")
		var got map[string]string
		if code := e.do("provider1", "PUT", "/api/v1/me/contact", map[string]string{"email": "security@huaxin.example.cn", "lang": "en"}, &got); code != 200 {
			t.Fatalf("%d %v", code, got)
		}
		if e.do("provider1", "GET", "/api/v1/me/contact", nil, &got); got["email"] != "security@huaxin.example.cn" || got["lang"] != "en" {
			t.Errorf("contact %v", got)
		}
	})
}

func TestWebhooksAPI(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	e.fails("provider1", "POST", "/api/v1/webhooks", map[string]string{"url": "https://huaxin.example.cn/hook"}, 403, "forbidden")
	e.fails("lab1", "GET", "/api/v1/webhooks", nil, 403, "forbidden")
	for _, url := range []string{"ftp://erp.example.cn/x", "http://127.0.0.1:9000/x", "http://169.254.169.254/latest/meta-data", "http://localhost/x", ""} {
		code := "field_invalid"
		if url == "" {
			code = "field_required"
		}
		if d := e.fails("ciio", "POST", "/api/v1/webhooks", map[string]string{"url": url}, 400, code); d.Error.Field != "url" {
			t.Errorf("%q: field %q", url, d.Error.Field)
		}
	}

	var hook struct {
		ID     int64  `json:"id"`
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}
	if code := e.do("ciio", "POST", "/api/v1/webhooks", map[string]string{"url": "https://erp.grid.example.cn/shencha"}, &hook); code != 201 || !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("subscribe: %d %+v", code, hook)
	}
	code, body := e.raw("ciio", "GET", "/api/v1/webhooks", nil)
	if code != 200 || !strings.Contains(string(body), "erp.grid.example.cn") || strings.Contains(string(body), "secret") {
		t.Errorf("list: %d %s (the secret is shown once only)", code, body)
	}
	deliveries := "/api/v1/webhooks/" + itoa(hook.ID) + "/deliveries"
	if code, body := e.raw("ciio", "GET", deliveries, nil); code != 200 || string(body) != "{\"items\":[]}\n" {
		t.Errorf("deliveries: %d %s", code, body)
	}
	// Another organisation does not know the subscription exists.
	e.fails("procurer", "GET", deliveries, nil, 404, "not_found")
	e.fails("procurer", "DELETE", "/api/v1/webhooks/"+itoa(hook.ID), nil, 404, "not_found")
	if code, body := e.raw("ciio", "DELETE", "/api/v1/webhooks/"+itoa(hook.ID), nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if code, body := e.raw("ciio", "GET", "/api/v1/webhooks", nil); code != 200 || string(body) != "{\"items\":[]}\n" {
		t.Errorf("after delete: %d %s", code, body)
	}
}
