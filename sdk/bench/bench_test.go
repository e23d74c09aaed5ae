package bench

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heliograph/heliograph/sdk"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// discardServer responds to every batch request with one "stored" result per log, as the
// server does, without decoding the logs themselves.
func discardServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		var batch struct {
			Logs []json.RawMessage `json:"logs"`
		}
		if err := json.NewDecoder(body).Decode(&batch); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		results := make([]string, len(batch.Logs))
		for i := range results {
			results[i] = fmt.Sprintf(`{"index":%d,"status":"stored"}`, i)
		}
		_, _ = io.WriteString(w, `{"results":[`+strings.Join(results, ",")+`]}`)
	}))
}

func benchmarkLogRequest(b *testing.B, gzip bool) {
	srv := discardServer()
	defer srv.Close()
	l, err := sdk.New("bench-key", sdk.WithEndpoint(srv.URL), sdk.WithQueueBytes(512<<20),
		sdk.WithBatchSize(1000), sdk.WithGzip(gzip))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	op := func(context.Context, *sdk.Recorder) (any, error) { return nil, nil }

	b.ReportAllocs()
	for b.Loop() {
		_, _ = l.LogRequest(ctx, sdk.Map{"model": "m", "prompt": "hello", "temperature": 0.5,
			"max_tokens": 64, "user": "u-1"}, op)
	}
	b.StopTimer()

	closeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := l.Close(closeCtx); err != nil {
		b.Fatal(err)
	}
	st := l.Stats()
	b.ReportMetric(float64(st.Dropped), "dropped")
	if st.Dropped != 0 || st.Failed != 0 {
		b.Fatalf("Stats = %+v, want no drops or failures", st)
	}
}

// BenchmarkLogRequest logs a no-op operation with a five-field request under the default
// settings: batches go gzip-compressed over loopback HTTP to a server that discards them.
func BenchmarkLogRequest(b *testing.B) { benchmarkLogRequest(b, true) }

// BenchmarkLogRequestNoGzip is BenchmarkLogRequest with compression turned off.
func BenchmarkLogRequestNoGzip(b *testing.B) { benchmarkLogRequest(b, false) }

// countingExporter discards spans and counts them.
type countingExporter struct{ n atomic.Int64 }

func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.n.Add(int64(len(spans)))
	return nil
}

func (e *countingExporter) Shutdown(context.Context) error { return nil }

// BenchmarkOTelSpan records a span with five attributes through a batch span processor
// that blocks when its queue is full, exporting to a discarding exporter.
func BenchmarkOTelSpan(b *testing.B) {
	exp := &countingExporter{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(
		sdktrace.NewBatchSpanProcessor(exp, sdktrace.WithBlocking())))
	tracer := tp.Tracer("bench")
	ctx := context.Background()

	b.ReportAllocs()
	started := int64(0)
	for b.Loop() {
		_, span := tracer.Start(ctx, "op")
		span.SetAttributes(attribute.String("model", "m"), attribute.String("prompt", "hello"),
			attribute.Float64("temperature", 0.5), attribute.Int("max_tokens", 64),
			attribute.String("user", "u-1"))
		span.End()
		started++
	}
	b.StopTimer()

	if err := tp.ForceFlush(ctx); err != nil {
		b.Fatal(err)
	}
	dropped := started - exp.n.Load()
	b.ReportMetric(float64(dropped), "dropped")
	if err := tp.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
	if dropped != 0 {
		b.Fatalf("%d spans dropped", dropped)
	}
}
