package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const tailUsage = `Usage: heliograph tail [flags] '<filter>'

Prints each new log that matches a filter-language expression as it is stored, one line per
log, until interrupted. It reads the server-sent events of GET /v1/stream and reconnects
after a dropped connection, a timeout or a 408, 429 or 5xx response without losing logs.
It exits with status 1 on an error that reconnecting cannot fix: a key or URL that no
request can carry, a failed write of the output, or any other 4xx response, such as 401 for
a wrong key or 400 for an invalid filter. The line format shows control characters
in logged values as escapes such as \x1b and \u202e; jsonl escapes them as JSON does.
Example:

  heliograph tail 'status != 200 or latency > 5s'`

// Reconnection delays of tail after a dropped stream.
const (
	tailRetryMin = 500 * time.Millisecond
	tailRetryMax = 10 * time.Second
)

// sseEvent is one server-sent event.
type sseEvent struct {
	Name string
	ID   string
	Data string
}

func runTail(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("tail", tailUsage, env.Stderr)
	var conn connFlags
	conn.register(fs, env.Getenv)
	format := fs.String("format", "line", "output format: line or jsonl")
	pos, err := parseArgs(fs, args, env.Getenv, 1)
	if err != nil {
		return err
	}
	if *format != "line" && *format != "jsonl" {
		return fmt.Errorf("--format %q: want line or jsonl", *format)
	}
	c, err := conn.client(1)
	if err != nil {
		return err
	}
	filter := ""
	if len(pos) == 1 {
		filter = pos[0]
	}
	return followStream(ctx, c, filter, *format, env)
}

// errWriteOutput marks a failed write of tail's output, which reconnecting cannot fix.
var errWriteOutput = errors.New("write output")

// followStream prints the events of the stream until ctx ends, reconnecting with backoff
// after the errors that [reconnectable] accepts and returning any other error.
func followStream(ctx context.Context, c *apiClient, filter, format string, env Env) error {
	lastID, delay := "", tailRetryMin
	for {
		err := c.readStream(ctx, filter, lastID, func(ev sseEvent) error {
			// The stream's opening block carries its first id, so the first id shows that
			// tail is connected and waits.
			if lastID == "" && ev.ID != "" {
				fmt.Fprintln(env.Stderr, "heliograph: waiting for new logs (Ctrl-C stops)")
			}
			if ev.ID != "" {
				lastID = ev.ID
			}
			delay = tailRetryMin
			return printTailEvent(env.Stdout, ev, format)
		})
		if ctx.Err() != nil {
			return nil
		}
		if !reconnectable(err) {
			return err
		}
		fmt.Fprintf(env.Stderr, "heliograph: stream interrupted (%s); reconnecting in %s\n",
			escapeMessage(err.Error()), delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, tailRetryMax)
	}
}

// reconnectable reports whether tail reconnects after err. It does after network errors,
// timeouts, a stream that ended, an error event, and 408, 429 and 5xx responses. It does
// not after a request that cannot be sent as built, a failed write of the output, or any
// other 4xx response, such as 401 for a wrong key or 400 for an invalid filter. Sending the
// same request again cannot change those.
func reconnectable(err error) bool {
	if _, ok := errors.AsType[*requestError](err); ok {
		return false
	}
	if errors.Is(err, errWriteOutput) {
		return false
	}
	if se, ok := errors.AsType[*statusError](err); ok && se.Status/100 == 4 {
		return se.Status == http.StatusRequestTimeout || se.Status == http.StatusTooManyRequests
	}
	return true
}

// streamIdleTimeout is how long tail waits for the next bytes of the stream, the response
// headers included, before it drops the connection and reconnects. The server writes a
// comment line every 15 seconds, so a connection that stays silent longer is stuck.
var streamIdleTimeout = 45 * time.Second

// errStreamIdle reports a stream that sent nothing for streamIdleTimeout.
var errStreamIdle = errors.New("no data from the server")

// readStream opens GET /v1/stream and calls fn for each event until the stream ends or stays
// silent for streamIdleTimeout.
func (c *apiClient) readStream(ctx context.Context, filter, lastID string,
	fn func(sseEvent) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := time.AfterFunc(streamIdleTimeout, func() { cancel(errStreamIdle) })
	defer idle.Stop()

	err := c.readStreamIdle(ctx, filter, lastID, idle, fn)
	if errors.Is(context.Cause(ctx), errStreamIdle) {
		return fmt.Errorf("%w for %s", errStreamIdle, streamIdleTimeout)
	}
	return err
}

// readStreamIdle is readStream with the idle timer, which it resets whenever bytes arrive.
func (c *apiClient) readStreamIdle(ctx context.Context, filter, lastID string, idle *time.Timer,
	fn func(sseEvent) error) error {
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/stream?q="+url.QueryEscape(filter), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	// The event id comes from the server, so the request is checked again with it.
	if err := checkRequest(req); err != nil {
		return err
	}
	resp, err := c.stream.Do(req)
	if err != nil {
		return err // The *url.Error names the method and the URL.
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return responseError(req, resp)
	}
	idle.Reset(streamIdleTimeout)
	err = readEvents(&idleReader{r: resp.Body, idle: idle}, fn)
	if err == nil {
		err = errors.New("the server closed the stream")
	}
	return err
}

// idleReader resets the idle timer of a stream whenever a read returns bytes.
type idleReader struct {
	r    io.Reader
	idle *time.Timer
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.idle.Reset(streamIdleTimeout)
	}
	return n, err
}

// readEvents parses a server-sent event stream and calls fn with each event that has data or
// an id. The stream opens with an event that has only an id, the position to resume from
// when the connection drops before the first log. It returns nil at the end of the stream.
func readEvents(r io.Reader, fn func(sseEvent) error) error {
	br := bufio.NewReader(r)
	var ev sseEvent
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read stream: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if len(data) > 0 || ev.ID != "" {
				ev.Data = strings.Join(data, "\n")
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, data = sseEvent{}, nil
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Name = value
		case "id":
			ev.ID = value
		case "data":
			data = append(data, value)
		}
	}
}

func printTailEvent(w io.Writer, ev sseEvent, format string) error {
	switch ev.Name {
	case "log":
	case "error":
		return fmt.Errorf("server: %s", ev.Data)
	default:
		return nil
	}
	if format == "jsonl" {
		return writeTailLine(w, string(escapeJSONControls([]byte(ev.Data))))
	}
	var r rowSummary
	if err := json.Unmarshal([]byte(ev.Data), &r); err != nil {
		return fmt.Errorf("decode log event: %w", err)
	}
	line := strings.ReplaceAll(joinTabs(r.tableCells()), "\t", "  ") + "  " +
		escapeControls(r.RequestID)
	if r.Error != "" {
		line += "  error: " + escapeControls(r.Error)
	}
	return writeTailLine(w, line)
}

func writeTailLine(w io.Writer, line string) error {
	if _, err := io.WriteString(w, line+"\n"); err != nil {
		return fmt.Errorf("%w: %w", errWriteOutput, err)
	}
	return nil
}
