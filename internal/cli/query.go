package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

const queryUsage = `Usage: heliograph query [flags] '<filter>'

Prints the logs that match a filter-language expression, newest first, reading
GET /v1/requests page by page. An empty filter matches every log.

The table format shows control characters in logged values as escapes such as \x1b and
\u202e, so that they cannot act on the terminal. The json and jsonl formats escape them as
JSON does, with the same decoded values. The csv format writes values byte for byte, control
characters included, for programs to read; do not print it to a terminal unread. Only a cell
that a spreadsheet would read as a formula (text starting with =, +, -, @, a tab or a carriage
return, unless it is a plain decimal number such as -1.5 or 1e-05) gets a leading
apostrophe, so -Infinity gets one. Example:

  heliograph query 'kind = tool and latency > 500ms and time > -1h' --format table`

// rowSummary is the part of a request row that the table and CSV formats print.
type rowSummary struct {
	RequestID        string  `json:"request_id"`
	CreatedAt        string  `json:"request_created_at"`
	Status           int64   `json:"response_status"`
	Kind             string  `json:"kind"`
	Model            string  `json:"model"`
	Provider         string  `json:"provider"`
	LatencyMs        int64   `json:"latency_ms"`
	TTFTMs           *int64  `json:"time_to_first_token"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	TotalTokens      int64   `json:"total_tokens"`
	Cost             float64 `json:"cost"`
	UserID           string  `json:"user_id"`
	SessionID        string  `json:"session_id"`
	SessionName      string  `json:"session_name"`
	SessionPath      string  `json:"session_path"`
	Error            string  `json:"error"`
}

func runQuery(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("query", queryUsage, env.Stderr)
	var conn connFlags
	conn.register(fs, env.Getenv)
	format := fs.String("format", "table", "output format: table, json, jsonl or csv")
	limit := fs.Int("limit", 100, "maximum number of logs to print, 0 for all")
	pos, err := parseArgs(fs, args, env.Getenv, 1)
	if err != nil {
		return err
	}
	out, err := newRowWriter(*format, env.Stdout)
	if err != nil {
		return err
	}
	if *limit < 0 {
		return fmt.Errorf("--limit %d: must not be negative", *limit)
	}
	c, err := conn.client(1)
	if err != nil {
		return err
	}

	filter := ""
	if len(pos) == 1 {
		filter = pos[0]
	}
	// One log past the limit shows whether the limit cut the output.
	fetch, more := *limit, false
	if fetch > 0 {
		fetch++
	}
	err = pageRequests(ctx, c, filter, fetch, false, func(row json.RawMessage) error {
		if *limit > 0 && out.rows == *limit {
			more = true
			return nil
		}
		return out.write(row)
	})
	if err != nil {
		out.abort()
		return err
	}
	if err := out.close(); err != nil {
		return err
	}
	// Standard error, so the output stays the logs alone in every format.
	switch {
	case out.rows == 0:
		fmt.Fprintln(env.Stderr, "no logs match")
	case more:
		fmt.Fprintf(env.Stderr, "printed the first %d matching logs, and more match; "+
			"--limit N prints more, --limit 0 every one\n", out.rows)
	}
	return nil
}

// rowWriter prints request rows in one output format.
type rowWriter struct {
	format string
	w      *bufio.Writer
	table  *tabwriter.Writer
	csv    *csv.Writer
	rows   int
}

// tableColumns and csvColumns are the columns of the table and CSV formats.
var (
	tableColumns = []string{"TIME", "STATUS", "KIND", "NAME", "LATENCY", "USER", "SESSION"}
	csvColumns   = []string{"request_id", "created_at", "status", "kind", "model", "provider",
		"latency_ms", "ttft_ms", "prompt_tokens", "completion_tokens", "total_tokens", "cost",
		"user_id", "session_id", "session_name", "session_path", "error"}
)

func newRowWriter(format string, w io.Writer) (*rowWriter, error) {
	rw := &rowWriter{format: format, w: bufio.NewWriter(w)}
	switch format {
	case "table":
		rw.table = tabwriter.NewWriter(rw.w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(rw.table, joinTabs(tableColumns))
	case "csv":
		rw.csv = csv.NewWriter(rw.w)
		if err := rw.csv.Write(csvColumns); err != nil {
			return nil, fmt.Errorf("write output: %w", err)
		}
	case "json", "jsonl":
	default:
		return nil, fmt.Errorf("--format %q: want table, json, jsonl or csv", format)
	}
	return rw, nil
}

func (rw *rowWriter) write(raw json.RawMessage) error {
	defer func() { rw.rows++ }()
	switch rw.format {
	case "json":
		sep := ",\n"
		if rw.rows == 0 {
			sep = "[\n"
		}
		_, err := rw.w.WriteString(sep + string(escapeJSONControls(raw)))
		return err
	case "jsonl":
		_, err := rw.w.WriteString(string(escapeJSONControls(raw)) + "\n")
		return err
	}
	var r rowSummary
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("decode row: %w", err)
	}
	if rw.table != nil {
		_, err := fmt.Fprintln(rw.table, joinTabs(r.tableCells()))
		return err
	}
	return rw.csv.Write(r.csvCells())
}

func (rw *rowWriter) close() error {
	switch {
	case rw.format == "json" && rw.rows == 0:
		rw.w.WriteString("[]\n")
	case rw.format == "json":
		rw.w.WriteString("\n]\n")
	case rw.table != nil:
		rw.table.Flush()
	case rw.csv != nil:
		rw.csv.Flush()
		if err := rw.csv.Error(); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	if err := rw.w.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// abort ends the output after a failed query. It prints nothing when no row was read, so a
// failure never looks like an empty result, and otherwise prints the rows read so far
// without closing a json array, so the output does not parse as complete.
func (rw *rowWriter) abort() {
	if rw.rows == 0 {
		return
	}
	switch {
	case rw.table != nil:
		rw.table.Flush()
	case rw.csv != nil:
		rw.csv.Flush()
	}
	_ = rw.w.Flush() // The query error is the one reported.
}

func (r rowSummary) tableCells() []string {
	t := r.CreatedAt
	if parsed, err := time.Parse(time.RFC3339Nano, r.CreatedAt); err == nil {
		t = parsed.UTC().Format("2006-01-02 15:04:05.000")
	}
	return []string{t, strconv.FormatInt(r.Status, 10), r.Kind, orDash(r.name()),
		formatLatency(r.LatencyMs), orDash(r.UserID), orDash(r.SessionID)}
}

// name returns the log's name as the filter field name reads it.
func (r rowSummary) name() string { return record.NameOf(r.Kind, r.Model) }

func (r rowSummary) csvCells() []string {
	ttft := ""
	if r.TTFTMs != nil {
		ttft = strconv.FormatInt(*r.TTFTMs, 10)
	}
	return spreadsheetSafe([]string{r.RequestID, r.CreatedAt, strconv.FormatInt(r.Status, 10),
		r.Kind, r.Model, r.Provider, strconv.FormatInt(r.LatencyMs, 10), ttft,
		strconv.FormatInt(r.PromptTokens, 10), strconv.FormatInt(r.CompletionTokens, 10),
		strconv.FormatInt(r.TotalTokens, 10), strconv.FormatFloat(r.Cost, 'g', -1, 64),
		r.UserID, r.SessionID, r.SessionName, r.SessionPath, r.Error})
}

// formatLatency prints milliseconds below one second and seconds above.
func formatLatency(ms int64) string {
	if ms < 1000 {
		return strconv.FormatInt(ms, 10) + "ms"
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', 2, 64) + "s"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// joinTabs joins table cells with tabs after escaping the control characters inside each
// cell, tabs and line breaks included, so that each row stays on one line of its columns
// and logged content cannot drive the terminal.
func joinTabs(cells []string) string {
	clean := make([]string, len(cells))
	for i, c := range cells {
		clean[i] = escapeControls(c)
	}
	return strings.Join(clean, "\t")
}
