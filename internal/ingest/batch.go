package ingest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

const batchPath = "/v1/log/batch"

type batchRequest struct {
	Logs []batchItem `json:"logs"`
}

type batchItem struct {
	Headers  map[string]json.RawMessage `json:"headers"`
	Provider string                     `json:"provider"`
	Body     json.RawMessage            `json:"body"`
}

// Item outcomes in a batch response.
const (
	itemStored    = "stored"
	itemDuplicate = "duplicate"
	itemRejected  = "rejected"
)

type itemResult struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

type batchResponse struct {
	Results    []itemResult `json:"results"`
	Stored     int          `json:"stored"`
	Duplicates int          `json:"duplicates"`
	Rejected   int          `json:"rejected"`
	Error      string       `json:"error,omitempty"`
}

var batchProviders = map[string]string{
	"":          record.ProviderCustom,
	"CUSTOM":    record.ProviderCustom,
	"OPENAI":    record.ProviderOpenAI,
	"ANTHROPIC": record.ProviderAnthropic,
	"GOOGLE":    record.ProviderGoogle,
}

// batch serves POST /v1/log/batch: every item is decoded on its own, the valid ones are
// committed in one write, and the answer holds one result per item.
func (h *Handler) batch(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	buf, err := readBody(w, r, h.opts.MaxBatchBytes)
	if err != nil {
		h.reject(w, r, batchPath, err)
		return
	}
	defer releaseBody(buf)

	req, err := decodeBatch(buf.Bytes())
	if err != nil {
		h.reject(w, r, batchPath, err)
		return
	}

	resp := batchResponse{Results: make([]itemResult, len(req.Logs))}
	recs := make([]*record.Record, 0, len(req.Logs))
	positions := make([]int, 0, len(req.Logs))
	for i, item := range req.Logs {
		rec, err := h.decodeItem(item)
		if err != nil {
			resp.Results[i] = itemResult{Index: i, Status: itemRejected, Error: err.Error()}
			resp.Rejected++
			continue
		}
		rec.ProjectID = p.ProjectID
		resp.Results[i] = itemResult{Index: i, ID: rec.RequestID}
		recs = append(recs, rec)
		positions = append(positions, i)
	}
	if h.opts.Metrics != nil && resp.Rejected > 0 {
		h.opts.Metrics.LogsRejected.WithLabelValues(batchPath).Add(float64(resp.Rejected))
	}

	statuses, err := h.writer.Write(r.Context(), recs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for j, s := range statuses {
		res := &resp.Results[positions[j]]
		if s == store.Duplicate {
			res.Status = itemDuplicate
			resp.Duplicates++
		} else {
			res.Status = itemStored
			resp.Stored++
		}
	}

	status := http.StatusOK
	if len(recs) == 0 {
		status = http.StatusBadRequest
		first := resp.Results[0]
		resp.Error = fmt.Sprintf("every log in the batch was rejected; logs[%d]: %s",
			first.Index, first.Error)
	}
	httperr.WriteJSON(w, status, resp)
}

func decodeBatch(body []byte) (batchRequest, error) {
	var req batchRequest
	if !utf8.Valid(body) {
		return req, httperr.New(http.StatusBadRequest, "invalid UTF-8 in batch body")
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, httperr.New(http.StatusBadRequest, "invalid batch JSON: %v", err)
	}
	if len(req.Logs) == 0 {
		return req, httperr.New(http.StatusBadRequest, "logs: must be a non-empty array")
	}
	if len(req.Logs) > MaxBatchLogs {
		return req, httperr.New(http.StatusRequestEntityTooLarge,
			"logs: %d items, the limit is %d per batch", len(req.Logs), MaxBatchLogs)
	}
	return req, nil
}

func (h *Handler) decodeItem(item batchItem) (*record.Record, error) {
	provider, ok := batchProviders[strings.ToUpper(item.Provider)]
	if !ok {
		return nil, fmt.Errorf("provider: unknown %q, want CUSTOM, OPENAI, ANTHROPIC or GOOGLE",
			item.Provider)
	}
	if len(item.Body) == 0 || string(item.Body) == "null" {
		return nil, fmt.Errorf("body: missing")
	}
	hdr := make(http.Header, len(item.Headers))
	for name, raw := range item.Headers {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("headers.%s: must be a string", name)
		}
		hdr.Set(name, v)
	}
	return record.Decode(item.Body, hdr, record.Options{
		Provider: provider,
		Path:     batchPath,
		MaxDepth: h.opts.MaxDepth,
	})
}
