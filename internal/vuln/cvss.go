package vuln

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Ratings of a Severity: the CVSS v3 qualitative ratings, and "unrated"
// when no base score could be computed.
const (
	RatingCritical = "critical"
	RatingHigh     = "high"
	RatingMedium   = "medium"
	RatingLow      = "low"
	RatingNone     = "none"
	RatingUnrated  = "unrated"
)

// Severity is the severity of an advisory: a CVSS v3 base score with its
// vector and rating, or, for an advisory without a CVSS v3 vector, Rating
// "unrated" (with the vector it has, if any: CVSS v4 and v2 vectors are
// kept, not scored). Callers treat "unrated" as serious.
type Severity struct {
	Score  float64 `json:"score"`
	Vector string  `json:"vector,omitempty"`
	Rating string  `json:"rating"`
	// Type is the OSV severity type of Vector ("CVSS_V3", "CVSS_V4", ...).
	Type string `json:"type,omitempty"`
}

// SeverityOf is the severity of a record: the highest CVSS v3 base score
// among its severity entries (the record's, or if it has none its
// affected packages'), else "unrated" with the first other vector found,
// CVSS v4 preferred.
func SeverityOf(r Record) Severity {
	entries := r.Severity
	if len(entries) == 0 {
		for _, a := range r.Affected {
			entries = append(entries, a.Severity...)
		}
	}
	best := Severity{Rating: RatingUnrated}
	for _, e := range entries {
		s := Severity{Vector: e.Score, Type: e.Type, Rating: RatingUnrated}
		if e.Type == "CVSS_V3" {
			if score, err := CVSS3BaseScore(e.Score); err == nil {
				s.Score, s.Rating = score, RatingOf(score)
			}
		}
		if higher(s, best) {
			best = s
		}
	}
	return best
}

// higher reports whether a is a more severe (or more informative) Severity
// than b: rated beats unrated, a higher score beats a lower one; between
// unrated ones a CVSS v4 vector beats any other vector, which beats none.
func higher(a, b Severity) bool {
	ar, br := a.Rating != RatingUnrated, b.Rating != RatingUnrated
	switch {
	case ar != br:
		return ar
	case ar:
		return a.Score > b.Score
	}
	rank := func(s Severity) int {
		switch {
		case s.Type == "CVSS_V4":
			return 2
		case s.Vector != "":
			return 1
		}
		return 0
	}
	return rank(a) > rank(b)
}

// RatingOf is the CVSS v3 qualitative rating of a base score: 0 none,
// 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical.
func RatingOf(score float64) string {
	switch tenths := math.Round(score * 10); {
	case tenths <= 0:
		return RatingNone
	case tenths < 40:
		return RatingLow
	case tenths < 70:
		return RatingMedium
	case tenths < 90:
		return RatingHigh
	}
	return RatingCritical
}

// ErrCVSS is wrapped by the errors of CVSS3BaseScore.
var ErrCVSS = errors.New("vuln: invalid CVSS v3 vector")

// cvss3Metrics are the metrics of a CVSS v3.0/v3.1 vector and their valid
// values; the base metrics come first.
var cvss3Metrics = []struct {
	key    string
	values string // one letter each
}{
	{"AV", "NALP"}, {"AC", "LH"}, {"PR", "NLH"}, {"UI", "NR"}, {"S", "UC"}, {"C", "HLN"}, {"I", "HLN"}, {"A", "HLN"},
	{"E", "XUPFH"}, {"RL", "XOTWU"}, {"RC", "XURC"}, {"CR", "XLMH"}, {"IR", "XLMH"}, {"AR", "XLMH"},
	{"MAV", "XNALP"}, {"MAC", "XLH"}, {"MPR", "XNLH"}, {"MUI", "XNR"}, {"MS", "XUC"}, {"MC", "XNLH"}, {"MI", "XNLH"}, {"MA", "XNLH"},
}

const cvss3BaseMetrics = 8

// CVSS3BaseScore computes the base score of a CVSS v3.0 or v3.1 vector
// ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" is 9.8) with the formulas
// of the specification (FIRST, CVSS v3.1 Specification Document, section
// 7.1, and v3.0 section 8.1 for 3.0 vectors, which round up plainly).
// Temporal and environmental metrics are validated but do not change the
// base score.
func CVSS3BaseScore(vector string) (float64, error) {
	version, rest, ok := strings.Cut(vector, "/")
	if !ok || version != "CVSS:3.0" && version != "CVSS:3.1" {
		return 0, fmt.Errorf("%w: %q does not start with CVSS:3.0/ or CVSS:3.1/", ErrCVSS, vector)
	}
	got := map[string]byte{}
	for _, part := range strings.Split(rest, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok || len(v) != 1 {
			return 0, fmt.Errorf("%w: %q: bad metric %q", ErrCVSS, vector, part)
		}
		valid := false
		for _, m := range cvss3Metrics {
			if m.key == k {
				valid = strings.Contains(m.values, v)
				break
			}
		}
		if !valid {
			return 0, fmt.Errorf("%w: %q: unknown metric or value %q", ErrCVSS, vector, part)
		}
		if _, dup := got[k]; dup {
			return 0, fmt.Errorf("%w: %q: metric %s given twice", ErrCVSS, vector, k)
		}
		got[k] = v[0]
	}
	for _, m := range cvss3Metrics[:cvss3BaseMetrics] {
		if _, ok := got[m.key]; !ok {
			return 0, fmt.Errorf("%w: %q: base metric %s missing", ErrCVSS, vector, m.key)
		}
	}
	changed := got["S"] == 'C'
	av := map[byte]float64{'N': 0.85, 'A': 0.62, 'L': 0.55, 'P': 0.2}[got["AV"]]
	ac := map[byte]float64{'L': 0.77, 'H': 0.44}[got["AC"]]
	pr := map[byte]float64{'N': 0.85, 'L': 0.62, 'H': 0.27}[got["PR"]]
	if changed {
		pr = map[byte]float64{'N': 0.85, 'L': 0.68, 'H': 0.5}[got["PR"]]
	}
	ui := map[byte]float64{'N': 0.85, 'R': 0.62}[got["UI"]]
	cia := func(k string) float64 { return map[byte]float64{'H': 0.56, 'L': 0.22, 'N': 0}[got[k]] }

	iss := 1 - (1-cia("C"))*(1-cia("I"))*(1-cia("A"))
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	exploitability := 8.22 * av * ac * pr * ui
	if impact <= 0 {
		return 0, nil
	}
	roundup := roundup31
	if version == "CVSS:3.0" {
		roundup = roundup30
	}
	if changed {
		return roundup(math.Min(1.08*(impact+exploitability), 10)), nil
	}
	return roundup(math.Min(impact+exploitability, 10)), nil
}

// roundup31 is Roundup of CVSS v3.1 (Appendix A): the smallest number with
// one decimal that is at least x, computed on integers so that floating
// point error (4.000000000000001) does not round up.
func roundup31(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return (math.Floor(float64(i)/10000) + 1) / 10
}

// roundup30 is Roundup as CVSS v3.0 defines it.
func roundup30(x float64) float64 { return math.Ceil(x*10) / 10 }
