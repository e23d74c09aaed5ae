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
	// firstErrors holds the first few rejection reasons for the report.
	firstErrors []string
}

const reportedErrors = 5

func (t *batchTotals) add(ans batchResponse, describe func(index int) string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stored += ans.Stored
	t.duplicates += ans.Duplicates
	t.rejected += ans.Rejected
	for _, r := range ans.Results {
		if r.Status == itemRejected && len(t.firstErrors) < reportedErrors {
			t.firstErrors = append(t.firstErrors, describe(r.Index)+": "+r.Error)
		}
	}
}

// reject counts n items that never reached the server.
func (t *batchTotals) reject(n int, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rejected += n
	if len(t.firstErrors) < reportedErrors {
		t.firstErrors = append(t.firstErrors, reason)
	}
}

// summary returns the totals as one line.
func (t *batchTotals) summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d stored, %d duplicates, %d rejected", t.stored, t.duplicates,
		t.rejected)
}

// problem returns an error naming the first rejections when any item was rejected.
func (t *batchTotals) problem() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rejected == 0 {
		return nil
	}
	errs := make([]error, 0, len(t.firstErrors)+1)
	// Batches are sent concurrently, so the reasons are listed in the order the responses
	// arrived, which need not be the order of the lines.
	reasons := "the reasons"
	if t.rejected > len(t.firstErrors) {
		reasons = fmt.Sprintf("the reasons of %d of them", len(t.firstErrors))
	}
	errs = append(errs, fmt.Errorf("%d logs were rejected; %s, in the order the server "+
		"reported them:", t.rejected, reasons))
	for _, e := range t.firstErrors {
		errs = append(errs, errors.New("  "+e))
	}
	return errors.Join(errs...)
}
