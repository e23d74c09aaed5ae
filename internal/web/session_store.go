package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
)

const (
	// defaultSessionIdle is how long an unused dashboard session lasts.
	defaultSessionIdle = 12 * time.Hour
	// maxSessions bounds the sessions held in memory; past it the least recently used one is
	// dropped, which signs that user out.
	maxSessions = 10_000
)

// webSession is one signed-in browser. It keeps the key's hash, never the key, so each
// request can confirm the key is still valid.
type webSession struct {
	id        string
	csrf      string
	principal auth.Principal
	keyHash   []byte
	lastSeen  time.Time
}

// sessionStore holds the dashboard sessions in memory. Safe for concurrent use.
type sessionStore struct {
	idle time.Duration
	now  func() time.Time

	mu       sync.Mutex
	sessions map[string]*webSession
}

func newSessionStore(idle time.Duration, now func() time.Time) *sessionStore {
	return &sessionStore{idle: idle, now: now, sessions: map[string]*webSession{}}
}

// create starts a session for p and returns a copy of it.
func (s *sessionStore) create(p auth.Principal, keyHash []byte) webSession {
	ws := &webSession{id: randomToken(), csrf: randomToken(), principal: p, keyHash: keyHash,
		lastSeen: s.now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	if len(s.sessions) >= maxSessions {
		s.dropOldest()
	}
	s.sessions[ws.id] = ws
	return *ws
}

// get returns the live session with that id and marks it used.
func (s *sessionStore) get(id string) (webSession, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, ok := s.sessions[id]
	if !ok {
		return webSession{}, false
	}
	now := s.now()
	if now.Sub(ws.lastSeen) > s.idle {
		delete(s.sessions, id)
		return webSession{}, false
	}
	ws.lastSeen = now
	return *ws, true
}

// alive reports whether the session exists and has not expired, without marking it used.
func (s *sessionStore) alive(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, ok := s.sessions[id]
	return ok && s.now().Sub(ws.lastSeen) <= s.idle
}

func (s *sessionStore) remove(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
}

// sweep drops expired sessions; the caller holds mu.
func (s *sessionStore) sweep() {
	now := s.now()
	for id, ws := range s.sessions {
		if now.Sub(ws.lastSeen) > s.idle {
			delete(s.sessions, id)
		}
	}
}

// dropOldest drops the least recently used session; the caller holds mu.
func (s *sessionStore) dropOldest() {
	var oldest *webSession
	for _, ws := range s.sessions {
		if oldest == nil || ws.lastSeen.Before(oldest.lastSeen) {
			oldest = ws
		}
	}
	if oldest != nil {
		delete(s.sessions, oldest.id)
	}
}

// randomToken returns 256 random bits, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24.
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokensEqual compares two tokens in constant time.
func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
