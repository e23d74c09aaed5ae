package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/metrics"
)

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush lets streaming handlers flush through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// instrument records request count, errors and duration per route pattern, turns a panic into
// a logged 500 instead of a dropped connection, and logs failed requests at Warn.
func instrument(next http.Handler, m *metrics.Metrics, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("handler panicked", "method", r.Method, "path", r.URL.Path,
					"panic", v)
				if rec.status == 0 {
					httperr.WriteError(rec, httperr.New(http.StatusInternalServerError,
						"internal error"))
				}
			}
			observe(r, rec.status, time.Since(start), m, log)
		}()
		next.ServeHTTP(rec, r)
	})
}

func observe(r *http.Request, status int, d time.Duration, m *metrics.Metrics, log *slog.Logger) {
	if status == 0 {
		status = http.StatusOK
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	m.Requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.RequestDuration.WithLabelValues(route).Observe(d.Seconds())
	if status < 400 {
		return
	}
	m.RequestErrors.WithLabelValues(route).Inc()
	level := slog.LevelDebug
	if status >= 500 {
		level = slog.LevelWarn
	}
	log.Log(r.Context(), level, "request failed", "method", r.Method, "path", truncate(r.URL.Path),
		"status", status, "remote_addr", r.RemoteAddr, "duration_ms", d.Milliseconds())
}

// truncate caps user-controlled text written to the log.
func truncate(s string) string {
	const maxLen = 200
	if len(s) <= maxLen {
		return s
	}
	return s[:maxLen] + "…"
}
