package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/datadir"
	"github.com/heliograph/heliograph/internal/ingest"
	"github.com/heliograph/heliograph/internal/server"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// databaseFile is the SQLite file inside the data directory.
const databaseFile = "heliograph.db"

// serveConfig is the validated configuration of heliograph serve.
type serveConfig struct {
	Addr            string
	DataDir         string
	MaxBodyBytes    int64
	MaxBatchBytes   int64
	Sync            string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	KeyCacheTTL     time.Duration
	// BootstrapKey is HELIOGRAPH_BOOTSTRAP_KEY, the first key when the store is new; empty
	// generates one.
	BootstrapKey string
	// source names the flag or environment variable that set a flag, for error messages;
	// nil names the flag.
	source func(flagName string) string
}

// from names the flag or environment variable that set the flag name.
func (c serveConfig) from(name string) string {
	if c.source == nil {
		return "--" + name
	}
	return c.source(name)
}

func (c serveConfig) validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", c.from("addr")))
	}
	if c.DataDir == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", c.from("data-dir")))
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, fmt.Errorf("%s: %d must be positive", c.from("max-body-bytes"),
			c.MaxBodyBytes))
	}
	if c.MaxBatchBytes <= 0 {
		errs = append(errs, fmt.Errorf("%s: %d must be positive", c.from("max-batch-bytes"),
			c.MaxBatchBytes))
	}
	if c.MaxBatchBytes > 0 && c.MaxBatchBytes < c.MaxBodyBytes {
		errs = append(errs, fmt.Errorf("%s: %d is below %s %d. A batch contains "+
			"whole logs, so its limit must be at least the single-log limit (plus room for "+
			"the batch envelope)", c.from("max-batch-bytes"), c.MaxBatchBytes,
			c.from("max-body-bytes"), c.MaxBodyBytes))
	}
	if c.KeyCacheTTL < 0 {
		errs = append(errs, fmt.Errorf("%s: %v must not be negative "+
			"(0 reads the key store on every request)", c.from("key-cache-ttl"), c.KeyCacheTTL))
	}
	if sync := normalMode(c.Sync); sync != "full" && sync != "normal" {
		errs = append(errs, fmt.Errorf("%s: %q must be full or normal", c.from("sync"), c.Sync))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", c.from("log-level"), err))
	}
	if format := normalMode(c.LogFormat); format != "text" && format != "json" {
		errs = append(errs, fmt.Errorf("%s: %q must be text or json", c.from("log-format"),
			c.LogFormat))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("%s: must be positive", c.from("shutdown-timeout")))
	}
	if c.BootstrapKey != "" {
		if err := auth.CheckBootstrapKey(c.BootstrapKey); err != nil {
			errs = append(errs, fmt.Errorf("HELIOGRAPH_BOOTSTRAP_KEY: %w", err))
		}
	}
	return errors.Join(errs...)
}

// normalMode returns the name of a mode as it is compared: names of modes, such as of --sync,
// are read as the log level is, without regard to case or surrounding spaces.
func normalMode(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func runServe(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("serve", "Usage: heliograph serve [flags]\n\n"+
		"Runs the server: ingest routes, query API, /healthz, /readyz and /metrics, over an\n"+
		"embedded SQLite store in the data directory. On the first start it creates the project\n"+
		"\"default\" and one API key: HELIOGRAPH_BOOTSTRAP_KEY if set, otherwise a random key\n"+
		"written to <data-dir>/bootstrap-key.", env.Stderr)
	var c serveConfig
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8585", "listen address, host:port")
	fs.StringVar(&c.DataDir, "data-dir", "./heliograph-data", "directory for the SQLite store")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", ingest.DefaultMaxBodyBytes,
		"largest single-log body accepted, in bytes after gzip decompression")
	fs.Int64Var(&c.MaxBatchBytes, "max-batch-bytes", ingest.DefaultMaxBatchBytes,
		"largest /v1/log/batch body accepted, in bytes after gzip decompression")
	fs.StringVar(&c.Sync, "sync", "full", "SQLite synchronous mode: full (every commit survives "+
		"power loss) or normal (survives a process crash, may lose the last commits on power loss)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second,
		"how long shutdown waits for in-flight requests")
	fs.DurationVar(&c.KeyCacheTTL, "key-cache-ttl", 10*time.Second,
		"how long a checked API key is trusted before the store is read again; "+
			"a key revoked by another process stops working within this time")
	if err := parseFlags(fs, args, env.Getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, found %q: remove them "+
			"(see heliograph serve --help)", fs.Args())
	}
	c.BootstrapKey = env.Getenv("HELIOGRAPH_BOOTSTRAP_KEY")
	c.source = func(name string) string { return flagSource(fs, name, env.Getenv) }
	if err := c.validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	c.Sync, c.LogFormat = normalMode(c.Sync), normalMode(c.LogFormat)
	c.LogLevel = normalMode(c.LogLevel)
	return serve(ctx, c, env)
}

func serve(ctx context.Context, c serveConfig, env Env) error {
	log := newLogger(env.Stderr, c.LogLevel, c.LogFormat)

	// The address is taken before anything is written, so a start that fails on a busy
	// address leaves the data directory as it was.
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		// The *net.OpError names the operation and the address.
		return fmt.Errorf("%s: %w", c.from("addr"), err)
	}
	// srv.Run closes the listener; this Close covers the returns before it.
	defer ln.Close()

	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := checkDataDirWritable(c.DataDir); err != nil {
		return err
	}
	lock, err := datadir.Acquire(c.DataDir)
	if err != nil {
		return err
	}
	defer lock.Close()
	dbPath := filepath.Join(c.DataDir, databaseFile)
	st, err := sqlite.Open(ctx, dbPath, sqlite.Options{Logger: log, Synchronous: c.Sync})
	if err != nil {
		return err // The store's errors name the database file.
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "error", err)
		} else {
			log.Info("store closed")
		}
	}()

	boot, err := auth.Bootstrap(ctx, st, c.DataDir, c.BootstrapKey)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	switch {
	case boot.Created && boot.KeyPath != "":
		log.Info("created project default with a new API key", "key_file", boot.KeyPath)
	case boot.Created:
		log.Info("created project default with the key from HELIOGRAPH_BOOTSTRAP_KEY")
	case c.BootstrapKey != "":
		log.Warn("HELIOGRAPH_BOOTSTRAP_KEY is ignored because the store already has projects; " +
			"use heliograph keys create to add a key")
	}

	srv := server.New(st, server.Options{
		MaxBodyBytes:    c.MaxBodyBytes,
		MaxBatchBytes:   c.MaxBatchBytes,
		KeyCacheTTL:     c.KeyCacheTTL,
		ShutdownTimeout: c.ShutdownTimeout,
		Logger:          log,
	})
	log.Info("starting heliograph", "version", Version, "commit", buildCommit(),
		"go_version", runtime.Version(), "addr", ln.Addr().String(), "store", "sqlite",
		"data_path", dbPath, "sync", c.Sync, "log_level", c.LogLevel,
		"log_format", c.LogFormat, "max_body_bytes", c.MaxBodyBytes,
		"max_batch_bytes", c.MaxBatchBytes, "key_cache_ttl", c.KeyCacheTTL.String(),
		"shutdown_timeout", c.ShutdownTimeout.String())
	log.Info("ready", "addr", ln.Addr().String())
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	return srv.Run(ctx, ln)
}

// checkDataDirWritable returns an error naming the data directory or store file that this
// process cannot write. SQLite reports either case only as "attempt to write a readonly
// database" or "permission denied" on the database file, without saying which. The
// directory must exist. The check creates and removes a temporary file in it, because the
// permission bits alone do not decide: root writes anywhere except on a read-only file
// system.
func checkDataDirWritable(dataDir string) error {
	const fix = "give the user running heliograph write permission on it or choose another " +
		"--data-dir"
	probe, err := os.CreateTemp(dataDir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable (%w). The store creates "+
			"%s and its -wal and -shm files there, so %s", dataDir, pathErrorCause(err),
			databaseFile, fix)
	}
	name := probe.Name()
	probe.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("remove write check file: %w", err)
	}

	for _, file := range []string{databaseFile, databaseFile + "-wal", databaseFile + "-shm"} {
		path := filepath.Join(dataDir, file)
		if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
			return fmt.Errorf("store file %s is not a regular file; move it away or choose "+
				"another --data-dir", path)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store file %s is not writable (%w), so %s", path,
				pathErrorCause(err), fix)
		}
		f.Close()
	}
	return nil
}

// pathErrorCause returns the cause inside a *fs.PathError, such as "permission denied",
// for messages that name the path themselves.
func pathErrorCause(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	lvl, _ := parseLevel(level)
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func parseLevel(s string) (slog.Level, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(strings.TrimSpace(s)))); err != nil {
		return 0, fmt.Errorf("%q must be debug, info, warn or error", s)
	}
	return lvl, nil
}
