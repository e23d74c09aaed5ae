package sdk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Logger records operations of an AI application and sends them to a Heliograph server
// (or, in compat mode, to a Helicone server) in the background.
//
// Logging calls encode the log in the caller's goroutine and add it to a bounded queue.
// They do no network or disk I/O and never wait for the sender. One goroutine per
// Logger, started by [New] and stopped by [Logger.Close], owns the queue, every HTTP request
// and the spool files.
//
// A Logger is safe for concurrent use. The zero value is not usable: create one with [New].
// A nil *Logger runs wrapped operations without logging them.
type Logger struct {
	cfg *config
	// itemHeaders are the default Helicone-* headers, sent with each log.
	itemHeaders []header
	// httpHeaders are the other default headers, sent on each HTTP request.
	httpHeaders http.Header
	ownClient   *http.Client
	types       typeCache
	encoders    sync.Pool
	stats       counters
	// undeliveredDrops counts drops not yet reported to the error handler.
	unreportedDrops atomic.Int64

	mu sync.Mutex
	// queue holds logs not yet taken by the sender; queue[head:] are live.
	queue []entry
	head  int
	// pendingBytes and pendingCount cover logs in the queue and logs held by the sender.
	pendingBytes int
	pendingCount int
	// lastSeq is the seq of the last log queued or read back from the spool.
	lastSeq uint64
	// waiters are the Flush calls waiting for logs to be resolved.
	waiters []*flushWaiter
	// unreportedFailed counts failed logs that no Flush or Close has reported yet.
	unreportedFailed int
	// closeFailed counts logs failed after Close was called.
	closeFailed int
	closed      bool
	closedFlag  atomic.Bool

	sender *sender
}

// New creates a Logger and starts its sender goroutine. An empty apiKey is read from the
// HELIOGRAPH_API_KEY environment variable. Options override the environment, which
// overrides the defaults. Other invalid option or environment values keep the default and
// are reported through the [WithSlog] logger. New returns an error when no API key is
// found, when the endpoint (from [WithEndpoint] or HELIOGRAPH_ENDPOINT) is not an http or
// https URL or has a query or fragment, or when the spool directory cannot be opened. Call
// [Logger.Close] to deliver the queued logs and stop the goroutine.
func New(apiKey string, opts ...Option) (*Logger, error) {
	cfg := loadConfig(apiKey, opts)
	for _, p := range cfg.problems {
		cfg.log.Warn("invalid setting, using the default", "problem", p)
	}
	if cfg.apiKey == "" {
		return nil, fmt.Errorf("heliograph: missing API key: pass it to New or set %s",
			EnvAPIKey)
	}
	if err := checkEndpoint(cfg.endpointSource, cfg.endpoint); err != nil {
		return nil, err
	}
	cfg.endpoint = strings.TrimRight(cfg.endpoint, "/")

	l := &Logger{cfg: cfg, httpHeaders: http.Header{}}
	l.encoders.New = func() any { return &encoder{types: &l.types} }
	for k, v := range cfg.headers {
		if len(k) >= len("Helicone-") && strings.EqualFold(k[:len("Helicone-")], "Helicone-") {
			l.itemHeaders = append(l.itemHeaders, header{name: k, value: v})
		} else {
			l.httpHeaders.Set(k, v)
		}
	}
	client := cfg.client
	if client == nil {
		l.ownClient = newHTTPClient()
		client = l.ownClient
	}

	var sp *spool
	if cfg.spoolDir != "" {
		var err error
		if sp, err = openSpool(cfg.spoolDir); err != nil {
			return nil, err
		}
	}
	l.sender = newSender(l, client, sp)
	go l.sender.run()
	return l, nil
}

// checkEndpoint returns an error naming source and the value when endpoint is not an
// http or https URL with a host, or has a query or a fragment.
func checkEndpoint(source, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("heliograph: invalid %s %q: %w", source, endpoint, err)
	}
	// An empty fragment ("#") leaves u.Fragment empty, so the text is checked too.
	if u.RawQuery != "" || u.ForceQuery || strings.Contains(endpoint, "#") {
		return fmt.Errorf("heliograph: invalid %s %q: remove the query or fragment, because "+
			"request paths are appended to the endpoint", source, endpoint)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		hint := ""
		if !strings.Contains(endpoint, "://") {
			hint = fmt.Sprintf(" (did you mean %q?)", "http://"+endpoint)
		}
		return fmt.Errorf("heliograph: invalid %s %q: want an http or https URL such as "+
			"%s%s", source, endpoint, DefaultEndpoint, hint)
	}
	return nil
}

// newHTTPClient returns a client with its own transport, so that closing its idle
// connections affects no other client.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4
	t.IdleConnTimeout = 30 * time.Second
	// A redirect is not followed: a client turns a POST into a GET on 301, 302 and 303,
	// which would drop the logs, and a moved endpoint is a setting to fix.
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

func (l *Logger) getEncoder() *encoder { return l.encoders.Get().(*encoder) }

func (l *Logger) putEncoder(e *encoder) {
	if cap(e.buf) > 256<<10 {
		e.buf = nil
	}
	clear(e.keys[:cap(e.keys)])
	clear(e.hdrs[:cap(e.hdrs)])
	clear(e.active[:cap(e.active)])
	l.encoders.Put(e)
}

// prepare fills the identity, session and start time of a log, and returns the context
// for the wrapped operation: inside a session it carries the log's session path.
func (l *Logger) prepare(ctx context.Context, req Request, opts []CallOption,
	in *logInput) context.Context {
	in.start = time.Now()
	in.req = req
	if req != nil {
		in.info = req.describe()
	}
	in.call.apply(opts)
	in.id = in.call.id
	if !in.call.idSet {
		in.id = newRequestID()
	}
	in.ttft, in.hasTTFT = in.call.ttft, in.call.ttftSet

	sc := scopeFrom(ctx)
	in.scope = sc
	parent := ""
	if sc != nil {
		in.userID, in.sessionID, in.sessionName, parent = sc.userID, sc.sessionID,
			sc.sessionName, sc.path
	}
	if in.call.userSet {
		in.userID = in.call.userID
	}
	if in.call.session {
		in.sessionID, in.sessionName, parent = in.call.sessionID, in.call.sessionName, ""
	}
	if in.sessionID == "" {
		return ctx
	}

	switch {
	case in.call.session && in.call.sessionPath != "":
		in.sessionPath = in.call.sessionPath
	case in.call.segmentSet:
		in.sessionPath = joinPath(parent, in.call.segment)
	case req != nil:
		in.sessionPath = joinPath(parent, req.pathSegment())
	default:
		in.sessionPath = joinPath(parent, "")
	}
	child := derive(ctx)
	child.sessionID, child.sessionName = in.sessionID, in.sessionName
	child.path, child.userID = in.sessionPath, in.userID
	return context.WithValue(ctx, scopeKey{}, child)
}

// submit encodes a finished log and queues it.
func (l *Logger) submit(in *logInput) {
	if l.closedFlag.Load() {
		l.stats.dropped.Add(1)
		return
	}
	en, sanitised := l.encode(in)
	if sanitised > 0 {
		l.stats.sanitised.Add(int64(sanitised))
	}
	l.enqueue(en)
}

// enqueue adds en to the queue, applying the overflow policy, and wakes the sender when a
// batch is ready.
func (l *Logger) enqueue(en entry) {
	size := len(en.item)
	en.counted = true
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.stats.dropped.Add(1)
		return
	}
	evicted := 0
	var done []*flushWaiter
	if l.pendingBytes+size > l.cfg.queueBytes && l.cfg.overflow == DropOldest {
		for l.head < len(l.queue) && l.pendingBytes+size > l.cfg.queueBytes {
			old := &l.queue[l.head]
			old.state = stateDropped
			done = l.settleLocked(old, done)
			l.pendingBytes -= len(old.item)
			l.pendingCount--
			*old = entry{}
			l.head++
			evicted++
		}
	}
	if l.pendingBytes+size > l.cfg.queueBytes {
		l.mu.Unlock()
		finishWaiters(done)
		l.drop(evicted + 1)
		return
	}
	l.lastSeq++
	en.seq = l.lastSeq
	l.queue = append(l.queue, en)
	l.pendingBytes += size
	l.pendingCount++
	ready := len(l.queue)-l.head >= l.cfg.batchSize || l.pendingBytes >= l.cfg.maxBatchBytes
	l.mu.Unlock()

	finishWaiters(done)
	l.stats.enqueued.Add(1)
	if evicted > 0 {
		l.drop(evicted)
	}
	if ready {
		l.sender.wake()
	}
}

func (l *Logger) drop(n int) {
	l.stats.dropped.Add(int64(n))
	l.unreportedDrops.Add(int64(n))
}

// take moves the queued logs into buf, which must be empty, and returns it.
func (l *Logger) take(buf []entry) []entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.head == len(l.queue) {
		return buf
	}
	live := l.queue[l.head:]
	l.queue, l.head = buf[:0], 0
	return live
}

// queueLen returns the number of logs queued and not yet taken by the sender.
func (l *Logger) queueLen() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue) - l.head
}

// release marks logs held by the sender as resolved in the state each one carries. It
// updates the counters and returns the Flush calls that no longer wait for any log, whose
// done channels the caller closes.
func (l *Logger) release(batch []entry) []*flushWaiter {
	var sent, failed, size int
	var done []*flushWaiter
	l.mu.Lock()
	for i := range batch {
		en := &batch[i]
		if en.counted {
			size += len(en.item)
		}
		switch en.state {
		case stateDelivered:
			sent++
		case stateFailed:
			failed++
		}
		done = l.settleLocked(en, done)
	}
	l.pendingBytes -= size
	l.pendingCount -= len(batch)
	l.mu.Unlock()

	l.stats.sent.Add(int64(sent))
	l.stats.failed.Add(int64(failed))
	return done
}

// addReplayed counts logs read back from the spool as pending and gives them their seq.
func (l *Logger) addReplayed(entries []entry) {
	l.mu.Lock()
	for i := range entries {
		l.lastSeq++
		entries[i].seq = l.lastSeq
	}
	l.pendingCount += len(entries)
	l.mu.Unlock()
	l.stats.replayed.Add(int64(len(entries)))
}

func (l *Logger) pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pendingCount
}

// Stats returns the logger's counters. A nil Logger returns zero counters.
func (l *Logger) Stats() Stats {
	if l == nil {
		return Stats{}
	}
	return Stats{
		Enqueued:  l.stats.enqueued.Load(),
		Sent:      l.stats.sent.Load(),
		Retried:   l.stats.retried.Load(),
		Dropped:   l.stats.dropped.Load(),
		Failed:    l.stats.failed.Load(),
		Sanitised: l.stats.sanitised.Load(),
		Replayed:  l.stats.replayed.Load(),
		Queued:    int64(l.pending()),
		Spooled:   l.stats.spooled.Load(),
	}
}

// Flush sends every log queued before the call and waits until each one was delivered,
// failed, or kept in the spool after running out of retries, or until ctx ends. Flush
// waits for retries too, each batch for up to [RetryPolicy].MaxElapsed, so give ctx a
// deadline to bound the wait.
//
// It returns nil when every log queued before the call was delivered and the spool holds
// no log waiting for a resend. Otherwise it returns an [*UndeliveredError]. Its Count adds
// the logs that failed since the previous Flush or Close reported them, those still queued
// when ctx ended, and those waiting in the spool. Spooled is the last number alone. Logs
// dropped because the queue was full are counted in [Stats].Dropped, not here. When ctx
// ended first, the error wraps ctx.Err() and the logs stay queued. Logs counted as waiting
// in the spool are already synced to disk.
func (l *Logger) Flush(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	w := &flushWaiter{upTo: l.lastSeq, remaining: l.pendingCount,
		failed: l.unreportedFailed, done: make(chan struct{})}
	l.unreportedFailed = 0
	if w.remaining > 0 {
		l.waiters = append(l.waiters, w)
	} else {
		w.spooled = int(l.stats.spooled.Load())
		close(w.done)
	}
	l.mu.Unlock()
	l.sender.wake()

	select {
	case <-w.done:
		return undelivered(w.failed, w.spooled, nil)
	case <-ctx.Done():
	}
	l.mu.Lock()
	waiting := l.removeWaiter(w)
	failed, remaining := w.failed, w.remaining
	l.mu.Unlock()
	if !waiting {
		// The sender resolved the last log at the same time.
		<-w.done
		return undelivered(failed, w.spooled, nil)
	}
	return undelivered(failed+remaining, int(l.stats.spooled.Load()), ctx.Err())
}

// undelivered returns nil when no log is undelivered, and otherwise an
// [*UndeliveredError] for failed logs plus spooled logs.
func undelivered(failed, spooled int, cause error) error {
	if failed+spooled == 0 {
		return nil
	}
	return &UndeliveredError{Count: failed + spooled, Spooled: spooled, Err: cause}
}

// Close stops accepting logs, sends every queued log, tries once more the logs waiting in
// the spool, and stops the sender goroutine. All batches share one deadline,
// [RetryPolicy].MaxElapsed (1 minute by default) after the call, so Close returns within
// about that time even when ctx has no deadline. It returns earlier when ctx ends: then
// in-flight requests and retry waits are cancelled at once.
//
// Logs that Close could not send are written to the spool directory, if one is set (see
// [WithSpoolDir]), and sent by the next Logger opened on it. Without a spool they are lost
// and counted in [Stats].Failed.
//
// Close returns nil when every log was delivered. Otherwise it returns an
// [*UndeliveredError]: Count adds the logs that failed since the previous Flush reported
// them and the logs left in the spool, and Spooled is the latter alone. The error wraps
// ctx.Err() when the context ended the wait. When Close returns, the sender goroutine has
// done its last work and is returning; it runs no more code of the Logger. Later logging
// calls do nothing and count as dropped; a second Close returns [ErrClosed].
func (l *Logger) Close(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	l.closedFlag.Store(true)
	failed := l.unreportedFailed
	l.unreportedFailed = 0
	l.mu.Unlock()

	s := l.sender
	s.closeAt = time.Now()
	close(s.closeCh)
	// The sender ends each attempt it starts after this by the deadline. The timer also ends
	// an attempt already in flight, because its request timeout can be longer.
	deadline := time.NewTimer(l.cfg.retry.MaxElapsed)
	defer deadline.Stop()
	var cause error
	select {
	case <-s.done:
	case <-deadline.C:
		s.cancel()
		<-s.done
	case <-ctx.Done():
		cause = ctx.Err()
		s.cancel()
		<-s.done
	}
	s.cancel()
	if l.ownClient != nil {
		l.ownClient.CloseIdleConnections()
	}

	l.mu.Lock()
	failed += l.closeFailed
	l.mu.Unlock()
	return undelivered(failed, s.spoolLeft, cause)
}
