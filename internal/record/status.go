package record

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Status codes with a meaning in Helicone logs. Any other value is stored as sent.
const (
	StatusOK        = 200
	StatusTimeout   = -1
	StatusPending   = -2
	StatusCancelled = -3
	StatusThreat    = -4
)

// maxErrorBytes caps Record.Error.
const maxErrorBytes = 500

// decodeStatus reads providerResponse.status. Missing or null means 200.
func decodeStatus(raw []byte) (int64, error) {
	if isAbsent(raw) {
		return StatusOK, nil
	}
	n, ok := intValue(raw)
	if !ok {
		return 0, fieldError("providerResponse.status", "must be an integer")
	}
	return n, nil
}

// errorText derives Record.Error from the first of these that applies:
//   - the provider's error message, when the response carries one;
//   - the exception line of a Python traceback at the top of a text response, because the
//     Python SDK sends failed operations with status 200;
//   - for a status other than 200, the first line of a plain-text response or of the text
//     before a stream, else the status itself.
//
// When the response is omitted, the text states only the status, or that the omitted
// response reported an error, so that no response content is kept.
func errorText(status int64, r *response, omitted bool) string {
	msg := errorMessage(&r.fields)
	if omitted {
		switch {
		case status != StatusOK:
			return statusText(status)
		case msg != "":
			return "error reported in the omitted response"
		}
		return ""
	}
	if msg == "" && r.text != nil {
		msg = tracebackMessage(r.text)
	}
	if msg == "" && status != StatusOK {
		switch {
		case r.plainText:
			msg = firstLine(r.text)
		case r.streamed:
			msg = preambleLine(r.text)
		}
	}
	if msg == "" && status != StatusOK {
		return statusText(status)
	}
	return capText(msg)
}

// errorMessage reads {"error": {"message": …}}, {"error": "…"} or
// {"status": "error", "message": …}.
func errorMessage(f *bodyFields) string {
	switch kindOf(f.errorValue) {
	case kindString:
		s, _ := stringValue(f.errorValue)
		return s
	case kindObject:
		var message, typ []byte
		m := newMembers(f.errorValue)
		for key, val, ok := m.next(); ok; key, val, ok = m.next() {
			switch {
			case keyIs(key, "message"):
				message = val
			case keyIs(key, "type"), keyIs(key, "code") && typ == nil:
				typ = val
			}
		}
		if s, _ := stringValue(message); s != "" {
			return s
		}
		if s, _ := stringValue(typ); s != "" {
			return s
		}
		return "error"
	}
	if stringIs(f.status, "error") {
		if s, _ := stringValue(f.message); s != "" {
			return s
		}
		return "error"
	}
	return ""
}

// statusText describes a status code that is not 200.
func statusText(status int64) string {
	s := "status " + strconv.FormatInt(status, 10)
	switch status {
	case StatusTimeout:
		return s + " (timeout)"
	case StatusPending:
		return s + " (pending)"
	case StatusCancelled:
		return s + " (cancelled)"
	case StatusThreat:
		return s + " (threat)"
	}
	return s
}

const tracebackHeader = "Traceback (most recent call last):"

// tracebackMessage returns the exception line of a Python traceback at the start of text:
// the first line after the header that is not indented.
func tracebackMessage(text []byte) string {
	text = trimASCIISpace(text)
	if !bytes.HasPrefix(text, []byte(tracebackHeader)) {
		return ""
	}
	rest := text[len(tracebackHeader):]
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			return string(line)
		}
	}
	return ""
}

// firstLine returns the first non-blank line of text.
func firstLine(text []byte) string {
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if line = trimASCIISpace(line); len(line) > 0 {
			return string(line)
		}
	}
	return ""
}

// preambleLine returns the first non-blank line of a stream's text when it is not part of the
// stream, such as the error message that the JS SDK's log builder puts before the chunks.
func preambleLine(text []byte) string {
	line := firstLine(text)
	for _, prefix := range []string{"{", "[", ":", "data:", "event:", "id:", "retry:"} {
		if strings.HasPrefix(line, prefix) {
			return ""
		}
	}
	return line
}

// capText trims s and cuts it to maxErrorBytes at a character boundary.
func capText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxErrorBytes {
		return s
	}
	cut := maxErrorBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
