// Package demo seeds a database with the demonstration organisations,
// people, products and cases that `shencha demo` serves and the tests use.
// It goes through the store's ordinary operations, so the seed obeys every
// rule a real user would meet.
package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"shencha/internal/auth"
	"shencha/internal/review"
	"shencha/internal/store"
)

// DefaultPassword is the demo users' password unless --demo-password says otherwise.
const DefaultPassword = "shencha-demo"

// Users lists the demo logins with what each is, in the order printed.
var Users = []struct{ Username, Role, About string }{
	{"admin", "admin", "platform operator: users, organisations, accreditations, calendar"},
	{"office", "office", "National Cybersecurity Review Office"},
	{"committee", "committee", "Cybersecurity Review Committee member (chair)"},
	{"committee2", "committee", "Cybersecurity Review Committee member"},
	{"committee3", "committee", "Cybersecurity Review Committee member"},
	{"expert1", "expert", "Expert Committee member"},
	{"expert2", "expert", "Expert Committee member"},
	{"expert3", "expert", "Expert Committee member"},
	{"expert4", "expert", "Expert Committee member"},
	{"lab1", "lab", "Accredited lab, all methods and categories"},
	{"lab2", "lab", "Accredited lab, lab testing and documents; declared tie to provider2"},
	{"provider1", "provider", "Huaxin Networks (router, database)"},
	{"provider2", "provider", "Lanyun Cloud (cloud service)"},
	{"ciio", "ciio", "Northern Grid Power, critical information infrastructure operator (energy)"},
	{"cii", "cii_department", "CII protection department, energy sector"},
	{"procurer", "procurer", "Central Government Procurement Centre"},
	{"finance-regulator", "office", "Financial regulator acting as review office for the finance sector"},
	{"association", "requester", "China Network Equipment Industry Association"},
}

// Fixture holds the ids the seed created, for tests.
type Fixture struct {
	Orgs     map[string]review.Org  // by username of its first member
	Users    map[string]review.User // by username
	Actors   map[string]review.Actor
	Router   review.Product // provider1's core router
	RouterV  []review.Version
	Database review.Product // provider1's database
	DBV      []review.Version
	Cloud    review.Product // provider2's cloud service
	CloudV   []review.Version
	// Keys are the signing organisations' own private keys (lab1, lab2,
	// provider1, provider2); the store holds only their public keys.
	Keys map[string]ed25519.PrivateKey
}

type orgSpec struct {
	user   string
	kind   review.OrgKind
	name   string
	sector string
	role   review.Role
	also   []string // further users in the same organisation
}

var orgs = []orgSpec{
	{"admin", review.OrgPlatform, "Shencha Platform Operations", "", review.RoleAdmin, nil},
	{"office", review.OrgReviewOffice, "National Cybersecurity Review Office", "", review.RoleOffice, nil},
	{"committee", review.OrgCommittee, "Cybersecurity Review Committee", "", review.RoleCommittee, []string{"committee2", "committee3"}},
	{"expert1", review.OrgExpertCommittee, "Cybersecurity Review Expert Committee", "", review.RoleExpert, []string{"expert2", "expert3", "expert4"}},
	{"lab1", review.OrgLab, "China Network Product Security Testing Centre", "", review.RoleLab, nil},
	{"lab2", review.OrgLab, "Eastern Information Security Evaluation Lab", "", review.RoleLab, nil},
	{"provider1", review.OrgProvider, "Huaxin Networks Co., Ltd.", "", review.RoleProvider, nil},
	{"provider2", review.OrgProvider, "Lanyun Cloud Technology Co., Ltd.", "", review.RoleProvider, nil},
	{"ciio", review.OrgCIIO, "Northern Grid Power Co., Ltd.", "energy", review.RoleCIIO, nil},
	{"cii", review.OrgCIIDepartment, "Energy Sector CII Protection Department", "energy", review.RoleCIIDepartment, nil},
	{"procurer", review.OrgProcurer, "Central Government Procurement Centre", "", review.RoleProcurer, nil},
	{"finance-regulator", review.OrgSectorRegulator, "Financial Sector Cybersecurity Regulator", "finance", review.RoleOffice, nil},
	{"association", review.OrgIndustryAssociation, "China Network Equipment Industry Association", "", review.RoleRequester, nil},
}

// Seed creates the demo organisations, users, accreditations, ties,
// products and the providers' ownership chains. It is not idempotent: run
// it on an empty database.
func Seed(ctx context.Context, s *store.Store, password string, p auth.Params) (*Fixture, error) {
	f := &Fixture{Orgs: map[string]review.Org{}, Users: map[string]review.User{}, Actors: map[string]review.Actor{}}
	root := review.Actor{Username: "seed", Role: review.RoleAdmin}
	for _, o := range orgs {
		org, err := s.CreateOrg(ctx, root, review.Org{Kind: o.kind, Name: o.name, Sector: o.sector})
		if err != nil {
			return nil, fmt.Errorf("seed org %s: %w", o.name, err)
		}
		for _, name := range append([]string{o.user}, o.also...) {
			u, err := s.CreateUser(ctx, root, review.User{Username: name, DisplayName: displayName(name), OrgID: org.ID, Role: o.role}, password, p)
			if err != nil {
				return nil, fmt.Errorf("seed user %s: %w", name, err)
			}
			f.Orgs[name], f.Users[name] = org, u
			if f.Actors[name], err = s.ActorOf(ctx, u.ID); err != nil {
				return nil, err
			}
		}
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.CreateAccreditation(ctx, root, review.Accreditation{LabOrgID: f.Orgs["lab1"].ID, Methods: review.Methods,
		Categories: review.Categories, ValidFrom: from, ValidTo: from.AddDate(6, 0, -1)}); err != nil {
		return nil, fmt.Errorf("seed accreditation: %w", err)
	}
	if _, err := s.CreateAccreditation(ctx, root, review.Accreditation{LabOrgID: f.Orgs["lab2"].ID,
		Methods:    []review.Method{review.MethodLabTesting, review.MethodDocumentary},
		Categories: []review.Category{"core_network_equipment", "cloud_services"}, ValidFrom: from, ValidTo: from.AddDate(4, 0, -1)}); err != nil {
		return nil, fmt.Errorf("seed accreditation: %w", err)
	}
	if _, err := s.CreateTie(ctx, root, review.Tie{LabOrgID: f.Orgs["lab2"].ID, ProviderOrgID: f.Orgs["provider2"].ID,
		Kind: review.TieConsulting, Note: "security consulting contract 2025"}); err != nil {
		return nil, fmt.Errorf("seed tie: %w", err)
	}
	if err := registerKeys(ctx, s, f, root); err != nil {
		return nil, err
	}
	var err error
	if f.Router, f.RouterV, err = product(ctx, s, f.Actors["provider1"], "Huaxin HX-9000 Core Router", "core_network_equipment", false,
		"pkg:generic/huaxin/hx-9000", "cpe:2.3:h:huaxin:hx-9000", "3.1.0", "3.2.0"); err != nil {
		return nil, err
	}
	if f.Database, f.DBV, err = product(ctx, s, f.Actors["provider1"], "Huaxin TideDB Distributed Database", "databases_and_application_software", false,
		"pkg:generic/huaxin/tidedb", "cpe:2.3:a:huaxin:tidedb", "5.0.2"); err != nil {
		return nil, err
	}
	if f.Cloud, f.CloudV, err = product(ctx, s, f.Actors["provider2"], "Lanyun Government Cloud", "cloud_services", true,
		"pkg:generic/lanyun/gov-cloud", "cpe:2.3:a:lanyun:gov-cloud", "2026.1"); err != nil {
		return nil, err
	}
	if err := seedOwnership(ctx, s, f); err != nil {
		return nil, err
	}
	return f, nil
}

func displayName(u string) string {
	for _, x := range Users {
		if x.Username == u {
			return x.About
		}
	}
	return u
}

func product(ctx context.Context, s *store.Store, a review.Actor, name string, cat review.Category, service bool, purl, cpe string, versions ...string) (review.Product, []review.Version, error) {
	p, err := s.CreateProduct(ctx, a, review.Product{Name: name, Category: cat, Service: service})
	if err != nil {
		return p, nil, fmt.Errorf("seed product %s: %w", name, err)
	}
	var out []review.Version
	for _, v := range versions {
		ver := review.Version{ProductID: p.ID, Version: v, PURL: purl + "@" + v, CPE: cpe + ":" + v + ":*:*:*:*:*:*:*"}
		if !service { // a product ships an image; its (demo) digest names it in verdicts
			sum := sha256.Sum256([]byte(name + " " + v + " firmware image"))
			ver.ArtifactSHA256 = hex.EncodeToString(sum[:])
		}
		ver, err := s.AddVersion(ctx, a, ver)
		if err != nil {
			return p, nil, fmt.Errorf("seed version %s %s: %w", name, v, err)
		}
		out = append(out, ver)
	}
	return p, out, nil
}

// Declaration is the signed declaration demo assignments carry.
func Declaration(who string) *review.Declaration {
	return &review.Declaration{NoConflict: true, Confidentiality: true, SignedBy: who}
}
