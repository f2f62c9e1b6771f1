package oscal

import (
	"regexp"
	"testing"
)

// oscalUUID is the UUID pattern of the OSCAL 1.1.3 schema.
var oscalUUID = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$`)

func TestUUIDv5(t *testing.T) {
	// RFC 9562 Appendix A.4: UUIDv5 of "www.example.com" in the DNS name space.
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got, want := formatUUID(uuidV5(dns, "www.example.com")), "2ed6657d-e927-568b-95e1-2665a8aea6a2"; got != want {
		t.Errorf("uuidV5 = %s, want %s", got, want)
	}
	a, b := id("case", "CSR-2026-0002", "finding", "R1-C-01"), id("case", "CSR-2026-0002", "finding", "R1-C-02")
	if a == b || a != id("case", "CSR-2026-0002", "finding", "R1-C-01") {
		t.Errorf("ids not deterministic or not distinct: %s %s", a, b)
	}
	// The parts are not simply concatenated.
	if id("ab", "c") == id("a", "bc") {
		t.Error("id(\"ab\",\"c\") == id(\"a\",\"bc\")")
	}
	for _, u := range []string{a, b, formatUUID(uuidNS)} {
		if !oscalUUID.MatchString(u) {
			t.Errorf("%s does not match OSCAL's UUID pattern", u)
		}
	}
}
