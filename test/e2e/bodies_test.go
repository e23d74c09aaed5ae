package e2e

import (
	"fmt"
	"strings"
)

// Start of every fixed-time body: 2025-01-01T00:00:00Z.
const baseSeconds = 1735689600

// baseBody is a valid JS-shaped custom log with a 1.25 s latency.
const baseBody = `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"test-model",` +
	`"messages":[{"role":"user","content":"hi"}]},"meta":{}},` +
	`"providerResponse":{"json":{"choices":[{"message":{"role":"assistant","content":"hello"}}]},` +
	`"status":200,"headers":{}},` +
	`"timing":{"startTime":{"seconds":1735689600,"milliseconds":0},` +
	`"endTime":{"seconds":1735689601,"milliseconds":250},"timeToFirstToken":null}}`

// withRequestJSON returns the base body with providerRequest.json replaced.
func withRequestJSON(requestJSON string) string {
	return fmt.Sprintf(`{"providerRequest":{"url":"custom-model-nopath","json":%s,"meta":{}},`+
		`"providerResponse":{"json":{"ok":true},"status":200,"headers":{}},`+
		`"timing":{"startTime":{"seconds":1735689600,"milliseconds":0},`+
		`"endTime":{"seconds":1735689601,"milliseconds":250}}}`, requestJSON)
}

// withResponse returns a body with the given providerResponse object.
func withResponse(response string) string {
	return `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"m"},"meta":{}},` +
		`"providerResponse":` + response + `,` +
		`"timing":{"startTime":{"seconds":1735689600,"milliseconds":0},` +
		`"endTime":{"seconds":1735689601,"milliseconds":250}}}`
}

// withTiming returns a body with the given timing object.
func withTiming(timing string) string {
	return `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"m"},"meta":{}},` +
		`"providerResponse":{"json":{},"status":200,"headers":{}},"timing":` + timing + `}`
}

// nested returns a JSON value nested depth levels deep: {"a":{"a":...1...}}.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// pythonBody builds a body exactly as the Python helicone-helpers client sends it: float
// seconds split into int seconds and int milliseconds, textBody null for dict responses,
// timeToFirstToken null, _type and toolName defaulted to "unknown" in the response, no
// provider field.
func pythonBody(requestJSON, responseJSON string, start, end float64) string {
	split := func(t float64) string {
		sec := int64(t)
		ms := int64((t - float64(sec)) * 1000)
		return fmt.Sprintf(`{"seconds": %d, "milliseconds": %d}`, sec, ms)
	}
	return fmt.Sprintf(`{"providerRequest": {"url": "custom-model-nopath", "json": %s, "meta": {}}, `+
		`"providerResponse": {"headers": {}, "status": 200, "json": %s, "textBody": null}, `+
		`"timing": {"startTime": %s, "endTime": %s, "timeToFirstToken": null}}`,
		requestJSON, responseJSON, split(start), split(end))
}

// pythonTextBody builds a Python builder body: textBody text, json {}, status 200.
func pythonTextBody(requestJSON, text string, start, end float64) string {
	split := func(t float64) string {
		sec := int64(t)
		ms := int64((t - float64(sec)) * 1000)
		return fmt.Sprintf(`{"seconds": %d, "milliseconds": %d}`, sec, ms)
	}
	return fmt.Sprintf(`{"providerRequest": {"url": "custom-model-nopath", "json": %s, "meta": {}}, `+
		`"providerResponse": {"headers": {}, "status": 200, "json": {}, "textBody": %q}, `+
		`"timing": {"startTime": %s, "endTime": %s, "timeToFirstToken": null}}`,
		requestJSON, text, split(start), split(end))
}
