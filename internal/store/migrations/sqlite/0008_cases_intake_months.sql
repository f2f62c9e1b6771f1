-- The office's intake queue reads the oldest submitted cases of each
-- intake state from an index, a page at a time; the dashboard counts the
-- cases opened and closed per month from the last year's range of two
-- indexes, not from every case.
CREATE INDEX cases_state_submitted ON cases(state, submitted_at, id);
CREATE INDEX cases_created ON cases(created_at);
CREATE INDEX cases_closed ON cases(closed_at);
