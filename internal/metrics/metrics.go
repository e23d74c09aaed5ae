// Package metrics defines the server's Prometheus metrics. Every metric is registered on a
// registry passed in by the caller; nothing is registered globally.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the server's collectors. Safe for concurrent use.
type Metrics struct {
	Requests        *prometheus.CounterVec
	RequestErrors   *prometheus.CounterVec
	RequestDuration *prometheus.HistogramVec

	LogsStored     prometheus.Counter
	LogsDuplicate  prometheus.Counter
	LogsRejected   *prometheus.CounterVec
	CommitBatch    prometheus.Histogram
	CommitDuration prometheus.Histogram
	CommitErrors   prometheus.Counter
}

// New creates the collectors and registers them, with the Go runtime and process collectors,
// on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "heliograph_http_requests_total",
			Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "code"}),
		RequestErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "heliograph_http_request_errors_total",
			Help: "HTTP requests answered with a status of 400 or more, by route.",
		}, []string{"route"}),
		RequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "heliograph_http_request_duration_seconds",
			Help:    "Time from reading the request line to writing the response, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		LogsStored: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "heliograph_logs_stored_total",
			Help: "Logs committed to the store.",
		}),
		LogsDuplicate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "heliograph_logs_duplicate_total",
			Help: "Logs not stored because their request id was already stored in the project.",
		}),
		LogsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "heliograph_logs_rejected_total",
			Help: "Logs rejected as invalid, by route.",
		}, []string{"route"}),
		CommitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "heliograph_commit_batch_logs",
			Help:    "Logs per store transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048},
		}),
		CommitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "heliograph_commit_duration_seconds",
			Help:    "Time to commit one store transaction.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		CommitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "heliograph_commit_errors_total",
			Help: "Store transactions that failed; their requests were answered 503.",
		}),
	}
	reg.MustRegister(
		m.Requests, m.RequestErrors, m.RequestDuration,
		m.LogsStored, m.LogsDuplicate, m.LogsRejected,
		m.CommitBatch, m.CommitDuration, m.CommitErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// RegisterQueueDepth registers a gauge that reads the writer's queue depth on every scrape.
func RegisterQueueDepth(reg prometheus.Registerer, depth func() float64) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "heliograph_writer_queue_depth",
		Help: "Ingest requests waiting for the next store commit.",
	}, depth))
}
