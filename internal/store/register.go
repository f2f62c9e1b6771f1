package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/review"
	"shencha/internal/transparency"
)

// The eligibility register in memory. Buyers ask about product versions
// far more often than listings change, so the listed versions, their
// listings and every listing event are held in memory, loaded at start and
// caught up after every transaction that changes a listing (and every
// second, for changes made by other replicas). An answer then costs one
// query, for the signed statement, whose bytes stay in the database.

// regVersion is a listed product version.
type regVersion struct {
	id, productID                    int64
	product, provider, version, purl string
	cpe, digest                      string
	listings                         []regListing // oldest first, by value: one pointer less to chase
}

// regListing is one listing with its events. The fields a lookup reads
// come first, so they share a cache line.
type regListing struct {
	created     int64 // Unix nanoseconds
	scope       review.Scope
	events      []review.ListingEvent
	eventIDs    []int64
	id, caseID  int64
	number      string
	sector      string
	validUntil  string
	conditional bool // has conditions, read from the database
}

type prodVer struct {
	product int64
	version string
}

// register is the in-memory index.
type register struct {
	mu        sync.RWMutex
	versions  map[int64]*regVersion
	listings  map[int64]*regVersion // listing id → its version
	byPURL    map[string][]*regVersion
	byCPE     map[string][]*regVersion
	byDigest  map[string][]*regVersion
	byProdVer map[prodVer]*regVersion
	// open maps a version to the newest open case about it.
	open      map[int64]string
	lastEvent int64
	loaded    bool
}

func newRegister() *register {
	return &register{versions: map[int64]*regVersion{}, listings: map[int64]*regVersion{}, byPURL: map[string][]*regVersion{},
		byCPE: map[string][]*regVersion{}, byDigest: map[string][]*regVersion{}, byProdVer: map[prodVer]*regVersion{}}
}

// CatchUpRegister loads listing events the in-memory register has not
// seen: all of them the first time.
func (s *Store) CatchUpRegister(ctx context.Context) error {
	s.regMu.Lock() // one catch-up at a time
	defer s.regMu.Unlock()
	g := s.reg
	g.mu.RLock()
	after := g.lastEvent
	g.mu.RUnlock()
	open, err := queryAll(ctx, s.r, "register", `SELECT cv.version_id, c.number FROM cases c JOIN case_versions cv ON cv.case_id = c.id
		WHERE c.submitted_at <> '' AND c.closed_at = '' ORDER BY c.id`, func(r *sql.Rows) (struct {
		v int64
		n string
	}, error) {
		var x struct {
			v int64
			n string
		}
		return x, r.Scan(&x.v, &x.n)
	})
	if err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT e.id, e.status, e.at, e.action, e.reason, l.id, l.case_id, l.scope, l.valid_until, l.created_at,
		c.number, c.sector, (SELECT COUNT(*) FROM conditions k WHERE k.case_id = c.id),
		v.id, v.product_id, v.version, v.purl, v.cpe, v.artifact_sha256, p.name, o.name
		FROM listing_events e JOIN listings l ON l.id = e.listing_id JOIN cases c ON c.id = l.case_id
		JOIN product_versions v ON v.id = l.version_id JOIN products p ON p.id = v.product_id JOIN orgs o ON o.id = p.provider_org_id
		WHERE e.id > $1 ORDER BY e.id`, after)
	if err != nil {
		return wrap("register", err)
	}
	defer rows.Close()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = make(map[int64]string, len(open))
	for _, x := range open {
		g.open[x.v] = x.n // the newest case last
	}
	for rows.Next() {
		var (
			ev                               review.ListingEvent
			eid, lid, caseID, vid, pid       int64
			at, scope, until, created        string
			number, sector                   string
			nconds                           int
			version, purl, cpe, digest, prod string
			provider                         string
		)
		if err := rows.Scan(&eid, &ev.Status, &at, &ev.Action, &ev.Reason, &lid, &caseID, &scope, &until, &created, &number, &sector, &nconds,
			&vid, &pid, &version, &purl, &cpe, &digest, &prod, &provider); err != nil {
			return wrap("register", err)
		}
		ev.At = parseTS(at)
		v := g.versions[vid]
		if v == nil {
			v = &regVersion{id: vid, productID: pid, product: prod, provider: provider, version: version, purl: purl, cpe: cpe, digest: digest}
			g.versions[vid] = v
			if purl != "" {
				g.byPURL[purl] = append(g.byPURL[purl], v)
			}
			if cpe != "" {
				g.byCPE[cpe] = append(g.byCPE[cpe], v)
			}
			if digest != "" {
				g.byDigest[digest] = append(g.byDigest[digest], v)
			}
			g.byProdVer[prodVer{pid, version}] = v
		}
		var l *regListing
		for i := len(v.listings) - 1; i >= 0 && l == nil; i-- {
			if v.listings[i].id == lid {
				l = &v.listings[i]
			}
		}
		if l == nil {
			v.listings = append(v.listings, regListing{id: lid, caseID: caseID, number: number, sector: sector, scope: review.Scope(scope), validUntil: until,
				created: parseTS(created).UnixNano(), conditional: nconds > 0})
			l = &v.listings[len(v.listings)-1]
			g.listings[lid] = v
		}
		l.events = append(l.events, ev)
		l.eventIDs = append(l.eventIDs, eid)
		g.lastEvent = eid
	}
	g.loaded = true
	return wrap("register", rows.Err())
}

// registerAnswer answers a query from memory when it can: no date in the
// past, one product version (a purl with its version, a CPE, a digest,
// product and version, a listing), versions that have listings, and
// results the caller may see in full (public) or not at all (an anonymous
// caller). ok is false when the
// database path must answer.
func (s *Store) registerAnswer(ctx context.Context, a review.Actor, q ListingQuery, now time.Time) ([]ListingAnswer, bool, error) {
	picks, ok := s.reg.lookup(a, q, now)
	if !ok {
		return nil, false, nil
	}
	asOf := calendar.DateOf(now).String()
	out := make([]ListingAnswer, 0, len(picks))
	for _, p := range picks {
		ans := ListingAnswer{ProductID: p.v.productID, Product: p.v.product, Provider: p.v.provider, VersionID: p.v.id, Version: p.v.version,
			PURL: p.v.purl, CPE: p.v.cpe, AsOf: asOf}
		if p.l.scope != review.ScopePublic {
			ans.Status = review.ListingNotDisclosed
			out = append(out, ans)
			continue
		}
		ans.Status, ans.ListingID, ans.Case, ans.Scope, ans.ValidUntil = p.st, p.l.id, p.l.number, p.l.scope, p.l.validUntil
		ans.Preferred, ans.MustNotProcure = p.st.Preferred(), p.st.MustNotProcure()
		ans.History = p.hist
		var err error
		ans.Conditions = []review.Condition{}
		if p.l.conditional {
			if ans.Conditions, err = s.conditions(ctx, p.l.caseID); err != nil {
				return nil, false, err
			}
		}
		if ans.Attestation, err = s.quickAttestation(ctx, p.eventID); err != nil {
			return nil, false, err
		}
		ans.ReReview = p.open
		out = append(out, ans)
	}
	return out, true, nil
}

// regPick is a version and the listing (and event) in force for a query.
type regPick struct {
	v       *regVersion
	l       *regListing
	eventID int64
	st      review.ListingStatus
	hist    []review.ListingEvent
	open    bool // the version has an open case
}

// lookup is the in-memory part of registerAnswer; ok is false when the
// database must answer.
func (g *register) lookup(a review.Actor, q ListingQuery, now time.Time) ([]regPick, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if !g.loaded || q.AsOf != "" && q.AsOf != calendar.DateOf(now).String() {
		return nil, false
	}
	var one [1]*regVersion
	var vs []*regVersion
	switch {
	case q.ListingID != 0:
		if v := g.listings[q.ListingID]; v != nil {
			one[0] = v
			vs = one[:]
		}
	case q.PURL != "" && strings.Contains(q.PURL, "@"):
		// A purl without a version asks about every version, listed
		// or not: the database answers.
		vs = g.byPURL[q.PURL]
	case q.CPE != "":
		vs = g.byCPE[q.CPE]
	case q.Digest != "":
		vs = g.byDigest[strings.ToLower(strings.TrimPrefix(q.Digest, "sha256:"))]
	case q.ProductID != 0 && q.Version != "":
		if v := g.byProdVer[prodVer{q.ProductID, q.Version}]; v != nil {
			one[0] = v
			vs = one[:]
		}
	}
	if len(vs) == 0 {
		return nil, false // not listed: the database knows whether under review
	}
	nowNano := now.UnixNano()
	picks := make([]regPick, 0, len(vs))
	for _, v := range vs {
		var l *regListing
		for i := len(v.listings) - 1; i >= 0; i-- {
			if v.listings[i].created <= nowNano {
				l = &v.listings[i]
				break
			}
		}
		if l == nil || l.scope != review.ScopePublic && !a.Anonymous() {
			return nil, false
		}
		_, open := g.open[v.id]
		p := regPick{v: v, l: l, open: open}
		for i, e := range l.events {
			if e.At.After(now) {
				break
			}
			p.st, p.eventID, p.hist = e.Status, l.eventIDs[i], l.events[:i+1]
		}
		picks = append(picks, p)
	}
	return picks, true
}

// quickAttestation reads a listed event's log entry through a prepared
// statement and proves it against the newest checkpoint held in memory.
func (s *Store) quickAttestation(ctx context.Context, eventID int64) (*transparency.Attestation, error) {
	var idx int64
	var kind, envelope string
	var salt []byte
	stmt, err := s.attestationStmt(ctx)
	if err != nil {
		return nil, err
	}
	err = stmt.QueryRowContext(ctx, eventID).Scan(&idx, &kind, &envelope, &salt)
	if errors.Is(err, sql.ErrNoRows) {
		return s.attestation(ctx, eventID) // not sequenced yet: pending
	}
	if err != nil {
		return nil, wrap("attestation", err)
	}
	a := &transparency.Attestation{Kind: kind, Index: idx}
	env, err := transparency.ParseEnvelope([]byte(envelope))
	if err != nil {
		return nil, review.Internal(err)
	}
	a.Envelope = &env
	if salt != nil {
		a.Salt = b64(salt)
	}
	head := s.head.Load()
	if head == nil || head.Size <= idx {
		h, err := s.Checkpoint(ctx)
		if err != nil {
			return nil, err
		}
		head = &h
	}
	if a.InclusionProof, err = s.InclusionProof(ctx, idx, head.Size); err != nil {
		return nil, err
	}
	a.Checkpoint = head.Note
	return a, nil
}

// attestationStmt is quickAttestation's query, prepared once: SQLite spends
// more time parsing a statement than running this one.
func (s *Store) attestationStmt(ctx context.Context) (*sql.Stmt, error) {
	s.attOnce.Do(func() {
		s.attStmt, s.attErr = s.r.PrepareContext(ctx, `SELECT idx, kind, envelope, salt FROM log_entries WHERE listing_event_id = $1`)
	})
	if s.attErr != nil {
		return nil, wrap("attestation", s.attErr)
	}
	return s.attStmt, nil
}

func (g *register) isLoaded() bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.loaded
}

// FeedItem is one public listing event, for the register's feeds.
type FeedItem struct {
	EventID   int64                `json:"event_id"`
	ListingID int64                `json:"listing_id"`
	Case      string               `json:"case"`
	Product   string               `json:"product"`
	Provider  string               `json:"provider"`
	Version   string               `json:"version"`
	PURL      string               `json:"purl,omitempty"`
	CPE       string               `json:"cpe,omitempty"`
	Status    review.ListingStatus `json:"status"`
	Action    string               `json:"action"`
	Reason    string               `json:"reason,omitempty"`
	At        time.Time            `json:"at"`
	// LogIndex is the statement's entry in the transparency log (-1
	// while it waits for the sequencer).
	LogIndex int64 `json:"log_index"`
}

// PublicFeed lists events of public listings: oldest first after the event
// id after, or (newest) the latest limit events.
func (s *Store) PublicFeed(ctx context.Context, after int64, limit int, newest bool) ([]FeedItem, error) {
	limit = min(max(limit, 1), 500)
	order, cond := "e.id", "e.id > $1"
	if newest {
		order, cond = "e.id DESC", "$1 = $1"
	}
	return queryAll(ctx, s.r, "feed", `SELECT e.id, l.id, c.number, p.name, o.name, v.version, v.purl, v.cpe, e.status, e.action, e.reason, e.at,
		COALESCE((SELECT g.idx FROM log_entries g WHERE g.listing_event_id = e.id), -1)
		FROM listing_events e JOIN listings l ON l.id = e.listing_id JOIN cases c ON c.id = l.case_id
		JOIN product_versions v ON v.id = l.version_id JOIN products p ON p.id = v.product_id JOIN orgs o ON o.id = p.provider_org_id
		WHERE l.scope = 'public' AND `+cond+` ORDER BY `+order+` LIMIT $2`,
		func(r *sql.Rows) (FeedItem, error) {
			var f FeedItem
			var at string
			err := r.Scan(&f.EventID, &f.ListingID, &f.Case, &f.Product, &f.Provider, &f.Version, &f.PURL, &f.CPE, &f.Status, &f.Action, &f.Reason, &at, &f.LogIndex)
			f.At = parseTS(at)
			return f, err
		}, after, limit)
}
