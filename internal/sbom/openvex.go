package sbom

import "strings"

// parseOpenVEX reads an OpenVEX document: v0.2.0 (vulnerability and
// products as objects) and the earlier v0.0.1 (as strings, subcomponents
// beside the products).
func parseOpenVEX(data []byte, lim Limits) (*Document, error) {
	r := newJSONReader(data, lim.MaxDepth)
	d := &Document{Format: OpenVEX}
	var timestamp, author string
	err := r.document(func(key []byte) error {
		var err error
		switch string(key) {
		case "@context":
			var ctx []string
			ctx, err = r.strs()
			for _, c := range ctx {
				if strings.Contains(strings.ToLower(c), "openvex") {
					d.SpecVersion = c
					break
				}
			}
		case "@id":
			d.Serial, err = r.str()
		case "author":
			author, err = r.str()
		case "timestamp":
			timestamp, err = r.str()
		case "statements":
			err = r.array(func() error {
				if len(d.VEX) >= lim.MaxComponents {
					return tooMany(lim.MaxComponents, "statements")
				}
				s, err := openVEXStatement(r)
				if err != nil {
					return err
				}
				d.VEX = append(d.VEX, s)
				return nil
			})
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	d.Authors = add(nil, strings.TrimSpace(author))
	d.Timestamp = parseTime(timestamp)
	for i := range d.VEX {
		if d.VEX[i].Timestamp.IsZero() {
			d.VEX[i].Timestamp = d.Timestamp
		}
	}
	return d, nil
}

func openVEXStatement(r *jsonReader) (Statement, error) {
	var s Statement
	var products, subs []string
	var impact, notes, action, timestamp string
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "vulnerability":
			if r.next() != '{' {
				s.Vulnerability, err = r.str()
				break
			}
			var name, id string
			err = r.object(func(key []byte) error {
				var err error
				switch string(key) {
				case "name":
					name, err = r.str()
				case "@id":
					id, err = r.str()
				case "aliases":
					var a []string
					a, err = r.strs()
					s.Aliases = add(s.Aliases, a...)
				default:
					err = r.skip()
				}
				return err
			})
			s.Vulnerability = firstNonEmpty(name, id)
		case "products":
			err = r.array(func() error {
				ids, err := openVEXProduct(r, &subs)
				products = add(products, ids...)
				return err
			})
		case "subcomponents":
			err = r.array(func() error {
				ids, err := openVEXProduct(r, nil)
				subs = add(subs, ids...)
				return err
			})
		case "status":
			s.Status, err = r.str()
		case "justification":
			s.Justification, err = r.str()
		case "impact_statement":
			impact, err = r.str()
		case "status_notes":
			notes, err = r.str()
		case "action_statement":
			action, err = r.str()
		case "timestamp":
			timestamp, err = r.str()
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return s, err
	}
	s.Vulnerability = strings.TrimSpace(s.Vulnerability)
	s.Aliases = uniq(s.Aliases)
	s.Status = strings.TrimSpace(s.Status)
	s.Justification = strings.TrimSpace(s.Justification)
	s.Detail = firstNonEmpty(impact, notes)
	s.Responses = add(nil, strings.TrimSpace(action))
	s.Subcomponents = uniq(subs)
	s.Products = uniq(append(products, subs...))
	s.Timestamp = parseTime(timestamp)
	return s, checkStatement(OpenVEX, &s, "")
}

// openVEXProduct reads a product or subcomponent: a string (v0.0.1) or an
// object with an @id and identifiers; a product's subcomponents go to
// *subs.
func openVEXProduct(r *jsonReader, subs *[]string) ([]string, error) {
	if r.next() != '{' {
		s, err := r.str()
		return add(nil, strings.TrimSpace(s)), err
	}
	var ids []string
	err := r.object(func(key []byte) error {
		switch string(key) {
		case "@id":
			s, err := r.str()
			ids = add(ids, strings.TrimSpace(s))
			return err
		case "identifiers":
			return r.object(func(key []byte) error {
				switch string(key) {
				case "purl", "cpe23", "cpe22":
					s, err := r.str()
					ids = add(ids, strings.TrimSpace(s))
					return err
				}
				return r.skip()
			})
		case "subcomponents":
			if subs == nil {
				return r.skip()
			}
			return r.array(func() error {
				s, err := openVEXProduct(r, nil)
				*subs = add(*subs, s...)
				return err
			})
		}
		return r.skip()
	})
	return ids, err
}
