package server

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"shencha/internal/review"
)

// registerFeeds adds the JSON and Atom feeds of public results.
func (s *Server) registerFeeds() {
	s.handleLimited("GET", "/api/v1/register/feed", "public listing events, oldest first, paged (?after=EVENT_ID&limit=N; next gives the cursor)", true, s.feedJSON)
	s.handleLimited("GET", "/api/v1/register/feed.atom", "the latest public listing events as an Atom feed", true, s.feedAtom)
}

func (s *Server) feedJSON(w http.ResponseWriter, r *http.Request) error {
	after, err := queryID(r, "after")
	if err != nil {
		return err
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return review.Invalid("limit", "field_invalid", "rule", "an integer from 1 to 500")
		}
	}
	items, err := s.cfg.Store.PublicFeed(r.Context(), after, limit, false)
	if err != nil {
		return err
	}
	out := map[string]any{"items": items}
	if len(items) == limit {
		out["next"] = "/api/v1/register/feed?after=" + strconv.FormatInt(items[len(items)-1].EventID, 10) + "&limit=" + strconv.Itoa(limit)
	}
	writeJSON(w, 200, out)
	return nil
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    atomLink    `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

func (s *Server) feedAtom(w http.ResponseWriter, r *http.Request) error {
	items, err := s.cfg.Store.PublicFeed(r.Context(), 0, 100, true)
	if err != nil {
		return err
	}
	f := atomFeed{Title: "网络安全审查结果 / Cybersecurity review results", ID: "urn:shencha:register", Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Link: atomLink{Href: "/api/v1/register/feed.atom", Rel: "self"}}
	for i, it := range items {
		at := it.At.UTC().Format(time.RFC3339)
		if i == 0 {
			f.Updated = at
		}
		f.Entries = append(f.Entries, atomEntry{
			Title:   fmt.Sprintf("%s %s: %s", it.Product, it.Version, it.Status),
			ID:      fmt.Sprintf("urn:shencha:listing-event:%d", it.EventID),
			Updated: at,
			Link:    atomLink{Href: "/api/v1/eligibility?listing=" + strconv.FormatInt(it.ListingID, 10)},
			Summary: fmt.Sprintf("%s (%s), case %s: %s (%s)%s; log entry %d", it.Product, it.Provider, it.Case, it.Status, it.Action, reasonText(it.Reason), it.LogIndex),
		})
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(f)
}

func reasonText(r string) string {
	if r == "" {
		return ""
	}
	return ", " + r
}
