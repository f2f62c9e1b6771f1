package blob

import (
	"bufio"
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Keyring holds the master keys that wrap the blobs' data keys, as read
// from one key file. The key file is text, one key per line:
//
//	<id> <key>
//
// where <id> is exactly 8 lowercase hex digits (a uint32, the value stored
// in blob headers) and <key> is 32 random bytes in standard padded base64.
// Blank lines and lines starting with '#' (after optional spaces) are
// ignored. Ids must increase strictly from line to line; the last key is
// the current one, used to wrap new data keys, and the others are only for
// reading blobs not yet re-wrapped by Rotate. The file must have no
// permissions for group or others. The store rewrites the file when it
// rotates keys, with its own comment header: other comments are not kept.
//
// Losing the key file makes every blob unreadable, and OpenKeyring
// silently creates a new one if it is missing, so back it up, separately
// from the blobs.
//
// A Keyring is safe for concurrent use; hand it to one store.
type Keyring struct {
	path string

	// mu is held shared while a key is being used on behalf of a blob file
	// (reading a header, or writing one and renaming the file into place),
	// and exclusively by add and retire. That ordering is what lets
	// rotation know that no blob wrapped under an old key can appear after
	// the new key was added, and that no reader is left holding a header
	// whose key has just been retired.
	mu   sync.RWMutex
	keys []masterKey // ids strictly increasing; the last is current
}

// masterKey is one line of the key file.
type masterKey struct {
	id   uint32
	raw  [keySize]byte
	aead cipher.AEAD
}

// maxKeyFileSize bounds what OpenKeyring reads; a real key file has a few
// lines.
const maxKeyFileSize = 1 << 20

// OpenKeyring reads the key file at path, or creates it with one fresh
// random key (id 00000001) if it does not exist. A new file is written to
// a temporary file in the same directory, fsynced, and then linked into
// place, so a crash never leaves a partial key file and a key file created
// concurrently by another process is never replaced. OpenKeyring refuses
// a key file that group or others may access, a file with no keys, and
// any malformed line.
func OpenKeyring(path string) (*Keyring, error) {
	if path == "" {
		return nil, errors.New("blob: OpenKeyring: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("blob: OpenKeyring: %w", err)
	}
	kr := &Keyring{path: abs}
	f, err := os.Open(abs)
	if errors.Is(err, fs.ErrNotExist) {
		kr.keys = []masterKey{newMasterKey(1)}
		err := kr.write(kr.keys, false)
		if errors.Is(err, fs.ErrExist) { // another process was quicker: use its keys
			return OpenKeyring(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("blob: creating keyring %s: %w", abs, err)
		}
		return kr, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blob: OpenKeyring: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("blob: OpenKeyring: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("blob: keyring %s is not a regular file", abs)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("blob: keyring %s has mode %04o, which lets group or others at the "+
			"master keys; it must be 0600 (chmod 600 %s, and consider the keys exposed)", abs, perm, abs)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("blob: OpenKeyring: %w", err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("blob: keyring %s is larger than %d bytes", abs, maxKeyFileSize)
	}
	if kr.keys, err = parseKeyFile(data); err != nil {
		return nil, fmt.Errorf("blob: keyring %s: %w", abs, err)
	}
	return kr, nil
}

// parseKeyFile decodes the key file format described at Keyring. Errors
// name the line but never quote a key.
func parseKeyFile(data []byte) ([]masterKey, error) {
	var keys []masterKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Fields(s)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"<id> <base64 key>\", found %d fields", line, len(fields))
		}
		id, err := strconv.ParseUint(fields[0], 16, 32)
		if err != nil || len(fields[0]) != 8 || strings.ToLower(fields[0]) != fields[0] {
			return nil, fmt.Errorf("line %d: key id %q is not 8 lowercase hex digits", line, fields[0])
		}
		raw, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil || len(raw) != keySize {
			return nil, fmt.Errorf("line %d: key %s is not %d bytes in standard base64", line, fields[0], keySize)
		}
		if n := len(keys); n > 0 && uint32(id) <= keys[n-1].id {
			return nil, fmt.Errorf("line %d: key id %s does not follow %08x; ids must increase", line, fields[0], keys[n-1].id)
		}
		k := masterKey{id: uint32(id), raw: [keySize]byte(raw)}
		k.aead = newGCM(k.raw[:])
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys")
	}
	return keys, nil
}

// newMasterKey returns a fresh random key with the given id.
func newMasterKey(id uint32) masterKey {
	k := masterKey{id: id}
	_, _ = rand.Read(k.raw[:]) // crypto/rand.Read never returns an error
	k.aead = newGCM(k.raw[:])
	return k
}

// formatKeyFile encodes keys in the key file format.
func formatKeyFile(keys []masterKey) []byte {
	var b bytes.Buffer
	b.WriteString("# shencha blob master keys: one per line, \"<8 hex id> <base64 key>\".\n" +
		"# The last line is the current key. Keep this file secret (mode 0600) and\n" +
		"# back it up apart from the blobs: without it they cannot be read.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%08x %s\n", k.id, base64.StdEncoding.EncodeToString(k.raw[:]))
	}
	return b.Bytes()
}

// write stores keys in the key file atomically: a temporary file (mode
// 0600) in the same directory, fsynced, then renamed over the old file
// (replace) or hard-linked to a name that must not exist yet (!replace),
// and finally the directory is fsynced.
func (kr *Keyring) write(keys []masterKey, replace bool) error {
	dir := filepath.Dir(kr.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(kr.path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed { // after a link too: the new name keeps the content
			_ = os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.Write(formatKeyFile(keys))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmp.Name(), kr.path)
		renamed = err == nil
	} else {
		err = os.Link(tmp.Name(), kr.path)
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// current returns the current key. The caller holds kr.mu.
func (kr *Keyring) current() masterKey {
	return kr.keys[len(kr.keys)-1]
}

// lookup returns the key with the given id. The caller holds kr.mu.
func (kr *Keyring) lookup(id uint32) (cipher.AEAD, bool) {
	for _, k := range kr.keys {
		if k.id == id {
			return k.aead, true
		}
	}
	return nil, false
}

// pending reports whether the keyring holds keys older than the current
// one, i.e. a rotation has begun and not finished.
func (kr *Keyring) pending() bool {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return len(kr.keys) > 1
}

// add appends a fresh key, which becomes current, to the key file and
// then to the keyring. It waits for every blob file being written under
// the previous key to be in place.
func (kr *Keyring) add() error {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	last := kr.current().id
	if last == math.MaxUint32 {
		return fmt.Errorf("blob: keyring %s: key ids exhausted", kr.path)
	}
	keys := append(kr.keys[:len(kr.keys):len(kr.keys)], newMasterKey(last+1))
	if err := kr.write(keys, true); err != nil {
		return fmt.Errorf("blob: keyring %s: adding a key: %w", kr.path, err)
	}
	kr.keys = keys
	return nil
}

// retire removes every key but the current one from the key file and the
// keyring, and returns the current key's id and how many keys it removed.
// The caller must have made sure that no blob is wrapped under them any
// more.
func (kr *Keyring) retire() (uint32, int, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	cur := kr.current()
	old := len(kr.keys) - 1
	if old == 0 {
		return cur.id, 0, nil
	}
	keys := []masterKey{cur}
	if err := kr.write(keys, true); err != nil {
		return cur.id, 0, fmt.Errorf("blob: keyring %s: retiring old keys: %w", kr.path, err)
	}
	kr.keys = keys
	return cur.id, old, nil
}
