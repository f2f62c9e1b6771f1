package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/review"
	"shencha/internal/transparency"
)

// publishListings creates the listing of each reviewed version, superseding
// the previous result of that version, and schedules expiry and condition
// checks in the same transaction.
func (s *Store) publishListings(ctx context.Context, tx *sql.Tx, a review.Actor, c *review.Case, scope review.Scope) error {
	var outcome string
	if err := tx.QueryRowContext(ctx, `SELECT outcome FROM cases WHERE id = $1`, c.ID).Scan(&outcome); err != nil {
		return wrap("publish", err)
	}
	now := s.Now()
	validUntil := calendar.DateOf(now.Add(s.Validity))
	for _, vid := range c.VersionIDs {
		var prevID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM listings WHERE version_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, vid).Scan(&prevID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return wrap("publish", err)
		}
		if prevID != 0 {
			hist, err := s.historyToChange(ctx, tx, prevID)
			if err != nil {
				return err
			}
			if st, err := review.NextListingStatus(review.System, review.ListSupersede, hist, "", true); err == nil {
				if err := s.listingEvent(ctx, tx, prevID, st, string(review.ListSupersede), "superseded by "+c.Number, review.System); err != nil {
					return err
				}
			}
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO listings (version_id, case_id, scope, valid_until, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			vid, c.ID, scope, validUntil.String(), ts(now)).Scan(&id); err != nil {
			return wrap("publish", err)
		}
		if err := s.listingEvent(ctx, tx, id, review.StatusOf(review.Outcome(outcome)), "publish", "", a); err != nil {
			return err
		}
		if outcome != string(review.OutcomeFail) {
			if err := s.enqueue(ctx, tx, ListingExpiryArgs{id}, startOfDayAfter(validUntil)); err != nil {
				return err
			}
		}
	}
	conds, err := s.conditionsTx(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	for _, cond := range conds {
		due, _ := calendar.ParseDate(cond.Due)
		if err := s.enqueue(ctx, tx, ConditionDueArgs{cond.ID}, startOfDayAfter(due)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) conditionsTx(ctx context.Context, tx *sql.Tx, caseID int64) ([]review.Condition, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, text, due FROM conditions WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, wrap("conditions", err)
	}
	defer rows.Close()
	var out []review.Condition
	for rows.Next() {
		var c review.Condition
		if err := rows.Scan(&c.ID, &c.Text, &c.Due); err != nil {
			return nil, wrap("conditions", err)
		}
		out = append(out, c)
	}
	return out, wrap("conditions", rows.Err())
}

func (s *Store) listingEvent(ctx context.Context, tx *sql.Tx, listingID int64, st review.ListingStatus, action, reason string, a review.Actor) error {
	if err := s.lockListingEvents(ctx, tx); err != nil {
		return err
	}
	var eventID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO listing_events (listing_id, status, action, reason, actor_user_id, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		listingID, st, action, reason, nullID(a.UserID), ts(s.Now())).Scan(&eventID); err != nil {
		return wrap("listing event", err)
	}
	if err := s.stateVerdict(ctx, tx, eventID); err != nil {
		return err
	}
	if err := s.notifyListing(ctx, tx, a, listingID, eventID, st, action, reason); err != nil {
		return err
	}
	s.registerChanged(tx)
	return s.audit(ctx, tx, a, "listing."+action, "listing:"+itoa(listingID), map[string]string{"status": string(st), "reason": reason})
}

// listingEventsLock is the PostgreSQL advisory lock key that orders the
// transactions writing listing events.
const listingEventsLock = 0x5368656e63686c // "Shenchl"

// lockListingEvents makes transactions that add listing events commit in
// the order of the events' ids. The register catches up by reading events
// after the last id it saw; on PostgreSQL, without this, an event whose id
// was drawn first but committed after a later one would never be read.
// Taken before the id is drawn and held until commit; listing changes are
// rare, so serialising them costs nothing noticeable. SQLite's single
// writer already orders them.
func (s *Store) lockListingEvents(ctx context.Context, tx *sql.Tx) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, listingEventsLock)
	return wrap("listing event", err)
}

// historyToChange reads a listing's history in a transaction about to add
// an event to it, after taking the listing-events lock, so that two changes
// cannot both be checked against the same history.
func (s *Store) historyToChange(ctx context.Context, tx *sql.Tx, listingID int64) ([]review.ListingEvent, error) {
	if err := s.lockListingEvents(ctx, tx); err != nil {
		return nil, err
	}
	return s.listingHistory(ctx, tx, listingID)
}

func (s *Store) listingHistory(ctx context.Context, q queryer, listingID int64) ([]review.ListingEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT status, at, action, reason FROM listing_events WHERE listing_id = $1 ORDER BY id`, listingID)
	if err != nil {
		return nil, wrap("listing history", err)
	}
	defer rows.Close()
	var out []review.ListingEvent
	for rows.Next() {
		var e review.ListingEvent
		var at string
		if err := rows.Scan(&e.Status, &at, &e.Action, &e.Reason); err != nil {
			return nil, wrap("listing history", err)
		}
		e.At = parseTS(at)
		out = append(out, e)
	}
	return out, wrap("listing history", rows.Err())
}

// ListingQuery names the product versions asked about.
type ListingQuery struct {
	ListingID int64
	PURL      string
	CPE       string
	// Digest is an artifact's SHA-256 ("sha256:<hex>" or bare hex).
	Digest    string
	ProductID int64
	Version   string
	// AsOf is a date (YYYY-MM-DD); the answer is the status at the end of that day.
	AsOf string
}

// ListingAnswer is the register's answer for one product version.
type ListingAnswer struct {
	ProductID      int64                 `json:"product_id"`
	Product        string                `json:"product"`
	Provider       string                `json:"provider"`
	VersionID      int64                 `json:"version_id"`
	Version        string                `json:"version"`
	PURL           string                `json:"purl,omitempty"`
	CPE            string                `json:"cpe,omitempty"`
	Status         review.ListingStatus  `json:"status"`
	Preferred      bool                  `json:"preferred"`
	MustNotProcure bool                  `json:"must_not_procure"`
	ListingID      int64                 `json:"listing_id,omitempty"`
	Case           string                `json:"case,omitempty"`
	Scope          review.Scope          `json:"scope,omitempty"`
	ValidUntil     string                `json:"valid_until,omitempty"`
	Conditions     []review.Condition    `json:"conditions,omitempty"`
	History        []review.ListingEvent `json:"history,omitempty"`
	ReReview       bool                  `json:"re_review_open,omitempty"`
	AsOf           string                `json:"as_of"`
	// Attestation is the signed statement of the listing's status at
	// AsOf, with its place in the transparency log and the proof.
	Attestation *transparency.Attestation `json:"attestation,omitempty"`
}

// Listings answers the register for the versions a query names, as the
// actor may see them (DESIGN §3 scope rules).
func (s *Store) Listings(ctx context.Context, a review.Actor, q ListingQuery) ([]ListingAnswer, error) {
	return s.listings(ctx, a, q, true, nil)
}

// AppendListings appends Listings' answer to b as AppendListingAnswers
// writes it. What an answer from the register is built in is reused by
// later calls: the eligibility API's answers leave no garbage behind.
func (s *Store) AppendListings(ctx context.Context, a review.Actor, q ListingQuery, b []byte) ([]byte, error) {
	sc := listingScratches.Get().(*listingScratch)
	defer listingScratches.Put(sc)
	ans, err := s.listings(ctx, a, q, true, sc)
	if err != nil {
		return b, err
	}
	b = AppendListingAnswers(b, ans)
	sc.out = [1]ListingAnswer{}
	return b, nil
}

// listings answers from the in-memory register when fast is set and it
// can, else from the database; sc, when not nil, is where an answer from
// the register is built.
func (s *Store) listings(ctx context.Context, a review.Actor, q ListingQuery, fast bool, sc *listingScratch) ([]ListingAnswer, error) {
	at := s.Now()
	if fast {
		if !s.reg.isLoaded() {
			if err := s.CatchUpRegister(ctx); err != nil {
				return nil, err
			}
		}
		// The register answers only as of today (an as_of it cannot
		// answer, well formed or not, is left to what follows).
		if ans, ok, err := s.registerAnswer(ctx, a, q, at, sc); ok || err != nil {
			return ans, err
		}
	}
	asOf := calendar.DateOf(at).String()
	if q.AsOf != "" {
		d, err := calendar.ParseDate(q.AsOf)
		if err != nil {
			return nil, review.Invalid("as_of", "field_invalid", "rule", "YYYY-MM-DD")
		}
		at, asOf = d.AddDays(1).Time().Add(-time.Microsecond), d.String()
	}
	var where string
	var args []any
	switch {
	case q.ListingID != 0:
		where, args = `WHERE v.id = (SELECT version_id FROM listings WHERE id = $1)`, []any{q.ListingID}
	case q.PURL != "":
		if !strings.HasPrefix(q.PURL, "pkg:") || len(q.PURL) > 1000 {
			return nil, review.Invalid("purl", "field_invalid", "rule", "a package URL (pkg:…)")
		}
		if strings.Contains(q.PURL, "@") {
			where, args = `WHERE v.purl = $1`, []any{q.PURL}
		} else {
			// Without a version, every version of the package answers.
			where, args = `WHERE v.purl = $1 OR (v.purl >= $2 AND v.purl < $3)`, []any{q.PURL, q.PURL + "@", q.PURL + "A"}
		}
	case q.CPE != "":
		where, args = `WHERE v.cpe = $1`, []any{q.CPE}
	case q.Digest != "":
		d := strings.ToLower(strings.TrimPrefix(q.Digest, "sha256:"))
		if !review.IsSHA256Hex(d) {
			return nil, review.Invalid("digest", "field_invalid", "rule", "sha256:<64 hex digits>")
		}
		where, args = `WHERE v.artifact_sha256 = $1`, []any{d}
	case q.ProductID != 0:
		where, args = `WHERE v.product_id = $1`, []any{q.ProductID}
		if q.Version != "" {
			where, args = where+` AND v.version = $2`, append(args, q.Version)
		}
	default:
		return nil, review.Required("purl")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT v.id, v.version, v.purl, v.cpe, p.id, p.name, o.name FROM product_versions v
		JOIN products p ON p.id = v.product_id JOIN orgs o ON o.id = p.provider_org_id `+where+` ORDER BY v.id LIMIT 100`, args...)
	if err != nil {
		return nil, wrap("listings", err)
	}
	var out []ListingAnswer
	for rows.Next() {
		var ans ListingAnswer
		if err := rows.Scan(&ans.VersionID, &ans.Version, &ans.PURL, &ans.CPE, &ans.ProductID, &ans.Product, &ans.Provider); err != nil {
			rows.Close()
			return nil, wrap("listings", err)
		}
		ans.AsOf = asOf
		out = append(out, ans)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("listings", err)
	}
	for i := range out {
		if err := s.answer(ctx, a, &out[i], at); err != nil {
			return nil, err
		}
	}
	if q.ListingID != 0 {
		if err := s.hideSubject(ctx, a, q.ListingID, out); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []ListingAnswer{}
		// A product version the register does not know was never
		// reviewed: say so, for the buyer's record.
		if q.ListingID == 0 && (strings.Contains(q.PURL, "@") || q.CPE != "" || q.Digest != "" || q.ProductID != 0 && q.Version != "") {
			out = append(out, ListingAnswer{ProductID: q.ProductID, Version: q.Version, PURL: q.PURL, CPE: q.CPE, Status: review.ListingNotReviewed, AsOf: asOf})
		}
	}
	return out, nil
}

// hideSubject keeps what a product version is from a caller outside the
// scope of the listing it asked about by id: that caller named no product,
// and the product of a result that is not public is part of the result
// (the result's page is not found for the same reason). The answer says
// only that a result exists and, to a buyer, whether it may be bought.
func (s *Store) hideSubject(ctx context.Context, a review.Actor, listingID int64, answers []ListingAnswer) error {
	var scope, number string
	err := s.r.QueryRowContext(ctx, `SELECT l.scope, c.number FROM listings l JOIN cases c ON c.id = l.case_id WHERE l.id = $1`, listingID).Scan(&scope, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return wrap("listing", err)
	}
	c, err := s.loadCase(ctx, s.r, number)
	if err != nil {
		return err
	}
	if review.ScopeIncludes(review.Scope(scope), a, c.Sector, review.PartiesOf(a, c)) {
		return nil
	}
	buyer := review.ProcurementView(a, c.Sector)
	for i, ans := range answers {
		answers[i] = ListingAnswer{Status: review.ListingNotDisclosed, AsOf: ans.AsOf,
			Preferred: buyer && ans.Preferred, MustNotProcure: buyer && ans.MustNotProcure}
	}
	return nil
}

// answer fills in one version's status at a time.
func (s *Store) answer(ctx context.Context, a review.Actor, ans *ListingAnswer, at time.Time) error {
	var caseID int64
	var scope, validUntil string
	err := s.r.QueryRowContext(ctx, `SELECT id, case_id, scope, valid_until FROM listings WHERE version_id = $1 AND created_at <= $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
		ans.VersionID, ts(at)).Scan(&ans.ListingID, &caseID, &scope, &validUntil)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrap("listing", err)
	}
	var openCase string
	err2 := s.r.QueryRowContext(ctx, `SELECT c.number FROM cases c JOIN case_versions cv ON cv.case_id = c.id WHERE cv.version_id = $1
		AND c.submitted_at <> '' AND c.submitted_at <= $2 AND (c.closed_at = '' OR c.closed_at > $2) ORDER BY c.id DESC LIMIT 1`, ans.VersionID, ts(at)).Scan(&openCase)
	if err2 != nil && !errors.Is(err2, sql.ErrNoRows) {
		return wrap("listing", err2)
	}
	if ans.ListingID == 0 {
		ans.Status = review.ListingNotReviewed
		if openCase != "" {
			ans.Status = review.ListingUnderReview
		}
		return nil
	}
	var c *review.Case
	var number string
	if err := s.r.QueryRowContext(ctx, `SELECT number FROM cases WHERE id = $1`, caseID).Scan(&number); err != nil {
		return wrap("listing", err)
	}
	if c, err = s.loadCase(ctx, s.r, number); err != nil {
		return err
	}
	hist, err := s.listingHistory(ctx, s.r, ans.ListingID)
	if err != nil {
		return err
	}
	st, _ := review.StatusAt(hist, at)
	if !review.ScopeIncludes(review.Scope(scope), a, c.Sector, review.PartiesOf(a, c)) {
		ans.Status, ans.ListingID = review.ListingNotDisclosed, 0
		if review.ProcurementView(a, c.Sector) {
			ans.Preferred, ans.MustNotProcure = st.Preferred(), st.MustNotProcure()
		}
		return nil
	}
	ans.Status, ans.Case, ans.Scope, ans.ValidUntil = st, number, review.Scope(scope), validUntil
	ans.Preferred, ans.MustNotProcure = st.Preferred(), st.MustNotProcure()
	ans.ReReview = openCase != ""
	for _, e := range hist {
		if !e.At.After(at) {
			ans.History = append(ans.History, e)
		}
	}
	if ans.Conditions, err = s.conditions(ctx, caseID); err != nil {
		return err
	}
	var eventID int64
	if err := s.r.QueryRowContext(ctx, `SELECT id FROM listing_events WHERE listing_id = $1 AND at <= $2 ORDER BY id DESC LIMIT 1`,
		ans.ListingID, ts(at)).Scan(&eventID); err != nil {
		return wrap("listing", err)
	}
	ans.Attestation, err = s.attestation(ctx, eventID)
	return err
}

// ListingAction takes an office action on a listing (suspend, reinstate, revoke).
func (s *Store) ListingAction(ctx context.Context, a review.Actor, listingID int64, act review.ListingAction, reason string) error {
	if a.Anonymous() {
		return review.Unauthorized()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		hist, err := s.historyToChange(ctx, tx, listingID)
		if err != nil {
			return err
		}
		st, err := review.NextListingStatus(a, act, hist, reason, false)
		if err != nil {
			return err
		}
		return s.listingEvent(ctx, tx, listingID, st, string(act), reason, a)
	})
}

// ExpireListing expires a listing whose validity has ended (job). It
// reports whether it did.
func (s *Store) ExpireListing(ctx context.Context, listingID int64) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var until string
		if err := tx.QueryRowContext(ctx, `SELECT valid_until FROM listings WHERE id = $1`, listingID).Scan(&until); err != nil {
			return wrap("expire", err)
		}
		if until >= calendar.DateOf(s.Now()).String() {
			return nil // still valid today
		}
		hist, err := s.historyToChange(ctx, tx, listingID)
		if err != nil {
			return err
		}
		st, err := review.NextListingStatus(review.System, review.ListExpire, hist, "", true)
		if err != nil {
			return nil // already revoked, superseded or expired
		}
		done = true
		return s.listingEvent(ctx, tx, listingID, st, string(review.ListExpire), "validity ended "+until, review.System)
	})
	return done, err
}

// CheckCondition flags a condition that is overdue and unmet (job) and, if
// the office so set it at the decision, suspends the case's listings. It
// reports how many listings it suspended.
func (s *Store) CheckCondition(ctx context.Context, conditionID int64) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var caseID int64
		var due, met, text, flagged string
		var suspend bool
		if err := tx.QueryRowContext(ctx, `SELECT case_id, due, met_at, text, overdue_at, suspend_if_overdue FROM conditions WHERE id = $1`, conditionID).Scan(&caseID, &due, &met, &text, &flagged, &suspend); err != nil {
			return wrap("condition", err)
		}
		if met != "" || due >= calendar.DateOf(s.Now()).String() {
			return nil
		}
		if flagged == "" {
			if _, err := tx.ExecContext(ctx, `UPDATE conditions SET overdue_at = $1 WHERE id = $2`, ts(s.Now()), conditionID); err != nil {
				return wrap("condition", err)
			}
			var state review.State
			if err := tx.QueryRowContext(ctx, `SELECT state FROM cases WHERE id = $1`, caseID).Scan(&state); err != nil {
				return wrap("condition", err)
			}
			if err := s.event(ctx, tx, caseID, "condition_overdue", state, state, review.System, map[string]any{"condition": conditionID, "due": due, "suspends": suspend}); err != nil {
				return err
			}
		}
		if !suspend {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM listings WHERE case_id = $1 ORDER BY id`, caseID)
		if err != nil {
			return wrap("condition", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return wrap("condition", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			hist, err := s.historyToChange(ctx, tx, id)
			if err != nil {
				return err
			}
			st, err := review.NextListingStatus(review.System, review.ListSuspend, hist, "", true)
			if err != nil {
				continue
			}
			if err := s.listingEvent(ctx, tx, id, st, string(review.ListSuspend), "condition overdue: "+text, review.System); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Sweep runs every timer check that is due: overdue clocks, expired
// listings, overdue conditions. The periodic job calls it as a backstop to
// the scheduled jobs; it is idempotent.
func (s *Store) Sweep(ctx context.Context) (clocks, listings, conditions int, err error) {
	ids := func(q string, args ...any) ([]int64, error) {
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, wrap("sweep", err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, wrap("sweep", err)
			}
			out = append(out, id)
		}
		return out, wrap("sweep", rows.Err())
	}
	today := calendar.DateOf(s.Now()).String()
	cids, err := ids(`SELECT id FROM clocks WHERE stopped = '' AND overdue_at = '' AND running_since <> ''`)
	if err != nil {
		return
	}
	for _, id := range cids {
		ok, e := s.CheckClock(ctx, id)
		if e != nil {
			return clocks, listings, conditions, e
		}
		if ok {
			clocks++
		}
	}
	lids, err := ids(`SELECT id FROM listings WHERE valid_until < $1`, today)
	if err != nil {
		return
	}
	for _, id := range lids {
		ok, e := s.ExpireListing(ctx, id)
		if e != nil {
			return clocks, listings, conditions, e
		}
		if ok {
			listings++
		}
	}
	kids, err := ids(`SELECT id FROM conditions WHERE met_at = '' AND due < $1`, today)
	if err != nil {
		return
	}
	for _, id := range kids {
		n, e := s.CheckCondition(ctx, id)
		if e != nil {
			return clocks, listings, conditions, e
		}
		conditions += n
	}
	return clocks, listings, conditions, nil
}
