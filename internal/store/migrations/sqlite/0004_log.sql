-- Verifiable results: signed verdict statements and the transparency log.

-- A product version's artifact digest, when the provider declares one: the
-- subject digest of its verdicts.
ALTER TABLE product_versions ADD COLUMN artifact_sha256 TEXT NOT NULL DEFAULT '';

-- Entries signed in the transaction of the change they record, waiting
-- for the sequencer.
CREATE TABLE log_queue (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    entry BLOB NOT NULL,
    envelope TEXT NOT NULL DEFAULT '',
    salt BLOB,
    listing_event_id INTEGER REFERENCES listing_events(id),
    created_at TEXT NOT NULL
);

-- The log: entry idx (from 0), its bytes and, for verdicts, the envelope
-- (and the salt of a commitment), served only within the result's scope.
CREATE TABLE log_entries (
    idx INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    entry BLOB NOT NULL,
    envelope TEXT NOT NULL DEFAULT '',
    salt BLOB,
    listing_event_id INTEGER REFERENCES listing_events(id),
    created_at TEXT NOT NULL
);
CREATE INDEX log_entries_event ON log_entries(listing_event_id);
CREATE INDEX log_queue_event ON log_queue(listing_event_id);

-- The tree's stored hashes, by golang.org/x/mod/sumdb/tlog's stored hash index.
CREATE TABLE log_hashes (
    idx INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

-- Signed checkpoints (C2SP signed notes), one per size reached.
CREATE TABLE log_checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);
