package sdk

import (
	"context"
	"sync"
	"time"
)

// Builder assembles a log step by step, for operations that do not fit a wrapped call,
// such as a stream consumed elsewhere. Its start time is the call to [Logger.NewBuilder].
// Nothing is sent until [Builder.Send]. A Builder is safe for concurrent use.
type Builder struct {
	l  *Logger
	mu sync.Mutex
	in logInput
	// sent is set by the first Send.
	sent bool
}

// NewBuilder starts a log of req. The request is encoded at Send, so it must not be
// changed before then.
func (l *Logger) NewBuilder(ctx context.Context, req Request, opts ...CallOption) *Builder {
	b := &Builder{l: l}
	if l != nil {
		l.prepare(ctx, req, opts, &b.in)
	}
	b.in.status = 200
	return b
}

// SetResponse sets the response: a string is sent as the text body, other values as JSON.
func (b *Builder) SetResponse(v any) {
	b.mu.Lock()
	b.in.setResponse(v)
	b.mu.Unlock()
}

// SetError marks the operation as failed: status 500 and an error response, as in
// [Logger.LogRequest].
func (b *Builder) SetError(err error) {
	b.mu.Lock()
	b.in.err = err
	if err != nil {
		b.in.status = 500
	}
	b.mu.Unlock()
}

// SetStatus sets the status code.
func (b *Builder) SetStatus(code int) {
	b.mu.Lock()
	b.in.status = code
	b.mu.Unlock()
}

// SetCancelled marks the operation as cancelled (status -3).
func (b *Builder) SetCancelled() { b.SetStatus(StatusCancelled) }

// AddHeaders adds headers to the log, such as "Helicone-Prompt-Id". A header given again
// replaces the earlier value; call options of NewBuilder take precedence.
func (b *Builder) AddHeaders(h map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.in.extraHeaders == nil {
		b.in.extraHeaders = make(map[string]string, len(h))
	}
	for k, v := range h {
		b.in.extraHeaders[k] = v
	}
}

// SetTimeToFirstToken sets the time from the start to the first output.
func (b *Builder) SetTimeToFirstToken(d time.Duration) {
	b.mu.Lock()
	b.in.ttft, b.in.hasTTFT = d, true
	b.mu.Unlock()
}

// Send ends the operation now and queues the log. Only the first call sends; Send never
// waits for the network.
func (b *Builder) Send() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sent || b.l == nil {
		return
	}
	b.sent = true
	b.in.end = time.Now()
	b.l.submit(&b.in)
}
