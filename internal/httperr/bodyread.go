package httperr

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
)

// BodyRead describes to the client an error from reading a request body of which read bytes
// arrived. contentLength is the request's ContentLength, -1 for a chunked body. The errors
// come from the client's bytes or its connection, so their text is safe to show.
func BodyRead(err error, read, contentLength int64) *Error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &Error{Status: http.StatusRequestTimeout, Msg: fmt.Sprintf("the body did not "+
			"arrive in time: %d bytes came before the server's read deadline", read), Err: err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		msg := "the body ended early: the connection closed before its last chunk"
		if contentLength >= 0 {
			msg = fmt.Sprintf("the body ended after %d of the %d bytes that Content-Length "+
				"announced", read, contentLength)
		}
		return &Error{Status: http.StatusBadRequest, Msg: msg, Err: err}
	}
	return &Error{Status: http.StatusBadRequest, Msg: "read body: " + err.Error(), Err: err}
}
