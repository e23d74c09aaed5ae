package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// envPrefix starts the environment variable of every flag: --data-dir reads
// HELIOGRAPH_DATA_DIR.
const envPrefix = "HELIOGRAPH_"

// newFlagSet returns a flag set for a subcommand whose usage text goes to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintf(stderr, "\nFlags (each also read from %s<FLAG>, the flag wins):\n",
				envPrefix)
			fs.PrintDefaults()
		}
	}
	return fs
}

// envName returns the environment variable for a flag name.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args, then sets every flag not given on the command line from its
// environment variable. Every invalid environment value is reported at once. A value that
// does not parse is reported with what the flag expects, on the command line and in the
// environment alike. Values taken from the environment are not marked as set in fs, so
// fs.Visit and [flagSource] see only the flags of the command line.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	restore := explainValueErrors(fs)
	defer restore()

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // The flag package has printed the problem and the usage.
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		v := getenv(envName(f.Name))
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("invalid value %q for %s: %w", v, envName(f.Name),
				err))
		}
	})
	return errors.Join(errs...)
}

// flagSource returns what set the flag name, for error messages: its environment variable
// when the command line did not give the flag and the variable is set, otherwise "--name".
// It is meant for after [parseFlags].
func flagSource(fs *flag.FlagSet, name string, getenv func(string) string) string {
	onCommandLine := false
	fs.Visit(func(f *flag.Flag) { onCommandLine = onCommandLine || f.Name == name })
	if !onCommandLine && getenv(envName(name)) != "" {
		return envName(name)
	}
	return "--" + name
}

func osGetenv(k string) string { return os.Getenv(k) }
