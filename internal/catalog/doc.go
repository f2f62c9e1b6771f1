// Package catalog owns the criteria catalogue of the review (DESIGN §4):
// the five risk areas of Art. 4, the three dimensions of Art. 12, the
// criteria with their bilingual text, evaluation methods, severity and
// references to standards, the strict parser and validator for catalogue
// files, the embedded default catalogue, and the default decision rule that
// turns findings into a recommended outcome.
//
// It is pure domain: no I/O besides reading its own embedded data file. It
// does not store catalogue versions, decide which version a case uses, or
// record findings; the store does. It imports only package review, for the
// evaluation methods and outcomes.
package catalog
