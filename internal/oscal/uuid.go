package oscal

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
)

// Namespace is the namespace of the properties and parts shencha defines
// (OSCAL requires an ns on names outside NIST's). Its UUIDv5 under the
// RFC 9562 URL namespace is the namespace of every UUID this package makes.
const Namespace = "https://shencha.example/ns/oscal"

// nsURL is the RFC 9562 name space ID for URLs.
var nsURL = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

var uuidNS = uuidV5(nsURL, Namespace)

// uuidV5 is the name-based UUID of RFC 9562 §5.5 (SHA-1). OSCAL's UUID
// pattern admits versions 4 and 5 only, and version 5 is the one meant for
// identifiers derived from names.
func uuidV5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return u
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// id returns the UUID of the element identified by parts, e.g.
// id("case", "CSR-2026-0002", "finding", "R1-C-01", "org-3", "1"). The name
// hashed is the JSON array of the parts, so no two lists of parts share it.
func id(parts ...string) string {
	name, _ := json.Marshal(parts) // a []string always marshals
	return formatUUID(uuidV5(uuidNS, string(name)))
}
