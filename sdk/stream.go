package sdk

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// StatusCancelled is the status of a log whose stream was abandoned before its end.
const StatusCancelled = -3

// streamCopy keeps the first bytes of a stream, up to a limit, and counts all of them.
type streamCopy struct {
	buf   []byte
	limit int
	total int
}

func (c *streamCopy) write(p []byte) {
	c.total += len(p)
	if room := c.limit - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
}

// streamReader passes a stream through to the caller and logs a copy of it.
type streamReader struct {
	l  *Logger
	r  io.Reader
	mu sync.Mutex
	in logInput
	cp streamCopy
	// done is set once the log was queued.
	done bool
}

// WrapReader returns a reader that passes every byte of r to the caller unchanged and logs
// the stream. The log keeps a copy of the bytes read, cut at the field limit (see
// [WithMaxFieldBytes]) and marked when cut, as its text body. The time to first token is
// the time of the first Read that returned data, measured from this call. The log is
// queued at io.EOF (status 200), at the first other read error (status 500, the error
// text before the copy), or at Close before the end (status -3, cancelled). Close closes r
// when it is an io.Closer. Reads and closes pass through to r, also after the log was queued,
// so the wrapper changes no result. Bytes read after that are not in the log. The reader is
// safe for use by one reader and one closer at a time.
func (l *Logger) WrapReader(ctx context.Context, req Request, r io.Reader,
	opts ...CallOption) io.ReadCloser {
	s := &streamReader{l: l, r: r}
	if l != nil {
		l.prepare(ctx, req, opts, &s.in)
		s.cp.limit = l.cfg.maxFieldBytes
	}
	return s
}

// Read reads from the wrapped reader and records what it returned.
func (s *streamReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.l == nil {
		return n, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return n, err
	}
	if n > 0 {
		if !s.in.hasTTFT {
			s.in.ttft, s.in.hasTTFT = time.Since(s.in.start), true
		}
		s.cp.write(p[:n])
	}
	switch {
	case errors.Is(err, io.EOF):
		s.finish(200, nil)
	case err != nil:
		s.finish(500, err)
	}
	return n, err
}

// Close logs the stream as cancelled if it has not ended, then closes the wrapped reader.
func (s *streamReader) Close() error {
	if s.l != nil {
		s.mu.Lock()
		if !s.done {
			s.finish(StatusCancelled, nil)
		}
		s.mu.Unlock()
	}
	if c, ok := s.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// finish queues the log; s.mu is held.
func (s *streamReader) finish(status int, err error) {
	s.done = true
	s.in.end = time.Now()
	s.in.status = status
	setStreamText(&s.in, &s.cp, err)
	s.l.submit(&s.in)
	s.cp.buf = nil
}

// setStreamText sets the text body of a stream log: the copy, preceded by the error text
// and a blank line when the stream failed.
func setStreamText(in *logInput, cp *streamCopy, err error) {
	kept := cp.buf
	if cp.total > len(kept) && len(kept) > 0 {
		// Drop a character split by the cut.
		kept = kept[:cutUTF8(string(kept), len(kept)-1)]
		if utf8.FullRune(cp.buf[len(kept):]) {
			kept = cp.buf
		}
	}
	text := string(kept)
	total := cp.total
	if err != nil {
		prefix := err.Error() + "\n\n"
		text = prefix + text
		total += len(prefix)
	}
	in.text, in.isText, in.textTotal = text, true, total
}
