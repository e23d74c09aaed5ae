// Package httperr carries HTTP status codes on errors and writes JSON responses, so that every
// handler maps errors to statuses in one place.
package httperr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is an error with the HTTP status it should produce. Msg is safe to show to the client;
// Err, when set, is the internal cause and is only logged.
type Error struct {
	Status int
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with a formatted client message.
func New(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error whose client message is msg and whose logged cause is err.
func Wrap(status int, msg string, err error) *Error {
	return &Error{Status: status, Msg: msg, Err: err}
}

// Status returns the status for err: the Status of an *Error in its chain, or 500.
func Status(err error) int {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Status
	}
	return http.StatusInternalServerError
}

// Message returns the client-safe text for err; errors without an *Error in their chain become
// "internal error" so that no internal detail leaks.
func Message(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Msg
	}
	return "internal error"
}

// WriteJSON writes v as JSON with status. API responses are never sniffed as HTML.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		// Only a bug gets here, such as an infinite float in v. A 500 with a message is better
		// than the status with an empty body that encoding straight to w would send.
		slog.Error("encode JSON response", "status", status, "error", err)
		status = http.StatusInternalServerError
		body.Reset()
		body.WriteString(`{"error":"internal error: the response could not be encoded"}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes()) // The client may be gone; nothing useful can be done then.
}

// WriteError writes {"error": "<message>"} with the status of err.
func WriteError(w http.ResponseWriter, err error) {
	WriteJSON(w, Status(err), struct {
		Error string `json:"error"`
	}{Message(err)})
}
