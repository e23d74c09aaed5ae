// Package sdk is the Go client of Heliograph: it logs the requests of an AI application
// (model calls, tool calls, vector database operations, data steps) in the Helicone
// custom-log format and sends them to a Heliograph server in the background.
//
// # Logging
//
// Create one [Logger] per process with [New] and close it with [Logger.Close] before the
// process exits. Give Close a deadline: it waits for retries while the server is down.
// Wrap an operation with [Logger.LogRequest], or with [Wrap] to keep its result type:
//
//	logger, err := sdk.New("sk-...", sdk.WithEndpoint("http://127.0.0.1:8585"))
//	if err != nil { ... }
//	defer func() {
//		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//		defer cancel()
//		if err := logger.Close(ctx); err != nil {
//			log.Printf("heliograph: %v", err)
//		}
//	}()
//
//	hits, err := sdk.Wrap(ctx, logger, sdk.Tool{ToolName: "search", Input: q},
//		func(ctx context.Context, rec *sdk.Recorder) ([]Hit, error) {
//			return index.Search(ctx, q)
//		})
//
// The wrapper returns what the operation returned, the same error value included. A
// failed operation is logged with status 500 and {"error":{"message":...,"type":...}} as
// its response; a panic is logged the same way and then continues.
//
// Streams are logged with [Logger.WrapReader] for byte streams and [WrapSeq] for chunk
// iterators; the caller receives every byte or chunk unchanged. [Logger.NewBuilder],
// [Logger.LogSingle] and [Logger.SendLog] log operations that do not fit a wrapped call.
//
// # Sessions
//
// [ContextWithSession] puts the logs made with a context into a session. Each wrapped
// operation adds one segment to the session path, named after the request (see
// [WithPathSegment]). It passes the extended path to the context its operation receives.
// So an "agent" data step that calls a "search" tool produces the paths "/agent" and
// "/agent/search". [ContextWithUserID] and [ContextWithProperties] work the same way for the
// user and custom properties.
//
// # Delivery
//
// Logging calls encode the log in the caller's goroutine, so the caller may reuse its maps
// and slices as soon as the call returns, and add it to a queue bounded in bytes. They never
// block: when the queue is full the [OverflowPolicy] decides which log is dropped, and every
// drop is counted in [Stats] and reported to the [WithErrorHandler] function.
//
// One goroutine per Logger sends the queue in gzip-compressed batches to
// POST <endpoint>/v1/log/batch when a batch is full or the flush interval ends. Each log
// carries a Helicone-Request-Id fixed when the log is created, so a retried batch stores
// nothing twice. Network errors, timeouts and the statuses 408, 429, 502, 503 and 504 are
// retried with capped exponential backoff and full jitter, honouring Retry-After; every
// other failure, 500 included, is permanent.
// By default a batch is retried for up to one minute ([RetryPolicy].MaxElapsed) with no
// cap on the number of attempts. Meanwhile logging calls keep queueing without waiting.
// Items that the server rejects are reported and not retried.
//
// [Logger.Flush] waits until every log queued before the call is delivered, failed, or
// kept in the spool, or until its context ends. [Logger.Close] does the same for every
// queued log, with one deadline for all batches: MaxElapsed after the call, or the end of
// its context if that comes first. Both return nil when every log was delivered and none
// waits in the spool. Otherwise they return an [*UndeliveredError] that counts the logs
// failed since the previous Flush or Close reported them, a batch being sent when the call
// began included, and the logs waiting in the spool. Logs that Close could not send go to
// the spool if one is set, and are otherwise lost and counted in [Stats].Failed.
//
// With [WithSpoolDir] the sender also writes each log to append-only files before sending
// it. A log that runs out of retries stays there, and the running Logger sends it again
// once the server accepts requests. That happens after the next successful request, or
// by a single-attempt probe while the Logger is idle. The probe interval starts at
// InitialBackoff and doubles up to MaxBackoff. A file is deleted once all its logs are
// resolved. Once the sender has none of its other logs in memory, the file is rewritten to
// hold only its waiting logs, so the next Logger opened on the directory sends only logs that
// were not delivered. After a crash it
// may send again some logs that were delivered just before; the server stores each request
// id once.
//
// # Headers, properties, users and sessions
//
// In batch mode the headers of a log, custom properties ([WithProperty],
// [ContextWithProperties]) included, travel as JSON strings, so names and values are sent
// as given, in any script and with any characters. User ids, session ids, names and paths
// are sent unchanged. The server's limits for a property are 256 bytes for its name,
// trimmed and lower-cased, and 64 KiB for its value, and it rejects a whole log that
// breaks them or that uses a reserved name such as "helicone-user-id". So in either mode
// the SDK leaves out a property whose name is over 256 bytes or reserved, and cuts a
// longer value to 64 KiB. It compares names as the server stores them, so the last value
// given for "Env" or " env " wins. It sends at most 256 properties and leaves out the
// earliest beyond them. Each change is counted in [Stats].Sanitised.
//
// With [WithCompatMode] logs are sent one by one to the Helicone single-log routes in the
// JSON shape of the official JavaScript client, which Helicone's own servers accept. There
// the headers become real HTTP headers: characters not allowed in a header name become
// "_", control characters in values become spaces, and values are cut at 8 KiB, a line
// length that many HTTP servers and proxies reject above. Each change is counted.
//
// # Data that JSON cannot carry
//
// A log never fails because of its content. While encoding, the SDK replaces:
//   - NaN, +Inf and -Inf with the strings "NaN", "Infinity" and "-Infinity";
//   - a map, slice or pointer that contains itself with the string "[cycle]";
//   - objects and arrays nested deeper than [MaxDepth] (64) levels with "[max depth]";
//   - strings longer than the field limit (1 MiB, see [WithMaxFieldBytes]) with
//     {"truncated":true,"original_bytes":N,"prefix":"<first bytes>"};
//   - channels, functions and complex numbers with their type name;
//   - invalid UTF-8 with U+FFFD.
//
// A log still larger than the batch byte limit is encoded again with smaller field limits
// and at last with its request and response replaced by {"truncated":true}; its headers,
// status and timing are always kept. Every replacement is counted in [Stats].Sanitised.
// Large values are never passed through encoding/json first, so logging a 12 MiB string
// costs one scan of the kept prefix.
//
// The package uses only the standard library.
package sdk
