package record

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultMaxDepth is the nesting limit of a log body when [Options.MaxDepth] is 0.
const DefaultMaxDepth = 256

// Options configures [Decode]. The zero value is usable: provider CUSTOM, the system clock
// and [DefaultMaxDepth].
type Options struct {
	// Provider is the provider that the ingest route assigns (one of the Provider
	// constants). A `provider` field in the body wins. Empty means ProviderCustom.
	Provider string
	// Path is the URL path the log arrived on, stored in Record.Path.
	Path string
	// Now is the clock used when the body has no timing. Nil means time.Now.
	Now func() time.Time
	// MaxDepth is the maximum nesting depth of the body and of JSON inside textBody, where a
	// top-level object is level 1. Zero or less means DefaultMaxDepth.
	MaxDepth int
}

// Decode normalises one Helicone custom-log body into a Record. h contains the HTTP headers
// of the log, and a Helicone-* header there wins over the same entry of providerRequest.meta.
// Decode sets every field except ProjectID, which the caller fills in.
//
// Bad input gives an [*Error] that names the field, and errors.Is matches [ErrInvalidJSON],
// [ErrInvalidUTF8], [ErrLoneSurrogate] and [ErrTooDeep] through it. Decode does no I/O and is
// safe for concurrent use. It is written to return an error rather than panic on any input, which FuzzDecode
// exercises. The Record shares no memory with body, so the caller may reuse body afterwards.
func Decode(body []byte, h http.Header, opts Options) (*Record, error) {
	d := decoder{maxDepth: opts.MaxDepth, now: opts.Now}
	if d.maxDepth <= 0 {
		d.maxDepth = DefaultMaxDepth
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d.decode(body, h, opts)
}

// decoder contains the settings of one Decode call.
type decoder struct {
	maxDepth int
	now      func() time.Time
}

// wireLog contains the raw parts of a custom-log body that Decode reads. Absent parts are nil.
type wireLog struct {
	requestJSON, meta                    []byte
	responseJSON, textBody, status, cost []byte
	timing, provider                     []byte
}

func (d *decoder) decode(body []byte, h http.Header, opts Options) (*Record, error) {
	if err := checkBody(body, d.maxDepth); err != nil {
		return nil, err
	}
	w, err := splitLog(trimASCIISpace(body))
	if err != nil {
		return nil, err
	}
	hh, err := readHeaders(w.meta, h)
	if err != nil {
		return nil, err
	}
	t, err := decodeTiming(w.timing, d.now)
	if err != nil {
		return nil, err
	}
	status, err := decodeStatus(w.status)
	if err != nil {
		return nil, err
	}
	provider, err := decodeProvider(w.provider, opts.Provider)
	if err != nil {
		return nil, err
	}

	req := scanFields(w.requestJSON)
	resp := d.decodeResponse(&w, string(req.stream) == "true", status)
	rec := &Record{
		RequestID:          hh.resolveRequestID(),
		CreatedAt:          time.UnixMilli(t.startMs).UTC(),
		EndedAt:            time.UnixMilli(t.endMs).UTC(),
		LatencyMs:          t.endMs - t.startMs,
		TimeToFirstTokenMs: t.ttftMs,
		Status:             status,
		RequestModel:       stringOrEmpty(req.model),
		ResponseModel:      resp.fields.modelName(),
		ModelOverride:      hh.modelOverride,
		Provider:           provider,
		Path:               opts.Path,
		UserID:             hh.userID,
		SessionID:          hh.sessionID,
		SessionName:        hh.sessionName,
		SessionPath:        hh.sessionPath,
		PromptID:           hh.promptID,
		Properties:         hh.properties,
		ResponseBody:       resp.body,
		ResponseRaw:        resp.raw,
		Streamed:           resp.streamed,
		Error:              errorText(status, &resp, hh.omitResponse),
	}
	rec.Kind, rec.Model = kindAndModel(&req, &resp.fields, hh.modelOverride)
	readUsage(&resp.fields, w.cost).copyTo(rec)

	rec.RequestBody = []byte("{}")
	switch {
	case hh.omitRequest:
		rec.RequestBody = modelOnlyBody(rec.RequestModel)
	case w.requestJSON != nil && kindOf(w.requestJSON) == kindObject:
		rec.RequestBody = clone(w.requestJSON)
	}
	if hh.omitResponse {
		rec.ResponseBody = modelOnlyBody(rec.ResponseModel)
		rec.ResponseRaw = rec.ResponseBody
	}
	return rec, nil
}

// checkBody rejects a body that is not valid UTF-8, not valid JSON, nested too deeply or not
// an object. It reads the bytes once for UTF-8 and once for syntax and depth.
func checkBody(body []byte, maxDepth int) error {
	if !utf8.Valid(body) {
		return &Error{
			Msg:  fmt.Sprintf("invalid UTF-8 at byte %d", InvalidUTF8Offset(body)),
			kind: ErrInvalidUTF8,
		}
	}
	if se := checkStrictJSON(body, maxDepth); se != nil {
		return se.toError(body)
	}
	if kindOf(trimASCIISpace(body)) != kindObject {
		return &Error{Msg: "the body must be a JSON object"}
	}
	return nil
}

// CheckJSONText checks that data is one JSON value, valid as part of a log body: well-formed,
// nested at most [DefaultMaxDepth] levels and free of lone UTF-16 surrogate escapes. It does
// not check UTF-8. The ingest handler uses it for the header values of a batch item, which
// reach Decode already unquoted.
func CheckJSONText(data []byte) error {
	if se := checkStrictJSON(data, DefaultMaxDepth); se != nil {
		return se.toError(data)
	}
	return nil
}

// toError converts a checker failure in body to an [*Error].
func (se *syntaxError) toError(body []byte) *Error {
	switch {
	case se.tooDeep:
		return &Error{Msg: "nesting too deep: " + se.msg, kind: ErrTooDeep}
	case se.surrogate:
		return &Error{Field: jsonPathAt(body, se.offset),
			Msg: fmt.Sprintf("%s at byte %d: a lone UTF-16 surrogate is not a character",
				se.msg, se.offset),
			kind: ErrLoneSurrogate}
	}
	return &Error{
		Msg:  fmt.Sprintf("invalid JSON at byte %d: %s", se.offset, se.msg),
		kind: ErrInvalidJSON,
	}
}

// InvalidUTF8Offset returns the offset of the first byte of b that starts an invalid UTF-8
// sequence, or len(b) when b is valid.
func InvalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// splitLog reads the top level of a validated body object and checks the type of each part.
func splitLog(body []byte) (wireLog, error) {
	var w wireLog
	var req, resp []byte
	m := newMembers(body)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "providerRequest"):
			req = val
		case keyIs(key, "providerResponse"):
			resp = val
		case keyIs(key, "timing"):
			w.timing = val
		case keyIs(key, "provider"):
			w.provider = val
		}
	}
	if err := w.readRequest(req); err != nil {
		return w, err
	}
	return w, w.readResponse(resp)
}

func (w *wireLog) readRequest(req []byte) error {
	if err := requireObject(req, "providerRequest"); err != nil {
		return err
	}
	m := newMembers(req)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "json"):
			w.requestJSON = val
		case keyIs(key, "meta"):
			w.meta = val
		}
	}
	return optionalObject(w.requestJSON, "providerRequest.json")
}

func (w *wireLog) readResponse(resp []byte) error {
	if err := requireObject(resp, "providerResponse"); err != nil {
		return err
	}
	m := newMembers(resp)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "json"):
			w.responseJSON = val
		case keyIs(key, "textBody"):
			w.textBody = val
		case keyIs(key, "status"):
			w.status = val
		case keyIs(key, "cost"):
			w.cost = val
		}
	}
	if err := optionalObject(w.responseJSON, "providerResponse.json"); err != nil {
		return err
	}
	if k := kindOf(w.textBody); k != kindNone && k != kindNull && k != kindString {
		return fieldError("providerResponse.textBody", "must be a string or null")
	}
	return checkCost(w.cost)
}

// maxCost is the largest cost of one log, in US dollars. The store sums costs over logs in
// float64, and a sum of costs of at most maxCost stays finite below 10^299 logs.
const maxCost = 1e9

// checkCost accepts a missing or null providerResponse.cost, or a number from 0 to maxCost.
func checkCost(raw []byte) error {
	if isAbsent(raw) {
		return nil
	}
	c, ok := floatValue(raw)
	switch {
	case !ok:
		return fieldError("providerResponse.cost", "must be a number of US dollars")
	case c < 0:
		return fieldError("providerResponse.cost", "must not be negative")
	case c > maxCost:
		return fieldError("providerResponse.cost", fmt.Sprintf("%g is out of range, "+
			"want at most %g US dollars", c, float64(maxCost)))
	}
	return nil
}

func requireObject(raw []byte, field string) error {
	switch kindOf(raw) {
	case kindNone, kindNull:
		return fieldError(field, "missing")
	case kindObject:
		return nil
	}
	return fieldError(field, "must be an object")
}

func optionalObject(raw []byte, field string) error {
	switch kindOf(raw) {
	case kindNone, kindNull, kindObject:
		return nil
	}
	return fieldError(field, "must be an object")
}

// decodeProvider returns the body's `provider` in upper case, else the route's provider,
// else CUSTOM.
func decodeProvider(raw []byte, route string) (string, error) {
	switch kindOf(raw) {
	case kindNone, kindNull:
	case kindString:
		if s, _ := stringValue(raw); strings.TrimSpace(s) != "" {
			return strings.ToUpper(strings.TrimSpace(s)), nil
		}
	default:
		return "", fieldError("provider", "must be a string")
	}
	if route != "" {
		return route, nil
	}
	return ProviderCustom, nil
}

func stringOrEmpty(raw []byte) string {
	s, _ := stringValue(raw)
	return s
}
