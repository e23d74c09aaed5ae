package seed

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// sessionNames are the agent workflows a session runs, each with the feature property its
// logs carry.
var sessionNames = []struct{ name, feature string }{
	{"support-agent", "support"},
	{"research-agent", "research"},
	{"rag-chat", "chat"},
	{"summarizer", "summarize"},
	{"code-review", "review"},
	{"onboarding-flow", "onboarding"},
}

// step is a session-path segment and the kind of log made there.
type step struct {
	segment string
	kind    string
}

// steps are weighted so that about 45% of logs are LLM calls, 25% tool calls, 15% vector
// database queries and 15% data steps.
var steps = []step{
	{"plan", kindLLM}, {"reason", kindLLM}, {"answer", kindLLM}, {"summarize", kindLLM},
	{"classify", kindLLM}, {"draft", kindLLM}, {"critique", kindLLM}, {"rewrite", kindLLM},
	{"translate", kindLLM},
	{"search", kindTool}, {"fetch", kindTool}, {"calculator", kindTool},
	{"calendar", kindTool}, {"code-exec", kindTool},
	{"retrieve", kindVectorDB}, {"memory", kindVectorDB}, {"index", kindVectorDB},
	{"load-profile", kindData}, {"user-query", kindData}, {"parse", kindData},
}

// Kinds of generated logs, as the server classifies them.
const (
	kindLLM      = "llm"
	kindTool     = "tool"
	kindVectorDB = "vector_db"
	kindData     = "data"
)

// environments are weighted 70/20/10.
var environments = []string{"production", "production", "production", "production",
	"production", "production", "production", "staging", "staging", "development"}

const customers = 200

// builder generates the logs of one unit in order, carrying the session's state: its clock,
// its path and its fixed user and properties.
type builder struct {
	g           *Generator
	u           unit
	rng         *rand.Rand
	now         time.Time
	sessionID   string
	sessionName string
	feature     string
	environment string
	customer    string
	user        string
	path        []string
	buf         []byte
}

func newBuilder(g *Generator, u unit, unitIndex uint64) *builder {
	b := &builder{g: g, u: u, rng: rand.New(rand.NewPCG(g.cfg.Seed, unitIndex+1))}
	span := time.Duration(g.cfg.Days) * 24 * time.Hour
	b.now = g.cfg.End.Add(-time.Duration(b.rng.Int64N(int64(span)))).Truncate(time.Millisecond)
	if u.session >= 0 {
		b.startSession()
	}
	return b
}

func (b *builder) startSession() {
	wf := sessionNames[b.rng.IntN(len(sessionNames))]
	b.sessionID = SessionID(b.g.cfg.Seed, b.u.session)
	b.sessionName = wf.name
	b.feature = wf.feature
	b.environment = environments[b.rng.IntN(len(environments))]
	b.customer = b.pickCustomer()
	b.user = b.pickUser()
}

// pickUser and pickCustomer skew toward low numbers, so a few users and customers are much
// busier than the rest.
func (b *builder) pickUser() string {
	r := b.rng.Float64()
	return "user-" + pad(int(r*r*float64(b.g.users)), 5)
}

func (b *builder) pickCustomer() string {
	r := b.rng.Float64()
	return "customer-" + pad(int(r*r*r*customers), 3)
}

// next generates log k of the unit.
func (b *builder) next(k int) Log {
	if b.u.session < 0 {
		// Session-less logs are independent calls spread over the whole range.
		span := time.Duration(b.g.cfg.Days) * 24 * time.Hour
		b.now = b.g.cfg.End.Add(-time.Duration(b.rng.Int64N(int64(span))))
		b.now = b.now.Truncate(time.Millisecond)
		b.environment = environments[b.rng.IntN(len(environments))]
		b.customer = b.pickCustomer()
		b.user = b.pickUser()
		b.feature = sessionNames[b.rng.IntN(len(sessionNames))].feature
	}
	st := steps[b.rng.IntN(len(steps))]
	if b.u.session >= 0 {
		b.walk(st.segment)
	}
	l := logSpec{
		id:    uuidFrom(b.g.idSeed, uint64(b.u.first+k)),
		kind:  st.kind,
		step:  st.segment,
		start: b.now,
	}
	b.outcome(&l)
	b.buf = b.buf[:0]
	item := b.appendItem(b.buf, &l)
	b.buf = item
	// Sessions move on: the next step starts a little after this one ends.
	b.now = l.start.Add(time.Duration(l.latencyMs+10+b.rng.Int64N(400)) * time.Millisecond)
	return Log{RequestID: l.id, Kind: l.kind, Status: l.status,
		Item: append([]byte(nil), item...)}
}

// walk moves the session path: deeper into a new step, back up, or along at the same depth,
// so that sessions form trees of nested paths up to four levels deep.
func (b *builder) walk(segment string) {
	r := b.rng.Float64()
	switch {
	case len(b.path) == 0 || (len(b.path) < 4 && r < 0.4):
		b.path = append(b.path, segment)
	case r < 0.7 && len(b.path) > 1:
		b.path = b.path[:len(b.path)-1]
		b.path[len(b.path)-1] = segment
	default:
		b.path[len(b.path)-1] = segment
	}
}

func (b *builder) sessionPath() string {
	return "/" + strings.Join(b.path, "/")
}

// outcome decides the latency, status and streaming of a log: about 5% fail with an error
// status, 0.5% time out (-1) and 0.5% are cancelled (-3).
func (b *builder) outcome(l *logSpec) {
	switch l.kind {
	case kindLLM:
		l.latencyMs = 300 + b.rng.Int64N(3700)
		l.streamed = b.rng.IntN(4) == 0
	case kindTool:
		l.latencyMs = 50 + b.rng.Int64N(750)
	case kindVectorDB:
		l.latencyMs = 20 + b.rng.Int64N(180)
	default:
		l.latencyMs = 1 + b.rng.Int64N(50)
	}
	l.status = 200
	switch r := b.rng.Float64(); {
	case r < 0.05:
		l.status = []int64{500, 502, 429, 400}[b.rng.IntN(4)]
	case r < 0.055:
		l.status = -1
		l.latencyMs = 30_000
	case r < 0.06:
		l.status = -3
	}
}

// SessionID returns the id of session n of the data set of a Config with this Seed. Session
// 0 is usually the largest, and Config.BigSessionLogs sets its size.
func SessionID(seed uint64, n int) string {
	return uuidFrom(seed^0x5e5510, uint64(n))
}

// uuidFrom derives a version 4 UUID from a seed and a number, so that every log and session
// has a stable id.
func uuidFrom(seed, n uint64) string {
	hi := splitmix(seed ^ splitmix(n))
	lo := splitmix(hi ^ n)
	hi = hi&^(0xf<<12) | 0x4<<12 // version 4
	lo = lo&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	const hex = "0123456789abcdef"
	var out [36]byte
	pos := 0
	for i := range 16 {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[pos] = '-'
			pos++
		}
		var v byte
		if i < 8 {
			v = byte(hi >> (56 - 8*i))
		} else {
			v = byte(lo >> (56 - 8*(i-8)))
		}
		out[pos], out[pos+1] = hex[v>>4], hex[v&0xf]
		pos += 2
	}
	return string(out[:])
}

// splitmix is the SplitMix64 finaliser, a fast bijective mix of 64 bits.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pad formats n with leading zeros to width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}
