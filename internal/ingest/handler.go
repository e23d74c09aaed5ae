package ingest

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/metrics"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Default limits.
const (
	DefaultMaxBodyBytes  = 10 << 20
	DefaultMaxBatchBytes = 32 << 20
	// MaxBatchLogs is the most logs one batch request may carry.
	MaxBatchLogs = 1000
)

// Options configures a [Handler].
type Options struct {
	// MaxBodyBytes limits a single-log body after decompression; default 10 MiB.
	MaxBodyBytes int64
	// MaxBatchBytes limits a batch body after decompression; default 32 MiB.
	MaxBatchBytes int64
	// MaxDepth limits JSON nesting; 0 means the decoder's default.
	MaxDepth int
	Logger   *slog.Logger
	Metrics  *metrics.Metrics
}

// Handler serves the ingest routes. Safe for concurrent use.
type Handler struct {
	writer *Writer
	opts   Options
	log    *slog.Logger
}

// singleRoutes maps every single-log path to the provider it assigns. The Helicone worker
// routes assign a provider by path; the self-hosted trace routes are always CUSTOM.
var singleRoutes = map[string]string{
	"/custom/v1/log":             record.ProviderCustom,
	"/oai/v1/log":                record.ProviderOpenAI,
	"/anthropic/v1/log":          record.ProviderAnthropic,
	"/googleapis/v1/log":         record.ProviderGoogle,
	"/v1/trace/custom/log":       record.ProviderCustom,
	"/v1/trace/custom/v1/log":    record.ProviderCustom,
	"/v1/trace/custom/log/typed": record.ProviderCustom,
}

// NewHandler returns a Handler that commits through w.
func NewHandler(w *Writer, opts Options) *Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{writer: w, opts: opts, log: opts.Logger}
}

// Register adds the ingest routes to mux, each wrapped by authenticate for the write scope.
func (h *Handler) Register(mux *http.ServeMux, a *auth.Authenticator) {
	for path, provider := range singleRoutes {
		mux.Handle("POST "+path, a.Require(store.ScopeWrite, h.single(path, provider)))
	}
	mux.Handle("POST /v1/log/batch", a.Require(store.ScopeWrite, http.HandlerFunc(h.batch)))
}

type singleResponse struct {
	ID        string `json:"id"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

func (h *Handler) single(path, provider string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		buf, err := readBody(w, r, h.opts.MaxBodyBytes)
		if err != nil {
			h.reject(w, r, path, err)
			return
		}
		defer releaseBody(buf)

		rec, err := record.Decode(buf.Bytes(), r.Header, record.Options{
			Provider: provider,
			Path:     path,
			MaxDepth: h.opts.MaxDepth,
		})
		if err != nil {
			h.reject(w, r, path, decodeError(err))
			return
		}
		rec.ProjectID = p.ProjectID

		statuses, err := h.writer.Write(r.Context(), []*record.Record{rec})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Helicone-Id", rec.RequestID)
		httperr.WriteJSON(w, http.StatusOK, singleResponse{
			ID:        rec.RequestID,
			Duplicate: statuses[0] == store.Duplicate,
		})
	})
}

// reject answers a bad request. Rejections are counted, not logged one by one: a client with
// a bug could otherwise flood the log.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, route string, err error) {
	if h.opts.Metrics != nil {
		h.opts.Metrics.LogsRejected.WithLabelValues(route).Inc()
	}
	h.log.Debug("log rejected", "path", r.URL.Path, "error", err)
	httperr.WriteError(w, err)
}

// fail answers a request whose records could not be committed.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Warn("store write failed", "path", r.URL.Path, "error", err)
	httperr.WriteError(w, httperr.Wrap(http.StatusServiceUnavailable,
		"store unavailable: the log was not stored, retry later", err))
}

// decodeError turns a decoder error into a 400 that names the field and the problem.
func decodeError(err error) error {
	if _, ok := errors.AsType[*record.Error](err); ok {
		return httperr.New(http.StatusBadRequest, "%s", err.Error())
	}
	return httperr.Wrap(http.StatusBadRequest, "invalid log body", err)
}
