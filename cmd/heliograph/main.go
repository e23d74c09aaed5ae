// Command heliograph runs the Heliograph server and its management commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/heliograph/heliograph/internal/cli"
)

// main cancels the command's context on SIGINT, SIGTERM or SIGHUP (a closed terminal), so the
// server drains and closes its store. A second signal ends the process at once: every log
// answered 200 is on disk already.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM,
		syscall.SIGHUP)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
