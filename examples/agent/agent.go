package agent

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"time"

	"github.com/heliograph/heliograph/sdk"
)

// Config holds what an [Agent] needs.
type Config struct {
	// Logger records every step. A nil Logger runs the steps without logging them.
	Logger *sdk.Logger
	// DB is the orders database, prepared with [OpenOrders].
	DB *sql.DB
	// WeatherURL is the base URL of the weather API, such as the URL of [NewWeatherServer].
	WeatherURL string
	// HTTPClient calls the weather API. Nil means a client with a 10-second timeout.
	HTTPClient *http.Client
	// Latency is how long the orders query, the weather call, the inference and the vector
	// search each wait before their work, standing in for the round trip to a remote
	// service. The chat stream waits it before its first chunk. Zero means no wait.
	Latency time.Duration
}

// Agent answers a customer's question from their orders, the weather, the sentiment of
// their message and the help-centre articles, logging each step. An Agent is safe for
// concurrent use. Its zero value is not usable: create one with [New].
type Agent struct {
	cfg    Config
	client *http.Client
	model  *SentimentModel
	index  *VectorIndex
}

// New trains the sentiment model, builds the article index and returns an Agent.
func New(cfg Config) *Agent {
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Agent{
		cfg:    cfg,
		client: client,
		model:  TrainSentiment(sentimentTrainingSet, 200, 0.1),
		index:  NewVectorIndex(helpArticles),
	}
}

// Question is a customer's request to the agent.
type Question struct {
	// Customer is the customer whose orders are read, such as "alice".
	Customer string
	// City is the city whose weather is fetched, such as "Paris".
	City string
	// Message is the customer's text, classified and searched for articles.
	Message string
}

// Report is what one run of the agent found and answered.
type Report struct {
	Orders    Orders
	Weather   Weather
	Sentiment Sentiment
	Articles  []Match
	Answer    Answer
}

// Run answers q as the data step "agent", with every other step nested below it. It stops
// at the first step that fails and returns that step's error.
func (a *Agent) Run(ctx context.Context, q Question) (Report, error) {
	req := sdk.Data{
		Name:   "agent",
		Meta:   map[string]any{"version": "1"},
		Fields: map[string]any{"customer": q.Customer, "message": q.Message},
	}
	return sdk.Wrap(ctx, a.cfg.Logger, req,
		func(ctx context.Context, rec *sdk.Recorder) (Report, error) {
			report, err := a.run(ctx, q)
			if err != nil {
				return report, err
			}
			rec.AppendResults(map[string]any{
				"answer":    report.Answer.Text,
				"sentiment": report.Sentiment.Label,
				"articles":  len(report.Articles),
			})
			return report, nil
		})
}

// run calls the steps in order.
func (a *Agent) run(ctx context.Context, q Question) (Report, error) {
	var r Report
	var err error
	if r.Orders, err = a.QueryOrders(ctx, q.Customer); err != nil {
		return r, err
	}
	if r.Weather, err = a.FetchWeather(ctx, q.City); err != nil {
		return r, err
	}
	if r.Sentiment, err = a.ClassifySentiment(ctx, q.Message); err != nil {
		return r, err
	}
	if r.Articles, err = a.SearchDocs(ctx, q.Message, 2); err != nil {
		return r, err
	}
	r.Answer, err = a.StreamAnswer(ctx, q.Message, Facts(r))
	return r, err
}

// Facts returns what the steps before the answer found, as the text of the chat model's
// system message.
func Facts(r Report) string {
	article := "none"
	if len(r.Articles) > 0 {
		article = r.Articles[0].Title
	}
	return fmt.Sprintf("your latest order is %s (%d orders, %.2f EUR in total); "+
		"it is %s and %.1f C in %s; you sound %s; see the article %q.",
		r.Orders.LatestStatus, r.Orders.Count, r.Orders.Total, r.Weather.Conditions,
		r.Weather.TempC, r.Weather.City, r.Sentiment.Label, article)
}

// pause waits for the configured latency or until ctx ends.
func (a *Agent) pause(ctx context.Context) error { return sleep(ctx, a.cfg.Latency) }

// sleep waits for d or until ctx ends, and returns ctx.Err() in the second case.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
