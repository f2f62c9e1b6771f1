package sbom

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Format names the serialisation a document arrived in.
type Format string

// The formats Parse recognises.
const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	SPDXJSON      Format = "spdx-json"
	SPDXTagValue  Format = "spdx-tag-value"
	OpenVEX       Format = "openvex"
)

// Kind says what a document is about. A document may be several kinds at
// once (an SBOM with embedded VEX is both KindSBOM and KindVEX).
type Kind string

// The kinds, in the order Document.Kinds lists them.
const (
	// KindSBOM: software components (anything that is neither hardware nor
	// a cryptographic asset), or a document that names only its subject.
	KindSBOM Kind = "sbom"
	// KindHBOM: at least one hardware component (see Component.Hardware).
	KindHBOM Kind = "hbom"
	// KindSaaSBOM: at least one service.
	KindSaaSBOM Kind = "saasbom"
	// KindCBOM: at least one cryptographic asset (Component.Crypto set).
	KindCBOM Kind = "cbom"
	// KindVEX: at least one VEX statement.
	KindVEX Kind = "vex"
)

// Limits bound what a parser reads and keeps. A zero field takes the value
// in DefaultLimits.
type Limits struct {
	// MaxBytes is the largest input accepted; more gives ErrTooLarge.
	MaxBytes int64
	// MaxDepth is the deepest nesting of JSON objects and arrays or of XML
	// elements accepted; deeper gives ErrTooDeep.
	MaxDepth int
	// MaxComponents bounds each list a document yields: components (SPDX
	// packages), services, dependency entries and VEX statements. More gives
	// ErrTooMany.
	MaxComponents int
}

// DefaultLimits leave room for large real documents — the examples in
// testdata are at most 2.2 MB, nest at most 8 levels and list at most 904
// components; 64 levels allow nested CycloneDX components about 30 deep —
// while bounding what one upload can cost.
var DefaultLimits = Limits{MaxBytes: 32 << 20, MaxDepth: 64, MaxComponents: 200_000}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxComponents <= 0 {
		l.MaxComponents = DefaultLimits.MaxComponents
	}
	return l
}

// Errors returned by Parse and ParseVEX, always wrapped in a message that
// says the limit or the place (test with errors.Is).
var (
	ErrTooLarge      = errors.New("sbom: document too large")
	ErrTooDeep       = errors.New("sbom: document nested too deep")
	ErrTooMany       = errors.New("sbom: too many entries")
	ErrUnknownFormat = errors.New("sbom: unknown format")
	// ErrInvalid marks a document in a known format that is malformed.
	ErrInvalid = errors.New("sbom: invalid document")
)

// limitError carries a sentinel and a message of its own, so the text reads
// "sbom: larger than 33554432 bytes" rather than two glued sentences.
type limitError struct {
	err error
	msg string
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.err }

func tooLarge(max int64) error {
	return &limitError{ErrTooLarge, fmt.Sprintf("sbom: larger than %d bytes", max)}
}

func tooDeep(max int) error {
	return &limitError{ErrTooDeep, fmt.Sprintf("sbom: nested deeper than %d levels", max)}
}

func tooMany(max int, what string) error {
	return &limitError{ErrTooMany, fmt.Sprintf("sbom: more than %d %s", max, what)}
}

func invalid(format Format, msg string) error {
	return &limitError{ErrInvalid, fmt.Sprintf("sbom: invalid %s: %s", format, msg)}
}

// Document is one bill of materials or VEX document, whatever its format.
type Document struct {
	Format      Format
	SpecVersion string // "1.4" for CycloneDX, "SPDX-2.3", the OpenVEX @context
	Kinds       []Kind
	// Name and Version are the described subject: CycloneDX
	// metadata.component; the SPDX package the document DESCRIBES (else the
	// document name).
	Name, Version string
	// Supplier of the subject: CycloneDX metadata.supplier (else the
	// manufacturer, else the subject's supplier); the SPDX subject package's
	// supplier.
	Supplier string
	// Authors of the document: CycloneDX metadata.authors as "Person: name
	// (email)" and metadata.tools as "Tool: name-version"; SPDX
	// creationInfo.creators as given; the OpenVEX author.
	Authors   []string
	Timestamp time.Time // zero when absent or unreadable
	Serial    string    // CycloneDX serialNumber, SPDX documentNamespace, OpenVEX @id
	// Components, flattened in document order, the subject first (CycloneDX
	// metadata.component and its sub-components; the SPDX described
	// package stays where the document lists it). Nested CycloneDX
	// components follow their parent.
	Components []Component
	// Dependencies: CycloneDX dependencies as given (entries for one ref
	// merged); SPDX relationships between packages normalised to "Ref
	// depends on X": DEPENDS_ON, CONTAINS, DYNAMIC_LINK, STATIC_LINK and
	// HAS_PREREQUISITE as written, DEPENDENCY_OF, CONTAINED_BY, the
	// *_DEPENDENCY_OF kinds, PREREQUISITE_FOR and OPTIONAL_COMPONENT_OF
	// reversed; other kinds, and relationships with the document, files,
	// snippets, NOASSERTION or NONE, are left out.
	Dependencies []Dependency
	Services     []Service   // SaaSBOM services, nested ones flattened after their parent
	VEX          []Statement // CycloneDX vulnerabilities that carry an analysis state; OpenVEX statements
	// Files and Snippets count the SPDX file and snippet elements, which are
	// not components.
	Files, Snippets int
}

// Component is one component: software, hardware, or a cryptographic asset.
type Component struct {
	Ref      string // CycloneDX bom-ref, SPDX SPDXID
	Type     string // CycloneDX type; SPDX primaryPackagePurpose, lower-cased
	Group    string
	Name     string
	Version  string
	PURL     string // as given, spaces trimmed
	CPE      string // CycloneDX cpe; SPDX cpe23Type (else cpe22Type) external ref
	SWID     string // CycloneDX swid tagId; SPDX swid external ref
	Supplier string // CycloneDX supplier, else manufacturer, else publisher; SPDX PackageSupplier without its "Organization: " prefix
	Scope    string // CycloneDX scope: "required", "optional", "excluded"
	Hashes   []Hash
	Licenses []string // SPDX ids, names or expressions
	Crypto   *Crypto  // CBOM cryptoProperties; nil for other components
	// Hardware marks physical things: CycloneDX type "device" or "firmware"
	// (firmware ships inside a device and is inventoried with it), SPDX
	// primaryPackagePurpose DEVICE or FIRMWARE.
	Hardware bool
	// Root marks the component the document describes.
	Root bool
}

// Hash is a digest of a component. Alg is upper case with CycloneDX's
// spelling ("SHA-256", also for SPDX's "SHA256"); Value is lower case.
type Hash struct {
	Alg, Value string
}

// Crypto summarises a CycloneDX 1.6 cryptoProperties object.
type Crypto struct {
	AssetType string // "algorithm", "certificate", "protocol", "related-crypto-material"
	// Algorithm: for an algorithm asset, algorithmFamily if given, else the
	// component's name ("AES-256-GCM").
	Algorithm    string
	Primitive    string // "ae", "hash", "signature", …
	Mode         string
	Padding      string
	Curve        string
	ParameterSet string   // parameterSetIdentifier ("256")
	Functions    []string // cryptoFunctions
	// ClassicalSecurityLevel in bits, 0 when absent.
	ClassicalSecurityLevel int
	// NISTQuantumSecurityLevel 0–6, nil when absent (0 is meaningful: not
	// quantum-safe).
	NISTQuantumSecurityLevel *int
	Protocol                 string   // protocolProperties.type ("tls")
	ProtocolVersion          string   // protocolProperties.version
	CipherSuites             []string // cipher suite names
	Subject, Issuer          string   // certificate subject and issuer names
	NotValidBefore           time.Time
	NotValidAfter            time.Time
	CertificateFormat        string // "X.509"
	MaterialType             string // related crypto material type ("public-key")
	Size                     int    // key or material size in bits, 0 when absent
	OID                      string
	// Refs are the bom-refs this asset points at: algorithms of a cipher
	// suite, a certificate's signature algorithm and key, a key's algorithm.
	Refs []string
}

// Dependency says that Ref depends on each of DependsOn.
type Dependency struct {
	Ref       string
	DependsOn []string
	// Provides lists what Ref implements (CycloneDX 1.6, e.g. a crypto
	// library providing an algorithm).
	Provides []string
}

// Service is a SaaSBOM service.
type Service struct {
	Ref       string
	Group     string
	Name      string
	Version   string
	Provider  string
	Endpoints []string
	// Authenticated and CrossesTrustBoundary are nil when not stated.
	Authenticated        *bool
	CrossesTrustBoundary *bool
	TrustZone            string
	Data                 []DataFlow
	// DependsOn comes from the document's dependencies for Ref.
	DependsOn []string
}

// DataFlow is one kind of data a service handles.
type DataFlow struct {
	Name           string
	Flow           string // "inbound", "outbound", "bi-directional", "unknown"
	Classification string
	// Source and Destination are URLs or BOM-Links (CycloneDX 1.5+).
	Source, Destination []string
}

// Statement is one VEX statement about one vulnerability.
type Statement struct {
	Vulnerability string   `json:"vulnerability"` // as given: CVE-…, GHSA-…, GO-…
	Aliases       []string `json:"aliases,omitempty"`
	// Products are the component refs (bom-ref, BOM-Link "urn:cdx:…#ref"),
	// purls or other identifiers the statement is about. For OpenVEX this is
	// every product @id and identifier, followed by the subcomponents: a
	// statement about a product's subcomponent is about that component.
	Products []string `json:"products,omitempty"`
	// Subcomponents repeats the OpenVEX subcomponents alone.
	Subcomponents []string `json:"subcomponents,omitempty"`
	// Status: "not_affected", "affected", "fixed", "under_investigation".
	// CycloneDX analysis.state is mapped: not_affected and false_positive →
	// not_affected, exploitable → affected, resolved and
	// resolved_with_pedigree → fixed, in_triage → under_investigation. A
	// statement with another state or status, or without a vulnerability
	// id, is refused (ErrInvalid): it would take findings out on a claim
	// nobody can check.
	Status string `json:"status"`
	// Justification as given ("code_not_reachable",
	// "vulnerable_code_not_present", …).
	Justification string `json:"justification,omitempty"`
	// Detail: CycloneDX analysis.detail; OpenVEX impact_statement, else
	// status_notes.
	Detail string `json:"detail,omitempty"`
	// Responses: CycloneDX analysis.response ("will_not_fix", "update");
	// the OpenVEX action_statement.
	Responses []string `json:"responses,omitempty"`
	// Versions: CycloneDX affects[].versions, the versions or ranges of a
	// product the statement is scoped to.
	Versions  []ProductVersion `json:"versions,omitempty"`
	Timestamp time.Time        `json:"timestamp,omitzero"`
}

// ProductVersion scopes a CycloneDX statement to a version or a vers range
// of one product.
type ProductVersion struct {
	Product string `json:"product"`
	Version string `json:"version,omitempty"`
	Range   string `json:"range,omitempty"`
	Status  string `json:"status,omitempty"` // "affected", "unaffected", "unknown"
}

// Parse reads one document, sniffing its format: a first non-space byte
// "{" is JSON (CycloneDX by "bomFormat", SPDX by "spdxVersion", OpenVEX by
// an "@context" naming openvex), "<" is CycloneDX XML, "SPDXVersion:" is
// SPDX tag-value.
func Parse(r io.Reader, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	data, err := read(r, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	return parse(data, lim)
}

// ParseVEX reads VEX statements from a CycloneDX (JSON or XML) or OpenVEX
// document. A CycloneDX document without vulnerability analyses gives no
// statements and no error; an SPDX document is refused.
func ParseVEX(r io.Reader, lim Limits) ([]Statement, error) {
	doc, err := Parse(r, lim)
	if err != nil {
		return nil, err
	}
	switch doc.Format {
	case CycloneDXJSON, CycloneDXXML, OpenVEX:
		return doc.VEX, nil
	}
	return nil, fmt.Errorf("%w: %s carries no VEX statements (want CycloneDX or OpenVEX)", ErrUnknownFormat, doc.Format)
}

func parse(data []byte, lim Limits) (*Document, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	body := bytes.TrimLeft(data, " \t\r\n")
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty document", ErrUnknownFormat)
	}
	var doc *Document
	var err error
	switch {
	case body[0] == '{':
		doc, err = parseJSON(body, lim)
	case body[0] == '<':
		doc, err = parseCycloneDXXML(body, lim)
	case isTagValue(body):
		doc, err = parseSPDXTagValue(data, lim) // data, so line numbers count from the first
	default:
		return nil, fmt.Errorf("%w: not CycloneDX, SPDX or OpenVEX (starts %s)", ErrUnknownFormat, quoteStart(body))
	}
	if err != nil {
		return nil, err
	}
	doc.Kinds = kinds(doc)
	return doc, nil
}

// parseJSON reads the top-level keys until one names the format, then
// hands the whole text to that format's reader.
func parseJSON(data []byte, lim Limits) (*Document, error) {
	r := newJSONReader(data, lim.MaxDepth)
	var format Format
	errFound := errors.New("found")
	err := r.object(func(key []byte) error {
		switch string(key) {
		case "bomFormat":
			s, err := r.str()
			if err != nil {
				return err
			}
			if s != "CycloneDX" {
				return fmt.Errorf("%w: bomFormat %q", ErrUnknownFormat, clip(s))
			}
			format = CycloneDXJSON
			return errFound
		case "spdxVersion":
			format = SPDXJSON
			return errFound
		case "@context":
			ctx, err := r.strs()
			if err != nil {
				return err
			}
			for _, c := range ctx {
				if strings.Contains(strings.ToLower(c), "openvex") {
					format = OpenVEX
					return errFound
				}
			}
			return nil
		}
		return r.skip()
	})
	if err != nil && err != errFound {
		return nil, err
	}
	switch format {
	case CycloneDXJSON:
		return parseCycloneDXJSON(data, lim)
	case SPDXJSON:
		return parseSPDXJSON(data, lim)
	case OpenVEX:
		return parseOpenVEX(data, lim)
	}
	return nil, fmt.Errorf("%w: JSON without \"bomFormat\": \"CycloneDX\", \"spdxVersion\" or an OpenVEX \"@context\"", ErrUnknownFormat)
}

// read reads all of r, failing once it passes max bytes. It reads in
// chunks and joins them once, so an unsized reader costs about twice what
// it delivers (not the four times of a doubling buffer), a failed read
// about the limit, and a reader that knows its size (a file, a
// bytes.Reader) its size, which is checked before reading.
func read(r io.Reader, max int64) ([]byte, error) {
	limit := max + 1 // one byte more tells "too large" from "exactly max"
	size := int64(64 << 10)
	if n := sizeHint(r); n > max {
		return nil, tooLarge(max)
	} else if n > 0 {
		size = n + 1 // one chunk, and the EOF after it
	}
	var chunks [][]byte
	var total int64
	for total < limit {
		chunk := make([]byte, min(size, limit-total))
		n, err := io.ReadFull(r, chunk)
		chunks = append(chunks, chunk[:n])
		total += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("sbom: read: %w", err)
		}
		size = min(2*size, 4<<20)
	}
	if total > max {
		return nil, tooLarge(max)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	data := make([]byte, 0, total)
	for _, c := range chunks {
		data = append(data, c...)
	}
	return data, nil
}

func sizeHint(r io.Reader) int64 {
	switch v := r.(type) {
	case *bytes.Reader:
		return int64(v.Len())
	case *strings.Reader:
		return int64(v.Len())
	case *bytes.Buffer:
		return int64(v.Len())
	case *os.File:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			if off, err := v.Seek(0, io.SeekCurrent); err == nil {
				return fi.Size() - off
			}
		}
	}
	return 0
}

func kinds(d *Document) []Kind {
	var soft, hard, crypto bool
	for _, c := range d.Components {
		switch {
		case c.Hardware:
			hard = true
		case c.Crypto != nil:
			crypto = true
		case !c.Root:
			soft = true
		}
	}
	var ks []Kind
	if soft {
		ks = append(ks, KindSBOM)
	}
	if hard {
		ks = append(ks, KindHBOM)
	}
	if len(d.Services) > 0 {
		ks = append(ks, KindSaaSBOM)
	}
	if crypto {
		ks = append(ks, KindCBOM)
	}
	if len(d.VEX) > 0 {
		ks = append(ks, KindVEX)
	}
	if len(ks) == 0 && d.Format != OpenVEX {
		// Only a subject, or nothing: still a (thin) SBOM.
		ks = append(ks, KindSBOM)
	}
	return ks
}

// quoteStart shows the first bytes of unrecognised input, safely.
func quoteStart(b []byte) string {
	if len(b) > 24 {
		b = b[:24]
	}
	return fmt.Sprintf("%q", b)
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	return strings.ToValidUTF8(s[:64], "") + "…" // drops a rune cut in half
}

// parseTime reads the timestamps SBOM tools write: RFC 3339, with or
// without fractional seconds or zone, or a bare date. Anything else is the
// zero time: a bad timestamp is a quality gap, not a reason to refuse.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// add appends the non-empty values; uniq removes the duplicates once the
// list is complete, so building a list stays linear whatever its length.
func add(list []string, vals ...string) []string {
	for _, v := range vals {
		if v != "" {
			list = append(list, v)
		}
	}
	return list
}

// uniq drops empty and repeated values, keeping the first of each, in
// place.
func uniq(list []string) []string {
	if len(list) == 0 {
		return list
	}
	out := list[:0]
	if len(list) <= 8 {
	small:
		for _, v := range list {
			if v == "" {
				continue
			}
			for _, x := range out {
				if x == v {
					continue small
				}
			}
			out = append(out, v)
		}
		return out
	}
	seen := map[string]struct{}{} // sized by the distinct values, not the list

	for _, v := range list {
		if _, dup := seen[v]; dup || v == "" {
			continue
		}
		seen[v] = struct{}{}
		out = append(out, v)
	}
	return out
}
