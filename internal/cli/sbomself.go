package cli

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// selfSBOM is a CycloneDX 1.6 SBOM of a Go binary from its build
// information: the main module as the subject, and as components every
// module linked in (the replacement where one replaced it) and the Go
// standard library of the toolchain that built it, each with its purl. It
// is what `go version -m` shows, in a form `shencha sbom scan` reads, so
// the platform reviews its own dependencies with its own matcher.
func selfSBOM(bi *debug.BuildInfo, now time.Time) ([]byte, error) {
	type component struct {
		Type    string `json:"type"`
		Ref     string `json:"bom-ref,omitempty"`
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
		PURL    string `json:"purl,omitempty"`
	}
	type dependency struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	}
	goModule := func(path, version string) component {
		purl := "pkg:golang/" + path
		if version != "" && version != "(devel)" { // a module built from its own tree has no version
			purl += "@" + version
		}
		return component{Type: "library", Ref: purl, Name: path, Version: version, PURL: purl}
	}
	main := goModule(bi.Main.Path, bi.Main.Version)
	main.Type = "application"
	// The standard library is versioned as the toolchain: go1.26.8 is
	// v1.26.8, as Go's vulnerability database names it.
	comps := []component{goModule("stdlib", "v"+strings.TrimPrefix(bi.GoVersion, "go"))}
	for _, m := range bi.Deps {
		if m.Replace != nil {
			m = m.Replace
		}
		comps = append(comps, goModule(m.Path, m.Version))
	}
	deps := dependency{Ref: main.Ref, DependsOn: []string{}}
	for _, c := range comps {
		deps.DependsOn = append(deps.DependsOn, c.Ref)
	}
	uuid := make([]byte, 16)
	rand.Read(uuid)
	uuid[6], uuid[8] = uuid[6]&0x0f|0x40, uuid[8]&0x3f|0x80 // version 4, RFC 9562 variant
	type tools struct {
		Components []component `json:"components"`
	}
	type metadata struct {
		Timestamp string    `json:"timestamp"`
		Tools     tools     `json:"tools"`
		Component component `json:"component"`
	}
	doc := struct {
		BOMFormat    string       `json:"bomFormat"`
		SpecVersion  string       `json:"specVersion"`
		SerialNumber string       `json:"serialNumber"`
		Version      int          `json:"version"`
		Metadata     metadata     `json:"metadata"`
		Components   []component  `json:"components"`
		Dependencies []dependency `json:"dependencies"`
	}{
		BOMFormat:    "CycloneDX",
		SpecVersion:  "1.6",
		SerialNumber: fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", uuid[:4], uuid[4:6], uuid[6:8], uuid[8:10], uuid[10:]),
		Version:      1,
		Metadata: metadata{Timestamp: now.UTC().Format(time.RFC3339),
			Tools: tools{[]component{{Type: "application", Name: "shencha sbom self"}}}, Component: main},
		Components:   comps,
		Dependencies: []dependency{deps},
	}
	return json.MarshalIndent(doc, "", "  ")
}
