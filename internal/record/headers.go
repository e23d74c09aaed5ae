package record

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// Helicone header names. Matching is case-insensitive.
const (
	headerPrefix         = "Helicone-"
	headerPropertyPrefix = "Helicone-Property-"
	headerUserID         = "Helicone-User-Id"
	headerSessionID      = "Helicone-Session-Id"
	headerSessionName    = "Helicone-Session-Name"
	headerSessionPath    = "Helicone-Session-Path"
	headerRequestID      = "Helicone-Request-Id"
	headerPromptID       = "Helicone-Prompt-Id"
	headerOmitRequest    = "Helicone-Omit-Request"
	headerOmitResponse   = "Helicone-Omit-Response"
	headerModelOverride  = "Helicone-Model-Override"
)

// heliconeHeaders is the Helicone header set of one log. Headers that carry credentials
// (Authorization, Helicone-Auth) and integration settings are not read.
type heliconeHeaders struct {
	userID        string
	sessionID     string
	sessionName   string
	sessionPath   string
	requestID     string
	promptID      string
	modelOverride string
	omitRequest   bool
	omitResponse  bool
	// properties maps the lower-cased text after Helicone-Property- to the value as sent.
	properties map[string]string
}

// readHeaders builds the header set from providerRequest.meta and then overlays the HTTP
// headers, so an HTTP header wins over a meta entry with the same name. Only the first value
// of a repeated HTTP header is read.
func readHeaders(meta []byte, h http.Header) (heliconeHeaders, error) {
	var hh heliconeHeaders
	if err := hh.addMeta(meta); err != nil {
		return hh, err
	}
	for name, values := range h {
		if len(values) > 0 {
			hh.set(name, headerText(values[0]))
		}
	}
	return hh, checkProperties(hh.properties)
}

// headerText returns a header value as text. net/http passes bytes 0x80 to 0xFF through,
// and clients send them in two ways: UTF-8, or one byte per character of ISO-8859-1, as
// Node's fetch does with "Zürich" and Python's http.client with any str. A value that is not
// valid UTF-8 is read as ISO-8859-1, whose 256 characters are the first 256 of Unicode.
func headerText(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) * 2)
	for i := 0; i < len(v); i++ {
		b.WriteRune(rune(v[i]))
	}
	return b.String()
}

// Limits on one property, the same for ingest and for the property mutation route.
const (
	MaxPropertyKeyBytes   = 256
	MaxPropertyValueBytes = 64 << 10
)

// MaxProperties is the maximum number of properties on one log. Each property is a row and
// an update of the hourly property rollup in the commit that other logs share, so the limit
// bounds how long one log can delay the others. [SessionFeedbackProperty] does not count, so
// a full log still takes its session's feedback and its export still imports.
const MaxProperties = 256

// SessionFeedbackProperty is the property that the session feedback route sets on a
// session's earliest log. Helicone stores session feedback as the property
// Helicone-Session-Feedback; the key is lower-cased like every property key.
const SessionFeedbackProperty = "helicone-session-feedback"

// CountedProperties returns how many of props count toward [MaxProperties].
func CountedProperties(props map[string]string) int {
	n := len(props)
	if _, ok := props[SessionFeedbackProperty]; ok {
		n--
	}
	return n
}

// ReservedPropertyKeys are the lower-cased Helicone header names that ingest stores in
// fields of their own. The filter language reads property keys of these names as those
// fields, so a property of such a name could never be found. Ingest and the property
// mutation route reject them.
var ReservedPropertyKeys = []string{"helicone-session-id", "helicone-session-name",
	"helicone-session-path", "helicone-prompt-id", "helicone-user-id"}

// checkProperties rejects more than MaxProperties properties, and a property whose key is
// reserved or whose key or value is over its limit.
func checkProperties(props map[string]string) error {
	if n := CountedProperties(props); n > MaxProperties {
		return fieldError(headerPropertyPrefix+"*", fmt.Sprintf("%d properties, over the "+
			"limit of %d per log", n, MaxProperties))
	}
	for k, v := range props {
		if slices.Contains(ReservedPropertyKeys, k) {
			return fieldError(headerPropertyPrefix+k, "this name is stored in a field of its "+
				"own, so send it as a header without the Helicone-Property- prefix")
		}
		if len(k) > MaxPropertyKeyBytes {
			// The field names only the start of a key this long.
			field := headerPropertyPrefix + strings.ToValidUTF8(k[:32], "") + "..."
			return fieldError(field, fmt.Sprintf("the key after the prefix has %d bytes, "+
				"over the limit of %d", len(k), MaxPropertyKeyBytes))
		}
		if len(v) > MaxPropertyValueBytes {
			return fieldError(headerPropertyPrefix+k, fmt.Sprintf("the value has %d bytes, "+
				"over the limit of %d", len(v), MaxPropertyValueBytes))
		}
	}
	return nil
}

// addMeta reads the Helicone entries of providerRequest.meta. Their values must be strings
// or null, which counts as absent. Entries without the Helicone- prefix are ignored.
func (hh *heliconeHeaders) addMeta(meta []byte) error {
	switch kindOf(meta) {
	case kindNone, kindNull:
		return nil
	case kindObject:
	default:
		return fieldError("providerRequest.meta", "must be an object")
	}
	seen := make(map[string]bool)
	m := newMembers(meta)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		name := keyString(key)
		if !hasPrefixFold(name, headerPrefix) {
			continue
		}
		switch kindOf(val) {
		case kindNull:
			continue
		case kindString:
			// As with a real header sent twice, the first of two names for the same field
			// or property counts.
			t := HeaderTarget(name)
			if seen[t] {
				continue
			}
			seen[t] = true
			v, _ := stringValue(val)
			hh.set(name, v)
		default:
			return fieldError("providerRequest.meta."+name, "must be a string")
		}
	}
	return nil
}

// HeaderTarget returns what a Helicone header name sets: for Helicone-Property-<key> the
// property key, trimmed and lower-cased, prefixed by "property:", and otherwise the name in
// lower case. Two names with the same target set the same field or property.
func HeaderTarget(name string) string {
	if len(name) > len(headerPropertyPrefix) && hasPrefixFold(name, headerPropertyPrefix) {
		return "property:" + strings.ToLower(strings.TrimSpace(name[len(headerPropertyPrefix):]))
	}
	return strings.ToLower(name)
}

// set records one header; unknown names are ignored.
func (hh *heliconeHeaders) set(name, value string) {
	if !hasPrefixFold(name, headerPrefix) {
		return
	}
	if len(name) > len(headerPropertyPrefix) && hasPrefixFold(name, headerPropertyPrefix) {
		// The key is trimmed and lower-cased as the property mutation route does, so that
		// both name the same property. A key of spaces only is ignored like an empty one.
		key := strings.ToLower(strings.TrimSpace(name[len(headerPropertyPrefix):]))
		if key == "" {
			return
		}
		if hh.properties == nil {
			hh.properties = make(map[string]string, 4)
		}
		hh.properties[key] = value
		return
	}
	switch {
	case strings.EqualFold(name, headerUserID):
		hh.userID = value
	case strings.EqualFold(name, headerSessionID):
		hh.sessionID = value
	case strings.EqualFold(name, headerSessionName):
		hh.sessionName = value
	case strings.EqualFold(name, headerSessionPath):
		hh.sessionPath = value
	case strings.EqualFold(name, headerRequestID):
		hh.requestID = value
	case strings.EqualFold(name, headerPromptID):
		hh.promptID = value
	case strings.EqualFold(name, headerModelOverride):
		hh.modelOverride = value
	case strings.EqualFold(name, headerOmitRequest):
		hh.omitRequest = strings.EqualFold(strings.TrimSpace(value), "true")
	case strings.EqualFold(name, headerOmitResponse):
		hh.omitResponse = strings.EqualFold(strings.TrimSpace(value), "true")
	}
}

// resolveRequestID returns the Helicone-Request-Id in lower case when it is a valid UUID, and
// a new random UUID otherwise. Spaces around the id are dropped, as net/http drops them from a
// real header, so the same id in providerRequest.meta names the same log.
func (hh *heliconeHeaders) resolveRequestID() string {
	if id := strings.TrimSpace(hh.requestID); ValidRequestID(id) {
		return strings.ToLower(id)
	}
	return NewRequestID()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
