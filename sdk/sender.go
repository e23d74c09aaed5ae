package sdk

import (
	"bytes"
	"compress/gzip"
	"context"
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

// sender is the single goroutine that owns delivery: it takes logs from the queue, writes
// them to the spool, sends them, retries them and resends the logs waiting in the spool.
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
	closeCh chan struct{}
	// closeAt is set by Close before it closes closeCh.
	closeAt time.Time
	done    chan struct{}

	// closing is set once the sender has seen closeCh closed. From then on every attempt
	// ends by closeBy, closeAt plus MaxElapsed.
	closing bool
	closeBy time.Time

	// current contains the logs taken from the queue or the spool. current[pos:] are unresolved.
	current []entry
	pos     int
	// fromSpool is true when current was read from the spool.
	fromSpool bool

	// healthy is false after a delivery ran out of retries, until a request succeeds. While
	// it is false, spooled logs are resent only as single-attempt probes: one at each
	// resendAt, with resendDelay doubling up to MaxBackoff.
	healthy     bool
	resendAt    time.Time
	resendDelay time.Duration

	gz        *gzip.Writer
	body      bytes.Buffer
	resp      bytes.Buffer
	batchURL  string
	compatURL map[Provider]string

	dropsToWarn  int64
	lastDropWarn time.Time

	// spoolLeft is the number of logs waiting in the spool when the sender stopped, read by
	// Close after done is closed.
	spoolLeft int
}

func newSender(l *Logger, client *http.Client, sp *spool) *sender {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sender{
		l:           l,
		cfg:         l.cfg,
		log:         l.cfg.log,
		client:      client,
		spool:       sp,
		ctx:         ctx,
		cancel:      cancel,
		signal:      make(chan struct{}, 1),
		closeCh:     make(chan struct{}),
		done:        make(chan struct{}),
		healthy:     true,
		resendDelay: l.cfg.retry.InitialBackoff,
		batchURL:    l.cfg.endpoint + batchPath,
		compatURL:   compatURLs(l.cfg.endpoint),
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
		select {
		case <-s.signal:
		case <-timer.C:
		case <-s.closeCh:
		case <-s.ctx.Done():
			return
		}
		s.drain()
		// A drain that saw Close took the queue after Close stopped accepting logs, so
		// nothing is left for another one.
		if s.closing || s.ctx.Err() != nil {
			return
		}
		timer.Reset(s.cfg.flushInterval)
	}
}

// checkClosing notices a Close call and starts the shared close deadline.
func (s *sender) checkClosing() {
	if s.closing {
		return
	}
	select {
	case <-s.closeCh:
		s.closing = true
		s.closeBy = s.closeAt.Add(s.cfg.retry.MaxElapsed)
		// Close tries the spool once more, even when a probe failed a moment ago.
		s.resendAt = time.Time{}
	default:
	}
}

// drain sends everything held, queued or due for a resend from the spool, batch by batch,
// until none is left, the sender is stopped, or the close deadline has passed.
func (s *sender) drain() {
	s.reportDrops()
	for s.ctx.Err() == nil {
		s.checkClosing()
		if s.closing && !time.Now().Before(s.closeBy) {
			break
		}
		if s.pos == len(s.current) && !s.refill() {
			break
		}
		n := s.nextBatchLen()
		batch := s.current[s.pos : s.pos+n]
		if !s.deliver(batch) {
			break
		}
		s.resolve(batch)
		s.pos += n
		if s.fromSpool && !s.healthy {
			// The probe failed: the rest of the segment waits for the next one.
			s.keepRest()
		}
	}
	s.reportDrops()
}

// refill replaces the resolved held logs with the next waiting spool segment, when a
// resend is due, or else with the queue. It returns false when there is nothing to send.
func (s *sender) refill() bool {
	old := s.current
	clear(old)
	s.current, s.pos = nil, 0

	queued := s.l.queueLen() > 0
	if s.spool != nil && s.spool.hasWaiting() && s.resendDue(queued) {
		entries, err := s.spool.loadNext()
		if err != nil {
			s.report(err)
		}
		s.updateSpoolGauge()
		if len(entries) > 0 {
			s.current, s.fromSpool = entries, true
			s.l.addReplayed(entries)
			return true
		}
	}

	s.fromSpool = false
	s.current = s.l.take(old[:0])
	if len(s.current) == 0 {
		return false
	}
	if s.spool != nil {
		s.spoolHeld(s.current)
	}
	return true
}

// resendDue reports whether the next batch should come from the spool. While the server
// accepts requests, spool segments and the queue take turns. Otherwise a single-attempt
// probe is sent when the queue is empty and the probe delay has passed.
func (s *sender) resendDue(queued bool) bool {
	if s.healthy {
		return !queued || !s.fromSpool
	}
	return !queued && !time.Now().Before(s.resendAt)
}

// markHealthy records that the server accepted a request.
func (s *sender) markHealthy() {
	s.healthy = true
	s.resendDelay = s.cfg.retry.InitialBackoff
}

// markUnhealthy records a delivery that ran out of retries and schedules the next probe.
func (s *sender) markUnhealthy() {
	s.healthy = false
	s.resendAt = time.Now().Add(s.resendDelay)
	s.resendDelay = min(2*s.resendDelay, s.cfg.retry.MaxBackoff)
}

// keepRest puts the unsent rest of a spool segment back in the spool.
func (s *sender) keepRest() {
	rest := s.current[s.pos:]
	for i := range rest {
		rest[i].state = stateKept
	}
	s.resolve(rest)
	s.pos = len(s.current)
}

// spoolHeld writes logs not yet in the spool to it.
func (s *sender) spoolHeld(entries []entry) {
	var firstErr error
	for i := range entries {
		en := &entries[i]
		if en.seg != nil || en.state != statePending {
			continue
		}
		if err := s.spool.append(en); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if err := s.spool.flush(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		s.report(firstErr)
	}
}

// nextBatchLen returns how many held logs form the next request.
func (s *sender) nextBatchLen() int {
	if s.cfg.compat {
		return 1
	}
	n, size := 0, len(`{"logs":[]}`)
	for s.pos+n < len(s.current) && n < s.cfg.batchSize {
		sz := len(s.current[s.pos+n].item) + 1
		if n > 0 && size+sz > s.cfg.maxBatchBytes {
			break
		}
		size += sz
		n++
	}
	return n
}

// resolve applies the final states of logs the sender held: it updates their spool
// segments, the counters and the Flush calls waiting for them.
func (s *sender) resolve(batch []entry) {
	if s.spool != nil {
		var firstErr error
		for i := range batch {
			if err := s.spool.settle(&batch[i]); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		if err := s.spool.sealKept(); err != nil && firstErr == nil {
			firstErr = err
		}
		if firstErr != nil {
			s.report(firstErr)
		}
		s.updateSpoolGauge()
	}
	done := s.l.release(batch)
	if len(done) > 0 {
		s.syncSpool()
		for _, w := range done {
			close(w.done)
		}
	}
}

func (s *sender) updateSpoolGauge() {
	s.l.stats.spooled.Store(int64(s.spool.waitingCount))
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

// stop runs when the sender exits. Every log still unresolved, held or queued, is kept in
// the spool when there is one, and otherwise counted as failed. Spool segments are then
// sealed, so that the next Logger opened on the directory sends only undelivered logs.
func (s *sender) stop() {
	s.cancel()
	rest := s.current[s.pos:]
	queued := s.l.take(nil)
	if s.spool != nil {
		s.spoolHeld(queued)
	}
	for _, group := range [][]entry{rest, queued} {
		for i := range group {
			en := &group[i]
			switch {
			case en.state != statePending:
			case en.seg != nil:
				en.state = stateKept
			default:
				en.state = stateFailed
			}
		}
		s.resolve(group)
	}
	s.current, s.pos = nil, 0
	if s.spool == nil {
		return
	}
	if err := s.spool.close(); err != nil {
		s.report(err)
	}
	s.updateSpoolGauge()
	s.spoolLeft = s.spool.waitingCount
	if s.spoolLeft > 0 {
		s.log.Warn("logs kept in the spool", "logs", s.spoolLeft, "dir", s.spool.dir)
	}
}
