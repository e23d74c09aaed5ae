package sdk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSpoolSurvivesRestart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		endpoint func(*testing.T) string
	}{
		{"refuse", refusedAddr},
		{"hang", hangServer},
	} {
		t.Run(tc.name, func(t *testing.T) { testSpoolRestart(t, tc.endpoint(t)) })
	}
}

func testSpoolRestart(t *testing.T, endpoint string) {
	dir := t.TempDir()
	first := newLogger(t, endpoint, WithSpoolDir(dir))
	ids := map[string]bool{}
	for i := range 10 {
		id := newRequestID()
		ids[string(id[:])] = true
		_, _ = first.LogRequest(t.Context(), Data{Name: "d"}, okOp,
			WithRequestID(string(id[:])), WithProperty("i", string(rune('a'+i))))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := first.Close(ctx)
	var ue *UndeliveredError
	if !errors.As(err, &ue) || ue.Count != 10 || ue.Spooled != 10 {
		t.Fatalf("Close = %v, want 10 undelivered, 10 spooled", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Fatal("spool directory is empty after Close")
	}

	s := newSink(t)
	second := newLogger(t, s.url(), WithSpoolDir(dir))
	if err := second.Close(t.Context()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	logs := s.stored()
	if len(logs) != 10 {
		t.Fatalf("sink stored %d logs, want 10", len(logs))
	}
	for _, lg := range logs {
		if !ids[lg.id()] {
			t.Errorf("sink stored unknown request id %s", lg.id())
		}
		delete(ids, lg.id())
	}
	if st := second.Stats(); st.Replayed != 10 || st.Sent != 10 {
		t.Errorf("Stats = %+v, want Replayed 10 and Sent 10", st)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("spool files left after delivery: %v", files)
	}
}

func TestSpoolHealthyDeliveryLeavesNoFiles(t *testing.T) {
	dir := t.TempDir()
	s := newSink(t)
	l := newLogger(t, s.url(), WithSpoolDir(dir))
	for range 20 {
		_, _ = l.LogRequest(t.Context(), Data{Name: "d"}, okOp)
	}
	flush(t, l)
	if n := len(s.stored()); n != 20 {
		t.Errorf("sink stored %d logs, want 20", n)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("spool files left: %v", files)
	}
}

func TestSpoolCorruptTail(t *testing.T) {
	dir := t.TempDir()
	first := newLogger(t, refusedAddr(t), WithSpoolDir(dir))
	for range 3 {
		_, _ = first.LogRequest(t.Context(), Data{Name: "d"}, okOp)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_ = first.Close(ctx)

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("spool has %d files, want 1", len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-3] ^= 0xff // damage the last record
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}

	s := newSink(t)
	errs := &errorLog{}
	second := newLogger(t, s.url(), WithSpoolDir(dir), WithErrorHandler(errs.add))
	if err := second.Close(t.Context()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n := len(s.stored()); n != 2 {
		t.Errorf("sink stored %d logs, want the 2 intact records", n)
	}
	var se *SpoolError
	if got := errs.all(); len(got) != 1 || !errors.As(got[0], &se) {
		t.Errorf("error handler got %v, want one *SpoolError", got)
	}
}
