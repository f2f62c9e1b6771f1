// Package oscaltest validates OSCAL documents against NIST's OSCAL 1.1.3
// complete JSON schema, embedded here unmodified (see README.md), for the
// tests of every package that exports OSCAL. It loads nothing from the
// network. Only tests import it.
package oscaltest

import (
	"bytes"
	_ "embed"
	"errors"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema is the schema file's content.
//
//go:embed oscal_complete_schema-1-1-3.json
var Schema []byte

// SchemaSHA256 is the SHA-256 of NIST's file, so a test can prove the copy
// is unmodified.
const SchemaSHA256 = "078848cb4000024a65679110f6ee2d99b300b06471a33fc536b19b670b65aa51"

const schemaURL = "http://csrc.nist.gov/ns/oscal/1.0/1.1.3/oscal-complete-schema.json"

// offline refuses to load anything: the schema is added as a resource and
// the draft-07 metaschema is built into the library.
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, errors.New("no network: refusing to load " + url)
}

// compiled is the schema, compiled once with format assertions on. Its
// patterns (\p{L}, \p{N}, \S, the date-time pattern) are RE2 syntax, so the
// library's default engine, Go's regexp, takes them as they are.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
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

// Validate checks an OSCAL JSON document against the schema; the error
// names the failing JSON paths.
func Validate(doc []byte) error {
	sch, err := compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
