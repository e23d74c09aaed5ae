package agent_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/examples/agent"
	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/server"
	"github.com/heliograph/heliograph/internal/store/sqlite"
	"github.com/heliograph/heliograph/sdk"
)

// TestMain starts a Heliograph server in this process, on a temporary SQLite file, unless
// HELIOGRAPH_ENDPOINT names one already. The examples reach it through HELIOGRAPH_ENDPOINT
// and HELIOGRAPH_API_KEY, as an application would.
func TestMain(m *testing.M) {
	os.Exit(runExamples(m))
}

func runExamples(m *testing.M) int {
	if os.Getenv(sdk.EnvEndpoint) == "" {
		stop, err := startServer()
		if err != nil {
			fmt.Fprintln(os.Stderr, "start server:", err)
			return 1
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(os.Stderr, "stop server:", err)
			}
		}()
	}
	return m.Run()
}

// startServer runs the server on 127.0.0.1 and sets the environment for the examples. The
// returned function stops the server and removes its data.
func startServer() (stop func() error, err error) {
	dir, err := os.MkdirTemp("", "heliograph-examples-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(dir, "heliograph.db"), sqlite.Options{})
	if err != nil {
		cancel()
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	cleanup := func() error {
		cancel()
		return errors.Join(st.Close(), os.RemoveAll(dir))
	}
	key, err := auth.GenerateKey()
	if err == nil {
		_, err = auth.Bootstrap(ctx, st, dir, key)
	}
	var ln net.Listener
	if err == nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, errors.Join(err, cleanup())
	}

	srv := server.New(st, server.Options{Logger: slog.New(slog.DiscardHandler)})
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	os.Setenv(sdk.EnvEndpoint, "http://"+ln.Addr().String())
	os.Setenv(sdk.EnvAPIKey, key)
	return func() error {
		cancel()
		return errors.Join(<-done, cleanup())
	}, nil
}

// exampleSetup is what every example but ExampleAgent_Run prepares the same way.
type exampleSetup struct {
	Agent  *agent.Agent
	Logger *sdk.Logger
	close  []func() error
}

// setup creates a logger from the environment, the orders database in a temporary
// directory, the weather API and the agent.
func setup() (*exampleSetup, error) {
	logger, err := sdk.New("")
	if err != nil {
		return nil, err
	}
	s := &exampleSetup{Logger: logger}
	dir, err := os.MkdirTemp("", "agent-example-")
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	s.close = append(s.close, func() error { return os.RemoveAll(dir) })
	db, err := agent.OpenOrders(context.Background(), filepath.Join(dir, "orders.db"))
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	s.close = append(s.close, db.Close)
	weather := agent.NewWeatherServer()
	s.close = append(s.close, func() error { weather.Close(); return nil })

	s.Agent = agent.New(agent.Config{Logger: logger, DB: db, WeatherURL: weather.URL,
		Latency: 2 * time.Millisecond})
	return s, nil
}

// Close delivers the logs, prints how many the server stored and releases the rest.
func (s *exampleSetup) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.Logger.Close(ctx)
	if err == nil {
		fmt.Println("logs delivered:", s.Logger.Stats().Sent)
	}
	for i := len(s.close) - 1; i >= 0; i-- {
		err = errors.Join(err, s.close[i]())
	}
	return err
}

// sessionContext returns a context whose logs belong to a new session of user "alice".
func sessionContext() context.Context {
	ctx := sdk.ContextWithSession(context.Background(), rand.Text(), "support chat")
	ctx = sdk.ContextWithUserID(ctx, "alice")
	return sdk.ContextWithProperties(ctx, map[string]string{"app": "agent-example"})
}

func ExampleAgent_Run() {
	ctx := context.Background()

	// The logger reads HELIOGRAPH_ENDPOINT and HELIOGRAPH_API_KEY.
	logger, err := sdk.New("")
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "agent-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	db, err := agent.OpenOrders(ctx, filepath.Join(dir, "orders.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	weather := agent.NewWeatherServer()
	defer weather.Close()

	a := agent.New(agent.Config{Logger: logger, DB: db, WeatherURL: weather.URL,
		Latency: 2 * time.Millisecond})
	ctx = sdk.ContextWithSession(ctx, rand.Text(), "support chat")
	ctx = sdk.ContextWithUserID(ctx, "alice")
	report, err := a.Run(ctx, agent.Question{
		Customer: "alice",
		City:     "Paris",
		Message:  "Where is my tea sampler? The delivery is late and I am unhappy.",
	})
	if err != nil {
		fmt.Println(err)
	}
	printReport(report)

	// Close sends the queued logs and waits for the server to store them.
	closeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := logger.Close(closeCtx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("logs delivered:", logger.Stats().Sent)
	// Output:
	// orders: 3, total 77.49 EUR, latest shipped
	// weather: Paris 21.5 C sunny (HTTP 200)
	// sentiment: negative 0.06
	// article: late-delivery 0.671
	// article: shipping-times 0.632
	// answer:
	// Here is what I found: your latest order is shipped (3 orders, 77.49 EUR in total);
	// it is sunny and 21.5 C in Paris;
	// you sound negative;
	// see the article "When a delivery is late".
	// logs delivered: 7
}

func printReport(r agent.Report) {
	fmt.Printf("orders: %d, total %.2f EUR, latest %s\n", r.Orders.Count, r.Orders.Total,
		r.Orders.LatestStatus)
	printWeather(r.Weather)
	fmt.Printf("sentiment: %s %.2f\n", r.Sentiment.Label, r.Sentiment.Score)
	for _, m := range r.Articles {
		fmt.Printf("article: %s %.3f\n", m.ID, m.Score)
	}
	// One clause per line keeps the expected output readable.
	fmt.Printf("answer:\n%s\n", strings.ReplaceAll(r.Answer.Text, "; ", ";\n"))
}

func printWeather(w agent.Weather) {
	fmt.Printf("weather: %s %.1f C %s (HTTP %d)\n", w.City, w.TempC, w.Conditions, w.Status)
}

func ExampleAgent_QueryOrders() {
	s, err := setup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	orders, err := s.Agent.QueryOrders(sessionContext(), "alice")
	fmt.Printf("%+v %v\n", orders, err)
	// Output:
	// {Customer:alice Count:3 Total:77.49 LatestStatus:shipped} <nil>
	// logs delivered: 1
}

func ExampleAgent_FetchWeather() {
	s, err := setup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	ctx := sessionContext()
	w, err := s.Agent.FetchWeather(ctx, "Oslo")
	printWeather(w)

	// An unknown city is logged with status 404 and returned as an error.
	_, err = s.Agent.FetchWeather(ctx, "Atlantis")
	fmt.Println(err, errors.Is(err, agent.ErrUnknownCity))
	// Output:
	// weather: Oslo 9.0 C rain (HTTP 200)
	// weather for "Atlantis": unknown city true
	// logs delivered: 2
}

func ExampleAgent_ClassifySentiment() {
	s, err := setup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	ctx := sessionContext()
	for _, text := range []string{
		"The kettle works great, thank you for the fast delivery",
		"Terrible support, still waiting for my refund",
	} {
		sentiment, err := s.Agent.ClassifySentiment(ctx, text)
		fmt.Printf("%s %.2f %v\n", sentiment.Label, sentiment.Score, err)
	}
	// Output:
	// positive 0.96 <nil>
	// negative 0.09 <nil>
	// logs delivered: 2
}

func ExampleAgent_SearchDocs() {
	s, err := setup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// The tool call and the vector search inside it make two logs.
	matches, err := s.Agent.SearchDocs(sessionContext(), "my refund is late", 3)
	for _, m := range matches {
		fmt.Printf("%s %.3f\n", m.ID, m.Score)
	}
	fmt.Println(err)
	// Output:
	// refunds 0.693
	// late-delivery 0.500
	// damaged-items 0.116
	// <nil>
	// logs delivered: 2
}

func ExampleAgent_StreamAnswer() {
	s, err := setup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	ans, err := s.Agent.StreamAnswer(sessionContext(), "Is my order on its way?",
		"your order has shipped.")
	fmt.Printf("%q %d chunks, finish %s, %d tokens, %v\n", ans.Text, ans.Chunks,
		ans.FinishReason, ans.Usage.TotalTokens, err)
	// Output:
	// "Here is what I found: your order has shipped." 9 chunks, finish stop, 19 tokens, <nil>
	// logs delivered: 1
}

func ExampleAgent_StreamChunks() {
	s, err := setup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	ans, err := s.Agent.StreamChunks(sessionContext(), "Is my order on its way?",
		"your order has shipped.")
	fmt.Printf("%q %d chunks, finish %s, %d tokens, %v\n", ans.Text, ans.Chunks,
		ans.FinishReason, ans.Usage.TotalTokens, err)
	// Output:
	// "Here is what I found: your order has shipped." 9 chunks, finish stop, 19 tokens, <nil>
	// logs delivered: 1
}
