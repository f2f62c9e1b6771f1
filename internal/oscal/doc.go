// Package oscal exports shencha's records as NIST OSCAL 1.1.3 JSON
// (DESIGN §4, Interop): the criteria catalogue as an OSCAL catalog, and a
// case's evaluation as OSCAL assessment-results.
//
// It owns the mapping only: it reads values handed in (a catalog.Catalog,
// an Assessment gathered by the store) and returns bytes, with no I/O. The
// same input always gives the same bytes: every UUID is a name-based
// UUIDv5 derived from the element's identity (the catalogue version, the
// case number and the criterion, party or evidence digest), never random.
//
// Names OSCAL does not define carry the namespace Namespace, as OSCAL
// requires of custom properties and parts. The tests validate every export
// against the OSCAL 1.1.3 JSON schema in testdata/.
package oscal
