package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Batch sending limits. The server accepts at most 1,000 logs and 32 MiB per batch; a batch
// here is closed at maxBatchLogs logs or when it passes maxBatchBytes.
const (
	maxBatchLogs      = 1000
	maxBatchBytes     = 16 << 20
	batchAttempts     = 5
	batchRetryBackoff = 500 * time.Millisecond
	maxBatchResponse  = 8 << 20
)

// Item outcomes in a batch response.
const (
	itemStored    = "stored"
	itemDuplicate = "duplicate"
	itemRejected  = "rejected"
)

// batchResponse is the response body of POST /v1/log/batch.
type batchResponse struct {
	Results []struct {
		Index  int    `json:"index"`
		ID     string `json:"id"`
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"results"`
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
}

// batchPoster sends batches of log items to POST /v1/log/batch. Safe for concurrent use.
type batchPoster struct {
	c    *apiClient
	gzip bool
	zips sync.Pool
}

func newBatchPoster(c *apiClient, gzipped bool) *batchPoster {
	return &batchPoster{c: c, gzip: gzipped}
}

// post sends one batch, retrying network errors and 429, 502, 503 and 504 responses with
// backoff. A batch whose items were all rejected returns its response, not an error, so that the
// caller can report each item.
func (p *batchPoster) post(ctx context.Context, items [][]byte) (batchResponse, error) {
	body, err := p.encode(items)
	if err != nil {
		return batchResponse{}, err
	}
	delay := batchRetryBackoff
	for attempt := 1; ; attempt++ {
		ans, retryAfter, err := p.send(ctx, body)
		if err == nil || retryAfter < 0 || attempt == batchAttempts {
			return ans, err
		}
		wait := max(delay, retryAfter)
		select {
		case <-ctx.Done():
			return ans, ctx.Err()
		case <-time.After(wait):
		}
		delay *= 2
	}
}

// encode builds {"logs": [items...]}, gzip-compressed when the poster compresses.
func (p *batchPoster) encode(items [][]byte) ([]byte, error) {
	var raw bytes.Buffer
	raw.WriteString(`{"logs":[`)
	for i, it := range items {
		if i > 0 {
			raw.WriteByte(',')
		}
		raw.Write(it)
	}
	raw.WriteString("]}")
	if !p.gzip {
		return raw.Bytes(), nil
	}

	var zipped bytes.Buffer
	zipped.Grow(raw.Len() / 4)
	zw, _ := p.zips.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&zipped, gzip.BestSpeed)
	} else {
		zw.Reset(&zipped)
	}
	defer p.zips.Put(zw)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, fmt.Errorf("compress batch: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress batch: %w", err)
	}
	return zipped.Bytes(), nil
}

// send makes one attempt. retryAfter is negative when the failure is not worth retrying,
// otherwise the wait the server asked for (0 when it named none).
func (p *batchPoster) send(ctx context.Context, body []byte) (batchResponse, time.Duration,
	error) {
	var ans batchResponse
	req, err := p.c.newRequest(ctx, http.MethodPost, "/v1/log/batch", bytes.NewReader(body))
	if err != nil {
		return ans, -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := p.c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ans, -1, ctx.Err()
		}
		return ans, 0, err // The *url.Error names the method and the URL.
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		wait := retryAfterHeader(resp.Header.Get("Retry-After"))
		return ans, wait, responseError(req, resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBatchResponse))
	if err != nil {
		return ans, 0, fmt.Errorf("POST /v1/log/batch: read response: %w", err)
	}
	if jerr := json.Unmarshal(b, &ans); jerr == nil && len(ans.Results) > 0 {
		return ans, -1, nil
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return ans, -1, responseError(req, resp)
	}
	return ans, -1, errors.New("POST /v1/log/batch: response without results")
}

// retryAfterHeader reads a Retry-After value in seconds; anything else is 0.
func retryAfterHeader(v string) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// batchTotals adds up the responses of many batches. Safe for concurrent use.
type batchTotals struct {
	mu         sync.Mutex
	stored     int
	duplicates int
	rejected   int
	// inputRejected counts the items rejected before sending, which rejected includes.
	inputRejected int
	// inputErrors and serverErrors hold the first few rejection reasons of each origin for
	// the report.
	inputErrors  []string
	serverErrors []string
}

const reportedErrors = 5

func (t *batchTotals) add(ans batchResponse, describe func(index int) string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stored += ans.Stored
	t.duplicates += ans.Duplicates
	t.rejected += ans.Rejected
	for _, r := range ans.Results {
		if r.Status == itemRejected && len(t.serverErrors) < reportedErrors {
			t.serverErrors = append(t.serverErrors, describe(r.Index)+": "+r.Error)
		}
	}
}

// reject counts n items of the input that were rejected before sending, so they never
// reached the server.
func (t *batchTotals) reject(n int, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rejected += n
	t.inputRejected += n
	if len(t.inputErrors) < reportedErrors {
		t.inputErrors = append(t.inputErrors, reason)
	}
}

// summary returns the totals as one line.
func (t *batchTotals) summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d stored, %d duplicates, %d rejected", t.stored, t.duplicates,
		t.rejected)
}

// problem returns an error naming the first rejections when any item was rejected, under
// one heading for the items rejected while reading the input and one for those the server
// rejected.
func (t *batchTotals) problem() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rejected == 0 {
		return nil
	}
	errs := []error{fmt.Errorf("%d logs were rejected", t.rejected)}
	if t.inputRejected > 0 {
		errs = appendReasons(errs, t.inputRejected, t.inputErrors,
			"rejected while reading the input, so not sent, in input order")
	}
	// Batches are sent concurrently, so the server's reasons are listed in the order the
	// responses arrived, which need not be the order of the lines.
	if n := t.rejected - t.inputRejected; n > 0 {
		errs = appendReasons(errs, n, t.serverErrors,
			"rejected by the server, in the order its responses arrived")
	}
	return errors.Join(errs...)
}

// appendReasons appends a heading for count rejections and the indented reasons listed.
func appendReasons(errs []error, count int, reasons []string, heading string) []error {
	switch {
	case len(reasons) == 0:
		return append(errs, fmt.Errorf("  %d %s", count, heading))
	case count > len(reasons):
		heading += fmt.Sprintf(" (the first %d shown)", len(reasons))
	}
	errs = append(errs, fmt.Errorf("  %d %s:", count, heading))
	for _, r := range reasons {
		errs = append(errs, errors.New("    "+r))
	}
	return errs
}
