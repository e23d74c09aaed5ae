package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Live-tail limits. A stream polls the store every livePoll and sends at most liveBatch logs
// per poll; a client further behind catches up over later polls.
const (
	maxLiveStreams   = 32
	livePoll         = time.Second
	liveKeepAlive    = 15 * time.Second
	liveBatch        = 100
	liveWriteTimeout = 30 * time.Second
)

// liveRow is the data of one "log" event: the columns of a requests-table row, no bodies.
// StatusText, Error and Preview are the texts the server-rendered table shows.
type liveRow struct {
	ID          string            `json:"id"`
	Time        string            `json:"time"`
	Status      int64             `json:"status"`
	StatusText  string            `json:"status_text"`
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	Latency     string            `json:"latency"`
	TTFT        string            `json:"ttft"`
	User        string            `json:"user"`
	SessionID   string            `json:"session_id"`
	SessionName string            `json:"session_name"`
	Properties  map[string]string `json:"properties"`
	Error       string            `json:"error"`
	Preview     string            `json:"preview"`
}

// newLiveRow returns the event data of rec, with the texts of the requests table's row.
func newLiveRow(rec *record.Record) liveRow {
	row := newRowView(rec)
	return liveRow{ID: rec.RequestID, Time: formatTime(rec.CreatedAt), Status: rec.Status,
		StatusText: statusText(rec.Status), Kind: rec.Kind, Name: record.NameOf(rec.Kind, rec.Model),
		Latency: formatMs(rec.LatencyMs), TTFT: formatMs(rec.TimeToFirstTokenMs),
		User: rec.UserID, SessionID: rec.SessionID, SessionName: rec.SessionName,
		Properties: rec.Properties, Error: row.Error, Preview: row.Preview}
}

// live serves GET /live?q=: server-sent events of the logs stored after the stream opened
// that match q, for the live mode of the requests page. It is the dashboard's counterpart of
// /v1/stream, authenticated by the session cookie instead of an API key.
func (h *Handler) live(w http.ResponseWriter, r *http.Request, ws webSession) {
	f, fe := parseFilter(r.URL.Query().Get("q"), h.now())
	if fe != nil {
		http.Error(w, "invalid filter: "+fe.Message, http.StatusBadRequest)
		return
	}
	select {
	case h.streams <- struct{}{}:
		defer func() { <-h.streams }()
	default:
		http.Error(w, "too many open live streams; retry later", http.StatusServiceUnavailable)
		return
	}
	pos, err := h.store.TailPosition(r.Context(), ws.principal.ProjectID)
	if err != nil {
		h.log.Warn("live tail failed", "error", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}

	rc := http.NewResponseController(w)
	// The server's read timeout would end the stream; each write gets its own deadline.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(text string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
		return rc.Flush()
	}
	if send(": open\n\n") != nil {
		return
	}
	if err := h.runLive(r, ws, f, pos, send); err != nil {
		h.log.Warn("live tail ended", "error", err)
	}
}

// runLive polls until the client leaves, the handler closes its streams, the session ends or
// its key is revoked, or the store fails. The session and its key are checked before every
// poll, so no log stored after a revocation is sent.
func (h *Handler) runLive(r *http.Request, ws webSession, f filter.Expr, pos int64,
	send func(string) error) error {
	ctx, project := r.Context(), ws.principal.ProjectID
	poll := time.NewTicker(livePoll)
	defer poll.Stop()
	keepAlive := time.NewTicker(liveKeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.stop:
			return nil
		case <-keepAlive.C:
			if send(": keep-alive\n\n") != nil {
				return nil
			}
		case <-poll.C:
			if !h.sessions.alive(ws.id) {
				return nil
			}
			if valid, err := h.keyStillValid(r, ws); err != nil || !valid {
				return err
			}
			recs, next, err := h.store.Tail(ctx, project, store.TailQuery{Filter: f, After: pos,
				Limit: liveBatch})
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("tail after %d: %w", pos, err)
			}
			pos = next
			for _, rec := range recs {
				data, err := json.Marshal(newLiveRow(rec))
				if err != nil {
					return fmt.Errorf("encode log %s: %w", rec.RequestID, err)
				}
				if err := send("event: log\nid: " + strconv.FormatInt(next, 10) + "\ndata: " +
					string(data) + "\n\n"); err != nil {
					return nil
				}
			}
		}
	}
}
