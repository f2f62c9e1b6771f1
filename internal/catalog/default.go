package catalog

import (
	"bytes"
	_ "embed"
	"sync"
)

// DefaultVersion is the version of the embedded catalogue.
const DefaultVersion = "2026.1"

//go:embed data/catalog-2026.1.json
var defaultJSON []byte

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := Parse(defaultJSON)
	if err != nil {
		panic("catalog: the embedded catalogue is broken: " + err.Error())
	}
	if c.Version != DefaultVersion {
		panic("catalog: the embedded catalogue says version " + c.Version + ", want " + DefaultVersion)
	}
	return c
})

// Default returns the embedded catalogue, parsed once. It is shared: do not
// modify it. It panics only if the embedded file is broken, which a test
// rules out.
func Default() *Catalog { return defaultCatalog() }

// DefaultJSON returns a copy of the embedded catalogue file, the bytes the
// store keeps as version DefaultVersion.
func DefaultJSON() []byte { return bytes.Clone(defaultJSON) }
