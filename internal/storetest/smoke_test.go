package storetest

import (
	"context"
	"testing"
)

func TestOpenBackends(t *testing.T) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := Open(t, b)
			v, err := s.SchemaVersion(context.Background())
			if err != nil || v < 1 {
				t.Fatalf("schema version %d, %v", v, err)
			}
			if _, err := s.VerifyAudit(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
