package demo

import (
	"context"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/storetest"
)

func TestSeed(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := storetest.Open(t, b)
			f, err := Seed(context.Background(), s, DefaultPassword, auth.Cheap)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range Users {
				if f.Users[u.Username].ID == 0 || string(f.Users[u.Username].Role) != u.Role {
					t.Errorf("user %s: %+v", u.Username, f.Users[u.Username])
				}
			}
			if f.Actors["ciio"].Sector != "energy" || f.Actors["finance-regulator"].Sector != "finance" {
				t.Errorf("sectors: %+v %+v", f.Actors["ciio"], f.Actors["finance-regulator"])
			}
			if _, err := s.VerifyAudit(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
