package record_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/record"
)

func TestDecodeMalformedBodies(t *testing.T) {
	ok := logBody(`{}`, `"json":{}`, "")
	tests := []struct {
		name  string
		body  string
		field string
		kind  error // sentinel that errors.Is must match, or nil
	}{
		{"empty", ``, "", record.ErrInvalidJSON},
		{"whitespace only", " \n\t", "", record.ErrInvalidJSON},
		{"truncated", ok[:len(ok)-1], "", record.ErrInvalidJSON},
		{"trailing garbage", ok + "x", "", record.ErrInvalidJSON},
		{"two values", ok + ok, "", record.ErrInvalidJSON},
		{"trailing comma", `{"providerRequest":{},}`, "", record.ErrInvalidJSON},
		{"single quotes", `{'providerRequest':{}}`, "", record.ErrInvalidJSON},
		{"unquoted key", `{providerRequest:{}}`, "", record.ErrInvalidJSON},
		{"NaN literal", logBody(`{}`, `"json":{"score":NaN,"x":Infinity}`, ""), "",
			record.ErrInvalidJSON},
		{"Infinity literal", logBody(`{}`, `"json":{},"cost":Infinity`, ""), "",
			record.ErrInvalidJSON},
		{"negative Infinity", logBody(`{}`, `"json":{},"cost":-Infinity`, ""), "",
			record.ErrInvalidJSON},
		{"leading zero", logBody(`{}`, `"json":{},"status":0200`, ""), "", record.ErrInvalidJSON},
		{"bad escape", logBody(`{"a":"\x"}`, `"json":{}`, ""), "", record.ErrInvalidJSON},
		{"raw newline in string", logBody(`{"a":"x`+"\n"+`"}`, `"json":{}`, ""), "",
			record.ErrInvalidJSON},
		{"comment", `{"providerRequest":{} /* c */}`, "", record.ErrInvalidJSON},
		{"invalid UTF-8", logBody(`{"a":"`+"\xff\xfe"+`"}`, `"json":{}`, ""), "",
			record.ErrInvalidUTF8},
		{"overlong UTF-8", logBody(`{"a":"`+"\xc0\xaf"+`"}`, `"json":{}`, ""), "",
			record.ErrInvalidUTF8},
		{"UTF-8 surrogate bytes", logBody(`{"a":"`+"\xed\xa0\x80"+`"}`, `"json":{}`, ""), "",
			record.ErrInvalidUTF8},
		{"top level array", `[` + ok + `]`, "", nil},
		{"top level string", `"log"`, "", nil},
		{"top level null", `null`, "", nil},
		{"provider request missing", `{"providerResponse":{"json":{}}}`, "providerRequest", nil},
		{"provider request null", `{"providerRequest":null,"providerResponse":{}}`,
			"providerRequest", nil},
		{"provider request string", `{"providerRequest":"x","providerResponse":{}}`,
			"providerRequest", nil},
		{"provider response missing", `{"providerRequest":{"json":{}}}`, "providerResponse", nil},
		{"provider response array", `{"providerRequest":{},"providerResponse":[]}`,
			"providerResponse", nil},
		{"request json array", logBody(`[1,2]`, `"json":{}`, ""), "providerRequest.json", nil},
		{"request json string", logBody(`"{}"`, `"json":{}`, ""), "providerRequest.json", nil},
		{"response json array", logBody(`{}`, `"json":[]`, ""), "providerResponse.json", nil},
		{"response json number", logBody(`{}`, `"json":5`, ""), "providerResponse.json", nil},
		{"text body number", logBody(`{}`, `"textBody":5`, ""), "providerResponse.textBody", nil},
		{"text body object", logBody(`{}`, `"textBody":{}`, ""), "providerResponse.textBody", nil},
		{"status string", logBody(`{}`, `"json":{},"status":"200"`, ""),
			"providerResponse.status", nil},
		{"status fraction", logBody(`{}`, `"json":{},"status":200.5`, ""),
			"providerResponse.status", nil},
		{"status bool", logBody(`{}`, `"json":{},"status":true`, ""),
			"providerResponse.status", nil},
		{"status too big", logBody(`{}`, `"json":{},"status":1e30`, ""),
			"providerResponse.status", nil},
		{"cost string", logBody(`{}`, `"json":{},"cost":"0.1"`, ""), "providerResponse.cost", nil},
		{"cost negative", logBody(`{}`, `"json":{},"cost":-0.1`, ""), "providerResponse.cost", nil},
		{"cost overflows", logBody(`{}`, `"json":{},"cost":1e400`, ""),
			"providerResponse.cost", nil},
		{"cost over a billion", logBody(`{}`, `"json":{},"cost":1.7e308`, ""),
			"providerResponse.cost", nil},
		{"provider number", logBody(`{}`, `"json":{}`, `,"provider":5`), "provider", nil},
		{"meta not object", metaBody(`[]`), "providerRequest.meta", nil},
		{"meta value not string", metaBody(`{"Helicone-Session-Id":1}`),
			"providerRequest.meta.Helicone-Session-Id", nil},
		{"property key too long", metaBody(`{"Helicone-Property-` + strings.Repeat("k", 257) +
			`":"v"}`), "Helicone-Property-" + strings.Repeat("k", 32) + "...", nil},
		{"property value too long", metaBody(`{"Helicone-Property-Env":"` +
			strings.Repeat("v", 64<<10+1) + `"}`), "Helicone-Property-env", nil},
		{"reserved property name", metaBody(`{"Helicone-Property-Helicone-User-Id":"u"}`),
			"Helicone-Property-helicone-user-id", nil},
		{"timing array", timingBody(`[]`), "timing", nil},
		{"start after end", timingBody(`{"startTime":{"seconds":1735689700},` +
			`"endTime":{"seconds":1735689600}}`), "timing.endTime", nil},
		{"milliseconds out of range", timingBody(`{"startTime":{"seconds":1735689600,` +
			`"milliseconds":1500}}`), "timing.startTime.milliseconds", nil},
		{"start time bool", timingBody(`{"startTime":false}`), "timing.startTime", nil},
		{"ttft array", timingBody(`{"timeToFirstToken":[]}`), "timing.timeToFirstToken", nil},
		{"too deep", strings.Repeat("[", 300) + strings.Repeat("]", 300),
			"", record.ErrTooDeep},
		{"lone high surrogate", logBody(`{"m":[{"c":"a\ud800"}]}`, `"json":{}`, ""),
			"providerRequest.json.m[0].c", record.ErrLoneSurrogate},
		{"high surrogate then text", logBody(`{}`, `"json":{"t":"\uD83Dx\ude00"}`, ""),
			"providerResponse.json.t", record.ErrLoneSurrogate},
		{"high surrogate then high", logBody(`{}`, `"json":{"t":"\ud83d\ud83d"}`, ""),
			"providerResponse.json.t", record.ErrLoneSurrogate},
		{"lone low surrogate", logBody(`{}`, `"textBody":"\udc00"`, ""),
			"providerResponse.textBody", record.ErrLoneSurrogate},
		{"surrogate in meta value", metaBody(`{"Helicone-User-Id":"u\udbff"}`),
			"providerRequest.meta.Helicone-User-Id", record.ErrLoneSurrogate},
		{"surrogate in key", logBody(`{"\ud800":1}`, `"json":{}`, ""),
			"providerRequest.json", record.ErrLoneSurrogate},
	}
	if len(tests) < 25 {
		t.Fatalf("only %d malformed bodies, want at least 25", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := decodeError(t, tt.body, nil)
			if de.Field != tt.field {
				t.Errorf("Decode error %q has field %q, want %q", de, de.Field, tt.field)
			}
			if de.Msg == "" {
				t.Errorf("Decode error for field %q has an empty message", de.Field)
			}
			if tt.kind != nil && !errors.Is(de, tt.kind) {
				t.Errorf("Decode error %q does not match %v", de, tt.kind)
			}
			for _, sentinel := range []error{record.ErrInvalidJSON, record.ErrInvalidUTF8,
				record.ErrTooDeep, record.ErrLoneSurrogate} {
				if sentinel != tt.kind && errors.Is(de, sentinel) {
					t.Errorf("Decode error %q matches %v, want only %v", de, sentinel, tt.kind)
				}
			}
		})
	}
}

func TestDecodeLoneSurrogateMessage(t *testing.T) {
	body := logBody(`{"x":"ab\ud800"}`, `"json":{}`, "")
	de := decodeError(t, body, nil)
	offset := strings.Index(body, `\ud800`)
	want := fmt.Sprintf("providerRequest.json.x: invalid surrogate escape \\ud800 at byte %d: "+
		"a lone UTF-16 surrogate is not a character", offset)
	if de.Error() != want {
		t.Errorf("Decode error = %q, want %q", de.Error(), want)
	}
}

func TestDecodeSurrogatePairAccepted(t *testing.T) {
	body := logBody(`{"x":"\ud83d\ude00","y":"\uD83D\uDE00\u00e9"}`, `"json":{}`, "")
	rec := mustDecode(t, body, nil)
	if !bytes.Contains(rec.RequestBody, []byte(`\ud83d\ude00`)) {
		t.Errorf("Decode: RequestBody = %s, want the escapes byte for byte", rec.RequestBody)
	}
}

func TestCheckJSONText(t *testing.T) {
	for _, ok := range []string{`"a"`, `"\ud83d\ude00"`, `{"a":[1,"b"]}`} {
		if err := record.CheckJSONText([]byte(ok)); err != nil {
			t.Errorf("CheckJSONText(%s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{`"\ud800"`, `"\ude00x"`, `"a`, `[1,]`} {
		if err := record.CheckJSONText([]byte(bad)); err == nil {
			t.Errorf("CheckJSONText(%s) = nil, want an error", bad)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *record.Error
		want string
	}{
		{&record.Error{Field: "timing.endTime", Msg: "before timing.startTime"},
			"timing.endTime: before timing.startTime"},
		{&record.Error{Msg: "invalid JSON at byte 3: x"}, "invalid JSON at byte 3: x"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestDecodeErrorMessages(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"invalid JSON names the byte", `{"providerRequest":{"json":{"a":NaN}}}`,
			"invalid JSON at byte 32: unexpected character 'N' looking for the start of a value"},
		{"end of input", `{"providerRequest":`,
			"invalid JSON at byte 19: unexpected end of input"},
		{"invalid UTF-8 names the byte", "{\"a\":\"ok\xff\"}", "invalid UTF-8 at byte 8"},
		{"depth names the limit",
			strings.Repeat(`{"a":`, 257) + "1" + strings.Repeat("}", 257),
			"nesting too deep: more than 256 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := decodeError(t, tt.body, nil)
			if de.Error() != tt.want {
				t.Errorf("Decode error = %q, want %q", de, tt.want)
			}
		})
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	nested := func(levels int) string {
		return string(bytes.Repeat([]byte(`{"a":`), levels)) + "1" +
			string(bytes.Repeat([]byte("}"), levels))
	}
	// The body object and providerRequest add two levels around providerRequest.json.
	wrap := func(reqJSON string) string { return logBody(reqJSON, `"json":{}`, "") }
	tests := []struct {
		name     string
		body     string
		maxDepth int
		tooDeep  bool
	}{
		{"254 levels inside the body pass", wrap(nested(254)), 0, false},
		{"255 levels inside the body fail", wrap(nested(255)), 0, true},
		{"100000 levels fail", wrap(nested(100_000)), 0, true},
		{"100000 open brackets fail", string(bytes.Repeat([]byte("["), 100_000)), 0, true},
		{"custom limit", wrap(nested(20)), 10, true},
		{"custom limit passes", wrap(nested(8)), 10, false},
		{"large limit passes", wrap(nested(900)), 1000, false},
		{"large limit fails", wrap(nested(999)), 1000, true},
		{"mixed containers under a large limit", wrap(strings.Repeat(`{"a":[`, 300) +
			strings.Repeat("]}", 300)), 1000, false},
		{"mixed containers over a large limit", wrap(strings.Repeat(`{"a":[`, 600) +
			strings.Repeat("]}", 600)), 1000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := options()
			opts.MaxDepth = tt.maxDepth
			_, err := record.Decode([]byte(tt.body), nil, opts)
			if got := errors.Is(err, record.ErrTooDeep); got != tt.tooDeep {
				t.Errorf("Decode error = %v, want ErrTooDeep %v", err, tt.tooDeep)
			}
			if !tt.tooDeep && err != nil {
				t.Errorf("Decode error = %v, want nil", err)
			}
		})
	}
}

func TestDecodeTextBodyDepthIsNotAnError(t *testing.T) {
	deep := string(bytes.Repeat([]byte("["), 1000)) + string(bytes.Repeat([]byte("]"), 1000))
	rec := mustDecode(t, logBody(`{}`, textMember(t, deep), ""), nil)
	if string(rec.ResponseRaw) != deep {
		t.Errorf("Decode: ResponseRaw differs from the text")
	}
	if got := path(t, jsonValue(t, rec.ResponseBody), "text"); got != deep {
		t.Errorf("Decode: too deep text is not kept as text")
	}
}
