package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/heliograph/heliograph/sdk"
)

// Answer is a streamed chat completion as the caller assembled it.
type Answer struct {
	Text string
	// Chunks is the number of chunks that carried text.
	Chunks       int
	FinishReason string
	Usage        ChunkUsage
}

// add appends the text, finish reason and usage of one chunk.
func (ans *Answer) add(c ChatChunk) {
	for _, ch := range c.Choices {
		if ch.Delta.Content != "" {
			ans.Text += ch.Delta.Content
			ans.Chunks++
		}
		if ch.FinishReason != nil {
			ans.FinishReason = *ch.FinishReason
		}
	}
	if c.Usage != nil {
		ans.Usage = *c.Usage
	}
}

// chatRequest is the logged request of a chat completion answering question from facts.
func chatRequest(question, facts string) sdk.LLM {
	return sdk.LLM{
		Model: chatModel,
		Messages: []sdk.Message{
			{Role: "system", Content: facts},
			{Role: "user", Content: question},
		},
		Stream: true,
		Fields: map[string]any{"temperature": 0},
	}
}

// StreamAnswer asks the chat model to answer question from facts and reads the reply as a
// server-sent event stream. The stream is read through [sdk.Logger.WrapReader], so the
// caller parses every byte while the SDK logs the request, the stream and the time to
// first token as the OpenAI call "answer".
func (a *Agent) StreamAnswer(ctx context.Context, question, facts string) (Answer, error) {
	model := simulatedChat{firstToken: a.cfg.Latency}
	body := model.sse(ctx, model.chunks(facts, question))
	stream := a.cfg.Logger.WrapReader(ctx, chatRequest(question, facts), body,
		sdk.WithProvider(sdk.ProviderOpenAI), sdk.WithPathSegment("answer"))
	defer stream.Close()

	var ans Answer
	sc := bufio.NewScanner(stream)
	// Read to the end of the stream even after [DONE], so that the log records its end.
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var c ChatChunk
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return ans, fmt.Errorf("decode chat chunk: %w", err)
		}
		ans.add(c)
	}
	if err := sc.Err(); err != nil {
		return ans, fmt.Errorf("read chat stream: %w", err)
	}
	return ans, nil
}

// StreamChunks asks the chat model the same as [Agent.StreamAnswer] but receives the reply
// as typed chunks. The chunks pass through [sdk.WrapSeq], which logs each of them as one
// JSON line and records the time to first chunk, as the OpenAI call "answer".
func (a *Agent) StreamChunks(ctx context.Context, question, facts string) (Answer, error) {
	model := simulatedChat{firstToken: a.cfg.Latency}
	chunks := model.seq(ctx, model.chunks(facts, question))
	logged := sdk.WrapSeq(ctx, a.cfg.Logger, chatRequest(question, facts), chunks,
		sdk.WithProvider(sdk.ProviderOpenAI), sdk.WithPathSegment("answer"))

	var ans Answer
	for c, err := range logged {
		if err != nil {
			return ans, fmt.Errorf("read chat chunks: %w", err)
		}
		ans.add(c)
	}
	return ans, nil
}
