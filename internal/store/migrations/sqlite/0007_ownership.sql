-- A provider's ownership and control chain (background investigation):
-- each row is one owner's stake in the provider (held_id NULL) or in
-- another owner of the same chain. Shares are hundredths of a per cent.
CREATE TABLE ownership (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    held_id INTEGER REFERENCES ownership(id),
    owner_name TEXT NOT NULL,
    owner_kind TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    share_hundredths INTEGER NOT NULL CHECK (share_hundredths BETWEEN 0 AND 10000),
    control BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX ownership_org ON ownership(org_id);

-- The files a provider's answer to a supplement request points to (JSON ids).
ALTER TABLE supplements ADD COLUMN materials TEXT NOT NULL DEFAULT '[]';
