package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/record"
)

const importUsage = `Usage: heliograph import [flags] FILE

Stores the logs of a file written by "heliograph export --format jsonl" (FILE "-" reads
standard input) through POST /v1/log/batch. Each log keeps its request id, times, status,
properties, session, user, cost, ingest path and byte-equal bodies; its scores are set again
after it is stored. Importing the same file twice stores nothing twice: logs already stored
are counted as duplicates and keep their fields, but the file's scores are set on them again,
so running an interrupted import a second time completes it. A line whose request_id is not
a UUID (versions 1 to 8) is rejected, because the server would store it under a new id each
time. Each log is sent as a rebuilt custom-log body, a few hundred bytes larger than the one
first received, so a log that came within that margin of the server's --max-body-bytes is
rejected with 413 on a server with the same limit: raise the target's limit to import it.`

// importBatch is a batch of items read from the file, with what is needed to report on them.
type importBatch struct {
	items  [][]byte
	lines  []int
	scores []map[string]float64
	ids    []string
	size   int
}

func runImport(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("import", importUsage, env.Stderr)
	var conn connFlags
	conn.register(fs, env.Getenv)
	batchSize := fs.Int("batch-size", 500, "logs per batch request, 1 to 1000")
	workers := fs.Int("concurrency", 4, "batch requests sent at once")
	zip := fs.Bool("gzip", true, "compress batch requests with gzip")
	pos, err := parseArgs(fs, args, env.Getenv, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "import: missing FILE")
		fs.Usage()
		return errUsage
	}
	if *batchSize < 1 || *batchSize > maxBatchLogs || *workers < 1 {
		return fmt.Errorf("--batch-size must be 1 to %d and --concurrency at least 1",
			maxBatchLogs)
	}
	c, err := conn.client(*workers)
	if err != nil {
		return err
	}

	in, size, err := openInput(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	bar := newProgress(env.Stderr, "import", "bytes", size)
	imp := &importer{c: c, poster: newBatchPoster(c, *zip), bar: bar}
	start := time.Now()
	err = imp.run(ctx, in, *batchSize, *workers)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %s: %d logs, %s in %s\n", pos[0], imp.lines,
		imp.totals.summary(), time.Since(start).Round(time.Millisecond))
	return imp.totals.problem()
}

// openInput opens a file, or standard input for "-", and returns its size when known.
func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err // The *PathError names the operation and the file.
	}
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

// importer reads export lines and sends them in batches from several workers.
type importer struct {
	c      *apiClient
	poster *batchPoster
	bar    *progress
	totals batchTotals
	// lines counts the lines that are not blank, which the summary reports as logs.
	lines int
}

func (imp *importer) run(ctx context.Context, in io.Reader, batchSize, workers int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan importBatch, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range batches {
				if err := imp.send(ctx, b); err != nil {
					cancel(err)
				}
			}
		})
	}
	readErr := imp.read(ctx, in, batchSize, batches)
	close(batches)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if readErr != nil {
		return readErr
	}
	return ctx.Err()
}

// read turns lines into batch items and hands out batches until the input ends.
func (imp *importer) read(ctx context.Context, in io.Reader, batchSize int,
	out chan<- importBatch) error {
	br := bufio.NewReaderSize(in, 1<<20)
	var b importBatch
	flush := func() bool {
		if len(b.items) == 0 {
			return true
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return false
		}
		b = importBatch{}
		return true
	}
	// lineNumber counts blank lines too, so that messages name the line of the file.
	lineNumber := 0
	for {
		line, err := br.ReadBytes('\n')
		if lineNumber == 0 && isCSVExportHeader(line) {
			return errors.New("the input is a csv export, which does not import: export " +
				"with --format jsonl (the default) and import that file")
		}
		if len(line) > 0 {
			lineNumber++
			imp.bar.add(int64(len(line)))
			imp.addLine(&b, line, lineNumber)
			if len(b.items) >= batchSize || b.size >= maxBatchBytes {
				if !flush() {
					return ctx.Err()
				}
			}
		}
		if errors.Is(err, io.EOF) {
			flush()
			return nil
		}
		if err != nil {
			return fmt.Errorf("read line %d: %w", lineNumber+1, err)
		}
	}
}

// isCSVExportHeader reports whether line is the header line of export --format csv.
func isCSVExportHeader(line []byte) bool {
	return strings.HasPrefix(string(bytes.TrimSpace(line)), strings.Join(exportCSVColumns, ","))
}

// addLine converts one export line into a batch item; a line that cannot be converted is
// counted as rejected.
func (imp *importer) addLine(b *importBatch, line []byte, n int) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	imp.lines++
	// Without its line break, a line cut short reports the end of the input, not a line
	// break inside a string.
	line = bytes.TrimRight(line, "\r\n")
	var l exportLog
	if err := json.Unmarshal(line, &l); err != nil {
		imp.totals.reject(1, fmt.Sprintf("line %d: %s", n, describeLineError(err)))
		return
	}
	// Ingest replaces a request id that is not a UUID with a new random one, so such a line
	// would be stored again by every import.
	if !record.ValidRequestID(l.RequestID) {
		imp.totals.reject(1, fmt.Sprintf("line %d: request_id: %q is not a UUID, so the "+
			"log cannot keep its id and is not imported", n, l.RequestID))
		return
	}
	item, err := l.appendBatchItem(nil)
	if err != nil {
		imp.totals.reject(1, fmt.Sprintf("line %d (%s): %v", n, l.RequestID, err))
		return
	}
	b.items = append(b.items, item)
	b.lines = append(b.lines, n)
	b.scores = append(b.scores, l.Scores)
	b.ids = append(b.ids, l.RequestID)
	b.size += len(item)
}

// send posts one batch, then sets the scores of the logs it stored or found stored.
func (imp *importer) send(ctx context.Context, b importBatch) error {
	ans, err := imp.poster.post(ctx, b.items)
	if err != nil {
		return err
	}
	imp.totals.add(ans, func(i int) string {
		if i < 0 || i >= len(b.lines) {
			return fmt.Sprintf("item %d", i)
		}
		return fmt.Sprintf("line %d (%s)", b.lines[i], b.ids[i])
	})
	for _, r := range ans.Results {
		// Scores are set on duplicates too: a log stored by an interrupted earlier import
		// may not have its scores yet, and setting the same scores again changes nothing.
		done := r.Status == itemStored || r.Status == itemDuplicate
		if !done || r.Index < 0 || r.Index >= len(b.scores) || len(b.scores[r.Index]) == 0 {
			continue
		}
		path := "/v1/request/" + url.PathEscape(b.ids[r.Index]) + "/score"
		body := map[string]any{"scores": b.scores[r.Index]}
		if err := imp.c.postData(ctx, path, body, nil); err != nil {
			return fmt.Errorf("line %d: set scores: %w", b.lines[r.Index], err)
		}
	}
	return nil
}

// describeLineError describes what is wrong with an export line that encoding/json could not
// decode, in the terms of the file. It names the field by its JSON name with the kinds of
// value expected and found, or the byte at which the line stops being JSON.
func describeLineError(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		found := describeJSONValue(te.Value)
		if te.Field == "" {
			return "expected a JSON object, found " + found
		}
		if isMapField(reflect.TypeFor[exportLog](), te.Field) {
			return fmt.Sprintf("field %s: expected every value in it to be %s, found %s",
				te.Field, describeGoType(te.Type), found)
		}
		return fmt.Sprintf("field %s: expected %s, found %s", te.Field,
			describeGoType(te.Type), found)
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		// Offsets count from 0, as the server's do for the same JSON.
		return fmt.Sprintf("not valid JSON at byte %d: %v", httperr.SyntaxOffset(se), se)
	}
	return "not valid JSON: " + err.Error()
}

// isMapField reports whether the JSON field name of struct type t is a map, such as
// properties, whose type errors are about one of its values.
func isMapField(t reflect.Type, name string) bool {
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name {
			return f.Type.Kind() == reflect.Map
		}
	}
	return false
}

// describeJSONValue turns the Value of a json.UnmarshalTypeError, such as "string" or
// "number 1.5", into words.
func describeJSONValue(v string) string {
	switch v {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "array":
		return "an array"
	case "object":
		return "an object"
	case "number":
		return "a number"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return "the number " + n
	}
	return v
}

// describeGoType names the JSON value that decodes into t.
func describeGoType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "another kind of value"
}
