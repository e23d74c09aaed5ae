package web

import "testing"

func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		ms   float64
		want string
	}{
		{0, "0 ms"},
		{420, "420 ms"},
		{999, "999 ms"},
		{1000, "1.00 s"},
		{12345, "12.35 s"},
		{245000, "4 min 5 s"},
		{3*3600e3 + 20*60e3 + 59e3, "3 h 20 min"},
		{60736760460, "702 d 23 h"},
		{253402300799999, "2932896 d 23 h"},
		{-245000, "-4 min 5 s"},
	} {
		if got := formatDuration(c.ms); got != c.want {
			t.Errorf("formatDuration(%v) = %q, want %q", c.ms, got, c.want)
		}
	}
}

// A point with no neighbour gets a line of length zero, drawn as a dot; joined points do not.
func TestLinePathMarksLonePoints(t *testing.T) {
	s := series{Values: []float64{1, 0, 2, 2, 0, 3},
		Present: []bool{true, false, true, true, false, true}}
	got := linePath(s, 10, 4)
	want := "M0.0,112.5 l0,0 M20.0,75.0 L30.0,75.0 M50.0,37.5 l0,0"
	if got != want {
		t.Errorf("linePath = %q, want %q", got, want)
	}
}
