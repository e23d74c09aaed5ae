package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/heliograph/heliograph/internal/store"
)

// DefaultProject is the project created on the first start of an empty store.
const DefaultProject = "default"

// BootstrapKeyFile is the file under the data directory that receives a generated first key.
const BootstrapKeyFile = "bootstrap-key"

// MinBootstrapKeyLength is the shortest key that [CheckBootstrapKey] accepts.
const MinBootstrapKeyLength = 16

// CheckBootstrapKey returns an error when secret, a first key chosen by the operator, is too
// weak or cannot be sent intact in an Authorization header. That is the case when it is
// shorter than [MinBootstrapKeyLength] characters, has a character outside printable ASCII
// (U+0020 to U+007E), or starts or ends with a space, which the header parser trims. The
// error never contains the key.
func CheckBootstrapKey(secret string) error {
	for i := 0; i < len(secret); i++ {
		if secret[i] < 0x20 || secret[i] > 0x7e {
			return fmt.Errorf("byte %d (counting from 1) is not printable ASCII; use only "+
				"the characters U+0020 to U+007E", i+1)
		}
	}
	if strings.TrimSpace(secret) != secret {
		return errors.New("starts or ends with a space")
	}
	if len(secret) < MinBootstrapKeyLength {
		return fmt.Errorf("has %d characters, want at least %d", len(secret),
			MinBootstrapKeyLength)
	}
	return nil
}

// BootstrapStore is the part of the store that Bootstrap needs.
type BootstrapStore interface {
	ListProjects(ctx context.Context) ([]store.Project, error)
	CreateProject(ctx context.Context, name string) (store.Project, error)
	CreateKey(ctx context.Context, k store.Key) (store.Key, error)
}

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	// Created is false when the store already had a project and nothing was done.
	Created bool
	// KeyPath is the file holding the generated key; empty when the key came from the caller.
	KeyPath string
}

// Bootstrap creates the project "default" and one key of scope all when the store has no
// project yet. The key is secret when it is non-empty, and then it must pass
// [CheckBootstrapKey]; otherwise a random key is generated and written to
// dataDir/bootstrap-key with mode 0600. The key itself is never logged or returned.
func Bootstrap(ctx context.Context, st BootstrapStore, dataDir, secret string) (BootstrapResult, error) {
	if secret != "" {
		if err := CheckBootstrapKey(secret); err != nil {
			return BootstrapResult{}, fmt.Errorf("bootstrap key: %w", err)
		}
	}
	projects, err := st.ListProjects(ctx)
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("list projects: %w", err)
	}
	if len(projects) > 0 {
		return BootstrapResult{}, nil
	}

	res := BootstrapResult{Created: true}
	if secret == "" {
		if secret, err = GenerateKey(); err != nil {
			return BootstrapResult{}, err
		}
		res.KeyPath = filepath.Join(dataDir, BootstrapKeyFile)
		if err := writeSecretFile(res.KeyPath, secret); err != nil {
			return BootstrapResult{}, err
		}
	}

	p, err := st.CreateProject(ctx, DefaultProject)
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("create project %q: %w", DefaultProject, err)
	}
	k := store.Key{
		ID:        NewID(),
		ProjectID: p.ID,
		Name:      "bootstrap",
		Scope:     store.ScopeAll,
		Hash:      HashKey(secret),
		Prefix:    DisplayPrefix(secret),
	}
	if _, err := st.CreateKey(ctx, k); err != nil {
		return BootstrapResult{}, fmt.Errorf("create bootstrap key: %w", err)
	}
	return res, nil
}

// writeSecretFile writes data to a new file that only the owner can read, and syncs it before
// the key it holds is stored.
func writeSecretFile(path, secret string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write bootstrap key: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write bootstrap key: %w", err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("write bootstrap key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync bootstrap key %s: %w", path, err)
	}
	return f.Close()
}
