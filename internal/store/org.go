package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"shencha/internal/auth"
	"shencha/internal/calendar"
	"shencha/internal/review"
)

// CreateOrg adds an organisation (admin).
func (s *Store) CreateOrg(ctx context.Context, a review.Actor, o review.Org) (review.Org, error) {
	if err := requireAdmin(a); err != nil {
		return o, err
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO orgs (kind, name, sector, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			o.Kind, o.Name, o.Sector, ts(s.Now())).Scan(&o.ID)
		if isUnique(err) {
			e := review.Conflict("duplicate", "what", "organisation")
			e.Field = "name"
			return e
		}
		if err != nil {
			return wrap("create org", err)
		}
		return s.audit(ctx, tx, a, "org.create", orgSubject(o.ID), o)
	})
	return o, err
}

func orgSubject(id int64) string { return "org:" + itoa(id) }

// Org reads an organisation.
func (s *Store) Org(ctx context.Context, id int64) (review.Org, error) {
	var o review.Org
	err := s.r.QueryRowContext(ctx, `SELECT id, kind, name, sector FROM orgs WHERE id = $1`, id).
		Scan(&o.ID, &o.Kind, &o.Name, &o.Sector)
	if errors.Is(err, sql.ErrNoRows) {
		return o, review.NotFound("organisation")
	}
	return o, wrap("org", err)
}

// OrgByName reads an organisation by its name.
func (s *Store) OrgByName(ctx context.Context, name string) (review.Org, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return review.Org{}, review.NotFound("organisation")
	}
	if err != nil {
		return review.Org{}, wrap("org", err)
	}
	return s.Org(ctx, id)
}

// Orgs lists organisations, optionally of one kind.
func (s *Store) Orgs(ctx context.Context, kind review.OrgKind) ([]review.Org, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, kind, name, sector FROM orgs WHERE ($1 = '' OR kind = $1) ORDER BY id`, string(kind))
	if err != nil {
		return nil, wrap("orgs", err)
	}
	defer rows.Close()
	var out []review.Org
	for rows.Next() {
		var o review.Org
		if err := rows.Scan(&o.ID, &o.Kind, &o.Name, &o.Sector); err != nil {
			return nil, wrap("orgs", err)
		}
		out = append(out, o)
	}
	return out, wrap("orgs", rows.Err())
}

// CreateUser adds a user with a password (admin).
func (s *Store) CreateUser(ctx context.Context, a review.Actor, u review.User, password string, p auth.Params) (review.User, error) {
	if err := requireAdmin(a); err != nil {
		return u, err
	}
	org, err := s.Org(ctx, u.OrgID)
	if err != nil {
		if review.IsKind(err, review.KindNotFound) {
			return u, review.Invalid("org_id", "field_invalid", "rule", "no such organisation")
		}
		return u, err
	}
	if err := review.ValidateUser(u, org); err != nil {
		return u, err
	}
	if len(password) < 8 {
		return u, review.Invalid("password", "field_too_short", "min", "8")
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	hash, err := auth.HashPassword(password, p)
	if err != nil {
		return u, review.Invalid("password", "field_too_long", "max", itoa(auth.MaxPassword))
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, org_id, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			u.Username, u.DisplayName, u.OrgID, u.Role, hash, ts(s.Now())).Scan(&u.ID)
		if isUnique(err) {
			e := review.Conflict("duplicate", "what", "user")
			e.Field = "username"
			return e
		}
		if err != nil {
			return wrap("create user", err)
		}
		return s.audit(ctx, tx, a, "user.create", "user:"+itoa(u.ID), map[string]any{"username": u.Username, "role": u.Role, "org_id": u.OrgID})
	})
	return u, err
}

// User reads a user.
func (s *Store) User(ctx context.Context, id int64) (review.User, error) {
	var u review.User
	err := s.r.QueryRowContext(ctx, `SELECT id, username, display_name, org_id, role, disabled FROM users WHERE id = $1`, id).
		Scan(&u.ID, &u.Username, &u.DisplayName, &u.OrgID, &u.Role, &u.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return u, review.NotFound("user")
	}
	return u, wrap("user", err)
}

// UserByName reads a user by username.
func (s *Store) UserByName(ctx context.Context, name string) (review.User, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return review.User{}, review.NotFound("user")
	}
	if err != nil {
		return review.User{}, wrap("user", err)
	}
	return s.User(ctx, id)
}

// Users lists users, optionally with one role.
func (s *Store) Users(ctx context.Context, role review.Role) ([]review.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, username, display_name, org_id, role, disabled FROM users WHERE ($1 = '' OR role = $1) ORDER BY id`, string(role))
	if err != nil {
		return nil, wrap("users", err)
	}
	defer rows.Close()
	var out []review.User
	for rows.Next() {
		var u review.User
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.OrgID, &u.Role, &u.Disabled); err != nil {
			return nil, wrap("users", err)
		}
		out = append(out, u)
	}
	return out, wrap("users", rows.Err())
}

// ActorOf builds the actor of a user.
func (s *Store) ActorOf(ctx context.Context, userID int64) (review.Actor, error) {
	var a review.Actor
	var disabled bool
	err := s.r.QueryRowContext(ctx, `SELECT u.id, u.username, u.role, u.org_id, o.sector, u.disabled FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1`, userID).
		Scan(&a.UserID, &a.Username, &a.Role, &a.OrgID, &a.Sector, &disabled)
	if errors.Is(err, sql.ErrNoRows) || disabled {
		return review.Actor{}, review.Unauthorized()
	}
	return a, wrap("actor", err)
}

// TokenCacheTTL is how long a checked token is trusted without asking the
// database again. A revocation in this process takes effect at once; one
// made through another replica, within this time. It must stay well under
// a minute: a session's last use is refreshed only on a cache miss.
var TokenCacheTTL = 5 * time.Second

type cachedToken struct {
	actor          review.Actor
	scopes         []string
	expires, until time.Time
}

// tokenCache holds recently checked tokens by digest (auth.TokenDigest).
type tokenCache struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]cachedToken
}

func (c *tokenCache) get(hash [sha256.Size]byte, now time.Time) (cachedToken, bool) {
	c.mu.RLock()
	t, ok := c.m[hash]
	c.mu.RUnlock()
	return t, ok && now.Before(t.until) && now.Before(t.expires)
}

func (c *tokenCache) put(hash [sha256.Size]byte, t cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 100_000 {
		c.m = map[[sha256.Size]byte]cachedToken{} // a crude bound: start over
	}
	c.m[hash] = t
}

// forget drops one token (a session rotated away at sign-in).
func (c *tokenCache) forget(hash [sha256.Size]byte) {
	c.mu.Lock()
	delete(c.m, hash)
	c.mu.Unlock()
}

// clear forgets every token (after a revocation or an account change).
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// Token scopes: read lets a client only read; write lets it act too.
var TokenScopes = []string{"read", "write"}

// APIToken describes a machine client's token (never its secret).
type APIToken struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"created_at"`
	ExpiresAt string   `json:"expires_at"`
	RevokedAt string   `json:"revoked_at,omitempty"`
}

// CreateToken issues an API token for the actor's own account, scoped and
// expiring. The secret is returned once and only its hash is kept.
func (s *Store) CreateToken(ctx context.Context, a review.Actor, name string, scopes []string, ttl time.Duration) (string, APIToken, error) {
	if a.Anonymous() {
		return "", APIToken{}, review.Unauthorized()
	}
	if strings.TrimSpace(name) == "" || len(name) > 100 {
		return "", APIToken{}, review.Invalid("name", "field_invalid", "rule", "1 to 100 characters")
	}
	if len(scopes) == 0 {
		return "", APIToken{}, review.Required("scopes")
	}
	for _, sc := range scopes {
		if !contains(TokenScopes, sc) {
			return "", APIToken{}, review.Invalid("scopes", "field_unknown_value", "value", sc)
		}
	}
	if ttl < time.Hour || ttl > 366*24*time.Hour {
		return "", APIToken{}, review.Invalid("ttl_hours", "field_out_of_range", "min", "1", "max", "8784")
	}
	tok, th := auth.NewToken()
	now := s.Now()
	t := APIToken{Name: name, Scopes: scopes, CreatedAt: ts(now), ExpiresAt: ts(now.Add(ttl))}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO tokens (hash, user_id, kind, name, scopes, created_at, expires_at) VALUES ($1, $2, 'api', $3, $4, $5, $6) RETURNING id`,
			th, a.UserID, name, strings.Join(scopes, ","), t.CreatedAt, t.ExpiresAt).Scan(&t.ID); err != nil {
			return wrap("create token", err)
		}
		return s.audit(ctx, tx, a, "token.create", "user:"+itoa(a.UserID), map[string]any{"token": t.ID, "scopes": scopes})
	})
	return tok, t, err
}

// Tokens lists the actor's named API tokens.
func (s *Store) Tokens(ctx context.Context, a review.Actor) ([]APIToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, scopes, created_at, expires_at, revoked_at FROM tokens WHERE user_id = $1 AND name <> '' ORDER BY id`, a.UserID)
	if err != nil {
		return nil, wrap("tokens", err)
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		var t APIToken
		var scopes string
		if err := rows.Scan(&t.ID, &t.Name, &scopes, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
			return nil, wrap("tokens", err)
		}
		t.Scopes = strings.Split(scopes, ",")
		out = append(out, t)
	}
	return out, wrap("tokens", rows.Err())
}

// RevokeToken revokes one of the actor's tokens.
func (s *Store) RevokeToken(ctx context.Context, a review.Actor, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at = ''`, ts(s.Now()), id, a.UserID)
		if err != nil {
			return wrap("revoke token", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return review.NotFound("token")
		}
		s.tokenCache.clear()
		return s.audit(ctx, tx, a, "token.revoke", "user:"+itoa(a.UserID), map[string]int64{"token": id})
	})
}

// Logout revokes a token.
func (s *Store) Logout(ctx context.Context, a review.Actor, token string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at = ''`, ts(s.Now()), auth.HashToken(token)); err != nil {
			return wrap("logout", err)
		}
		s.tokenCache.clear()
		return s.audit(ctx, tx, a, "logout", "user:"+itoa(a.UserID), nil)
	})
}

// CreateAccreditation records a lab's accreditation (admin).
func (s *Store) CreateAccreditation(ctx context.Context, a review.Actor, acc review.Accreditation) (review.Accreditation, error) {
	if err := requireAdmin(a); err != nil {
		return acc, err
	}
	lab, err := s.Org(ctx, acc.LabOrgID)
	if err != nil || lab.Kind != review.OrgLab {
		return acc, review.Invalid("lab_org_id", "field_invalid", "rule", "not a lab")
	}
	if len(acc.Methods) == 0 {
		return acc, review.Required("methods")
	}
	for _, m := range acc.Methods {
		if !contains(review.Methods, m) {
			return acc, review.Invalid("methods", "field_unknown_value", "value", string(m))
		}
	}
	if len(acc.Categories) == 0 {
		return acc, review.Required("categories")
	}
	for _, c := range acc.Categories {
		if !contains(review.Categories, c) {
			return acc, review.Invalid("categories", "field_unknown_value", "value", string(c))
		}
	}
	if acc.ValidTo.Before(acc.ValidFrom) {
		return acc, review.Invalid("valid_to", "field_invalid", "rule", "after valid_from")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO accreditations (lab_org_id, methods, categories, valid_from, valid_to, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			acc.LabOrgID, joinStrings(acc.Methods), joinStrings(acc.Categories), day(acc.ValidFrom), day(acc.ValidTo), ts(s.Now())).Scan(&acc.ID)
		if err != nil {
			return wrap("create accreditation", err)
		}
		return s.audit(ctx, tx, a, "accreditation.create", orgSubject(acc.LabOrgID), acc)
	})
	return acc, err
}

// SuspendAccreditation suspends a lab's accreditation (admin). Its live
// assignments end at once and the office is told through the audit trail.
func (s *Store) SuspendAccreditation(ctx context.Context, a review.Actor, id int64, reason string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return review.Required("reason")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var lab int64
		err := tx.QueryRowContext(ctx, `UPDATE accreditations SET suspended_at = $1, suspended_reason = $2 WHERE id = $3 AND suspended_at = '' RETURNING lab_org_id`,
			ts(s.Now()), reason, id).Scan(&lab)
		if errors.Is(err, sql.ErrNoRows) {
			return review.NotFound("accreditation")
		}
		if err != nil {
			return wrap("suspend accreditation", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE assignments SET ended_at = $1, ended_reason = $2 WHERE kind = 'lab' AND lab_org_id = $3 AND ended_at = ''`,
			ts(s.Now()), "accreditation suspended: "+reason, lab)
		if err != nil {
			return wrap("suspend assignments", err)
		}
		n, _ := res.RowsAffected()
		return s.audit(ctx, tx, a, "accreditation.suspend", orgSubject(lab), map[string]any{"accreditation": id, "reason": reason, "assignments_ended": n})
	})
}

// Accreditations lists a lab's accreditations (0 for all labs).
func (s *Store) Accreditations(ctx context.Context, labOrgID int64) ([]review.Accreditation, error) {
	return s.accreditations(ctx, s.r, labOrgID)
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) accreditations(ctx context.Context, q queryer, labOrgID int64) ([]review.Accreditation, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, lab_org_id, methods, categories, valid_from, valid_to, suspended_at FROM accreditations WHERE ($1 = 0 OR lab_org_id = $1) ORDER BY id`, labOrgID)
	if err != nil {
		return nil, wrap("accreditations", err)
	}
	defer rows.Close()
	var out []review.Accreditation
	for rows.Next() {
		var acc review.Accreditation
		var methods, cats, from, to, susp string
		if err := rows.Scan(&acc.ID, &acc.LabOrgID, &methods, &cats, &from, &to, &susp); err != nil {
			return nil, wrap("accreditations", err)
		}
		acc.Methods = splitStrings[review.Method](methods)
		acc.Categories = splitStrings[review.Category](cats)
		acc.ValidFrom = parseDay(from)
		acc.ValidTo = parseDay(to)
		if susp != "" {
			t := parseTS(susp)
			acc.SuspendedAt = &t
		}
		out = append(out, acc)
	}
	return out, wrap("accreditations", rows.Err())
}

// CreateTie records a declared tie of a lab or an expert to a provider (admin).
func (s *Store) CreateTie(ctx context.Context, a review.Actor, t review.Tie) (review.Tie, error) {
	if err := requireAdmin(a); err != nil {
		return t, err
	}
	if (t.LabOrgID == 0) == (t.ExpertUserID == 0) {
		return t, review.Invalid("lab_org_id", "field_invalid", "rule", "exactly one of lab_org_id and expert_user_id")
	}
	if !contains(review.TieKinds, t.Kind) {
		return t, review.Invalid("kind", "field_unknown_value", "value", string(t.Kind))
	}
	if p, err := s.Org(ctx, t.ProviderOrgID); err != nil || p.Kind != review.OrgProvider {
		return t, review.Invalid("provider_org_id", "field_invalid", "rule", "not a provider")
	}
	until := ""
	if t.Until != nil {
		until = day(*t.Until)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO ties (lab_org_id, expert_user_id, provider_org_id, kind, ended_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			nullID(t.LabOrgID), nullID(t.ExpertUserID), t.ProviderOrgID, t.Kind, until, t.Note, ts(s.Now())).Scan(&t.ID)
		if err != nil {
			return wrap("create tie", err)
		}
		return s.audit(ctx, tx, a, "tie.create", orgSubject(t.ProviderOrgID), t)
	})
	return t, err
}

// tiesOf lists the ties of a lab (org) or an expert (user).
func (s *Store) tiesOf(ctx context.Context, q queryer, labOrgID, expertUserID int64) ([]review.Tie, error) {
	return s.readTies(ctx, q, `WHERE (lab_org_id = $1 AND $1 <> 0) OR (expert_user_id = $2 AND $2 <> 0)`, labOrgID, expertUserID)
}

// DeclaredTies lists every declared tie, oldest first (admin, office: the
// people who declare ties and who assign labs and experts).
func (s *Store) DeclaredTies(ctx context.Context, a review.Actor) ([]review.Tie, error) {
	if a.Anonymous() {
		return nil, review.Unauthorized()
	}
	if a.Role != review.RoleAdmin && a.Role != review.RoleOffice {
		return nil, review.Forbidden("list_ties")
	}
	return s.readTies(ctx, s.r, ``)
}

// readTies reads the ties a WHERE clause selects.
func (s *Store) readTies(ctx context.Context, q queryer, where string, args ...any) ([]review.Tie, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(lab_org_id, 0), COALESCE(expert_user_id, 0), provider_org_id, kind, ended_on, note FROM ties `+
		where+` ORDER BY id`, args...)
	if err != nil {
		return nil, wrap("ties", err)
	}
	defer rows.Close()
	var out []review.Tie
	for rows.Next() {
		var t review.Tie
		var until string
		if err := rows.Scan(&t.ID, &t.LabOrgID, &t.ExpertUserID, &t.ProviderOrgID, &t.Kind, &until, &t.Note); err != nil {
			return nil, wrap("ties", err)
		}
		if until != "" {
			u := parseDay(until)
			t.Until = &u
		}
		out = append(out, t)
	}
	return out, wrap("ties", rows.Err())
}

// Ties lists the declared ties of a lab or an expert (admin, office).
func (s *Store) Ties(ctx context.Context, labOrgID, expertUserID int64) ([]review.Tie, error) {
	return s.tiesOf(ctx, s.r, labOrgID, expertUserID)
}

// LoadCalendarYear stores an admin-loaded year of holidays and puts it in force.
func (s *Store) LoadCalendarYear(ctx context.Context, a review.Actor, data []byte) (int, error) {
	if err := requireAdmin(a); err != nil {
		return 0, err
	}
	year, days, err := calendar.ParseYear(data)
	if err != nil {
		return 0, review.Invalid("file", "field_invalid", "rule", err.Error())
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_years WHERE year = $1`, year); err != nil {
			return wrap("calendar", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_years (year, data, loaded_by, loaded_at) VALUES ($1, $2, $3, $4)`, year, string(data), nullID(a.UserID), ts(s.Now())); err != nil {
			return wrap("calendar", err)
		}
		return s.audit(ctx, tx, a, "calendar.load", "calendar:"+itoa(int64(year)), map[string]int{"days": len(days)})
	})
	if err != nil {
		return 0, err
	}
	s.cal.Store(s.Calendar().WithYear(year, days))
	return year, nil
}

// loadCalendar puts admin-loaded years on top of the embedded calendar.
func (s *Store) loadCalendar(ctx context.Context) error {
	rows, err := s.r.QueryContext(ctx, `SELECT data FROM calendar_years ORDER BY year`)
	if err != nil {
		return wrap("calendar", err)
	}
	defer rows.Close()
	cal := calendar.Default()
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return wrap("calendar", err)
		}
		year, days, err := calendar.ParseYear([]byte(data))
		if err != nil {
			return wrap("calendar", err)
		}
		cal = cal.WithYear(year, days)
	}
	s.cal.Store(cal)
	return wrap("calendar", rows.Err())
}

// RequireAdmin is the admin's check, for a handler to make before it reads
// a body: a caller who may not act learns nothing about its input.
func RequireAdmin(a review.Actor) error { return requireAdmin(a) }

func requireAdmin(a review.Actor) error {
	if a.Anonymous() {
		return review.Unauthorized()
	}
	if a.Role != review.RoleAdmin {
		return review.Forbidden("admin")
	}
	return nil
}
