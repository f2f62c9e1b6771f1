package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"shencha/internal/server"
	"shencha/internal/signature"
	"shencha/internal/transparency"
)

const verifyUsage = `usage:
  shencha verify ANSWER.json --key KEYS
  shencha verify --server URL [--listing N | --purl P | --cpe C | --digest D] [--as-of DATE] [--token T] --key KEYS
  shencha verify --consistency OLD_CHECKPOINT --server URL --key KEYS
  shencha verify --document FILE.pdf --server URL [--token T] --key KEYS
  shencha verify --document FILE.pdf DOCUMENT.json --key KEYS
KEYS is the JSON of GET /log/key, or the keys the server prints (a file or the text itself;
--key may repeat). Without --key the keys are fetched from the server, which then vouches for itself.
--document checks a PDF the office issued (a provider report, a decision letter): its SHA-256 is
looked up on the server (GET /api/v1/documents/sha256:…; a letter needs a party's --token), or in
DOCUMENT.json saved from that lookup, and its signed statement and log inclusion are checked.`

// keyList collects --key values.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

// verifyCmd checks signed results, their inclusion in the log and the
// log's checkpoints, offline or against a server.
func verifyCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var keys keyList
	fs.Var(&keys, "key", "trusted keys: a file (GET /log/key JSON, or key lines) or the keys themselves")
	srv := fs.String("server", "", "fetch the answer (and, without --key, the keys) from this server")
	token := fs.String("token", "", "API token for --server (results scoped to your sector)")
	listing := fs.String("listing", "", "listing id to ask --server about")
	purl := fs.String("purl", "", "purl to ask --server about")
	cpe := fs.String("cpe", "", "CPE to ask --server about")
	digest := fs.String("digest", "", "artifact digest to ask --server about")
	asOf := fs.String("as-of", "", "date (YYYY-MM-DD) for --server")
	consistency := fs.String("consistency", "", "a saved checkpoint to check against the server's current one")
	document := fs.String("document", "", "a PDF the office issued, to check against its statement in the log")
	// The one file argument may stand before, between or after the flags.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) > 1 {
		return errors.New(verifyUsage)
	}
	file := strings.Join(files, "")
	c := &client{base: strings.TrimRight(*srv, "/"), token: *token, http: &http.Client{Timeout: 30 * time.Second}}
	trust, err := trustFrom(ctx, keys, c, out)
	if err != nil {
		return err
	}
	switch {
	case *document != "":
		return verifyDocument(ctx, c, *document, file, trust, out)
	case *consistency != "":
		if c.base == "" {
			return errors.New(verifyUsage)
		}
		return verifyConsistency(ctx, c, *consistency, trust, out)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		return verifyAnswer(b, trust, out)
	case c.base != "":
		q := url.Values{}
		for k, v := range map[string]string{"listing": *listing, "purl": *purl, "cpe": *cpe, "digest": *digest, "as_of": *asOf} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if len(q) == 0 || len(q) == 1 && q.Has("as_of") {
			return errors.New("verify --server needs --listing, --purl, --cpe or --digest")
		}
		b, err := c.get(ctx, "/api/v1/eligibility?"+q.Encode())
		if err != nil {
			return err
		}
		return verifyAnswer(b, trust, out)
	}
	return errors.New(verifyUsage)
}

// client fetches from a shencha server.
type client struct {
	base, token string
	http        *http.Client
}

func (c *client) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// trustFrom reads the trusted keys, or fetches them from the server.
func trustFrom(ctx context.Context, keys keyList, c *client, out io.Writer) (transparency.Trust, error) {
	var t transparency.Trust
	if len(keys) == 0 {
		if c.base == "" {
			return t, errors.New("--key is required to verify offline\n" + verifyUsage)
		}
		b, err := c.get(ctx, "/log/key")
		if err != nil {
			return t, err
		}
		fmt.Fprintf(out, "warning: trusting the keys %s serves about itself; pass --key to check against keys you hold\n", c.base)
		keys = keyList{string(b)}
	}
	for _, k := range keys {
		text := k
		if b, err := os.ReadFile(k); err == nil {
			text = string(b)
		}
		if err := addKeys(&t, text); err != nil {
			return t, err
		}
	}
	if len(t.VerdictKeys) == 0 || len(t.LogKeys) == 0 {
		return t, errors.New("--key must give at least one verdict key (ed25519:…) and one log key (name+hash+key)")
	}
	return t, nil
}

// addKeys reads keys in the JSON of GET /log/key or as lines.
func addKeys(t *transparency.Trust, text string) error {
	text = strings.TrimSpace(text)
	var lines []string
	if strings.HasPrefix(text, "{") {
		var lk server.LogKeys
		if err := json.Unmarshal([]byte(text), &lk); err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		lines = append(lines, lk.LogKeys...)
		for _, v := range lk.VerdictKeys {
			lines = append(lines, v.Key)
		}
	} else {
		lines = strings.Fields(text)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "ed25519:") {
			pub, err := signature.ParsePublicKey(l)
			if err != nil {
				return fmt.Errorf("verdict key %q: %w", l, err)
			}
			t.VerdictKeys = append(t.VerdictKeys, pub)
			continue
		}
		if _, err := note.NewVerifier(l); err != nil {
			continue // words around the keys in the server's output
		}
		t.LogKeys = append(t.LogKeys, l)
	}
	return nil
}

// verifyAnswer checks every attestation in an eligibility answer (a list
// of items, one item, or a bare attestation).
func verifyAnswer(b []byte, trust transparency.Trust, out io.Writer) error {
	type item struct {
		ListingID   int64                     `json:"listing_id"`
		Case        string                    `json:"case"`
		Product     string                    `json:"product"`
		Version     string                    `json:"version"`
		Status      string                    `json:"status"`
		Attestation *transparency.Attestation `json:"attestation"`
		// A bare attestation.
		Kind string `json:"kind"`
	}
	var doc struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	raws := doc.Items
	if raws == nil {
		raws = []json.RawMessage{b}
	}
	verified, failed := 0, 0
	for _, raw := range raws {
		var it item
		if err := json.Unmarshal(raw, &it); err != nil {
			return fmt.Errorf("answer: %w", err)
		}
		name := fmt.Sprintf("%s %s", it.Product, it.Version)
		if it.Kind != "" {
			var a transparency.Attestation
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("answer: %w", err)
			}
			it.Attestation, name = &a, "attestation"
		}
		if it.Attestation == nil {
			fmt.Fprintf(out, "--   %s: %s, no signed statement to check\n", name, it.Status)
			continue
		}
		v, err := transparency.Verify(it.Attestation, trust)
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL %s (listing %d, %s): %v\n", name, it.ListingID, it.Case, err)
			continue
		}
		p := v.Statement.Predicate
		if it.Kind == "" && (p.ListingID != it.ListingID || p.Case != it.Case || p.Status != it.Status) {
			failed++
			fmt.Fprintf(out, "FAIL %s: the answer says listing %d, %s, %s but the signed statement says listing %d, %s, %s\n",
				name, it.ListingID, it.Case, it.Status, p.ListingID, p.Case, p.Status)
			continue
		}
		verified++
		fmt.Fprintf(out, "OK   %s %s: %s (%s, case %s, %s scope), statement %d of listing %d; log entry %d of %d under %s\n",
			p.Product, p.Version, p.Status, p.Event, p.Case, p.Scope, p.Sequence, p.ListingID, v.Index, v.Checkpoint.Size, v.Checkpoint.Origin)
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d signed statements failed", failed, failed+verified)
	case verified == 0:
		return errors.New("the answer holds no signed statement to check")
	}
	return nil
}

// verifyConsistency checks that the server's current checkpoint extends a
// saved one.
func verifyConsistency(ctx context.Context, c *client, oldFile string, trust transparency.Trust, out io.Writer) error {
	oldNote, err := os.ReadFile(oldFile)
	if err != nil {
		return err
	}
	older, err := transparency.OpenCheckpoint(oldNote, trust.LogKeys)
	if err != nil {
		return fmt.Errorf("saved checkpoint: %w", err)
	}
	newNote, err := c.get(ctx, "/log/checkpoint")
	if err != nil {
		return err
	}
	newer, err := transparency.OpenCheckpoint(newNote, trust.LogKeys)
	if err != nil {
		return fmt.Errorf("current checkpoint: %w", err)
	}
	b, err := c.get(ctx, fmt.Sprintf("/log/proof/consistency?from=%d&to=%d", older.Size, newer.Size))
	if err != nil {
		return err
	}
	var p struct {
		Proof [][]byte `json:"proof"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("consistency proof: %w", err)
	}
	if err := transparency.VerifyConsistency(older, newer, p.Proof); err != nil {
		return fmt.Errorf("consistency: %w", err)
	}
	fmt.Fprintf(out, "OK   the log %s of size %d extends the saved checkpoint of size %d\n", newer.Origin, newer.Size, older.Size)
	return nil
}

// verifyDocument checks an issued PDF: its SHA-256 names its statement,
// which must be signed by a verdict key, say it is about this very file,
// and be in the log under a checkpoint the log key signed. The statement
// comes from the server or from a saved lookup (saved).
func verifyDocument(ctx context.Context, c *client, pdfFile, saved string, trust transparency.Trust, out io.Writer) error {
	pdf, err := os.ReadFile(pdfFile)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(pdf)
	digest := hex.EncodeToString(sum[:])
	var b []byte
	switch {
	case saved != "":
		if b, err = os.ReadFile(saved); err != nil {
			return err
		}
	case c.base != "":
		if b, err = c.get(ctx, "/api/v1/documents/sha256:"+digest); err != nil {
			return fmt.Errorf("%s (SHA-256 %s): %w\nthe server knows no document with this digest: the file is not as issued, or it is a letter for parties you do not sign in as (--token)", pdfFile, digest, err)
		}
	default:
		return errors.New("verify --document needs --server or a saved DOCUMENT.json\n" + verifyUsage)
	}
	var doc struct {
		Attestation *transparency.Attestation `json:"attestation"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("document: %w", err)
	}
	v, err := transparency.VerifyDocument(doc.Attestation, trust, digest)
	if err != nil {
		fmt.Fprintf(out, "FAIL %s (SHA-256 %s): %v\n", pdfFile, digest, err)
		return fmt.Errorf("%s does not verify", pdfFile)
	}
	p := v.Statement.Predicate
	what := fmt.Sprintf("provider report %d on %s, %s to %s", p.Report, p.Provider, p.PeriodFrom, p.PeriodTo)
	if p.Kind == transparency.DocDecisionLetter {
		what = fmt.Sprintf("decision letter of case %s to %s", p.Case, p.Provider)
	}
	fmt.Fprintf(out, "OK   %s is the %s (%s) issued %s, SHA-256 %s; log entry %d of %d under %s\n",
		pdfFile, what, p.Language, p.IssuedAt, digest, v.Index, v.Checkpoint.Size, v.Checkpoint.Origin)
	return nil
}
