package sdk

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestSessionPathNesting(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithFlushInterval(time.Hour))
	ctx := ContextWithSession(t.Context(), "s-1", "research")
	ctx = ContextWithUserID(ctx, "user-9")
	ctx = ContextWithProperties(ctx, map[string]string{"env": "test"})

	_, err := l.LogRequest(ctx, Data{Name: "agent"}, func(ctx context.Context, _ *Recorder) (any, error) {
		_, _ = l.LogRequest(ctx, Tool{ToolName: "search"}, func(ctx context.Context, _ *Recorder) (any, error) {
			l.LogSingle(ctx, LLM{Model: "m"}, "answer", time.Millisecond,
				WithPathSegment("rank"))
			return nil, nil
		})
		l.LogSingle(ctx, VectorDB{Operation: "search"}, nil, 0)
		l.LogSingle(ctx, Data{Name: "explicit"}, nil, 0, WithSession("s-2", "other", "/x/y"))
		l.LogSingle(ctx, Data{Name: "flat"}, nil, 0, WithPathSegment(""),
			WithUserID("user-override"), WithProperty("env", "call"))
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.LogSingle(t.Context(), Data{Name: "no session"}, nil, 0)
	flush(t, l)

	type want struct{ session, name, path, user, env string }
	wants := map[string]want{
		"m":          {"s-1", "research", "/agent/search/rank", "user-9", "test"},
		"search":     {"s-1", "research", "/agent/search", "user-9", "test"},
		"vector_db":  {"s-1", "research", "/agent/vector_db", "user-9", "test"},
		"explicit":   {"s-2", "other", "/x/y", "user-9", "test"},
		"flat":       {"s-1", "research", "/agent", "user-override", "call"},
		"agent":      {"s-1", "research", "/agent", "user-9", "test"},
		"no session": {"", "", "", "", ""},
	}
	logs := s.stored()
	if len(logs) != len(wants) {
		t.Fatalf("sink stored %d logs, want %d", len(logs), len(wants))
	}
	for _, lg := range logs {
		r := lg.request()
		key, _ := r["name"].(string)
		if key == "" {
			key, _ = r["toolName"].(string)
		}
		if key == "" {
			key, _ = r["model"].(string)
		}
		if key == "" {
			key, _ = r["_type"].(string)
		}
		w, ok := wants[key]
		if !ok {
			t.Errorf("unexpected log %v", r)
			continue
		}
		got := want{lg.Headers["Helicone-Session-Id"], lg.Headers["Helicone-Session-Name"],
			lg.Headers["Helicone-Session-Path"], lg.Headers["Helicone-User-Id"],
			lg.Headers["Helicone-Property-env"]}
		if got != w {
			t.Errorf("log %q: session headers %+v, want %+v", key, got, w)
		}
	}
}

func TestRequestIDs(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithFlushInterval(time.Hour))
	l.LogSingle(t.Context(), Data{Name: "a"}, nil, 0)
	l.LogSingle(t.Context(), Data{Name: "b"}, nil, 0,
		WithRequestID("3F1C0F4E-8A51-4B7E-9A2C-5D2A1B3C4D5E"))
	l.LogSingle(t.Context(), Data{Name: "c"}, nil, 0, WithRequestID("not-a-uuid"),
		WithHeader("Helicone-Request-Id", "also-ignored"))
	flush(t, l)
	logs := s.stored()
	if len(logs) != 3 {
		t.Fatalf("sink stored %d logs, want 3", len(logs))
	}
	if got := logs[1].id(); got != "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e" {
		t.Errorf("given request id: sent %q, want it lower-cased", got)
	}
	for _, i := range []int{0, 2} {
		if _, ok := parseRequestID(logs[i].id()); !ok || logs[i].id()[14] != '4' {
			t.Errorf("log %d: request id %q, want a random version 4 UUID", i, logs[i].id())
		}
	}
}

func TestParseRequestIDVersions(t *testing.T) {
	for id, want := range map[string]bool{
		"3f1c0f4e-8a51-1b7e-9a2c-5d2a1b3c4d5e": true,
		"01938f6e-4a2b-7c3d-8e4f-5a6b7c8d9e0f": true, // UUIDv7, which many clients generate
		"3f1c0f4e-8a51-8b7e-9a2c-5d2a1b3c4d5e": true,
		"3f1c0f4e-8a51-0b7e-9a2c-5d2a1b3c4d5e": false,
		"3f1c0f4e-8a51-9b7e-9a2c-5d2a1b3c4d5e": false,
		"3f1c0f4e-8a51-4b7e-ca2c-5d2a1b3c4d5e": false,
	} {
		if _, ok := parseRequestID(id); ok != want {
			t.Errorf("parseRequestID(%q) ok = %v, want %v", id, ok, want)
		}
	}
}

func TestHeadersInBatch(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithDefaultHeaders(map[string]string{
		"Helicone-Property-team": "core", "X-Proxy-Token": "t"}))
	long := strings.Repeat("v", 20<<10)
	tooLong := strings.Repeat("w", maxPropertyValueBytes+10)
	longKey := strings.Repeat("k", maxPropertyKeyBytes+1)
	user := strings.Repeat("u", 20<<10)
	l.LogSingle(t.Context(), Data{Name: "a"}, nil, 0,
		WithProperty("ключ", "значение"), WithProperty("my key", "line1\r\nline2"),
		WithProperty("team", "search"), WithProperty("long", long),
		WithProperty("too long", tooLong), WithProperty(longKey, "x"),
		WithProperty("Helicone-User-Id", "reserved"), WithUserID(user),
		WithSession("s-"+long, "", "/a"))
	flush(t, l)
	lg := s.only(t)

	for name, want := range map[string]string{
		"Helicone-Property-ключ":     "значение",
		"Helicone-Property-my key":   "line1\r\nline2",
		"Helicone-Property-team":     "search",
		"Helicone-Property-long":     long,
		"Helicone-Property-too long": tooLong[:maxPropertyValueBytes],
		"Helicone-User-Id":           user,
		"Helicone-Session-Id":        "s-" + long,
	} {
		if got := lg.Headers[name]; got != want {
			t.Errorf("header %q has %d bytes (%.20q...), want %d bytes (%.20q...)", name,
				len(got), got, len(want), want)
		}
	}
	for _, name := range []string{"Helicone-Property-" + longKey,
		"Helicone-Property-Helicone-User-Id", "X-Proxy-Token"} {
		if _, ok := lg.Headers[name]; ok {
			t.Errorf("header %.40q was sent inside the log, want it left out", name)
		}
	}
	// One cut value, one key over the limit and one reserved key.
	if st := l.Stats(); st.Sanitised != 3 {
		t.Errorf("Stats.Sanitised = %d, want 3", st.Sanitised)
	}
}

func TestHeadersInCompatMode(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url(), WithCompatMode(true))
	long := strings.Repeat("v", 20<<10)
	l.LogSingle(t.Context(), Data{Name: "a"}, nil, 0,
		WithProperty("my key", "line1\r\nline2"), WithProperty("long", long),
		WithUserID("user-1"))
	flush(t, l)
	h := s.only(t).HTTPHeader

	for name, want := range map[string]string{
		"Helicone-Property-My_key": "line1  line2",
		"Helicone-Property-Long":   long[:maxHeaderValue],
		"Helicone-User-Id":         "user-1",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("HTTP header %s has %d bytes (%.20q...), want %d bytes (%.20q...)",
				name, len(got), got, len(want), want)
		}
	}
}

func TestAcceptedPropertyKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		want bool
	}{
		{"short", "env", true},
		{"at the limit", strings.Repeat("k", maxPropertyKeyBytes), true},
		{"over the limit", strings.Repeat("k", maxPropertyKeyBytes+1), false},
		{"spaces trimmed", " " + strings.Repeat("k", maxPropertyKeyBytes) + " ", true},
		// U+023A has 2 bytes and its lower case U+2C65 has 3.
		{"grows when lower-cased", strings.Repeat("\u023a", 100), false},
		{"invalid UTF-8 becomes U+FFFD", strings.Repeat("\xff", 100), false},
		{"reserved", "HELICONE-SESSION-ID", false},
		{"reserved after trimming", " helicone-user-id", false},
	} {
		if got := acceptedPropertyKey(tc.key); got != tc.want {
			t.Errorf("%s: acceptedPropertyKey(%.30q) = %v, want %v", tc.name, tc.key, got,
				tc.want)
		}
	}
}
