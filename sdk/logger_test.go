package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func okOp(context.Context, *Recorder) (any, error) { return "ok", nil }

var toolReq = Tool{ToolName: "search", Input: map[string]any{"q": "x"}}

func TestFlushBeforeExit(t *testing.T) {
	for _, flush := range []bool{true, false} {
		t.Run(fmt.Sprintf("flush=%v", flush), func(t *testing.T) {
			s := newSink(t)
			s.latency = 300 * time.Millisecond
			l := newLogger(t, s.url(), WithFlushInterval(10*time.Second), WithQueueBytes(1<<20))

			res, err := l.LogRequest(t.Context(), toolReq, okOp)
			if res != "ok" || err != nil {
				t.Fatalf("LogRequest = %v, %v; want ok, nil", res, err)
			}
			if flush {
				if err := l.Flush(t.Context()); err != nil {
					t.Fatalf("Flush: %v", err)
				}
			}
			if err := l.Close(t.Context()); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if n := s.postCount(); n != 1 {
				t.Errorf("sink saw %d POSTs, want 1", n)
			}
			if n := len(s.stored()); n != 1 {
				t.Errorf("sink stored %d logs, want 1", n)
			}
		})
	}
}

func TestUnreachableServer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		endpoint func(*testing.T) string
	}{
		{"refuse", refusedAddr},
		{"hang", hangServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLogger(t, tc.endpoint(t), WithRequestTimeout(time.Second),
				WithRetry(RetryPolicy{MaxAttempts: 5}))
			for range 10 {
				if _, err := l.LogRequest(t.Context(), toolReq, okOp); err != nil {
					t.Fatalf("LogRequest: %v", err)
				}
			}

			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			start := time.Now()
			err := l.Close(ctx)
			elapsed := time.Since(start)

			var ue *UndeliveredError
			if !errors.As(err, &ue) {
				t.Fatalf("Close = %v, want *UndeliveredError", err)
			}
			if ue.Count != 10 {
				t.Errorf("UndeliveredError.Count = %d, want 10", ue.Count)
			}
			// Retries may run out before the deadline. Only a Close that waited for the
			// deadline must say so.
			deadline, _ := ctx.Deadline()
			waited := !start.Add(elapsed).Before(deadline)
			if waited != errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Close = %v after %s: DeadlineExceeded wrapped %v, want %v", err,
					elapsed, !waited, waited)
			}
			// A generous bound on the contract "returns when ctx ends", not a speed check.
			if elapsed > 2500*time.Millisecond {
				t.Errorf("Close took %s with a 2s deadline", elapsed)
			}
			checkNoSDKGoroutines(t)
		})
	}
}

func TestServerErrorsDoNotReachCaller(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
	}{
		{"408 after delay", delayedStatusFault(http.StatusRequestTimeout, 300*time.Millisecond)},
		{"500", statusFault(http.StatusInternalServerError, "")},
		{"503 with Retry-After", statusFault(http.StatusServiceUnavailable, "1")},
		{"reset", resetFault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t)
			s.setFault(tc.fault)
			errs := &errorLog{}
			l := newLogger(t, s.url(), WithErrorHandler(errs.add),
				WithRetry(RetryPolicy{MaxAttempts: 3, InitialBackoff: 10 * time.Millisecond,
					MaxBackoff: time.Second}))

			for i := range 100 {
				res, err := l.LogRequest(t.Context(), toolReq,
					func(context.Context, *Recorder) (any, error) {
						time.Sleep(time.Millisecond)
						return "ok", nil
					})
				if res != "ok" || err != nil {
					t.Fatalf("call %d: LogRequest = %v, %v; want ok, nil", i, res, err)
				}
			}
			_ = l.Flush(t.Context())

			s.setFault(nil)
			var ids []string
			for range 10 {
				_, _ = l.LogRequest(t.Context(), toolReq, okOp,
					WithProperty("phase", "recovered"))
			}
			if err := l.Flush(t.Context()); err != nil {
				t.Fatalf("Flush after recovery: %v", err)
			}
			for _, lg := range s.stored() {
				if lg.Headers["Helicone-Property-phase"] == "recovered" {
					ids = append(ids, lg.id())
				}
			}
			if len(ids) != 10 {
				t.Errorf("sink stored %d logs after recovery, want 10", len(ids))
			}

			st := l.Stats()
			if st.Enqueued != 110 {
				t.Errorf("Stats.Enqueued = %d, want 110", st.Enqueued)
			}
			if st.Sent+st.Failed+st.Dropped != st.Enqueued {
				t.Errorf("Stats %+v: Sent+Failed+Dropped != Enqueued", st)
			}
			if int(st.Sent) != len(s.stored()) {
				t.Errorf("Stats.Sent = %d, sink stored %d", st.Sent, len(s.stored()))
			}
			if st.Failed > 0 && len(errs.all()) == 0 {
				t.Errorf("Stats.Failed = %d but the error handler got nothing", st.Failed)
			}
		})
	}
}

func TestFailedOperation(t *testing.T) {
	errQuota := errors.New("quota exceeded")
	t.Run("empty error text", func(t *testing.T) {
		s := newSink(t)
		l := newLogger(t, s.url())
		want := errors.New("")
		_, err := l.LogRequest(t.Context(), toolReq, func(context.Context, *Recorder) (any, error) {
			time.Sleep(50 * time.Millisecond)
			return nil, want
		})
		if err != want {
			t.Fatalf("LogRequest error = %v, want the operation's error value", err)
		}
		flush(t, l)
		lg := s.only(t)
		if lg.status() != 500 {
			t.Errorf("status = %d, want 500", lg.status())
		}
		msg := errorMessage(lg)
		if msg != "*errors.errorString" {
			t.Errorf("error message = %q, want the type name *errors.errorString", msg)
		}
		if d := latency(lg); d < 50*time.Millisecond {
			t.Errorf("latency = %s, want at least 50ms", d)
		}
	})
	t.Run("wrapped sentinel", func(t *testing.T) {
		s := newSink(t)
		l := newLogger(t, s.url())
		_, err := Wrap(t.Context(), l, toolReq, func(context.Context, *Recorder) (int, error) {
			return 0, fmt.Errorf("call: %w", errQuota)
		})
		if !errors.Is(err, errQuota) {
			t.Fatalf("Wrap error = %v, want errors.Is(err, errQuota)", err)
		}
		flush(t, l)
		lg := s.only(t)
		if msg := errorMessage(lg); msg != "call: quota exceeded" {
			t.Errorf("error message = %q, want %q", msg, "call: quota exceeded")
		}
		if lg.status() != 500 {
			t.Errorf("status = %d, want 500", lg.status())
		}
	})
	t.Run("panic", func(t *testing.T) {
		s := newSink(t)
		l := newLogger(t, s.url())
		got := func() (r any) {
			defer func() { r = recover() }()
			_, _ = l.LogRequest(t.Context(), toolReq, func(context.Context, *Recorder) (any, error) {
				panic("boom")
			})
			return nil
		}()
		if got != "boom" {
			t.Fatalf("recovered %v, want the panic value boom", got)
		}
		flush(t, l)
		lg := s.only(t)
		if lg.status() != 500 {
			t.Errorf("status = %d, want 500", lg.status())
		}
		if msg := errorMessage(lg); msg != "boom" {
			t.Errorf("error message = %q, want boom", msg)
		}
	})
}

func errorMessage(lg storedLog) string {
	j, _ := lg.response()["json"].(map[string]any)
	e, _ := j["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func latency(lg storedLog) time.Duration {
	timing, _ := lg.Body["timing"].(map[string]any)
	ms := func(k string) int64 {
		v, _ := timing[k].(map[string]any)
		s, _ := v["seconds"].(float64)
		m, _ := v["milliseconds"].(float64)
		return int64(s)*1000 + int64(m)
	}
	return time.Duration(ms("endTime")-ms("startTime")) * time.Millisecond
}

func flush(t *testing.T, l *Logger) {
	t.Helper()
	if err := l.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func TestDuplicateRetryStoresOnce(t *testing.T) {
	s := newSink(t)
	s.setFault(commitThenDropFault(1))
	l := newLogger(t, s.url(), WithFlushInterval(time.Hour))
	for range 5 {
		_, _ = l.LogRequest(t.Context(), toolReq, okOp)
	}
	flush(t, l)

	logs := s.stored()
	if len(logs) != 5 {
		t.Fatalf("sink stored %d logs, want 5", len(logs))
	}
	if s.dupes != 5 {
		t.Errorf("sink answered %d duplicates, want 5 (one retried batch)", s.dupes)
	}
	if st := l.Stats(); st.Sent != 5 || st.Retried != 5 || st.Failed != 0 {
		t.Errorf("Stats = %+v, want Sent 5, Retried 5, Failed 0", st)
	}
}

func TestPartialRejection(t *testing.T) {
	s := newSink(t)
	s.rejectAt = 1
	errs := &errorLog{}
	l := newLogger(t, s.url(), WithFlushInterval(time.Hour), WithErrorHandler(errs.add))
	var ids []string
	for i := range 3 {
		id := newRequestID()
		ids = append(ids, string(id[:]))
		_, _ = l.LogRequest(t.Context(), Data{Name: fmt.Sprint(i)}, okOp,
			WithRequestID(string(id[:])))
	}
	err := l.Flush(t.Context())
	var ue *UndeliveredError
	if !errors.As(err, &ue) || ue.Count != 1 {
		t.Errorf("Flush = %v, want *UndeliveredError with Count 1", err)
	}

	logs := s.stored()
	if len(logs) != 2 || logs[0].id() != ids[0] || logs[1].id() != ids[2] {
		t.Errorf("sink stored %d logs, want items 0 and 2", len(logs))
	}
	if n := s.postCount(); n != 1 {
		t.Errorf("sink saw %d POSTs, want 1: a rejected item is not retried", n)
	}
	var de *DeliveryError
	if got := errs.all(); len(got) != 1 || !errors.As(got[0], &de) {
		t.Fatalf("error handler got %v, want one *DeliveryError", got)
	}
	if de.RequestID != ids[1] || de.Retryable || de.Msg == "" {
		t.Errorf("DeliveryError = %+v, want RequestID %s, not retryable, with a message",
			de, ids[1])
	}
	if st := l.Stats(); st.Sent != 2 || st.Failed != 1 {
		t.Errorf("Stats = %+v, want Sent 2, Failed 1", st)
	}
}

func TestOverflow(t *testing.T) {
	big := strings.Repeat("x", 4000)
	for _, policy := range []OverflowPolicy{DropNewest, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			s := newSink(t)
			errs := &errorLog{}
			l := newLogger(t, s.url(), WithQueueBytes(64<<10), WithBatchSize(1000),
				WithFlushInterval(time.Hour), WithOverflow(policy), WithErrorHandler(errs.add))
			for i := range 100 {
				l.LogSingle(t.Context(), Data{Name: "n", Meta: map[string]any{"pad": big}},
					fmt.Sprint(i), 0)
			}
			flush(t, l)

			st := l.Stats()
			if st.Dropped == 0 {
				t.Fatalf("Stats.Dropped = 0, want drops with a 64 KiB queue")
			}
			if st.Sent+st.Dropped != 100 {
				t.Errorf("Stats %+v: Sent+Dropped = %d, want 100", st, st.Sent+st.Dropped)
			}
			reported := 0
			for _, err := range errs.all() {
				var de *DropError
				if errors.As(err, &de) {
					reported += de.Count
				}
			}
			if int64(reported) != st.Dropped {
				t.Errorf("error handler saw %d drops, Stats.Dropped = %d", reported, st.Dropped)
			}
			logs := s.stored()
			last := logs[len(logs)-1].response()["textBody"]
			first := logs[0].response()["textBody"]
			if policy == DropOldest && last != "99" {
				t.Errorf("last stored log = %v, want 99 kept by drop_oldest", last)
			}
			if policy == DropNewest && first != "0" {
				t.Errorf("first stored log = %v, want 0 kept by drop_newest", first)
			}
		})
	}
}

func TestFlushDeadline(t *testing.T) {
	l := newLogger(t, hangServer(t), WithRequestTimeout(time.Minute))
	_, _ = l.LogRequest(t.Context(), toolReq, okOp)

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err := l.Flush(ctx)
	var ue *UndeliveredError
	if !errors.As(err, &ue) || ue.Count != 1 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush = %v, want *UndeliveredError{Count: 1} wrapping DeadlineExceeded", err)
	}

	ctx2, cancel2 := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel2()
	if err := l.Close(ctx2); !errors.As(err, &ue) || ue.Count != 1 {
		t.Fatalf("Close = %v, want *UndeliveredError{Count: 1}", err)
	}
	checkNoSDKGoroutines(t)
}

func TestClosedLogger(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url())
	if err := l.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	res, err := l.LogRequest(t.Context(), toolReq, okOp)
	if res != "ok" || err != nil {
		t.Errorf("LogRequest after Close = %v, %v; want ok, nil", res, err)
	}
	if st := l.Stats(); st.Dropped != 1 {
		t.Errorf("Stats.Dropped = %d, want 1", st.Dropped)
	}
	if err := l.Close(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if err := l.Flush(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
}

func TestConcurrentLogging(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithBatchSize(50))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				_, _ = l.LogRequest(t.Context(), Data{Name: "d"},
					func(_ context.Context, rec *Recorder) (any, error) {
						rec.AppendResults(map[string]any{"g": g})
						rec.AppendResults(map[string]any{"i": i})
						return nil, nil
					})
			}
		})
	}
	wg.Wait()
	flush(t, l)
	if n := len(s.stored()); n != 400 {
		t.Errorf("sink stored %d logs, want 400", n)
	}
}

func TestNewValidation(t *testing.T) {
	t.Setenv(EnvAPIKey, "")
	if _, err := New(""); err == nil {
		t.Error("New with no API key returned nil error")
	}
	if _, err := New("k", WithEndpoint("ftp://x")); err == nil {
		t.Error("New with an ftp endpoint returned nil error")
	}
	for _, ep := range []string{"http://127.0.0.1:8585/?x=1", "http://127.0.0.1:8585/#top",
		"http://127.0.0.1:8585?", "http://127.0.0.1:8585/#", "http://127.0.0.1:8585#"} {
		_, err := New("k", WithEndpoint(ep))
		if err == nil || !strings.Contains(err.Error(), "query or fragment") {
			t.Errorf("New with endpoint %q: error %v, want one naming the query or fragment",
				ep, err)
		}
	}
	t.Setenv(EnvAPIKey, "from-env")
	l, err := New("", WithEndpoint(refusedAddr(t)))
	if err != nil {
		t.Fatalf("New with the key in the environment: %v", err)
	}
	if l.cfg.apiKey != "from-env" {
		t.Errorf("api key = %q, want from-env", l.cfg.apiKey)
	}
	_ = l.Close(t.Context())
}

func TestBadEnvironmentFallsBack(t *testing.T) {
	t.Setenv(EnvQueueBytes, "lots")
	t.Setenv(EnvBatchSize, "0")
	t.Setenv(EnvFlushInterval, "soon")
	var logs logCapture
	l := newLogger(t, refusedAddr(t), logs.option())
	if l.cfg.queueBytes != DefaultQueueBytes || l.cfg.batchSize != DefaultBatchSize {
		t.Errorf("queue bytes %d, batch size %d; want the defaults", l.cfg.queueBytes,
			l.cfg.batchSize)
	}
	out := logs.String()
	for _, name := range []string{EnvQueueBytes, EnvBatchSize, EnvFlushInterval} {
		if !strings.Contains(out, name) {
			t.Errorf("diagnostics do not mention %s:\n%s", name, out)
		}
	}

	t.Setenv(EnvBatchSize, "7")
	t.Setenv(EnvFlushInterval, "250ms")
	l2 := newLogger(t, refusedAddr(t))
	if l2.cfg.batchSize != 7 {
		t.Errorf("batch size = %d, want 7 from the environment", l2.cfg.batchSize)
	}
	l3 := newLogger(t, refusedAddr(t), WithBatchSize(9))
	if l3.cfg.batchSize != 9 {
		t.Errorf("batch size = %d, want 9: options win over the environment", l3.cfg.batchSize)
	}
}

// logN logs n tool calls through Wrap.
func logN(t *testing.T, l *Logger, n int) {
	t.Helper()
	for i := range n {
		_, err := Wrap(t.Context(), l, toolReq, func(context.Context, *Recorder) (int, error) {
			return i, nil
		})
		if err != nil {
			t.Fatalf("Wrap: %v", err)
		}
	}
}

// wantUndelivered fails unless err is an *UndeliveredError with these counts.
func wantUndelivered(t *testing.T, call string, err error, count, spooled int) {
	t.Helper()
	var ue *UndeliveredError
	if !errors.As(err, &ue) {
		t.Fatalf("%s = %v, want *UndeliveredError with Count %d", call, err, count)
	}
	if ue.Count != count || ue.Spooled != spooled {
		t.Errorf("%s = %v: Count %d, Spooled %d; want Count %d, Spooled %d", call, err,
			ue.Count, ue.Spooled, count, spooled)
	}
}

func TestCloseCountsFailedLogs(t *testing.T) {
	for _, n := range []int{10, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := newSink(t)
			s.setFault(statusFault(http.StatusInternalServerError, ""))
			l := newLogger(t, s.url())
			logN(t, l, n)

			wantUndelivered(t, "Close", l.Close(context.Background()), n, 0)
			if st := l.Stats(); st.Failed != int64(n) || st.Sent != 0 || st.Queued != 0 {
				t.Errorf("Stats = %+v, want Failed %d, Sent 0, Queued 0", st, n)
			}
		})
	}
}

func TestFlushCountsBatchInFlight(t *testing.T) {
	s := newSink(t)
	release := make(chan struct{})
	s.setFault(gateFault(release, statusFault(http.StatusInternalServerError, "")))
	l := newLogger(t, s.url())
	logN(t, l, 300)
	// The first batch of 256 is now being sent and the sink holds it.
	waitFor(t, "the first POST", func() bool { return s.postCount() > 0 })

	flushed := make(chan error, 1)
	go func() { flushed <- l.Flush(context.Background()) }()
	close(release)
	wantUndelivered(t, "Flush", <-flushed, 300, 0)
	if st := l.Stats(); st.Failed != 300 || st.Sent != 0 {
		t.Errorf("Stats = %+v, want Failed 300, Sent 0", st)
	}

	// Each failure is reported once: the next calls find nothing new.
	if err := l.Flush(t.Context()); err != nil {
		t.Errorf("second Flush = %v, want nil", err)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Errorf("Close = %v, want nil", err)
	}
}

func TestFlushIgnoresLaterLogs(t *testing.T) {
	s := newSink(t)
	release := make(chan struct{})
	// The first request is held and then stored. Later ones fail with 500.
	s.setFault(firstFault(1, gateFault(release, func(http.ResponseWriter, *http.Request,
		func()) bool {
		return false
	})))
	l := newLogger(t, s.url(), WithBatchSize(5), WithFlushInterval(time.Hour))
	logN(t, l, 5)
	waitFor(t, "the first POST", func() bool { return s.postCount() > 0 })

	flushed := make(chan error, 1)
	go func() { flushed <- l.Flush(context.Background()) }()
	waitFor(t, "Flush to wait", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.waiters) == 1
	})
	s.setFault(statusFault(http.StatusInternalServerError, ""))
	logN(t, l, 5)
	close(release)
	if err := <-flushed; err != nil {
		t.Errorf("Flush = %v, want nil: the 5 logs queued before it were delivered", err)
	}
	wantUndelivered(t, "Close", l.Close(t.Context()), 5, 0)
}

func TestCloseSharesOneDeadline(t *testing.T) {
	s := newSink(t)
	s.setFault(hangFault)
	const logs = 20
	l := newLogger(t, s.url(), WithBatchSize(1), WithFlushInterval(time.Hour),
		WithRequestTimeout(50*time.Millisecond),
		WithRetry(RetryPolicy{InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
			MaxElapsed: 300 * time.Millisecond}))
	logN(t, l, logs)

	wantUndelivered(t, "Close", l.Close(context.Background()), logs, 0)
	// Batches that each started a full retry budget would make at least one request per
	// batch. With one deadline for the whole drain, Close stops well before that.
	if n := s.postCount(); n >= logs {
		t.Errorf("sink saw %d POSTs for %d one-log batches, want fewer: each batch got "+
			"its own retry budget", n, logs)
	}
	if st := l.Stats(); st.Failed != logs {
		t.Errorf("Stats.Failed = %d, want %d", st.Failed, logs)
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	const bad = "logs.example.com:8585"
	t.Setenv(EnvEndpoint, bad)
	_, err := New("k")
	if err == nil {
		t.Fatalf("New with %s=%q returned nil error", EnvEndpoint, bad)
	}
	for _, want := range []string{EnvEndpoint, bad} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New error %q does not name %s", err, want)
		}
	}

	s := newSink(t)
	l := newLogger(t, s.url())
	if l.cfg.endpoint != s.url() {
		t.Errorf("endpoint = %q, want %q: WithEndpoint wins over the environment",
			l.cfg.endpoint, s.url())
	}

	t.Setenv(EnvEndpoint, s.url())
	l2, err := New("k")
	if err != nil {
		t.Fatalf("New with %s=%s: %v", EnvEndpoint, s.url(), err)
	}
	defer l2.Close(t.Context())
	if l2.cfg.endpoint != s.url() {
		t.Errorf("endpoint = %q, want %q from the environment", l2.cfg.endpoint, s.url())
	}
}

// Close ends by MaxElapsed after its call even while a request with a longer timeout is in
// flight.
func TestCloseEndsAnAttemptInFlight(t *testing.T) {
	s := newSink(t)
	s.setFault(hangFault)
	l, err := New("k", WithEndpoint(s.url()), WithBatchSize(1),
		WithRequestTimeout(time.Minute), WithRetry(RetryPolicy{MaxElapsed: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	logN(t, l, 3)
	// Wait until the first batch is being sent.
	for s.postCount() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	wantUndelivered(t, "Close", l.Close(context.Background()), 3, 0)
	// A generous bound on the contract "returns by MaxElapsed", not a speed check: without
	// it, Close waits for the one-minute request timeout.
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("Close took %s with MaxElapsed 1s and a request in flight", elapsed)
	}
}

// logCapture collects the diagnostics that a Logger writes through WithSlog.
type logCapture struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (c *logCapture) option() Option { return WithSlog(newTextLogger(&c.buf, &c.mu)) }

func (c *logCapture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// Empty variables count as unset, so they take the defaults without a diagnostic.
func TestEmptyVariablesAreUnset(t *testing.T) {
	t.Setenv(EnvQueueBytes, "")
	t.Setenv(EnvBatchSize, " ")
	t.Setenv(EnvFlushInterval, "")
	var logs logCapture
	l := newLogger(t, refusedAddr(t), logs.option())
	if l.cfg.batchSize != DefaultBatchSize {
		t.Errorf("batch size %d, want the default %d", l.cfg.batchSize, DefaultBatchSize)
	}
	if out := logs.String(); out != "" {
		t.Errorf("diagnostics %q, want none", out)
	}
}

// A flush interval below 1ms and negative retry fields are reported and not used.
func TestInvalidIntervalAndRetryReported(t *testing.T) {
	var logs logCapture
	l := newLogger(t, refusedAddr(t), logs.option(), WithFlushInterval(time.Nanosecond),
		WithRetry(RetryPolicy{MaxElapsed: -1}))
	if l.cfg.flushInterval < time.Millisecond {
		t.Errorf("flush interval %s, want the earlier value", l.cfg.flushInterval)
	}
	out := logs.String()
	for _, option := range []string{"WithFlushInterval", "WithRetry"} {
		if !strings.Contains(out, option) {
			t.Errorf("diagnostics %q do not report %s", out, option)
		}
	}
}

// A key of spaces only is a missing key.
func TestBlankKeyRejected(t *testing.T) {
	t.Setenv(EnvAPIKey, "  ")
	if _, err := New("   ", WithEndpoint(refusedAddr(t))); err == nil {
		t.Error("New with a key of spaces returned nil error")
	}
}
