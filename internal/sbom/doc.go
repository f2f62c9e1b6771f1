// Package sbom reads the bills of materials a provider submits — SBOMs,
// HBOMs, SaaSBOMs and CBOMs as CycloneDX (JSON or XML, spec 1.2–1.6) or
// SPDX (JSON or tag-value, 2.2 and 2.3) — and VEX statements (CycloneDX or
// OpenVEX) into one Document model, and scores a document against the NTIA
// minimum elements.
//
// It owns parsing only: it does no I/O beyond the reader it is given, knows
// nothing of advisories, cases or storage, and never touches the network.
//
// Every parser is bounded. Input is read through a LimitReader
// (Limits.MaxBytes); nesting deeper than Limits.MaxDepth is refused while
// reading — for JSON by the package's own pull parser, for XML by a token
// reader placed under encoding/xml — and lists stop at
// Limits.MaxComponents. What a parse keeps is at most a few times the
// input (about 1× for real SBOMs, under 8× for lists of tiny entries),
// except that a flood of near-empty components is bounded by
// MaxComponents instead (about 45 MB at the default).
//
// Errors wrap one of ErrTooLarge, ErrTooDeep, ErrTooMany, ErrUnknownFormat
// or ErrInvalid, and say the limit or the byte, line or element at fault.
package sbom
