// Package blob is the content-addressed file store that every uploaded byte
// of the product passes through: materials today, and evidence, SBOMs and
// reports later. A blob is named only by the SHA-256 of its content, so the
// same bytes uploaded twice are stored once and a name can never silently
// point at different content.
//
// What this package owns:
//
//   - The Digest type and its textual forms ("sha256:<hex>" and bare hex).
//   - The Store interface, deliberately small (Put, Open, Stat, Delete) so
//     that a later encryption-at-rest layer can wrap any Store without the
//     rest of the product noticing.
//   - Local, the on-disk implementation, and everything under the directory
//     it is given: dir/sha256/<2 hex>/<62 hex> for blobs and dir/tmp for
//     uploads in progress.
//
// What it must not touch:
//
//   - Anything outside its own directory. Digests are validated before they
//     are turned into paths, so a caller-supplied string can never escape it.
//   - Metadata about blobs (file names, media types, owners, who references
//     what). That belongs to the database layer; this package only knows
//     bytes and their hashes. Consequently it cannot decide on its own when a
//     blob is garbage: Delete exists for tests and for a caller-driven GC.
//   - Encryption, HTTP, authentication or authorisation. Those are wrappers
//     and callers, not the store.
//
// Durability: Put writes to a temporary file in dir/tmp, fsyncs it, renames
// it into place and fsyncs the directory, so after Put returns the blob
// survives a crash, and a crash during Put leaves at most a temporary file
// that the next NewLocal removes.
package blob
