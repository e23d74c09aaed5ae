package sdk

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Markers written in place of values that JSON cannot carry.
const (
	markCycle    = `"[cycle]"`
	markMaxDepth = `"[max depth]"`
)

// containerRef identifies a map, slice or pointer being encoded, for cycle detection.
// Slices sharing a backing array are told apart by their length.
type containerRef struct {
	ptr uintptr
	n   int
}

// encoder writes JSON for arbitrary Go values into buf. It never fails: values that JSON
// cannot carry are replaced (see the package documentation) and each replacement is counted
// in sanitised. An encoder is used by one goroutine at a time and is reused through a pool.
type encoder struct {
	buf       []byte
	maxField  int
	maxDepth  int
	depth     int
	active    []containerRef
	keys      []string
	hdrs      []header
	sanitised int
	types     *typeCache
}

func (e *encoder) reset(maxField, maxDepth int) {
	e.buf = e.buf[:0]
	e.maxField = maxField
	e.maxDepth = maxDepth
	e.depth = 0
	e.active = e.active[:0]
	e.keys = e.keys[:0]
	e.sanitised = 0
}

func (e *encoder) raw(s string) { e.buf = append(e.buf, s...) }

// value encodes v, taking allocation-free paths for the common JSON-like types.
func (e *encoder) value(v any) {
	switch x := v.(type) {
	case nil:
		e.raw("null")
	case string:
		e.str(x)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case int32:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, x, 10)
	case float64:
		e.float(x, 64)
	case float32:
		e.float(float64(x), 32)
	case map[string]any:
		e.mapAny(x)
	case Map:
		e.mapAny(x)
	case []any:
		e.sliceAny(x)
	case map[string]string:
		e.mapString(x)
	case []string:
		e.sliceString(x)
	case []float64:
		e.sliceFloat(x)
	case []byte:
		e.bytes(x)
	case json.RawMessage:
		e.rawJSON(x, "json.RawMessage")
	case json.Number:
		e.number(x)
	case time.Time:
		e.time(x)
	case json.Marshaler:
		e.marshaler(x)
	case encoding.TextMarshaler:
		e.textMarshaler(x)
	case error:
		e.errorText(x)
	default:
		e.reflect(reflect.ValueOf(v))
	}
}

// enter opens one level of nesting, or writes the depth marker when the limit is reached.
func (e *encoder) enter() bool {
	if e.depth >= e.maxDepth {
		e.sanitised++
		e.raw(markMaxDepth)
		return false
	}
	e.depth++
	return true
}

func (e *encoder) leave() { e.depth-- }

// push records a container as being encoded, or writes the cycle marker when it already is.
func (e *encoder) push(ref containerRef) bool {
	for _, a := range e.active {
		if a == ref {
			e.sanitised++
			e.raw(markCycle)
			return false
		}
	}
	e.active = append(e.active, ref)
	return true
}

func (e *encoder) pop() { e.active = e.active[:len(e.active)-1] }

func (e *encoder) mapAny(m map[string]any) {
	if m == nil {
		e.raw("null")
		return
	}
	if !e.enter() {
		return
	}
	defer e.leave()
	if !e.push(containerRef{ptr: mapPointer(m)}) {
		return
	}
	defer e.pop()

	mark := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[mark:]
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.key(k)
		e.value(m[k])
	}
	e.buf = append(e.buf, '}')
	e.keys = e.keys[:mark]
}

func (e *encoder) mapString(m map[string]string) {
	if m == nil {
		e.raw("null")
		return
	}
	if !e.enter() {
		return
	}
	defer e.leave()

	mark := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[mark:]
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.key(k)
		e.str(m[k])
	}
	e.buf = append(e.buf, '}')
	e.keys = e.keys[:mark]
}

func (e *encoder) sliceAny(s []any) {
	if s == nil {
		e.raw("null")
		return
	}
	if !e.enter() {
		return
	}
	defer e.leave()
	if len(s) > 0 {
		if !e.push(containerRef{ptr: uintptr(reflect.ValueOf(s).UnsafePointer()), n: len(s)}) {
			return
		}
		defer e.pop()
	}
	e.buf = append(e.buf, '[')
	for i, v := range s {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.value(v)
	}
	e.buf = append(e.buf, ']')
}

func (e *encoder) sliceString(s []string) {
	if s == nil {
		e.raw("null")
		return
	}
	if !e.enter() {
		return
	}
	defer e.leave()
	e.buf = append(e.buf, '[')
	for i, v := range s {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(v)
	}
	e.buf = append(e.buf, ']')
}

func (e *encoder) sliceFloat(s []float64) {
	if s == nil {
		e.raw("null")
		return
	}
	if !e.enter() {
		return
	}
	defer e.leave()
	e.buf = append(e.buf, '[')
	for i, v := range s {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.float(v, 64)
	}
	e.buf = append(e.buf, ']')
}

// float writes f as encoding/json does, except that NaN and the infinities become the
// strings "NaN", "Infinity" and "-Infinity".
func (e *encoder) float(f float64, bits int) {
	switch {
	case math.IsNaN(f):
		e.sanitised++
		e.raw(`"NaN"`)
		return
	case math.IsInf(f, 1):
		e.sanitised++
		e.raw(`"Infinity"`)
		return
	case math.IsInf(f, -1):
		e.sanitised++
		e.raw(`"-Infinity"`)
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	e.buf = strconv.AppendFloat(e.buf, f, format, -1, bits)
	if format == 'e' {
		// Shorten a two-digit negative exponent such as e-07 to e-7.
		n := len(e.buf)
		if n >= 4 && e.buf[n-4] == 'e' && e.buf[n-3] == '-' && e.buf[n-2] == '0' {
			e.buf[n-2] = e.buf[n-1]
			e.buf = e.buf[:n-1]
		}
	}
}

// str writes s as a JSON string, or as a truncation marker object when s is longer than
// the field limit.
func (e *encoder) str(s string) {
	if len(s) <= e.maxField {
		e.quote(s)
		return
	}
	e.sanitised++
	e.raw(`{"truncated":true,"original_bytes":`)
	e.buf = strconv.AppendInt(e.buf, int64(len(s)), 10)
	e.raw(`,"prefix":`)
	e.quote(s[:cutUTF8(s, e.maxField)])
	e.buf = append(e.buf, '}')
}

// key writes a JSON object key and its colon. Keys over the field limit are cut and end
// in "...".
func (e *encoder) key(k string) {
	if len(k) > e.maxField {
		e.sanitised++
		k = k[:cutUTF8(k, e.maxField)] + "..."
	}
	e.quote(k)
	e.buf = append(e.buf, ':')
}

// cutUTF8 returns the largest index not above limit that starts a UTF-8 sequence of s.
func cutUTF8(s string, limit int) int {
	if limit >= len(s) {
		return len(s)
	}
	i := limit
	for i > 0 && i > limit-utf8.UTFMax && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

const hexDigits = "0123456789abcdef"

// quote writes s as a JSON string. Invalid UTF-8 becomes U+FFFD and is counted.
func (e *encoder) quote(s string) {
	e.buf = append(e.buf, '"')
	e.escape(s)
	e.buf = append(e.buf, '"')
}

// escape writes the inside of a JSON string for s.
func (e *encoder) escape(s string) {
	b := e.buf
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			e.sanitised++
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	e.buf = append(b, s[start:]...)
}

// text writes s as a JSON string cut to the field limit. When s was cut, here or before
// (total is then the original length), the string ends in a line stating the original size.
func (e *encoder) text(s string, total int) {
	cut := len(s)
	if cut > e.maxField {
		cut = cutUTF8(s, e.maxField)
	}
	total = max(total, len(s))
	e.buf = append(e.buf, '"')
	e.escape(s[:cut])
	if total > cut {
		e.sanitised++
		e.raw("\\n[truncated: ")
		e.buf = strconv.AppendInt(e.buf, int64(total), 10)
		e.raw(" bytes total]")
	}
	e.buf = append(e.buf, '"')
}

// bytes writes b as a base64 string, as encoding/json does.
func (e *encoder) bytes(b []byte) {
	if b == nil {
		e.raw("null")
		return
	}
	n := base64.StdEncoding.EncodedLen(len(b))
	if n > e.maxField {
		e.sanitised++
		e.raw(`{"truncated":true,"original_bytes":`)
		e.buf = strconv.AppendInt(e.buf, int64(len(b)), 10)
		e.raw(`,"prefix":"`)
		keep := e.maxField / 4 * 3
		e.buf = base64.StdEncoding.AppendEncode(e.buf, b[:keep])
		e.raw(`"}`)
		return
	}
	e.buf = append(e.buf, '"')
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, '"')
}

// rawJSON writes pre-encoded JSON after checking it, or a string holding the type name
// when it is not valid JSON.
func (e *encoder) rawJSON(b []byte, typeName string) {
	if len(b) == 0 {
		e.raw("null")
		return
	}
	if !json.Valid(b) {
		e.sanitised++
		e.quote(typeName)
		return
	}
	out := bytes.NewBuffer(e.buf)
	if err := json.Compact(out, b); err != nil {
		e.sanitised++
		e.quote(typeName)
		return
	}
	e.buf = out.Bytes()
}

func (e *encoder) number(n json.Number) {
	if _, err := strconv.ParseFloat(string(n), 64); err != nil || n == "" {
		e.str(string(n))
		return
	}
	e.raw(string(n))
}

func (e *encoder) time(t time.Time) {
	if y := t.Year(); y < 0 || y >= 10000 {
		e.sanitised++
		e.quote(t.String())
		return
	}
	e.buf = append(e.buf, '"')
	e.buf = t.AppendFormat(e.buf, time.RFC3339Nano)
	e.buf = append(e.buf, '"')
}

// marshaler calls MarshalJSON, recovering from a panic in it. A failing marshaler is
// replaced by its type name.
func (e *encoder) marshaler(m json.Marshaler) {
	if v := reflect.ValueOf(m); v.Kind() == reflect.Pointer && v.IsNil() {
		e.raw("null")
		return
	}
	out, ok := callMarshalJSON(m)
	if !ok {
		e.sanitised++
		e.quote(reflect.TypeOf(m).String())
		return
	}
	e.rawJSON(out, reflect.TypeOf(m).String())
}

func callMarshalJSON(m json.Marshaler) (out []byte, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	out, err := m.MarshalJSON()
	return out, err == nil
}

func (e *encoder) textMarshaler(m encoding.TextMarshaler) {
	if v := reflect.ValueOf(m); v.Kind() == reflect.Pointer && v.IsNil() {
		e.raw("null")
		return
	}
	out, ok := callMarshalText(m)
	if !ok {
		e.sanitised++
		e.quote(reflect.TypeOf(m).String())
		return
	}
	e.str(string(out))
}

func callMarshalText(m encoding.TextMarshaler) (out []byte, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	out, err := m.MarshalText()
	return out, err == nil
}

// errorText writes the text of an error value found inside logged data.
func (e *encoder) errorText(err error) {
	if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
		e.raw("null")
		return
	}
	text, ok := callError(err)
	if !ok {
		e.sanitised++
		e.quote(reflect.TypeOf(err).String())
		return
	}
	e.str(text)
}

func callError(err error) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return err.Error(), true
}

func mapPointer(m map[string]any) uintptr { return uintptr(reflect.ValueOf(m).UnsafePointer()) }
