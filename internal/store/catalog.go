package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"sync"

	"shencha/internal/catalog"
	"shencha/internal/review"
)

// Catalogue versions: the embedded default is approved at migration; an
// admin loads a new version as proposed and it takes effect when the
// committee approves it (Art. 5). A case keeps the version it started with.
const (
	CatalogProposed = "proposed"
	CatalogApproved = "approved"
	CatalogRejected = "rejected"
)

// CatalogVersion describes one stored catalogue version.
type CatalogVersion struct {
	Version   string `json:"version"`
	Digest    string `json:"digest"`
	Status    string `json:"status"`
	Criteria  int    `json:"criteria"`
	LoadedAt  string `json:"loaded_at"`
	DecidedAt string `json:"decided_at,omitempty"`
	Note      string `json:"note,omitempty"`
}

var catalogCache sync.Map // digest -> *catalog.Catalog

// ensureCatalog stores the embedded catalogue as approved if no catalogue is
// stored yet.
func (s *Store) ensureCatalog(ctx context.Context) error {
	var n int
	if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_versions`).Scan(&n); err != nil || n > 0 {
		return wrap("catalog", err)
	}
	data := catalog.DefaultJSON()
	now := ts(s.Now())
	_, err := s.w.ExecContext(ctx, `INSERT INTO catalog_versions (version, digest, data, status, loaded_at, decided_at, approved_seq, note) VALUES ($1, $2, $3, $4, $5, $5, 1, $6) ON CONFLICT DO NOTHING`,
		catalog.Default().Version, digestOf(data), string(data), CatalogApproved, now, "embedded default")
	return wrap("catalog", err)
}

func digestOf(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// currentCatalog is the version new cases start with: the most recently
// approved one.
func (s *Store) currentCatalog(ctx context.Context, q queryer) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT version FROM catalog_versions WHERE status = $1 ORDER BY approved_seq DESC LIMIT 1`, CatalogApproved).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, wrap("catalog", err)
}

// Catalog returns a stored catalogue version ("" for the current one).
func (s *Store) Catalog(ctx context.Context, version string) (*catalog.Catalog, error) {
	if version == "" {
		v, err := s.currentCatalog(ctx, s.r)
		if err != nil {
			return nil, err
		}
		version = v
	}
	var data, digest string
	err := s.r.QueryRowContext(ctx, `SELECT data, digest FROM catalog_versions WHERE version = $1`, version).Scan(&data, &digest)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, review.NotFound("catalog_version")
	}
	if err != nil {
		return nil, wrap("catalog", err)
	}
	if c, ok := catalogCache.Load(digest); ok {
		return c.(*catalog.Catalog), nil
	}
	c, err := catalog.Parse([]byte(data))
	if err != nil {
		return nil, review.Internal(err)
	}
	catalogCache.Store(digest, c)
	return c, nil
}

// CatalogVersions lists every stored version.
func (s *Store) CatalogVersions(ctx context.Context) ([]CatalogVersion, error) {
	list, err := queryAll(ctx, s.r, "catalog versions", `SELECT version, digest, status, loaded_at, decided_at, note FROM catalog_versions ORDER BY loaded_at, version`,
		func(r *sql.Rows) (CatalogVersion, error) {
			var v CatalogVersion
			return v, r.Scan(&v.Version, &v.Digest, &v.Status, &v.LoadedAt, &v.DecidedAt, &v.Note)
		})
	for i := range list {
		if c, err := s.Catalog(ctx, list[i].Version); err == nil {
			list[i].Criteria = len(c.Criteria)
		}
	}
	return list, err
}

// LoadCatalog stores a new catalogue version as proposed (admin). It takes
// effect only when the committee approves it.
func (s *Store) LoadCatalog(ctx context.Context, a review.Actor, data []byte) (CatalogVersion, error) {
	if a.Role != review.RoleAdmin {
		return CatalogVersion{}, review.Forbidden("load_catalog")
	}
	c, err := catalog.Parse(data)
	if err != nil {
		return CatalogVersion{}, review.Invalid("catalog", "field_invalid", "rule", err.Error())
	}
	v := CatalogVersion{Version: c.Version, Digest: digestOf(data), Status: CatalogProposed, Criteria: len(c.Criteria), LoadedAt: ts(s.Now())}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_versions (version, digest, data, status, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			v.Version, v.Digest, string(data), v.Status, a.UserID, v.LoadedAt); err != nil {
			if isUnique(err) {
				return review.Conflict("duplicate", "what", "catalog version "+v.Version)
			}
			return wrap("load catalog", err)
		}
		return s.audit(ctx, tx, a, "catalog.load", "catalog:"+v.Version, map[string]any{"digest": v.Digest, "criteria": v.Criteria})
	})
	return v, err
}

// DecideCatalog approves or rejects a proposed version (committee, Art. 5).
func (s *Store) DecideCatalog(ctx context.Context, a review.Actor, version string, approve bool, note string) error {
	if a.Role != review.RoleCommittee {
		return review.Forbidden("approve_catalog")
	}
	status := CatalogRejected
	if approve {
		status = CatalogApproved
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT status FROM catalog_versions WHERE version = $1`, version).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return review.NotFound("catalog_version")
		}
		if err != nil {
			return wrap("decide catalog", err)
		}
		if cur != CatalogProposed {
			return review.Conflict("already_done", "action", "decide_catalog")
		}
		// Approvals are serialised by the transaction's write lock (SQLite)
		// or by locking every version row (PostgreSQL), so the sequence is strict.
		if _, err := queryAll(ctx, tx, "decide catalog", `SELECT version FROM catalog_versions`+s.forUpdate(), func(r *sql.Rows) (string, error) {
			var v string
			return v, r.Scan(&v)
		}); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE catalog_versions SET status = $1, decided_by = $2, decided_at = $3, note = $4,
			approved_seq = CASE WHEN $1 = 'approved' THEN (SELECT COALESCE(MAX(approved_seq), 0) + 1 FROM catalog_versions) ELSE 0 END
			WHERE version = $5`, status, a.UserID, ts(s.Now()), note, version)
		if err != nil {
			return wrap("decide catalog", err)
		}
		return s.audit(ctx, tx, a, "catalog."+status, "catalog:"+version, map[string]any{"note": note})
	})
}

// caseCatalog is the catalogue a case uses.
func (s *Store) caseCatalog(ctx context.Context, c *review.Case) (*catalog.Catalog, error) {
	return s.Catalog(ctx, c.CatalogVersion)
}
