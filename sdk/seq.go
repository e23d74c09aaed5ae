package sdk

import (
	"context"
	"iter"
	"time"
)

// WrapSeq returns an iterator that yields every chunk of seq unchanged and logs the stream.
// Each chunk is encoded as one JSON line of the log's text body (NDJSON), cut at the field
// limit; the time to first token is the arrival of the first chunk. The log is queued when
// the iteration ends: status 200 at the end of seq, 500 when seq yielded an error (its text
// precedes the chunks), -3 when the caller stopped early. A panic during the iteration is
// logged with status 500 and then continues. Each iteration of the returned iterator
// produces its own log, timed from the start of that iteration.
func WrapSeq[T any](ctx context.Context, l *Logger, req Request, seq iter.Seq2[T, error],
	opts ...CallOption) iter.Seq2[T, error] {
	if l == nil {
		return seq
	}
	return func(yield func(T, error) bool) {
		var in logInput
		l.prepare(ctx, req, opts, &in)
		cp := streamCopy{limit: l.cfg.maxFieldBytes}
		var lastErr error
		ended := false
		defer func() {
			if ended {
				return
			}
			if r := recover(); r != nil {
				in.panicked, in.panicValue = true, r
				in.end, in.status = time.Now(), 500
				setStreamText(&in, &cp, nil)
				l.submit(&in)
				panic(r)
			}
		}()

		status := 200
		for v, err := range seq {
			if !in.hasTTFT {
				in.ttft, in.hasTTFT = time.Since(in.start), true
			}
			if err != nil {
				lastErr = err
			} else {
				l.appendChunk(&cp, v)
			}
			if !yield(v, err) {
				status = StatusCancelled
				break
			}
		}
		ended = true
		in.end = time.Now()
		if lastErr != nil && status == 200 {
			status = 500
		}
		in.status = status
		setStreamText(&in, &cp, lastErr)
		l.submit(&in)
	}
}

// appendChunk adds v to the copy as one JSON line.
func (l *Logger) appendChunk(cp *streamCopy, v any) {
	e := l.getEncoder()
	e.reset(l.cfg.maxFieldBytes, MaxDepth)
	e.value(v)
	e.buf = append(e.buf, '\n')
	if e.sanitised > 0 {
		l.stats.sanitised.Add(int64(e.sanitised))
	}
	cp.write(e.buf)
	l.putEncoder(e)
}
