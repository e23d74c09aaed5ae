package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsTerminalRejectsOtherWriters(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()

	tests := []struct {
		name string
		w    interface{ Write([]byte) (int, error) }
	}{
		{"character device that is not a terminal", devNull},
		{"regular file", file},
		{"pipe", w},
		{"buffer", &bytes.Buffer{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if isTerminal(tc.w) {
				t.Errorf("isTerminal(%s) = true, want false", tc.name)
			}
			if p := newProgress(tc.w, "x", "logs", 10); p != nil {
				t.Errorf("newProgress(%s) returned a bar, want nil", tc.name)
			}
		})
	}
}

func TestNilProgressDrawsNothing(t *testing.T) {
	var p *progress
	p.add(5) // A nil bar must accept calls.
	p.finish()
}

func TestProgressDraw(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, label: "import", unit: "bytes", total: 200}
	p.add(50)
	p.finish()
	s := out.String()
	if !strings.HasPrefix(s, "\rimport [") || !strings.HasSuffix(s, "\n") {
		t.Errorf("progress output %q, want a line redrawn with \\r and ended by \\n", s)
	}
	if !strings.Contains(s, " 25% 50/200 bytes") {
		t.Errorf("progress output %q does not show 25%% 50/200 bytes", s)
	}
}
