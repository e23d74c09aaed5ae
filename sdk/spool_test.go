package sdk

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// spoolFiles returns the names of the files in dir.
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// oneAttempt gives up on a batch after its first attempt.
var oneAttempt = WithRetry(RetryPolicy{MaxAttempts: 1, InitialBackoff: time.Millisecond,
	MaxBackoff: 5 * time.Millisecond})

func TestSpoolResend(t *testing.T) {
	for _, trigger := range []string{"next send", "probe"} {
		t.Run(trigger, func(t *testing.T) {
			dir := t.TempDir()
			s := newSink(t)
			s.setFault(statusFault(http.StatusServiceUnavailable, ""))
			l := newLogger(t, s.url(), WithSpoolDir(dir), oneAttempt)
			logN(t, l, 10)
			wantUndelivered(t, "Flush during the outage", l.Flush(t.Context()), 10, 10)
			// A resend probe holds the spooled logs in memory while it runs, so they count
			// in Queued for that time.
			if st := l.Stats(); st.Spooled+st.Queued != 10 || st.Failed != 0 {
				t.Fatalf("Stats = %+v, want Spooled+Queued 10, Failed 0", st)
			}

			s.setFault(nil)
			want := 10
			if trigger == "next send" {
				logN(t, l, 5)
				want = 15
			}
			waitFor(t, "the spooled logs to be resent", func() bool {
				return l.Stats().Sent == int64(want)
			})
			if err := l.Flush(t.Context()); err != nil {
				t.Errorf("Flush after the resend = %v, want nil", err)
			}
			st := l.Stats()
			if st.Spooled != 0 || st.Replayed != 10 || st.Failed != 0 {
				t.Errorf("Stats = %+v, want Spooled 0, Replayed 10, Failed 0", st)
			}
			if n, d := len(s.stored()), s.duplicates(); n != want || d != 0 {
				t.Errorf("sink stored %d logs and %d duplicates, want %d and 0", n, d, want)
			}
			if err := l.Close(t.Context()); err != nil {
				t.Errorf("Close = %v, want nil", err)
			}
			if files := spoolFiles(t, dir); len(files) != 0 {
				t.Errorf("spool files left after delivery: %v", files)
			}
		})
	}
}

func TestSpoolKeepsOnlyUndelivered(t *testing.T) {
	dir := t.TempDir()
	s := newSink(t)
	release := make(chan struct{})
	var mu sync.Mutex
	posts := 0
	// Request 1 is held until the test releases it, requests 1 to 3 are stored, and every
	// later one fails.
	s.setFault(func(w http.ResponseWriter, r *http.Request, commit func()) bool {
		mu.Lock()
		posts++
		n := posts
		mu.Unlock()
		switch {
		case n == 1:
			<-release
			return false
		case n <= 3:
			return false
		}
		return statusFault(http.StatusServiceUnavailable, "")(w, r, commit)
	})
	first := newLogger(t, s.url(), WithSpoolDir(dir), oneAttempt, WithBatchSize(10),
		WithFlushInterval(time.Hour))

	// The sender holds the blocker while the 30 logs are queued, and then takes them into
	// one spool segment and sends them in three batches of 10.
	first.LogSingle(t.Context(), Data{Name: "blocker"}, nil, 0)
	first.sender.wake()
	waitFor(t, "the blocker POST", func() bool { return s.postCount() > 0 })
	var ids []string
	for i := range 30 {
		id := newRequestID()
		ids = append(ids, string(id[:]))
		first.LogSingle(t.Context(), Data{Name: "d"}, i, 0, WithRequestID(string(id[:])))
	}
	close(release)
	wantUndelivered(t, "Flush", first.Flush(t.Context()), 10, 10)
	wantUndelivered(t, "Close", first.Close(t.Context()), 10, 10)
	if n := len(s.stored()); n != 21 {
		t.Fatalf("sink stored %d logs, want the blocker and 20 more", n)
	}

	s2 := newSink(t)
	second := newLogger(t, s2.url(), WithSpoolDir(dir))
	if err := second.Close(t.Context()); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	logs := s2.stored()
	if len(logs) != 10 {
		t.Fatalf("second sink stored %d logs, want the 10 undelivered ones", len(logs))
	}
	for i, lg := range logs {
		if lg.id() != ids[20+i] {
			t.Errorf("second sink log %d has id %s, want %s", i, lg.id(), ids[20+i])
		}
	}
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("spool files left after delivery: %v", files)
	}
}

func TestCloseCountsAllSpooled(t *testing.T) {
	dir := t.TempDir()
	first := newLogger(t, refusedAddr(t), WithSpoolDir(dir))
	logN(t, first, 300)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := first.Close(ctx)
	wantUndelivered(t, "Close", err, 300, 300)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want it to wrap DeadlineExceeded", err)
	}
	if st := first.Stats(); st.Spooled != 300 || st.Failed != 0 || st.Queued != 0 {
		t.Errorf("Stats = %+v, want Spooled 300, Failed 0, Queued 0", st)
	}

	s := newSink(t)
	second := newLogger(t, s.url(), WithSpoolDir(dir))
	if err := second.Close(t.Context()); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	if n, d := len(s.stored()), s.duplicates(); n != 300 || d != 0 {
		t.Errorf("sink stored %d logs and %d duplicates, want 300 and 0", n, d)
	}
}

func TestSpoolRemovesPartialRewrite(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "spool-00000000000000000001.log"+tmpSuffix)
	if err := os.WriteFile(tmp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := newLogger(t, refusedAddr(t), WithSpoolDir(dir))
	if err := l.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
	for _, f := range spoolFiles(t, dir) {
		if strings.HasSuffix(f, tmpSuffix) {
			t.Errorf("partial rewrite %s left in the spool", f)
		}
	}
}
