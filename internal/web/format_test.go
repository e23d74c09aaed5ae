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
