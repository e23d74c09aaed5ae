// Package seed generates realistic logs for demos, tests and benchmarks. It makes sessions of
// agent runs with nested session paths: LLM calls with token usage and cost (some streamed as
// SSE), tool calls, vector database queries and data steps, with properties, users and a
// share of failures. The same [Config] always yields the same logs, byte for byte, and any part of
// them can be generated on its own, so several goroutines can generate and send at once.
package seed

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Defaults of [Config].
const (
	// DefaultDays is the span the logs start in when Config.Days is 0.
	DefaultDays = 7
	// logsPerSession is the average session size used when Config.Sessions is 0.
	logsPerSession = 25
	// standalonePercent is the share of logs that belong to no session.
	standalonePercent = 15
	// standaloneUnit is the number of session-less logs generated together.
	standaloneUnit = 100
)

// Config describes a data set.
type Config struct {
	// Count is the number of logs, at least 1.
	Count int
	// Sessions is the number of sessions; 0 means Count/25, at least 1. When there are
	// fewer session logs than sessions, there are as many sessions as session logs.
	Sessions int
	// Days is how many days before End the logs start in; 0 means DefaultDays.
	Days int
	// BigSessionLogs, when above 0, is the exact size of the first session, so that a data
	// set holds one session of a known size (capped at the logs left once every other
	// session has one). 0 leaves the first session's size to chance like the others.
	BigSessionLogs int
	// Seed selects the data set.
	Seed uint64
	// End is the latest start time of a session. The zero value is invalid, so that a data
	// set never depends on the clock by accident.
	End time.Time
}

// Log is one generated log.
type Log struct {
	RequestID string
	// Kind is "llm", "tool", "vector_db" or "data".
	Kind string
	// Status is the status code the log reports.
	Status int64
	// Item is the log as one item of a POST /v1/log/batch body: an object with headers,
	// provider and body.
	Item []byte
}

// unit is a part of the data set generated in one piece: one session, or up to
// standaloneUnit logs without a session.
type unit struct {
	session int // session number, -1 for session-less logs
	first   int // index of the unit's first log in the whole data set
	count   int
}

// Generator produces the logs of one [Config]. Safe for concurrent use: [Generator.Unit]
// only reads shared state.
type Generator struct {
	cfg   Config
	users int
	units []unit
	// idSeed derives the request ids from every field of cfg. The same Config gives the same
	// ids, so running it again stores nothing twice. Configs that differ in any field give
	// their logs different ids.
	idSeed uint64
}

// New plans the data set: the size of every session and of the session-less remainder.
func New(cfg Config) (*Generator, error) {
	var errs []error
	if cfg.Count < 1 {
		errs = append(errs, fmt.Errorf("count: %d must be at least 1", cfg.Count))
	}
	if cfg.Sessions < 0 {
		errs = append(errs, fmt.Errorf("sessions: %d must not be negative", cfg.Sessions))
	}
	if cfg.Days < 0 {
		errs = append(errs, fmt.Errorf("days: %d must not be negative", cfg.Days))
	}
	if cfg.BigSessionLogs < 0 {
		errs = append(errs, fmt.Errorf("big session logs: %d must not be negative",
			cfg.BigSessionLogs))
	}
	if cfg.End.IsZero() {
		errs = append(errs, errors.New("end: must be set"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Days == 0 {
		cfg.Days = DefaultDays
	}
	if cfg.Sessions == 0 {
		cfg.Sessions = max(cfg.Count/logsPerSession, 1)
	}
	g := &Generator{cfg: cfg, users: max(cfg.Count/500, 5)}
	for _, v := range []uint64{cfg.Seed, uint64(cfg.Count), uint64(cfg.Sessions),
		uint64(cfg.Days), uint64(cfg.BigSessionLogs), uint64(cfg.End.UnixNano())} {
		g.idSeed = splitmix(g.idSeed ^ v)
	}
	g.plan()
	return g, nil
}

// plan splits the logs into sessions of random sizes, a few of them much larger than the
// rest, followed by units of session-less logs.
func (g *Generator) plan() {
	standalone := g.cfg.Count * standalonePercent / 100
	inSessions := g.cfg.Count - standalone
	sessions := min(g.cfg.Sessions, inSessions)
	if sessions == 0 {
		standalone = g.cfg.Count
	}

	sizes := g.sessionSizes(inSessions, sessions)
	first := 0
	for i, n := range sizes {
		g.units = append(g.units, unit{session: i, first: first, count: n})
		first += n
	}
	for first < g.cfg.Count {
		n := min(standaloneUnit, g.cfg.Count-first)
		g.units = append(g.units, unit{session: -1, first: first, count: n})
		first += n
	}
}

// sessionSizes shares inSessions logs among sessions by random weight, at least one each.
// The first session is much larger than the rest, either BigSessionLogs or by weight.
func (g *Generator) sessionSizes(inSessions, sessions int) []int {
	rng := rand.New(rand.NewPCG(g.cfg.Seed, 0x5e55))
	weights := make([]float64, sessions)
	var total float64
	for i := range weights {
		w := 5 + rng.ExpFloat64()*20
		switch {
		case i == 0 && sessions >= 100:
			w *= 400 // one very large session
		case rng.Float64() < 0.005:
			w *= 40
		}
		weights[i] = w
		total += w
	}
	sizes := make([]int, sessions)
	fixed := 0
	if g.cfg.BigSessionLogs > 0 && sessions > 0 {
		sizes[0] = min(g.cfg.BigSessionLogs, inSessions-(sessions-1))
		fixed = 1
		total -= weights[0]
		inSessions -= sizes[0]
	}

	// Every other session gets one log, and the rest are shared by weight. Rounding leaves
	// fewer than `sessions` logs over, and those go one each to the first sessions.
	others := sessions - fixed
	if others == 0 {
		return sizes
	}
	spare := inSessions - others
	used := 0
	for i := fixed; i < sessions; i++ {
		sizes[i] = 1 + int(math.Floor(float64(spare)*weights[i]/total))
		used += sizes[i]
	}
	for i := 0; used < inSessions; i++ {
		sizes[fixed+i%others]++
		used++
	}
	return sizes
}

// Count returns the number of logs in the data set.
func (g *Generator) Count() int { return g.cfg.Count }

// Sessions returns the number of sessions in the data set.
func (g *Generator) Sessions() int {
	n := 0
	for _, u := range g.units {
		if u.session >= 0 {
			n++
		}
	}
	return n
}

// Units returns the number of units; every log belongs to exactly one of them.
func (g *Generator) Units() int { return len(g.units) }

// UnitSize returns the number of logs of unit i.
func (g *Generator) UnitSize(i int) int { return g.units[i].count }

// Unit generates the logs of unit i, 0 <= i < Units(), in start-time order.
func (g *Generator) Unit(i int) []Log {
	u := g.units[i]
	b := newBuilder(g, u, uint64(i))
	logs := make([]Log, 0, u.count)
	for k := range u.count {
		logs = append(logs, b.next(k))
	}
	return logs
}
