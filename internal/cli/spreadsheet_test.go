package cli

import (
	"slices"
	"testing"
)

func TestSpreadsheetSafe(t *testing.T) {
	in := []string{`=HYPERLINK("http://x","y")`, "@SUM(1)", "+1+2", "-2+3", "\tx", "\rx",
		"-1", "-0.5", "+3", "plain", "", "a=b",
		"-Infinity", "-Inf", "+Inf", "+Infinity", "-NaN", "-1e5x", "-0x1p3", "-1_000",
		"-.5", "-5.", "-1e", "-", "+", "-1e-05", "-2.5E+10", "-12.75"}
	want := []string{`'=HYPERLINK("http://x","y")`, "'@SUM(1)", "'+1+2", "'-2+3", "'\tx",
		"'\rx", "-1", "-0.5", "+3", "plain", "", "a=b",
		"'-Infinity", "'-Inf", "'+Inf", "'+Infinity", "'-NaN", "'-1e5x", "'-0x1p3", "'-1_000",
		"'-.5", "'-5.", "'-1e", "'-", "'+", "-1e-05", "-2.5E+10", "-12.75"}
	if got := spreadsheetSafe(slices.Clone(in)); !slices.Equal(got, want) {
		t.Errorf("spreadsheetSafe(%q)\n got  %q\n want %q", in, got, want)
	}
}

// Every numeric column of the csv formats keeps its number, including negative values and
// the exponent form that strconv.FormatFloat writes for small and large costs.
func TestCSVCellsKeepNumbers(t *testing.T) {
	ttft := int64(-3)
	r := rowSummary{Status: -1, LatencyMs: -5, TTFTMs: &ttft, PromptTokens: -7,
		CompletionTokens: 8, TotalTokens: 1, Cost: -0.00001, Model: "-Infinity"}
	cells := r.csvCells()
	for col, want := range map[string]string{"status": "-1", "latency_ms": "-5",
		"ttft_ms": "-3", "prompt_tokens": "-7", "cost": "-1e-05", "model": "'-Infinity"} {
		i := slices.Index(csvColumns, col)
		if cells[i] != want {
			t.Errorf("rowSummary.csvCells() column %s = %q, want %q", col, cells[i], want)
		}
	}

	l := exportLog{Status: -3, Cost: -2.5e21, TimeToFirstTokenMs: &ttft, Model: "-Inf"}
	cells = l.csvCells()
	for col, want := range map[string]string{"status": "-3", "cost": "-2.5e+21",
		"ttft_ms": "-3", "model": "'-Inf"} {
		i := slices.Index(exportCSVColumns, col)
		if cells[i] != want {
			t.Errorf("exportLog.csvCells() column %s = %q, want %q", col, cells[i], want)
		}
	}
}
