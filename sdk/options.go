package sdk

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Defaults of the [Logger] settings.
const (
	DefaultEndpoint       = "http://127.0.0.1:8585"
	DefaultQueueBytes     = 8 << 20
	DefaultBatchSize      = 256
	DefaultMaxBatchBytes  = 4 << 20
	DefaultFlushInterval  = time.Second
	DefaultRequestTimeout = 10 * time.Second
	DefaultMaxFieldBytes  = 1 << 20
	// MaxDepth is the deepest nesting of objects and arrays that a log keeps. Deeper
	// values are replaced by the string "[max depth]".
	MaxDepth = 64
)

// maxBatchLogs is the number of logs the server accepts in one batch request.
const maxBatchLogs = 1000

// minFlushInterval is the shortest flush interval: a shorter one keeps the sender's
// goroutine busy waking up while nothing is queued.
const minFlushInterval = time.Millisecond

// Environment variables read by [New]. Options passed to New take precedence over them.
const (
	EnvAPIKey        = "HELIOGRAPH_API_KEY"
	EnvEndpoint      = "HELIOGRAPH_ENDPOINT"
	EnvQueueBytes    = "HELIOGRAPH_QUEUE_BYTES"
	EnvBatchSize     = "HELIOGRAPH_BATCH_SIZE"
	EnvFlushInterval = "HELIOGRAPH_FLUSH_INTERVAL"
)

// OverflowPolicy selects which log is discarded when the queue is full. Logging calls never
// block on a full queue.
type OverflowPolicy int

const (
	// DropNewest discards the log being added. It is the default.
	DropNewest OverflowPolicy = iota
	// DropOldest discards the oldest logs still waiting in the queue to make room. Logs the
	// sender has already taken are kept; when they alone fill the queue, the new log is
	// discarded.
	DropOldest
)

// String returns the policy's name.
func (p OverflowPolicy) String() string {
	if p == DropOldest {
		return "drop_oldest"
	}
	return "drop_newest"
}

// Option configures a [Logger] in [New].
type Option func(*config)

// config holds the resolved settings of a Logger.
type config struct {
	apiKey   string
	endpoint string
	// endpointSource names where endpoint came from, for error messages.
	endpointSource string
	headers        map[string]string
	client         *http.Client
	queueBytes     int
	batchSize      int
	maxBatchBytes  int
	flushInterval  time.Duration
	requestTimeout time.Duration
	retry          RetryPolicy
	overflow       OverflowPolicy
	spoolDir       string
	onError        func(error)
	log            *slog.Logger
	compat         bool
	maxFieldBytes  int
	gzip           bool
	problems       []string
}

func (c *config) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// WithEndpoint sets the server's base URL, such as "https://logs.example.com". The
// default is "http://127.0.0.1:8585", or the value of HELIOGRAPH_ENDPOINT. [New] returns
// an error when the URL, from either source, is not an http or https URL.
func WithEndpoint(url string) Option {
	return func(c *config) { c.endpoint, c.endpointSource = url, "endpoint" }
}

// WithDefaultHeaders sets headers added to every log, such as
// "Helicone-Property-Environment". Helicone-* headers are sent with each log; other headers
// are sent on every HTTP request. Per-call headers take precedence. Default none.
func WithDefaultHeaders(h map[string]string) Option {
	return func(c *config) {
		c.headers = make(map[string]string, len(h))
		for k, v := range h {
			c.headers[k] = v
		}
	}
}

// WithHTTPClient sets the HTTP client used for delivery. The request timeout is applied
// through the request context, so the client needs no Timeout of its own. The default is a
// client owned by the Logger, with its own transport, closed by [Logger.Close]; it never
// uses http.DefaultClient.
func WithHTTPClient(client *http.Client) Option {
	return func(c *config) {
		if client == nil {
			c.problem("WithHTTPClient: nil client, using the default")
			return
		}
		c.client = client
	}
}

// WithQueueBytes caps the memory held by logs that are queued or being sent, counted as
// their encoded size. A single log is cut to fit. The default is 8 MiB, or the value of
// HELIOGRAPH_QUEUE_BYTES (a byte count).
func WithQueueBytes(n int) Option {
	return func(c *config) {
		if n < 64<<10 {
			c.problem("WithQueueBytes: %d is below 65536, using %d", n, c.queueBytes)
			return
		}
		c.queueBytes = n
	}
}

// WithBatchSize sets how many logs are sent in one request, and how many queued logs start
// a send before the flush interval ends. The range is 1 to 1000. The default is 256, or the
// value of HELIOGRAPH_BATCH_SIZE.
func WithBatchSize(n int) Option {
	return func(c *config) {
		if n < 1 || n > maxBatchLogs {
			c.problem("WithBatchSize: %d is outside 1..%d, using %d", n, maxBatchLogs,
				c.batchSize)
			return
		}
		c.batchSize = n
	}
}

// WithMaxBatchBytes caps the uncompressed size of one batch request. A single log larger
// than this is cut to fit. The default is 4 MiB, below the server's default limit of 32 MiB.
func WithMaxBatchBytes(n int) Option {
	return func(c *config) {
		if n < 64<<10 {
			c.problem("WithMaxBatchBytes: %d is below 65536, using %d", n, c.maxBatchBytes)
			return
		}
		c.maxBatchBytes = n
	}
}

// WithFlushInterval sets the longest time a log waits in the queue before a send starts.
// The default is 1s, or the value of HELIOGRAPH_FLUSH_INTERVAL (a Go duration such as
// "500ms").
func WithFlushInterval(d time.Duration) Option {
	return func(c *config) {
		if d < minFlushInterval {
			c.problem("WithFlushInterval: %s is below %s, using %s", d, minFlushInterval,
				c.flushInterval)
			return
		}
		c.flushInterval = d
	}
}

// WithRequestTimeout caps each HTTP attempt, from sending the request to reading the
// response. The default is 10s.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.problem("WithRequestTimeout: %s is not positive, using %s", d, c.requestTimeout)
			return
		}
		c.requestTimeout = d
	}
}

// WithRetry sets the retry policy. Zero fields take the values of [DefaultRetryPolicy].
func WithRetry(p RetryPolicy) Option {
	return func(c *config) {
		if p.MaxAttempts < 0 || p.InitialBackoff < 0 || p.MaxBackoff < 0 || p.MaxElapsed < 0 {
			c.problem("WithRetry: negative fields in %+v take their defaults", p)
		}
		c.retry = p.withDefaults()
	}
}

// WithOverflow sets what happens when the queue is full. The default is [DropNewest].
// Either way the logging call returns at once and the drop is counted in [Stats].Dropped
// and reported to the error handler as a [*DropError].
func WithOverflow(p OverflowPolicy) Option {
	return func(c *config) {
		if p != DropNewest && p != DropOldest {
			c.problem("WithOverflow: unknown policy %d, using %s", int(p), c.overflow)
			return
		}
		c.overflow = p
	}
}

// WithSpoolDir keeps logs that are not yet delivered in files under dir. Logs that run out
// of retries wait there instead of failing: the running Logger resends them once the
// server accepts requests again, and [Logger.Close] leaves the logs it could not send
// there. A Logger opened on the same directory sends them after a restart. The directory
// is created if needed and must not be shared by two running Loggers. Default none: logs
// live only in memory.
func WithSpoolDir(dir string) Option {
	return func(c *config) { c.spoolDir = dir }
}

// WithErrorHandler sets a function called with every delivery failure ([*DeliveryError]),
// every batch of drops ([*DropError]) and every spool failure ([*SpoolError]). It runs on
// the Logger's sender goroutine, so it must return quickly; a panic in it is recovered.
// Default none.
func WithErrorHandler(fn func(error)) Option {
	return func(c *config) { c.onError = fn }
}

// WithSlog sets the logger for the SDK's own diagnostics: retries, failures and invalid
// settings. The default discards them.
func WithSlog(log *slog.Logger) Option {
	return func(c *config) {
		if log != nil {
			c.log = log
		}
	}
}

// WithCompatMode sends each log on its own to the Helicone single-log routes
// (<endpoint>/custom/v1/log, /oai/v1/log, /anthropic/v1/log or /googleapis/v1/log by
// provider) in the JSON shape of the official JavaScript client, with the Helicone headers
// as HTTP headers, so that Helicone's own servers accept them. Bodies are not compressed.
// Unlike the JavaScript client, providerResponse.headers is always {}: the default headers
// are not copied into the body, where they would be stored with the log. Default false:
// logs go in gzip-compressed batches to <endpoint>/v1/log/batch.
func WithCompatMode(on bool) Option {
	return func(c *config) { c.compat = on }
}

// WithMaxFieldBytes caps the length of each string in a log, and of the copy kept of a
// wrapped stream. A longer string is replaced by {"truncated":true,"original_bytes":N,
// "prefix":"<first bytes>"}; a longer text body or stream copy is cut and ends in a
// "[truncated: N bytes total]" line. The default is 1 MiB.
func WithMaxFieldBytes(n int) Option {
	return func(c *config) {
		if n < 256 {
			c.problem("WithMaxFieldBytes: %d is below 256, using %d", n, c.maxFieldBytes)
			return
		}
		c.maxFieldBytes = n
	}
}

// WithGzip turns compression of batch requests on or off. The default is on.
func WithGzip(on bool) Option {
	return func(c *config) { c.gzip = on }
}

// loadConfig applies defaults, then the environment, then opts.
func loadConfig(apiKey string, opts []Option) *config {
	c := &config{
		apiKey:         apiKey,
		endpoint:       DefaultEndpoint,
		endpointSource: "endpoint",
		queueBytes:     DefaultQueueBytes,
		batchSize:      DefaultBatchSize,
		maxBatchBytes:  DefaultMaxBatchBytes,
		flushInterval:  DefaultFlushInterval,
		requestTimeout: DefaultRequestTimeout,
		retry:          DefaultRetryPolicy(),
		maxFieldBytes:  DefaultMaxFieldBytes,
		gzip:           true,
		log:            slog.New(slog.DiscardHandler),
	}
	// Spaces around a key come from copying it; no key has them.
	if c.apiKey = strings.TrimSpace(c.apiKey); c.apiKey == "" {
		c.apiKey = strings.TrimSpace(os.Getenv(EnvAPIKey))
	}
	c.loadEnv()
	for _, opt := range opts {
		if opt != nil {
			opt(c)
		}
	}
	return c
}

// loadEnv reads the environment variables. An empty variable counts as unset. Invalid
// values keep the default and are recorded as problems.
func (c *config) loadEnv() {
	// An invalid endpoint is not replaced by the default, because logs sent to the wrong
	// server would be lost: New reports it.
	if v := strings.TrimSpace(os.Getenv(EnvEndpoint)); v != "" {
		c.endpoint, c.endpointSource = v, EnvEndpoint
	}
	if v := os.Getenv(EnvQueueBytes); strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 64<<10 {
			c.problem("%s=%q: want a byte count of at least 65536, using %d",
				EnvQueueBytes, v, c.queueBytes)
		} else {
			c.queueBytes = n
		}
	}
	if v := os.Getenv(EnvBatchSize); strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > maxBatchLogs {
			c.problem("%s=%q: want a count in 1..%d, using %d",
				EnvBatchSize, v, maxBatchLogs, c.batchSize)
		} else {
			c.batchSize = n
		}
	}
	if v := os.Getenv(EnvFlushInterval); strings.TrimSpace(v) != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < minFlushInterval {
			c.problem("%s=%q: want a Go duration of at least %s, such as 1s, using %s",
				EnvFlushInterval, v, minFlushInterval, c.flushInterval)
		} else {
			c.flushInterval = d
		}
	}
}

// maxLogBytes is the largest encoded log the queue and a batch can take.
func (c *config) maxLogBytes() int {
	return min(c.maxBatchBytes, c.queueBytes)
}
