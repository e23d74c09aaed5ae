package ingest

import (
	"bytes"
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

// batchRequest is a batch body. Each item is kept raw and decoded on its own, so that an
// item of the wrong type is that item's error and not the whole batch's.
type batchRequest struct {
	Logs []json.RawMessage `json:"logs"`
}

type batchItem struct {
	Headers  json.RawMessage `json:"headers"`
	Provider string          `json:"provider"`
	// Path is the ingest route the log first came through, for a log stored again such as
	// by heliograph import; empty means the batch route.
	Path string          `json:"path"`
	Body json.RawMessage `json:"body"`
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
	// Code is the HTTP status that a rejected item would get on a single-log route: 400, or
	// 413 for a body over the single-log limit.
	Code  int    `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
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

// batch serves POST /v1/log/batch. It decodes every item on its own, commits the valid ones
// in one write and responds with one result per item.
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
			resp.Results[i] = itemResult{Index: i, Status: itemRejected,
				Code: httperr.Status(err), Error: httperr.Message(err)}
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
		// Every item was rejected: the batch gets the items' status when they share one.
		first := resp.Results[0]
		status = first.Code
		for _, res := range resp.Results {
			if res.Code != first.Code {
				status = http.StatusBadRequest
			}
		}
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
		return req, httperr.BadJSON("batch JSON", err)
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

// decodeItem decodes one batch item. Every error it returns is an *httperr.Error whose status
// is the one the same log would get on a single-log route.
func (h *Handler) decodeItem(raw json.RawMessage) (*record.Record, error) {
	var item batchItem
	if err := json.Unmarshal(raw, &item); err != nil {
		return nil, httperr.New(http.StatusBadRequest, "%s", httperr.DescribeJSON(err))
	}
	provider, ok := batchProviders[strings.ToUpper(item.Provider)]
	if !ok {
		return nil, httperr.New(http.StatusBadRequest,
			"provider: unknown %q, want CUSTOM, OPENAI, ANTHROPIC or GOOGLE", item.Provider)
	}
	path := batchPath
	if item.Path != "" {
		if _, ok := singleRoutes[item.Path]; !ok && item.Path != batchPath {
			return nil, httperr.New(http.StatusBadRequest, "path: %q is not an ingest route "+
				"such as /custom/v1/log or /oai/v1/log", item.Path)
		}
		path = item.Path
	}
	if len(item.Body) == 0 || string(item.Body) == "null" {
		return nil, httperr.New(http.StatusBadRequest, "body: missing")
	}
	if int64(len(item.Body)) > h.opts.MaxBodyBytes {
		return nil, httperr.New(http.StatusRequestEntityTooLarge,
			"body: %d bytes, over the single-log limit of %d bytes", len(item.Body),
			h.opts.MaxBodyBytes)
	}
	hdr, err := itemHeaders(item.Headers)
	if err != nil {
		return nil, err
	}
	rec, err := record.Decode(item.Body, hdr, record.Options{
		Provider: provider,
		Path:     path,
		MaxDepth: h.opts.MaxDepth,
	})
	if err != nil {
		return nil, httperr.New(http.StatusBadRequest, "%s", err.Error())
	}
	return rec, nil
}

// itemHeaders converts the headers object of a batch item, read in order. Each value must be
// a JSON string that would be valid inside a log body. As with a real header sent twice, the
// first of two names for the same field or property counts.
func itemHeaders(raw json.RawMessage) (http.Header, error) {
	hdr := make(http.Header)
	if len(raw) == 0 || string(raw) == "null" {
		return hdr, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, httperr.New(http.StatusBadRequest, "headers: must be an object")
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, httperr.New(http.StatusBadRequest, "headers: %s",
				httperr.DescribeJSON(err))
		}
		name, _ := tok.(string) // Object keys are always strings.
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, httperr.New(http.StatusBadRequest, "headers.%s: %s", name,
				httperr.DescribeJSON(err))
		}
		var v string
		if err := json.Unmarshal(val, &v); err != nil {
			return nil, httperr.New(http.StatusBadRequest, "headers.%s: must be a string", name)
		}
		if err := record.CheckJSONText(val); err != nil {
			return nil, httperr.New(http.StatusBadRequest, "headers.%s: %s", name, err.Error())
		}
		if t := record.HeaderTarget(name); !seen[t] {
			seen[t] = true
			hdr.Set(name, v)
		}
	}
	return hdr, nil
}
