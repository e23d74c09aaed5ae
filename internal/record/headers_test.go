package record_test

import (
	"fmt"
	"maps"
	"net/http"
	"testing"

	"github.com/heliograph/heliograph/internal/record"
)

// metaBody returns a body whose providerRequest.meta is meta (a JSON value).
func metaBody(meta string) string {
	return `{"providerRequest":{"url":"custom-model-nopath","json":{},"meta":` + meta +
		`},"providerResponse":{"json":{}},` + baseTiming + `}`
}

func TestDecodeHeaderFields(t *testing.T) {
	h := header(
		"Helicone-User-Id", "user-123",
		"Helicone-Session-Id", "S1",
		"Helicone-Session-Name", "agent",
		"Helicone-Session-Path", "/run/tool_a",
		"Helicone-Prompt-Id", "prompt-7",
		"Helicone-Model-Override", "my-model",
		"Authorization", "Bearer sk-helicone-secret",
		"Helicone-Auth", "Bearer sk-helicone-secret",
		"Content-Type", "application/json",
	)
	rec := mustDecode(t, logBody(`{"model":"m"}`, `"json":{}`, ""), h)
	checks := []struct{ name, got, want string }{
		{"UserID", rec.UserID, "user-123"},
		{"SessionID", rec.SessionID, "S1"},
		{"SessionName", rec.SessionName, "agent"},
		{"SessionPath", rec.SessionPath, "/run/tool_a"},
		{"PromptID", rec.PromptID, "prompt-7"},
		{"ModelOverride", rec.ModelOverride, "my-model"},
		{"Model", rec.Model, "my-model"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Decode: %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(rec.Properties) != 0 {
		t.Errorf("Decode: Properties = %v, want none", rec.Properties)
	}
}

func TestDecodeMetaAndHeadersMerge(t *testing.T) {
	meta := `{"Helicone-User-Id":"meta-user","Helicone-Session-Id":"meta-session",` +
		`"helicone-property-env":"meta-env","Helicone-Property-Team":"meta-team",` +
		`"Helicone-Session-Name":null,"Other-Key":{"not":"a string"}}`
	h := header("helicone-user-id", "header-user", "HELICONE-PROPERTY-ENV", "header-env")
	rec := mustDecode(t, metaBody(meta), h)

	if rec.UserID != "header-user" {
		t.Errorf("Decode: UserID = %q, want header-user (header wins)", rec.UserID)
	}
	if rec.SessionID != "meta-session" {
		t.Errorf("Decode: SessionID = %q, want meta-session", rec.SessionID)
	}
	if rec.SessionName != "" {
		t.Errorf("Decode: SessionName = %q, want empty for null", rec.SessionName)
	}
	want := map[string]string{"env": "header-env", "team": "meta-team"}
	if !maps.Equal(rec.Properties, want) {
		t.Errorf("Decode: Properties = %v, want %v", rec.Properties, want)
	}
}

func TestDecodePropertyKeys(t *testing.T) {
	meta := `{"Helicone-Property-key with space":"v","Helicone-Property-ключ":"w",` +
		`"Helicone-Property-\u00c9T\u00c9":"summer","Helicone-Property-":"ignored",` +
		`"Helicone-Property-  Padded\t":"p","Helicone-Property-   ":"ignored too"}`
	h := header(
		"Helicone-Property-uni.workflow.id", "wf-1",
		"Helicone-Property-MiXeD", "y",
		"Helicone-Property-o'brien", "q",
		"Helicone-Property-a_b-c~d", "z",
		"Helicone-Property-Note", "<img src=x onerror=alert(1)>",
		"Helicone-Property-Empty", "",
	)
	rec := mustDecode(t, metaBody(meta), h)
	want := map[string]string{
		"uni.workflow.id": "wf-1",
		"mixed":           "y",
		"o'brien":         "q",
		"a_b-c~d":         "z",
		"note":            "<img src=x onerror=alert(1)>",
		"empty":           "",
		"key with space":  "v",
		"ключ":            "w",
		"été":             "summer",
		"padded":          "p",
	}
	if !maps.Equal(rec.Properties, want) {
		t.Errorf("Decode: Properties = %v, want %v", rec.Properties, want)
	}
}

func TestDecodeMetaErrors(t *testing.T) {
	tests := []struct {
		name, meta, field string
	}{
		{"number value", `{"Helicone-User-Id":5}`, "providerRequest.meta.Helicone-User-Id"},
		{"object value", `{"Helicone-Property-x":{}}`, "providerRequest.meta.Helicone-Property-x"},
		{"bool value", `{"helicone-omit-request":true}`,
			"providerRequest.meta.helicone-omit-request"},
		{"meta is an array", `["Helicone-User-Id"]`, "providerRequest.meta"},
		{"meta is a string", `"x"`, "providerRequest.meta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := decodeError(t, metaBody(tt.meta), nil)
			if de.Field != tt.field {
				t.Errorf("Decode error = %q, want field %q", de, tt.field)
			}
		})
	}
}

func TestDecodeOmitFromMeta(t *testing.T) {
	meta := `{"Helicone-Omit-Request":"true"}`
	body := `{"providerRequest":{"json":{"model":"m","secret":1},"meta":` + meta +
		`},"providerResponse":{"json":{}}}`
	rec := mustDecode(t, body, nil)
	if string(rec.RequestBody) != `{"model":"m"}` {
		t.Errorf("Decode: RequestBody = %s, want {\"model\":\"m\"}", rec.RequestBody)
	}

	rec = mustDecode(t, body, header("Helicone-Omit-Request", "false"))
	if string(rec.RequestBody) != `{"model":"m","secret":1}` {
		t.Errorf("Decode: RequestBody = %s, want the body kept (header wins)", rec.RequestBody)
	}
}

func TestDecodeRequestID(t *testing.T) {
	const valid = "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e"
	tests := []struct {
		name string
		h    http.Header
		meta string
		want string // "" means a new random id
	}{
		{"valid header kept", header("Helicone-Request-Id", valid), `{}`, valid},
		{"upper case lowered", header("Helicone-Request-Id",
			"3F1C0F4E-8A51-4B7E-9A2C-5D2A1B3C4D5E"), `{}`, valid},
		{"from meta", nil, `{"Helicone-Request-Id":"` + valid + `"}`, valid},
		{"spaces around it in meta", nil, `{"Helicone-Request-Id":" ` + valid + `\t"}`, valid},
		{"header wins over meta", header("Helicone-Request-Id", valid),
			`{"Helicone-Request-Id":"0b0c3c1e-8f1d-4a57-9d8e-2a0b0c3c1e8f"}`, valid},
		{"not a uuid", header("Helicone-Request-Id", "req-1"), `{}`, ""},
		{"version 7 kept", header("Helicone-Request-Id",
			"01938f6e-4a2b-7c3d-8e4f-5a6b7c8d9e0f"), `{}`, "01938f6e-4a2b-7c3d-8e4f-5a6b7c8d9e0f"},
		{"version 9", header("Helicone-Request-Id",
			"3f1c0f4e-8a51-9b7e-9a2c-5d2a1b3c4d5e"), `{}`, ""},
		{"variant c", header("Helicone-Request-Id",
			"3f1c0f4e-8a51-4b7e-ca2c-5d2a1b3c4d5e"), `{}`, ""},
		{"braced", header("Helicone-Request-Id",
			"{3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e}"), `{}`, ""},
		{"absent", nil, `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, metaBody(tt.meta), tt.h)
			switch {
			case tt.want != "" && rec.RequestID != tt.want:
				t.Errorf("Decode: RequestID = %q, want %q", rec.RequestID, tt.want)
			case tt.want == "" && !validLowerV4(rec.RequestID):
				t.Errorf("Decode: RequestID = %q, want a new lower-case v4 UUID", rec.RequestID)
			}
		})
	}
}

// validLowerV4 reports whether s is a lower-case version 4 UUID.
func validLowerV4(s string) bool {
	if !record.ValidRequestID(s) || s[14] != '4' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'F' {
			return false
		}
	}
	return true
}

func TestDecodeMetaFirstNameWins(t *testing.T) {
	meta := `{"Helicone-Property-Env":"first","helicone-property-env":"second",` +
		`"Helicone-Property- env ":"third","Helicone-User-Id":null,"helicone-user-id":"u-1",` +
		`"HELICONE-USER-ID":"u-2"}`
	rec := mustDecode(t, metaBody(meta), nil)
	if got := rec.Properties["env"]; got != "first" {
		t.Errorf("property env = %q, want the first value", got)
	}
	// null counts as absent, so the next name sets the user.
	if rec.UserID != "u-1" {
		t.Errorf("UserID = %q, want u-1", rec.UserID)
	}
}

// A header value that is not UTF-8 is read as ISO-8859-1, as Node's fetch and Python's
// http.client send characters up to U+00FF.
func TestDecodeHeaderLatin1(t *testing.T) {
	body := []byte(logBody(`{"model":"m"}`, `"json":{}`, ""))
	h := header("Helicone-Property-City", "Z\xfcrich", "Helicone-User-Id", "jos\xe9",
		"Helicone-Session-Name", "caf\xc3\xa9", "Helicone-Session-Path", "/\xff/a")
	rec, err := record.Decode(body, h, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"property city", rec.Properties["city"], "Zürich"},
		{"UserID", rec.UserID, "josé"},
		{"SessionName (UTF-8 as sent)", rec.SessionName, "café"},
		{"SessionPath", rec.SessionPath, "/ÿ/a"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Decode: %s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestDecodePropertyCount(t *testing.T) {
	body := []byte(logBody(`{"model":"m"}`, `"json":{}`, ""))
	h := http.Header{}
	for i := range record.MaxProperties {
		h.Set(fmt.Sprintf("Helicone-Property-P%d", i), "v")
	}
	rec, err := record.Decode(body, h, record.Options{})
	if err != nil || len(rec.Properties) != record.MaxProperties {
		t.Fatalf("Decode with %d properties: %v; want them all", record.MaxProperties, err)
	}
	// A name given twice, here in meta and as a header, is one property.
	meta := metaBody(`{"Helicone-Property-P0":"m"}`)
	if _, err := record.Decode([]byte(meta), h, record.Options{}); err != nil {
		t.Errorf("Decode with %d properties, one also in meta: %v", record.MaxProperties, err)
	}

	// The session feedback property does not count, so that an export of a full log that
	// took its session's feedback imports again.
	h.Set("Helicone-Property-Helicone-Session-Feedback", "1")
	if _, err := record.Decode(body, h, record.Options{}); err != nil {
		t.Errorf("Decode with %d properties and the session feedback: %v",
			record.MaxProperties, err)
	}

	h.Set("Helicone-Property-One-More", "v")
	_, err = record.Decode(body, h, record.Options{})
	want := "Helicone-Property-*: 257 properties, over the limit of 256 per log"
	if err == nil || err.Error() != want {
		t.Errorf("Decode with %d properties: %v, want %q", record.MaxProperties+1, err, want)
	}
}
