package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"shencha/internal/review"
)

// CreateProduct adds a product or service. A provider adds its own; the
// office may add one for any provider (market feedback, state requests).
func (s *Store) CreateProduct(ctx context.Context, a review.Actor, p review.Product) (review.Product, error) {
	switch {
	case a.Anonymous():
		return p, review.Unauthorized()
	case a.Role == review.RoleProvider:
		p.ProviderOrgID = a.OrgID
	case a.Role == review.RoleOffice && a.Sector == "":
		org, err := s.Org(ctx, p.ProviderOrgID)
		if err != nil || org.Kind != review.OrgProvider {
			return p, review.Invalid("provider_org_id", "field_invalid", "rule", "not a provider")
		}
	default:
		return p, review.Forbidden("create_product")
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO products (provider_org_id, name, service, category, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			p.ProviderOrgID, p.Name, p.Service, p.Category, ts(s.Now())).Scan(&p.ID)
		if isUnique(err) {
			e := review.Conflict("duplicate", "what", "product")
			e.Field = "name"
			return e
		}
		if err != nil {
			return wrap("create product", err)
		}
		return s.audit(ctx, tx, a, "product.create", "product:"+itoa(p.ID), p)
	})
	return p, err
}

// AddVersion adds a version to a product (its provider, or the national office).
func (s *Store) AddVersion(ctx context.Context, a review.Actor, v review.Version) (review.Version, error) {
	p, err := s.Product(ctx, v.ProductID)
	if err != nil {
		return v, err
	}
	if !(a.Role == review.RoleProvider && a.OrgID == p.ProviderOrgID || a.Role == review.RoleOffice && a.Sector == "") {
		return v, review.Forbidden("add_version")
	}
	v.ArtifactSHA256 = strings.ToLower(strings.TrimPrefix(v.ArtifactSHA256, "sha256:"))
	if err := v.Validate(); err != nil {
		return v, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO product_versions (product_id, version, purl, cpe, artifact_sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			v.ProductID, v.Version, v.PURL, v.CPE, v.ArtifactSHA256, ts(s.Now())).Scan(&v.ID)
		if isUnique(err) {
			e := review.Conflict("duplicate", "what", "version")
			e.Field = "version"
			return e
		}
		if err != nil {
			return wrap("add version", err)
		}
		return s.audit(ctx, tx, a, "version.create", "product:"+itoa(p.ID), v)
	})
	return v, err
}

// Product reads a product. Products are not confidential: the register
// names them.
func (s *Store) Product(ctx context.Context, id int64) (review.Product, error) {
	var p review.Product
	err := s.r.QueryRowContext(ctx, `SELECT id, provider_org_id, name, service, category FROM products WHERE id = $1`, id).
		Scan(&p.ID, &p.ProviderOrgID, &p.Name, &p.Service, &p.Category)
	if errors.Is(err, sql.ErrNoRows) {
		return p, review.NotFound("product")
	}
	return p, wrap("product", err)
}

// Products lists products, of one provider or all (0).
func (s *Store) Products(ctx context.Context, providerOrgID int64) ([]review.Product, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, provider_org_id, name, service, category FROM products WHERE ($1 = 0 OR provider_org_id = $1) ORDER BY id`, providerOrgID)
	if err != nil {
		return nil, wrap("products", err)
	}
	defer rows.Close()
	var out []review.Product
	for rows.Next() {
		var p review.Product
		if err := rows.Scan(&p.ID, &p.ProviderOrgID, &p.Name, &p.Service, &p.Category); err != nil {
			return nil, wrap("products", err)
		}
		out = append(out, p)
	}
	return out, wrap("products", rows.Err())
}

// Versions lists a product's versions.
func (s *Store) Versions(ctx context.Context, productID int64) ([]review.Version, error) {
	return s.versions(ctx, s.r, `WHERE product_id = $1 ORDER BY id`, productID)
}

// Version reads one product version.
func (s *Store) Version(ctx context.Context, id int64) (review.Version, error) {
	vs, err := s.versions(ctx, s.r, `WHERE id = $1`, id)
	if err != nil {
		return review.Version{}, err
	}
	if len(vs) == 0 {
		return review.Version{}, review.NotFound("version")
	}
	return vs[0], nil
}

func (s *Store) versions(ctx context.Context, q queryer, where string, args ...any) ([]review.Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, product_id, version, purl, cpe, artifact_sha256 FROM product_versions `+where, args...)
	if err != nil {
		return nil, wrap("versions", err)
	}
	defer rows.Close()
	var out []review.Version
	for rows.Next() {
		var v review.Version
		if err := rows.Scan(&v.ID, &v.ProductID, &v.Version, &v.PURL, &v.CPE, &v.ArtifactSHA256); err != nil {
			return nil, wrap("versions", err)
		}
		out = append(out, v)
	}
	return out, wrap("versions", rows.Err())
}
