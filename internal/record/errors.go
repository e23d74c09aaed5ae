package record

import "errors"

// Sentinels for classes of bad input. Every error that [Decode] returns is an [*Error], and
// errors.Is matches these sentinels through it.
var (
	// ErrInvalidJSON reports a body that is not valid JSON, including NaN and Infinity tokens.
	ErrInvalidJSON = errors.New("invalid JSON")
	// ErrInvalidUTF8 reports a body that contains bytes that are not valid UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrTooDeep reports a body nested deeper than [Options.MaxDepth].
	ErrTooDeep = errors.New("nesting too deep")
	// ErrLoneSurrogate reports a \u escape of a UTF-16 surrogate that is not half of a
	// surrogate pair, such as "\ud800". JSON grammar allows it, but it stands for no character.
	ErrLoneSurrogate = errors.New("lone surrogate escape")
)

// Error is a bad-input error from [Decode]. Field is a dotted JSON path such as
// "timing.startTime.milliseconds", or "" when the problem concerns the whole body. Msg
// describes what is wrong with the value. Decode does not modify an Error after returning it.
type Error struct {
	Field string
	Msg   string
	// kind is one of the sentinels, or nil for a field-level problem.
	kind error
}

// Error returns "<field>: <msg>", or only the message when Field is empty.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Unwrap returns the sentinel that classifies the error, or nil.
func (e *Error) Unwrap() error { return e.kind }

// fieldError returns an [*Error] for one field.
func fieldError(field, msg string) *Error {
	return &Error{Field: field, Msg: msg}
}
