package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"

	"shencha/internal/review"
	"shencha/internal/transparency"
)

// SyntheticRegister adds n public, passed listings for load tests and
// benchmarks (bench/eligibility), straight into the tables, in batches:
// one provider organisation, products of 1,000 versions each (purl
// pkg:generic/synthetic/p<i>@1.0.<k>, and an artifact digest), one
// published case per product, one listing per version with its publish
// event and signed statement queued for the log. by is the user recorded
// as having opened the cases. It is not for real data.
func (s *Store) SyntheticRegister(ctx context.Context, n int, by int64) error {
	const perProduct = 1000
	now := s.Now()
	stamp := ts(now)
	until := now.AddDate(3, 0, 0).Format("2006-01-02")
	var org int64
	provider := fmt.Sprintf("Synthetic Provider %d", now.UnixNano())
	if err := s.w.QueryRowContext(ctx, `INSERT INTO orgs (kind, name, sector, created_at) VALUES ($1, $2, '', $3) RETURNING id`,
		review.OrgProvider, provider, stamp).Scan(&org); err != nil {
		return wrap("synthetic", err)
	}
	keys := s.keys.Load()
	for first := 0; first < n; first += perProduct {
		count := min(perProduct, n-first)
		err := s.tx(ctx, func(tx *sql.Tx) error {
			p := first / perProduct
			name := fmt.Sprintf("Synthetic product %d-%d", org, p)
			var pid, cid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO products (provider_org_id, name, service, category, created_at) VALUES ($1, $2, FALSE, 'network_equipment', $3) RETURNING id`,
				org, name, stamp).Scan(&pid); err != nil {
				return wrap("synthetic", err)
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO cases (number, trigger_kind, product_id, category, applicant_org_id, provider_org_id, state, outcome,
				decided_at, scope, published_at, submitted_at, closed_at, created_by, created_at, updated_at, catalog_version)
				VALUES ($1, 'enterprise_application', $2, 'network_equipment', $3, $3, 'published', 'pass', $4, 'public', $4, $4, $4, $5, $4, $4, '2026.1') RETURNING id`,
				fmt.Sprintf("SYN-%d-%07d", org, p), pid, org, stamp, by).Scan(&cid); err != nil {
				return wrap("synthetic", err)
			}
			type row struct {
				vid, lid, eid int64
				version, purl string
				digest        string
			}
			rows := make([]row, count)
			insVersion, err := tx.PrepareContext(ctx, `INSERT INTO product_versions (product_id, version, purl, artifact_sha256, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`)
			if err != nil {
				return wrap("synthetic", err)
			}
			defer insVersion.Close()
			insListing, err := tx.PrepareContext(ctx, `INSERT INTO listings (version_id, case_id, scope, valid_until, created_at) VALUES ($1, $2, 'public', $3, $4) RETURNING id`)
			if err != nil {
				return wrap("synthetic", err)
			}
			defer insListing.Close()
			if err := s.lockListingEvents(ctx, tx); err != nil {
				return err
			}
			insEvent, err := tx.PrepareContext(ctx, `INSERT INTO listing_events (listing_id, status, action, reason, at) VALUES ($1, 'passed', 'publish', '', $2) RETURNING id`)
			if err != nil {
				return wrap("synthetic", err)
			}
			defer insEvent.Close()
			for k := range rows {
				r := &rows[k]
				r.version = fmt.Sprintf("1.0.%d", k)
				r.purl = fmt.Sprintf("pkg:generic/synthetic/p%d-%d@%s", org, p, r.version)
				sum := sha256.Sum256([]byte(r.purl))
				r.digest = hex.EncodeToString(sum[:])
				if err := insVersion.QueryRowContext(ctx, pid, r.version, r.purl, r.digest, stamp).Scan(&r.vid); err != nil {
					return wrap("synthetic", err)
				}
				if err := insListing.QueryRowContext(ctx, r.vid, cid, until, stamp).Scan(&r.lid); err != nil {
					return wrap("synthetic", err)
				}
				if err := insEvent.QueryRowContext(ctx, r.lid, stamp).Scan(&r.eid); err != nil {
					return wrap("synthetic", err)
				}
			}
			if err := insertRows(ctx, tx, s.dialect, `INSERT INTO case_versions (case_id, version_id) VALUES `, 2, count, func(i int) []any { return []any{cid, rows[i].vid} }); err != nil {
				return err
			}
			envs := make([][]byte, count)
			for i, r := range rows {
				f := verdictFacts{listingID: r.lid, seq: 1, scope: review.ScopePublic, number: fmt.Sprintf("SYN-%d-%07d", org, p), outcome: "pass",
					decidedAt: dateOf(stamp), catalogue: "2026.1", validFrom: dateOf(stamp), validUntil: until, product: name, provider: provider,
					version: r.version, purl: r.purl, artifact: r.digest, status: "passed", action: "publish", at: stamp}
				st := f.statement()
				envs[i] = transparency.SignEnvelope(keys.Verdict, transparency.PayloadType, st.Marshal()).Marshal()
			}
			return insertRows(ctx, tx, s.dialect, `INSERT INTO log_queue (kind, entry, envelope, listing_event_id, created_at) VALUES `, 5, count, func(i int) []any {
				return []any{transparency.KindVerdict, envs[i], string(envs[i]), rows[i].eid, stamp}
			})
		})
		if err != nil {
			return err
		}
	}
	s.wakeSequencer()
	return s.CatchUpRegister(ctx)
}

// SyntheticListingIDs returns the ids of the listings SyntheticRegister
// made (every listing of a synthetic case), for a load generator.
func (s *Store) SyntheticListingIDs(ctx context.Context) ([]int64, error) {
	return queryAll(ctx, s.r, "synthetic", `SELECT l.id FROM listings l JOIN cases c ON c.id = l.case_id WHERE c.number LIKE 'SYN-%' ORDER BY l.id`,
		func(r *sql.Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
}
