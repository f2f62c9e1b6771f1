// Package review is the domain of shencha: organisations, people and their
// roles, products under review, accredited labs and declared ties, review
// cases and their transition table, listings and their lifecycle, the
// need-to-know policy and the errors every layer shares.
//
// It is plain Go with no I/O. Storage, HTTP, jobs and the CLI depend on it;
// it never imports them. Everything here is decided from values handed in,
// so every rule is tested without a database.
package review
