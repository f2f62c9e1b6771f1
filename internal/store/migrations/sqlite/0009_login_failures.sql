-- Failed sign-ins in a row per account name, kept in the database so that
-- every replica refuses a locked account. Names that belong to no user are
-- counted too, so a lock does not tell which accounts exist. A successful
-- sign-in deletes the row; rows idle for a day are pruned.
CREATE TABLE login_failures (
    username TEXT NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failed_at TEXT NOT NULL,
    locked_until TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_failures_last ON login_failures(last_failed_at);
