package sbom

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	cdxDir  = "testdata/cyclonedx-examples/"
	spdxDir = "testdata/spdx-examples/"
)

func parseFile(t testing.TB, path string) *Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Parse(f, DefaultLimits)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return d
}

func parseString(t testing.TB, doc string) *Document {
	t.Helper()
	d, err := Parse(strings.NewReader(doc), DefaultLimits)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return d
}

// component finds a component by ref, else by name.
func component(t testing.TB, d *Document, key string) Component {
	t.Helper()
	for _, c := range d.Components {
		if c.Ref == key {
			return c
		}
	}
	for _, c := range d.Components {
		if c.Name == key {
			return c
		}
	}
	t.Fatalf("no component %q", key)
	return Component{}
}

// edges lists "from -> to" with both ends spelled as purls, sorted.
func edges(d *Document) []string {
	purl := map[string]string{}
	for _, c := range d.Components {
		purl[c.Ref] = c.PURL
	}
	var out []string
	for _, dep := range d.Dependencies {
		for _, to := range dep.DependsOn {
			out = append(out, purl[dep.Ref]+" -> "+purl[to])
		}
	}
	slices.Sort(out)
	return out
}

func purls(d *Document) []string {
	var out []string
	for _, c := range d.Components {
		out = append(out, c.PURL)
	}
	slices.Sort(out)
	return out
}

// The proton-bridge v1.6.3 SBOM in its four forms is one SBOM.
func TestProtonBridgeFourForms(t *testing.T) {
	ref := parseFile(t, cdxDir+"SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json")
	refPURLs, refEdges := purls(ref), edges(ref)
	if len(refPURLs) != 202 || len(refEdges) != 232 {
		t.Fatalf("reference: %d purls, %d edges; want 202 and 232", len(refPURLs), len(refEdges))
	}
	if refPURLs[0] == "" || len(slices.Compact(slices.Clone(refPURLs))) != 202 {
		t.Fatalf("reference purls empty or repeated")
	}
	for _, tc := range []struct {
		file   string
		format Format
		spec   string
		serial string
	}{
		{cdxDir + "SBOM_proton-bridge_proton-bridge-v1.6.3.bom.json", CycloneDXJSON, "1.2", "urn:uuid:2392d49c-ea93-44e0-aa36-5923fcfb5efb"},
		{cdxDir + "SBOM_proton-bridge_proton-bridge-v1.6.3.bom.xml", CycloneDXXML, "1.2", "urn:uuid:836dad65-9f24-40ee-8074-71433055a058"},
		{spdxDir + "proton-bridge-v1.6.3.spdx.json", SPDXJSON, "SPDX-2.3", "https://spdx.org/spdxdocs/proton-bridge-1.6.3-001a52237a6949a1"},
		{spdxDir + "proton-bridge-v1.6.3.spdx", SPDXTagValue, "SPDX-2.3", "https://spdx.org/spdxdocs/proton-bridge-1.6.3-001a52237a6949a1"},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			d := parseFile(t, tc.file)
			if d.Format != tc.format || d.SpecVersion != tc.spec || d.Serial != tc.serial {
				t.Errorf("format %s %s serial %s; want %s %s %s", d.Format, d.SpecVersion, d.Serial, tc.format, tc.spec, tc.serial)
			}
			if !reflect.DeepEqual(d.Kinds, []Kind{KindSBOM}) {
				t.Errorf("kinds %v", d.Kinds)
			}
			if d.Name != "github.com/ProtonMail/proton-bridge" || d.Version != "v1.6.3" {
				t.Errorf("subject %q %q", d.Name, d.Version)
			}
			if d.Timestamp.IsZero() || d.Timestamp.Year() != 2021 {
				t.Errorf("timestamp %v", d.Timestamp)
			}
			if len(d.Components) != 202 {
				t.Errorf("%d components, want 202", len(d.Components))
			}
			if got := purls(d); !reflect.DeepEqual(got, refPURLs) {
				t.Errorf("purls differ from the CycloneDX JSON: %d vs %d", len(got), len(refPURLs))
			}
			if got := edges(d); !reflect.DeepEqual(got, refEdges) {
				t.Errorf("dependency edges differ from the CycloneDX JSON: %d vs %d", len(got), len(refEdges))
			}
			var roots []string
			for _, c := range d.Components {
				if c.Root {
					roots = append(roots, c.PURL)
				}
			}
			if !reflect.DeepEqual(roots, []string{"pkg:golang/github.com/ProtonMail/proton-bridge@v1.6.3"}) {
				t.Errorf("roots %v", roots)
			}
			c := component(t, d, "github.com/emersion/go-smtp")
			if c.Version != "v0.14.0" || c.PURL != "pkg:golang/github.com/emersion/go-smtp@v0.14.0" {
				t.Errorf("go-smtp: %+v", c)
			}
		})
	}
	// The CycloneDX XML carries what the JSON does, hashes and licences
	// included.
	x := parseFile(t, cdxDir+"SBOM_proton-bridge_proton-bridge-v1.6.3.bom.xml")
	for i := range ref.Components {
		j, xc := ref.Components[i], x.Components[i]
		if !reflect.DeepEqual(j, xc) {
			t.Fatalf("component %d: JSON %+v, XML %+v", i, j, xc)
		}
	}
	if !reflect.DeepEqual(ref.Dependencies, x.Dependencies) || !reflect.DeepEqual(ref.Authors, x.Authors) {
		t.Errorf("dependencies or authors differ between JSON and XML")
	}
}

func TestCycloneDXExamples(t *testing.T) {
	for _, tc := range []struct {
		file       string
		spec       string
		components int
		deps       int // dependency entries
		subject    string
		check      string // a component's ref
		want       Component
	}{
		{
			file: "SBOM_juice-shop_v11.1.2-bom.json", spec: "1.2", components: 841, deps: 0, subject: "juice-shop 11.1.2",
			check: "pkg:npm/express@4.17.1",
			want: Component{Ref: "pkg:npm/express@4.17.1", Type: "framework", Name: "express", Version: "4.17.1", PURL: "pkg:npm/express@4.17.1",
				Hashes: []Hash{{"SHA-1", "4491fc38605cf51f8629d39c2b5d026f98a4c134"}}, Licenses: []string{"MIT"}},
		},
		{
			file: "SBOM_keycloak-10.0.2-bom.json", spec: "1.2", components: 904, deps: 899, subject: "keycloak-parent 10.0.2",
			check: "pkg:maven/org.bouncycastle/bcprov-jdk15on@1.62?type=jar",
			want: Component{Ref: "pkg:maven/org.bouncycastle/bcprov-jdk15on@1.62?type=jar", Type: "library", Group: "org.bouncycastle", Name: "bcprov-jdk15on",
				Version: "1.62", PURL: "pkg:maven/org.bouncycastle/bcprov-jdk15on@1.62?type=jar", Licenses: []string{"Bouncy Castle Licence"}},
		},
		{
			file: "SBOM_dropwizard-1.3.15-bom.json", spec: "1.2", components: 168, deps: 167, subject: "dropwizard-parent 1.3.15",
			check: "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar",
			want: Component{Ref: "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar", Type: "library", Group: "com.fasterxml.jackson.core",
				Name: "jackson-annotations", Version: "2.9.10", PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar",
				Supplier: "FasterXML", Licenses: []string{"Apache-2.0"}},
		},
		{
			file: "SBOM_laravel-7.12.0-bom.1.4.json", spec: "1.4", components: 63, deps: 63, subject: "cyclonedx-php-composer-demo dev-master",
			check: "asm89/stack-cors-1.3.0.0",
			want: Component{Ref: "asm89/stack-cors-1.3.0.0", Type: "library", Group: "asm89", Name: "stack-cors", Version: "1.3.0",
				PURL: "pkg:composer/asm89/stack-cors@1.3.0", Licenses: []string{"MIT"}},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := parseFile(t, cdxDir+tc.file)
			if d.Format != CycloneDXJSON || d.SpecVersion != tc.spec {
				t.Errorf("format %s %s", d.Format, d.SpecVersion)
			}
			if len(d.Components) != tc.components || len(d.Dependencies) != tc.deps {
				t.Errorf("%d components, %d dependency entries; want %d, %d", len(d.Components), len(d.Dependencies), tc.components, tc.deps)
			}
			if got := d.Name + " " + d.Version; got != tc.subject || !d.Components[0].Root {
				t.Errorf("subject %q (first is root: %v), want %q", got, d.Components[0].Root, tc.subject)
			}
			got := component(t, d, tc.check)
			if tc.want.Hashes == nil {
				got.Hashes = nil // checked elsewhere; Maven lists eight
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("component\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	// Keycloak's Maven hashes, normalised.
	d := parseFile(t, cdxDir+"SBOM_keycloak-10.0.2-bom.json")
	c := component(t, d, "pkg:maven/org.bouncycastle/bcprov-jdk15on@1.62?type=jar")
	var algs []string
	for _, h := range c.Hashes {
		algs = append(algs, h.Alg)
	}
	if want := []string{"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512"}; !reflect.DeepEqual(algs, want) {
		t.Errorf("hash algorithms %v", algs)
	}
	// Laravel's first dependency entry.
	l := parseFile(t, cdxDir+"SBOM_laravel-7.12.0-bom.1.4.json")
	if got := l.Dependencies[0]; got.Ref != "asm89/stack-cors-1.3.0.0" || !reflect.DeepEqual(got.DependsOn, []string{"symfony/http-foundation-5.4.16.0", "symfony/http-kernel-5.4.16.0"}) {
		t.Errorf("laravel dependency %+v", got)
	}
	if !l.Timestamp.IsZero() {
		t.Errorf("laravel has no timestamp, got %v", l.Timestamp)
	}
}

func TestSPDXSpecExamples(t *testing.T) {
	glibc := Component{
		Ref: "SPDXRef-Package", Name: "glibc", Version: "2.11.1", Supplier: "Jane Doe (jane.doe@example.com)",
		CPE: "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*",
		Hashes: []Hash{
			{"MD5", "624c1abb3664f4b35547e7c73864ad24"},
			{"SHA-1", "85ed0817af83a24ad8da68c2b5094de69833983c"},
			{"SHA-256", "11b6d3ee554eedf79299905a98f9b9a04e498210b59f15094c916c91d150efcd"},
		},
		Licenses: []string{"(LGPL-2.0-only AND LicenseRef-3)", "(LGPL-2.0-only OR LicenseRef-3)"},
		Root:     true,
	}
	for _, tc := range []struct {
		file     string
		format   Format
		spec     string
		packages []string
		snippets int
	}{
		{"SPDXJSONExample-v2.2.spdx.json", SPDXJSON, "SPDX-2.2", []string{"glibc", "Apache Commons Lang", "Jena", "Saxon"}, 1},
		{"SPDXJSONExample-v2.3.spdx.json", SPDXJSON, "SPDX-2.3", []string{"glibc", "Apache Commons Lang", "Jena", "Saxon", "centos"}, 1},
		{"SPDXTagExample-v2.2.spdx", SPDXTagValue, "SPDX-2.2", []string{"glibc", "Apache Commons Lang", "Jena", "Saxon"}, 1},
		// The 2.3 tag-value sample has no snippet.
		{"SPDXTagExample-v2.3.spdx", SPDXTagValue, "SPDX-2.3", []string{"glibc", "Apache Commons Lang", "Jena", "Saxon", "centos"}, 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := parseFile(t, spdxDir+tc.file)
			if d.Format != tc.format || d.SpecVersion != tc.spec {
				t.Errorf("format %s %s", d.Format, d.SpecVersion)
			}
			var names []string
			for _, c := range d.Components {
				names = append(names, c.Name)
			}
			slices.Sort(names)
			want := slices.Sorted(slices.Values(tc.packages))
			if !reflect.DeepEqual(names, want) {
				t.Errorf("packages %v, want %v", names, want)
			}
			if d.Files != 4 || d.Snippets != tc.snippets {
				t.Errorf("%d files, %d snippets; want 4, %d", d.Files, d.Snippets, tc.snippets)
			}
			if got := component(t, d, "SPDXRef-Package"); !reflect.DeepEqual(got, glibc) {
				t.Errorf("glibc\n got %+v\nwant %+v", got, glibc)
			}
			if got := component(t, d, "SPDXRef-fromDoap-0"); got.PURL != "pkg:maven/org.apache.jena/apache-jena@3.12.0" || got.Version != "3.12.0" {
				t.Errorf("Jena %+v", got)
			}
			// Package CONTAINS JenaLib and JenaLib CONTAINS Package name a
			// file; GENERATED_FROM and COPY_OF are no dependencies.
			if want := []Dependency{{Ref: "SPDXRef-Package", DependsOn: []string{"SPDXRef-Saxon"}}}; !reflect.DeepEqual(d.Dependencies, want) {
				t.Errorf("dependencies %+v", d.Dependencies)
			}
			if d.Name != "glibc" || d.Version != "2.11.1" || d.Supplier != "Jane Doe (jane.doe@example.com)" {
				t.Errorf("subject %q %q %q", d.Name, d.Version, d.Supplier)
			}
			if want := []string{"Tool: LicenseFind-1.0", "Organization: ExampleCodeInspect ()", "Person: Jane Doe ()"}; !reflect.DeepEqual(d.Authors, want) {
				t.Errorf("authors %q", d.Authors)
			}
			if !d.Timestamp.Equal(time.Date(2010, 1, 29, 18, 30, 22, 0, time.UTC)) {
				t.Errorf("timestamp %v", d.Timestamp)
			}
			if tc.spec == "SPDX-2.3" {
				if c := component(t, d, "SPDXRef-CentOS-7"); c.Type != "container" || c.Version != "centos7.9.2009" {
					t.Errorf("centos %+v", c)
				}
			}
		})
	}
}

func TestSPDXRelationships(t *testing.T) {
	doc := `SPDXVersion: SPDX-2.3
DocumentName: rels
Creator: Tool: test
Created: 2024-01-01T00:00:00Z

PackageName: app
SPDXID: SPDXRef-app
PackageVersion: 1
ExternalRef: PACKAGE_MANAGER purl pkg:golang/example.com/app@v1
ExternalRef: SECURITY cpe22Type cpe:/a:example:app:1

PackageName: lib
SPDXID: SPDXRef-lib
PackageVersion: NOASSERTION
PackageSupplier: Organization: Example Inc.
PackageChecksum: SHA256: ABCDEF
PrimaryPackagePurpose: FIRMWARE
PackageComment: <text>spans
two lines</text>

PackageName: test
SPDXID: SPDXRef-test

FileName: ./main.go
SPDXID: SPDXRef-main

Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app
Relationship: SPDXRef-lib DEPENDENCY_OF SPDXRef-app
Relationship: SPDXRef-app STATIC_LINK SPDXRef-lib
Relationship: SPDXRef-test TEST_DEPENDENCY_OF SPDXRef-app
Relationship: SPDXRef-app CONTAINS SPDXRef-main
Relationship: SPDXRef-lib CONTAINED_BY SPDXRef-test
Relationship: SPDXRef-app DEPENDS_ON NOASSERTION
Relationship: SPDXRef-app DEPENDS_ON DocumentRef-other:SPDXRef-x
`
	d := parseString(t, doc)
	want := []Dependency{
		{Ref: "SPDXRef-app", DependsOn: []string{"SPDXRef-lib", "SPDXRef-test", "DocumentRef-other:SPDXRef-x"}},
		{Ref: "SPDXRef-test", DependsOn: []string{"SPDXRef-lib"}},
	}
	if !reflect.DeepEqual(d.Dependencies, want) {
		t.Errorf("dependencies\n got %+v\nwant %+v", d.Dependencies, want)
	}
	app, lib := component(t, d, "SPDXRef-app"), component(t, d, "SPDXRef-lib")
	if app.PURL != "pkg:golang/example.com/app@v1" || app.CPE != "cpe:/a:example:app:1" || !app.Root {
		t.Errorf("app %+v", app)
	}
	if lib.Version != "" || lib.Supplier != "Example Inc." || !lib.Hardware || lib.Type != "firmware" ||
		!reflect.DeepEqual(lib.Hashes, []Hash{{"SHA-256", "abcdef"}}) {
		t.Errorf("lib %+v", lib)
	}
	if d.Files != 1 || !reflect.DeepEqual(d.Kinds, []Kind{KindSBOM, KindHBOM}) {
		t.Errorf("files %d kinds %v", d.Files, d.Kinds)
	}
}

func TestHBOM(t *testing.T) {
	d := parseFile(t, cdxDir+"HBOM_PCIe-SATA-adapter-board-bom.json")
	if !reflect.DeepEqual(d.Kinds, []Kind{KindHBOM}) || len(d.Components) != 7 {
		t.Fatalf("kinds %v, %d components", d.Kinds, len(d.Components))
	}
	for _, c := range d.Components {
		if !c.Hardware || c.Type != "device" {
			t.Errorf("%s not hardware: %+v", c.Name, c)
		}
	}
	if d.Name != "pcie-sata-adaptor-board" || d.Version != "rev-1" || d.Components[0].Group != "uk.ac.cam.cl" {
		t.Errorf("subject %q %q", d.Name, d.Version)
	}
	want := Component{Ref: "PCIE-098-02-F-D-EMS2", Type: "device", Name: "PCIE-098-02-F-D-EMS2", Version: "2.9.10", Supplier: "Samtec", Hardware: true}
	if got := component(t, d, "PCIE-098-02-F-D-EMS2"); !reflect.DeepEqual(got, want) {
		t.Errorf("connector\n got %+v\nwant %+v", got, want)
	}
	if got := component(t, d, "molex-47155-4001"); got.Name != "47155-4001" || got.Supplier != "Molex" || got.Version != "" {
		t.Errorf("molex %+v", got)
	}
}

func TestSaaSBOM(t *testing.T) {
	d := parseFile(t, cdxDir+"SaaSBOM_apigateway-microservices-datastores-bom.json")
	if !reflect.DeepEqual(d.Kinds, []Kind{KindSaaSBOM}) || len(d.Services) != 6 {
		t.Fatalf("kinds %v, %d services", d.Kinds, len(d.Services))
	}
	var refs []string
	for _, s := range d.Services {
		refs = append(refs, s.Ref)
	}
	if want := []string{"api-gateway", "ms-1.example.com", "ms-2.example.com", "ms-3.example.com", "ms-1-pgsql.example.com", "s3-example.amazon.com"}; !reflect.DeepEqual(refs, want) {
		t.Errorf("services %v", refs)
	}
	no, yes := false, true
	gw := d.Services[0]
	wantGW := Service{
		Ref: "api-gateway", Group: "com.example", Name: "API Gateway", Version: "2022-1", Provider: "Acme Inc",
		Endpoints:     []string{"https://example.com/", "https://example.com/app"},
		Authenticated: &no, CrossesTrustBoundary: &yes,
		Data: []DataFlow{
			{Flow: "bi-directional", Classification: "PII"},
			{Flow: "bi-directional", Classification: "PIFI"},
			{Flow: "bi-directional", Classification: "Public"},
		},
		DependsOn: []string{"ms-1.example.com", "ms-2.example.com", "ms-3.example.com"},
	}
	if !reflect.DeepEqual(gw, wantGW) {
		t.Errorf("gateway\n got %+v\nwant %+v", gw, wantGW)
	}
	pg, s3 := d.Services[4], d.Services[5]
	if pg.Name != "Postgres" || pg.Version != "14.1" || pg.Provider != "" || *pg.CrossesTrustBoundary || !*pg.Authenticated ||
		!reflect.DeepEqual(pg.Endpoints, []string{"https://ms-1-pgsql.example.com:5432"}) {
		t.Errorf("postgres %+v", pg)
	}
	if !*s3.CrossesTrustBoundary || s3.Data[0].Classification != "Public" {
		t.Errorf("s3 %+v", s3)
	}
	if got := d.Services[1].DependsOn; !reflect.DeepEqual(got, []string{"ms-1-pgsql.example.com"}) {
		t.Errorf("ms-1 depends on %v", got)
	}
	if len(d.Components) != 1 || d.Components[0].Ref != "acme-application" || !d.Components[0].Root {
		t.Errorf("components %+v", d.Components)
	}
}

func TestCBOM(t *testing.T) {
	d := parseFile(t, cdxDir+"CBOM_Protocol-bom.json")
	if !reflect.DeepEqual(d.Kinds, []Kind{KindCBOM}) || d.SpecVersion != "1.6" || len(d.Components) != 9 {
		t.Fatalf("kinds %v spec %s, %d components", d.Kinds, d.SpecVersion, len(d.Components))
	}
	assets := map[string]int{}
	for _, c := range d.Components[1:] {
		if c.Crypto == nil || c.Type != "cryptographic-asset" {
			t.Fatalf("%s: no crypto properties", c.Ref)
		}
		assets[c.Crypto.AssetType]++
	}
	if want := map[string]int{"algorithm": 5, "certificate": 1, "protocol": 1, "related-crypto-material": 1}; !reflect.DeepEqual(assets, want) {
		t.Errorf("asset types %v", assets)
	}
	one, zero := 1, 0
	aes := component(t, d, "crypto/algorithm/aes-256-gcm@2.16.840.1.101.3.4.1.46").Crypto
	wantAES := &Crypto{AssetType: "algorithm", Algorithm: "AES-256-GCM", Primitive: "ae", Mode: "gcm", ParameterSet: "256",
		Functions: []string{"encrypt", "decrypt"}, ClassicalSecurityLevel: 256, NISTQuantumSecurityLevel: &one, OID: "2.16.840.1.101.3.4.1.46"}
	if !reflect.DeepEqual(aes, wantAES) {
		t.Errorf("AES\n got %+v\nwant %+v", aes, wantAES)
	}
	if sig := component(t, d, "crypto/algorithm/sha-512-rsa@1.2.840.113549.1.1.13").Crypto; sig.NISTQuantumSecurityLevel == nil || *sig.NISTQuantumSecurityLevel != zero {
		t.Errorf("SHA512withRSA quantum level %v, want 0 (stated)", sig.NISTQuantumSecurityLevel)
	}
	tls := component(t, d, "crypto/protocol/tls@1.2").Crypto
	if tls.Protocol != "tls" || tls.ProtocolVersion != "1.2" || !reflect.DeepEqual(tls.CipherSuites, []string{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}) ||
		len(tls.Refs) != 5 || tls.OID != "1.3.18.0.2.32.104" {
		t.Errorf("TLS %+v", tls)
	}
	cert := component(t, d, "google.com").Crypto
	if cert.Subject != "CN = www.google.com" || cert.CertificateFormat != "X.509" ||
		!cert.NotValidAfter.Equal(time.Date(2017, 11, 22, 7, 59, 59, 0, time.UTC)) ||
		!reflect.DeepEqual(cert.Refs, []string{"crypto/algorithm/sha-512-rsa@1.2.840.113549.1.1.13", "crypto/key/rsa-2048@1.2.840.113549.1.1.1"}) {
		t.Errorf("certificate %+v", cert)
	}
	key := component(t, d, "crypto/key/rsa-2048@1.2.840.113549.1.1.1").Crypto
	if key.MaterialType != "public-key" || key.Size != 2048 ||
		!reflect.DeepEqual(key.Refs, []string{"crypto/algorithm/rsa-2048@1.2.840.113549.1.1.1", "crypto/algorithm/aes-256-gcm@2.16.840.1.101.3.4.1.46"}) {
		t.Errorf("key %+v", key)
	}
}

func TestVEXExamples(t *testing.T) {
	jan := time.Date(2022, 3, 3, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		file string
		want []Statement
	}{
		{"VEX_CISA-Use-Cases_Case-1_vex-affected.json", []Statement{{
			Vulnerability: "CVE-2021-44228", Products: []string{"product-DEF"}, Status: "affected",
			Detail:    "This version of Product DEF is affected by the vulnerability. Customers are advised to upgrade to the latest release.",
			Responses: []string{"will_not_fix", "update"}, Timestamp: jan,
		}}},
		{"VEX_CISA-Use-Cases_Case-1_vex-not_affected.json", []Statement{{
			Vulnerability: "CVE-2021-44228", Products: []string{"product-ABC"}, Status: "not_affected", Justification: "code_not_present",
			Detail:    "This version of Product ABC is not affected by the vulnerability. Class with vulnerable code was removed before shipping.",
			Responses: []string{"will_not_fix"}, Timestamp: jan,
		}}},
		{"VEX_CISA-Use-Cases_Case-7-bom-1.json", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := parseFile(t, cdxDir+tc.file)
			if !reflect.DeepEqual(d.VEX, tc.want) {
				t.Errorf("statements\n got %+v\nwant %+v", d.VEX, tc.want)
			}
			f, _ := os.Open(cdxDir + tc.file)
			defer f.Close()
			st, err := ParseVEX(f, DefaultLimits)
			if err != nil || !reflect.DeepEqual(st, tc.want) {
				t.Errorf("ParseVEX: %v %+v", err, st)
			}
		})
	}

	d := parseFile(t, cdxDir+"VEX_CISA-Use-Cases_Case-7_vex.json")
	if !reflect.DeepEqual(d.Kinds, []Kind{KindVEX}) || len(d.Components) != 0 || len(d.VEX) != 4 {
		t.Fatalf("kinds %v, %d components, %d statements", d.Kinds, len(d.Components), len(d.VEX))
	}
	var statuses []string
	for _, s := range d.VEX {
		statuses = append(statuses, s.Status)
		if s.Vulnerability != "CVE-2021-44228" {
			t.Errorf("vulnerability %q", s.Vulnerability)
		}
	}
	if want := []string{"affected", "not_affected", "not_affected", "fixed"}; !reflect.DeepEqual(statuses, want) {
		t.Errorf("statuses %v", statuses)
	}
	abc := "urn:cdx:cbb2cd68-2857-43b8-a10b-e8c03d277d18/1#product-ABC"
	jkl := "urn:cdx:e4c3eedc-4978-470c-ad02-6ffff63738ff/1#product-JKL"
	first := d.VEX[0]
	if !reflect.DeepEqual(first.Products, []string{abc, jkl}) {
		t.Errorf("products %v", first.Products)
	}
	wantVersions := []ProductVersion{
		{Product: abc, Version: "2.4", Status: "affected"},
		{Product: abc, Version: "2.6", Status: "affected"},
		{Product: abc, Range: "vers:generic/>=2.9|<=4.1", Status: "affected"},
		{Product: jkl, Range: "vers:generic/>=4.5|<=5.0", Status: "affected"},
	}
	if !reflect.DeepEqual(first.Versions, wantVersions) {
		t.Errorf("versions\n got %+v\nwant %+v", first.Versions, wantVersions)
	}
	if last := d.VEX[3]; !reflect.DeepEqual(last.Versions, []ProductVersion{{Product: jkl, Version: "5.1"}}) || last.Detail != "This version of Product JKL has been fixed." {
		t.Errorf("last %+v", last)
	}
}

func TestParseVEXOpenVEX(t *testing.T) {
	const v020 = `{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/shencha-1",
  "author": "Example Security Team",
  "timestamp": "2024-05-01T10:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": {"name": "CVE-2023-39325", "aliases": ["GHSA-4374-p667-p6c8", "GO-2023-2102"]},
      "products": [
        {
          "@id": "pkg:oci/gateway@sha256%3Aabc",
          "subcomponents": [{"@id": "pkg:golang/golang.org/x/net@v0.15.0"}]
        }
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "The HTTP/2 server is not enabled."
    },
    {
      "vulnerability": {"@id": "https://pkg.go.dev/vuln/GO-2024-2687", "name": "GO-2024-2687"},
      "timestamp": "2024-05-02T00:00:00Z",
      "products": [{"@id": "gateway", "identifiers": {"purl": "pkg:golang/example.com/gateway@v1.2.0"}}],
      "status": "affected",
      "action_statement": "Upgrade to v1.2.1."
    }
  ]
}`
	st, err := ParseVEX(strings.NewReader(v020), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{
			Vulnerability: "CVE-2023-39325", Aliases: []string{"GHSA-4374-p667-p6c8", "GO-2023-2102"},
			Products:      []string{"pkg:oci/gateway@sha256%3Aabc", "pkg:golang/golang.org/x/net@v0.15.0"},
			Subcomponents: []string{"pkg:golang/golang.org/x/net@v0.15.0"},
			Status:        "not_affected", Justification: "vulnerable_code_not_in_execute_path", Detail: "The HTTP/2 server is not enabled.",
			Timestamp: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		},
		{
			Vulnerability: "GO-2024-2687", Products: []string{"gateway", "pkg:golang/example.com/gateway@v1.2.0"},
			Status: "affected", Responses: []string{"Upgrade to v1.2.1."}, Timestamp: time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC),
		},
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("statements\n got %+v\nwant %+v", st, want)
	}
	d := parseString(t, v020)
	if d.Format != OpenVEX || d.SpecVersion != "https://openvex.dev/ns/v0.2.0" || d.Serial != "https://example.com/vex/shencha-1" ||
		!reflect.DeepEqual(d.Authors, []string{"Example Security Team"}) || !reflect.DeepEqual(d.Kinds, []Kind{KindVEX}) {
		t.Errorf("document %+v", d)
	}

	// v0.0.1 spelled vulnerability and products as strings.
	const v001 = `{"@context": "https://openvex.dev/ns", "statements": [
	  {"vulnerability": "CVE-2022-1234", "products": ["pkg:apk/wolfi/git@2.39.0-r1"], "subcomponents": ["pkg:generic/zlib@1.2.13"],
	   "status": "fixed", "status_notes": "rebuilt"}]}`
	st, err = ParseVEX(strings.NewReader(v001), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want001 := []Statement{{Vulnerability: "CVE-2022-1234", Products: []string{"pkg:apk/wolfi/git@2.39.0-r1", "pkg:generic/zlib@1.2.13"},
		Subcomponents: []string{"pkg:generic/zlib@1.2.13"}, Status: "fixed", Detail: "rebuilt"}}
	if !reflect.DeepEqual(st, want001) {
		t.Errorf("v0.0.1\n got %+v\nwant %+v", st, want001)
	}

	t.Run("ErrSPDX", func(t *testing.T) {
		f, _ := os.Open(spdxDir + "SPDXJSONExample-v2.3.spdx.json")
		defer f.Close()
		if _, err := ParseVEX(f, DefaultLimits); !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "spdx-json") {
			t.Errorf("ParseVEX(SPDX) = %v", err)
		}
	})
}

// cdx16JSON and cdx16XML are one CycloneDX 1.6 BOM in both encodings,
// covering what the example files do not: 1.5+ tools, authors, suppliers,
// manufacturers, nested components, SWID, expressions, 1.5+ data flows,
// provides, vulnerabilities with references.
const cdx16JSON = `{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "version": 1,
  "metadata": {
    "timestamp": "2024-02-01T08:00:00+08:00",
    "authors": [{"name": "Li Lei", "email": "lilei@example.cn"}],
    "tools": {"components": [{"type": "application", "name": "syft", "version": "1.0.0"}], "services": [{"name": "signer"}]},
    "supplier": {"name": "Example Networks"},
    "manufacturer": {"name": "Example Manufacturing"},
    "component": {"bom-ref": "router", "type": "device", "name": "edge-router", "version": "3.1",
      "components": [{"bom-ref": "fw", "type": "firmware", "name": "router-fw", "version": "3.1.4", "supplier": {"name": "Example Networks"}}]}
  },
  "components": [
    {"bom-ref": "openssl", "type": "library", "manufacturer": {"name": "OpenSSL Foundation"}, "name": "openssl", "version": "3.0.13",
     "purl": " pkg:generic/openssl@3.0.13 ", "cpe": "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "scope": "required",
     "swid": {"tagId": "openssl-3.0.13", "name": "openssl"},
     "hashes": [{"alg": "SHA-256", "content": "88525753F79D3BEC27D2FA7C66AEB0B8"}],
     "licenses": [{"expression": "Apache-2.0 OR MIT"}],
     "components": [{"bom-ref": "aes", "type": "cryptographic-asset", "name": "AES-128-GCM",
       "cryptoProperties": {"assetType": "algorithm", "algorithmProperties": {"primitive": "ae", "mode": "gcm", "parameterSetIdentifier": "128",
         "cryptoFunctions": ["encrypt", "decrypt"], "classicalSecurityLevel": 128, "nistQuantumSecurityLevel": 1}, "oid": "2.16.840.1.101.3.4.1.6"}}]}
  ],
  "services": [
    {"bom-ref": "api", "provider": {"name": "Example Cloud"}, "name": "api", "version": "2", "endpoints": ["https://api.example.cn"],
     "authenticated": true, "x-trust-boundary": true, "trustZone": "public",
     "data": [{"name": "telemetry", "flow": "outbound", "classification": "PII", "source": ["urn:cdx:x/1#router"], "destination": ["https://api.example.cn"]}],
     "services": [{"bom-ref": "db", "name": "db"}]}
  ],
  "dependencies": [
    {"ref": "router", "dependsOn": ["fw", "openssl", "api"]},
    {"ref": "openssl", "provides": ["aes"]},
    {"ref": "api", "dependsOn": ["db"]}
  ],
  "vulnerabilities": [
    {"id": "CVE-2024-0727", "references": [{"id": "GHSA-9v9h-cgj8-h64p", "source": {"name": "GitHub"}}],
     "analysis": {"state": "false_positive", "justification": "code_not_reachable", "response": ["will_not_fix"], "detail": "PKCS12 is not parsed.",
       "lastUpdated": "2024-02-02T00:00:00Z"},
     "affects": [{"ref": "openssl", "versions": [{"version": "3.0.13", "status": "unaffected"}]}]},
    {"id": "CVE-2024-9999", "affects": [{"ref": "openssl"}]},
    {"id": "CVE-2024-5535", "analysis": {"state": "in_triage"}, "affects": [{"ref": "openssl"}]}
  ]
}`

const cdx16XML = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment before the root -->
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
  <metadata>
    <timestamp>2024-02-01T08:00:00+08:00</timestamp>
    <tools>
      <components><component type="application"><name>syft</name><version>1.0.0</version></component></components>
      <services><service><name>signer</name></service></services>
    </tools>
    <authors><author><name>Li Lei</name><email>lilei@example.cn</email></author></authors>
    <component bom-ref="router" type="device">
      <name>edge-router</name><version>3.1</version>
      <components>
        <component bom-ref="fw" type="firmware"><supplier><name>Example Networks</name></supplier><name>router-fw</name><version>3.1.4</version></component>
      </components>
    </component>
    <manufacturer><name>Example Manufacturing</name></manufacturer>
    <supplier><name>Example Networks</name></supplier>
  </metadata>
  <components>
    <component bom-ref="openssl" type="library">
      <manufacturer><name>OpenSSL Foundation</name></manufacturer>
      <name>openssl</name><version>3.0.13</version><scope>required</scope>
      <hashes><hash alg="SHA-256">88525753F79D3BEC27D2FA7C66AEB0B8</hash></hashes>
      <licenses><expression>Apache-2.0 OR MIT</expression></licenses>
      <cpe>cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*</cpe>
      <purl> pkg:generic/openssl@3.0.13 </purl>
      <swid tagId="openssl-3.0.13" name="openssl"/>
      <components>
        <component bom-ref="aes" type="cryptographic-asset">
          <name>AES-128-GCM</name>
          <cryptoProperties>
            <assetType>algorithm</assetType>
            <algorithmProperties>
              <primitive>ae</primitive><parameterSetIdentifier>128</parameterSetIdentifier><mode>gcm</mode>
              <cryptoFunctions><cryptoFunction>encrypt</cryptoFunction><cryptoFunction>decrypt</cryptoFunction></cryptoFunctions>
              <classicalSecurityLevel>128</classicalSecurityLevel><nistQuantumSecurityLevel>1</nistQuantumSecurityLevel>
            </algorithmProperties>
            <oid>2.16.840.1.101.3.4.1.6</oid>
          </cryptoProperties>
        </component>
      </components>
    </component>
  </components>
  <services>
    <service bom-ref="api">
      <provider><name>Example Cloud</name></provider>
      <name>api</name><version>2</version>
      <endpoints><endpoint>https://api.example.cn</endpoint></endpoints>
      <authenticated>true</authenticated><x-trust-boundary>true</x-trust-boundary><trustZone>public</trustZone>
      <data>
        <dataflow name="telemetry">
          <classification flow="outbound">PII</classification>
          <source><url>urn:cdx:x/1#router</url></source>
          <destination><url>https://api.example.cn</url></destination>
        </dataflow>
      </data>
      <services><service bom-ref="db"><name>db</name></service></services>
    </service>
  </services>
  <dependencies>
    <dependency ref="router"><dependency ref="fw"/><dependency ref="openssl"/><dependency ref="api"/></dependency>
    <dependency ref="openssl"><provides ref="aes"/></dependency>
    <dependency ref="api"><dependency ref="db"/></dependency>
  </dependencies>
  <vulnerabilities>
    <vulnerability>
      <id>CVE-2024-0727</id>
      <references><reference><id>GHSA-9v9h-cgj8-h64p</id><source><name>GitHub</name></source></reference></references>
      <analysis>
        <state>false_positive</state><justification>code_not_reachable</justification>
        <responses><response>will_not_fix</response></responses>
        <detail>PKCS12 is not parsed.</detail>
        <lastUpdated>2024-02-02T00:00:00Z</lastUpdated>
      </analysis>
      <affects><target><ref>openssl</ref><versions><version><version>3.0.13</version><status>unaffected</status></version></versions></target></affects>
    </vulnerability>
    <vulnerability><id>CVE-2024-9999</id><affects><target><ref>openssl</ref></target></affects></vulnerability>
    <vulnerability><id>CVE-2024-5535</id><analysis><state>in_triage</state></analysis><affects><target><ref>openssl</ref></target></affects></vulnerability>
  </vulnerabilities>
</bom>
`

// Both encodings of a CycloneDX 1.6 BOM give the same Document.
func TestCycloneDX16BothEncodings(t *testing.T) {
	j := parseString(t, cdx16JSON)
	x := parseString(t, cdx16XML)
	if j.Format != CycloneDXJSON || x.Format != CycloneDXXML || x.SpecVersion != "1.6" {
		t.Fatalf("formats %s %s %s", j.Format, x.Format, x.SpecVersion)
	}
	x.Format = j.Format
	if !reflect.DeepEqual(j, x) {
		t.Errorf("JSON and XML differ\nJSON %+v\nXML  %+v", j, x)
	}
	for _, d := range []*Document{j, x} {
		if d.Name != "edge-router" || d.Version != "3.1" || d.Supplier != "Example Networks" {
			t.Errorf("subject %q %q %q", d.Name, d.Version, d.Supplier)
		}
		if want := []string{"Person: Li Lei (lilei@example.cn)", "Tool: syft-1.0.0", "Tool: signer"}; !reflect.DeepEqual(slices.Sorted(slices.Values(d.Authors)), slices.Sorted(slices.Values(want))) {
			t.Errorf("authors %q", d.Authors)
		}
		if !reflect.DeepEqual(d.Kinds, []Kind{KindSBOM, KindHBOM, KindSaaSBOM, KindCBOM, KindVEX}) {
			t.Errorf("kinds %v", d.Kinds)
		}
		var refs []string
		for _, c := range d.Components {
			refs = append(refs, c.Ref)
		}
		if !reflect.DeepEqual(refs, []string{"router", "fw", "openssl", "aes"}) {
			t.Errorf("component order %v", refs)
		}
		ssl := component(t, d, "openssl")
		want := Component{Ref: "openssl", Type: "library", Name: "openssl", Version: "3.0.13", PURL: "pkg:generic/openssl@3.0.13",
			CPE: "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", SWID: "openssl-3.0.13", Supplier: "OpenSSL Foundation", Scope: "required",
			Hashes: []Hash{{"SHA-256", "88525753f79d3bec27d2fa7c66aeb0b8"}}, Licenses: []string{"Apache-2.0 OR MIT"}}
		if !reflect.DeepEqual(ssl, want) {
			t.Errorf("openssl\n got %+v\nwant %+v", ssl, want)
		}
		if fw := component(t, d, "fw"); !fw.Hardware || fw.Supplier != "Example Networks" || fw.Root {
			t.Errorf("firmware %+v", fw)
		}
		if aes := component(t, d, "aes").Crypto; aes == nil || aes.Algorithm != "AES-128-GCM" || aes.ClassicalSecurityLevel != 128 || *aes.NISTQuantumSecurityLevel != 1 {
			t.Errorf("aes %+v", aes)
		}
		if want := (Dependency{Ref: "openssl", Provides: []string{"aes"}}); !reflect.DeepEqual(d.Dependencies[1], want) {
			t.Errorf("provides %+v", d.Dependencies[1])
		}
		api := d.Services[0]
		if len(d.Services) != 2 || api.TrustZone != "public" || !*api.Authenticated || !reflect.DeepEqual(api.DependsOn, []string{"db"}) ||
			!reflect.DeepEqual(api.Data, []DataFlow{{Name: "telemetry", Flow: "outbound", Classification: "PII", Source: []string{"urn:cdx:x/1#router"}, Destination: []string{"https://api.example.cn"}}}) {
			t.Errorf("api %+v", api)
		}
		if d.Services[1].Authenticated != nil {
			t.Errorf("db authenticated %v, want not stated", *d.Services[1].Authenticated)
		}
		// The vulnerability without an analysis is no VEX statement.
		if len(d.VEX) != 2 {
			t.Fatalf("%d statements", len(d.VEX))
		}
		wantVEX := Statement{Vulnerability: "CVE-2024-0727", Aliases: []string{"GHSA-9v9h-cgj8-h64p"}, Products: []string{"openssl"},
			Status: "not_affected", Justification: "code_not_reachable", Detail: "PKCS12 is not parsed.", Responses: []string{"will_not_fix"},
			Versions:  []ProductVersion{{Product: "openssl", Version: "3.0.13", Status: "unaffected"}},
			Timestamp: time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC)}
		if !reflect.DeepEqual(d.VEX[0], wantVEX) {
			t.Errorf("statement\n got %+v\nwant %+v", d.VEX[0], wantVEX)
		}
		// Without its own time a statement takes the document's.
		if d.VEX[1].Status != "under_investigation" || !d.VEX[1].Timestamp.Equal(d.Timestamp) {
			t.Errorf("in_triage statement %+v", d.VEX[1])
		}
	}
}

// The other CycloneDX spellings: 1.2–1.4 XML data classifications and
// tool lists, and the subject listed again among the components.
func TestCycloneDXOlderSpellings(t *testing.T) {
	d := parseString(t, `<bom xmlns="http://cyclonedx.org/schema/bom/1.3" version="1">
  <metadata>
    <tools><tool><vendor>CycloneDX</vendor><name>cyclonedx-gomod</name><version>v1.0.0</version></tool></tools>
    <component bom-ref="app" type="application"><name>app</name><version>1</version></component>
  </metadata>
  <components>
    <component bom-ref="app" type="application"><name>app</name><version>1</version></component>
    <component type="library"><name>lib</name><licenses><license><name>Custom</name></license></licenses></component>
  </components>
  <services>
    <service bom-ref="svc"><name>svc</name>
      <data><classification flow="inbound">PII</classification><classification flow="outbound">public</classification></data>
    </service>
  </services>
</bom>`)
	if len(d.Components) != 2 || !d.Components[0].Root || d.Components[0].Ref != "app" {
		t.Errorf("components %+v", d.Components)
	}
	if !reflect.DeepEqual(d.Authors, []string{"Tool: cyclonedx-gomod-v1.0.0"}) || d.SpecVersion != "1.3" {
		t.Errorf("authors %v spec %s", d.Authors, d.SpecVersion)
	}
	if want := []DataFlow{{Flow: "inbound", Classification: "PII"}, {Flow: "outbound", Classification: "public"}}; !reflect.DeepEqual(d.Services[0].Data, want) {
		t.Errorf("data %+v", d.Services[0].Data)
	}
	if got := component(t, d, "lib").Licenses; !reflect.DeepEqual(got, []string{"Custom"}) {
		t.Errorf("licences %v", got)
	}
}

// Parse must not depend on /work/shared or anything outside testdata.
func TestTestdataIsComplete(t *testing.T) {
	for _, dir := range []string{cdxDir, spdxDir} {
		files, err := filepath.Glob(dir + "*")
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", dir, err)
		}
	}
	for _, lic := range []string{cdxDir + "LICENSE-CC0", spdxDir + "LICENSE-CC-BY-4.0", "testdata/README.md"} {
		if _, err := os.Stat(lic); err != nil {
			t.Error(err)
		}
	}
}
