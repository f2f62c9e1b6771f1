-- The signature, key id and listing event of every public verdict in the
-- log, in a narrow table: the eligibility register reads them at start to
-- serve signed statements from memory, and reading them from log_entries
-- would read every envelope.
CREATE TABLE log_signatures (
    idx INTEGER PRIMARY KEY REFERENCES log_entries(idx),
    listing_event_id INTEGER NOT NULL REFERENCES listing_events(id),
    key_id TEXT NOT NULL,
    sig TEXT NOT NULL -- standard base64, as in the envelope
);
INSERT INTO log_signatures (idx, listing_event_id, key_id, sig)
SELECT idx, listing_event_id, json_extract(envelope, '$.signatures[0].keyid'), json_extract(envelope, '$.signatures[0].sig')
FROM log_entries
WHERE kind = 'verdict' AND listing_event_id IS NOT NULL AND json_valid(envelope)
  AND json_array_length(envelope, '$.signatures') = 1;

-- The newest audit anchor, found without reading the log: the anchor job
-- runs every few minutes.
CREATE INDEX log_entries_anchor ON log_entries(idx) WHERE kind = 'audit_anchor';
