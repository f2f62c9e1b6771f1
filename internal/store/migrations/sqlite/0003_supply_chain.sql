-- Supply chain: the advisory database, SBOM analyses, component
-- inventories of product versions, reviewers' ratings and re-review flags.

CREATE TABLE advisory_imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    digest TEXT NOT NULL,
    records INTEGER NOT NULL,
    added INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    skipped TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    record TEXT NOT NULL,
    withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
    import_id INTEGER NOT NULL REFERENCES advisory_imports(id),
    updated_at TEXT NOT NULL
);

CREATE TABLE advisory_ratings (
    advisory_id TEXT PRIMARY KEY,
    rating TEXT NOT NULL,
    rationale TEXT NOT NULL,
    rated_by INTEGER NOT NULL REFERENCES users(id),
    rated_at TEXT NOT NULL
);

CREATE TABLE sbom_analyses (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    material_id INTEGER NOT NULL REFERENCES materials(id),
    version_id INTEGER REFERENCES product_versions(id),
    evidence_id INTEGER REFERENCES evidence(id),
    format TEXT NOT NULL,
    kinds TEXT NOT NULL,
    components INTEGER NOT NULL,
    quality INTEGER NOT NULL,
    advisory_digest TEXT NOT NULL,
    affected INTEGER NOT NULL,
    vex TEXT NOT NULL,
    report TEXT NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    submitted_at TEXT NOT NULL
);
CREATE INDEX sbom_analyses_case ON sbom_analyses(case_id);

-- The component inventory of a product version: the components of its
-- latest analysed SBOM.
CREATE TABLE components (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES product_versions(id),
    analysis_id INTEGER NOT NULL REFERENCES sbom_analyses(id),
    ref TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    purl TEXT NOT NULL,
    supplier TEXT NOT NULL
);
CREATE INDEX components_version ON components(version_id);
CREATE INDEX components_purl ON components(purl);

CREATE TABLE rereview_flags (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES product_versions(id),
    listing_id INTEGER NOT NULL REFERENCES listings(id),
    advisory_id TEXT NOT NULL,
    component TEXT NOT NULL,
    rating TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES advisory_imports(id),
    flagged_at TEXT NOT NULL,
    handled_by INTEGER REFERENCES users(id),
    handled_at TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (version_id, advisory_id, component)
);
