// Package bench compares the cost of logging an operation with the Heliograph SDK against
// recording an OpenTelemetry span through a batch span processor. It is a separate module
// so that the SDK itself keeps no third-party dependencies.
package bench
