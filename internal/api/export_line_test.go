package api

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

func referenceLine(t *testing.T, rec *record.Record, scores map[string]float64) []byte {
	t.Helper()
	l := ExportLine{RequestID: rec.RequestID, CreatedAt: formatTime(rec.CreatedAt),
		EndedAt: formatTime(rec.EndedAt), Status: rec.Status, Provider: rec.Provider,
		Path: rec.Path, Kind: rec.Kind, Model: rec.Model, ResponseModel: rec.ResponseModel,
		ModelOverride: rec.ModelOverride, UserID: rec.UserID, SessionID: rec.SessionID,
		SessionName: rec.SessionName, SessionPath: rec.SessionPath, PromptID: rec.PromptID,
		Properties: rec.Properties, TimeToFirstTokenMs: rec.TimeToFirstTokenMs,
		Cost: rec.Cost, Streamed: rec.Streamed, Scores: scores,
		RequestBody: string(rec.RequestBody)}
	if rec.ResponseRaw != nil {
		raw := string(rec.ResponseRaw)
		l.ResponseRaw = &raw
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return buf.Bytes()
}

// oddText holds every kind of byte the string encoder treats apart.
const oddText = "ascii \"quoted\" back\\slash <a href='x'>&amp;</a> \x00\x01\x08\x09\x0a\x0c" +
	"\x0d\x1f\x7f ünïcode 日本語 😀 \u2028\u2029 invalid \xff\xfe \xc3 \xed\xa0\x80 end"

func TestExportLineMatchesEncodingJSON(t *testing.T) {
	ttft := int64(310)
	base := record.Record{
		RequestID: "0b1c7f9e-2d3a-4c5b-8e6f-7a8b9c0d1e2f",
		CreatedAt: time.Date(2026, 12, 4, 15, 0, 0, 123e6, time.UTC),
		EndedAt:   time.Date(2026, 12, 4, 15, 0, 1, 0, time.FixedZone("x", 3600)),
		Status:    200, Provider: "OPENAI", Path: "/v1/log", Kind: "llm", Model: "gpt-4o",
		RequestBody: []byte(`{"model":"gpt-4o","n":12345678901234567890123}`),
	}
	full := base
	full.ResponseModel, full.ModelOverride, full.UserID = "gpt-4o-2024", "override", "u<1>"
	full.SessionID, full.SessionName, full.SessionPath = "s-1", "name & co", "/a/b"
	full.PromptID, full.TimeToFirstTokenMs, full.Streamed = "p-1", &ttft, true
	full.Properties = map[string]string{"env": "prod", "b": oddText, "a": "", "\x01k": "v"}
	full.Cost = 0.000123
	full.ResponseRaw = []byte("data: {\"x\":1}\n\ndata: [DONE]\n\n")
	odd := base
	odd.RequestBody = []byte(`{"text":"` + oddText + `"}`)
	odd.ResponseRaw = []byte(oddText)
	emptyRaw := base
	emptyRaw.ResponseRaw = []byte{}
	emptyRaw.RequestBody = nil

	tests := []struct {
		name   string
		rec    record.Record
		scores map[string]float64
	}{
		{"minimal", base, nil},
		{"every field", full, map[string]float64{"quality": 0.5, "b": 1e21, "a": -2}},
		{"odd bytes", odd, map[string]float64{oddText: 1e-7}},
		{"empty bodies", emptyRaw, map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendExportLine(nil, &tt.rec, tt.scores)
			if err != nil {
				t.Fatalf("appendExportLine: %v", err)
			}
			if want := referenceLine(t, &tt.rec, tt.scores); !bytes.Equal(got, want) {
				t.Errorf("appendExportLine =\n%s\nencoding/json =\n%s", got, want)
			}
		})
	}
}

func TestExportLineNonFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		rec := record.Record{Cost: v}
		if _, err := appendExportLine(nil, &rec, nil); err == nil {
			t.Errorf("appendExportLine(cost %v) = nil error, want one", v)
		}
		rec.Cost = 0
		if _, err := appendExportLine(nil, &rec, map[string]float64{"s": v}); err == nil {
			t.Errorf("appendExportLine(score %v) = nil error, want one", v)
		}
	}
}

func TestJSONFloatMatchesEncodingJSON(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-300,
		1e20, 1e21, 123456789012345680000, math.MaxFloat64, math.SmallestNonzeroFloat64,
		0.000123, 2.5e-10, -3e25}
	for _, v := range values {
		got, err := appendJSONFloat(nil, v)
		if err != nil {
			t.Fatalf("appendJSONFloat(%v): %v", v, err)
		}
		want, _ := json.Marshal(v)
		if !bytes.Equal(got, want) {
			t.Errorf("appendJSONFloat(%v) = %s, encoding/json = %s", v, got, want)
		}
	}
}

func FuzzJSONStringMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "plain", oddText, "\u2028", "\xe2\x80", "\"\\/", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if want := bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, encoding/json = %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("appendJSONString(%q) = %s does not decode: %v", s, got, err)
		}
	})
}

func BenchmarkExportLine(b *testing.B) {
	ttft := int64(310)
	rec := record.Record{RequestID: "0b1c7f9e-2d3a-4c5b-8e6f-7a8b9c0d1e2f",
		CreatedAt: time.Now(), EndedAt: time.Now(), Status: 200, Provider: "OPENAI",
		Path: "/v1/log", Kind: "llm", Model: "gpt-4o", SessionID: "s-1", UserID: "u-1",
		TimeToFirstTokenMs: &ttft, Cost: 0.00042,
		Properties: map[string]string{"environment": "production", "team": "search",
			"feature": "answers"},
		RequestBody: bytes.Repeat([]byte(`{"role":"user","content":"hello \"x\""},`), 8),
		ResponseRaw: bytes.Repeat([]byte(`{"choices":[{"text":"Paris is cloudy"}]},`), 8)}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = appendExportLine(buf[:0], &rec, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func TestAppendTimeMatchesFormat(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 12, 4, 15, 0, 0, 999_999_999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 1e6, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 0, 30, 0, 5e6, time.FixedZone("plus-one", 3600)),
		time.UnixMilli(0),
	}
	for _, tm := range times {
		got := string(appendTime(nil, tm))
		if want := formatTime(tm); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}
