-- Provider security assessment reports (Art. 14) and the PDFs the office
-- issues: reports and decision letters, each logged by its digest.
-- Numbered 0009: the runner applies every migration a database lacks, so
-- numbers taken by other work (0007, 0008) may arrive later.

-- A report on one provider for one period. content is the generated report
-- (public facts only) as JSON, frozen when the office publishes it.
CREATE TABLE provider_reports (
    id INTEGER PRIMARY KEY,
    provider_org_id INTEGER NOT NULL REFERENCES orgs(id),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    status TEXT NOT NULL, -- draft, published
    content TEXT NOT NULL,
    generated_by INTEGER REFERENCES users(id), -- NULL: the quarterly job
    generated_at TEXT NOT NULL,
    published_by INTEGER REFERENCES users(id),
    published_at TEXT NOT NULL DEFAULT '',
    UNIQUE (provider_org_id, period_from, period_to)
);
CREATE INDEX provider_reports_status ON provider_reports(status, period_to);

-- An issued PDF, kept byte for byte: its SHA-256 is in the log.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL, -- provider_report, decision_letter
    report_id INTEGER REFERENCES provider_reports(id),
    case_id INTEGER REFERENCES cases(id),
    lang TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    pdf BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX documents_report ON documents(report_id, lang) WHERE report_id IS NOT NULL;
CREATE UNIQUE INDEX documents_case ON documents(case_id, kind, lang) WHERE case_id IS NOT NULL;

-- The log entry of a document's signed statement.
ALTER TABLE log_queue ADD COLUMN document_id INTEGER REFERENCES documents(id);
ALTER TABLE log_entries ADD COLUMN document_id INTEGER REFERENCES documents(id);
CREATE INDEX log_queue_document ON log_queue(document_id);
CREATE INDEX log_entries_document ON log_entries(document_id);
