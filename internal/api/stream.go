package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/store"
)

// Live-tail limits. The server keeps at most maxStreams streams open, and at most
// maxProjectStreams of them for one project. Each stream polls the store every streamPoll and
// reads at most tailPagesPerPoll pages of tailPageSize logs per poll, so one stream sends at
// most 2,000 logs a second. A client that falls further behind catches up over later polls.
const (
	maxStreams         = 64
	maxProjectStreams  = 16
	streamPoll         = 500 * time.Millisecond
	streamKeepAlive    = 15 * time.Second
	tailPageSize       = 100
	tailPagesPerPoll   = 10
	streamWriteTimeout = 30 * time.Second
)

// errClientGone reports a failed write to a stream: the client left or stopped reading.
var errClientGone = errors.New("stream client gone")

// tailStream is one open live-tail stream.
type tailStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	agg     Aggregates
	project string
	filter  filter.Expr
	pos     int64
	// checkKey reports whether the stream's key is still valid; see [Handler.keyCheck].
	checkKey func(context.Context) error
}

// stream serves GET /v1/stream?q=: server-sent events of the logs stored after the stream
// opened that match the filter-language expression q. Each log is an event "log" whose data
// is the request row without bodies. A reconnecting client that sends Last-Event-ID, or the
// after parameter, resumes after that position. The stream opens with a comment line and the
// start position as an event id. A comment is sent every 15 seconds while nothing else is.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	agg, err := h.aggregates()
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	f, err := parseFilterParam(r.URL.Query().Get("q"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.streams.acquire(p.ProjectID); err != nil {
		h.writeError(w, r, err)
		return
	}
	defer h.streams.release(p.ProjectID)

	s := &tailStream{w: w, rc: http.NewResponseController(w), agg: agg, project: p.ProjectID,
		filter: f}
	s.checkKey = h.keyCheck(r, p)
	if s.pos, err = h.startPosition(r, agg, p.ProjectID); err != nil {
		h.writeError(w, r, err)
		return
	}
	// The server's read and write timeouts would end the stream; it is bounded by the client
	// instead, and each write gets its own deadline.
	_ = s.rc.SetReadDeadline(time.Time{})
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	// The opening block carries the start position as an event id without data, so a client
	// whose connection drops before the first log resumes from there and misses nothing.
	// EventSource dispatches no event for a block without data.
	if err := s.send(": stream open\nid: " + strconv.FormatInt(s.pos, 10) + "\n\n"); err != nil {
		return
	}
	if err := h.runStream(r.Context(), s); err != nil {
		h.log.Warn("stream ended", "path", r.URL.Path, "error", err)
	}
}

// startPosition returns the position to stream after: Last-Event-ID or the after parameter
// when given, else the newest stored log.
func (h *Handler) startPosition(r *http.Request, agg Aggregates, projectID string) (int64,
	error) {
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if v == "" {
			continue
		}
		pos, err := strconv.ParseInt(v, 10, 64)
		if err != nil || pos < 0 {
			return 0, httperr.New(http.StatusBadRequest,
				"after: %q must be a position sent as an event id", v)
		}
		return pos, nil
	}
	pos, err := agg.TailPosition(r.Context(), projectID)
	if err != nil {
		return 0, storeError(err, "stream")
	}
	return pos, nil
}

// runStream polls until the client goes away, the handler closes its streams or a write
// fails. Only store failures are returned; a client that leaves is not an error.
func (h *Handler) runStream(ctx context.Context, s *tailStream) error {
	poll := time.NewTicker(streamPoll)
	defer poll.Stop()
	keepAlive := time.NewTicker(streamKeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.stop:
			return nil
		case <-keepAlive.C:
			if s.send(": keep-alive\n\n") != nil {
				return nil
			}
		case <-poll.C:
			if err := s.checkKey(ctx); err != nil {
				return s.endForKey(ctx, err)
			}
			sent, err := s.poll(ctx)
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, errClientGone) {
					return nil
				}
				text := "store unavailable"
				if errors.Is(err, store.ErrInvalidQuery) {
					text = err.Error() // Names the filter's problem, never stored data.
				}
				msg, _ := json.Marshal(map[string]string{"error": text})
				_ = s.send("event: error\ndata: " + string(msg) + "\n\n")
				return err
			}
			if sent {
				keepAlive.Reset(streamKeepAlive)
			}
		}
	}
}

// poll sends the logs stored since the last poll, at most tailPagesPerPoll pages of them.
// It returns whether anything was written; a failed write returns errClientGone.
func (s *tailStream) poll(ctx context.Context) (bool, error) {
	sent := false
	for range tailPagesPerPoll {
		recs, next, err := s.agg.Tail(ctx, s.project, store.TailQuery{Filter: s.filter,
			After: s.pos, Limit: tailPageSize})
		if err != nil {
			return sent, fmt.Errorf("tail after %d: %w", s.pos, err)
		}
		for i, rec := range recs {
			rec.RequestBody, rec.ResponseBody, rec.ResponseRaw = nil, nil, nil
			data, err := json.Marshal(newRow(rec, false))
			if err != nil {
				return sent, fmt.Errorf("encode log %s: %w", rec.RequestID, err)
			}
			// Only the last event of a page carries the position: resuming from it skips
			// nothing, and resuming from an earlier page repeats logs rather than losing them.
			event := "event: log\n"
			if i == len(recs)-1 {
				event += "id: " + strconv.FormatInt(next, 10) + "\n"
			}
			if err := s.send(event + "data: " + string(data) + "\n\n"); err != nil {
				return sent, fmt.Errorf("%w: %w", errClientGone, err)
			}
			sent = true
		}
		s.pos = next
		if len(recs) < tailPageSize {
			break
		}
	}
	return sent, nil
}

// send writes one event or comment and flushes it, within streamWriteTimeout.
func (s *tailStream) send(text string) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := io.WriteString(s.w, text); err != nil {
		return err
	}
	return s.rc.Flush()
}
