package oscal

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"shencha/internal/oscal/oscaltest"
)

// validate checks an OSCAL JSON document against NIST's schema.
func validate(t *testing.T, doc []byte) error {
	t.Helper()
	return oscaltest.Validate(doc)
}

// TestSchemaFileUnmodified guards the copy of NIST's schema: the tests are
// only as good as the schema is NIST's (oscaltest/README.md).
func TestSchemaFileUnmodified(t *testing.T) {
	if got := fmt.Sprintf("%x", sha256.Sum256(oscaltest.Schema)); got != oscaltest.SchemaSHA256 {
		t.Errorf("the OSCAL schema has SHA-256 %s, want %s", got, oscaltest.SchemaSHA256)
	}
}
