package sdk_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"github.com/heliograph/heliograph/sdk"
)

// exampleSink is a minimal stand-in for the batch endpoint that keeps the headers of each
// log it receives.
type exampleSink struct {
	mu   sync.Mutex
	logs []map[string]string
}

func (s *exampleSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gz, err := gzip.NewReader(r.Body)
	if err != nil {
		http.Error(w, `{"error":"not gzip"}`, http.StatusBadRequest)
		return
	}
	var req struct {
		Logs []struct {
			Headers map[string]string `json:"headers"`
		} `json:"logs"`
	}
	if err := json.NewDecoder(gz).Decode(&req); err != nil {
		http.Error(w, `{"error":"invalid JSON"}`, http.StatusBadRequest)
		return
	}
	results := make([]map[string]any, len(req.Logs))
	s.mu.Lock()
	for i, l := range req.Logs {
		s.logs = append(s.logs, l.Headers)
		results[i] = map[string]any{"index": i, "status": "stored"}
	}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
}

// paths returns the session paths of the received logs, sorted.
func (s *exampleSink) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var paths []string
	for _, h := range s.logs {
		paths = append(paths, h["Helicone-Session-Path"])
	}
	sort.Strings(paths)
	return paths
}

func (s *exampleSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.logs)
}

func ExampleWrap() {
	sink := &exampleSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()

	logger, err := sdk.New("sk-example", sdk.WithEndpoint(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}

	hits, err := sdk.Wrap(context.Background(), logger,
		sdk.Tool{ToolName: "search", Input: map[string]any{"q": "heliograph"}},
		func(ctx context.Context, rec *sdk.Recorder) ([]string, error) {
			rec.AppendResults(map[string]any{"hits": 2})
			return []string{"a", "b"}, nil
		})
	fmt.Println(hits, err)

	// Close delivers the queued log before it returns. The timeout bounds the wait when
	// the server is down.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := logger.Close(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("logs received:", sink.count())
	// Output:
	// [a b] <nil>
	// logs received: 1
}

func ExampleContextWithSession() {
	sink := &exampleSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	logger, err := sdk.New("sk-example", sdk.WithEndpoint(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx := sdk.ContextWithSession(context.Background(), "session-1", "research")
	_, _ = logger.LogRequest(ctx, sdk.Data{Name: "agent"},
		func(ctx context.Context, _ *sdk.Recorder) (any, error) {
			// ctx carries the path "/agent", so this log is placed below it.
			return logger.LogRequest(ctx, sdk.Tool{ToolName: "search"},
				func(context.Context, *sdk.Recorder) (any, error) { return "found", nil })
		})
	_ = logger.Close(context.Background())

	fmt.Println(sink.paths())
	// Output:
	// [/agent /agent/search]
}

func ExampleLogger_Flush() {
	srv := httptest.NewServer(&exampleSink{})
	defer srv.Close()
	logger, err := sdk.New("sk-example", sdk.WithEndpoint(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer logger.Close(context.Background())

	logger.LogSingle(context.Background(), sdk.LLM{Model: "m"}, "hello", 0)
	err = logger.Flush(context.Background())
	fmt.Println(err, logger.Stats().Sent)
	// Output:
	// <nil> 1
}
