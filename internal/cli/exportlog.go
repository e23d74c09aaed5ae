package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/api"
)

// exportLog is one line of `heliograph export --format jsonl`; see [api.ExportLine].
type exportLog api.ExportLine

// appendBatchItem appends the /v1/log/batch item that stores l again: its Helicone headers
// and a custom-log body rebuilt from the stored bytes. The request body goes in
// providerRequest.json as stored. A response that is a JSON object goes in
// providerResponse.json as stored, any other response in textBody. The cost is sent
// explicitly, so it does not depend on price tables.
func (l *exportLog) appendBatchItem(dst []byte) ([]byte, error) {
	start, err := parseExportTime(l.CreatedAt, "created_at")
	if err != nil {
		return dst, err
	}
	end, err := parseExportTime(l.EndedAt, "ended_at")
	if err != nil {
		return dst, err
	}
	if !json.Valid([]byte(l.RequestBody)) {
		return dst, errors.New("request_body: not valid JSON")
	}
	headers, err := json.Marshal(l.headers())
	if err != nil {
		return dst, fmt.Errorf("encode headers: %w", err)
	}

	dst = append(dst, `{"headers":`...)
	dst = append(dst, headers...)
	dst = append(dst, `,"body":{"providerRequest":{"url":"custom-model-nopath","json":`...)
	dst = append(dst, l.RequestBody...)
	dst = append(dst, `,"meta":{}},"providerResponse":{`...)
	dst, err = l.appendResponse(dst)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `"status":`...)
	dst = strconv.AppendInt(dst, l.Status, 10)
	dst = append(dst, `,"headers":{},"cost":`...)
	dst = strconv.AppendFloat(dst, l.Cost, 'g', -1, 64)
	dst = append(dst, `},"timing":{"startTime":`...)
	dst = appendInstant(dst, start)
	dst = append(dst, `,"endTime":`...)
	dst = appendInstant(dst, end)
	if l.TimeToFirstTokenMs != nil {
		dst = append(dst, `,"timeToFirstToken":`...)
		dst = strconv.AppendInt(dst, *l.TimeToFirstTokenMs, 10)
	}
	dst = append(dst, `},"provider":`...)
	dst = appendString(dst, l.Provider)
	if l.Path != "" {
		dst = append(dst, `},"path":`...)
		dst = appendString(dst, l.Path)
		return append(dst, "}"...), nil
	}
	return append(dst, "}}"...), nil
}

// appendResponse appends the json or textBody members of providerResponse, each followed by
// a comma.
func (l *exportLog) appendResponse(dst []byte) ([]byte, error) {
	if l.ResponseRaw == nil {
		return dst, nil
	}
	raw := *l.ResponseRaw
	if isJSONObject(raw) {
		dst = append(dst, `"json":`...)
		dst = append(dst, raw...)
		return append(dst, ','), nil
	}
	hints, err := json.Marshal(l.kindHints())
	if err != nil {
		return dst, fmt.Errorf("encode response hints: %w", err)
	}
	dst = append(dst, `"json":`...)
	dst = append(dst, hints...)
	dst = append(dst, `,"textBody":`...)
	dst = appendString(dst, raw)
	return append(dst, ','), nil
}

// kindHints returns the providerResponse.json that goes with a text response. Ingest fills
// the kind, tool name, data name and model that the text does not carry from this object,
// so they come out as they were stored.
func (l *exportLog) kindHints() map[string]string {
	hints := map[string]string{}
	if l.ResponseModel != "" {
		hints["model"] = l.ResponseModel
	}
	named := l.ModelOverride == ""
	switch l.Kind {
	case "data":
		hints["_type"] = "data"
		if name, ok := strings.CutPrefix(l.Model, "data:"); ok && named {
			hints["name"] = name
		}
	case "tool":
		hints["_type"] = "tool"
		if name, ok := strings.CutPrefix(l.Model, "tool:"); ok && named {
			hints["toolName"] = name
		}
	case "vector_db":
		hints["_type"] = "vector_db"
	}
	return hints
}

// headers returns the Helicone headers that carry the log's id, links and properties.
func (l *exportLog) headers() map[string]string {
	h := make(map[string]string, len(l.Properties)+7)
	h["Helicone-Request-Id"] = l.RequestID
	for name, v := range map[string]string{
		"Helicone-User-Id":        l.UserID,
		"Helicone-Session-Id":     l.SessionID,
		"Helicone-Session-Name":   l.SessionName,
		"Helicone-Session-Path":   l.SessionPath,
		"Helicone-Prompt-Id":      l.PromptID,
		"Helicone-Model-Override": l.ModelOverride,
	} {
		if v != "" {
			h[name] = v
		}
	}
	for k, v := range l.Properties {
		h["Helicone-Property-"+k] = v
	}
	return h
}

// isJSONObject reports whether s is exactly one JSON object, with nothing around it.
func isJSONObject(s string) bool {
	return len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' && json.Valid([]byte(s))
}

func parseExportTime(s, field string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("%s: %q is not an RFC 3339 time", field, s)
	}
	return t, nil
}

// appendInstant appends a Helicone timing instant, {"seconds": s, "milliseconds": ms}.
func appendInstant(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	sec, milli := ms/1000, ms%1000
	if milli < 0 {
		sec, milli = sec-1, milli+1000
	}
	dst = append(dst, `{"seconds":`...)
	dst = strconv.AppendInt(dst, sec, 10)
	dst = append(dst, `,"milliseconds":`...)
	dst = strconv.AppendInt(dst, milli, 10)
	return append(dst, '}')
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // Encoding a string cannot fail.
	return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...)
}
