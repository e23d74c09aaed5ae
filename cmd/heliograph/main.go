// Command heliograph runs the Heliograph server and its management commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/heliograph/heliograph/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
