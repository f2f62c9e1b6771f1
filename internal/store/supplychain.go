package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"

	"shencha/internal/review"
	"shencha/internal/sbom"
	"shencha/internal/scan"
	"shencha/internal/vuln"
)

// advisoryCache is the in-memory advisory index of one import: rebuilt
// when another import (on any replica) has landed since.
type advisoryCache struct {
	mu       sync.Mutex
	importID int64
	db       *vuln.DB
}

// AdvisoryImport is the result of one import of OSV records.
type AdvisoryImport struct {
	ID         int64          `json:"id"`
	Source     string         `json:"source"`
	Digest     string         `json:"digest"`
	Records    int            `json:"records"`
	Added      int            `json:"added"`
	Changed    int            `json:"changed"`
	Skipped    map[string]int `json:"skipped"`
	ImportedBy string         `json:"imported_by"`
	ImportedAt string         `json:"imported_at"`
}

// AdvisoryTriggerArgs is the job that looks for listed product versions an
// import newly affects.
type AdvisoryTriggerArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind names the job.
func (AdvisoryTriggerArgs) Kind() string { return "advisory_trigger" }

// ImportAdvisories stores a set of OSV records (admin, office, or the CLI
// operator): new ids are added, changed ones replaced, the rest kept. The
// import records the digest of the whole advisory set after it, and a job
// looks for the listed product versions it newly affects.
func (s *Store) ImportAdvisories(ctx context.Context, a review.Actor, source string, records []vuln.Record, stats vuln.ImportStats) (AdvisoryImport, error) {
	imp := AdvisoryImport{Source: source, Records: len(records), Skipped: stats.Skipped, ImportedBy: a.Username, ImportedAt: ts(s.Now())}
	var db *vuln.DB
	if a.Role != review.RoleAdmin && a.Role != review.RoleOffice {
		return imp, review.Forbidden("import_advisories")
	}
	if imp.Skipped == nil {
		imp.Skipped = map[string]int{}
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		skipped, _ := jsonMarshal(imp.Skipped)
		if err := tx.QueryRowContext(ctx, `INSERT INTO advisory_imports (source, digest, records, added, changed, skipped, imported_by, imported_at) VALUES ($1, '', $2, 0, 0, $3, $4, $5) RETURNING id`,
			source, imp.Records, skipped, imp.ImportedBy, imp.ImportedAt).Scan(&imp.ID); err != nil {
			return wrap("advisory import", err)
		}
		known := map[string]string{}
		rows, err := queryAll(ctx, tx, "advisories", `SELECT id, digest FROM advisories`, func(r *sql.Rows) ([2]string, error) {
			var x [2]string
			return x, r.Scan(&x[0], &x[1])
		})
		if err != nil {
			return err
		}
		for _, x := range rows {
			known[x[0]] = x[1]
		}
		for _, rec := range records {
			sum := sha256.Sum256(rec.Raw)
			d := hex.EncodeToString(sum[:])
			old, ok := known[rec.ID]
			switch {
			case !ok:
				imp.Added++
				_, err = tx.ExecContext(ctx, `INSERT INTO advisories (id, digest, record, withdrawn, import_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
					rec.ID, d, string(rec.Raw), !rec.Withdrawn.IsZero(), imp.ID, imp.ImportedAt)
			case old != d:
				imp.Changed++
				_, err = tx.ExecContext(ctx, `UPDATE advisories SET digest = $1, record = $2, withdrawn = $3, import_id = $4, updated_at = $5 WHERE id = $6`,
					d, string(rec.Raw), !rec.Withdrawn.IsZero(), imp.ID, imp.ImportedAt, rec.ID)
			}
			if err != nil {
				return wrap("advisory", err)
			}
			known[rec.ID] = d
		}
		if db, err = s.loadAdvisories(ctx, tx); err != nil {
			return err
		}
		imp.Digest = db.Digest()
		if _, err := tx.ExecContext(ctx, `UPDATE advisory_imports SET digest = $1, added = $2, changed = $3 WHERE id = $4`, imp.Digest, imp.Added, imp.Changed, imp.ID); err != nil {
			return wrap("advisory import", err)
		}
		if imp.Added+imp.Changed > 0 {
			if err := s.enqueue(ctx, tx, AdvisoryTriggerArgs{imp.ID}, s.Now()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, "advisories.import", "advisories", map[string]any{"import": imp.ID, "source": source, "digest": imp.Digest,
			"added": imp.Added, "changed": imp.Changed, "skipped": imp.Skipped})
	})
	if err == nil { // the index just built is the current one: don't build it again
		s.adv.mu.Lock()
		if imp.ID > s.adv.importID {
			s.adv.importID, s.adv.db = imp.ID, db
		}
		s.adv.mu.Unlock()
	}
	return imp, err
}

func (s *Store) loadAdvisories(ctx context.Context, q queryer) (*vuln.DB, error) {
	recs, err := queryAll(ctx, q, "advisories", `SELECT record FROM advisories ORDER BY id`, func(r *sql.Rows) (vuln.Record, error) {
		var raw string
		if err := r.Scan(&raw); err != nil {
			return vuln.Record{}, err
		}
		return vuln.ParseRecord([]byte(raw))
	})
	if err != nil {
		return nil, err
	}
	return vuln.NewDB(recs), nil
}

// Advisories returns the advisory index of the latest import, loading it
// when an import has landed since it was last built.
func (s *Store) Advisories(ctx context.Context) (*vuln.DB, error) {
	var latest int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM advisory_imports`).Scan(&latest); err != nil {
		return nil, wrap("advisories", err)
	}
	s.adv.mu.Lock()
	defer s.adv.mu.Unlock()
	if s.adv.db != nil && s.adv.importID == latest {
		return s.adv.db, nil
	}
	db, err := s.loadAdvisories(ctx, s.r)
	if err != nil {
		return nil, err
	}
	s.adv.importID, s.adv.db = latest, db
	return db, nil
}

// AdvisoryImports lists the imports, newest first.
func (s *Store) AdvisoryImports(ctx context.Context) ([]AdvisoryImport, error) {
	return queryAll(ctx, s.r, "advisory imports", `SELECT id, source, digest, records, added, changed, skipped, imported_by, imported_at FROM advisory_imports ORDER BY id DESC LIMIT 100`,
		func(r *sql.Rows) (AdvisoryImport, error) {
			var x AdvisoryImport
			var skipped string
			err := r.Scan(&x.ID, &x.Source, &x.Digest, &x.Records, &x.Added, &x.Changed, &skipped, &x.ImportedBy, &x.ImportedAt)
			json.Unmarshal([]byte(skipped), &x.Skipped)
			return x, err
		})
}

// Ratings are what a reviewer may rate an advisory the record leaves unrated.
var Ratings = []string{"critical", "high", "medium", "low", "none"}

// AdvisoryView is an advisory with the reviewers' rating.
type AdvisoryView struct {
	ID       string          `json:"id"`
	Record   json.RawMessage `json:"record"`
	Rating   *RatingView     `json:"reviewer_rating,omitempty"`
	Severity vuln.Severity   `json:"severity"`
}

// RatingView is a reviewer's rating of an advisory.
type RatingView struct {
	Rating    string `json:"rating"`
	Rationale string `json:"rationale"`
	RatedBy   string `json:"rated_by"`
	RatedAt   string `json:"rated_at"`
}

// Advisory reads one advisory (any signed-in user: advisories are public).
func (s *Store) Advisory(ctx context.Context, id string) (*AdvisoryView, error) {
	db, err := s.Advisories(ctx)
	if err != nil {
		return nil, err
	}
	rec, ok := db.Get(id)
	if !ok {
		return nil, review.NotFound("advisory")
	}
	v := &AdvisoryView{ID: rec.ID, Record: json.RawMessage(rec.Raw), Severity: vuln.SeverityOf(rec)}
	ratings, err := s.ratings(ctx)
	if r, ok := ratings[id]; ok {
		v.Rating = &r
	}
	return v, err
}

// RateAdvisory records a reviewer's rating of an advisory: the office, a
// lab or an expert. Until rated, an unrated advisory counts as serious.
func (s *Store) RateAdvisory(ctx context.Context, a review.Actor, id, rating, rationale string) error {
	if a.Role != review.RoleOffice && a.Role != review.RoleLab && a.Role != review.RoleExpert {
		return review.Forbidden("rate_advisory")
	}
	if !slices.Contains(Ratings, rating) {
		if rating == "" {
			return review.Required("rating")
		}
		return review.Invalid("rating", "field_unknown_value", "value", rating)
	}
	if strings.TrimSpace(rationale) == "" {
		return review.Required("rationale")
	}
	if len(rationale) > 20000 {
		return review.Invalid("rationale", "field_too_long", "max", "20000")
	}
	db, err := s.Advisories(ctx)
	if err != nil {
		return err
	}
	if _, ok := db.Get(id); !ok {
		return review.NotFound("advisory")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO advisory_ratings (advisory_id, rating, rationale, rated_by, rated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (advisory_id) DO UPDATE SET rating = $2, rationale = $3, rated_by = $4, rated_at = $5`, id, rating, rationale, a.UserID, ts(s.Now()))
		if err != nil {
			return wrap("rate advisory", err)
		}
		return s.audit(ctx, tx, a, "advisory.rate", "advisory:"+id, map[string]any{"rating": rating})
	})
}

func (s *Store) ratings(ctx context.Context) (map[string]RatingView, error) {
	list, err := queryAll(ctx, s.r, "ratings", `SELECT r.advisory_id, r.rating, r.rationale, u.username, r.rated_at FROM advisory_ratings r JOIN users u ON u.id = r.rated_by`,
		func(r *sql.Rows) (struct {
			id string
			v  RatingView
		}, error) {
			var x struct {
				id string
				v  RatingView
			}
			return x, r.Scan(&x.id, &x.v.Rating, &x.v.Rationale, &x.v.RatedBy, &x.v.RatedAt)
		})
	out := map[string]RatingView{}
	for _, x := range list {
		out[x.id] = x.v
	}
	return out, err
}

// serious says whether a finding's effective rating triggers re-review:
// critical, high, or not rated by the record nor by a reviewer.
func serious(rating string) bool {
	return rating == "critical" || rating == "high" || rating == "unrated" || rating == ""
}

// effectiveRating is the reviewer's rating where the record has none.
func effectiveRating(sev vuln.Severity, id string, ratings map[string]RatingView) string {
	if r, ok := ratings[id]; ok && (sev.Rating == "unrated" || sev.Rating == "") {
		return r.Rating
	}
	return sev.Rating
}

// AnalysisView is a stored SBOM analysis: the report with the reviewers'
// ratings laid over unrated advisories.
type AnalysisView struct {
	ID          int64          `json:"id"`
	MaterialID  int64          `json:"material_id"`
	Filename    string         `json:"filename"`
	VersionID   int64          `json:"version_id,omitempty"`
	EvidenceID  int64          `json:"evidence_id"`
	SubmittedBy string         `json:"submitted_by"`
	SubmittedAt string         `json:"submitted_at"`
	VEX         int            `json:"vex_statements"`
	Ratings     map[string]any `json:"reviewer_ratings,omitempty"`
	Report      *scan.Report   `json:"report"`
	// submitterOrg is the organisation of the user who submitted the SBOM.
	submitterOrg int64
}

// sbomCriteria are the supply-chain criteria an SBOM analysis is evidence for.
var sbomCriteria = []string{"R2-T-01", "R2-T-02", "R2-T-04"}

// AnalyseSBOM records an uploaded SBOM (stored, parsed) as a file of the
// case, matches it against the advisory database, keeps the report as
// automated evidence for the R2 criteria, and makes its components the
// inventory of the product version, all in one transaction. Whoever may
// upload to the case may submit an SBOM.
func (s *Store) AnalyseSBOM(ctx context.Context, a review.Actor, number string, m MaterialView, doc *sbom.Document, versionID int64, from string) (*AnalysisView, error) {
	db, err := s.Advisories(ctx)
	if err != nil {
		return nil, err
	}
	rep := scan.Run(doc, db, nil)
	var id int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.visibleCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		if err := s.insertMaterial(ctx, tx, c, a, &m, from); err != nil {
			return err
		}
		if versionID == 0 && len(c.VersionIDs) == 1 {
			versionID = c.VersionIDs[0]
		}
		if !slices.Contains(c.VersionIDs, versionID) {
			return review.Invalid("version_id", "field_invalid", "rule", "one of the case's product versions")
		}
		cat, err := s.caseCatalog(ctx, c)
		if err != nil {
			return err
		}
		var crit []string
		for _, id := range sbomCriteria {
			if _, ok := cat.Lookup(id); ok {
				crit = append(crit, id)
			}
		}
		summary, _ := json.Marshal(map[string]any{"tool": "shencha sbom scan", "format": rep.Format, "kinds": rep.Kinds, "subject": rep.Subject,
			"components": rep.Components, "quality": rep.Quality.Score, "gaps": rep.Quality.Gaps, "advisory_digest": rep.AdvisoryDigest,
			"findings": len(rep.Findings), "affected": rep.Affected})
		ev, err := s.insertEvidence(ctx, tx, c, a, nil, review.EvidenceInput{Kind: review.EvidenceAnalysis, Title: "SBOM analysis: " + m.Filename,
			Label: review.LabelConfidential, Criteria: crit, Materials: []int64{m.ID}}, summary, from)
		if err != nil {
			return err
		}
		report, _ := json.Marshal(rep)
		if err := tx.QueryRowContext(ctx, `INSERT INTO sbom_analyses (case_id, material_id, version_id, evidence_id, format, kinds, components, quality, advisory_digest, affected, vex, report, submitted_by, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '[]', $11, $12, $13) RETURNING id`,
			c.ID, m.ID, versionID, ev, rep.Format, joinStrings(rep.Kinds), rep.Components, rep.Quality.Score, rep.AdvisoryDigest, rep.Affected, string(report), a.UserID, ts(s.Now())).Scan(&id); err != nil {
			return wrap("sbom analysis", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM components WHERE version_id = $1`, versionID); err != nil {
			return wrap("components", err)
		}
		for _, comp := range doc.Components {
			if _, err := tx.ExecContext(ctx, `INSERT INTO components (version_id, analysis_id, ref, type, name, version, purl, supplier) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				versionID, id, comp.Ref, comp.Type, comp.Name, comp.Version, comp.PURL, comp.Supplier); err != nil {
				return wrap("components", err)
			}
		}
		if err := s.event(ctx, tx, c.ID, "analyse_sbom", c.State, c.State, a, map[string]any{"analysis": id, "components": rep.Components, "affected": rep.Affected, "advisory_digest": rep.AdvisoryDigest}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "sbom.analyse", "case:"+number, map[string]any{"analysis": id, "material": m.ID, "advisory_digest": rep.AdvisoryDigest})
	})
	if err != nil {
		return nil, err
	}
	return s.SBOMAnalysis(ctx, a, number, id)
}

// vexCase loads a case for applying VEX statements: they are the
// provider's statements about its product (DESIGN §5), applied by the
// provider or by the office for it, while files may be added to the case.
func (s *Store) vexCase(ctx context.Context, q queryer, a review.Actor, number string) (*review.Case, error) {
	c, err := s.visibleCase(ctx, q, a, number)
	if err != nil {
		return nil, err
	}
	if review.PartiesOf(a, c)&(review.PartyProvider|review.PartyOffice) == 0 {
		return nil, review.Forbidden("apply_vex")
	}
	if _, err := review.Decide(a, c, review.ActUploadMaterial, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// AuthorizeVEX checks, without changing anything, that the actor may apply
// VEX statements to the case's analyses now (before a body is read).
func (s *Store) AuthorizeVEX(ctx context.Context, a review.Actor, number string) error {
	_, err := s.vexCase(ctx, s.r, a, number)
	return err
}

// ApplyVEX lays the provider's VEX statements over a stored analysis: the
// findings they cover show the statement, and those it marks not_affected
// or fixed are suppressed, with the reason.
func (s *Store) ApplyVEX(ctx context.Context, a review.Actor, number string, id int64, statements []sbom.Statement) (*AnalysisView, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.vexCase(ctx, tx, a, number)
		if err != nil {
			return err
		}
		if len(statements) == 0 {
			return review.Required("statements")
		}
		var report, vex string
		err = tx.QueryRowContext(ctx, `SELECT report, vex FROM sbom_analyses WHERE id = $1 AND case_id = $2`, id, c.ID).Scan(&report, &vex)
		if errors.Is(err, sql.ErrNoRows) {
			return review.NotFound("sbom_analysis")
		}
		if err != nil {
			return wrap("vex", err)
		}
		var rep scan.Report
		var all []sbom.Statement
		if err := json.Unmarshal([]byte(report), &rep); err != nil {
			return review.Internal(err)
		}
		json.Unmarshal([]byte(vex), &all)
		all = append(all, statements...)
		rep.ApplyVEX(statements)
		b, _ := json.Marshal(rep)
		v, _ := json.Marshal(all)
		if _, err := tx.ExecContext(ctx, `UPDATE sbom_analyses SET report = $1, vex = $2, affected = $3 WHERE id = $4`, string(b), string(v), rep.Affected, id); err != nil {
			return wrap("vex", err)
		}
		if err := s.event(ctx, tx, c.ID, "apply_vex", c.State, c.State, a, map[string]any{"analysis": id, "statements": len(statements), "affected": rep.Affected}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "sbom.vex", "case:"+number, map[string]any{"analysis": id, "statements": len(statements)})
	})
	if err != nil {
		return nil, err
	}
	return s.SBOMAnalysis(ctx, a, number, id)
}

// analysisCase loads a case for reading its SBOM analyses; the CII
// department, a party for its determination only, reads none.
func (s *Store) analysisCase(ctx context.Context, a review.Actor, number string) (*review.Case, review.Party, error) {
	c, err := s.visibleCase(ctx, s.r, a, number)
	if err != nil {
		return nil, 0, err
	}
	p := review.PartiesOf(a, c)
	if p == review.PartyCIIDepartment {
		return nil, 0, review.Forbidden("read")
	}
	return c, p, nil
}

// mayReadAnalysis: an analysis is confidential evidence of the review (its
// automated_analysis record), read as that record is (mayReadEvidence): by
// the office, the committee, the experts and the labs, and by the
// organisation that submitted the SBOM; not by an applicant that did not.
func mayReadAnalysis(a review.Actor, p review.Party, v *AnalysisView) bool {
	return p&(review.PartyOffice|review.PartyCommittee|review.PartyExpert|review.PartyLab) != 0 || v.submitterOrg == a.OrgID
}

// SBOMAnalyses lists the analyses of a case the actor may read (their
// reports included).
func (s *Store) SBOMAnalyses(ctx context.Context, a review.Actor, number string) ([]AnalysisView, error) {
	c, p, err := s.analysisCase(ctx, a, number)
	if err != nil {
		return nil, err
	}
	list, err := s.analyses(ctx, c.ID, 0)
	if err != nil {
		return nil, err
	}
	out := []AnalysisView{}
	for _, v := range list {
		if mayReadAnalysis(a, p, &v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// SBOMAnalysis reads one analysis; one the actor may not read is not found.
func (s *Store) SBOMAnalysis(ctx context.Context, a review.Actor, number string, id int64) (*AnalysisView, error) {
	c, p, err := s.analysisCase(ctx, a, number)
	if err != nil {
		return nil, err
	}
	list, err := s.analyses(ctx, c.ID, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || !mayReadAnalysis(a, p, &list[0]) {
		return nil, review.NotFound("sbom_analysis")
	}
	return &list[0], nil
}

func (s *Store) analyses(ctx context.Context, caseID, id int64) ([]AnalysisView, error) {
	ratings, err := s.ratings(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, s.r, "sbom analyses", `SELECT a.id, a.material_id, m.filename, COALESCE(a.version_id, 0), COALESCE(a.evidence_id, 0), u.username, u.org_id, a.submitted_at, a.vex, a.report
		FROM sbom_analyses a JOIN materials m ON m.id = a.material_id JOIN users u ON u.id = a.submitted_by
		WHERE a.case_id = $1 AND ($2 = 0 OR a.id = $2) ORDER BY a.id`, func(r *sql.Rows) (AnalysisView, error) {
		var v AnalysisView
		var vex, report string
		if err := r.Scan(&v.ID, &v.MaterialID, &v.Filename, &v.VersionID, &v.EvidenceID, &v.SubmittedBy, &v.submitterOrg, &v.SubmittedAt, &vex, &report); err != nil {
			return v, err
		}
		var st []sbom.Statement
		json.Unmarshal([]byte(vex), &st)
		v.VEX = len(st)
		v.Report = &scan.Report{}
		if err := json.Unmarshal([]byte(report), v.Report); err != nil {
			return v, err
		}
		for i := range v.Report.Findings {
			f := &v.Report.Findings[i]
			if r, ok := ratings[f.Advisory]; ok {
				if v.Ratings == nil {
					v.Ratings = map[string]any{}
				}
				v.Ratings[f.Advisory] = r
				f.Severity.Rating = effectiveRating(f.Severity, f.Advisory, ratings)
			}
		}
		return v, nil
	}, caseID, id)
}

// InventoryItem is a component of a product version with what is known
// against it.
type InventoryItem struct {
	Ref      string         `json:"ref,omitempty"`
	Type     string         `json:"type,omitempty"`
	Name     string         `json:"name"`
	Version  string         `json:"version,omitempty"`
	PURL     string         `json:"purl,omitempty"`
	Supplier string         `json:"supplier,omitempty"`
	Findings []scan.Finding `json:"advisories"`
}

// Inventory is a product version's component inventory from its latest
// analysed SBOM, with the advisories per component, their fixed versions
// and VEX status.
type Inventory struct {
	VersionID      int64           `json:"version_id"`
	AnalysisID     int64           `json:"analysis_id"`
	AdvisoryDigest string          `json:"advisory_digest"`
	Components     []InventoryItem `json:"components"`
}

// VersionInventory reads a version's inventory: the product's provider, and
// the reviewers of a case on the version (mayReadInventory); and of them
// only those who may see the case whose SBOM it comes from.
func (s *Store) VersionInventory(ctx context.Context, a review.Actor, versionID int64) (*Inventory, error) {
	var provider int64
	err := s.r.QueryRowContext(ctx, `SELECT p.provider_org_id FROM product_versions v JOIN products p ON p.id = v.product_id WHERE v.id = $1`, versionID).Scan(&provider)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, review.NotFound("version")
	}
	if err != nil {
		return nil, wrap("inventory", err)
	}
	ok, err := s.mayReadInventory(ctx, a, versionID, provider)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, review.Forbidden("read_inventory")
	}
	inv := &Inventory{VersionID: versionID, Components: []InventoryItem{}}
	var report, number string
	err = s.r.QueryRowContext(ctx, `SELECT a.id, a.report, c.number FROM sbom_analyses a JOIN cases c ON c.id = a.case_id
		WHERE a.id = (SELECT MAX(analysis_id) FROM components WHERE version_id = $1)`, versionID).Scan(&inv.AnalysisID, &report, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return inv, nil
	}
	if err != nil {
		return nil, wrap("inventory", err)
	}
	c, err := s.loadCase(ctx, s.r, number)
	if err != nil {
		return nil, err
	}
	if !review.CanSee(a, c) {
		return nil, review.Forbidden("read_inventory")
	}
	var rep scan.Report
	if err := json.Unmarshal([]byte(report), &rep); err != nil {
		return nil, review.Internal(err)
	}
	inv.AdvisoryDigest = rep.AdvisoryDigest
	byPURL := map[string][]scan.Finding{}
	for _, f := range rep.Findings {
		byPURL[f.Component.PURL] = append(byPURL[f.Component.PURL], f)
	}
	inv.Components, err = queryAll(ctx, s.r, "inventory", `SELECT ref, type, name, version, purl, supplier FROM components WHERE version_id = $1 ORDER BY name, version, id`,
		func(r *sql.Rows) (InventoryItem, error) {
			var it InventoryItem
			err := r.Scan(&it.Ref, &it.Type, &it.Name, &it.Version, &it.PURL, &it.Supplier)
			it.Findings = orEmpty(byPURL[it.PURL])
			return it, err
		}, versionID)
	return inv, err
}

// mayReadInventory: a version's components and the advisories against them
// are the provider's, and need-to-know for the reviewers (the office over
// the case's sector, the committee once referred, the assigned labs and
// experts) of a case that reviews the version; not for anyone else of
// their role.
func (s *Store) mayReadInventory(ctx context.Context, a review.Actor, versionID, provider int64) (bool, error) {
	if a.Role == review.RoleProvider && a.OrgID == provider {
		return true, nil
	}
	if a.Anonymous() {
		return false, nil
	}
	numbers, err := queryAll(ctx, s.r, "inventory", `SELECT c.number FROM cases c JOIN case_versions cv ON cv.case_id = c.id WHERE cv.version_id = $1 ORDER BY c.id`,
		func(r *sql.Rows) (string, error) {
			var n string
			return n, r.Scan(&n)
		}, versionID)
	if err != nil {
		return false, err
	}
	for _, n := range numbers {
		c, err := s.loadCase(ctx, s.r, n)
		if err != nil {
			return false, err
		}
		if review.PartiesOf(a, c)&(review.PartyOffice|review.PartyCommittee|review.PartyLab|review.PartyExpert) != 0 {
			return true, nil
		}
	}
	return false, nil
}

// Flag is a listed product version that an imported advisory newly affects.
type Flag struct {
	ID        int64  `json:"id"`
	VersionID int64  `json:"version_id"`
	Product   string `json:"product"`
	Version   string `json:"version"`
	ListingID int64  `json:"listing_id"`
	Case      string `json:"case"`
	Advisory  string `json:"advisory"`
	Component string `json:"component"`
	Rating    string `json:"rating"`
	ImportID  int64  `json:"import_id"`
	FlaggedAt string `json:"flagged_at"`
	HandledAt string `json:"handled_at,omitempty"`
	Note      string `json:"note,omitempty"`
}

// FlagReReviews is the job after an import: for every product version
// whose current listing is passed or conditionally passed, it matches the
// inventory against the advisories and flags each serious advisory (by the
// record's rating, the reviewers' rating, or unrated) that its latest
// analysis did not already show, on the listing's case for the office.
func (s *Store) FlagReReviews(ctx context.Context, importID int64) (int, error) {
	db, err := s.Advisories(ctx)
	if err != nil {
		return 0, err
	}
	ratings, err := s.ratings(ctx)
	if err != nil {
		return 0, err
	}
	type listed struct {
		listing, version, caseID, analysis int64
		state                              review.State
		report                             string
	}
	list, err := queryAll(ctx, s.r, "flags", `SELECT l.id, l.version_id, l.case_id, c.state, a.id, a.report FROM listings l
		JOIN cases c ON c.id = l.case_id
		JOIN sbom_analyses a ON a.id = (SELECT MAX(analysis_id) FROM components k WHERE k.version_id = l.version_id)
		WHERE l.id = (SELECT MAX(id) FROM listings x WHERE x.version_id = l.version_id)`, func(r *sql.Rows) (listed, error) {
		var x listed
		return x, r.Scan(&x.listing, &x.version, &x.caseID, &x.state, &x.analysis, &x.report)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	now := s.Now()
	for _, x := range list {
		hist, err := s.listingHistory(ctx, s.r, x.listing)
		if err != nil {
			return n, err
		}
		if st, ok := review.StatusAt(hist, now); !ok || !st.Preferred() {
			continue
		}
		var rep scan.Report
		json.Unmarshal([]byte(x.report), &rep)
		known := map[string]bool{}
		for _, f := range rep.Findings {
			known[f.Component.PURL+"\x00"+f.Advisory] = true
		}
		purls, err := queryAll(ctx, s.r, "flags", `SELECT DISTINCT purl FROM components WHERE version_id = $1 AND purl <> ''`, func(r *sql.Rows) (string, error) {
			var p string
			return p, r.Scan(&p)
		}, x.version)
		if err != nil {
			return n, err
		}
		for _, purl := range purls {
			matches, err := db.MatchPURL(purl)
			if err != nil {
				continue // unsupported ecosystems were counted when the SBOM was analysed
			}
			for _, m := range matches {
				rating := effectiveRating(m.Severity, m.ID, ratings)
				if known[purl+"\x00"+m.ID] || !serious(rating) {
					continue
				}
				added := false
				err := s.tx(ctx, func(tx *sql.Tx) error {
					res, err := tx.ExecContext(ctx, `INSERT INTO rereview_flags (version_id, listing_id, advisory_id, component, rating, import_id, flagged_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
						x.version, x.listing, m.ID, purl, rating, importID, ts(now))
					if k, _ := rowsAffected(res, err); err != nil || k == 0 {
						return wrap("flag", err)
					}
					added = true
					if err := s.event(ctx, tx, x.caseID, "rereview_flag", x.state, x.state, review.System, map[string]any{"advisory": m.ID, "component": purl, "rating": rating}); err != nil {
						return err
					}
					return s.audit(ctx, tx, review.System, "rereview.flag", "listing:"+itoa(x.listing), map[string]any{"advisory": m.ID, "component": purl, "import": importID})
				})
				if err != nil {
					return n, err
				}
				if added {
					n++
				}
			}
		}
	}
	return n, nil
}

// RereviewFlags lists the flags for the office (a sector office: its sector's).
func (s *Store) RereviewFlags(ctx context.Context, a review.Actor, open bool) ([]Flag, error) {
	if a.Role != review.RoleOffice {
		return nil, review.Forbidden("read_flags")
	}
	return queryAll(ctx, s.r, "flags", `SELECT f.id, f.version_id, p.name, v.version, f.listing_id, c.number, f.advisory_id, f.component, f.rating, f.import_id, f.flagged_at, f.handled_at, f.note
		FROM rereview_flags f JOIN product_versions v ON v.id = f.version_id JOIN products p ON p.id = v.product_id
		JOIN listings l ON l.id = f.listing_id JOIN cases c ON c.id = l.case_id
		WHERE ($1 = '' OR c.sector = $1) AND ($2 = FALSE OR f.handled_at = '') ORDER BY f.id`, func(r *sql.Rows) (Flag, error) {
		var f Flag
		return f, r.Scan(&f.ID, &f.VersionID, &f.Product, &f.Version, &f.ListingID, &f.Case, &f.Advisory, &f.Component, &f.Rating, &f.ImportID, &f.FlaggedAt, &f.HandledAt, &f.Note)
	}, a.Sector, open)
}

// HandleFlag closes a flag with a note (office; a sector office its
// sector's flags, the others are not found, as in its list): re-review
// opened, risk accepted, or not applicable.
func (s *Store) HandleFlag(ctx context.Context, a review.Actor, id int64, note string) error {
	if a.Role != review.RoleOffice {
		return review.Forbidden("handle_flag")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var handled, sector string
		err := tx.QueryRowContext(ctx, `SELECT f.handled_at, c.sector FROM rereview_flags f JOIN listings l ON l.id = f.listing_id JOIN cases c ON c.id = l.case_id
			WHERE f.id = $1`, id).Scan(&handled, &sector)
		switch {
		case errors.Is(err, sql.ErrNoRows) || err == nil && a.Sector != "" && sector != a.Sector:
			return review.NotFound("flag")
		case err != nil:
			return wrap("flag", err)
		}
		if strings.TrimSpace(note) == "" {
			return review.Required("note")
		}
		if handled != "" {
			return review.Conflict("already_done", "action", "handle_flag")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rereview_flags SET handled_by = $1, handled_at = $2, note = $3 WHERE id = $4`, a.UserID, ts(s.Now()), note, id); err != nil {
			return wrap("flag", err)
		}
		return s.audit(ctx, tx, a, "rereview.handle", "flag:"+itoa(id), map[string]any{"note": note})
	})
}
