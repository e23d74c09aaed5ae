package sdk

import (
	"strings"
	"time"
)

// Provider is the provider label of a log. It selects the single-log route in compat mode
// and is stored with the log.
type Provider string

// Providers understood by the server.
const (
	ProviderCustom    Provider = "CUSTOM"
	ProviderOpenAI    Provider = "OPENAI"
	ProviderAnthropic Provider = "ANTHROPIC"
	ProviderGoogle    Provider = "GOOGLE"
)

type callOptionKind uint8

const (
	optProperty callOptionKind = iota + 1
	optProperties
	optSession
	optUserID
	optRequestID
	optProvider
	optHeader
	optTimeToFirstToken
	optPathSegment
)

// CallOption adjusts one log. Build it with the With* functions that return CallOption;
// the zero value does nothing. A CallOption is a small value, so passing options does not
// allocate.
type CallOption struct {
	kind  callOptionKind
	key   string
	value string
	extra string
	props map[string]string
	dur   time.Duration
}

// WithProperty adds the custom property key=value, sent as Helicone-Property-<key>. It
// replaces a property of the same key from the context.
func WithProperty(key, value string) CallOption {
	return CallOption{kind: optProperty, key: key, value: value}
}

// WithProperties adds custom properties, as [WithProperty] does for each entry.
func WithProperties(props map[string]string) CallOption {
	return CallOption{kind: optProperties, props: props}
}

// WithSession puts the log in the session id with this name, at exactly this path (such as
// "/agent/search"), instead of the session carried by the context. A wrapped operation
// passes this session and path down to the logs made inside it.
func WithSession(id, name, path string) CallOption {
	return CallOption{kind: optSession, key: id, value: name, extra: path}
}

// WithUserID sets Helicone-User-Id for the log, replacing the context's user.
func WithUserID(id string) CallOption {
	return CallOption{kind: optUserID, value: id}
}

// WithRequestID sets the log's Helicone-Request-Id. The id must be a UUID (version 1 to 8),
// which the server uses to store each log once; any other value is ignored and a random
// version 4 UUID is used, as it is without this option.
func WithRequestID(id string) CallOption {
	return CallOption{kind: optRequestID, value: id}
}

// WithProvider sets the provider label. The default is [ProviderCustom]; unknown values are
// sent as CUSTOM.
func WithProvider(p Provider) CallOption {
	return CallOption{kind: optProvider, value: string(p)}
}

// WithHeader adds an HTTP header to the log, such as "Helicone-Prompt-Id". It takes
// precedence over default headers and the context.
func WithHeader(key, value string) CallOption {
	return CallOption{kind: optHeader, key: key, value: value}
}

// WithTimeToFirstToken sets the time from the start of the operation to its first output.
func WithTimeToFirstToken(d time.Duration) CallOption {
	return CallOption{kind: optTimeToFirstToken, dur: d}
}

// WithPathSegment names the segment that this operation adds to the session path. Without
// it the segment is the request's name: [Data].Name, [Tool].ToolName, [VectorDB].DatabaseName
// (or "vector_db"), [LLM].Model, or the "name", "toolName" or "model" value of a [Map].
// An empty name adds no segment. The log of the operation carries the extended path, and so
// do the logs made with the context the operation receives: inside a session at "/agent",
// a [Tool] named "search" is logged at "/agent/search".
func WithPathSegment(name string) CallOption {
	return CallOption{kind: optPathSegment, key: name, value: "set"}
}

// callSettings are the options of one call, resolved.
type callSettings struct {
	opts        []CallOption
	session     bool
	sessionID   string
	sessionName string
	sessionPath string
	segment     string
	segmentSet  bool
	userID      string
	userSet     bool
	id          requestID
	idSet       bool
	provider    Provider
	providerSet bool
	ttft        time.Duration
	ttftSet     bool
}

func (s *callSettings) apply(opts []CallOption) {
	s.opts = opts
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case optSession:
			s.session, s.sessionID, s.sessionName, s.sessionPath = true, o.key, o.value, o.extra
		case optUserID:
			s.userID, s.userSet = o.value, true
		case optRequestID:
			s.id, s.idSet = parseRequestID(o.value)
		case optProvider:
			s.provider, s.providerSet = normalizeProvider(o.value), true
		case optTimeToFirstToken:
			s.ttft, s.ttftSet = o.dur, true
		case optPathSegment:
			s.segment, s.segmentSet = o.key, true
		}
	}
}

func normalizeProvider(p string) Provider {
	switch up := Provider(strings.ToUpper(p)); up {
	case ProviderOpenAI, ProviderAnthropic, ProviderGoogle:
		return up
	}
	return ProviderCustom
}
