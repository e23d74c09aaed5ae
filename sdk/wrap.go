package sdk

import (
	"context"
	"time"
)

// LogRequest runs op and logs it: the request, what op recorded or returned, the status and
// the timing. It returns exactly what op returned, the same error value included, so
// errors.Is and errors.As work as without the wrapper.
//
// When op returns an error the log has status 500 (unless op called [Recorder.SetStatus])
// and the response {"error":{"message":<error text>,"type":<Go type name>}}; an empty error
// text is replaced by the type name. When op panics, the log has status 500 and the panic
// value as its message; it is queued and then the panic continues with the same value.
//
// op receives a context derived from ctx: inside a session it carries the session path
// extended by this operation (see [WithPathSegment]), so that logs made inside op nest
// under it. Encoding happens in the caller's goroutine before LogRequest returns, so the
// request and response values may be reused afterwards. LogRequest never waits for the
// network. On a nil Logger it only runs op.
func (l *Logger) LogRequest(ctx context.Context, req Request,
	op func(ctx context.Context, rec *Recorder) (any, error), opts ...CallOption) (any, error) {
	return Wrap(ctx, l, req, op, opts...)
}

// Wrap is [Logger.LogRequest] for operations returning a typed result.
func Wrap[T any](ctx context.Context, l *Logger, req Request,
	op func(ctx context.Context, rec *Recorder) (T, error), opts ...CallOption) (T, error) {
	if l == nil {
		return op(ctx, &Recorder{})
	}
	var in logInput
	opCtx := l.prepare(ctx, req, opts, &in)
	rec := &Recorder{}

	returned := false
	defer func() {
		if returned {
			return
		}
		// A nil recover value means runtime.Goexit, which is not logged.
		if r := recover(); r != nil {
			in.panicked, in.panicValue = true, r
			l.finishCall(&in, rec, nil, false, nil)
			panic(r)
		}
	}()
	res, err := op(opCtx, rec)
	returned = true
	l.finishCall(&in, rec, res, true, err)
	return res, err
}

// finishCall completes and submits the log of a wrapped operation.
func (l *Logger) finishCall(in *logInput, rec *Recorder, res any, hasRes bool, err error) {
	in.end = time.Now()
	in.err = err
	resp, ok, status := rec.snapshot()
	switch {
	case ok:
		in.setResponse(resp)
	case hasRes:
		in.setResponse(res)
	}
	switch {
	case in.panicked:
		in.status = 500
	case status != 0:
		in.status = status
	case err != nil:
		in.status = 500
	default:
		in.status = 200
	}
	l.submit(in)
}

// LogSingle logs an operation that already ended: it ended now and took latency. A
// string response is sent as the text body. It never waits for the network.
func (l *Logger) LogSingle(ctx context.Context, req Request, response any,
	latency time.Duration, opts ...CallOption) {
	if l == nil {
		return
	}
	var in logInput
	l.prepare(ctx, req, opts, &in)
	in.end = in.start
	in.start = in.end.Add(-max(latency, 0))
	in.setResponse(response)
	in.status = 200
	l.submit(&in)
}

// Log is a complete log for [Logger.SendLog].
type Log struct {
	// Request is the request side; nil sends {}.
	Request Request
	// Response is the response; a string is sent as the text body.
	Response any
	// Err, when set, makes the response {"error":{...}} and the default status 500.
	Err error
	// Start and End bound the operation. A zero End means now; a zero Start means End.
	Start time.Time
	End   time.Time
	// TimeToFirstToken is the time from Start to the first output; 0 means unknown.
	TimeToFirstToken time.Duration
	// Status is the status code; 0 means 200, or 500 when Err is set.
	Status int
	// Headers are extra headers of the log, such as "Helicone-Prompt-Id". Call options
	// take precedence over them.
	Headers map[string]string
}

// SendLog queues a log built by the caller, with the given timing. It never waits for the
// network.
func (l *Logger) SendLog(ctx context.Context, log Log, opts ...CallOption) {
	if l == nil {
		return
	}
	var in logInput
	l.prepare(ctx, log.Request, opts, &in)
	in.end = log.End
	if in.end.IsZero() {
		in.end = in.start
	}
	in.start = log.Start
	if in.start.IsZero() {
		in.start = in.end
	}
	if log.TimeToFirstToken > 0 && !in.hasTTFT {
		in.ttft, in.hasTTFT = log.TimeToFirstToken, true
	}
	if log.Response != nil {
		in.setResponse(log.Response)
	}
	in.err = log.Err
	in.status = log.Status
	if in.status == 0 {
		in.status = 200
		if log.Err != nil {
			in.status = 500
		}
	}
	in.extraHeaders = log.Headers
	l.submit(&in)
}
