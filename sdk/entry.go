package sdk

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// propertyPrefix starts the header of a custom property.
	propertyPrefix = "Helicone-Property-"
	// maxPropertyKeyBytes and maxPropertyValueBytes are the server's limits on one property:
	// the key after the prefix, trimmed of spaces and lower-cased, and the value.
	maxPropertyKeyBytes   = 256
	maxPropertyValueBytes = 64 << 10
	// maxProperties is the most properties the server takes on one log.
	maxProperties = 256
	// maxHeaderValue caps a header value sent as a real HTTP header (compat mode), because
	// many HTTP servers and proxies reject header lines longer than 8 KiB.
	maxHeaderValue = 8 << 10
	// shrinkPasses is how many times a log over the size limit is encoded again with a
	// smaller field limit before its request and response are replaced by markers.
	shrinkPasses = 3
)

// reservedPropertyKeys are the property keys that the server rejects, because they name
// fields of their own. It rejects the whole log that carries one.
var reservedPropertyKeys = []string{"helicone-session-id", "helicone-session-name",
	"helicone-session-path", "helicone-prompt-id", "helicone-user-id"}

// header is one HTTP header of a log; its name is prefix+name.
type header struct {
	prefix string
	name   string
	value  string
}

// entryState is the delivery state of a log.
type entryState uint8

const (
	// statePending: queued, or held by the sender and not yet resolved.
	statePending entryState = iota
	// stateDelivered: the server stored the log or reported it as a duplicate.
	stateDelivered
	// stateFailed: the server rejected the log, or it ran out of retries with no spool to
	// keep it, or Close gave up on it with no spool.
	stateFailed
	// stateKept: the log ran out of retries or Close gave up on it, and it waits in the
	// spool for a resend.
	stateKept
	// stateDropped: the log was evicted from the queue by [DropOldest].
	stateDropped
)

// entry is one encoded log waiting for delivery.
type entry struct {
	// item is the batch item: {"headers":{...},"provider":"...","body":{...}}.
	item      []byte
	hdrStart  int32
	hdrEnd    int32
	bodyStart int32
	provider  Provider
	id        requestID
	// seq orders the logs taken on by the Logger: queued, or read back from the spool.
	// Flush waits for the logs whose seq is not above the last one at its call.
	seq uint64
	// seg is the spool segment that contains the entry, or nil. idx is the entry's record
	// index in it.
	seg *segment
	idx int32
	// counted is true when the entry counts toward the queue's byte limit.
	counted bool
	state   entryState
}

// body returns the custom-log body, as sent to a single-log route.
func (en *entry) body() []byte { return en.item[en.bodyStart : len(en.item)-1] }

// headers returns the JSON object of the log's headers.
func (en *entry) headers() []byte { return en.item[en.hdrStart:en.hdrEnd] }

// logInput is everything one log is built from. It lives in the caller's goroutine until
// it is encoded.
type logInput struct {
	req  Request
	info requestInfo
	call callSettings

	scope       *scope
	sessionID   string
	sessionName string
	sessionPath string
	userID      string
	id          requestID

	start   time.Time
	end     time.Time
	ttft    time.Duration
	hasTTFT bool

	status       int
	response     any
	hasResponse  bool
	text         string
	isText       bool
	textTotal    int
	err          error
	panicked     bool
	panicValue   any
	extraHeaders map[string]string
}

// setResponse records the response value; strings become the text body.
func (in *logInput) setResponse(v any) {
	if s, ok := v.(string); ok {
		in.text, in.isText, in.hasResponse = s, true, false
		return
	}
	in.response, in.hasResponse, in.isText = v, true, false
}

// encode builds the entry for in. A log over the size limit is encoded again with a smaller
// field limit, and at last with markers in place of its request and response, so that its
// metadata (headers, status, timing) always reaches the server.
func (l *Logger) encode(in *logInput) (entry, int) {
	e := l.getEncoder()
	defer l.putEncoder(e)

	limit := l.cfg.maxLogBytes()
	field := l.cfg.maxFieldBytes
	var en entry
	pass := 0
	for ; ; pass++ {
		e.reset(field, MaxDepth)
		minimal := pass == shrinkPasses
		en = l.writeItem(e, in, minimal)
		if len(e.buf) <= limit || minimal {
			break
		}
		field = max(field/8, 256)
	}
	if pass > 0 {
		e.sanitised++
	}
	en.item = bytes.Clone(e.buf)
	return en, e.sanitised
}

func (l *Logger) writeItem(e *encoder, in *logInput, minimal bool) entry {
	en := entry{id: in.id, provider: ProviderCustom}
	if in.call.providerSet {
		en.provider = in.call.provider
	}
	e.raw(`{"headers":`)
	en.hdrStart = int32(len(e.buf))
	l.writeHeaders(e, in)
	en.hdrEnd = int32(len(e.buf))
	e.raw(`,"provider":"`)
	e.raw(string(en.provider))
	e.raw(`","body":`)
	en.bodyStart = int32(len(e.buf))
	writeBody(e, in, minimal)
	e.buf = append(e.buf, '}')
	return en
}

// writeHeaders writes the log's headers as a JSON object. Later sources take precedence:
// default headers, context properties, call properties, session and user, extra headers,
// call headers. Helicone-Request-Id always comes from the log's id.
func (l *Logger) writeHeaders(e *encoder, in *logInput) {
	h := append(e.hdrs[:0], l.itemHeaders...)
	if in.scope != nil {
		h = append(h, in.scope.props...)
	}
	for i := range in.call.opts {
		o := &in.call.opts[i]
		switch o.kind {
		case optProperty:
			h = append(h, header{prefix: propertyPrefix, name: o.key, value: o.value})
		case optProperties:
			for k, v := range o.props {
				h = append(h, header{prefix: propertyPrefix, name: k, value: v})
			}
		}
	}
	if in.sessionID != "" {
		path := in.sessionPath
		if path == "" {
			path = "/"
		}
		h = append(h, header{name: "Helicone-Session-Id", value: in.sessionID},
			header{name: "Helicone-Session-Path", value: path})
		if in.sessionName != "" {
			h = append(h, header{name: "Helicone-Session-Name", value: in.sessionName})
		}
	}
	if in.userID != "" {
		h = append(h, header{name: "Helicone-User-Id", value: in.userID})
	}
	for k, v := range in.extraHeaders {
		h = append(h, header{name: k, value: v})
	}
	for i := range in.call.opts {
		if o := &in.call.opts[i]; o.kind == optHeader {
			h = append(h, header{name: o.key, value: o.value})
		}
	}
	e.hdrs = h

	// Keep the last of each name, in place: laterDuplicate reads only entries after i, which
	// the compaction has not overwritten yet.
	kept, properties := h[:0], 0
	for i, x := range h {
		if x.name == "" || sameHeader(x, requestIDHeader) || laterDuplicate(h, i) {
			continue
		}
		if _, ok := propertyKey(x); ok {
			properties++
		}
		kept = append(kept, x)
	}

	// The server accepts at most maxProperties properties. Beyond them the earliest, which
	// come from the least specific sources, are left out.
	excess := properties - maxProperties
	e.buf = append(e.buf, '{')
	for _, x := range kept {
		if _, ok := propertyKey(x); ok && excess > 0 {
			excess--
			e.sanitised++
			continue
		}
		e.header(x, l.cfg.compat)
	}
	e.raw(`"Helicone-Request-Id":"`)
	e.buf = append(e.buf, in.id[:]...)
	e.raw(`"}`)
}

var requestIDHeader = header{name: "Helicone-Request-Id"}

func laterDuplicate(h []header, i int) bool {
	for j := i + 1; j < len(h); j++ {
		if sameHeader(h[i], h[j]) {
			return true
		}
	}
	return false
}

// sameHeader reports whether two headers set the same thing: the same property, whose keys
// the server trims and lower-cases, or the same header name in any case.
func sameHeader(a, b header) bool {
	ka, aProp := propertyKey(a)
	kb, bProp := propertyKey(b)
	if aProp || bProp {
		return aProp && bProp && strings.EqualFold(strings.TrimSpace(ka), strings.TrimSpace(kb))
	}
	n := len(a.prefix) + len(a.name)
	if n != len(b.prefix)+len(b.name) {
		return false
	}
	for i := range n {
		if lowerASCII(headerByte(a, i)) != lowerASCII(headerByte(b, i)) {
			return false
		}
	}
	return true
}

func headerByte(h header, i int) byte {
	if i < len(h.prefix) {
		return h.prefix[i]
	}
	return h.name[i-len(h.prefix)]
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// header writes one header as a JSON member followed by a comma. In a batch the name and
// value travel as JSON strings and are sent unchanged. With httpHeader (compat mode) they
// become real HTTP headers, so the name is made a valid token and the value is cut and
// cleaned (see httpHeaderName and httpHeaderValue). A property that the server would
// reject is fixed or left out: a value over maxPropertyValueBytes is cut to it, and a key
// over maxPropertyKeyBytes or a reserved key drops the property. Each change is counted.
func (e *encoder) header(h header, httpHeader bool) {
	value, changed := validText(h.value)
	if changed {
		e.sanitised++
	}
	limit := 0
	if key, ok := propertyKey(h); ok {
		if !acceptedPropertyKey(key) {
			e.sanitised++
			return
		}
		limit = maxPropertyValueBytes
	}
	if httpHeader {
		limit = maxHeaderValue
	}
	if limit > 0 && len(value) > limit {
		e.sanitised++
		value = value[:cutUTF8(value, limit)]
	}

	if httpHeader {
		e.httpHeaderName(h)
		e.buf = append(e.buf, ':')
		e.httpHeaderValue(value)
	} else {
		e.buf = append(e.buf, '"')
		e.escape(h.prefix)
		e.escape(h.name)
		e.raw(`":`)
		e.quote(value)
	}
	e.buf = append(e.buf, ',')
}

// propertyKey returns the text after "Helicone-Property-" when h is a custom property,
// whether it came from a property option or from a header with that prefix.
func propertyKey(h header) (string, bool) {
	if h.prefix == propertyPrefix {
		return h.name, true
	}
	if len(h.name) > len(propertyPrefix) &&
		strings.EqualFold(h.name[:len(propertyPrefix)], propertyPrefix) {
		return h.name[len(propertyPrefix):], true
	}
	return "", false
}

// acceptedPropertyKey reports whether the server accepts a property key: it trims and
// lower-cases the key, then rejects a reserved key or one over maxPropertyKeyBytes.
func acceptedPropertyKey(key string) bool {
	key, _ = validText(key)
	key = strings.TrimSpace(key)
	for _, r := range reservedPropertyKeys {
		if strings.EqualFold(key, r) {
			return false
		}
	}
	// Lower-casing grows a UTF-8 string by at most half, so only long keys need it.
	if len(key) <= maxPropertyKeyBytes*2/3 {
		return true
	}
	return len(strings.ToLower(key)) <= maxPropertyKeyBytes
}

// validText returns s with each byte that is not part of valid UTF-8 replaced by U+FFFD,
// as the encoder writes it, so that lengths are measured as the server decodes them. It
// reports whether anything was replaced.
func validText(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String(), true
}

// httpHeaderName writes a header name as a JSON string. Characters not allowed in an HTTP
// header name become "_" and are counted.
func (e *encoder) httpHeaderName(h header) {
	e.buf = append(e.buf, '"')
	for i := range len(h.prefix) + len(h.name) {
		c := headerByte(h, i)
		if !isTokenByte(c) {
			e.sanitised++
			c = '_'
		}
		e.buf = append(e.buf, c)
	}
	e.buf = append(e.buf, '"')
}

func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// httpHeaderValue writes a header value as a JSON string. Control characters, which HTTP
// header values cannot hold, become spaces and are counted.
func (e *encoder) httpHeaderValue(v string) {
	clean := true
	for i := range len(v) {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		e.quote(v)
		return
	}
	e.sanitised++
	b := []byte(v)
	for i, c := range b {
		if c < 0x20 && c != '\t' || c == 0x7f {
			b[i] = ' '
		}
	}
	e.quote(string(b))
}

// writeBody writes the custom-log body in the shape of the official JavaScript client.
func writeBody(e *encoder, in *logInput, minimal bool) {
	e.raw(`{"providerRequest":{"url":"custom-model-nopath","json":`)
	switch {
	case minimal:
		e.truncatedObject(in.info)
	case in.req == nil:
		e.raw("{}")
	default:
		in.req.encodeRequest(e)
	}
	e.raw(`,"meta":{}},"providerResponse":{"json":`)
	writeResponse(e, in, minimal)
	if in.isText {
		e.raw(`,"textBody":`)
		e.text(in.text, in.textTotal)
	}
	e.raw(`,"status":`)
	e.buf = strconv.AppendInt(e.buf, int64(in.status), 10)
	e.raw(`,"headers":{}},"timing":`)
	writeTiming(e, in)
	if in.call.providerSet {
		e.raw(`,"provider":"`)
		e.raw(string(in.call.provider))
		e.buf = append(e.buf, '"')
	}
	e.buf = append(e.buf, '}')
}

// writeTiming writes the start and end as {seconds, milliseconds} pairs of epoch
// milliseconds. The end is derived from the start and the elapsed time so that a wall clock
// step during the operation cannot put the end before the start.
func writeTiming(e *encoder, in *logInput) {
	startMs := max(in.start.UnixMilli(), 0)
	elapsed := in.end.Sub(in.start).Milliseconds()
	if elapsed < 0 {
		e.sanitised++
		elapsed = 0
	}
	e.raw(`{"startTime":`)
	e.timestamp(startMs)
	e.raw(`,"endTime":`)
	e.timestamp(startMs + elapsed)
	if in.hasTTFT && in.ttft >= 0 {
		// Truncated like the elapsed time, so a first output before the end never shows a
		// time to first token above the latency.
		e.raw(`,"timeToFirstToken":`)
		e.buf = strconv.AppendInt(e.buf, in.ttft.Milliseconds(), 10)
	}
	e.buf = append(e.buf, '}')
}

func (e *encoder) timestamp(ms int64) {
	e.raw(`{"seconds":`)
	e.buf = strconv.AppendInt(e.buf, ms/1000, 10)
	e.raw(`,"milliseconds":`)
	e.buf = strconv.AppendInt(e.buf, ms%1000, 10)
	e.buf = append(e.buf, '}')
}

// writeResponse writes providerResponse.json. Errors and panics become
// {"error":{"message":...,"type":...}}; a text response leaves it {}; an object response is
// written as is; any other value is wrapped as {"result":value}. Except for text, the
// request's _type, toolName and name are added, as the official JavaScript client does.
func writeResponse(e *encoder, in *logInput, minimal bool) {
	switch {
	case in.panicked || in.err != nil:
		msg, typ := errorDescription(in)
		e.raw(`{"error":{"message":`)
		e.str(msg)
		e.raw(`,"type":`)
		e.str(typ)
		e.buf = append(e.buf, '}')
		if in.hasResponse && !minimal {
			e.raw(`,"result":`)
			e.value(in.response)
		}
		e.responseExtras(in.info, nil, false)
		e.buf = append(e.buf, '}')
	case in.isText:
		e.raw("{}")
	case minimal:
		e.truncatedObject(in.info)
	case !in.hasResponse || in.response == nil:
		e.buf = append(e.buf, '{')
		e.responseExtras(in.info, nil, true)
		e.buf = append(e.buf, '}')
	default:
		e.objectResponse(in.response, in.info)
	}
}

func (e *encoder) objectResponse(v any, info requestInfo) {
	mark, counted := len(e.buf), e.sanitised
	e.value(v)
	if e.buf[mark] == '{' {
		e.buf = e.buf[:len(e.buf)-1]
		m, _ := v.(map[string]any)
		if mm, ok := v.(Map); ok {
			m = mm
		}
		e.responseExtras(info, m, len(e.buf) == mark+1)
		e.buf = append(e.buf, '}')
		return
	}
	e.buf, e.sanitised = e.buf[:mark], counted
	e.raw(`{"result":`)
	e.value(v)
	e.responseExtras(info, nil, false)
	e.buf = append(e.buf, '}')
}

// responseExtras writes the request's _type, toolName and name into an open object, leaving
// out keys that own already holds.
func (e *encoder) responseExtras(info requestInfo, own map[string]any, first bool) {
	for _, kv := range [...][2]string{{"_type", info.typ}, {"toolName", info.toolName},
		{"name", info.name}} {
		if kv[1] == "" {
			continue
		}
		if _, ok := own[kv[0]]; ok {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.key(kv[0])
		e.str(kv[1])
	}
}

// truncatedObject stands for a request or response removed to fit the size limit.
func (e *encoder) truncatedObject(info requestInfo) {
	e.raw(`{"truncated":true`)
	e.responseExtras(info, nil, false)
	e.buf = append(e.buf, '}')
}

// errorDescription returns the error text and type name of a failed operation. An empty
// error text falls back to the type name.
func errorDescription(in *logInput) (msg, typ string) {
	if in.panicked {
		typ = "panic"
		if s, ok := in.panicValue.(string); ok {
			msg = s
		} else {
			msg = fmt.Sprint(in.panicValue)
		}
	} else {
		typ = reflect.TypeOf(in.err).String()
		msg = fmt.Sprint(in.err)
	}
	if msg == "" {
		msg = typ
	}
	return msg, typ
}
