package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Query limits, as Helicone's API applies them.
const (
	defaultLimit     = 100
	maxLimit         = 1000
	maxQueryBodySize = 1 << 20
)

func (h *Handler) getRequest(r *http.Request, p auth.Principal) (any, error) {
	rec, err := h.store.GetLog(r.Context(), p.ProjectID, requestIDParam(r))
	if err != nil {
		return nil, storeError(err, "request")
	}
	rows := []requestRow{newRow(rec, true)}
	if rawParam(r) {
		rows[0].withRequestRaw(rec)
	}
	if err := h.loadScores(r.Context(), p.ProjectID, rows); err != nil {
		return nil, err
	}
	return rows[0], nil
}

// requestIDParam returns the {id} of the path. A UUID is lower-cased, because ingest stores
// UUID request ids in lower case.
func requestIDParam(r *http.Request) string {
	id := r.PathValue("id")
	if record.ValidRequestID(id) {
		return strings.ToLower(id)
	}
	return id
}

// requestQuery is the body of POST /v1/request/query. Helicone clients also send isCached,
// includeInputs, isPartOfExperiment and isScored; they are accepted and ignored.
type requestQuery struct {
	Filter json.RawMessage `json:"filter"`
	Sort   json.RawMessage `json:"sort"`
	Offset *int            `json:"offset"`
	Limit  *int            `json:"limit"`
}

func (h *Handler) queryRequests(r *http.Request, p auth.Principal) (any, error) {
	var body requestQuery
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	q, err := body.logQuery()
	if err != nil {
		return nil, err
	}
	q.WithBodies = true

	recs, err := h.store.QueryLogs(r.Context(), p.ProjectID, q)
	if err != nil {
		return nil, storeError(err, "request")
	}
	rows := make([]requestRow, len(recs))
	for i, rec := range recs {
		rows[i] = newRow(rec, false)
	}
	if err := h.loadScores(r.Context(), p.ProjectID, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

func (b requestQuery) logQuery() (store.LogQuery, error) {
	q := store.LogQuery{Limit: defaultLimit}
	if len(b.Filter) == 0 {
		return q, httperr.New(http.StatusBadRequest, `filter: missing; send "all" for every request`)
	}
	f, err := query.ParseHeliconeFilter(b.Filter)
	if err != nil {
		return q, httperr.New(http.StatusBadRequest, "%s", err.Error())
	}
	q.Filter = f

	if len(b.Sort) > 0 {
		if q.Sort, err = query.ParseHeliconeSort(b.Sort); err != nil {
			return q, httperr.New(http.StatusBadRequest, "%s", err.Error())
		}
	}
	q.Limit, q.Offset, err = pageBounds(b.Limit, b.Offset, defaultLimit, maxLimit)
	return q, err
}

// decodeJSON reads a JSON request body of at most 1 MiB into v.
func decodeJSON(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return unmarshalBody(body, v)
}

// decodeOptionalJSON is decodeJSON for endpoints whose body may be left out: an empty body
// leaves v unchanged.
func decodeOptionalJSON(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	return unmarshalBody(body, v)
}

func readBody(r *http.Request) ([]byte, error) {
	// Query and mutation bodies are small; only the ingest routes take compressed bodies.
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return nil, httperr.New(http.StatusUnsupportedMediaType, "Content-Encoding %q is not "+
			"supported on this route: send the JSON body uncompressed", enc)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxQueryBodySize+1))
	if err != nil {
		return nil, httperr.BodyRead(err, int64(len(body)), r.ContentLength)
	}
	if len(body) > maxQueryBodySize {
		return nil, httperr.New(http.StatusRequestEntityTooLarge,
			"body too large: the limit is %d bytes", maxQueryBodySize)
	}
	return body, nil
}

// unmarshalBody decodes body into v. Like ingest, and like the filter language, it rejects
// invalid UTF-8 and lone UTF-16 surrogate escapes, which encoding/json would turn into U+FFFD
// and so match text that the request never named.
func unmarshalBody(body []byte, v any) error {
	if !utf8.Valid(body) {
		return httperr.New(http.StatusBadRequest, "invalid JSON body: invalid UTF-8 at byte %d",
			record.InvalidUTF8Offset(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return httperr.BadJSON("JSON body", err)
	}
	if bytes.Contains(body, []byte(`\u`)) {
		if err := record.CheckJSONText(body); err != nil {
			return httperr.New(http.StatusBadRequest, "invalid JSON body: %s", err.Error())
		}
	}
	return nil
}
