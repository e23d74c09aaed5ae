package cli

import (
	"flag"
	"fmt"
	"strings"
)

// parseArgs parses a command line whose flags may come before, between or after its
// positional arguments, as in `heliograph query 'kind = tool' --format json`. It returns the
// positional arguments after checking there are at most maxArgs of them. Everything after
// "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string, getenv func(string) string, maxArgs int) (
	[]string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") || isBoolFlag(fs, name) {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := parseFlags(fs, flags, getenv); err != nil {
		return nil, err
	}
	if len(positional) > maxArgs {
		fmt.Fprintf(fs.Output(), "too many arguments: %q\n", positional[maxArgs:])
		fs.Usage()
		return nil, errUsage
	}
	return positional, nil
}

// isBoolFlag reports whether the flag name takes no value.
func isBoolFlag(fs *flag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
