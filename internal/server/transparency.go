package server

import (
	"net/http"
	"strconv"

	"shencha/internal/review"
	"shencha/internal/signature"
	"shencha/internal/store"
)

// registerLog adds the public transparency log and the eligibility
// register.
func (s *Server) registerLog() {
	s.registerFeeds()
	s.handleLimited("GET", "/log/checkpoint", "the newest signed checkpoint (C2SP signed note, text/plain)", true, s.logCheckpoint)
	s.handleLimited("GET", "/log/entries/{index}", "one log entry: kind and bytes (a public verdict's envelope, a commitment, an audit anchor)", true, s.logEntry)
	s.handleLimited("GET", "/log/proof/inclusion", "inclusion proof of entry index in the tree of size (?index=N&size=M)", true, s.logInclusion)
	s.handleLimited("GET", "/log/proof/consistency", "consistency proof between tree sizes (?from=A&to=B)", true, s.logConsistency)
	s.handleLimited("GET", "/log/key", "the log's verifier keys and the verdict keys, current first", true, s.logKey)
	s.handleLimited("POST", "/api/v1/eligibility/batch", "answer a purchase list: a JSON array of queries, a CSV (text/csv) or an SBOM (?format=sbom); every good line answered, every bad one named", true, s.eligibilityBatch)
	s.handleLimited("GET", "/api/v1/eligibility", "may the state buy it? status, preferred / must_not_procure and the signed statement with its proof; by listing, product+version, purl, cpe or digest; as_of=DATE", true, s.listings)
}

func (s *Server) logCheckpoint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.cfg.Store.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(h.Note))
	return err
}

func (s *Server) logEntry(w http.ResponseWriter, r *http.Request) error {
	idx, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || idx < 0 {
		return review.Invalid("index", "field_invalid", "rule", "an integer from 0")
	}
	e, err := s.cfg.Store.Entry(r.Context(), idx)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable") // entries never change
	writeJSON(w, 200, e)
	return nil
}

// sizes reads non-negative integer query parameters.
func sizes(r *http.Request, names ...string) ([]int64, error) {
	out := make([]int64, len(names))
	for i, n := range names {
		v, err := strconv.ParseInt(r.URL.Query().Get(n), 10, 64)
		if err != nil || v < 0 {
			return nil, review.Invalid(n, "field_invalid", "rule", "an integer from 0")
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) logInclusion(w http.ResponseWriter, r *http.Request) error {
	v, err := sizes(r, "index", "size")
	if err != nil {
		return err
	}
	p, err := s.cfg.Store.InclusionProof(r.Context(), v[0], v[1])
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"index": v[0], "size": v[1], "proof": p})
	return nil
}

func (s *Server) logConsistency(w http.ResponseWriter, r *http.Request) error {
	v, err := sizes(r, "from", "to")
	if err != nil {
		return err
	}
	p, err := s.cfg.Store.ConsistencyProof(r.Context(), v[0], v[1])
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"from": v[0], "to": v[1], "proof": p})
	return nil
}

// LogKeys is the answer of GET /log/key, which `shencha verify --key`
// reads too.
type LogKeys struct {
	Origin      string       `json:"origin"`
	LogKeys     []string     `json:"log_keys"`
	VerdictKeys []VerdictKey `json:"verdict_keys"`
}

// VerdictKey is one verdict public key.
type VerdictKey struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

func (s *Server) logKey(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, 200, KeysOf(s.cfg.Store))
	return nil
}

// KeysOf lists a store's public keys.
func KeysOf(st *store.Store) LogKeys {
	k := st.Keys()
	out := LogKeys{Origin: k.Origin(), LogKeys: k.LogKeys()}
	for _, pub := range k.VerdictKeys() {
		out.VerdictKeys = append(out.VerdictKeys, VerdictKey{ID: signature.KeyID(pub), Key: signature.FormatPublicKey(pub)})
	}
	return out
}
