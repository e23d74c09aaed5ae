package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"testing"
	"time"
)

// chunkReader returns its data in the given chunk sizes, then io.EOF.
type chunkReader struct {
	data   []byte
	chunks []int
	delay  time.Duration
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	if c.delay > 0 {
		time.Sleep(c.delay)
	}
	n := len(c.data)
	if len(c.chunks) > 0 {
		n, c.chunks = min(c.chunks[0], n), c.chunks[1:]
	}
	n = copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestWrapReaderPassesBytesUnchanged(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url())
	data := []byte("data: {\"delta\":\"héllo 😀\"}\n\ndata: [DONE]\n")
	emoji := bytes.Index(data, []byte("😀"))
	// Split inside a line, inside "é" and inside the emoji.
	src := &chunkReader{data: data, chunks: []int{8, 11, emoji + 2 - 19, 3, 7},
		delay: 5 * time.Millisecond}

	rc := l.WrapReader(t.Context(), LLM{Model: "m", Stream: true}, src)
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("caller read %q, want %q", got, data)
	}
	if err := rc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	flush(t, l)

	lg := s.only(t)
	if text := lg.response()["textBody"]; text != string(data) {
		t.Errorf("logged text = %q, want %q", text, data)
	}
	if lg.status() != 200 {
		t.Errorf("status = %d, want 200", lg.status())
	}
	timing, _ := lg.Body["timing"].(map[string]any)
	if ttft, ok := timing["timeToFirstToken"].(float64); !ok || ttft < 5 {
		t.Errorf("timeToFirstToken = %v, want at least the first read's 5ms", timing["timeToFirstToken"])
	}
}

func TestWrapReaderEndings(t *testing.T) {
	boom := errors.New("stream broke")
	for _, tc := range []struct {
		name   string
		read   func(io.ReadCloser)
		src    io.Reader
		status int
		text   string
	}{
		{"close before end", func(rc io.ReadCloser) {
			buf := make([]byte, 4)
			_, _ = rc.Read(buf)
			_ = rc.Close()
		}, &chunkReader{data: []byte("abcdefgh"), chunks: []int{4}}, StatusCancelled, "abcd"},
		{"read error", func(rc io.ReadCloser) { _, _ = io.ReadAll(rc) },
			io.MultiReader(bytes.NewReader([]byte("abc")), errReader{boom}), 500,
			"stream broke\n\nabc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t)
			l := newLogger(t, s.url())
			rc := l.WrapReader(t.Context(), Data{Name: "s"}, tc.src)
			tc.read(rc)
			_ = rc.Close()
			flush(t, l)
			lg := s.only(t)
			if lg.status() != tc.status {
				t.Errorf("status = %d, want %d", lg.status(), tc.status)
			}
			if text := lg.response()["textBody"]; text != tc.text {
				t.Errorf("text = %q, want %q", text, tc.text)
			}
		})
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestWrapReaderCopyIsBounded(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithMaxFieldBytes(1000))
	data := bytes.Repeat([]byte("é"), 2000) // 4000 bytes
	got, _ := io.ReadAll(l.WrapReader(t.Context(), Data{Name: "s"}, bytes.NewReader(data)))
	if !bytes.Equal(got, data) {
		t.Fatal("caller did not read the stream unchanged")
	}
	flush(t, l)
	text, _ := s.only(t).response()["textBody"].(string)
	want := string(data[:1000]) + "\n[truncated: 4000 bytes total]"
	if text != want {
		t.Errorf("text = %.40q... (%d bytes), want the first 1000 bytes and the marker",
			text, len(text))
	}
}

func chunks(items []string, err error) iter.Seq2[map[string]string, error] {
	return func(yield func(map[string]string, error) bool) {
		for _, it := range items {
			if !yield(map[string]string{"delta": it}, nil) {
				return
			}
		}
		if err != nil {
			yield(nil, err)
		}
	}
}

func TestWrapSeq(t *testing.T) {
	for _, tc := range []struct {
		name   string
		seq    iter.Seq2[map[string]string, error]
		stopAt int
		status int
		text   string
	}{
		{"complete", chunks([]string{"a", "b"}, nil), -1, 200,
			"{\"delta\":\"a\"}\n{\"delta\":\"b\"}\n"},
		{"early break", chunks([]string{"a", "b", "c"}, nil), 0, StatusCancelled,
			"{\"delta\":\"a\"}\n"},
		{"error", chunks([]string{"a"}, errors.New("cut")), -1, 500,
			"cut\n\n{\"delta\":\"a\"}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t)
			l := newLogger(t, s.url())
			var seen []string
			i := 0
			for v, err := range WrapSeq(t.Context(), l, LLM{Model: "m"}, tc.seq) {
				if err == nil {
					seen = append(seen, v["delta"])
				}
				if i == tc.stopAt {
					break
				}
				i++
			}
			if len(seen) == 0 || seen[0] != "a" {
				t.Errorf("caller saw %v, want the chunks unchanged", seen)
			}
			flush(t, l)
			lg := s.only(t)
			if lg.status() != tc.status {
				t.Errorf("status = %d, want %d", lg.status(), tc.status)
			}
			if text := lg.response()["textBody"]; text != tc.text {
				t.Errorf("text = %q, want %q", text, tc.text)
			}
		})
	}
}

func TestBuilder(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithFlushInterval(time.Hour))
	ctx := t.Context()

	b := l.NewBuilder(ctx, LLM{Model: "m"}, WithProvider(ProviderOpenAI))
	b.SetResponse("partial")
	b.SetTimeToFirstToken(40 * time.Millisecond)
	b.AddHeaders(map[string]string{"Helicone-Prompt-Id": "p1"})
	b.Send()
	b.Send() // only the first Send counts

	fail := l.NewBuilder(ctx, Data{Name: "d"})
	fail.SetError(context.DeadlineExceeded)
	fail.Send()

	cancel := l.NewBuilder(ctx, Data{Name: "d"})
	cancel.SetCancelled()
	cancel.Send()
	flush(t, l)

	logs := s.stored()
	if len(logs) != 3 {
		t.Fatalf("sink stored %d logs, want 3", len(logs))
	}
	first := logs[0]
	timing, _ := first.Body["timing"].(map[string]any)
	if first.Provider != "OPENAI" || first.Body["provider"] != "OPENAI" ||
		first.Headers["Helicone-Prompt-Id"] != "p1" || timing["timeToFirstToken"] != 40.0 ||
		first.response()["textBody"] != "partial" {
		t.Errorf("builder log = %+v, want provider, header, TTFT and text kept", first)
	}
	if logs[1].status() != 500 || errorMessage(logs[1]) != "context deadline exceeded" {
		t.Errorf("error log: status %d, message %q", logs[1].status(), errorMessage(logs[1]))
	}
	if logs[2].status() != StatusCancelled {
		t.Errorf("cancelled log: status %d, want -3", logs[2].status())
	}
}

func TestSendLogTiming(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url())
	start := time.UnixMilli(1735689600000)
	l.SendLog(t.Context(), Log{Request: Data{Name: "d"}, Response: map[string]any{"ok": true},
		Start: start, End: start.Add(1250 * time.Millisecond), TimeToFirstToken: 300 * time.Millisecond,
		Headers: map[string]string{"Helicone-Property-src": "sendlog"}})
	flush(t, l)
	lg := s.only(t)
	got, _ := json.Marshal(lg.Body["timing"])
	want := `{"endTime":{"milliseconds":250,"seconds":1735689601},` +
		`"startTime":{"milliseconds":0,"seconds":1735689600},"timeToFirstToken":300}`
	if string(got) != want {
		t.Errorf("timing = %s, want %s", got, want)
	}
	if lg.Headers["Helicone-Property-src"] != "sendlog" {
		t.Errorf("headers = %v, want the extra header", lg.Headers)
	}
}
