-- The review case spine. Times are UTC text "2006-01-02T15:04:05.000000Z"
-- and dates "2006-01-02" in both dialects, so one SQL text serves both and
-- text order is time order.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    sector TEXT NOT NULL DEFAULT '',
    public_key TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    scopes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL DEFAULT '',
    revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    provider_org_id INTEGER NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    service BOOLEAN NOT NULL DEFAULT FALSE,
    category TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (provider_org_id, name)
);

CREATE TABLE product_versions (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    version TEXT NOT NULL,
    purl TEXT NOT NULL DEFAULT '',
    cpe TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (product_id, version)
);
CREATE INDEX product_versions_purl ON product_versions(purl);
CREATE INDEX product_versions_cpe ON product_versions(cpe);

CREATE TABLE accreditations (
    id INTEGER PRIMARY KEY,
    lab_org_id INTEGER NOT NULL REFERENCES orgs(id),
    methods TEXT NOT NULL,
    categories TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    suspended_at TEXT NOT NULL DEFAULT '',
    suspended_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX accreditations_lab ON accreditations(lab_org_id);

CREATE TABLE ties (
    id INTEGER PRIMARY KEY,
    lab_org_id INTEGER REFERENCES orgs(id),
    expert_user_id INTEGER REFERENCES users(id),
    provider_org_id INTEGER NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    ended_on TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    trigger_kind TEXT NOT NULL,
    previous_case_id INTEGER REFERENCES cases(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    category TEXT NOT NULL,
    applicant_org_id INTEGER NOT NULL REFERENCES orgs(id),
    provider_org_id INTEGER NOT NULL REFERENCES orgs(id),
    sector TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    important BOOLEAN NOT NULL DEFAULT FALSE,
    complex BOOLEAN NOT NULL DEFAULT FALSE,
    referred BOOLEAN NOT NULL DEFAULT FALSE,
    summary TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    rationale TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '',
    published_at TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    closed_at TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_sector ON cases(sector);
CREATE INDEX cases_applicant ON cases(applicant_org_id);
CREATE INDEX cases_provider ON cases(provider_org_id);
CREATE INDEX cases_referred ON cases(referred);
CREATE INDEX cases_product ON cases(product_id);

CREATE TABLE case_versions (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    version_id INTEGER NOT NULL REFERENCES product_versions(id),
    PRIMARY KEY (case_id, version_id)
);
CREATE INDEX case_versions_version ON case_versions(version_id);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    input TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events(case_id);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    lab_org_id INTEGER REFERENCES orgs(id),
    expert_user_id INTEGER REFERENCES users(id),
    method TEXT NOT NULL DEFAULT '',
    declaration TEXT NOT NULL,
    assigned_by INTEGER NOT NULL REFERENCES users(id),
    assigned_at TEXT NOT NULL,
    ended_at TEXT NOT NULL DEFAULT '',
    ended_reason TEXT NOT NULL DEFAULT '',
    report_at TEXT NOT NULL DEFAULT '',
    report_summary TEXT NOT NULL DEFAULT '',
    report_recommendation TEXT NOT NULL DEFAULT '',
    opinion_at TEXT NOT NULL DEFAULT '',
    opinion_summary TEXT NOT NULL DEFAULT '',
    opinion_recommendation TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assignments_case ON assignments(case_id);
CREATE INDEX assignments_lab ON assignments(lab_org_id, kind, ended_at, case_id);
CREATE INDEX assignments_expert ON assignments(expert_user_id, kind, ended_at, case_id);

CREATE TABLE supplements (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    items TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES users(id),
    requested_at TEXT NOT NULL,
    answered_by INTEGER REFERENCES users(id),
    answered_at TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supplements_case ON supplements(case_id);

CREATE TABLE materials (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX materials_case ON materials(case_id);

CREATE TABLE conditions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    text TEXT NOT NULL,
    due TEXT NOT NULL,
    met_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conditions_case ON conditions(case_id);

CREATE TABLE clocks (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    name TEXT NOT NULL,
    budget INTEGER NOT NULL,
    started TEXT NOT NULL,
    elapsed INTEGER NOT NULL DEFAULT 0,
    running_since TEXT NOT NULL DEFAULT '',
    stopped TEXT NOT NULL DEFAULT '',
    extended BOOLEAN NOT NULL DEFAULT FALSE,
    extend_reason TEXT NOT NULL DEFAULT '',
    overdue_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX clocks_case ON clocks(case_id);
CREATE INDEX clocks_running ON clocks(stopped, overdue_at);

CREATE TABLE procurements (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id),
    ciio_org_id INTEGER NOT NULL REFERENCES orgs(id),
    description TEXT NOT NULL,
    contract_ref TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL DEFAULT '',
    determination TEXT NOT NULL DEFAULT '',
    rationale TEXT NOT NULL DEFAULT '',
    determined_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE listings (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES product_versions(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    scope TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX listings_version ON listings(version_id, created_at);

CREATE TABLE listing_events (
    id INTEGER PRIMARY KEY,
    listing_id INTEGER NOT NULL REFERENCES listings(id),
    status TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    actor_user_id INTEGER REFERENCES users(id),
    at TEXT NOT NULL
);
CREATE INDEX listing_events_listing ON listing_events(listing_id, id);

CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    loaded_by INTEGER REFERENCES users(id),
    loaded_at TEXT NOT NULL
);

-- The audit chain: each row's hash covers its fields and the previous
-- row's hash; audit_head holds the tip so deleting the last rows shows too.
CREATE TABLE audit (
    seq BIGINT NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
