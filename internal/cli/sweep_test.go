package cli

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"shencha/internal/auth"
	"shencha/internal/blob"
	"shencha/internal/demo"
	"shencha/internal/review"
	"shencha/internal/store"
)

// TestSweepBlobs: the sweep at start removes a stored file no material
// names (an upload killed before it was recorded) and keeps the named one;
// over a database that names none of the files, it removes nothing.
func TestSweepBlobs(t *testing.T) {
	ctx := context.Background()
	open := func(dir string) (*store.Store, *demo.Fixture) {
		if err := dataDir(dir).ensure(); err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(ctx, dataDir(dir).sqlite())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		f, err := demo.Seed(ctx, s, demo.DefaultPassword, auth.Cheap)
		if err != nil {
			t.Fatal(err)
		}
		return s, f
	}
	dir := t.TempDir()
	s, f := open(dir)
	blobs, err := dataDir(dir).openBlobs()
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := blobs.Put(ctx, strings.NewReader("recorded"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := blobs.Put(ctx, strings.NewReader("stored, then the server was killed"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	provider := f.Actors["provider1"]
	c, err := s.CreateCase(ctx, provider, review.NewCase{Trigger: review.TriggerEnterpriseApplication, ProductID: f.Router.ID, VersionIDs: []int64{f.RouterV[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMaterial(ctx, provider, c.Number, store.MaterialView{Digest: recorded.Digest.String(), Size: recorded.Size, Filename: "a.pdf", ContentType: "application/pdf"}, ""); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	if err := sweepBlobs(ctx, s, blobs, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	if _, err := blobs.Stat(ctx, orphan.Digest); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("the unrecorded file is still there: %v", err)
	}
	if _, err := blobs.Stat(ctx, recorded.Digest); err != nil {
		t.Fatalf("the recorded file: %v", err)
	}
	if !strings.Contains(logged.String(), orphan.Digest.String()) {
		t.Fatalf("the removal is not logged: %s", &logged)
	}

	// Another database, which names none of the files.
	other, _ := open(t.TempDir())
	logged.Reset()
	if err := sweepBlobs(ctx, other, blobs, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	if _, err := blobs.Stat(ctx, recorded.Digest); err != nil || !strings.Contains(logged.String(), "sweep skipped") {
		t.Fatalf("a database naming none of the files: %v\n%s", err, &logged)
	}
}
