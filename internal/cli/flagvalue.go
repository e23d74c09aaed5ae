package cli

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// explainedValue is a flag value whose parse errors state what the flag expects. The flag
// package's own errors for numbers, durations and booleans are only "parse error" and
// "value out of range", which name neither the type nor the accepted range.
type explainedValue struct {
	flag.Value
	expected func(s string) string
}

// Set sets the wrapped value and replaces its error with a description of what the flag
// expects.
func (v *explainedValue) Set(s string) error {
	if err := v.Value.Set(s); err != nil {
		return errors.New(v.expected(s))
	}
	return nil
}

// IsBoolFlag reports whether the wrapped flag takes no value, which the flag package checks
// on the value it parses into.
func (v *explainedValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// explainValueErrors wraps every number, duration and boolean flag of fs in an
// [explainedValue] and returns a function that puts the original values back. The help text
// needs the originals, because the flag package derives each flag's type name and default
// from them, so fs.Usage puts them back before it prints.
func explainValueErrors(fs *flag.FlagSet) (restore func()) {
	originals := map[*flag.Flag]flag.Value{}
	fs.VisitAll(func(f *flag.Flag) {
		if expected := valueExpectation(f); expected != nil {
			originals[f] = f.Value
			f.Value = &explainedValue{Value: f.Value, expected: expected}
		}
	})
	usage := fs.Usage
	if usage == nil {
		usage = fs.PrintDefaults
	}
	restore = func() {
		for f, v := range originals {
			f.Value = v
		}
		fs.Usage = usage
	}
	fs.Usage = func() {
		restore()
		usage()
	}
	return restore
}

// valueExpectation returns the function that describes what flag f accepts, or nil for a
// flag that accepts any text. The kind of value comes from its Get method, which every flag
// type of the flag package has.
func valueExpectation(f *flag.Flag) func(string) string {
	getter, ok := f.Value.(flag.Getter)
	if !ok {
		return nil
	}
	unit := ""
	if strings.HasSuffix(f.Name, "-bytes") {
		unit = " of bytes"
	}
	switch getter.Get().(type) {
	case bool:
		return func(string) string { return "expected true or false" }
	case time.Duration:
		return func(string) string {
			return "expected a duration with a unit, such as 500ms, 30s, 5m or 1h"
		}
	case int:
		return wholeNumberExpectation(unit, big.NewInt(math.MinInt), big.NewInt(math.MaxInt))
	case int64:
		lowest := big.NewInt(math.MinInt64)
		if unit != "" {
			lowest = big.NewInt(1) // Sizes in bytes are positive.
		}
		return wholeNumberExpectation(unit, lowest, big.NewInt(math.MaxInt64))
	case uint:
		return wholeNumberExpectation(unit, big.NewInt(0),
			new(big.Int).SetUint64(math.MaxUint))
	case uint64:
		return wholeNumberExpectation(unit, big.NewInt(0),
			new(big.Int).SetUint64(math.MaxUint64))
	case float64:
		return func(string) string { return "expected a number" }
	}
	return nil
}

// wholeNumberExpectation describes an integer flag. A value that is a whole number but was
// rejected lies outside the type's range, so the description names the range.
func wholeNumberExpectation(unit string, lowest, highest *big.Int) func(string) string {
	return func(s string) string {
		// Base 0 reads the forms the flag package accepts: 0x, 0o and 0b prefixes and
		// underscores between digits.
		if _, ok := new(big.Int).SetString(s, 0); ok {
			return fmt.Sprintf("expected a whole number%s from %s to %s", unit, lowest, highest)
		}
		return "expected a whole number" + unit
	}
}
