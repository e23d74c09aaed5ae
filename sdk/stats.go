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
	// Failed counts logs not delivered and not kept: the server rejected them, or they ran
	// out of retries or were still unsent when Close returned, with no spool to keep them.
	// A log whose last request got no response may still have been stored.
	Failed int64
	// Sanitised counts values replaced, cut or left out so that a log could be sent.
	Sanitised int64
	// Replayed counts logs read back from the spool directory, once per read: logs left by
	// an earlier run and logs this Logger kept after they ran out of retries.
	Replayed int64
	// Queued is the number of logs in memory and not yet resolved at the time of the
	// call: queued, or taken by the sender and being sent.
	Queued int64
	// Spooled is the number of logs waiting in the spool directory for a resend at the
	// time of the call. Spool files of an earlier run count once this Logger has read them.
	Spooled int64
}

// counters are the live, atomically updated values behind [Stats].
type counters struct {
	enqueued, sent, retried, dropped, failed, sanitised, replayed atomic.Int64
	// spooled is a gauge, set by the sender.
	spooled atomic.Int64
}
