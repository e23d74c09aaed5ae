package httperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// unknownFieldPrefix starts the error of a json.Decoder with DisallowUnknownFields set; the
// package has no error type for it.
const unknownFieldPrefix = "json: unknown field "

// BadJSON returns a 400 Error that describes err, an error from encoding/json, in the terms
// of the request: the field path and the JSON types involved, never Go type names. input
// names the decoded text, such as "JSON body", and starts the message: "invalid JSON body:
// limit: expected an integer, found a string" or "invalid JSON body at byte 12: ...".
func BadJSON(input string, err error) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: describe("invalid "+input, err), Err: err}
}

// DescribeJSON returns a client-safe message for an error from json.Unmarshal or a
// json.Decoder, such as "limit: expected an integer, found a string" or
// "invalid JSON at byte 12: invalid character '}' looking for beginning of value".
func DescribeJSON(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return describeTypeError(te)
	}
	if name, ok := strings.CutPrefix(err.Error(), unknownFieldPrefix); ok {
		return "unknown field " + name
	}
	return describe("invalid JSON", err)
}

// describe returns the message for err, with lead naming the invalid input.
func describe(lead string, err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return lead + ": " + describeTypeError(te)
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("%s at byte %d: %s", lead, SyntaxOffset(se), se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return lead + ": unexpected end of input"
	}
	if name, ok := strings.CutPrefix(err.Error(), unknownFieldPrefix); ok {
		return lead + ": unknown field " + name
	}
	return lead
}

// SyntaxOffset returns the 0-based offset of the byte that se is about, the convention of
// every other position the server reports. encoding/json gives the number of bytes read,
// which counts that byte, except at the end of the input, where nothing was left to read.
func SyntaxOffset(se *json.SyntaxError) int64 {
	if se.Offset > 0 && !strings.HasPrefix(se.Error(), "unexpected end") {
		return se.Offset - 1
	}
	return se.Offset
}

// describeTypeError names the field, the JSON type the field takes and the JSON type found.
func describeTypeError(te *json.UnmarshalTypeError) string {
	found := te.Value
	if num, ok := strings.CutPrefix(found, "number "); ok {
		found = "the number " + num
	} else {
		found = withArticle(found)
	}
	msg := "expected " + jsonKind(te.Type) + ", found " + found
	if te.Field == "" {
		return msg
	}
	return te.Field + ": " + msg
}

// jsonKind returns the JSON type, with an article, that values of Go type t are read from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}

// withArticle turns encoding/json's name of a JSON value ("number", "bool", "object") into
// a phrase with an article.
func withArticle(value string) string {
	switch value {
	case "bool":
		return "a boolean"
	case "array", "object":
		return "an " + value
	case "":
		return "a value of another type"
	}
	return "a " + value
}
