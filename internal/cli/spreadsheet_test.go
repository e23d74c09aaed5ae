package cli

import (
	"slices"
	"testing"
)

func TestSpreadsheetSafe(t *testing.T) {
	in := []string{`=HYPERLINK("http://x","y")`, "@SUM(1)", "+1+2", "-2+3", "\tx", "\rx",
		"-1", "-0.5", "+3", "plain", "", "a=b"}
	want := []string{`'=HYPERLINK("http://x","y")`, "'@SUM(1)", "'+1+2", "'-2+3", "'\tx",
		"'\rx", "-1", "-0.5", "+3", "plain", "", "a=b"}
	if got := spreadsheetSafe(slices.Clone(in)); !slices.Equal(got, want) {
		t.Errorf("spreadsheetSafe(%q)\n got  %q\n want %q", in, got, want)
	}
}
