package query

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// SyntaxError reports an invalid expression of the filter language. The query API answers it
// with 400.
type SyntaxError struct {
	// Pos is the 0-based byte offset of the offending token in the source, or the length of
	// the source when input ended too early.
	Pos int
	// Msg says what is wrong and, where it helps, how to write it instead.
	Msg string
}

// Error returns "position N: msg".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("position %d: %s", e.Pos, e.Msg)
}

// FilterError reports an invalid Helicone filter tree or sort object. The query API answers it
// with 400.
type FilterError struct {
	// Path locates the offending JSON value from the request body's field, for example
	// filter.left.request_response_rmt.status.gt or sort.properties["o'brien"].
	Path string
	// Msg says what is wrong with the value at Path.
	Msg string
}

// Error returns "path: msg".
func (e *FilterError) Error() string {
	return e.Path + ": " + e.Msg
}

// maxQuoted is how many bytes of user input an error message repeats.
const maxQuoted = 64

// quoteInput quotes user input for an error message, cut to maxQuoted bytes.
func quoteInput(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}
