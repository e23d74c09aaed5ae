package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/heliograph/heliograph/internal/httperr"
)

// maxPooledBuffer is the largest buffer returned to the pool; larger ones are left to the
// garbage collector so one huge body does not pin memory.
const maxPooledBuffer = 1 << 20

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads the request body, decompressing gzip, and fails with 413 when the
// decompressed size exceeds limit. The caller must call releaseBody when done with the bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (*bytes.Buffer, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	wire := &countingReader{r: http.MaxBytesReader(w, r.Body, limit)}
	var src io.Reader = wire
	gzipped := false

	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, bodyError(err, limit, true, wire, r.ContentLength)
		}
		gzipped = true
		defer zr.Close()
		src = zr
	default:
		return nil, httperr.New(http.StatusUnsupportedMediaType,
			"unsupported Content-Encoding %q: send identity or gzip", enc)
	}

	buf := bufferPool.Get().(*bytes.Buffer)
	buf.Reset()
	// Reading limit+1 bytes tells an over-limit decompressed body from one that is exactly at
	// the limit.
	n, err := buf.ReadFrom(io.LimitReader(src, limit+1))
	if err != nil {
		releaseBody(buf)
		return nil, bodyError(err, limit, gzipped, wire, r.ContentLength)
	}
	if n > limit {
		releaseBody(buf)
		return nil, tooLarge(limit)
	}
	return buf, nil
}

func releaseBody(buf *bytes.Buffer) {
	if buf != nil && buf.Cap() <= maxPooledBuffer {
		bufferPool.Put(buf)
	}
}

// bodyError maps an error from reading a body through wire to the error response.
func bodyError(err error, limit int64, gzipped bool, wire *countingReader,
	contentLength int64) error {
	for _, e := range []error{err, wire.err} {
		if _, ok := errors.AsType[*http.MaxBytesError](e); ok {
			return tooLarge(limit)
		}
	}
	// A body cut short by the connection ends the gzip stream early too, so the error of the
	// bytes under the gzip stream decides, for a chunked body too.
	if wire.err != nil {
		return httperr.BodyRead(wire.err, wire.n, contentLength)
	}
	// With the bytes under it intact, an error of a gzip body is the stream's: a bad header
	// or checksum, corrupt deflate data, or an early end.
	if gzipped {
		return httperr.New(http.StatusBadRequest, "invalid gzip body: %v", err)
	}
	return httperr.BodyRead(err, wire.n, contentLength)
}

func tooLarge(limit int64) error {
	return httperr.New(http.StatusRequestEntityTooLarge,
		"body too large: the limit is %d bytes", limit)
}
