// Package server assembles the HTTP server: ingest, read API, dashboard, health checks and
// metrics over one store.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/heliograph/heliograph/internal/api"
	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/ingest"
	"github.com/heliograph/heliograph/internal/metrics"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/web"
)

// Options configures a [Server].
type Options struct {
	// MaxBodyBytes and MaxBatchBytes limit ingest bodies after decompression.
	MaxBodyBytes  int64
	MaxBatchBytes int64
	// KeyCacheTTL is how long a resolved API key is trusted without reading the store.
	KeyCacheTTL time.Duration
	// ShutdownTimeout bounds the drain of in-flight requests on shutdown.
	ShutdownTimeout time.Duration
	// ReadTimeout bounds the reading of one request, body included; zero means 60 seconds.
	// A request whose body has not arrived by then gets 408.
	ReadTimeout time.Duration
	Logger      *slog.Logger
	// Registry receives the metrics; nil makes a new one.
	Registry *prometheus.Registry
}

// Server serves every HTTP route over one store. It owns the group-commit writer; the caller
// owns the store and closes it after [Server.Run] returns.
type Server struct {
	store   store.Store
	opts    Options
	log     *slog.Logger
	writer  *ingest.Writer
	auth    *auth.Authenticator
	api     *api.Handler
	web     *web.Handler
	handler http.Handler
}

// New builds the server and starts its writer goroutine; Run or Close stops it.
func New(st store.Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 60 * time.Second
	}
	m := metrics.New(opts.Registry)
	s := &Server{store: st, opts: opts, log: opts.Logger}
	s.writer = ingest.NewWriter(st, ingest.WriterOptions{Logger: opts.Logger, Metrics: m})
	metrics.RegisterQueueDepth(opts.Registry, func() float64 {
		return float64(s.writer.QueueDepth())
	})
	s.auth = auth.NewAuthenticator(st, opts.KeyCacheTTL)

	mux := http.NewServeMux()
	ingest.NewHandler(s.writer, ingest.Options{
		MaxBodyBytes:  opts.MaxBodyBytes,
		MaxBatchBytes: opts.MaxBatchBytes,
		Logger:        opts.Logger,
		Metrics:       m,
	}).Register(mux, s.auth)
	s.api = api.NewHandler(st, opts.Logger)
	s.api.Register(mux, s.auth)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.auth.Require(store.ScopeRead,
		promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})))
	s.web = web.New(st, web.Options{Logger: opts.Logger})
	s.web.Register(mux)
	// Paths that neither the API nor the dashboard serve, such as unknown /v1/ routes, and
	// methods that a served path does not take.
	mux.HandleFunc("/", noRoute(mux))
	s.handler = instrument(mux, m, opts.Logger)
	return s
}

// Handler returns the root handler, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves on ln until ctx ends, then stops accepting connections, waits up to
// ShutdownTimeout for in-flight requests and commits everything queued.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.opts.ReadTimeout,
		// Longer than ReadTimeout, so that a client whose body did not arrive in time still
		// gets its 408.
		WriteTimeout:   s.opts.ReadTimeout + 10*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Live-tail streams never go idle, so Shutdown would wait for them until its deadline.
	srv.RegisterOnShutdown(s.api.CloseStreams)
	srv.RegisterOnShutdown(s.web.CloseStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		s.writer.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	start := time.Now()
	s.log.Info("shutting down", "timeout_ms", s.opts.ShutdownTimeout.Milliseconds())
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	s.log.Info("http server stopped", "duration_ms", time.Since(start).Milliseconds())

	s.writer.Close()
	s.log.Info("writer drained", "duration_ms", time.Since(start).Milliseconds())
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Close stops the writer of a server that was never Run.
func (s *Server) Close() { s.writer.Close() }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	httperr.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("store not ready", "error", err)
		httperr.WriteJSON(w, http.StatusServiceUnavailable,
			map[string]string{"status": "unavailable", "error": "store unavailable"})
		return
	}
	// The failed commit logged its error. This route needs no key, so the response does not
	// repeat it.
	if s.writer.Failing(time.Now()) {
		httperr.WriteJSON(w, http.StatusServiceUnavailable,
			map[string]string{"status": "unavailable", "error": "commits are failing"})
		return
	}
	httperr.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// routeMethods are the methods that noRoute tries on a path that mux has no route for.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete}

// noRoute handles the requests that no other pattern of mux matches: 405 with an Allow
// header when the path takes other methods, and 404 otherwise.
func noRoute(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		probe := *r // mux.Handler reads only the method, host and path.
		for _, m := range routeMethods {
			probe.Method = m
			if _, pattern := mux.Handler(&probe); m != r.Method && pattern != "" &&
				pattern != "/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			httperr.WriteError(w, httperr.New(http.StatusMethodNotAllowed,
				"method %s is not allowed on %s; allowed: %s", r.Method, truncate(r.URL.Path),
				strings.Join(allowed, ", ")))
			return
		}
		httperr.WriteError(w, httperr.New(http.StatusNotFound, "no route for %s %s", r.Method,
			truncate(r.URL.Path)))
	}
}
