package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

const keysUsage = `Usage:
  heliograph keys create --name NAME [--project PROJECT] [--scope write|read|all]
  heliograph keys list
  heliograph keys revoke KEY_ID

Manages API keys directly in the data directory (--data-dir, default ./heliograph-data,
also read from HELIOGRAPH_DATA_DIR); the server need not be running. "create" prints the new
key once: only its hash is stored. A project named by --project that does not exist yet is
created. A key revoked while the server runs stops working within the server's
--key-cache-ttl. "heliograph keys COMMAND --help" lists the flags of a command.`

func runKeys(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(env.Stderr, keysUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "create":
		return keysCreate(ctx, args[1:], env)
	case "list":
		return keysList(ctx, args[1:], env)
	case "revoke":
		return keysRevoke(ctx, args[1:], env)
	}
	fmt.Fprintf(env.Stderr, "unknown keys command %q\n\n%s\n", args[0], keysUsage)
	return errUsage
}

// maxNameBytes bounds the names of keys and projects, which keys list prints in columns.
const maxNameBytes = 200

func keysCreate(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("keys create", "Usage: heliograph keys create --name NAME [flags]", env.Stderr)
	dataDir := fs.String("data-dir", "./heliograph-data", "directory of the SQLite store")
	name := fs.String("name", "", "name of the key, unique within its project (required)")
	project := fs.String("project", auth.DefaultProject, "project the key belongs to")
	scope := fs.String("scope", store.ScopeAll, "what the key may do: write (ingest), "+
		"read (queries) or all")
	if err := parseFlags(fs, args, env.Getenv); err != nil {
		return err
	}
	if err := noArguments("keys create", fs.Args()); err != nil {
		return err
	}
	// Spaces around a name come from quoting, and names are stored trimmed. Builds before
	// this one kept such spaces, so a project named exactly as typed wins below.
	untrimmed := *project
	*name, *project = strings.TrimSpace(*name), strings.TrimSpace(*project)
	switch {
	case *name == "":
		return errors.New("keys create: --name is required and must not be blank")
	case *project == "":
		return errors.New("keys create: --project must not be blank")
	case !utf8.ValidString(*name + *project):
		return errors.New("keys create: --name and --project must be valid UTF-8")
	case len(*name) > maxNameBytes || len(*project) > maxNameBytes:
		return fmt.Errorf("keys create: --name and --project must be at most %d bytes",
			maxNameBytes)
	case strings.ContainsFunc(*name+*project, unicode.IsControl):
		return errors.New("keys create: --name and --project must not contain control " +
			"characters")
	case !auth.ValidScope(*scope):
		return fmt.Errorf("keys create: --scope %q must be write, read or all", *scope)
	}

	st, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()

	p, err := st.ProjectByName(ctx, untrimmed)
	if errors.Is(err, store.ErrNotFound) && untrimmed != *project {
		p, err = st.ProjectByName(ctx, *project)
	}
	if errors.Is(err, store.ErrNotFound) {
		p, err = st.CreateProject(ctx, *project)
		if err == nil {
			fmt.Fprintf(env.Stderr, "created project %q\n", *project)
		}
	}
	if err != nil {
		return fmt.Errorf("keys create: project %q: %w", *project, err)
	}

	secret, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	k, err := st.CreateKey(ctx, store.Key{
		ID:        auth.NewID(),
		ProjectID: p.ID,
		Name:      *name,
		Scope:     *scope,
		Hash:      auth.HashKey(secret),
		Prefix:    auth.DisplayPrefix(secret),
	})
	if errors.Is(err, store.ErrExists) {
		return fmt.Errorf("keys create: project %q already has a key named %q", *project, *name)
	}
	if err != nil {
		return fmt.Errorf("keys create: %w", err)
	}
	fmt.Fprintf(env.Stderr, "created key %s (%s, scope %s, project %s); it is shown only once:\n",
		k.ID, escapeControls(k.Name), k.Scope, escapeControls(p.Name))
	fmt.Fprintln(env.Stdout, secret)
	return nil
}

func keysList(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("keys list", "Usage: heliograph keys list [flags]", env.Stderr)
	dataDir := fs.String("data-dir", "./heliograph-data", "directory of the SQLite store")
	if err := parseFlags(fs, args, env.Getenv); err != nil {
		return err
	}
	if err := noArguments("keys list", fs.Args()); err != nil {
		return err
	}
	st, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()

	projects, err := st.ListProjects(ctx)
	if err != nil {
		return fmt.Errorf("keys list: %w", err)
	}
	names := make(map[string]string, len(projects))
	for _, p := range projects {
		names[p.ID] = p.Name
	}
	keys, err := st.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys list: %w", err)
	}

	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROJECT\tNAME\tSCOPE\tPREFIX\tCREATED\tREVOKED")
	for _, k := range keys {
		revoked := "-"
		if !k.RevokedAt.IsZero() {
			revoked = k.RevokedAt.UTC().Format(time.RFC3339)
		}
		prefix := "(chosen)" // A key chosen by an operator shows none of its characters.
		if k.Prefix != "" {
			prefix = k.Prefix + "…"
		}
		fmt.Fprintln(tw, joinTabs([]string{k.ID, names[k.ProjectID], k.Name, k.Scope,
			prefix, k.CreatedAt.UTC().Format(time.RFC3339), revoked}))
	}
	return tw.Flush()
}

func keysRevoke(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("keys revoke", "Usage: heliograph keys revoke [flags] KEY_ID", env.Stderr)
	dataDir := fs.String("data-dir", "./heliograph-data", "directory of the SQLite store")
	// The key id may come before or after the flags.
	var ids []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		ids, args = args[:1], args[1:]
	}
	if err := parseFlags(fs, args, env.Getenv); err != nil {
		return err
	}
	ids = append(ids, fs.Args()...)
	if len(ids) != 1 {
		return errors.New("keys revoke: give exactly one key id (see heliograph keys list)")
	}
	st, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()

	id := ids[0]
	if at, ok, err := revokedAt(ctx, st, id); err != nil {
		return fmt.Errorf("keys revoke: %w", err)
	} else if ok {
		fmt.Fprintf(env.Stderr, "key %s was already revoked at %s\n", escapeControls(id),
			at.UTC().Format(time.RFC3339))
		return nil
	}
	if err := st.RevokeKey(ctx, id); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("keys revoke: no key with id %q", id)
	} else if err != nil {
		return fmt.Errorf("keys revoke: %w", err)
	}
	fmt.Fprintf(env.Stderr, "revoked key %s\n", escapeControls(id))
	return nil
}

// revokedAt returns when the key id was revoked, and false for an active or unknown key.
func revokedAt(ctx context.Context, st *sqlite.DB, id string) (time.Time, bool, error) {
	keys, err := st.ListKeys(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, k := range keys {
		if k.ID == id && !k.RevokedAt.IsZero() {
			return k.RevokedAt, true, nil
		}
	}
	return time.Time{}, false, nil
}

// noArguments rejects arguments left after the flags of a command that takes none. The flag
// package stops at the first argument that is not a flag, so flags after it were not read.
func noArguments(cmd string, rest []string) error {
	if len(rest) == 0 {
		return nil
	}
	hint := ""
	if slices.ContainsFunc(rest[1:], func(a string) bool { return strings.HasPrefix(a, "-") }) {
		hint = ", and the flags after it were not read"
	}
	return fmt.Errorf("%s takes no arguments, found %q%s (see heliograph %s --help)", cmd,
		rest[0], hint, cmd)
}

// openStore opens the store of a data directory for a management command; the directory must
// exist, so a mistyped path does not create an empty store.
func openStore(ctx context.Context, dataDir string) (*sqlite.DB, error) {
	if _, err := os.Stat(dataDir); err != nil {
		return nil, fmt.Errorf("data directory: %w (start heliograph serve once, or pass "+
			"--data-dir)", err)
	}
	// Opening the store migrates it, so even keys list needs to write.
	if err := checkDataDirWritable(dataDir); err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dataDir, databaseFile), sqlite.Options{})
	if err != nil {
		return nil, err // The store's errors name the database file.
	}
	return st, nil
}
