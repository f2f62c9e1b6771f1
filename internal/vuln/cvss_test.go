package vuln

import (
	"errors"
	"fmt"
	"testing"
)

func TestCVSS3BaseScore(t *testing.T) {
	for _, tc := range []struct {
		vector string
		score  float64
		rating string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, RatingCritical},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, RatingMedium},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, RatingMedium},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, RatingCritical},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, RatingCritical},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, RatingHigh},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1, RatingHigh},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, RatingHigh},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, RatingHigh},
		{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, RatingHigh},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, RatingHigh},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", 8.6, RatingHigh},
		{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, RatingMedium},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, RatingMedium},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", 6.5, RatingMedium},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9, RatingMedium},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3, RatingMedium},
		{"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:L", 3.8, RatingLow},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, RatingLow},
		{"CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:N/I:L/A:N", 2.2, RatingLow},
		{"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:L/A:N", 1.8, RatingLow},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, RatingLow},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, RatingNone},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1, RatingHigh},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, RatingMedium},
		// Temporal and environmental metrics do not change the base score.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C/CR:L/MAV:P/MS:C", 9.8, RatingCritical},
		// Metric order is free.
		{"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 9.8, RatingCritical},
	} {
		got, err := CVSS3BaseScore(tc.vector)
		if err != nil || got != tc.score || RatingOf(got) != tc.rating {
			t.Errorf("%s = %v (%s), %v; want %v (%s)", tc.vector, got, RatingOf(got), err, tc.score, tc.rating)
		}
	}
}

func TestCVSS3Errors(t *testing.T) {
	for _, v := range []string{
		"",
		"CVSS:3.1",
		"CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          // A missing
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",  // twice
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      // bad value
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1", // unknown metric
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",     // long value
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",     // empty metric
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E",    // no value
	} {
		if s, err := CVSS3BaseScore(v); !errors.Is(err, ErrCVSS) {
			t.Errorf("%q = %v, %v; want an error", v, s, err)
		}
	}
}

// TestCVSS3AllBaseVectors computes all 2,592 base vectors: scores lie in
// 0..10 with one decimal, v3.0's plain round-up agrees with v3.1's, and a
// worse metric never lowers the score.
func TestCVSS3AllBaseVectors(t *testing.T) {
	n := 0
	for _, av := range "NALP" {
		for _, ac := range "LH" {
			for _, pr := range "NLH" {
				for _, ui := range "NR" {
					for _, s := range "UC" {
						for _, c := range "HLN" {
							for _, i := range "HLN" {
								for _, a := range "HLN" {
									base := fmt.Sprintf("AV:%c/AC:%c/PR:%c/UI:%c/S:%c/C:%c/I:%c/A:%c", av, ac, pr, ui, s, c, i, a)
									v31, err1 := CVSS3BaseScore("CVSS:3.1/" + base)
									v30, err0 := CVSS3BaseScore("CVSS:3.0/" + base)
									if err1 != nil || err0 != nil || v31 != v30 || v31 < 0 || v31 > 10 || v31*10 != float64(int(v31*10+0.5)) {
										t.Errorf("%s: 3.1 %v %v, 3.0 %v %v", base, v31, err1, v30, err0)
									}
									if c == 'N' && i == 'N' && a == 'N' && v31 != 0 {
										t.Errorf("%s: no impact, score %v", base, v31)
									}
									if av == 'N' && ac == 'L' && pr == 'N' && ui == 'N' {
										// Against the worst exploitability the same impact
										// never scores higher.
										worse, _ := CVSS3BaseScore(fmt.Sprintf("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:%c/C:%c/I:%c/A:%c", s, c, i, a))
										if worse > v31 {
											t.Errorf("%s: %v, but with the worst exploitability %v", base, v31, worse)
										}
									}
									n++
								}
							}
						}
					}
				}
			}
		}
	}
	if n != 2592 {
		t.Errorf("%d vectors", n)
	}
}

func TestRatingOf(t *testing.T) {
	for score, want := range map[float64]string{0: RatingNone, 0.1: RatingLow, 3.9: RatingLow, 4.0: RatingMedium, 6.9: RatingMedium,
		7.0: RatingHigh, 8.9: RatingHigh, 9.0: RatingCritical, 10: RatingCritical} {
		if got := RatingOf(score); got != want {
			t.Errorf("RatingOf(%v) = %s, want %s", score, got, want)
		}
	}
}

func TestSeverityOf(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      Severity
	}{
		{"None", `{"id":"GO-1"}`, Severity{Rating: RatingUnrated}},
		{"V3", `{"id":"X-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}`,
			Severity{Score: 9.8, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Rating: RatingCritical, Type: "CVSS_V3"}},
		{"V4Kept", `{"id":"X-1","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]}`,
			Severity{Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Rating: RatingUnrated, Type: "CVSS_V4"}},
		{"V3BeatsV4", `{"id":"X-1","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}]}`,
			Severity{Score: 5.5, Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", Rating: RatingMedium, Type: "CVSS_V3"}},
		{"HighestV3", `{"id":"X-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"},{"type":"CVSS_V3","score":"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}`,
			Severity{Score: 8.1, Vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", Rating: RatingHigh, Type: "CVSS_V3"}},
		{"BadV3Unrated", `{"id":"X-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}]}`,
			Severity{Vector: "CVSS:3.1/AV:N", Rating: RatingUnrated, Type: "CVSS_V3"}},
		{"PerPackage", `{"id":"X-1","affected":[{"package":{"ecosystem":"npm","name":"a"},"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}]}]}`,
			Severity{Score: 6.1, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", Rating: RatingMedium, Type: "CVSS_V3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRecords(t, tc.raw)[0]
			if got := SeverityOf(r); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
