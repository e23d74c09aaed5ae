// Package web serves the dashboard: server-rendered HTML pages over the store, signed in with
// an API key that is exchanged for a server-side session held in memory.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Store is the part of the store the dashboard reads. Every [store.Store] implements it.
type Store interface {
	store.Aggregator
	KeyByHash(ctx context.Context, hash []byte) (store.Key, error)
	GetLog(ctx context.Context, projectID, requestID string) (*record.Record, error)
	QueryLogs(ctx context.Context, projectID string, q store.LogQuery) ([]*record.Record, error)
}

var _ Store = store.Store(nil)

// Options configures a [Handler].
type Options struct {
	// SessionIdle is how long a signed-in session lasts without a request; 0 means 12 hours.
	SessionIdle time.Duration
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Handler serves the dashboard pages, its static assets and its live-tail stream. Safe for
// concurrent use. Sessions live in the Handler's memory, so a restart signs everyone out.
type Handler struct {
	store    Store
	log      *slog.Logger
	now      func() time.Time
	sessions *sessionStore
	pages    *pageSet
	// loginKey is the HMAC key of the sign-in form tokens. It is random for each process, so
	// a restart expires the open sign-in forms.
	loginKey []byte
	// streams limits the open live-tail streams; stop ends them on [Handler.CloseStreams].
	streams  chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
}

// New returns a Handler over st.
func New(st Store, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = defaultSessionIdle
	}
	return &Handler{
		store:    st,
		log:      opts.Logger,
		now:      opts.Now,
		sessions: newSessionStore(opts.SessionIdle, opts.Now),
		pages:    mustParsePages(),
		streams:  make(chan struct{}, maxLiveStreams),
		stop:     make(chan struct{}),
		loginKey: newLoginKey(),
	}
}

// CloseStreams ends every open live-tail stream and makes new ones end at once. A server
// calls it when it starts shutting down, because a stream never goes idle on its own.
func (h *Handler) CloseStreams() {
	h.stopOnce.Do(func() { close(h.stop) })
}

// Register adds the dashboard routes to mux. Static assets are public; every page needs a
// signed-in session and redirects to /login without one. The metrics page is /stats because
// /metrics is the Prometheus endpoint.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/", h.secure(staticHandler()))
	mux.Handle("GET /login", h.secure(http.HandlerFunc(h.loginPage)))
	// Forms post only from this origin: a browser request from another origin, another port
	// of the same host included, is rejected by its Origin or Sec-Fetch-Site header.
	sameOrigin := http.NewCrossOriginProtection()
	mux.Handle("POST /login", h.secure(sameOrigin.Handler(http.HandlerFunc(h.login))))
	mux.Handle("POST /logout", h.secure(sameOrigin.Handler(h.signedIn(h.logout))))

	mux.Handle("GET /{$}", h.secure(h.signedIn(h.requestsPage)))
	mux.Handle("GET /requests", h.secure(h.signedIn(h.requestsPage)))
	mux.Handle("GET /requests/{$}", h.secure(redirectTo("/requests")))
	mux.Handle("GET /requests/{id}", h.secure(h.signedIn(h.logPage)))
	mux.Handle("GET /sessions", h.secure(h.signedIn(h.sessionsPage)))
	mux.Handle("GET /sessions/{$}", h.secure(redirectTo("/sessions")))
	mux.Handle("GET /sessions/{id}", h.secure(h.signedIn(h.sessionPage)))
	mux.Handle("GET /properties", h.secure(h.signedIn(h.propertiesPage)))
	mux.Handle("GET /users", h.secure(h.signedIn(h.usersPage)))
	mux.Handle("GET /stats", h.secure(h.signedIn(h.statsPage)))
	mux.Handle("GET /live", h.secure(h.signedIn(h.live)))
}

// redirectTo sends a request to path with its query kept. It serves the list paths with a
// trailing slash, such as /requests/, which name no log or session.
func redirectTo(path string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := path
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}
