package sdk

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

const (
	// maxResponseBytes caps how much of a server response is read.
	maxResponseBytes = 1 << 20
	// dropWarnInterval is the shortest time between two warnings about dropped logs.
	dropWarnInterval = 10 * time.Second
	userAgent        = "heliograph-go-sdk"
	batchPath        = "/v1/log/batch"
)

// flushResult is the sender's reply to a flush request.
type flushResult struct {
	failed  int
	spooled int
}

// sender is the single goroutine that owns delivery: it takes logs from the queue, writes
// them to the spool, sends them and retries them.
type sender struct {
	l      *Logger
	cfg    *config
	log    *slog.Logger
	client *http.Client
	spool  *spool

	// ctx is cancelled when Close gives up waiting; it aborts requests and retry waits.
	ctx    context.Context
	cancel context.CancelFunc

	signal  chan struct{}
	flushCh chan chan flushResult
	closeCh chan struct{}
	done    chan struct{}

	// held contains the logs taken from the queue or the spool; held[pos:] are unresolved.
	held []entry
	pos  int

	gz        *gzip.Writer
	body      bytes.Buffer
	resp      bytes.Buffer
	batchURL  string
	compatURL map[Provider]string

	// kept counts, in the current drain, logs that ran out of retries but stay in the spool.
	kept         int
	dropsToWarn  int64
	lastDropWarn time.Time

	// Results of the final drain, read by Close after done is closed.
	closeFailed  int
	closeSpooled int
}

func newSender(l *Logger, client *http.Client, sp *spool) *sender {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sender{
		l:         l,
		cfg:       l.cfg,
		log:       l.cfg.log,
		client:    client,
		spool:     sp,
		ctx:       ctx,
		cancel:    cancel,
		signal:    make(chan struct{}, 1),
		flushCh:   make(chan chan flushResult),
		closeCh:   make(chan struct{}),
		done:      make(chan struct{}),
		batchURL:  l.cfg.endpoint + batchPath,
		compatURL: compatURLs(l.cfg.endpoint),
	}
	s.gz, _ = gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return s
}

// compatURLs maps each provider to its single-log route. As in the official JavaScript
// client, an endpoint that already ends in one of the routes has that route replaced.
func compatURLs(endpoint string) map[Provider]string {
	routes := map[Provider]string{
		ProviderCustom:    "/custom/v1/log",
		ProviderOpenAI:    "/oai/v1/log",
		ProviderAnthropic: "/anthropic/v1/log",
		ProviderGoogle:    "/googleapis/v1/log",
	}
	base := endpoint
	for _, r := range routes {
		if strings.HasSuffix(base, r) {
			base = strings.TrimSuffix(base, r)
			break
		}
	}
	urls := make(map[Provider]string, len(routes))
	for p, r := range routes {
		urls[p] = base + r
	}
	return urls
}

// wake signals the sender to send without waiting for the flush interval.
func (s *sender) wake() {
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

func (s *sender) run() {
	defer close(s.done)
	defer s.stop()

	timer := time.NewTimer(s.cfg.flushInterval)
	defer timer.Stop()
	for {
		var reply chan flushResult
		closing := false
		select {
		case <-s.signal:
		case <-timer.C:
		case reply = <-s.flushCh:
		case <-s.closeCh:
			closing = true
		case <-s.ctx.Done():
			return
		}

		s.kept = 0
		failed := s.drain()
		if reply != nil {
			s.syncSpool()
			reply <- flushResult{failed: failed, spooled: s.kept}
		}
		if closing {
			s.closeFailed, s.closeSpooled = failed, s.kept
			return
		}
		timer.Reset(s.cfg.flushInterval)
	}
}

// drain sends everything held, queued or in the spool backlog, batch by batch, until none
// is left or the sender is stopped. It returns how many logs failed.
func (s *sender) drain() int {
	s.reportDrops()
	failed := 0
	for s.ctx.Err() == nil {
		if s.pos == len(s.held) && !s.refill() {
			break
		}
		batch := s.held[s.pos : s.pos+s.nextBatchLen()]
		f, ok := s.deliver(batch)
		if !ok {
			break
		}
		failed += f
		s.l.release(batch)
		s.pos += len(batch)
	}
	s.reportDrops()
	return failed
}

// refill replaces the resolved held logs with the next spool segment of an earlier run or,
// when there is none, with the queue. It returns false when both are empty.
func (s *sender) refill() bool {
	old := s.held
	clear(old)
	s.held, s.pos = nil, 0

	if s.spool != nil {
		entries, err := s.spool.loadNext()
		if err != nil {
			s.report(err)
		}
		if len(entries) > 0 {
			s.held = entries
			s.l.addReplayed(len(entries))
			return true
		}
	}

	taken := s.l.take(old[:0])
	if len(taken) == 0 {
		s.held = taken
		return false
	}
	s.held = taken
	if s.spool != nil {
		s.spoolHeld(s.held)
	}
	return true
}

// spoolHeld writes logs not yet in the spool to it.
func (s *sender) spoolHeld(entries []entry) int {
	n := 0
	var firstErr error
	for i := range entries {
		en := &entries[i]
		if en.seg != nil || en.acked {
			continue
		}
		if err := s.spool.append(en); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n++
	}
	if err := s.spool.flush(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		s.report(firstErr)
	}
	return n
}

// nextBatchLen returns how many held logs form the next request.
func (s *sender) nextBatchLen() int {
	if s.cfg.compat {
		return 1
	}
	n, size := 0, len(`{"logs":[]}`)
	for s.pos+n < len(s.held) && n < s.cfg.batchSize {
		sz := len(s.held[s.pos+n].item) + 1
		if n > 0 && size+sz > s.cfg.maxBatchBytes {
			break
		}
		size += sz
		n++
	}
	return n
}

// deliver sends one batch with retries. It returns the number of logs that failed, and
// false when the sender was stopped before the batch was resolved.
func (s *sender) deliver(batch []entry) (int, bool) {
	if s.cfg.compat {
		return s.deliverSingle(batch)
	}
	s.encodeBatch(batch)
	body := s.body.Bytes()
	o := s.withRetry(len(batch), func() outcome {
		return s.post(s.batchURL, body, s.cfg.gzip, nil)
	})
	if o.aborted {
		return 0, false
	}
	if o.err == nil && o.status == http.StatusRequestEntityTooLarge && len(batch) > 1 {
		half := len(batch) / 2
		f1, ok := s.deliver(batch[:half])
		if !ok {
			return f1, false
		}
		f2, ok := s.deliver(batch[half:])
		return f1 + f2, ok
	}
	return s.settleBatch(batch, o), true
}

func (s *sender) encodeBatch(batch []entry) {
	s.body.Reset()
	var w io.Writer = &s.body
	if s.cfg.gzip {
		s.gz.Reset(&s.body)
		w = s.gz
	}
	_, _ = io.WriteString(w, `{"logs":[`)
	for i := range batch {
		if i > 0 {
			_, _ = w.Write([]byte{','})
		}
		_, _ = w.Write(batch[i].item)
	}
	_, _ = io.WriteString(w, `]}`)
	if s.cfg.gzip {
		_ = s.gz.Close()
	}
}

// batchReply is the part of the batch response the sender reads.
type batchReply struct {
	Results []struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"results"`
	Error string `json:"error"`
}

// settleBatch applies the final outcome of a batch request to its logs and returns how
// many failed. Items marked stored or duplicate are delivered. Rejected items are failed and
// reported, never retried. A 2xx response without per-item results counts as delivered.
func (s *sender) settleBatch(batch []entry, o outcome) int {
	var reply batchReply
	parsed := o.err == nil && len(o.body) > 0 && json.Unmarshal(o.body, &reply) == nil
	if parsed && len(reply.Results) == len(batch) &&
		(o.status/100 == 2 || o.status == http.StatusBadRequest) {
		sent, failed := 0, 0
		for i, r := range reply.Results {
			en := &batch[i]
			s.ack(en)
			if r.Status == "rejected" {
				failed++
				s.log.Warn("log rejected", "request_id", string(en.id[:]), "error", r.Error)
				s.report(&DeliveryError{RequestID: string(en.id[:]), Count: 1,
					Status: o.status, Msg: r.Error})
				continue
			}
			sent++
		}
		s.l.stats.sent.Add(int64(sent))
		s.l.stats.failed.Add(int64(failed))
		return failed
	}
	if o.err == nil && o.status/100 == 2 {
		for i := range batch {
			s.ack(&batch[i])
		}
		s.l.stats.sent.Add(int64(len(batch)))
		return 0
	}

	msg := reply.Error
	if msg == "" && o.err == nil {
		msg = strings.TrimSpace(string(o.body[:min(len(o.body), 200)]))
	}
	s.fail(batch, o, msg)
	return len(batch)
}

// deliverSingle sends one log to its single-log route (compat mode).
func (s *sender) deliverSingle(batch []entry) (int, bool) {
	en := &batch[0]
	var hdrs map[string]string
	_ = json.Unmarshal(en.headers(), &hdrs)
	url := s.compatURL[en.provider]
	if url == "" {
		url = s.compatURL[ProviderCustom]
	}
	body := en.body()
	o := s.withRetry(1, func() outcome { return s.post(url, body, false, hdrs) })
	if o.aborted {
		return 0, false
	}
	if o.err == nil && o.status/100 == 2 {
		s.ack(en)
		s.l.stats.sent.Add(1)
		return 0, true
	}
	msg := ""
	if o.err == nil {
		msg = strings.TrimSpace(string(o.body[:min(len(o.body), 200)]))
	}
	s.fail(batch, o, msg)
	return 1, true
}

// fail records logs whose delivery failed as a whole. Logs that ran out of retries stay in
// the spool, if there is one, for the next Logger opened on it.
func (s *sender) fail(batch []entry, o outcome, msg string) {
	retryable := o.retryable()
	for i := range batch {
		if retryable && batch[i].seg != nil {
			s.kept++
			continue
		}
		s.ack(&batch[i])
	}
	s.l.stats.failed.Add(int64(len(batch)))
	err := &DeliveryError{Count: len(batch), Status: o.status, Msg: msg,
		Retryable: retryable, Err: o.err}
	s.log.Warn("logs not delivered", "logs", len(batch), "status", o.status,
		"retryable", retryable, "error", err)
	s.report(err)
}

// ack marks a log as resolved in the spool.
func (s *sender) ack(en *entry) {
	if en.acked {
		return
	}
	en.acked = true
	if en.seg != nil {
		if err := s.spool.ack(en.seg); err != nil {
			s.report(err)
		}
		en.seg = nil
	}
}

// outcome is the result of one HTTP attempt, or of the last one after retries.
type outcome struct {
	status     int
	body       []byte
	retryAfter time.Duration
	err        error
	// permanent marks a request that could not be built; it is not retried.
	permanent bool
	// aborted is true when the sender was stopped during the attempt or the wait.
	aborted bool
}

// retryable reports whether the failure is transient: a network error, a timeout, or the
// status 429, 502, 503 or 504.
func (o outcome) retryable() bool {
	if o.permanent {
		return false
	}
	return o.err != nil || retryableStatus(o.status)
}

// withRetry runs try until it succeeds, fails permanently, runs out of attempts or time, or
// the sender stops. n is the number of logs concerned, for the retry counter.
func (s *sender) withRetry(n int, try func() outcome) outcome {
	p := s.cfg.retry
	first := time.Now()
	for attempt := 1; ; attempt++ {
		o := try()
		if o.aborted || !o.retryable() {
			return o
		}
		wait := p.backoff(attempt, o.retryAfter)
		if attempt >= p.MaxAttempts || time.Since(first)+wait > p.MaxElapsed {
			return o
		}
		s.l.stats.retried.Add(int64(n))
		s.log.Debug("retrying delivery", "attempt", attempt, "logs", n, "status", o.status,
			"error", o.err, "wait_ms", wait.Milliseconds())
		if !s.sleep(wait) {
			o.aborted = true
			return o
		}
	}
}

// sleep waits for d, returning false when the sender is stopped first.
func (s *sender) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// post makes one HTTP attempt. It reads at most maxResponseBytes of the response.
func (s *sender) post(url string, body []byte, gz bool, hdrs map[string]string) outcome {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err, permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.cfg.apiKey)
	req.Header.Set("User-Agent", userAgent)
	for k, vs := range s.l.httpHeaders {
		req.Header[k] = vs
	}
	for k, v := range hdrs {
		req.Header.Set(k, v)
	}
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}

	resp, err := s.client.Do(req)
	if err != nil {
		return outcome{err: err, aborted: s.ctx.Err() != nil}
	}
	defer resp.Body.Close()
	s.resp.Reset()
	_, err = s.resp.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil && s.ctx.Err() != nil {
		return outcome{err: err, aborted: true}
	}
	return outcome{
		status:     resp.StatusCode,
		body:       s.resp.Bytes(),
		retryAfter: parseRetryAfter(resp.Header, time.Now()),
	}
}

// reportDrops passes the drops since the last report to the error handler, and logs a
// warning at most once per dropWarnInterval.
func (s *sender) reportDrops() {
	n := s.l.unreportedDrops.Swap(0)
	if n == 0 {
		return
	}
	s.report(&DropError{Count: int(n), Policy: s.cfg.overflow})
	s.dropsToWarn += n
	if now := time.Now(); now.Sub(s.lastDropWarn) >= dropWarnInterval {
		s.log.Warn("queue full, logs dropped", "dropped", s.dropsToWarn,
			"dropped_total", s.l.stats.dropped.Load(), "policy", s.cfg.overflow.String())
		s.dropsToWarn, s.lastDropWarn = 0, now
	}
}

// report calls the error handler, recovering from a panic in it.
func (s *sender) report(err error) {
	if s.cfg.onError == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("error handler panicked", "panic", r)
		}
	}()
	s.cfg.onError(err)
}

func (s *sender) syncSpool() {
	if s.spool == nil {
		return
	}
	if err := s.spool.sync(); err != nil {
		s.report(err)
	}
}

// stop runs when the sender exits. With a spool, the logs still unresolved are written to
// it and the files are synced, so the next Logger opened on the directory sends them.
func (s *sender) stop() {
	s.cancel()
	if s.spool == nil {
		return
	}
	rest := s.held[s.pos:]
	queued := s.l.take(nil)
	s.spoolHeld(rest)
	s.spoolHeld(queued)
	for _, group := range [][]entry{rest, queued} {
		for i := range group {
			if group[i].seg != nil {
				s.closeSpooled++
			}
		}
	}
	if err := s.spool.close(); err != nil {
		s.report(err)
	}
}
