package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/store"
)

// Upgrading from schema 6 clears the clear-text prefix of keys chosen by an operator and keeps
// the prefix of generated keys.
func TestMigrateClearsChosenKeyPrefixes(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "heliograph.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.CreateProject(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]string{ // stored by schema 6 → kept by schema 7
		"chosen":    "Abcdefghij",
		"generated": "hg_AbC1234",
		"short":     "hg_abc",
		"symbols":   "hg_abc-def",
	}
	want := map[string]string{"chosen": "", "generated": "hg_AbC1234", "short": "",
		"symbols": ""}
	for name, prefix := range prefixes {
		_, err := db.CreateKey(ctx, store.Key{ID: "k-" + name, ProjectID: p.ID, Name: name,
			Scope: store.ScopeAll, Hash: []byte(name), Prefix: prefix,
			CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA user_version = 6"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open() of a version 6 file = %v", err)
	}
	defer db.Close()
	keys, err := db.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Prefix != want[k.Name] {
			t.Errorf("key %s: prefix %q after the upgrade, want %q", k.Name, k.Prefix,
				want[k.Name])
		}
	}
	if len(keys) != len(want) {
		t.Errorf("ListKeys returned %d keys, want %d", len(keys), len(want))
	}
}
