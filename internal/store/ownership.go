package store

import (
	"context"
	"database/sql"
	"errors"

	"shencha/internal/review"
)

// OwnershipView is a provider's ownership and control chain (background
// investigation, DESIGN §4) with what follows from it.
type OwnershipView struct {
	Org     OrgRef         `json:"org"`
	Stakes  []StakeView    `json:"stakes"`
	Control review.Control `json:"control"`
	// Rule says in words how Control was derived.
	Rule string `json:"control_rule"`
}

// StakeView is a stake with its place in the chain.
type StakeView struct {
	review.Stake
	Depth   int  `json:"depth"`
	Foreign bool `json:"foreign"` // the owner's jurisdiction is not China's
}

// ControlRule is review.ControllerOf in words, for readers of the API.
const ControlRule = "From the provider upward, an entity is controlled by the one owner recorded as controlling it, " +
	"else by the owner holding more than 50 %; the last owner reached is the ultimate controller. " +
	"Two owners recorded as controlling one entity make control disputed (no ultimate controller)."

// ownershipRelations combines the actor's relations to the provider's
// cases it may list, stopping once enough says they suffice. The national
// office and the provider itself need none.
func (s *Store) ownershipRelations(ctx context.Context, q queryer, a review.Actor, orgID int64, enough func(review.Party) bool) (review.Party, error) {
	if enough(0) {
		return 0, nil
	}
	cond, args := visibilitySQL(review.VisibilityOf(a), 1)
	numbers, err := queryAll(ctx, q, "ownership relations", `SELECT c.number FROM cases c WHERE c.provider_org_id = $1 AND `+cond+` ORDER BY c.id`,
		func(r *sql.Rows) (string, error) {
			var n string
			return n, r.Scan(&n)
		}, append([]any{orgID}, args...)...)
	if err != nil {
		return 0, err
	}
	var rel review.Party
	for _, n := range numbers {
		c, err := s.loadCase(ctx, q, n)
		if err != nil {
			return 0, err
		}
		if rel |= review.PartiesOf(a, c); enough(rel) {
			break
		}
	}
	return rel, nil
}

// providerOrg reads the organisation whose chain is asked for: it must be
// a provider. lock holds its row until the transaction ends.
func (s *Store) providerOrg(ctx context.Context, q queryer, id int64, lock bool) (review.Org, error) {
	var o review.Org
	query := `SELECT id, kind, name, sector FROM orgs WHERE id = $1`
	if lock {
		query += s.forUpdate()
	}
	err := q.QueryRowContext(ctx, query, id).Scan(&o.ID, &o.Kind, &o.Name, &o.Sector)
	if errors.Is(err, sql.ErrNoRows) {
		return o, review.NotFound("organisation")
	}
	if err != nil {
		return o, wrap("org", err)
	}
	if o.Kind != review.OrgProvider {
		return o, review.Invalid("id", "field_invalid", "rule", "not a provider: only providers have an ownership chain here")
	}
	return o, nil
}

// CanReadOwnership reports whether the actor may read the provider's
// chain, for pages that link to it. It reads nothing confidential.
func (s *Store) CanReadOwnership(ctx context.Context, a review.Actor, orgID int64) (bool, error) {
	if a.Anonymous() {
		return false, nil
	}
	rel, err := s.ownershipRelations(ctx, s.r, a, orgID, func(p review.Party) bool { return review.MayReadOwnership(a, orgID, p) })
	return review.MayReadOwnership(a, orgID, rel), err
}

// Ownership returns a provider's chain to a reader the policy allows
// (review.MayReadOwnership); every read is audited, as the investigation
// is confidential (Art. 13).
func (s *Store) Ownership(ctx context.Context, a review.Actor, orgID int64, from string) (*OwnershipView, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	org, err := s.providerOrg(ctx, s.r, orgID, false)
	if err != nil {
		return nil, err
	}
	rel, err := s.ownershipRelations(ctx, s.r, a, orgID, func(p review.Party) bool { return review.MayReadOwnership(a, orgID, p) })
	if err != nil {
		return nil, err
	}
	if !review.MayReadOwnership(a, orgID, rel) {
		return nil, review.Forbidden("read_ownership")
	}
	chain, err := s.stakes(ctx, s.r, orgID)
	if err != nil {
		return nil, err
	}
	v := &OwnershipView{Org: OrgRef{org.ID, org.Name}, Stakes: []StakeView{}, Control: review.ControlOf(chain), Rule: ControlRule}
	depth := review.Depths(chain)
	for _, st := range chain {
		v.Stakes = append(v.Stakes, StakeView{Stake: st, Depth: depth[st.ID], Foreign: st.Jurisdiction != review.HomeJurisdiction})
	}
	if err := s.Audit(ctx, a, "ownership.read", orgSubject(orgID), map[string]any{"from": from, "stakes": len(chain)}); err != nil {
		return nil, err
	}
	return v, nil
}

// RecordStake adds an owner's stake to a provider's chain: the office
// records what its investigation finds, the provider declares its own
// (review.MayRecordOwnership). The checks and the insert share one
// transaction, with the provider's row locked, so two recorders cannot
// together push the shares in one entity past 100 %.
func (s *Store) RecordStake(ctx context.Context, a review.Actor, orgID int64, in review.NewStake) (review.Stake, error) {
	if a.Anonymous() {
		return review.Stake{}, review.Unauthorized()
	}
	var st review.Stake
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.providerOrg(ctx, tx, orgID, true); err != nil {
			return err
		}
		rel, err := s.ownershipRelations(ctx, tx, a, orgID, func(p review.Party) bool { return review.MayRecordOwnership(a, orgID, p) })
		if err != nil {
			return err
		}
		if !review.MayRecordOwnership(a, orgID, rel) {
			return review.Forbidden("record_ownership")
		}
		chain, err := s.stakes(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if st, err = review.CheckStake(in, chain); err != nil {
			return err
		}
		st.OrgID, st.RecordedBy, st.RecordedAt = orgID, a.Username, ts(s.Now())
		if err := tx.QueryRowContext(ctx, `INSERT INTO ownership (org_id, held_id, owner_name, owner_kind, jurisdiction, share_hundredths, control, notes, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			orgID, nullID(st.HeldID), st.OwnerName, st.OwnerKind, st.Jurisdiction, int(st.Share), st.Control, st.Notes, nullID(a.UserID), st.RecordedAt).Scan(&st.ID); err != nil {
			return wrap("record stake", err)
		}
		return s.audit(ctx, tx, a, "ownership.record", orgSubject(orgID), map[string]any{"stake": st.ID, "held_id": st.HeldID,
			"owner_name": st.OwnerName, "jurisdiction": st.Jurisdiction, "share": st.Share.String(), "control": st.Control})
	})
	return st, err
}

// stakes reads a provider's chain in the order it was recorded.
func (s *Store) stakes(ctx context.Context, q queryer, orgID int64) ([]review.Stake, error) {
	return queryAll(ctx, q, "ownership", `SELECT o.id, o.org_id, COALESCE(o.held_id, 0), o.owner_name, o.owner_kind, o.jurisdiction, o.share_hundredths, o.control, o.notes,
		COALESCE(u.username, ''), o.recorded_at FROM ownership o LEFT JOIN users u ON u.id = o.recorded_by WHERE o.org_id = $1 ORDER BY o.id`,
		func(r *sql.Rows) (review.Stake, error) {
			var st review.Stake
			var share int
			err := r.Scan(&st.ID, &st.OrgID, &st.HeldID, &st.OwnerName, &st.OwnerKind, &st.Jurisdiction, &share, &st.Control, &st.Notes, &st.RecordedBy, &st.RecordedAt)
			st.Share = review.Percent(share)
			return st, err
		}, orgID)
}
