package sdk

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrClosed is returned by [Logger.Flush] and [Logger.Close] once the logger is closed.
var ErrClosed = errors.New("heliograph: logger is closed")

// DeliveryError reports logs that the server did not store. It is passed to the error
// handler set with [WithErrorHandler].
type DeliveryError struct {
	// RequestID is the Helicone-Request-Id of the rejected log when the server rejected a
	// single item of a batch. It is empty when a whole request failed.
	RequestID string
	// Count is the number of logs affected.
	Count int
	// Status is the HTTP status of the last attempt, or 0 when no response arrived.
	Status int
	// Msg is the server's error text, or a description of the failure.
	Msg string
	// Retryable is true when the failure was transient (a network error, 429, 502, 503 or
	// 504) and the retry policy ran out of attempts or time.
	Retryable bool
	// Spooled is how many of the logs are kept in the spool directory for a resend.
	Spooled int
	// Err is the network error of the last attempt, if any.
	Err error
}

// Error describes the failure without payload data.
func (e *DeliveryError) Error() string {
	s := "heliograph: " + strconv.Itoa(e.Count) + " log(s) not delivered"
	if e.RequestID != "" {
		s = "heliograph: log " + e.RequestID + " rejected"
	}
	if e.Status != 0 {
		s += ": status " + strconv.Itoa(e.Status)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Retryable {
		s += " (retries exhausted)"
	}
	if e.Spooled > 0 {
		s += ", " + strconv.Itoa(e.Spooled) + " kept in the spool"
	}
	return s
}

// Unwrap returns the network error of the last attempt.
func (e *DeliveryError) Unwrap() error { return e.Err }

// DropError reports logs discarded before delivery because the queue was full. It is passed
// to the error handler at most once per send cycle with the count since the previous report.
type DropError struct {
	Count  int
	Policy OverflowPolicy
}

// Error states how many logs were dropped.
func (e *DropError) Error() string {
	return fmt.Sprintf("heliograph: queue full, %d log(s) dropped (%s)", e.Count, e.Policy)
}

// UndeliveredError is returned by [Logger.Flush] and [Logger.Close] when some logs were not
// delivered.
type UndeliveredError struct {
	// Count is the number of logs not delivered: failed since the previous report, still
	// queued when the context ended, or waiting in the spool.
	Count int
	// Spooled is how many of them wait in the spool directory. The running Logger resends
	// them once the server accepts requests again, and after Close the next Logger opened
	// on the directory does. Spool files of an earlier run count only once they were read.
	Spooled int
	// Err is the context error when the context ended first, or nil.
	Err error
}

// Error states how many logs were not delivered and why.
func (e *UndeliveredError) Error() string {
	s := fmt.Sprintf("heliograph: %d log(s) not delivered", e.Count)
	if e.Spooled > 0 {
		s += fmt.Sprintf(", %d kept in the spool", e.Spooled)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the context error, so errors.Is(err, context.DeadlineExceeded) holds when
// the deadline ended the wait.
func (e *UndeliveredError) Unwrap() error { return e.Err }

// SpoolError reports a failed spool file operation. Logs are still sent from memory, but a
// restart may lose the ones that the failed operation concerned.
type SpoolError struct {
	Op   string
	Path string
	Err  error
}

// Error names the operation and the file.
func (e *SpoolError) Error() string {
	return "heliograph: spool " + e.Op + " " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns the underlying file error.
func (e *SpoolError) Unwrap() error { return e.Err }
