package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/heliograph/heliograph/internal/store"
)

func testProjects(t *testing.T, s store.Store) {
	ctx := t.Context()
	beta := mustProject(t, s, "beta")
	alpha := mustProject(t, s, "alpha")
	if alpha.ID == "" || alpha.ID == beta.ID {
		t.Errorf("CreateProject ids = %q and %q, want distinct non-empty ids", alpha.ID, beta.ID)
	}
	if alpha.Name != "alpha" || alpha.CreatedAt.IsZero() {
		t.Errorf("CreateProject(alpha) = %+v, want name alpha and a creation time", alpha)
	}

	if _, err := s.CreateProject(ctx, "alpha"); !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateProject(alpha) again = %v, want ErrExists", err)
	}

	got, err := s.ProjectByName(ctx, "alpha")
	if err != nil {
		t.Fatalf("ProjectByName(alpha) = %v, want nil", err)
	}
	if got.ID != alpha.ID || got.Name != "alpha" || !got.CreatedAt.Equal(alpha.CreatedAt) {
		t.Errorf("ProjectByName(alpha) = %+v, want %+v", got, alpha)
	}
	if _, err := s.ProjectByName(ctx, "gamma"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ProjectByName(gamma) = %v, want ErrNotFound", err)
	}

	list, err := s.ListProjects(ctx)
	if err != nil {
		t.Fatalf("ListProjects() = %v, want nil", err)
	}
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	checkIDs(t, "ListProjects()", names, []string{"alpha", "beta"})
}

func newKey(projectID, name, secret string) store.Key {
	sum := sha256.Sum256([]byte(secret))
	return store.Key{
		ID:        "key-" + name + "-" + projectID,
		ProjectID: projectID,
		Name:      name,
		Scope:     store.ScopeAll,
		Hash:      sum[:],
		Prefix:    secret[:6],
	}
}

func testKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProject(t, s, "keys")
	other := mustProject(t, s, "other")

	k1 := newKey(p.ID, "ci", "hg_secret_one")
	k1.Scope = store.ScopeWrite
	created, err := s.CreateKey(ctx, k1)
	if err != nil {
		t.Fatalf("CreateKey(ci) = %v, want nil", err)
	}
	if created.CreatedAt.IsZero() || !created.RevokedAt.IsZero() {
		t.Errorf("CreateKey(ci) = %+v, want a creation time and no revocation", created)
	}

	t.Run("duplicates", func(t *testing.T) {
		sameHash := newKey(p.ID, "other-name", "hg_secret_one")
		if _, err := s.CreateKey(ctx, sameHash); !errors.Is(err, store.ErrExists) {
			t.Errorf("CreateKey(same hash) = %v, want ErrExists", err)
		}
		sameName := newKey(p.ID, "ci", "hg_secret_two")
		sameName.ID = "key-other-id"
		if _, err := s.CreateKey(ctx, sameName); !errors.Is(err, store.ErrExists) {
			t.Errorf("CreateKey(same project and name) = %v, want ErrExists", err)
		}
		if _, err := s.CreateKey(ctx, newKey(other.ID, "ci", "hg_secret_three")); err != nil {
			t.Errorf("CreateKey(same name, other project) = %v, want nil", err)
		}
		_, err := s.CreateKey(ctx, newKey("no-such-project", "x", "hg_secret_four"))
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateKey(unknown project) = %v, want ErrNotFound", err)
		}
	})

	t.Run("by hash", func(t *testing.T) {
		got, err := s.KeyByHash(ctx, k1.Hash)
		if err != nil {
			t.Fatalf("KeyByHash(ci) = %v, want nil", err)
		}
		checkKey(t, "KeyByHash(ci)", got, created)
		unknown := sha256.Sum256([]byte("unknown"))
		if _, err := s.KeyByHash(ctx, unknown[:]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("KeyByHash(unknown) = %v, want ErrNotFound", err)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		if err := s.RevokeKey(ctx, k1.ID); err != nil {
			t.Fatalf("RevokeKey(ci) = %v, want nil", err)
		}
		got, err := s.KeyByHash(ctx, k1.Hash)
		if err != nil {
			t.Fatalf("KeyByHash(revoked) = %v, want nil: revoked keys are still returned", err)
		}
		if got.RevokedAt.IsZero() {
			t.Errorf("KeyByHash(revoked).RevokedAt is zero, want the revocation time")
		}
		if got.RevokedAt.Before(got.CreatedAt) {
			t.Errorf("RevokedAt %v is before CreatedAt %v", got.RevokedAt, got.CreatedAt)
		}
		if err := s.RevokeKey(ctx, "no-such-key"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeKey(unknown) = %v, want ErrNotFound", err)
		}
	})

	t.Run("list", func(t *testing.T) {
		list, err := s.ListKeys(ctx)
		if err != nil {
			t.Fatalf("ListKeys() = %v, want nil", err)
		}
		var names []string
		for _, k := range list {
			names = append(names, k.Name+"@"+k.ProjectID)
		}
		checkIDs(t, "ListKeys()", names, []string{"ci@" + p.ID, "ci@" + other.ID})
		if len(list) > 0 && list[0].RevokedAt.IsZero() {
			t.Errorf("ListKeys()[0].RevokedAt is zero, want the revocation time")
		}
	})
}

func checkKey(t *testing.T, call string, got, want store.Key) {
	t.Helper()
	if got.ID != want.ID || got.ProjectID != want.ProjectID || got.Name != want.Name ||
		got.Scope != want.Scope || !bytes.Equal(got.Hash, want.Hash) ||
		got.Prefix != want.Prefix || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.RevokedAt.Equal(want.RevokedAt) {
		t.Errorf("%s = %+v, want %+v", call, got, want)
	}
}
