-- Public reports (举报, Art. 3): filed by anyone, read by the office only.
-- The check code is kept as its SHA-256, like a password: the receipt
-- number alone does not open the report's status. Nothing here records
-- where a report came from (no address, no account): the reporter is
-- known only by the contact they chose to leave.
CREATE TABLE public_reports (
    id INTEGER PRIMARY KEY,
    receipt TEXT NOT NULL UNIQUE,
    code_sha256 TEXT NOT NULL,
    product_id INTEGER REFERENCES products(id),
    provider_org_id INTEGER REFERENCES orgs(id),
    subject TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'received',
    public_reason TEXT NOT NULL DEFAULT '',
    case_id INTEGER REFERENCES cases(id),
    filed_at TEXT NOT NULL,
    triaged_by INTEGER REFERENCES users(id),
    triaged_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX public_reports_status ON public_reports(status, id);
CREATE INDEX public_reports_product ON public_reports(product_id);
CREATE INDEX public_reports_provider ON public_reports(provider_org_id);
CREATE INDEX public_reports_case ON public_reports(case_id);

-- A report's attachments: files in the blob store, named by digest.
CREATE TABLE public_report_files (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES public_reports(id),
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL
);
CREATE INDEX public_report_files_report ON public_report_files(report_id);
CREATE INDEX public_report_files_digest ON public_report_files(digest);

-- A report's timeline: filed, then triaged.
CREATE TABLE public_report_events (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES public_reports(id),
    action TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX public_report_events_report ON public_report_events(report_id);

-- Blobs are shared by content: a file refused half-way is removed only
-- when nothing names its digest.
CREATE INDEX materials_digest ON materials(digest);
