package sdk

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestUnencodableValuesStillLogged(t *testing.T) {
	selfMap := map[string]any{}
	selfMap["self"] = selfMap
	selfSlice := []any{nil}
	selfSlice[0] = selfSlice
	deep := map[string]any{}
	cur := deep
	for range 10000 {
		next := map[string]any{}
		cur["d"] = next
		cur = next
	}
	for _, tc := range []struct {
		name  string
		input any
		want  string
	}{
		{"NaN", math.NaN(), `"NaN"`},
		{"Inf", []float64{math.Inf(1), math.Inf(-1)}, `["Infinity","-Infinity"]`},
		{"map cycle", selfMap, `{"self":"[cycle]"}`},
		{"slice cycle", selfSlice, `["[cycle]"]`},
		{"10000-deep map", deep, `"[max depth]"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t)
			l := newLogger(t, s.url())
			_, err := l.LogRequest(t.Context(), Tool{ToolName: "t", Input: tc.input}, okOp)
			if err != nil {
				t.Fatalf("LogRequest: %v", err)
			}
			flush(t, l)
			lg := s.only(t)
			input, _ := json.Marshal(lg.request()["input"])
			if !strings.Contains(string(input), tc.want) {
				t.Errorf("logged input = %.200s, want it to contain %s", input, tc.want)
			}
			if st := l.Stats(); st.Sanitised == 0 {
				t.Error("Stats.Sanitised = 0, want the replacement counted")
			}
		})
	}
}

func TestOversizedFieldIsCutNotDropped(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithMaxBatchBytes(16<<20), WithQueueBytes(32<<20))
	huge := strings.Repeat("a", 12<<20)
	_, err := l.LogRequest(t.Context(), Tool{ToolName: "t", Input: huge}, okOp,
		WithProperty("doc", "big"), WithSession("S-big", "", "/x"))
	if err != nil {
		t.Fatalf("LogRequest: %v", err)
	}
	flush(t, l)

	lg := s.only(t)
	marker, _ := lg.request()["input"].(map[string]any)
	if marker["truncated"] != true || marker["original_bytes"] != float64(12<<20) {
		t.Errorf("input = %v, want the truncation marker with original_bytes", marker["truncated"])
	}
	if p, _ := marker["prefix"].(string); len(p) != DefaultMaxFieldBytes {
		t.Errorf("prefix has %d bytes, want %d", len(p), DefaultMaxFieldBytes)
	}
	if lg.Headers["Helicone-Property-doc"] != "big" || lg.Headers["Helicone-Session-Id"] != "S-big" {
		t.Errorf("headers = %v, want the property and session kept", lg.Headers)
	}
	if st := l.Stats(); st.Sanitised != 1 || st.Sent != 1 {
		t.Errorf("Stats = %+v, want Sanitised 1 and Sent 1", st)
	}
}

func TestLogOverBatchLimitIsShrunk(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithMaxBatchBytes(256<<10), WithMaxFieldBytes(200<<10))
	fields := map[string]any{}
	for _, k := range []string{"a", "b", "c", "d"} {
		fields[k] = strings.Repeat(k, 150<<10)
	}
	_, _ = l.LogRequest(t.Context(), Data{Name: "big", Fields: fields}, okOp,
		WithProperty("env", "prod"))
	flush(t, l)

	lg := s.only(t)
	if lg.status() != 200 || lg.Headers["Helicone-Property-env"] != "prod" {
		t.Errorf("status %d, headers %v; want 200 and the property kept", lg.status(),
			lg.Headers)
	}
	if lg.request()["name"] != "big" {
		t.Errorf("request = %.200v, want name kept", lg.request())
	}
	if st := l.Stats(); st.Sanitised == 0 {
		t.Error("Stats.Sanitised = 0, want the shrink counted")
	}
}

func TestRequestShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  Request
		want string
	}{
		{"data", Data{Name: "load", Meta: map[string]any{"rows": 3},
			Fields: map[string]any{"name": "ignored", "x": 1}},
			`{"_type":"data","name":"load","meta":{"rows":3},"x":1}`},
		{"tool", Tool{ToolName: "search", Input: map[string]any{"q": "x"}},
			`{"_type":"tool","toolName":"search","input":{"q":"x"}}`},
		{"vector db", VectorDB{Operation: "search", Text: "q", Vector: []float64{0.5},
			TopK: 3, Filter: map[string]any{"k": "v"}, DatabaseName: "pg"},
			`{"_type":"vector_db","operation":"search","text":"q","vector":[0.5],"topK":3,` +
				`"filter":{"k":"v"},"databaseName":"pg"}`},
		{"llm", LLM{Model: "m", Messages: []Message{{Role: "user", Content: "hi"}},
			Stream: true, Fields: map[string]any{"temperature": 0.5}},
			`{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,` +
				`"temperature":0.5}`},
		{"map", Map{"model": "m", "prompt": "p"}, `{"model":"m","prompt":"p"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &encoder{types: &typeCache{}}
			e.reset(1<<20, MaxDepth)
			tc.req.encodeRequest(e)
			if string(e.buf) != tc.want {
				t.Errorf("request JSON = %s\nwant           %s", e.buf, tc.want)
			}
		})
	}
}

func TestResponseShapes(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithFlushInterval(time.Hour))
	ctx := t.Context()
	l.LogSingle(ctx, toolReq, map[string]any{"hits": 3}, 0)
	l.LogSingle(ctx, Data{Name: "d"}, []int{1, 2}, 0)
	l.LogSingle(ctx, toolReq, "plain text", 0)
	l.LogSingle(ctx, Data{Name: "d"}, nil, 0)
	flush(t, l)

	want := []string{
		`{"_type":"tool","hits":3,"toolName":"search"}`,
		`{"_type":"data","name":"d","result":[1,2]}`,
		`{}`,
		`{"_type":"data","name":"d"}`,
	}
	logs := s.stored()
	if len(logs) != len(want) {
		t.Fatalf("sink stored %d logs, want %d", len(logs), len(want))
	}
	for i, lg := range logs {
		got, _ := json.Marshal(lg.response()["json"])
		if !jsonEqual(t, string(got), want[i]) {
			t.Errorf("log %d: response json = %s, want %s", i, got, want[i])
		}
	}
	if logs[2].response()["textBody"] != "plain text" {
		t.Errorf("text response: textBody = %v, want plain text", logs[2].response()["textBody"])
	}
}

// The server takes at most 256 properties: beyond them the SDK leaves out the earliest, those
// of the context, keeps those of the call and counts each one it leaves out.
func TestPropertiesOverLimitCut(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url())
	ctxProps, callProps := map[string]string{}, map[string]string{}
	for i := range 100 {
		ctxProps[fmt.Sprintf("ctx%d", i)] = "c"
	}
	for i := range 200 {
		callProps[fmt.Sprintf("call%d", i)] = "v"
	}
	ctx := ContextWithProperties(t.Context(), ctxProps)
	if _, err := l.LogRequest(ctx, toolReq, okOp, WithProperties(callProps)); err != nil {
		t.Fatal(err)
	}
	flush(t, l)

	calls, ctxs := 0, 0
	for name := range s.only(t).Headers {
		switch {
		case strings.HasPrefix(name, "Helicone-Property-call"):
			calls++
		case strings.HasPrefix(name, "Helicone-Property-ctx"):
			ctxs++
		}
	}
	if calls != 200 || ctxs != 56 {
		t.Errorf("sent %d call and %d context properties, want 200 and 56", calls, ctxs)
	}
	if st := l.Stats(); st.Sanitised != 44 || st.Sent != 1 {
		t.Errorf("Stats = %+v, want Sanitised 44 and Sent 1", st)
	}
}

// Property keys that the server trims and lower-cases to the same key are one property, and
// the last value given wins.
func TestPropertyKeysNormalized(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url())
	_, _ = l.LogRequest(t.Context(), toolReq, okOp, WithProperty("Env", "A"),
		WithProperty("env", "B"), WithProperty(" ENV ", "C"))
	flush(t, l)
	var values []string
	for name, v := range s.only(t).Headers {
		if strings.HasPrefix(strings.ToLower(name), "helicone-property-") {
			values = append(values, v)
		}
	}
	if len(values) != 1 || values[0] != "C" {
		t.Errorf("property values sent = %v, want only C", values)
	}
}
