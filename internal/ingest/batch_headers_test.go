package ingest

import (
	"encoding/json"
	"testing"
)

func TestItemHeadersFirstNameWins(t *testing.T) {
	raw := json.RawMessage(`{"Helicone-Property-Env":"first","helicone-property-env":"second",` +
		`"Helicone-Property- env ":"third","helicone-user-id":"u-1","Helicone-User-Id":"u-2",` +
		`"Helicone-Property-Team":"t"}`)
	// A map would give a random order, so the check runs many times.
	for range 20 {
		hdr, err := itemHeaders(raw)
		if err != nil {
			t.Fatalf("itemHeaders: %v", err)
		}
		if got := hdr.Get("Helicone-Property-Env"); got != "first" {
			t.Fatalf("Helicone-Property-Env = %q, want the first value", got)
		}
		if got := hdr.Get("Helicone-User-Id"); got != "u-1" {
			t.Fatalf("Helicone-User-Id = %q, want the first value", got)
		}
		if got := hdr.Get("Helicone-Property- env "); got != "" {
			t.Fatalf("a later name for the same property was kept: %q", got)
		}
		if got := hdr.Get("Helicone-Property-Team"); got != "t" {
			t.Fatalf("Helicone-Property-Team = %q, want t", got)
		}
	}
}

func TestItemHeadersShapes(t *testing.T) {
	for _, raw := range []string{``, `null`, `{}`} {
		hdr, err := itemHeaders(json.RawMessage(raw))
		if err != nil || len(hdr) != 0 {
			t.Errorf("itemHeaders(%q) = %v, %v; want no headers", raw, hdr, err)
		}
	}
	for _, raw := range []string{`[]`, `"x"`, `{"Helicone-User-Id":1}`} {
		if _, err := itemHeaders(json.RawMessage(raw)); err == nil {
			t.Errorf("itemHeaders(%q) accepted it, want an error", raw)
		}
	}
}
