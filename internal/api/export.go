package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/record"
)

// LogExporter is the part of the store that GET /v1/export reads.
type LogExporter interface {
	ExportLogs(ctx context.Context, projectID string, f filter.Expr,
		fn func(rec *record.Record, scores map[string]float64) error) error
}

const (
	// exportBufferSize is the size at which the export buffer is written out.
	exportBufferSize = 256 << 10
	// exportFlushInterval bounds how long written lines wait in the buffer when a filter
	// matches few logs.
	exportFlushInterval = time.Second
	// exportWriteTimeout bounds each write to the client. It replaces the server's
	// WriteTimeout, which counts from the start of the request.
	exportWriteTimeout = 60 * time.Second
	// ExportCountTrailer is the HTTP trailer that ends a complete export with the number of
	// lines sent. A response without it was cut short.
	ExportCountTrailer = "Heliograph-Export-Count"
)

// export serves GET /v1/export?q=&format=jsonl: every log of the key's project that matches
// the filter, one JSON line each, in storage order. The response ends with the
// [ExportCountTrailer] trailer. A failure after the first line aborts the connection, so the
// client sees a truncated body without the trailer.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	if h.exporter == nil {
		h.writeError(w, r, httperr.New(http.StatusNotImplemented,
			"this store does not support exports"))
		return
	}
	f, err := exportFilter(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}

	ew := &exportWriter{w: w, rc: http.NewResponseController(w), lastWrite: time.Now(),
		buf: make([]byte, 0, exportBufferSize+64<<10)}
	// The server's read timeout would cancel the request context of a long export and its
	// write timeout would cut it, so each write gets its own deadline instead.
	_ = ew.rc.SetReadDeadline(time.Time{})
	_ = ew.rc.SetWriteDeadline(time.Time{})
	err = h.exporter.ExportLogs(r.Context(), p.ProjectID, f, ew.add)
	if err == nil {
		err = ew.finish()
	}
	if err == nil {
		return
	}
	if !ew.started {
		h.writeError(w, r, storeError(err, "log"))
		return
	}
	if !errors.Is(err, errClientGone) && r.Context().Err() == nil {
		h.log.Error("export failed", "project_id", p.ProjectID, "lines", ew.lines,
			"error", err)
	}
	panic(http.ErrAbortHandler) // Ends the response without the final chunk and trailer.
}

// exportFilter checks the format parameter and returns the filter of the q parameter.
func exportFilter(r *http.Request) (filter.Expr, error) {
	if f := r.URL.Query().Get("format"); f != "" && f != "jsonl" {
		return nil, httperr.New(http.StatusBadRequest,
			"format: %q is not supported; the only format is jsonl", f)
	}
	return parseFilterParam(r.URL.Query().Get("q"))
}

// exportWriter collects export lines and writes them in large chunks.
type exportWriter struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	buf       []byte
	lines     int64
	started   bool
	lastWrite time.Time
}

func (ew *exportWriter) add(rec *record.Record, scores map[string]float64) error {
	var err error
	ew.buf, err = appendExportLine(ew.buf, rec, scores)
	if err != nil {
		return err
	}
	ew.lines++
	if len(ew.buf) >= exportBufferSize || time.Since(ew.lastWrite) >= exportFlushInterval {
		return ew.write()
	}
	return nil
}

func (ew *exportWriter) start() {
	h := ew.w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Trailer", ExportCountTrailer)
	ew.w.WriteHeader(http.StatusOK)
	ew.started = true
}

// write sends the buffer and flushes it to the client.
func (ew *exportWriter) write() error {
	if !ew.started {
		ew.start()
	}
	ew.lastWrite = time.Now()
	_ = ew.rc.SetWriteDeadline(ew.lastWrite.Add(exportWriteTimeout))
	if _, err := ew.w.Write(ew.buf); err != nil {
		return errClientGone
	}
	ew.buf = ew.buf[:0]
	if err := ew.rc.Flush(); err != nil {
		return errClientGone
	}
	return nil
}

// finish writes the rest of the buffer and sets the trailer.
func (ew *exportWriter) finish() error {
	if err := ew.write(); err != nil {
		return err
	}
	ew.w.Header().Set(ExportCountTrailer, strconv.FormatInt(ew.lines, 10))
	return nil
}
