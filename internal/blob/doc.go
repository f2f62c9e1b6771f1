// Package blob is the content-addressed file store that every uploaded byte
// of the product passes through: materials today, and evidence, SBOMs and
// reports later. A blob is named only by the SHA-256 of its content, so the
// same bytes uploaded twice are stored once and a name can never silently
// point at different content.
//
// What this package owns:
//
//   - The Digest type and its textual forms ("sha256:<hex>" and bare hex).
//   - The Store interface, deliberately small (Put, Open, Stat, Delete), so
//     that wrappers (metrics, remote storage) can be added without the rest
//     of the product noticing.
//   - Encrypted, the on-disk implementation, which keeps every blob
//     encrypted at rest, and everything under the directory it is given:
//     dir/sha256/<2 hex>/<62 hex> for blobs and dir/tmp for files being
//     written.
//   - The Keyring of master keys, in one key file whose path the caller
//     chooses (the data dir's keys folder), and key rotation.
//
// What it must not touch:
//
//   - Anything outside its directory and key file. Digests are validated
//     before they are turned into paths, so a caller-supplied string can
//     never escape.
//   - Metadata about blobs (file names, media types, owners, who references
//     what). That belongs to the database layer; this package only knows
//     bytes and their hashes. Consequently it cannot decide on its own when a
//     blob is garbage: Delete exists for tests and for a caller-driven GC.
//   - HTTP, authentication or authorisation. Those are callers, not the
//     store.
//
// # Encryption
//
// Each blob has its own random 256-bit data key, which encrypts the content
// with AES-256-GCM in the STREAM construction (Hoang, Reyhanitabar, Rogaway
// and Vizár, "Online authenticated-encryption and its nonce-reuse
// misuse-resistance", 2015): the plaintext is cut into chunks of a fixed
// size (ChunkSize for new blobs), each sealed separately with a nonce made
// of its index and a flag marking the last chunk. A reader thus
// authenticates each chunk before releasing any of its bytes, and detects
// reordered, duplicated, truncated and appended chunks as well as altered
// bytes. The data key is stored in the file's header, wrapped (AES-256-GCM
// again) under a master key from the Keyring, with the plaintext digest as
// additional data, so a file moved or copied to another blob's name does not
// open. Rotating the master key rewrites only headers. Key-wrap nonces are
// random, which is safe for far more blobs (about 2^32) than one master key
// will ever wrap between rotations; chunk nonces are counters, which is
// safe because each data key seals exactly one file.
//
// # File format, version 1
//
// All integers are big-endian. A blob file is a 78-byte header followed by
// the chunks:
//
//	offset  size  field
//	     0     8  magic "SHBLOB\n\x00"
//	     8     2  format version, 1
//	    10     4  chunk size C in plaintext bytes, 1..16 MiB
//	    14     4  id of the master key that wraps the data key
//	    18    12  nonce of the key wrap, random
//	    30    48  wrapped data key: AES-256-GCM of the 32-byte data key under
//	              the master key (32 bytes ciphertext, 16 bytes tag)
//	    78        chunk 0, chunk 1, ... chunk n-1
//
// The key wrap's additional data is bytes 0..17 of the header (magic to key
// id) followed by the 32 raw bytes of the plaintext SHA-256.
//
// Chunk i is the AES-256-GCM sealing, under the data key, of plaintext bytes
// [i*C, (i+1)*C), i.e. that ciphertext followed by its 16-byte tag. Its
// nonce is i as an 11-byte counter followed by one byte, 1 for the last
// chunk and 0 for the others; its additional data is bytes 0..13 of the
// header (magic, version, chunk size). The fields after those, key id and
// wrapped key, are authenticated by the key wrap instead, which lets
// rotation replace them without re-encrypting the chunks. Every chunk but
// the last holds exactly C plaintext bytes; the last holds 1..C, except
// that empty content is a single empty last chunk. So n = max(1, ceil(P/C))
// for P plaintext bytes, the file is 78 + P + 16n bytes long, and the
// plaintext size follows from the file size and C.
//
// # Durability
//
// Put writes to a temporary file in dir/tmp, fsyncs it, renames it into
// place and fsyncs the directory, so after Put returns the blob survives a
// crash, and a crash during Put leaves at most a temporary file that the
// next NewEncrypted removes. Rotate re-wraps blobs the same way, and
// rewrites the key file by temporary file, fsync and rename.
package blob
