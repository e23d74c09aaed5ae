package agent

import (
	"context"
	"math"
	"strings"
	"unicode"

	"github.com/heliograph/heliograph/sdk"
)

// Sentiment is the output of the sentiment model.
type Sentiment struct {
	// Label is "positive" or "negative".
	Label string
	// Score is the probability that the text is positive, from 0 to 1.
	Score float64
}

// LabeledText is one training example of the sentiment model.
type LabeledText struct {
	Text     string
	Positive bool
}

// sentimentTrainingSet is the tiny corpus the agent's model learns from.
var sentimentTrainingSet = []LabeledText{
	{"great service and fast delivery", true},
	{"i love the teapot, thank you", true},
	{"excellent quality, very happy", true},
	{"quick refund, helpful support", true},
	{"the kettle arrived early and works great", true},
	{"terrible service and late delivery", false},
	{"the teapot arrived broken, i am unhappy", false},
	{"awful quality, very disappointed", false},
	{"still waiting for my refund, useless support", false},
	{"my order is late again", false},
}

// SentimentModel is a logistic regression over the words of a text: each known word that
// occurs adds its weight once. A SentimentModel is read-only after training and safe for
// concurrent use.
type SentimentModel struct {
	vocab   map[string]int
	weights []float64
	bias    float64
}

// TrainSentiment fits a model to data with full-batch gradient descent on the log loss,
// running the given number of epochs at the given learning rate. Training is deterministic:
// the same data gives the same model.
func TrainSentiment(data []LabeledText, epochs int, rate float64) *SentimentModel {
	m := &SentimentModel{vocab: map[string]int{}}
	features := make([][]int, len(data))
	for i, ex := range data {
		for _, w := range words(ex.Text) {
			if _, ok := m.vocab[w]; !ok {
				m.vocab[w] = len(m.vocab)
			}
			features[i] = append(features[i], m.vocab[w])
		}
	}
	m.weights = make([]float64, len(m.vocab))

	grad := make([]float64, len(m.weights))
	n := float64(len(data))
	for range epochs {
		clear(grad)
		var gradBias float64
		for i, ex := range data {
			diff := m.probability(features[i]) - label(ex.Positive)
			for _, f := range features[i] {
				grad[f] += diff
			}
			gradBias += diff
		}
		for j := range m.weights {
			m.weights[j] -= rate * grad[j] / n
		}
		m.bias -= rate * gradBias / n
	}
	return m
}

// Predict returns the label and the probability that text is positive. Words the model
// never saw are ignored.
func (m *SentimentModel) Predict(text string) Sentiment {
	var features []int
	for _, w := range words(text) {
		if f, ok := m.vocab[w]; ok {
			features = append(features, f)
		}
	}
	p := m.probability(features)
	if p >= 0.5 {
		return Sentiment{Label: "positive", Score: p}
	}
	return Sentiment{Label: "negative", Score: p}
}

// Features returns the size of the model's vocabulary.
func (m *SentimentModel) Features() int { return len(m.vocab) }

func (m *SentimentModel) probability(features []int) float64 {
	z := m.bias
	for _, f := range features {
		z += m.weights[f]
	}
	return 1 / (1 + math.Exp(-z))
}

func label(positive bool) float64 {
	if positive {
		return 1
	}
	return 0
}

// words returns the distinct lower-case words of text.
func words(text string) []string {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r)
	})
	seen := make(map[string]bool, len(fields))
	out := fields[:0]
	for _, f := range fields {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// ClassifySentiment runs the sentiment model on text, logged as the data step
// "sentiment_model" with the input, and the prediction and score as the response.
func (a *Agent) ClassifySentiment(ctx context.Context, text string) (Sentiment, error) {
	req := sdk.Data{
		Name: "sentiment_model",
		Meta: map[string]any{
			"algorithm": "logistic_regression",
			"features":  a.model.Features(),
		},
		Fields: map[string]any{"input": text},
	}
	return sdk.Wrap(ctx, a.cfg.Logger, req,
		func(ctx context.Context, rec *sdk.Recorder) (Sentiment, error) {
			if err := a.pause(ctx); err != nil {
				return Sentiment{}, err
			}
			s := a.model.Predict(text)
			rec.AppendResults(map[string]any{"prediction": s.Label, "score": s.Score})
			return s, nil
		})
}
