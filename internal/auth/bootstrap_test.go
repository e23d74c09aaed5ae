package auth_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
)

// fakeBootstrapStore is an empty store that records what Bootstrap creates.
type fakeBootstrapStore struct {
	projects []store.Project
	keys     []store.Key
}

func (s *fakeBootstrapStore) ListProjects(context.Context) ([]store.Project, error) {
	return s.projects, nil
}

func (s *fakeBootstrapStore) CreateProject(_ context.Context, name string) (store.Project,
	error) {
	p := store.Project{ID: "p-" + name, Name: name}
	s.projects = append(s.projects, p)
	return p, nil
}

func (s *fakeBootstrapStore) CreateKey(_ context.Context, k store.Key) (store.Key, error) {
	s.keys = append(s.keys, k)
	return k, nil
}

func TestBootstrapRejectsWeakKey(t *testing.T) {
	tests := []struct{ name, key string }{
		{"three characters", "abc"},
		{"one space", " "},
		{"fifteen characters", "123456789012345"},
		{"leading space", " 1234567890123456"},
		{"trailing space", "1234567890123456 "},
		{"tab", "12345678\t90123456"},
		{"newline", "1234567890123456\n"},
		{"non-ASCII", "1234567890123456é"},
		{"delete", "1234567890123456\x7f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st := &fakeBootstrapStore{}
			res, err := auth.Bootstrap(t.Context(), st, dir, tt.key)
			if err == nil {
				t.Fatalf("Bootstrap(%q) = %+v, want an error", tt.key, res)
			}
			if k := strings.TrimSpace(tt.key); k != "" && strings.Contains(err.Error(), k) {
				t.Errorf("Bootstrap(%q) error %q contains the key", tt.key, err)
			}
			if len(st.projects) != 0 || len(st.keys) != 0 {
				t.Errorf("Bootstrap(%q) created %d projects and %d keys, want none", tt.key,
					len(st.projects), len(st.keys))
			}
			_, statErr := os.Stat(filepath.Join(dir, auth.BootstrapKeyFile))
			if !errors.Is(statErr, fs.ErrNotExist) {
				t.Errorf("Bootstrap(%q) wrote a key file (stat: %v)", tt.key, statErr)
			}
		})
	}
}

func TestBootstrapAcceptsStrongKey(t *testing.T) {
	for _, key := range []string{"1234567890123456", "correct horse battery staple"} {
		st := &fakeBootstrapStore{}
		res, err := auth.Bootstrap(t.Context(), st, t.TempDir(), key)
		if err != nil {
			t.Fatalf("Bootstrap(%q): %v", key, err)
		}
		if !res.Created || len(st.keys) != 1 {
			t.Fatalf("Bootstrap(%q) = %+v with %d keys, want one created key", key, res,
				len(st.keys))
		}
		if got, want := string(st.keys[0].Hash), string(auth.HashKey(key)); got != want {
			t.Errorf("Bootstrap(%q) stored the hash of another key", key)
		}
		if st.keys[0].Scope != store.ScopeAll {
			t.Errorf("Bootstrap(%q) key scope %q, want %q", key, st.keys[0].Scope,
				store.ScopeAll)
		}
	}
}
