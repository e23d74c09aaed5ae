package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/api"
)

const exportUsage = `Usage: heliograph export [flags] '<filter>'

Writes every log that matches a filter-language expression (empty: every log), in the order
the server stored them, with its bodies exactly as stored. The export reads GET /v1/export and
covers the logs stored before it starts. The jsonl format holds one log per line with
everything "heliograph import" needs to store it again elsewhere with the same id and
byte-equal bodies, and is written as the server sends it; the csv format is for spreadsheets,
is converted from the same lines (slower) and cannot be imported. A csv cell that a
spreadsheet would read as a formula (text starting with =, +, -, @, a tab or a carriage
return, unless it is a plain decimal number such as -1.5 or 1e-05) gets a leading
apostrophe, so -Infinity gets one. Both formats are for files
and programs: they keep logged values byte for byte, so control characters in them are not
escaped for a terminal (jsonl escapes those below U+0020, as JSON requires, and U+2028 and
U+2029). Example:

  heliograph export --format jsonl --out last-week.jsonl 'time > -7d'`

// exportCSVColumns are the columns of the csv format; properties and scores are JSON objects.
var exportCSVColumns = []string{"request_id", "created_at", "ended_at", "status", "provider",
	"path", "kind", "model", "response_model", "model_override", "user_id", "session_id",
	"session_name", "session_path", "prompt_id", "properties", "ttft_ms", "cost", "streamed",
	"scores", "request_body", "response_raw"}

func runExport(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("export", exportUsage, env.Stderr)
	var conn connFlags
	conn.register(fs, env.Getenv)
	format := fs.String("format", "jsonl", "output format: jsonl or csv")
	out := fs.String("out", "-", `output file, "-" for standard output`)
	pos, err := parseArgs(fs, args, env.Getenv, 1)
	if err != nil {
		return err
	}
	if *format != "jsonl" && *format != "csv" {
		return fmt.Errorf("--format %q: want jsonl or csv", *format)
	}
	c, err := conn.client(1)
	if err != nil {
		return err
	}
	filter := ""
	if len(pos) == 1 {
		filter = pos[0]
	}

	var bar *progress
	if isTerminal(env.Stderr) {
		total, err := countLogs(ctx, c, filter)
		if err != nil {
			total = 0 // The bar then counts without a total.
		}
		bar = newProgress(env.Stderr, "export", "logs", total)
	}
	start := time.Now()
	n, err := writeExport(ctx, c, filter, *format, *out, env.Stdout, bar)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "exported %d logs to %s in %s\n", n, *out,
		time.Since(start).Round(time.Millisecond))
	return nil
}

// writeExport writes the export to path, or to stdout for "-". A file is written under a
// temporary name and renamed when complete, so a failed export leaves no partial file.
func writeExport(ctx context.Context, c *apiClient, filter, format, path string,
	stdout io.Writer, bar *progress) (int, error) {
	if path == "-" {
		return exportTo(ctx, c, filter, format, stdout, bar)
	}
	tmp := path + ".partial"
	// Errors of the file are *PathError values, which name the operation and the file.
	// 0600 like the store's files: an export holds the same logged content.
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := exportTo(ctx, c, filter, format, f, bar)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return n, errors.Join(err, os.Remove(tmp))
	}
	return n, nil
}

// exportTo streams GET /v1/export into w: as received for jsonl, converted line by line for
// csv. It returns the number of logs written.
func exportTo(ctx context.Context, c *apiClient, filter, format string, w io.Writer,
	bar *progress) (int, error) {
	resp, err := openExport(ctx, c, filter)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()

	var n int64
	if format == "csv" {
		n, err = writeCSV(resp.Body, w, bar)
	} else {
		lc := &lineCounter{w: w, bar: bar}
		_, err = io.CopyBuffer(lc, resp.Body, make([]byte, 1<<20))
		n = lc.lines
	}
	if err != nil {
		return int(n), fmt.Errorf("export: %w", err)
	}
	// The trailer arrives after the last line; a server that failed part way sends none.
	sent := resp.Trailer.Get(api.ExportCountTrailer)
	if sent == "" {
		return int(n), fmt.Errorf("export: cut short after %d logs: the server sent no "+
			"final count (%s)", n, api.ExportCountTrailer)
	}
	if sent != strconv.FormatInt(n, 10) {
		return int(n), fmt.Errorf("export: received %d logs but the server reports %s "+
			"(%s)", n, sent, api.ExportCountTrailer)
	}
	return int(n), nil
}

// openExport sends GET /v1/export and returns the response once its status is 200.
func openExport(ctx context.Context, c *apiClient, filter string) (*http.Response, error) {
	v := url.Values{"q": {filter}, "format": {"jsonl"}}
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/export?"+v.Encode(), nil)
	if err != nil {
		return nil, err
	}
	// The stream client has no overall timeout, because an export of millions of logs can take
	// minutes.
	resp, err := c.stream.Do(req)
	if err != nil {
		return nil, err // The *url.Error names the method and the URL.
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, responseError(req, resp)
	}
	return resp, nil
}

// lineCounter passes writes on and counts the newlines in them.
type lineCounter struct {
	w     io.Writer
	bar   *progress
	lines int64
}

func (lc *lineCounter) Write(p []byte) (int, error) {
	n, err := lc.w.Write(p)
	lines := int64(bytes.Count(p[:n], []byte{'\n'}))
	lc.lines += lines
	lc.bar.add(lines)
	return n, err
}

// writeCSV converts export lines read from r into csv records written to w.
func writeCSV(r io.Reader, w io.Writer, bar *progress) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write(exportCSVColumns); err != nil {
		return 0, err
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var n int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			var l exportLog
			if jerr := json.Unmarshal(line, &l); jerr != nil {
				return n, fmt.Errorf("line %d of the response: %w", n+1, jerr)
			}
			if werr := cw.Write(l.csvCells()); werr != nil {
				return n, werr
			}
			n++
			bar.add(1)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

func (l *exportLog) csvCells() []string {
	props, _ := json.Marshal(l.Properties)
	scores, _ := json.Marshal(l.Scores)
	ttft, resp := "", ""
	if l.TimeToFirstTokenMs != nil {
		ttft = strconv.FormatInt(*l.TimeToFirstTokenMs, 10)
	}
	if l.ResponseRaw != nil {
		resp = *l.ResponseRaw
	}
	return spreadsheetSafe([]string{l.RequestID, l.CreatedAt, l.EndedAt,
		strconv.FormatInt(l.Status, 10), l.Provider, l.Path, l.Kind, l.Model, l.ResponseModel,
		l.ModelOverride, l.UserID, l.SessionID, l.SessionName, l.SessionPath, l.PromptID,
		string(props), ttft, strconv.FormatFloat(l.Cost, 'g', -1, 64),
		strconv.FormatBool(l.Streamed), string(scores), l.RequestBody, resp})
}

// countLogs returns how many logs match filter, from GET /v1/metrics over all time in
// year-wide buckets.
func countLogs(ctx context.Context, c *apiClient, filter string) (int64, error) {
	v := url.Values{"q": {filter}, "from": {"1970-01-01T00:00:00Z"},
		"to": {"2200-01-01T00:00:00Z"}, "bucket": {"8760h"}}
	var series struct {
		Buckets []struct {
			Requests int64 `json:"requests"`
		} `json:"buckets"`
	}
	if err := c.getData(ctx, "/v1/metrics?"+v.Encode(), &series); err != nil {
		return 0, err
	}
	var total int64
	for _, b := range series.Buckets {
		total += b.Requests
	}
	return total, nil
}
