// Package store keeps shencha's state in SQLite (embedded, the default) or
// PostgreSQL, behind one *sql.DB-based API with one SQL text for both where
// possible. It implements the review domain's operations transactionally:
// every change, its audit row and the jobs it causes commit together.
//
// It owns the schema (embedded migrations, one folder per dialect with the
// same numbers) and the audit chain. It never renders HTTP or templates.
package store
