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
	closed       bool
	closedFlag   atomic.Bool

	sender *sender
}

// New creates a Logger and starts its sender goroutine. An empty apiKey is read from the
// HELIOGRAPH_API_KEY environment variable. Options override the environment, which
// overrides the defaults; invalid option or environment values keep the default and are
// reported through the [WithSlog] logger. New returns an error when no API key is found,
// when the endpoint is not an http or https URL, or when the spool directory cannot be
// opened. Call [Logger.Close] to deliver the queued logs and stop the goroutine.
func New(apiKey string, opts ...Option) (*Logger, error) {
	cfg := loadConfig(apiKey, opts)
	for _, p := range cfg.problems {
		cfg.log.Warn("invalid setting, using the default", "problem", p)
	}
	if cfg.apiKey == "" {
		return nil, fmt.Errorf("heliograph: missing API key: pass it to New or set %s",
			EnvAPIKey)
	}
	if err := checkEndpoint(cfg.endpoint); err != nil {
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

func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("heliograph: invalid endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("heliograph: invalid endpoint %q: want an http or https URL "+
			"such as %s", endpoint, DefaultEndpoint)
	}
	return nil
}

// newHTTPClient returns a client with its own transport, so that closing its idle
// connections affects no other client.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4
	t.IdleConnTimeout = 30 * time.Second
	return &http.Client{Transport: t}
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
	if l.pendingBytes+size > l.cfg.queueBytes && l.cfg.overflow == DropOldest {
		for l.head < len(l.queue) && l.pendingBytes+size > l.cfg.queueBytes {
			old := &l.queue[l.head]
			l.pendingBytes -= len(old.item)
			l.pendingCount--
			*old = entry{}
			l.head++
			evicted++
		}
	}
	if l.pendingBytes+size > l.cfg.queueBytes {
		l.mu.Unlock()
		l.drop(evicted + 1)
		return
	}
	l.queue = append(l.queue, en)
	l.pendingBytes += size
	l.pendingCount++
	ready := len(l.queue)-l.head >= l.cfg.batchSize || l.pendingBytes >= l.cfg.maxBatchBytes
	l.mu.Unlock()

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

// release marks logs held by the sender as resolved: delivered, failed or spooled away.
func (l *Logger) release(batch []entry) {
	count, size := 0, 0
	for i := range batch {
		if batch[i].counted {
			size += len(batch[i].item)
		}
		count++
	}
	l.mu.Lock()
	l.pendingBytes -= size
	l.pendingCount -= count
	l.mu.Unlock()
}

// addReplayed counts logs loaded from the spool as pending.
func (l *Logger) addReplayed(n int) {
	l.mu.Lock()
	l.pendingCount += n
	l.mu.Unlock()
	l.stats.replayed.Add(int64(n))
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
	}
}

// Flush sends every log queued before the call and waits until each one was delivered or
// failed permanently, or until ctx ends. It returns nil when all of them were delivered,
// and otherwise an [*UndeliveredError] with the number not delivered. When ctx ended first,
// the error wraps ctx.Err() and the logs stay queued. Spool files are synced to disk.
func (l *Logger) Flush(ctx context.Context) error {
	if l == nil {
		return nil
	}
	if l.closedFlag.Load() {
		return ErrClosed
	}
	reply := make(chan flushResult, 1)
	select {
	case l.sender.flushCh <- reply:
	case <-ctx.Done():
		return l.undelivered(0, ctx.Err())
	case <-l.sender.done:
		return ErrClosed
	}
	select {
	case res := <-reply:
		if res.failed > 0 {
			return &UndeliveredError{Count: res.failed, Spooled: res.spooled}
		}
		return nil
	case <-ctx.Done():
		return l.undelivered(0, ctx.Err())
	}
}

func (l *Logger) undelivered(failed int, cause error) error {
	n := failed + l.pending()
	if n == 0 && cause == nil {
		return nil
	}
	return &UndeliveredError{Count: n, Err: cause}
}

// Close stops accepting logs, sends every queued log and stops the sender goroutine. It
// returns when all logs are delivered or failed permanently, or when ctx ends: then
// in-flight requests and retry waits are cancelled at once. Logs still undelivered are
// written to the spool directory, if one is set. Close returns nil when every log was
// delivered, and otherwise an [*UndeliveredError] with the count, wrapping ctx.Err() when
// the context ended the wait. When Close returns, the sender goroutine has done its last
// work and is returning; it runs no more code of the Logger. Later
// logging calls do nothing and count as dropped; a second Close returns [ErrClosed].
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
	l.mu.Unlock()

	s := l.sender
	close(s.closeCh)
	var cause error
	select {
	case <-s.done:
	case <-ctx.Done():
		cause = ctx.Err()
		s.cancel()
		<-s.done
	}
	s.cancel()
	if l.ownClient != nil {
		l.ownClient.CloseIdleConnections()
	}

	n := s.closeFailed + l.pending()
	if n == 0 {
		return nil
	}
	return &UndeliveredError{Count: n, Spooled: s.closeSpooled, Err: cause}
}
