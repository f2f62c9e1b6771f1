package review

import (
	"strings"
	"testing"
)

func TestNewReportCheck(t *testing.T) {
	ok := NewReport{ProductID: 1, Description: "  The router calls an undeclared server abroad.  ", Contact: Contact{Email: " a@example.cn "}}
	if err := ok.Check(); err != nil {
		t.Fatalf("a good report: %v", err)
	}
	if ok.Description != "The router calls an undeclared server abroad." || ok.Contact.Email != "a@example.cn" {
		t.Errorf("not trimmed: %+v", ok)
	}
	desc := "A description long enough."
	for _, c := range []struct {
		name  string
		in    NewReport
		field string
		code  string
	}{
		{"no subject at all", NewReport{Description: desc}, "subject", "field_required"},
		{"blank subject", NewReport{Subject: "  ", Description: desc}, "subject", "field_required"},
		{"negative product", NewReport{ProductID: -1, Description: desc}, "product_id", "field_invalid"},
		{"no description", NewReport{Subject: "a router", Description: " "}, "description", "field_required"},
		{"short description", NewReport{Subject: "a router", Description: "bad"}, "description", "field_too_short"},
		{"long description", NewReport{Subject: "a router", Description: strings.Repeat("长", MaxReportDescription+1)}, "description", "field_too_long"},
		{"long subject", NewReport{Subject: strings.Repeat("x", MaxReportSubject+1), Description: desc}, "subject", "field_too_long"},
		{"bad e-mail", NewReport{Subject: "x", Description: desc, Contact: Contact{Email: "Someone <a@example.cn>"}}, "contact.email", "field_invalid"},
		{"bad phone", NewReport{Subject: "x", Description: desc, Contact: Contact{Phone: "call me"}}, "contact.phone", "field_invalid"},
		{"long name", NewReport{Subject: "x", Description: desc, Contact: Contact{Name: strings.Repeat("名", MaxContactName+1)}}, "contact.name", "field_too_long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.in.Check()
			e, isErr := err.(*Error)
			if !isErr || e.Field != c.field || e.Code != c.code || e.Kind != KindInvalid {
				t.Errorf("got %v, want %s on %s", err, c.code, c.field)
			}
		})
	}
	// A Chinese description counts characters, not bytes.
	zh := NewReport{Subject: "路由器", Description: "路由器向境外服务器发送数据。"}
	if err := zh.Check(); err != nil {
		t.Errorf("a short Chinese description of 14 characters: %v", err)
	}
	phone := NewReport{ProviderOrgID: 3, Description: desc, Contact: Contact{Phone: "+86 (10) 6512-3456"}}
	if err := phone.Check(); err != nil {
		t.Errorf("a phone number: %v", err)
	}
}

func TestTriageCheck(t *testing.T) {
	for _, c := range []struct {
		in    Triage
		field string
	}{
		{Triage{Reason: "x"}, "action"},
		{Triage{Action: "escalate", Reason: "x"}, "action"},
		{Triage{Action: TriageDismiss, Reason: " "}, "reason"},
		{Triage{Action: TriageLink, Reason: "taken into the review"}, "case"},
		{Triage{Action: TriageDismiss, Reason: strings.Repeat("x", MaxReason+1)}, "reason"},
	} {
		err := c.in.Check()
		if e, ok := err.(*Error); !ok || e.Field != c.field {
			t.Errorf("%+v: got %v, want an error on %s", c.in, err, c.field)
		}
	}
	re := Triage{Action: TriageReReview, Reason: "substantiated"}
	if err := re.Check(); err != nil {
		t.Errorf("a re-review needs no case named: %v", err)
	}
}

func TestReceiptAndCode(t *testing.T) {
	random := []byte{0, 1, 2, 3, 31, 32, 255, 100, 7, 8, 9, 10}
	r := FormatReceipt(2026, random[:ReceiptRandom])
	if r != "JB-2026-0123Z0Z4" {
		t.Errorf("receipt %q", r)
	}
	if got, err := ParseReceipt(" jb-2026-0123z0z4 "); err != nil || got != r {
		t.Errorf("parse: %q %v", got, err)
	}
	for _, bad := range []string{"JB-2026-0123Z0Z", "CSR-2026-0001", "JB-2026-0123Z0ZU", "JB-26-0123Z0Z4"} {
		if _, err := ParseReceipt(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := ParseReceipt(""); !IsKind(err, KindInvalid) || err.(*Error).Code != "field_required" {
		t.Errorf("empty receipt: %v", err)
	}
	code := FormatCheckCode(random)
	if code != "0123-Z0Z4-789A" {
		t.Errorf("code %q", code)
	}
	for _, typed := range []string{code, "0123z0z4789a", " 0123 Z0Z4 789A ", "O123-Z0Z4-789A", "0I23Z0Z4789A"} {
		if got, err := NormalizeCheckCode(typed); err != nil || got != "0123Z0Z4789A" {
			t.Errorf("%q: %q %v", typed, got, err)
		}
	}
	for _, bad := range []string{"0123-Z0Z4-789", "0123-Z0Z4-789U", "0123-Z0Z4-789A-1"} {
		if _, err := NormalizeCheckCode(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMayReadReports(t *testing.T) {
	for _, r := range Roles {
		sector, ok := MayReadReports(Actor{UserID: 1, Role: r, Sector: "finance"})
		if ok != (r == RoleOffice) {
			t.Errorf("role %s reads reports: %v", r, ok)
		}
		if ok && sector != "finance" {
			t.Errorf("a sector office reads sector %q", sector)
		}
	}
	if _, ok := MayReadReports(Actor{}); ok {
		t.Error("the public reads reports")
	}
}
