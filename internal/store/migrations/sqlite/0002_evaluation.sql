-- Evaluation and decision: catalogue versions, plans, evidence, findings,
-- signed reports and commitments, opinions, votes, condition fulfilment.

CREATE TABLE catalog_versions (
    version TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL,
    loaded_by INTEGER REFERENCES users(id),
    loaded_at TEXT NOT NULL,
    decided_by INTEGER REFERENCES users(id),
    decided_at TEXT NOT NULL DEFAULT '',
    -- approval order: the current catalogue is the last approved, whatever
    -- the clocks of the machines that approved them said
    approved_seq INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT ''
);

ALTER TABLE cases ADD COLUMN catalog_version TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN recommendation TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN recommendation_basis TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN departure_rationale TEXT NOT NULL DEFAULT '';

CREATE TABLE plan_items (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    criterion_id TEXT NOT NULL,
    method TEXT NOT NULL,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    added_by INTEGER NOT NULL REFERENCES users(id),
    added_at TEXT NOT NULL,
    UNIQUE (case_id, criterion_id, assignment_id)
);

ALTER TABLE materials ADD COLUMN label TEXT NOT NULL DEFAULT 'confidential';
ALTER TABLE materials ADD COLUMN from_addr TEXT NOT NULL DEFAULT '';

CREATE TABLE custody (
    id INTEGER PRIMARY KEY,
    material_id INTEGER NOT NULL REFERENCES materials(id),
    event TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    from_addr TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL
);
CREATE INDEX custody_material ON custody(material_id);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    assignment_id INTEGER REFERENCES assignments(id),
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    title TEXT NOT NULL,
    label TEXT NOT NULL,
    criteria TEXT NOT NULL,
    materials TEXT NOT NULL,
    data TEXT NOT NULL,
    digest TEXT NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    submitted_org INTEGER NOT NULL REFERENCES orgs(id),
    submitted_at TEXT NOT NULL,
    from_addr TEXT NOT NULL DEFAULT '',
    countersigned_by INTEGER REFERENCES users(id),
    countersigned_at TEXT NOT NULL DEFAULT '',
    countersign_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX evidence_case ON evidence(case_id);

CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    criterion_id TEXT NOT NULL,
    status TEXT NOT NULL,
    rationale TEXT NOT NULL,
    evidence TEXT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (case_id, assignment_id, criterion_id)
);

-- Signing keys live in signing_keys, several per organisation, revocable.
ALTER TABLE orgs DROP COLUMN public_key;

CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    key_id TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    added_by INTEGER REFERENCES users(id),
    added_at TEXT NOT NULL,
    revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signing_keys_org ON signing_keys(org_id);

CREATE TABLE signed_documents (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    assignment_id INTEGER REFERENCES assignments(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    key_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL,
    signed_by INTEGER NOT NULL REFERENCES users(id),
    submitted_at TEXT NOT NULL
);
CREATE INDEX signed_documents_case ON signed_documents(case_id);

ALTER TABLE assignments ADD COLUMN opinion_areas TEXT NOT NULL DEFAULT '';
ALTER TABLE assignments ADD COLUMN recused BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE votes (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    outcome TEXT NOT NULL,
    rationale TEXT NOT NULL,
    cast_at TEXT NOT NULL,
    UNIQUE (case_id, user_id)
);

ALTER TABLE conditions ADD COLUMN suspend_if_overdue BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conditions ADD COLUMN overdue_at TEXT NOT NULL DEFAULT '';

CREATE TABLE fulfilments (
    id INTEGER PRIMARY KEY,
    condition_id INTEGER NOT NULL REFERENCES conditions(id),
    summary TEXT NOT NULL,
    materials TEXT NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    submitted_at TEXT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES users(id),
    decided_at TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX fulfilments_condition ON fulfilments(condition_id);
