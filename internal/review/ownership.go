package review

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// A provider's ownership and control chain (DESIGN §4, background
// investigation) is recorded as a tree of stakes: each stake says that an
// owner holds a share of the provider itself or of an owner recorded
// before it in the same chain. The chain is the provider's own record: an
// owner that is also an organisation in the system is recorded here by
// name like any other, and an entity that holds stakes at two places of
// the chain appears at both.
//
// Control follows ControllerOf, one step at a time from the provider
// upward; the last owner reached is the ultimate controller.

// OwnerKind is what an owner is.
type OwnerKind string

// Owner kinds.
const (
	OwnerCompany OwnerKind = "company"
	OwnerPerson  OwnerKind = "person"
	OwnerState   OwnerKind = "state" // a state body or state-owned assets administration
)

// OwnerKinds lists every owner kind.
var OwnerKinds = []OwnerKind{OwnerCompany, OwnerPerson, OwnerState}

// Percent is a share in hundredths of a per cent: 7250 is 72.50 %. Whole
// hundredths keep sums exact on both databases.
type Percent int

// Whole is 100 %.
const Whole Percent = 10000

// String renders the share with two decimals, as "72.50".
func (p Percent) String() string {
	return strconv.Itoa(int(p)/100) + "." + strconv.Itoa(int(p)%100/10) + strconv.Itoa(int(p)%10)
}

// MarshalJSON renders the share as a JSON number with two decimals.
func (p Percent) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// ParsePercent reads a share from 0 to 100 with at most two decimals
// ("72.5", "72.50", "100"), exactly: no floating point on the way.
func ParsePercent(field, s string) (Percent, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, Required(field)
	}
	whole, frac, _ := strings.Cut(s, ".")
	bad := Invalid(field, "field_invalid", "rule", "a number from 0 to 100 with at most two decimals")
	if whole == "" || len(whole) > 3 || len(frac) > 2 || strings.Contains(s, ".") && frac == "" || !digits(whole) || !digits(frac) {
		return 0, bad
	}
	w, _ := strconv.Atoi(whole)
	f, _ := strconv.Atoi((frac + "00")[:2])
	p := Percent(w*100 + f)
	if p > Whole {
		return 0, Invalid(field, "field_out_of_range", "min", "0", "max", "100")
	}
	return p, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Stake is one owner's holding in a provider's chain.
type Stake struct {
	ID    int64 `json:"id"`
	OrgID int64 `json:"org_id"` // the provider whose chain this is
	// HeldID is the stake whose owner this owner holds a share of; 0 is
	// the provider itself.
	HeldID       int64     `json:"held_id"`
	OwnerName    string    `json:"owner_name"`
	OwnerKind    OwnerKind `json:"owner_kind"`
	Jurisdiction string    `json:"jurisdiction"` // ISO 3166-1 alpha-2
	Share        Percent   `json:"share"`
	// Control: the owner controls the held entity beyond its share (board
	// seats, a golden share, VIE agreements).
	Control    bool   `json:"control"`
	Notes      string `json:"notes,omitempty"`
	RecordedBy string `json:"recorded_by"`
	RecordedAt string `json:"recorded_at"`
}

// NewStake is a stake as a recorder sends it.
type NewStake struct {
	HeldID       int64     `json:"held_id,omitempty"`
	OwnerName    string    `json:"owner_name"`
	OwnerKind    OwnerKind `json:"owner_kind"`
	Jurisdiction string    `json:"jurisdiction"`
	Share        Decimal   `json:"share"`
	Control      bool      `json:"control,omitempty"`
	Notes        string    `json:"notes,omitempty"`
}

// Decimal is a number as sent: a JSON number or a string holding one. It
// keeps the text, so ParsePercent reads it exactly and a bad value is
// refused naming its field rather than as an unreadable body.
type Decimal string

// UnmarshalJSON keeps a string's content or any other JSON value's text.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*d = Decimal(s)
		return nil
	}
	*d = Decimal(b)
	return nil
}

// HomeJurisdiction is the jurisdiction that is not foreign.
const HomeJurisdiction = "CN"

// CheckStake validates a new stake against the chain recorded so far and
// returns the stake to store: the entity it holds must be in the chain, the
// direct shares in one entity add up to at most 100 %, and one entity has
// each owner once.
func CheckStake(in NewStake, chain []Stake) (Stake, error) {
	st := Stake{HeldID: in.HeldID, OwnerName: strings.TrimSpace(in.OwnerName), OwnerKind: in.OwnerKind,
		Jurisdiction: in.Jurisdiction, Control: in.Control, Notes: in.Notes}
	if in.HeldID < 0 || in.HeldID > 0 && !slices.ContainsFunc(chain, func(s Stake) bool { return s.ID == in.HeldID }) {
		return st, Invalid("held_id", "field_invalid", "rule", "0 for the provider, or the id of an owner in its chain")
	}
	if err := text("owner_name", st.OwnerName, 200); err != nil {
		return st, err
	}
	if in.OwnerKind == "" {
		return st, Required("owner_kind")
	}
	if !slices.Contains(OwnerKinds, in.OwnerKind) {
		return st, Invalid("owner_kind", "field_unknown_value", "value", string(in.OwnerKind))
	}
	if in.Jurisdiction == "" {
		return st, Required("jurisdiction")
	}
	if len(in.Jurisdiction) != 2 || !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZ", rune(in.Jurisdiction[0])) ||
		!strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZ", rune(in.Jurisdiction[1])) {
		return st, Invalid("jurisdiction", "field_invalid", "rule", "ISO 3166-1 alpha-2: two capital letters, e.g. CN")
	}
	share, err := ParsePercent("share", string(in.Share))
	if err != nil {
		return st, err
	}
	st.Share = share
	if len(in.Notes) > 2000 {
		return st, Invalid("notes", "field_too_long", "max", "2000")
	}
	total := share
	for _, s := range chain {
		if s.HeldID != in.HeldID {
			continue
		}
		if strings.EqualFold(s.OwnerName, st.OwnerName) {
			return st, Invalid("owner_name", "field_invalid", "rule", "already recorded as an owner of this entity")
		}
		total += s.Share
	}
	if total > Whole {
		return st, Invalid("share", "field_invalid", "rule", "the direct shares in one entity add up to at most 100 (already "+(total-share).String()+")")
	}
	return st, nil
}

// ControllerOf names the owner that controls an entity of the chain (0 is
// the provider) by a simple rule, stated in full:
//
//   - an owner recorded as controlling it (Control) controls it; when two or
//     more are recorded so, control is disputed and no owner is named;
//   - otherwise the owner holding more than 50 % controls it;
//   - otherwise no owner does.
//
// A recorded control flag wins over a majority of shares: it is recorded
// exactly for control that does not follow the shares (a VIE, a golden share).
func ControllerOf(chain []Stake, held int64) (controller Stake, found, disputed bool) {
	var flagged, majority []Stake
	for _, s := range chain {
		if s.HeldID != held {
			continue
		}
		if s.Control {
			flagged = append(flagged, s)
		}
		if s.Share > Whole/2 {
			majority = append(majority, s)
		}
	}
	switch {
	case len(flagged) > 1:
		return Stake{}, false, true
	case len(flagged) == 1:
		return flagged[0], true, false
	case len(majority) == 1:
		return majority[0], true, false
	}
	return Stake{}, false, false
}

// Control is what the chain says about control of the provider.
type Control struct {
	// Path is the chain of control from the provider upward: the stake
	// that controls the provider, the one that controls that owner, …
	Path []int64 `json:"path"`
	// Ultimate is the last stake of the path, the ultimate controller;
	// 0 when no owner controls the provider or control is disputed.
	Ultimate int64 `json:"ultimate_controller_id,omitempty"`
	// Disputed: two or more owners are recorded as controlling the same
	// entity of the path, so the ultimate controller is not determined.
	Disputed bool `json:"disputed"`
}

// ControlOf follows ControllerOf from the provider upward.
func ControlOf(chain []Stake) Control {
	c := Control{Path: []int64{}}
	held := int64(0)
	for range len(chain) + 1 { // a tree has no cycle; the bound is a guard
		s, ok, disputed := ControllerOf(chain, held)
		if disputed {
			c.Disputed = true
			return c
		}
		if !ok {
			break
		}
		c.Path = append(c.Path, s.ID)
		held = s.ID
	}
	if len(c.Path) > 0 {
		c.Ultimate = c.Path[len(c.Path)-1]
	}
	return c
}

// Depths gives each stake its depth in the chain: 1 for an owner of the
// provider, 2 for an owner of that owner, and so on. A stake holds only
// stakes recorded before it, so one pass in id order suffices.
func Depths(chain []Stake) map[int64]int {
	sorted := slices.Clone(chain)
	slices.SortFunc(sorted, func(a, b Stake) int { return int(a.ID - b.ID) })
	d := map[int64]int{0: 0}
	for _, s := range sorted {
		d[s.ID] = d[s.HeldID] + 1
	}
	delete(d, 0)
	return d
}

// ownershipReaders are the relations to a provider's case that give access
// to the provider's ownership chain: the review's own people. A CII
// department or an applicant does not read the investigation.
const ownershipReaders = PartyOffice | PartyLab | PartyExpert | PartyCommittee

// MayReadOwnership decides whether the actor may read a provider's chain,
// given rel, its relations to the provider's cases taken together: the
// national office, the provider itself, and the office, assigned labs and
// experts and the committee of one of its cases. Investigation is
// confidential (Art. 13): not the public, not other providers.
func MayReadOwnership(a Actor, providerOrgID int64, rel Party) bool {
	if a.Anonymous() {
		return false
	}
	return a.Role == RoleOffice && a.Sector == "" || a.Role == RoleProvider && a.OrgID == providerOrgID || rel&ownershipReaders != 0
}

// MayRecordOwnership decides whether the actor may record a stake in a
// provider's chain: the office (a sector regulator for a provider with a
// case in its sector) records what its investigation finds, and the
// provider declares its own ownership (Art. 13: providers cooperate).
func MayRecordOwnership(a Actor, providerOrgID int64, rel Party) bool {
	if a.Anonymous() {
		return false
	}
	return a.Role == RoleOffice && (a.Sector == "" || rel&PartyOffice != 0) || a.Role == RoleProvider && a.OrgID == providerOrgID
}
