package agent

import (
	"context"
	"encoding/json"
	"io"
	"iter"
	"strings"
	"time"
)

// ChatChunk is one chunk of an OpenAI chat completion stream.
type ChatChunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []ChunkChoice `json:"choices"`
	Usage   *ChunkUsage   `json:"usage,omitempty"`
}

// ChunkChoice is the part of a chunk for one choice.
type ChunkChoice struct {
	Index int        `json:"index"`
	Delta ChunkDelta `json:"delta"`
	// FinishReason is null until the last chunk of the choice.
	FinishReason *string `json:"finish_reason"`
}

// ChunkDelta is the text a chunk adds to a choice.
type ChunkDelta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

// ChunkUsage is the token usage sent in the last chunk of a stream.
type ChunkUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// chatModel is the model name the simulated chat model reports.
const chatModel = "gpt-4o-mini"

// simulatedChat simulates a chat model served over the OpenAI streaming API. Its reply is
// the facts of the system message after a fixed opening, streamed one word per chunk after
// a first-token delay. Token counts are word counts.
type simulatedChat struct {
	firstToken time.Duration
}

// chunks returns the chunks of the reply to the system and user messages: the role, one
// chunk per word, the finish reason and the usage, as OpenAI sends them with
// stream_options.include_usage.
func (m simulatedChat) chunks(system, user string) []ChatChunk {
	reply := strings.Fields("Here is what I found: " + system)
	stop := "stop"
	base := ChatChunk{ID: "chatcmpl-example", Object: "chat.completion.chunk",
		Created: 1735689600, Model: chatModel}

	out := make([]ChatChunk, 0, len(reply)+3)
	out = append(out, base.with(ChunkChoice{Delta: ChunkDelta{Role: "assistant"}}))
	for i, w := range reply {
		if i > 0 {
			w = " " + w
		}
		out = append(out, base.with(ChunkChoice{Delta: ChunkDelta{Content: w}}))
	}
	out = append(out, base.with(ChunkChoice{FinishReason: &stop}))

	usage := base
	usage.Choices = []ChunkChoice{}
	prompt := len(strings.Fields(system)) + len(strings.Fields(user))
	usage.Usage = &ChunkUsage{PromptTokens: prompt, CompletionTokens: len(reply),
		TotalTokens: prompt + len(reply)}
	return append(out, usage)
}

// with returns a copy of c with one choice.
func (c ChatChunk) with(choice ChunkChoice) ChatChunk {
	c.Choices = []ChunkChoice{choice}
	return c
}

// seq yields the chunks, the first one after the first-token delay. It yields ctx.Err()
// and stops when ctx ends during the delay.
func (m simulatedChat) seq(ctx context.Context, chunks []ChatChunk) iter.Seq2[ChatChunk, error] {
	return func(yield func(ChatChunk, error) bool) {
		if err := sleep(ctx, m.firstToken); err != nil {
			yield(ChatChunk{}, err)
			return
		}
		for _, c := range chunks {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// sse returns the chunks as a server-sent event stream, ending in "data: [DONE]", as the
// body of an OpenAI streaming response reads.
func (m simulatedChat) sse(ctx context.Context, chunks []ChatChunk) io.Reader {
	events := make([][]byte, 0, len(chunks)+1)
	for _, c := range chunks {
		b, err := json.Marshal(c)
		if err != nil {
			panic("BUG: chat chunk does not encode: " + err.Error())
		}
		events = append(events, []byte("data: "+string(b)+"\n\n"))
	}
	events = append(events, []byte("data: [DONE]\n\n"))
	return &eventReader{ctx: ctx, events: events, delay: m.firstToken}
}

// eventReader returns at most one event per Read, as a network stream delivers them, and
// waits before the first one. It keeps the context of its request, as a response body
// does, so that cancelling the request ends the wait.
type eventReader struct {
	ctx     context.Context
	events  [][]byte
	delay   time.Duration
	started bool
	pending []byte
}

func (r *eventReader) Read(p []byte) (int, error) {
	if !r.started {
		r.started = true
		if err := sleep(r.ctx, r.delay); err != nil {
			return 0, err
		}
	}
	if len(r.pending) == 0 {
		if len(r.events) == 0 {
			return 0, io.EOF
		}
		r.pending, r.events = r.events[0], r.events[1:]
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}
