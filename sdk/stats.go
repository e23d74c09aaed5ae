package sdk

import "sync/atomic"

// Stats holds the counters of a [Logger] since it was created.
type Stats struct {
	// Enqueued counts logs accepted into the queue.
	Enqueued int64
	// Sent counts logs the server acknowledged as stored or duplicate.
	Sent int64
	// Retried counts log deliveries repeated after a transient failure, once per log and
	// attempt.
	Retried int64
	// Dropped counts logs discarded before delivery: queue overflow, or a call after Close.
	Dropped int64
	// Failed counts logs the server rejected or that ran out of retries.
	Failed int64
	// Sanitised counts values replaced or cut so that a log could be sent.
	Sanitised int64
	// Replayed counts logs read back from the spool directory.
	Replayed int64
	// Queued is the number of logs accepted and not yet resolved at the time of the call.
	Queued int64
}

// counters are the live, atomically updated values behind [Stats].
type counters struct {
	enqueued, sent, retried, dropped, failed, sanitised, replayed atomic.Int64
}
