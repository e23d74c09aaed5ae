package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

// newTypedFlagSet returns a flag set with one flag of every type that parseFlags explains.
func newTypedFlagSet(out *bytes.Buffer) *flag.FlagSet {
	fs := newFlagSet("t", "Usage: t", out)
	fs.Int("limit", 100, "maximum number of logs")
	fs.Int64("max-body-bytes", 1024, "largest body")
	fs.Uint64("seed", 1, "data set")
	fs.Duration("shutdown-timeout", time.Second, "shutdown wait")
	fs.Bool("gzip", true, "compress")
	fs.Float64("ratio", 0.5, "share")
	fs.String("name", "x", "name")
	return fs
}

func TestParseFlagsExplainsInvalidValues(t *testing.T) {
	tests := []struct {
		flag, value, want string
	}{
		{"limit", "abc", "expected a whole number"},
		{"limit", "1.5", "expected a whole number"},
		{"limit", "99999999999999999999",
			"expected a whole number from -9223372036854775808 to 9223372036854775807"},
		{"max-body-bytes", "10MiB", "expected a whole number of bytes"},
		{"max-body-bytes", "99999999999999999999",
			"expected a whole number of bytes from 1 to 9223372036854775807"},
		{"seed", "-1", "expected a whole number from 0 to 18446744073709551615"},
		{"shutdown-timeout", "30", "expected a duration with a unit, such as 500ms"},
		{"gzip", "yes", "expected true or false"},
		{"ratio", "half", "expected a number"},
	}
	for _, tc := range tests {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			var out bytes.Buffer
			env := envName(tc.flag)
			err := parseFlags(newTypedFlagSet(&out), nil,
				envFrom(map[string]string{env: tc.value}))
			want := `invalid value "` + tc.value + `" for ` + env + ": " + tc.want
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("parseFlags with %s=%q: error %v, want it to contain %q", env,
					tc.value, err, want)
			}

			out.Reset()
			err = parseFlags(newTypedFlagSet(&out), []string{"--" + tc.flag + "=" + tc.value},
				envFrom(nil))
			if !errors.Is(err, errUsage) {
				t.Errorf("parseFlags(--%s=%s) = %v, want errUsage", tc.flag, tc.value, err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("parseFlags(--%s=%s) printed %q, want it to contain %q", tc.flag,
					tc.value, out.String(), tc.want)
			}
		})
	}
}

// The help text keeps the type names and defaults that the flag package derives from the
// original values, also when it follows an invalid value.
func TestParseFlagsHelpKeepsTypes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"--limit", "abc"}} {
		var out bytes.Buffer
		fs := newTypedFlagSet(&out)
		_ = parseFlags(fs, args, envFrom(nil))
		for _, want := range []string{"-limit int", "(default 100)", "-shutdown-timeout duration",
			"-seed uint", "-ratio float", "(default 0.5)"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("parseFlags(%q) help lacks %q:\n%s", args, want, out.String())
			}
		}
		if strings.Contains(out.String(), " value\n") {
			t.Errorf("parseFlags(%q) help names a flag type \"value\":\n%s", args, out.String())
		}
	}
}

func TestParseFlagsKeepsValues(t *testing.T) {
	var out bytes.Buffer
	fs := newTypedFlagSet(&out)
	err := parseFlags(fs, []string{"--gzip", "--limit", "7"},
		envFrom(map[string]string{"HELIOGRAPH_SHUTDOWN_TIMEOUT": "2m"}))
	if err != nil {
		t.Fatalf("parseFlags: %v", err)
	}
	for name, want := range map[string]string{"gzip": "true", "limit": "7",
		"shutdown-timeout": "2m0s"} {
		if got := fs.Lookup(name).Value.String(); got != want {
			t.Errorf("--%s = %q, want %q", name, got, want)
		}
	}
	if _, ok := fs.Lookup("limit").Value.(*explainedValue); ok {
		t.Errorf("parseFlags left the --limit value wrapped")
	}
}

func TestFlagSourceNamesOrigin(t *testing.T) {
	env := envFrom(map[string]string{"HELIOGRAPH_NAME": "from-env",
		"HELIOGRAPH_LIMIT": "5"})
	var out bytes.Buffer
	fs := newTypedFlagSet(&out)
	if err := parseFlags(fs, []string{"--limit", "9"}, env); err != nil {
		t.Fatalf("parseFlags: %v", err)
	}
	for name, want := range map[string]string{"name": "HELIOGRAPH_NAME", "limit": "--limit",
		"seed": "--seed"} {
		if got := flagSource(fs, name, env); got != want {
			t.Errorf("flagSource(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestRunExplainsInvalidEnvironment(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"query", "--api-key", "k"}, map[string]string{"HELIOGRAPH_LIMIT": "abc"},
			`invalid value "abc" for HELIOGRAPH_LIMIT: expected a whole number`},
		{[]string{"serve"}, map[string]string{"HELIOGRAPH_MAX_BODY_BYTES": "abc"},
			`invalid value "abc" for HELIOGRAPH_MAX_BODY_BYTES: expected a whole number`},
		{[]string{"serve"}, map[string]string{"HELIOGRAPH_MAX_BODY_BYTES": "-5"},
			`HELIOGRAPH_MAX_BODY_BYTES: -5 must be positive`},
		{[]string{"serve"}, map[string]string{"HELIOGRAPH_SYNC": "off"},
			`HELIOGRAPH_SYNC: "off" must be full or normal`},
		{[]string{"serve", "--sync", "off"}, map[string]string{"HELIOGRAPH_SYNC": "full"},
			`--sync: "off" must be full or normal`},
		{[]string{"serve"}, map[string]string{"HELIOGRAPH_LOG_LEVEL": "loud"},
			`HELIOGRAPH_LOG_LEVEL: "loud" must be debug, info, warn or error`},
		{[]string{"serve", "--data-dir", "unused"}, map[string]string{"HELIOGRAPH_ADDR": "nonsense"},
			`HELIOGRAPH_ADDR: listen tcp: address nonsense: missing port in address`},
		{[]string{"serve", "--addr", "nonsense", "--data-dir", "unused"}, nil,
			`--addr: listen tcp: address nonsense: missing port in address`},
	} {
		var stderr bytes.Buffer
		code := Run(t.Context(), tc.args, Env{Stdout: &stderr, Stderr: &stderr,
			Getenv: envFrom(tc.env)})
		if code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("heliograph %q with %v: exit %d, stderr %q; want 1 and %q", tc.args,
				tc.env, code, stderr.String(), tc.want)
		}
	}
}

// Mode names are read without regard to case, as the log level is.
func TestServeModesIgnoreCase(t *testing.T) {
	env := map[string]string{"HELIOGRAPH_SYNC": " FULL", "HELIOGRAPH_LOG_FORMAT": "JSON",
		"HELIOGRAPH_LOG_LEVEL": "Info"}
	_, logs, stop := runServer(t, t.TempDir(), env)
	if code := stop(); code != 0 {
		t.Fatalf("serve with %v exited with %d:\n%s", env, code, logs.String())
	}
	if out := logs.String(); !strings.HasPrefix(out, "{") {
		t.Errorf("serve with HELIOGRAPH_LOG_FORMAT=JSON logged %q, want JSON lines", out)
	}
}

func TestServeQuotesModesAsTyped(t *testing.T) {
	var stderr bytes.Buffer
	code := Run(t.Context(), []string{"serve"}, Env{Stdout: &stderr, Stderr: &stderr,
		Getenv: envFrom(map[string]string{"HELIOGRAPH_LOG_FORMAT": "XML"})})
	want := `HELIOGRAPH_LOG_FORMAT: "XML" must be text or json`
	if code != 1 || !strings.Contains(stderr.String(), want) {
		t.Errorf("serve with HELIOGRAPH_LOG_FORMAT=XML: exit %d, %q; want 1 and %q", code,
			stderr.String(), want)
	}
}

func TestHelpOmitsEmptyFlagHeading(t *testing.T) {
	code, stdout, stderr := runCommand(t.Context(), "version", "--help")
	if code != 0 || strings.Contains(stderr, "Flags") || !strings.Contains(stderr,
		"Usage: heliograph version") {
		t.Errorf("version --help: exit %d, stdout %q, stderr %q; want the usage without a "+
			"flag heading", code, stdout, stderr)
	}
}
