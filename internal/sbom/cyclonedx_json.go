package sbom

import (
	"strconv"
	"strings"
)

// parseCycloneDXJSON reads a CycloneDX JSON BOM (spec 1.2–1.6).
func parseCycloneDXJSON(data []byte, lim Limits) (*Document, error) {
	r := newJSONReader(data, lim.MaxDepth)
	b := newCDXBuilder(CycloneDXJSON, lim)
	err := r.document(func(key []byte) error {
		var err error
		switch string(key) {
		case "specVersion":
			b.doc.SpecVersion, err = r.str()
		case "serialNumber":
			b.doc.Serial, err = r.str()
		case "metadata":
			err = b.jsonMetadata(r)
		case "components":
			err = r.array(func() error { return b.jsonComponent(r, &b.comps) })
		case "services":
			err = r.array(func() error { return b.jsonService(r) })
		case "dependencies":
			err = r.array(func() error { return b.jsonDependency(r) })
		case "vulnerabilities":
			err = r.array(func() error { return b.jsonVulnerability(r) })
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return b.finish(), nil
}

func (b *cdxBuilder) jsonMetadata(r *jsonReader) error {
	return r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "timestamp":
			b.timestamp, err = r.str()
		case "authors":
			err = r.array(func() error {
				name, email, err := jsonContact(r)
				b.doc.Authors = add(b.doc.Authors, personName(name, email))
				return err
			})
		case "tools":
			err = b.jsonTools(r)
		case "component":
			err = b.jsonComponent(r, &b.root)
		case "supplier":
			b.supplier, err = jsonName(r)
		case "manufacturer", "manufacture":
			var s string
			s, err = jsonName(r)
			b.maker = firstNonEmpty(b.maker, s)
		default:
			err = r.skip()
		}
		return err
	})
}

// jsonTools reads metadata.tools: a list of tools (1.2–1.4, deprecated
// since) or an object of components and services (1.5+).
func (b *cdxBuilder) jsonTools(r *jsonReader) error {
	tool := func() error {
		var name, version string
		err := r.fields(field{"name", &name}, field{"version", &version})
		b.doc.Authors = add(b.doc.Authors, toolName(name, version))
		return err
	}
	if r.next() == '[' {
		return r.array(tool)
	}
	return r.object(func(key []byte) error {
		switch string(key) {
		case "components", "services":
			return r.array(tool)
		}
		return r.skip()
	})
}

// jsonContact reads an organizationalContact's name and email.
func jsonContact(r *jsonReader) (name, email string, err error) {
	err = r.fields(field{"name", &name}, field{"email", &email})
	return name, email, err
}

// jsonName reads an organizationalEntity's name; a bare string is taken as
// the name.
func jsonName(r *jsonReader) (string, error) {
	if r.next() != '{' {
		return r.str()
	}
	var name string
	err := r.object(func(key []byte) error {
		if string(key) == "name" {
			var err error
			name, err = r.str()
			return err
		}
		return r.skip()
	})
	return strings.TrimSpace(name), err
}

// jsonComponent reads a component into *out, its nested components after
// it.
func (b *cdxBuilder) jsonComponent(r *jsonReader, out *[]Component) error {
	if err := b.countComponent(); err != nil {
		return err
	}
	i := len(*out)
	*out = append(*out, Component{})
	var c Component
	var supplier, maker, publisher string
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "bom-ref":
			c.Ref, err = r.str()
		case "type":
			c.Type, err = r.str()
		case "group":
			c.Group, err = r.str()
		case "name":
			c.Name, err = r.str()
		case "version":
			c.Version, err = r.str()
		case "purl":
			c.PURL, err = r.str()
		case "cpe":
			c.CPE, err = r.str()
		case "scope":
			c.Scope, err = r.str()
		case "supplier":
			supplier, err = jsonName(r)
		case "manufacturer":
			maker, err = jsonName(r)
		case "publisher":
			publisher, err = r.str()
		case "swid":
			err = r.object(func(key []byte) error {
				if string(key) == "tagId" {
					var err error
					c.SWID, err = r.str()
					return err
				}
				return r.skip()
			})
		case "hashes":
			c.Hashes, err = r.hashes("alg", "content", c.Hashes)
		case "licenses":
			c.Licenses, err = jsonLicenses(r, c.Licenses)
		case "cryptoProperties":
			c.Crypto, err = jsonCrypto(r)
		case "components":
			err = r.array(func() error { return b.jsonComponent(r, out) })
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	c.Supplier = firstNonEmpty(supplier, maker, publisher)
	if c.Crypto != nil && c.Crypto.AssetType == "algorithm" && c.Crypto.Algorithm == "" {
		c.Crypto.Algorithm = c.Name
	}
	finishComponent(&c)
	(*out)[i] = c
	return nil
}

// jsonLicenses reads [{"license": {"id"|"name"}}, {"expression": …}].
func jsonLicenses(r *jsonReader, out []string) ([]string, error) {
	err := r.array(func() error {
		return r.object(func(key []byte) error {
			switch string(key) {
			case "expression":
				s, err := r.str()
				out = add(out, strings.TrimSpace(s))
				return err
			case "license":
				var id, name string
				err := r.fields(field{"id", &id}, field{"name", &name})
				out = add(out, firstNonEmpty(id, name))
				return err
			}
			return r.skip()
		})
	})
	return out, err
}

func jsonCrypto(r *jsonReader) (*Crypto, error) {
	c := &Crypto{}
	refs := func(key []byte) error {
		switch string(key) {
		case "algorithmRef", "signatureAlgorithmRef", "subjectPublicKeyRef":
			s, err := r.str()
			c.Refs = add(c.Refs, s)
			return err
		}
		return r.skip()
	}
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "assetType":
			c.AssetType, err = r.str()
		case "oid":
			c.OID, err = r.str()
		case "algorithmProperties":
			err = r.object(func(key []byte) error {
				var err error
				switch string(key) {
				case "algorithmFamily":
					c.Algorithm, err = r.str()
				case "primitive":
					c.Primitive, err = r.str()
				case "mode":
					c.Mode, err = r.str()
				case "padding":
					c.Padding, err = r.str()
				case "curve", "ellipticCurve":
					c.Curve, err = r.str()
				case "parameterSetIdentifier":
					c.ParameterSet, err = r.str()
				case "cryptoFunctions":
					c.Functions, err = r.strs()
				case "classicalSecurityLevel":
					var s string
					s, err = r.str()
					c.ClassicalSecurityLevel, _ = strconv.Atoi(s)
				case "nistQuantumSecurityLevel":
					var s string
					s, err = r.str()
					if n, e := strconv.Atoi(s); e == nil {
						c.NISTQuantumSecurityLevel = &n
					}
				default:
					err = r.skip()
				}
				return err
			})
		case "certificateProperties":
			err = r.object(func(key []byte) error {
				var err error
				var s string
				switch string(key) {
				case "subjectName":
					c.Subject, err = r.str()
				case "issuerName":
					c.Issuer, err = r.str()
				case "notValidBefore":
					s, err = r.str()
					c.NotValidBefore = parseTime(s)
				case "notValidAfter":
					s, err = r.str()
					c.NotValidAfter = parseTime(s)
				case "certificateFormat":
					c.CertificateFormat, err = r.str()
				default:
					err = refs(key)
				}
				return err
			})
		case "relatedCryptoMaterialProperties":
			err = r.object(func(key []byte) error {
				var err error
				switch string(key) {
				case "type":
					c.MaterialType, err = r.str()
				case "size":
					var s string
					s, err = r.str()
					c.Size, _ = strconv.Atoi(s)
				case "securedBy":
					err = r.object(refs)
				default:
					err = refs(key)
				}
				return err
			})
		case "protocolProperties":
			err = r.object(func(key []byte) error {
				var err error
				switch string(key) {
				case "type":
					c.Protocol, err = r.str()
				case "version":
					c.ProtocolVersion, err = r.str()
				case "cryptoRefArray":
					var s []string
					s, err = r.strs()
					c.Refs = add(c.Refs, s...)
				case "cipherSuites":
					err = r.array(func() error {
						return r.object(func(key []byte) error {
							switch string(key) {
							case "name":
								s, err := r.str()
								c.CipherSuites = add(c.CipherSuites, s)
								return err
							case "algorithms":
								s, err := r.strs()
								c.Refs = add(c.Refs, s...)
								return err
							}
							return r.skip()
						})
					})
				default:
					err = r.skip()
				}
				return err
			})
		default:
			err = r.skip()
		}
		return err
	})
	return c, err
}

func (b *cdxBuilder) jsonService(r *jsonReader) error {
	if err := b.countService(); err != nil {
		return err
	}
	i := len(b.doc.Services)
	b.doc.Services = append(b.doc.Services, Service{})
	var s Service
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "bom-ref":
			s.Ref, err = r.str()
		case "group":
			s.Group, err = r.str()
		case "name":
			s.Name, err = r.str()
		case "version":
			s.Version, err = r.str()
		case "provider":
			s.Provider, err = jsonName(r)
		case "endpoints":
			s.Endpoints, err = r.strs()
		case "authenticated":
			s.Authenticated, err = r.boolean()
		case "x-trust-boundary":
			s.CrossesTrustBoundary, err = r.boolean()
		case "trustZone":
			s.TrustZone, err = r.str()
		case "data":
			err = r.array(func() error {
				var f DataFlow
				err := r.object(func(key []byte) error {
					var err error
					switch string(key) {
					case "name":
						f.Name, err = r.str()
					case "flow":
						f.Flow, err = r.str()
					case "classification":
						f.Classification, err = r.str()
					case "source":
						f.Source, err = r.strs()
					case "destination":
						f.Destination, err = r.strs()
					default:
						err = r.skip()
					}
					return err
				})
				if f.Name != "" || f.Flow != "" || f.Classification != "" || f.Source != nil || f.Destination != nil {
					s.Data = append(s.Data, f)
				}
				return err
			})
		case "services":
			err = r.array(func() error { return b.jsonService(r) })
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	s.Ref = strings.TrimSpace(s.Ref)
	b.doc.Services[i] = s
	return nil
}

func (b *cdxBuilder) jsonDependency(r *jsonReader) error {
	var ref string
	var on, provides []string
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "ref":
			ref, err = r.str()
		case "dependsOn":
			on, err = r.strs()
		case "provides":
			provides, err = r.strs()
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	return b.addDependency(ref, on, provides)
}

// jsonVulnerability keeps a vulnerability that carries an analysis state
// as a VEX statement.
func (b *cdxBuilder) jsonVulnerability(r *jsonReader) error {
	var s Statement
	var state, first, last, updated, published string
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			s.Vulnerability, err = r.str()
		case "references":
			err = r.array(func() error {
				return r.object(func(key []byte) error {
					if string(key) == "id" {
						id, err := r.str()
						s.Aliases = add(s.Aliases, strings.TrimSpace(id))
						return err
					}
					return r.skip()
				})
			})
		case "updated":
			updated, err = r.str()
		case "published":
			published, err = r.str()
		case "analysis":
			err = r.object(func(key []byte) error {
				var err error
				switch string(key) {
				case "state":
					state, err = r.str()
				case "justification":
					s.Justification, err = r.str()
				case "response":
					s.Responses, err = r.strs()
				case "detail":
					s.Detail, err = r.str()
				case "firstIssued":
					first, err = r.str()
				case "lastUpdated":
					last, err = r.str()
				default:
					err = r.skip()
				}
				return err
			})
		case "affects":
			err = r.array(func() error {
				var ref string
				var versions []ProductVersion
				err := r.object(func(key []byte) error {
					var err error
					switch string(key) {
					case "ref":
						ref, err = r.str()
					case "versions":
						err = r.array(func() error {
							var v ProductVersion
							err := r.fields(field{"version", &v.Version}, field{"range", &v.Range}, field{"status", &v.Status})
							if v != (ProductVersion{}) {
								versions = append(versions, v)
							}
							return err
						})
					default:
						err = r.skip()
					}
					return err
				})
				ref = strings.TrimSpace(ref)
				s.Products = add(s.Products, ref)
				for _, v := range versions {
					v.Product = ref
					s.Versions = append(s.Versions, v)
				}
				return err
			})
		default:
			err = r.skip()
		}
		return err
	})
	state = strings.TrimSpace(state)
	if err != nil || state == "" {
		return err
	}
	s.Vulnerability = strings.TrimSpace(s.Vulnerability)
	if err := checkStatement(CycloneDXJSON, &s, state); err != nil {
		return err
	}
	s.Timestamp = statementTime(last, first, updated, published)
	return b.addStatement(s)
}
