// Command heliograph runs the Heliograph server and its management commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/heliograph/heliograph/internal/cli"
)

// main cancels the command's context on SIGTERM, and on SIGINT or SIGHUP (a closed
// terminal) unless the process started with them ignored, as under nohup or in a shell's
// background job. The server then drains and closes its store. A second signal ends the
// process at once, which is safe because every log that got a 200 is on disk already.
func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, shutdownSignals()...)
	go func() {
		<-sigs
		cancel()
		sig := <-sigs
		fmt.Fprintf(os.Stderr, "heliograph: second signal (%v), exiting now\n", sig)
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	cancel()
	os.Exit(code)
}

// shutdownSignals returns the signals that shut the server down.
func shutdownSignals() []os.Signal {
	sigs := []os.Signal{syscall.SIGTERM}
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	return sigs
}
