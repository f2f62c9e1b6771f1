-- Cases counted by state (the office dashboard) from the index alone,
-- not by reading every case.
CREATE INDEX cases_state ON cases(state);
