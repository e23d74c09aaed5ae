// Command cmd runs the example agent once against a Heliograph server and prints what it
// found. The server and key come from HELIOGRAPH_ENDPOINT and HELIOGRAPH_API_KEY:
//
//	HELIOGRAPH_ENDPOINT=http://127.0.0.1:8585 HELIOGRAPH_API_KEY=hg_... \
//		go run ./examples/agent/cmd -customer alice -city Paris
//
// Every step is logged under one session, whose id is printed at the end.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/heliograph/heliograph/examples/agent"
	"github.com/heliograph/heliograph/sdk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	question agent.Question
	session  string
	latency  time.Duration
	timeout  time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.question.Customer, "customer", "alice",
		"customer whose orders are read: alice or bob")
	fs.StringVar(&o.question.City, "city", "Paris",
		"city whose weather is fetched: Paris, Oslo or Lisbon")
	fs.StringVar(&o.question.Message, "message",
		"Where is my tea sampler? The delivery is late and I am unhappy.",
		"the customer's message")
	fs.StringVar(&o.session, "session", "", "session id of the logs (default: random)")
	fs.DurationVar(&o.latency, "latency", 20*time.Millisecond,
		"simulated latency of each step, such as 20ms")
	fs.DurationVar(&o.timeout, "close-timeout", 30*time.Second,
		"longest wait for the server to store the logs at exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.session == "" {
		o.session = rand.Text()
	}
	return o, nil
}

// run answers one question with the agent, then a follow-up through typed chunks, and
// waits until the logs are stored.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	logger, err := sdk.New("", sdk.WithSlog(log), sdk.WithErrorHandler(func(err error) {
		log.Warn("log delivery failed", "error", err)
	}))
	if err != nil {
		return fmt.Errorf("create logger: %w", err)
	}

	report, followUp, runErr := answer(ctx, logger, o)
	printReport(stdout, report)
	fmt.Fprintf(stdout, "follow-up: %s\n", followUp.Text)

	closeCtx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	closeErr := logger.Close(closeCtx)
	fmt.Fprintf(stdout, "session %s: %d logs delivered\n", o.session, logger.Stats().Sent)
	return errors.Join(runErr, closeErr)
}

// answer prepares the database and the weather API, runs the agent and answers a
// follow-up question.
func answer(ctx context.Context, logger *sdk.Logger, o options) (agent.Report, agent.Answer,
	error) {
	dir, err := os.MkdirTemp("", "agent-")
	if err != nil {
		return agent.Report{}, agent.Answer{}, err
	}
	defer os.RemoveAll(dir)
	db, err := agent.OpenOrders(ctx, filepath.Join(dir, "orders.db"))
	if err != nil {
		return agent.Report{}, agent.Answer{}, err
	}
	defer db.Close()
	weather := agent.NewWeatherServer()
	defer weather.Close()

	a := agent.New(agent.Config{Logger: logger, DB: db, WeatherURL: weather.URL,
		Latency: o.latency})
	ctx = sdk.ContextWithSession(ctx, o.session, "support chat")
	ctx = sdk.ContextWithUserID(ctx, o.question.Customer)
	ctx = sdk.ContextWithProperties(ctx, map[string]string{"app": "agent-example"})
	report, err := a.Run(ctx, o.question)
	if err != nil {
		return report, agent.Answer{}, err
	}
	followUp, err := a.StreamChunks(ctx, "Thanks. When will it arrive?", agent.Facts(report))
	return report, followUp, err
}

func printReport(w io.Writer, r agent.Report) {
	fmt.Fprintf(w, "orders: %d, total %.2f EUR, latest %s\n", r.Orders.Count, r.Orders.Total,
		r.Orders.LatestStatus)
	fmt.Fprintf(w, "weather: %s %.1f C %s (HTTP %d)\n", r.Weather.City, r.Weather.TempC,
		r.Weather.Conditions, r.Weather.Status)
	fmt.Fprintf(w, "sentiment: %s %.2f\n", r.Sentiment.Label, r.Sentiment.Score)
	for _, m := range r.Articles {
		fmt.Fprintf(w, "article: %s %.3f\n", m.ID, m.Score)
	}
	fmt.Fprintf(w, "answer: %s\n", r.Answer.Text)
}
