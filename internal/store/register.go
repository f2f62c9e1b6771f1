package store

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"shencha/internal/calendar"
	"shencha/internal/review"
	"shencha/internal/transparency"

	"golang.org/x/mod/sumdb/tlog"
)

// The eligibility register in memory. Buyers ask about product versions
// far more often than listings change, so the listed versions, their
// listings and every listing event are held in memory, loaded at start and
// caught up after every transaction that changes a listing (and every
// second, for changes made by other replicas). A public answer, with its
// signed statement, inclusion proof and checkpoint, is then made without a
// query: the statement is rebuilt from the register and checked against
// the log's entry (see signedFromRegister).

// The register is kept compact and free of pointers the garbage collector
// would have to follow: products, cases, versions, listings and events
// live in slices of plain structs linked by index, their strings in one
// append-only arena, and the indexes are int32 slices (regindex.go). A
// million listings take about 300 bytes each, signatures included.

// str is a string in the arena.
type str struct{ off, n uint32 }

// regProduct is a product with listed versions.
type regProduct struct {
	id             int64
	name, provider str
}

// regCase is a case with listings: what their statements say about it.
type regCase struct {
	id                 int64
	number, sector     str
	decided, catalogue str // the decision's date, the catalogue version
	outcome            uint8
	conditional        bool // has conditions, read from the database
}

// regVersion is a listed product version.
type regVersion struct {
	id                         int64
	product                    int32 // in products
	last                       int32 // its newest listing
	version, purl, cpe, digest str
}

// regListing is one listing; its events are a chain from first to last.
type regListing struct {
	id, created   int64 // created: Unix nanoseconds
	validUntil    str
	kase, version int32 // its case and version; prev: the version's previous listing (-1)
	prev          int32
	first, last   int32 // its events
	scope         uint8 // index in scopes
	// newer: the version has a later listing (this one is not its last).
	newer bool
}

// regEvent is one listing event. A public event's signed statement is
// rebuilt from the register when asked for; the event keeps what cannot
// be rebuilt: the envelope's signature and key id, and its log index.
type regEvent struct {
	id, at         int64 // at: Unix nanoseconds
	reason         str
	next           int32  // the listing's next event, -1 ends
	logIdx         uint32 // its entry's index + 1, 0 while unknown
	sig            uint32 // its signature's slot in sigs + 1, 0 while unknown
	status, action uint8  // indexes in the register's words
	key            uint8  // its signature's key id, an index in keyIDs
}

var scopes = []review.Scope{review.ScopePublic, review.ScopeSector, review.ScopeParties}

// register is the in-memory index.
type register struct {
	mu        sync.RWMutex
	arena     []byte
	interned  map[string]str // strings many records share (names, dates)
	words     []string       // statuses, actions, outcomes
	wordIdx   map[string]uint8
	products  []regProduct
	cases     []regCase
	versions  []regVersion
	listings  []regListing
	events    []regEvent
	productAt map[int64]int32
	caseAt    map[int64]int32
	versionAt idIndex
	listingAt idIndex
	byPURL    hashIndex
	byCPE     hashIndex
	byDigest  hashIndex
	byProdVer hashIndex
	seed      maphash.Seed
	// sigs holds the statements' signatures, ed25519.SignatureSize bytes
	// a slot; keyIDs the keys that made them.
	sigs    []byte
	keyIDs  []string
	logSeen int64 // the newest log entry read, -1 for none
	// matched has a bit per event, set once its statement rebuilt from
	// the register was found to be its log entry: what the register holds
	// about an event does not change, so neither does the rebuilt
	// statement. Set and read with atomics, under mu read-locked.
	matched []uint32
	// open maps a version to the newest open case about it.
	open      map[int64]string
	lastEvent int64
	loaded    bool
}

func newRegister() *register {
	return &register{interned: map[string]str{}, wordIdx: map[string]uint8{}, productAt: map[int64]int32{}, caseAt: map[int64]int32{},
		seed: maphash.MakeSeed(), logSeen: -1}
}

// registerSize is what a first load will hold, to allocate it once.
type registerSize struct {
	events, listings, versions int
	maxListing, maxVersion     int64
	versionText, reasonText    int // the bytes of the versions' strings (a version's own is mostly its purl's end) and of reasons
}

// grow sizes the register for a first load.
func (g *register) grow(sz registerSize) {
	g.arena = slices.Grow(g.arena, sz.versionText+sz.reasonText+sz.versions*8+4096)
	g.versions = slices.Grow(g.versions, sz.versions)
	g.listings = slices.Grow(g.listings, sz.listings)
	g.events = slices.Grow(g.events, sz.events)
	g.matched = slices.Grow(g.matched, sz.events/32+1)
	g.sigs = slices.Grow(g.sigs, sz.events*ed25519.SignatureSize)
	g.versionAt.reserve(sz.maxVersion, sz.versions)
	g.listingAt.reserve(sz.maxListing, sz.listings)
	g.byPURL.reserve(sz.versions, g.purlHash)
	g.byDigest.reserve(sz.versions, g.digestHash)
	g.byProdVer.reserve(sz.versions, g.prodVerHash)
}

// put adds a string to the arena.
func (g *register) put(s string) str {
	if s == "" {
		return str{}
	}
	r := str{off: uint32(len(g.arena)), n: uint32(len(s))}
	g.arena = append(g.arena, s...)
	return r
}

// intern adds a string that many records share once.
func (g *register) intern(s string) str {
	if r, ok := g.interned[s]; ok {
		return r
	}
	r := g.put(s)
	g.interned[s] = r
	return r
}

// get reads an arena string without copying it: the arena only grows, and
// bytes once written never change, so the string stays valid (and keeps
// the array it points into alive) even after the arena is reallocated.
func (g *register) get(r str) string {
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&g.arena[r.off], int(r.n))
}

// eq compares an arena string without copying it.
func (g *register) eq(r str, s string) bool {
	return int(r.n) == len(s) && string(g.arena[r.off:r.off+r.n]) == s
}

func (g *register) word(w string) uint8 {
	if i, ok := g.wordIdx[w]; ok {
		return i
	}
	if len(g.words) == 255 {
		panic("register: more than 255 statuses and actions")
	}
	g.words = append(g.words, w)
	g.wordIdx[w] = uint8(len(g.words) - 1)
	return uint8(len(g.words) - 1)
}

// rawDigest is a hex SHA-256 as its 32 bytes (half the arena space), or ""
// when it is not one.
func rawDigest(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 32 {
		return ""
	}
	return string(b)
}

func (g *register) hash(s string) uint64 { return maphash.String(g.seed, s) }

func (g *register) prodVerKeyHash(product int64, version string) uint64 {
	var h maphash.Hash
	h.SetSeed(g.seed)
	maphash.WriteComparable(&h, product)
	h.WriteString(version)
	return h.Sum64()
}

// The hashes of version vi's keys, to grow the indexes.
func (g *register) purlHash(vi int32) uint64   { return g.hash(g.get(g.versions[vi].purl)) }
func (g *register) cpeHash(vi int32) uint64    { return g.hash(g.get(g.versions[vi].cpe)) }
func (g *register) digestHash(vi int32) uint64 { return g.hash(g.get(g.versions[vi].digest)) }
func (g *register) prodVerHash(vi int32) uint64 {
	v := &g.versions[vi]
	return g.prodVerKeyHash(g.products[v.product].id, g.get(v.version))
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
		c.number, c.sector, (SELECT COUNT(*) FROM conditions k WHERE k.case_id = c.id), c.outcome, c.decided_at, c.catalog_version,
		v.id, v.product_id, v.version, v.purl, v.cpe, v.artifact_sha256, p.name, o.name
		FROM listing_events e JOIN listings l ON l.id = e.listing_id JOIN cases c ON c.id = l.case_id
		JOIN product_versions v ON v.id = l.version_id JOIN products p ON p.id = v.product_id JOIN orgs o ON o.id = p.provider_org_id
		WHERE e.id > $1 ORDER BY e.id`, after)
	if err != nil {
		return wrap("register", err)
	}
	defer rows.Close()
	var sz registerSize
	if after == 0 { // the first load: size everything once rather than by doubling
		if err := s.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM listing_events), (SELECT COUNT(*) FROM listings),
			(SELECT COUNT(*) FROM product_versions v WHERE v.id IN (SELECT version_id FROM listings)),
			(SELECT COALESCE(MAX(id), 0) FROM listings), (SELECT COALESCE(MAX(version_id), 0) FROM listings),
			(SELECT COALESCE(SUM(LENGTH(v.purl) + LENGTH(v.cpe) + 32), 0) FROM product_versions v WHERE v.id IN (SELECT version_id FROM listings)),
			(SELECT COALESCE(SUM(LENGTH(reason)), 0) FROM listing_events)`).Scan(&sz.events, &sz.listings, &sz.versions,
			&sz.maxListing, &sz.maxVersion, &sz.versionText, &sz.reasonText); err != nil {
			return wrap("register", err)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if after == 0 && len(g.versions) == 0 {
		g.grow(sz)
	}
	g.open = make(map[int64]string, len(open))
	for _, x := range open {
		g.open[x.v] = x.n // the newest case last
	}
	for rows.Next() {
		var (
			eid, lid, caseID, vid, pid                 int64
			status, action, reason                     string
			at, scope, until, created, number, sector  string
			nconds                                     int
			outcome, decided, catalogue                string
			version, purl, cpe, digest, prod, provider string
		)
		if err := rows.Scan(&eid, &status, &at, &action, &reason, &lid, &caseID, &scope, &until, &created, &number, &sector, &nconds,
			&outcome, &decided, &catalogue, &vid, &pid, &version, &purl, &cpe, &digest, &prod, &provider); err != nil {
			return wrap("register", err)
		}
		vi, ok := g.versionAt.get(vid)
		if !ok {
			pi, ok := g.productAt[pid]
			if !ok {
				pi = int32(len(g.products))
				g.products = append(g.products, regProduct{id: pid, name: g.intern(prod), provider: g.intern(provider)})
				g.productAt[pid] = pi
			}
			vi = int32(len(g.versions))
			v := regVersion{id: vid, product: pi, purl: g.put(purl), cpe: g.put(cpe), digest: g.put(rawDigest(digest)), last: -1}
			if strings.HasSuffix(purl, "@"+version) && version != "" {
				v.version = str{off: v.purl.off + v.purl.n - uint32(len(version)), n: uint32(len(version))} // the purl's end
			} else {
				v.version = g.put(version)
			}
			g.versions = append(g.versions, v)
			g.versionAt.put(vid, vi, len(g.versions))
			if purl != "" {
				g.byPURL.add(g.hash(purl), vi, g.purlHash)
			}
			if cpe != "" {
				g.byCPE.add(g.hash(cpe), vi, g.cpeHash)
			}
			if d := rawDigest(digest); d != "" {
				g.byDigest.add(g.hash(d), vi, g.digestHash)
			}
			g.byProdVer.add(g.prodVerKeyHash(pid, version), vi, g.prodVerHash)
		}
		li, ok := g.listingAt.get(lid)
		if !ok {
			ci, ok := g.caseAt[caseID]
			if !ok {
				ci = int32(len(g.cases))
				g.cases = append(g.cases, regCase{id: caseID, number: g.intern(number), sector: g.intern(sector), decided: g.intern(dateOf(decided)),
					catalogue: g.intern(catalogue), outcome: g.word(outcome), conditional: nconds > 0})
				g.caseAt[caseID] = ci
			}
			li = int32(len(g.listings))
			g.listings = append(g.listings, regListing{id: lid, created: parseTS(created).UnixNano(), validUntil: g.intern(until), kase: ci,
				version: vi, prev: g.versions[vi].last, first: -1, last: -1, scope: uint8(slices.Index(scopes, review.Scope(scope)))})
			g.listingAt.put(lid, li, len(g.listings))
			if prev := g.versions[vi].last; prev >= 0 {
				g.listings[prev].newer = true
			}
			g.versions[vi].last = li
		}
		ei := int32(len(g.events))
		g.events = append(g.events, regEvent{id: eid, at: parseTS(at).UnixNano(), reason: g.put(reason), next: -1,
			status: g.word(status), action: g.word(action)})
		if int(ei)/32 == len(g.matched) {
			g.matched = append(g.matched, 0)
		}
		l := &g.listings[li]
		if l.last >= 0 {
			g.events[l.last].next = ei
		} else {
			l.first = ei
		}
		l.last = ei
		g.lastEvent = eid
	}
	if err := rows.Err(); err != nil {
		return wrap("register", err)
	}
	g.loaded = true
	return s.catchUpSignatures(ctx, g)
}

// catchUpSignatures reads the signatures and log indexes of the public
// statements appended since the last call.
func (s *Store) catchUpSignatures(ctx context.Context, g *register) error {
	rows, err := s.r.QueryContext(ctx, `SELECT idx, listing_event_id, key_id, sig FROM log_signatures WHERE idx > $1 ORDER BY idx`, g.logSeen)
	if err != nil {
		return wrap("register", err)
	}
	defer rows.Close()
	var sig [ed25519.SignatureSize + 2]byte // what base64 of 64 bytes may decode to, before its padding
	for rows.Next() {
		var idx, eid int64
		var keyID string
		var b64 []byte
		if err := rows.Scan(&idx, &eid, &keyID, &b64); err != nil {
			return wrap("register", err)
		}
		ei, found := slices.BinarySearchFunc(g.events, eid, func(e regEvent, id int64) int { return cmp.Compare(e.id, id) })
		if !found {
			break // an event the register has not read yet: the next catch-up reads both
		}
		g.logSeen = idx
		if n, err := base64.StdEncoding.Strict().Decode(sig[:], b64); err != nil || n != ed25519.SignatureSize || idx >= math.MaxUint32 {
			continue // answered from the database
		}
		k := slices.Index(g.keyIDs, keyID)
		if k < 0 {
			if len(g.keyIDs) == math.MaxUint8 {
				continue
			}
			k = len(g.keyIDs)
			g.keyIDs = append(g.keyIDs, keyID)
		}
		g.sigs = append(g.sigs, sig[:ed25519.SignatureSize]...)
		e := &g.events[ei]
		e.logIdx, e.sig, e.key = uint32(idx+1), uint32(len(g.sigs)/ed25519.SignatureSize), uint8(k)
	}
	return wrap("register", rows.Err())
}

// envelopeSignature reads the key id and signature of an envelope with one
// signature, as Marshal writes it, from its end.
func envelopeSignature(end string) (keyID string, sig []byte, ok bool) {
	const open, mid, close = `"signatures":[{"keyid":"`, `","sig":"`, `"}]}`
	i := strings.LastIndex(end, open)
	if i < 0 || !strings.HasSuffix(end, close) {
		return "", nil, false
	}
	keyID, rest, ok := strings.Cut(end[i+len(open):len(end)-len(close)], mid)
	if !ok || strings.ContainsAny(keyID, `"\`) {
		return "", nil, false
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "", nil, false
	}
	return keyID, sig, true
}

// registerAnswer answers a query from memory when it can: no date in the
// past, one product version (a purl with its version, a CPE, a digest,
// product and version, a listing), versions that have listings, and
// results the caller may see in full (public) or not at all (an anonymous
// caller). ok is false when the database path must answer.
func (s *Store) registerAnswer(ctx context.Context, a review.Actor, q ListingQuery, now time.Time, sc *listingScratch) ([]ListingAnswer, bool, error) {
	var buf [1]regPick // one version is the usual answer: no allocation for it
	picks, ok := s.reg.lookup(a, q, now, buf[:0])
	if !ok {
		return nil, false, nil
	}
	asOf := calendar.DateOf(now).String()
	var out []ListingAnswer
	var into *answerScratch // the first pick's attestation's, when reused
	if sc != nil && len(picks) <= len(sc.out) {
		out, into = sc.out[:0], &sc.att
	} else {
		out = make([]ListingAnswer, 0, len(picks))
	}
	for i := range picks {
		p := &picks[i]
		ans := p.answer
		ans.AsOf = asOf
		if p.scope != review.ScopePublic {
			out = append(out, ans)
			continue
		}
		var err error
		ans.Conditions = []review.Condition{}
		if p.conditional {
			if ans.Conditions, err = s.conditions(ctx, p.caseID); err != nil {
				return nil, false, err
			}
		}
		if i > 0 {
			into = nil
		}
		if ans.Attestation, err = s.signedFromRegister(ctx, p, into); ans.Attestation == nil && err == nil {
			ans.Attestation, err = s.attestation(ctx, p.eventID)
		}
		if err != nil {
			return nil, false, err
		}
		out = append(out, ans)
	}
	return out, true, nil
}

// signedFromRegister builds a public, unconditional listing's attestation
// without a query, in sc (or in one allocation if nil): the statement
// rebuilt from the register, the signature and log index the register
// read, the proof and checkpoint from the tree in memory. The rebuilt
// envelope must be the log's entry (see checkRebuilt), so a statement that
// says something the register does not (a name changed since, a different
// encoding) is never served: nil sends the caller to the database.
func (s *Store) signedFromRegister(ctx context.Context, p *regPick, sc *answerScratch) (*transparency.Attestation, error) {
	head := s.head.Load()
	if head == nil || !p.rebuildable(head.Size) {
		return nil, nil
	}
	if sc == nil {
		sc = new(answerScratch)
	}
	if sc.json = p.rebuild(sc.json, &sc.env, sc.sig[:]); !s.checkRebuilt(p, sc.json) {
		return nil, nil
	}
	k, err := s.proveInclusion(ctx, p.logIdx, head.Size, &sc.hashes)
	if err != nil {
		return nil, err
	}
	for i := range k {
		sc.proof[i] = sc.hashes[i][:]
	}
	sc.att = transparency.Attestation{Kind: transparency.KindVerdict, Index: p.logIdx, Envelope: &sc.env, EnvelopeJSON: sc.json,
		InclusionProof: sc.proof[:k:k], Checkpoint: head.Note}
	return &sc.att, nil
}

// answerScratch is what an attestation from the register is built in.
type answerScratch struct {
	att    transparency.Attestation
	env    transparency.Envelope
	sig    [1]transparency.Signature
	json   []byte // the envelope's
	hashes [transparency.MaxProof]tlog.Hash
	proof  [transparency.MaxProof][]byte
}

// listingScratch is what AppendListings reuses from one call to the next:
// the usual answer, about one version, and its attestation.
type listingScratch struct {
	out [1]ListingAnswer
	att answerScratch
}

var listingScratches = sync.Pool{New: func() any { return new(listingScratch) }}

// rebuildable reports whether the register can rebuild the pick's
// statement and prove it in a log of size entries.
func (p *regPick) rebuildable(size int64) bool {
	return p.scope == review.ScopePublic && !p.conditional && p.sig != nil && p.logIdx < size
}

// rebuild writes the envelope of a pick's statement into b, replacing what
// b held, and env and sigs (of length 1).
func (p *regPick) rebuild(b []byte, env *transparency.Envelope, sigs []transparency.Signature) []byte {
	p.facts.validFrom = ts(time.Unix(0, p.created))[:len(time.DateOnly)]
	p.facts.at = ts(time.Unix(0, p.at))
	p.facts.artifact = hex.EncodeToString([]byte(p.digest))
	scratch := statementBufs.Get().(*[]byte)
	stmt := p.facts.statement().AppendJSON((*scratch)[:0])
	b = slices.Grow(b[:0], transparency.OneSignatureLen(transparency.PayloadType, stmt, p.keyID, p.sig))
	b = transparency.AppendOneSignature(b, env, sigs, transparency.PayloadType, stmt, p.keyID, p.sig)
	*scratch = stmt
	statementBufs.Put(scratch)
	return b
}

// checkRebuilt reports whether a rebuilt envelope is its event's log
// entry: hashed and compared the first time, remembered after (the
// register's facts about an event do not change, nor does what they
// rebuild). A difference is counted.
func (s *Store) checkRebuilt(p *regPick, raw []byte) bool {
	if p.matched {
		return true
	}
	if leaf, err := s.tree.LeafHash(p.logIdx); err != nil || leaf != tlog.RecordHash(raw) {
		s.regMisses.Add(1)
		return false
	}
	p.reg.match(p.event)
	p.matched = true
	return true
}

// CheckRegister checks the statement the register rebuilds for each
// public listing's newest event against the log, as its first answer
// would, so that answers after it need not hash. serve runs it once the
// register is loaded; a statement found different is counted in differ,
// and its answers come from the database.
func (s *Store) CheckRegister(ctx context.Context) (checked, differ int, err error) {
	var picks []regPick
	var buf []byte
	var env transparency.Envelope
	var sig [1]transparency.Signature
	for i := 0; ; i++ {
		id, ok := s.reg.listingID(i)
		if !ok {
			return checked, differ, nil
		}
		if err := ctx.Err(); err != nil {
			return checked, differ, err
		}
		picks, _ = s.reg.lookup(review.Actor{}, ListingQuery{ListingID: id}, s.Now(), picks[:0])
		for j := range picks {
			p := &picks[j]
			if p.matched || !p.rebuildable(s.tree.Size()) {
				continue
			}
			checked++
			if buf = p.rebuild(buf, &env, sig[:]); !s.checkRebuilt(p, buf) {
				differ++
			}
		}
	}
}

// listingID is the id of the register's i-th listing.
func (g *register) listingID(i int) (int64, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if i >= len(g.listings) {
		return 0, false
	}
	return g.listings[i].id, true
}

// match records that event's rebuilt statement is its log entry.
func (g *register) match(event int32) {
	g.mu.RLock()
	atomic.OrUint32(&g.matched[event/32], 1<<(event%32))
	g.mu.RUnlock()
}

// statementBufs recycles the buffers statements are written into before
// their base64 goes into an envelope.
var statementBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// regPick is what the register holds about one answer.
type regPick struct {
	answer      ListingAnswer
	scope       review.Scope
	caseID      int64
	eventID     int64
	conditional bool
	// The newest event's statement, when the register can rebuild it,
	// and whether it was found to be the event's log entry before.
	facts       verdictFacts
	reg         *register
	event       int32 // the event's index in reg
	matched     bool
	sig         []byte
	keyID       string
	logIdx      int64
	created, at int64  // the listing's creation and the event's time (Unix nanoseconds)
	digest      string // the artifact's raw SHA-256
}

// lookup is the in-memory part of registerAnswer; ok is false when the
// database must answer.
func (g *register) lookup(a review.Actor, q ListingQuery, now time.Time, dst []regPick) ([]regPick, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if !g.loaded || q.AsOf != "" && q.AsOf != calendar.DateOf(now).String() {
		return nil, false
	}
	// The candidate versions: those in the run of slots the key's hash
	// starts, each checked against the key itself.
	var vs [4]int32
	found := vs[:0]
	// start is the listing asked for by id when it is its version's last:
	// the answer then starts from it without waiting for the version's
	// record, so the two reads from memory overlap.
	start := int32(-1)
	walk := func(x *hashIndex, key string, field func(*regVersion) str) {
		x.each(g.hash(key), func(i int32) bool {
			if g.eq(field(&g.versions[i]), key) {
				found = append(found, i)
			}
			return true
		})
	}
	switch {
	case q.ListingID != 0:
		if li, ok := g.listingAt.get(q.ListingID); ok {
			if sc := scopes[g.listings[li].scope]; sc != review.ScopePublic {
				// Outside its scope, a caller who names a listing learns
				// only that it exists (see hideSubject); whether a
				// signed-in caller is inside, the database decides.
				if !a.Anonymous() {
					return nil, false
				}
				return append(dst[:0], regPick{scope: sc, answer: ListingAnswer{Status: review.ListingNotDisclosed}}), true
			}
			found = append(found, g.listings[li].version)
			if !g.listings[li].newer {
				start = li
			}
		}
	case q.PURL != "":
		// A purl without a version asks about every version, listed
		// or not: the database answers. (It asks by the purl even when
		// a CPE or digest comes along, as the database does.)
		if strings.Contains(q.PURL, "@") {
			walk(&g.byPURL, q.PURL, func(v *regVersion) str { return v.purl })
		}
	case q.CPE != "":
		walk(&g.byCPE, q.CPE, func(v *regVersion) str { return v.cpe })
	case q.Digest != "":
		if d := rawDigest(strings.ToLower(strings.TrimPrefix(q.Digest, "sha256:"))); d != "" {
			walk(&g.byDigest, d, func(v *regVersion) str { return v.digest })
		}
	case q.ProductID != 0 && q.Version != "":
		g.byProdVer.each(g.prodVerKeyHash(q.ProductID, q.Version), func(i int32) bool {
			if v := &g.versions[i]; g.products[v.product].id == q.ProductID && g.eq(v.version, q.Version) {
				found = append(found, i)
			}
			return true
		})
	}
	if len(found) == 0 {
		return nil, false // not listed: the database knows whether under review
	}
	// In version id order, as the database path answers.
	slices.SortFunc(found, func(x, y int32) int { return cmp.Compare(g.versions[x].id, g.versions[y].id) })
	nowNano := now.UnixNano()
	picks := slices.Grow(dst[:0], len(found))
	for _, vi := range found {
		v := &g.versions[vi]
		li := start
		if li < 0 {
			li = v.last
		}
		for li >= 0 && g.listings[li].created > nowNano {
			li = g.listings[li].prev
		}
		if li < 0 {
			return nil, false
		}
		l := &g.listings[li]
		sc := scopes[l.scope]
		if sc != review.ScopePublic && !a.Anonymous() {
			return nil, false
		}
		c, prod := &g.cases[l.kase], &g.products[v.product]
		picks = append(picks, regPick{scope: sc, caseID: c.id, conditional: c.conditional})
		p := &picks[len(picks)-1]
		ans := &p.answer
		ans.ProductID, ans.Product, ans.Provider, ans.VersionID = prod.id, g.get(prod.name), g.get(prod.provider), v.id
		ans.Version, ans.PURL, ans.CPE = g.get(v.version), g.get(v.purl), g.get(v.cpe)
		if sc != review.ScopePublic {
			ans.Status = review.ListingNotDisclosed
			continue
		}
		n := 0
		for ei := l.first; ei >= 0 && g.events[ei].at <= nowNano; ei = g.events[ei].next {
			n++
		}
		ans.History = make([]review.ListingEvent, 0, n)
		var last *regEvent
		for ei := l.first; ei >= 0 && g.events[ei].at <= nowNano; ei = g.events[ei].next {
			e := &g.events[ei]
			ans.History = append(ans.History, review.ListingEvent{Status: review.ListingStatus(g.words[e.status]), At: time.Unix(0, e.at).UTC(),
				Action: g.words[e.action], Reason: g.get(e.reason)})
			p.eventID, p.event, last = e.id, ei, e
		}
		if last != nil && last.sig > 0 {
			p.reg, p.matched = g, atomic.LoadUint32(&g.matched[p.event/32])&(1<<(p.event%32)) != 0
			k := int(last.sig) * ed25519.SignatureSize
			p.sig = g.sigs[k-ed25519.SignatureSize : k : k]
			p.keyID, p.logIdx = g.keyIDs[last.key], int64(last.logIdx)-1
			p.facts = verdictFacts{listingID: l.id, seq: n, scope: sc, number: g.get(c.number), outcome: g.words[c.outcome], sector: g.get(c.sector),
				decidedAt: g.get(c.decided), catalogue: g.get(c.catalogue),
				validUntil: g.get(l.validUntil), product: ans.Product, provider: ans.Provider, version: ans.Version, purl: ans.PURL, cpe: ans.CPE,
				status: g.words[last.status], action: g.words[last.action], reason: g.get(last.reason)}
			// Formatted outside the lock, by signedFromRegister.
			p.created, p.at, p.digest = l.created, last.at, g.get(v.digest)
		}
		if n > 0 {
			ans.Status = ans.History[n-1].Status
		}
		ans.ListingID, ans.Case, ans.Scope, ans.ValidUntil = l.id, g.get(c.number), sc, g.get(l.validUntil)
		ans.Preferred, ans.MustNotProcure = ans.Status.Preferred(), ans.Status.MustNotProcure()
		_, ans.ReReview = g.open[v.id]
	}
	return picks, true
}

// InRegister reports whether the in-memory register answers q for an
// anonymous caller by itself, without the database: the part of an answer
// load tests time as the in-process lookup.
func (s *Store) InRegister(q ListingQuery) bool {
	var buf [1]regPick
	picks, ok := s.reg.lookup(review.Actor{}, q, s.Now(), buf[:0])
	return ok && len(picks) > 0
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

// PublicFeed lists events of public listings after the event id after:
// the oldest first, or (newest) the latest limit of them.
func (s *Store) PublicFeed(ctx context.Context, after int64, limit int, newest bool) ([]FeedItem, error) {
	limit = min(max(limit, 1), 500)
	// One condition for both orders: "$1 = $1" would leave PostgreSQL
	// unable to type the parameter.
	order, cond := "e.id", "e.id > $1"
	if newest {
		order = "e.id DESC"
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
