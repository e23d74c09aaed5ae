package sdk

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

type inner struct {
	B int `json:"b"`
}

type sample struct {
	Name    string            `json:"name"`
	Skip    string            `json:"-"`
	Empty   string            `json:"empty,omitempty"`
	Count   int64             `json:"count,string"`
	Ptr     *inner            `json:"ptr"`
	NilPtr  *inner            `json:"nil_ptr"`
	Tags    []string          `json:"tags"`
	Labels  map[string]string `json:"labels"`
	When    time.Time         `json:"when"`
	Raw     json.RawMessage   `json:"raw"`
	Bytes   []byte            `json:"bytes"`
	Ratio   float32           `json:"ratio"`
	private int
	inner
}

func encodeValue(v any, maxField int) (string, int) {
	e := &encoder{types: &typeCache{}}
	e.reset(maxField, MaxDepth)
	e.value(v)
	return string(e.buf), e.sanitised
}

func TestEncoderMatchesEncodingJSON(t *testing.T) {
	when := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"string with escapes", "a\"b\\c\n\t\x01é😀\u2028"},
		{"numbers", []any{1, int8(-2), uint16(3), 1.5, float32(0.1), 1e21, 1e-7, 0.0}},
		{"nested map", map[string]any{"b": []any{true, false, nil}, "a": map[string]any{}}},
		{"string map", map[string]string{"z": "1", "a": "2"}},
		{"struct", sample{Name: "n", Count: 42, Ptr: &inner{B: 1}, Tags: []string{"t"},
			When: when, Raw: json.RawMessage(`{"k": [1, 2]}`), Bytes: []byte("hi"),
			Ratio: 0.25, inner: inner{B: 7}, private: 1}},
		{"int keys", map[int]string{2: "b", 10: "a"}},
		{"empty slice", []int{}},
		{"array", [2]bool{true, false}},
		{"json number", json.Number("12.5")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			got, n := encodeValue(tc.v, 1<<20)
			if !jsonEqual(t, got, string(want)) {
				t.Errorf("encode = %s\nwant      %s", got, want)
			}
			if n != 0 {
				t.Errorf("sanitised = %d, want 0", n)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("invalid JSON %s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

type badMarshaler struct{}

func (badMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

type panickyMarshaler struct{}

func (panickyMarshaler) MarshalJSON() ([]byte, error) { panic("marshal") }

type node struct {
	Next *node
}

func TestEncoderReplacements(t *testing.T) {
	selfMap := map[string]any{"k": 1}
	selfMap["self"] = selfMap
	selfSlice := []any{1, nil}
	selfSlice[1] = selfSlice
	loop := &node{}
	loop.Next = loop
	deep := map[string]any{}
	cur := deep
	for range 10000 {
		next := map[string]any{}
		cur["d"] = next
		cur = next
	}

	for _, tc := range []struct {
		name     string
		v        any
		contains []string
		count    int
	}{
		{"NaN and infinities", []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1},
			[]string{`["NaN","Infinity","-Infinity",1]`}, 3},
		{"map cycle", selfMap, []string{`"self":"[cycle]"`}, 1},
		{"slice cycle", selfSlice, []string{`[1,"[cycle]"]`}, 1},
		{"pointer cycle", loop, []string{`{"Next":"[cycle]"}`}, 1},
		{"deep nesting", deep, []string{`"[max depth]"`}, 1},
		{"channel and func", map[string]any{"c": make(chan int), "f": func() {}},
			[]string{`"c":"chan int"`, `"f":"func()"`}, 2},
		{"complex", complex(1, 2), []string{`"complex128"`}, 1},
		{"invalid UTF-8", "a\xffb", []string{`"a\ufffdb"`}, 1},
		{"failing marshaler", badMarshaler{}, []string{`"sdk.badMarshaler"`}, 1},
		{"panicking marshaler", panickyMarshaler{}, []string{`"sdk.panickyMarshaler"`}, 1},
		{"long string", strings.Repeat("é", 300),
			[]string{`{"truncated":true,"original_bytes":600,"prefix":"`}, 1},
		{"error value", errors.New("bad"), []string{`"bad"`}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := encodeValue(tc.v, 256)
			if !json.Valid([]byte(got)) {
				t.Fatalf("encode = %s, not valid JSON", got)
			}
			for _, c := range tc.contains {
				if !strings.Contains(got, c) {
					t.Errorf("encode = %.300s, want it to contain %s", got, c)
				}
			}
			if n != tc.count {
				t.Errorf("sanitised = %d, want %d", n, tc.count)
			}
		})
	}
}

func TestEncoderDepthLimit(t *testing.T) {
	v := any("leaf")
	for range MaxDepth {
		v = []any{v}
	}
	got, n := encodeValue(v, 1<<10)
	if n != 0 || !strings.Contains(got, `"leaf"`) {
		t.Errorf("%d levels: sanitised %d, leaf kept %v; want every level kept", MaxDepth, n,
			strings.Contains(got, "leaf"))
	}
	got, n = encodeValue([]any{v}, 1<<10)
	if n != 1 || strings.Contains(got, `"leaf"`) {
		t.Errorf("%d levels: sanitised %d; want the innermost level replaced", MaxDepth+1, n)
	}
}

func TestTruncatedPrefixIsValidUTF8(t *testing.T) {
	got, _ := encodeValue(strings.Repeat("😀", 100), 258)
	var m struct {
		Prefix string `json:"prefix"`
	}
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Prefix) != 256 || strings.ContainsRune(m.Prefix, '\uFFFD') {
		t.Errorf("prefix has %d bytes (want 256, whole characters): %q", len(m.Prefix), m.Prefix)
	}
}
