package oscal

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFile is NIST's OSCAL 1.1.3 complete JSON schema, unmodified (see
// testdata/README.md). Its patterns (\p{L}, \p{N}, \S, the date-time
// pattern) are all RE2 syntax, so jsonschema's default engine, Go's
// regexp, compiles them as they are. Format assertions ("date-time",
// "uri", "uri-reference", "email") are switched on explicitly.
const (
	schemaFile = "testdata/oscal_complete_schema-1-1-3.json"
	schemaURL  = "http://csrc.nist.gov/ns/oscal/1.0/1.1.3/oscal-complete-schema.json"
)

// offline refuses to load anything: every schema the test needs is added
// as a resource (the draft-07 metaschema is built into the library).
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, errors.New("no network: refusing to load " + url)
}

var oscalSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(schemaFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
})

// validate checks an OSCAL JSON document against the schema.
func validate(t *testing.T, doc []byte) error {
	t.Helper()
	sch, err := oscalSchema()
	if err != nil {
		t.Fatalf("compile the OSCAL schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return sch.Validate(inst)
}

// TestSchemaFileUnmodified guards the copy of NIST's schema: the tests are
// only as good as the schema is NIST's (testdata/README.md).
func TestSchemaFileUnmodified(t *testing.T) {
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	const want = "078848cb4000024a65679110f6ee2d99b300b06471a33fc536b19b670b65aa51"
	if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != want {
		t.Errorf("%s has SHA-256 %s, want %s", schemaFile, got, want)
	}
}
