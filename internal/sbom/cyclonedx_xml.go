package sbom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// cdxNamespace prefixes the CycloneDX XML namespaces; the spec version
// follows it ("http://cyclonedx.org/schema/bom/1.4").
const cdxNamespace = "http://cyclonedx.org/schema/bom/"

// xmlLimiter sits under an encoding/xml Decoder as its TokenReader and
// refuses input nesting deeper than the limit before the Decoder builds
// anything from it (encoding/xml itself accepts 10,000 levels). Top-level
// entries are decoded one at a time and the builder counts them exactly;
// the limiter's looser counts stop an entry that hides a flood of nested
// components or services inside itself.
type xmlLimiter struct {
	d     *xml.Decoder
	depth int
	lim   Limits
	// elements that become model entries, wherever they are
	components, services int
}

func (l *xmlLimiter) Token() (xml.Token, error) {
	t, err := l.d.RawToken()
	switch e := t.(type) {
	case xml.StartElement:
		l.depth++
		if l.depth > l.lim.MaxDepth {
			return nil, tooDeep(l.lim.MaxDepth)
		}
		// Twice the limit leaves room for tools, which are components
		// too in 1.5+, and the subject; the builder's count is exact.
		loose := 2*l.lim.MaxComponents + 1
		switch e.Name.Local {
		case "component":
			if l.components++; l.components > loose {
				return nil, tooMany(l.lim.MaxComponents, "components")
			}
		case "service":
			if l.services++; l.services > loose {
				return nil, tooMany(l.lim.MaxComponents, "services")
			}
		}
	case xml.EndElement:
		l.depth--
	}
	return t, err
}

type xMetadata struct {
	Timestamp    string       `xml:"timestamp"`
	Tools        xTools       `xml:"tools"`
	Authors      []xContact   `xml:"authors>author"`
	Component    []xComponent `xml:"component"`
	Supplier     xOrg         `xml:"supplier"`
	Manufacturer xOrg         `xml:"manufacturer"`
	Manufacture  xOrg         `xml:"manufacture"`
}

// xTools is 1.2–1.4's list of tool elements or 1.5+'s components and
// services.
type xTools struct {
	Tools      []xTool `xml:"tool"`
	Components []xTool `xml:"components>component"`
	Services   []xTool `xml:"services>service"`
}

type xTool struct {
	Name    string `xml:"name"`
	Version string `xml:"version"`
}

type xContact struct {
	Name  string `xml:"name"`
	Email string `xml:"email"`
}

type xOrg struct {
	Name string `xml:"name"`
}

type xComponent struct {
	Type         string       `xml:"type,attr"`
	Ref          string       `xml:"bom-ref,attr"`
	Supplier     xOrg         `xml:"supplier"`
	Manufacturer xOrg         `xml:"manufacturer"`
	Publisher    string       `xml:"publisher"`
	Group        string       `xml:"group"`
	Name         string       `xml:"name"`
	Version      string       `xml:"version"`
	Scope        string       `xml:"scope"`
	Hashes       []xHash      `xml:"hashes>hash"`
	Licenses     xLicenses    `xml:"licenses"`
	CPE          string       `xml:"cpe"`
	PURL         string       `xml:"purl"`
	SWID         xSWID        `xml:"swid"`
	Crypto       *xCrypto     `xml:"cryptoProperties"`
	Components   []xComponent `xml:"components>component"`
}

type xSWID struct {
	TagID string `xml:"tagId,attr"`
}

type xHash struct {
	Alg   string `xml:"alg,attr"`
	Value string `xml:",chardata"`
}

type xLicenses struct {
	Licenses []struct {
		ID   string `xml:"id"`
		Name string `xml:"name"`
	} `xml:"license"`
	Expressions []string `xml:"expression"`
}

type xCrypto struct {
	AssetType string `xml:"assetType"`
	OID       string `xml:"oid"`
	Algorithm struct {
		Family           string   `xml:"algorithmFamily"`
		Primitive        string   `xml:"primitive"`
		Mode             string   `xml:"mode"`
		Padding          string   `xml:"padding"`
		Curve            string   `xml:"curve"`
		EllipticCurve    string   `xml:"ellipticCurve"`
		ParameterSet     string   `xml:"parameterSetIdentifier"`
		Functions        []string `xml:"cryptoFunctions>cryptoFunction"`
		ClassicalLevel   string   `xml:"classicalSecurityLevel"`
		NISTQuantumLevel string   `xml:"nistQuantumSecurityLevel"`
	} `xml:"algorithmProperties"`
	Certificate struct {
		Subject           string `xml:"subjectName"`
		Issuer            string `xml:"issuerName"`
		NotValidBefore    string `xml:"notValidBefore"`
		NotValidAfter     string `xml:"notValidAfter"`
		SignatureAlgRef   string `xml:"signatureAlgorithmRef"`
		SubjectKeyRef     string `xml:"subjectPublicKeyRef"`
		CertificateFormat string `xml:"certificateFormat"`
	} `xml:"certificateProperties"`
	Material struct {
		Type         string `xml:"type"`
		Size         string `xml:"size"`
		AlgorithmRef string `xml:"algorithmRef"`
		SecuredByRef string `xml:"securedBy>algorithmRef"`
	} `xml:"relatedCryptoMaterialProperties"`
	Protocol struct {
		Type         string `xml:"type"`
		Version      string `xml:"version"`
		CipherSuites []struct {
			Name       string     `xml:"name"`
			Algorithms []xRefList `xml:"algorithms"`
		} `xml:"cipherSuites>cipherSuite"`
		CryptoRefs []xRefList `xml:"cryptoRefArray"`
	} `xml:"protocolProperties"`
}

// xRefList takes refs written either as the element's text or as child
// elements (<algorithms><algorithm>ref</algorithm></algorithms>).
type xRefList struct {
	Text  string   `xml:",chardata"`
	Items []string `xml:",any"`
}

func (l xRefList) refs() []string {
	return add(l.Items, strings.TrimSpace(l.Text))
}

type xService struct {
	Ref           string     `xml:"bom-ref,attr"`
	Provider      xOrg       `xml:"provider"`
	Group         string     `xml:"group"`
	Name          string     `xml:"name"`
	Version       string     `xml:"version"`
	Endpoints     []string   `xml:"endpoints>endpoint"`
	Authenticated string     `xml:"authenticated"`
	TrustBoundary string     `xml:"x-trust-boundary"`
	TrustZone     string     `xml:"trustZone"`
	Data          xData      `xml:"data"`
	Services      []xService `xml:"services>service"`
}

// xData is 1.2–1.4's list of classifications or 1.5+'s dataflows.
type xData struct {
	Classifications []xClassification `xml:"classification"`
	Flows           []struct {
		Name           string            `xml:"name,attr"`
		Classification []xClassification `xml:"classification"`
		Source         []string          `xml:"source>url"`
		Destination    []string          `xml:"destination>url"`
	} `xml:"dataflow"`
}

type xClassification struct {
	Flow  string `xml:"flow,attr"`
	Value string `xml:",chardata"`
}

type xDependency struct {
	Ref       string `xml:"ref,attr"`
	DependsOn []struct {
		Ref string `xml:"ref,attr"`
	} `xml:"dependency"`
	Provides []struct {
		Ref string `xml:"ref,attr"`
	} `xml:"provides"`
}

type xVulnerability struct {
	ID         string   `xml:"id"`
	References []string `xml:"references>reference>id"`
	Published  string   `xml:"published"`
	Updated    string   `xml:"updated"`
	Analysis   struct {
		State         string   `xml:"state"`
		Justification string   `xml:"justification"`
		Responses     []string `xml:"responses>response"`
		Detail        string   `xml:"detail"`
		FirstIssued   string   `xml:"firstIssued"`
		LastUpdated   string   `xml:"lastUpdated"`
	} `xml:"analysis"`
	Affects []struct {
		Ref      string `xml:"ref"`
		Versions []struct {
			Version string `xml:"version"`
			Range   string `xml:"range"`
			Status  string `xml:"status"`
		} `xml:"versions>version"`
	} `xml:"affects>target"`
}

// parseCycloneDXXML reads a CycloneDX XML BOM (spec 1.2–1.6). The root
// must be <bom> in a CycloneDX namespace. Each top-level entry (a
// component with its sub-components, a service, a dependency, a
// vulnerability) is decoded and converted on its own, so the decoded XML
// structures never outnumber one entry.
func parseCycloneDXXML(data []byte, lim Limits) (*Document, error) {
	inner := xml.NewDecoder(bytes.NewReader(data))
	d := xml.NewTokenDecoder(&xmlLimiter{d: inner, lim: lim})
	var start xml.StartElement
	for {
		t, err := d.Token()
		if err != nil {
			return nil, xmlError(err)
		}
		if s, ok := t.(xml.StartElement); ok {
			start = s
			break
		}
	}
	if start.Name.Local != "bom" || !strings.HasPrefix(start.Name.Space, cdxNamespace) {
		return nil, fmt.Errorf("%w: XML root <%s> in namespace %q, not a CycloneDX <bom>", ErrUnknownFormat, clip(start.Name.Local), clip(start.Name.Space))
	}
	b := newCDXBuilder(CycloneDXXML, lim)
	b.doc.SpecVersion = strings.TrimPrefix(start.Name.Space, cdxNamespace)
	for _, a := range start.Attr {
		if a.Name.Local == "serialNumber" {
			b.doc.Serial = strings.TrimSpace(a.Value)
		}
	}
	err := xmlChildren(d, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "metadata":
			var m xMetadata
			if err := d.DecodeElement(&m, &se); err != nil {
				return err
			}
			return b.xmlMetadata(&m)
		case "components":
			return xmlEach(d, "component", func(x *xComponent) error { return b.xmlComponent(x, &b.comps) })
		case "services":
			return xmlEach(d, "service", b.xmlService)
		case "dependencies":
			return xmlEach(d, "dependency", func(x *xDependency) error {
				var on, provides []string
				for _, o := range x.DependsOn {
					on = add(on, strings.TrimSpace(o.Ref))
				}
				for _, p := range x.Provides {
					provides = add(provides, strings.TrimSpace(p.Ref))
				}
				return b.addDependency(x.Ref, on, provides)
			})
		case "vulnerabilities":
			return xmlEach(d, "vulnerability", b.xmlVulnerability)
		}
		return d.Skip()
	})
	if err != nil {
		return nil, xmlError(err)
	}
	// Only comments, processing instructions and space may follow.
	for {
		t, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			return nil, invalid(CycloneDXXML, "element <"+clip(t.Name.Local)+"> after </bom>")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, invalid(CycloneDXXML, "text after </bom>")
			}
		}
	}
	return b.finish(), nil
}

// xmlChildren calls fn for each child element of the element just
// started, up to its end; fn must consume the child.
func xmlChildren(d *xml.Decoder, fn func(xml.StartElement) error) error {
	for {
		t, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// xmlEach decodes each child element called name into a fresh T and
// hands it to add, skipping other children.
func xmlEach[T any](d *xml.Decoder, name string, add func(*T) error) error {
	return xmlChildren(d, func(se xml.StartElement) error {
		if se.Name.Local != name {
			return d.Skip()
		}
		var x T
		if err := d.DecodeElement(&x, &se); err != nil {
			return err
		}
		return add(&x)
	})
}

// xmlError keeps the limit errors as they are and marks the rest invalid.
func xmlError(err error) error {
	if errors.Is(err, ErrTooDeep) || errors.Is(err, ErrTooMany) {
		return err
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return invalid(CycloneDXXML, "unexpected end of input")
	}
	return &limitError{ErrInvalid, "sbom: invalid XML: " + strings.TrimPrefix(err.Error(), "xml: ")}
}

func (b *cdxBuilder) xmlMetadata(m *xMetadata) error {
	b.timestamp = m.Timestamp
	for _, a := range m.Authors {
		b.doc.Authors = add(b.doc.Authors, personName(a.Name, a.Email))
	}
	for _, list := range [][]xTool{m.Tools.Tools, m.Tools.Components, m.Tools.Services} {
		for _, t := range list {
			b.doc.Authors = add(b.doc.Authors, toolName(t.Name, t.Version))
		}
	}
	b.supplier = strings.TrimSpace(m.Supplier.Name)
	b.maker = firstNonEmpty(m.Manufacturer.Name, m.Manufacture.Name)
	for i := range m.Component {
		if err := b.xmlComponent(&m.Component[i], &b.root); err != nil {
			return err
		}
	}
	return nil
}

// xmlVulnerability keeps a vulnerability that carries an analysis state
// as a VEX statement.
func (b *cdxBuilder) xmlVulnerability(v *xVulnerability) error {
	a := &v.Analysis
	state := strings.TrimSpace(a.State)
	if state == "" {
		return nil
	}
	s := Statement{
		Vulnerability: strings.TrimSpace(v.ID),
		Justification: strings.TrimSpace(a.Justification),
		Detail:        strings.TrimSpace(a.Detail),
		Timestamp:     statementTime(a.LastUpdated, a.FirstIssued, v.Updated, v.Published),
	}
	for _, id := range v.References {
		s.Aliases = add(s.Aliases, strings.TrimSpace(id))
	}
	for _, r := range a.Responses {
		s.Responses = add(s.Responses, strings.TrimSpace(r))
	}
	for _, t := range v.Affects {
		ref := strings.TrimSpace(t.Ref)
		s.Products = add(s.Products, ref)
		for _, ver := range t.Versions {
			pv := ProductVersion{Product: ref, Version: strings.TrimSpace(ver.Version), Range: strings.TrimSpace(ver.Range), Status: strings.TrimSpace(ver.Status)}
			if pv.Version != "" || pv.Range != "" || pv.Status != "" {
				s.Versions = append(s.Versions, pv)
			}
		}
	}
	if err := checkStatement(CycloneDXXML, &s, state); err != nil {
		return err
	}
	return b.addStatement(s)
}

func (b *cdxBuilder) xmlComponent(x *xComponent, out *[]Component) error {
	if err := b.countComponent(); err != nil {
		return err
	}
	c := Component{
		Ref:      x.Ref,
		Type:     strings.TrimSpace(x.Type),
		Group:    strings.TrimSpace(x.Group),
		Name:     strings.TrimSpace(x.Name),
		Version:  strings.TrimSpace(x.Version),
		PURL:     x.PURL,
		CPE:      x.CPE,
		SWID:     strings.TrimSpace(x.SWID.TagID),
		Scope:    strings.TrimSpace(x.Scope),
		Supplier: firstNonEmpty(x.Supplier.Name, x.Manufacturer.Name, x.Publisher),
	}
	for _, h := range x.Hashes {
		if v := strings.TrimSpace(h.Value); v != "" {
			c.Hashes = append(c.Hashes, normHash(h.Alg, v))
		}
	}
	for _, l := range x.Licenses.Licenses {
		c.Licenses = add(c.Licenses, firstNonEmpty(l.ID, l.Name))
	}
	for _, e := range x.Licenses.Expressions {
		c.Licenses = add(c.Licenses, strings.TrimSpace(e))
	}
	if x.Crypto != nil {
		c.Crypto = x.Crypto.summary(c.Name)
	}
	finishComponent(&c)
	*out = append(*out, c)
	for i := range x.Components {
		if err := b.xmlComponent(&x.Components[i], out); err != nil {
			return err
		}
	}
	return nil
}

func (x *xCrypto) summary(name string) *Crypto {
	a, cert, m, p := &x.Algorithm, &x.Certificate, &x.Material, &x.Protocol
	c := &Crypto{
		AssetType:         strings.TrimSpace(x.AssetType),
		OID:               strings.TrimSpace(x.OID),
		Algorithm:         strings.TrimSpace(a.Family),
		Primitive:         strings.TrimSpace(a.Primitive),
		Mode:              strings.TrimSpace(a.Mode),
		Padding:           strings.TrimSpace(a.Padding),
		Curve:             firstNonEmpty(a.Curve, a.EllipticCurve),
		ParameterSet:      strings.TrimSpace(a.ParameterSet),
		Subject:           strings.TrimSpace(cert.Subject),
		Issuer:            strings.TrimSpace(cert.Issuer),
		NotValidBefore:    parseTime(cert.NotValidBefore),
		NotValidAfter:     parseTime(cert.NotValidAfter),
		CertificateFormat: strings.TrimSpace(cert.CertificateFormat),
		MaterialType:      strings.TrimSpace(m.Type),
		Protocol:          strings.TrimSpace(p.Type),
		ProtocolVersion:   strings.TrimSpace(p.Version),
	}
	for _, f := range a.Functions {
		c.Functions = add(c.Functions, strings.TrimSpace(f))
	}
	c.ClassicalSecurityLevel, _ = strconv.Atoi(strings.TrimSpace(a.ClassicalLevel))
	if n, err := strconv.Atoi(strings.TrimSpace(a.NISTQuantumLevel)); err == nil {
		c.NISTQuantumSecurityLevel = &n
	}
	c.Size, _ = strconv.Atoi(strings.TrimSpace(m.Size))
	c.Refs = add(c.Refs, strings.TrimSpace(cert.SignatureAlgRef), strings.TrimSpace(cert.SubjectKeyRef),
		strings.TrimSpace(m.AlgorithmRef), strings.TrimSpace(m.SecuredByRef))
	for _, s := range p.CipherSuites {
		c.CipherSuites = add(c.CipherSuites, strings.TrimSpace(s.Name))
		for _, l := range s.Algorithms {
			c.Refs = add(c.Refs, l.refs()...)
		}
	}
	for _, l := range p.CryptoRefs {
		c.Refs = add(c.Refs, l.refs()...)
	}
	if c.AssetType == "algorithm" && c.Algorithm == "" {
		c.Algorithm = name
	}
	return c
}

func (b *cdxBuilder) xmlService(x *xService) error {
	if err := b.countService(); err != nil {
		return err
	}
	s := Service{
		Ref:                  strings.TrimSpace(x.Ref),
		Group:                strings.TrimSpace(x.Group),
		Name:                 strings.TrimSpace(x.Name),
		Version:              strings.TrimSpace(x.Version),
		Provider:             strings.TrimSpace(x.Provider.Name),
		Authenticated:        xmlBool(x.Authenticated),
		CrossesTrustBoundary: xmlBool(x.TrustBoundary),
		TrustZone:            strings.TrimSpace(x.TrustZone),
	}
	for _, e := range x.Endpoints {
		s.Endpoints = add(s.Endpoints, strings.TrimSpace(e))
	}
	for _, c := range x.Data.Classifications {
		s.Data = append(s.Data, DataFlow{Flow: strings.TrimSpace(c.Flow), Classification: strings.TrimSpace(c.Value)})
	}
	for _, f := range x.Data.Flows {
		df := DataFlow{Name: strings.TrimSpace(f.Name)}
		if len(f.Classification) > 0 {
			df.Flow = strings.TrimSpace(f.Classification[0].Flow)
			df.Classification = strings.TrimSpace(f.Classification[0].Value)
		}
		for _, u := range f.Source {
			df.Source = add(df.Source, strings.TrimSpace(u))
		}
		for _, u := range f.Destination {
			df.Destination = add(df.Destination, strings.TrimSpace(u))
		}
		s.Data = append(s.Data, df)
	}
	b.doc.Services = append(b.doc.Services, s)
	for i := range x.Services {
		if err := b.xmlService(&x.Services[i]); err != nil {
			return err
		}
	}
	return nil
}

// xmlBool reads an xs:boolean; anything else is "not stated".
func xmlBool(s string) *bool {
	var v bool
	switch strings.TrimSpace(s) {
	case "true", "1":
		v = true
	case "false", "0":
	default:
		return nil
	}
	return &v
}
