// Package cli implements the heliograph command: its subcommands, flags and environment.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X github.com/heliograph/heliograph/internal/cli.Version=v1.2.3".
var Version = "dev"

// Env is the process environment a command reads.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable; nil reads the process environment.
	Getenv func(string) string
	// Ready, when set, is called by serve with the listening address once it accepts requests.
	Ready func(addr string)
}

const usage = `heliograph: observability for AI applications

Usage:
  heliograph serve [flags]        run the server (ingest, query API, metrics)
  heliograph keys create|list|revoke [flags]
                                  manage API keys in the data directory
  heliograph query '<filter>'     print matching logs (table, json, jsonl or csv)
  heliograph tail '<filter>'      print matching logs as they arrive
  heliograph export '<filter>'    write matching logs with their bodies (jsonl or csv)
  heliograph import FILE          store the logs of a jsonl export
  heliograph seed --count N       store generated demo logs
  heliograph version              print the version

The commands that talk to a server read its URL from --url or HELIOGRAPH_URL (default
http://127.0.0.1:8585) and the API key from --api-key or HELIOGRAPH_API_KEY.

Run "heliograph <command> --help" for the flags of a command.`

// Run executes the command line args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = osGetenv
	}
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, usage)
		return 2
	}

	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], env)
	case "keys":
		err = runKeys(ctx, args[1:], env)
	case "query":
		err = runQuery(ctx, args[1:], env)
	case "tail":
		err = runTail(ctx, args[1:], env)
	case "export":
		err = runExport(ctx, args[1:], env)
	case "import":
		err = runImport(ctx, args[1:], env)
	case "seed":
		err = runSeed(ctx, args[1:], env)
	case "version", "--version":
		err = runVersion(args[1:], env)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "unknown command %q\n\n%s\n", args[0], usage)
		return 2
	}

	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		// Messages can quote server responses and logged values, so controls are escaped.
		fmt.Fprintf(env.Stderr, "heliograph: %s\n", escapeMessage(err.Error()))
		return 1
	}
}

// errUsage reports a command line that could not be parsed; the flag package has already
// printed the problem and the usage.
var errUsage = errors.New("usage")

func runVersion(args []string, env Env) error {
	fs := newFlagSet("version", "Usage: heliograph version\n\nPrints the version and the "+
		"commit the binary was built from.", env.Stderr)
	if err := parseFlags(fs, args, env.Getenv); err != nil {
		return err
	}
	if err := noArguments("version", fs.Args()); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, versionString())
	return nil
}

func versionString() string {
	return fmt.Sprintf("heliograph %s (commit %s)", Version, buildCommit())
}

// buildCommit returns the VCS revision the binary was built from, or "unknown".
func buildCommit() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
