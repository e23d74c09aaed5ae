package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/heliograph/heliograph/internal/store"
)

// Authentication outcomes that handlers map to HTTP status codes.
var (
	// ErrMissingKey reports a request without a key (401).
	ErrMissingKey = errors.New("missing API key: send Authorization: Bearer <key>")
	// ErrInvalidKey reports an unknown or revoked key (401).
	ErrInvalidKey = errors.New("invalid or revoked API key")
)

// Principal is the resolved identity of a request.
type Principal struct {
	KeyID     string
	ProjectID string
	Scope     string
}

// KeyLookup is the part of the store the authenticator needs.
type KeyLookup interface {
	KeyByHash(ctx context.Context, hash []byte) (store.Key, error)
}

// Authenticator resolves request keys through the store, caching known keys for CacheTTL so
// that ingest does not read the key table on every request. A key revoked by another process
// stops working within CacheTTL. Safe for concurrent use.
type Authenticator struct {
	keys KeyLookup
	ttl  time.Duration
	now  func() time.Time

	mu    sync.RWMutex
	cache map[string]cachedKey // keyed by the raw hash bytes as a string
}

type cachedKey struct {
	principal Principal
	expires   time.Time
}

// maxCachedKeys bounds the cache; past it the cache is cleared, which costs one store read per
// key afterwards.
const maxCachedKeys = 10_000

// NewAuthenticator returns an Authenticator over keys. ttl ≤ 0 disables caching.
func NewAuthenticator(keys KeyLookup, ttl time.Duration) *Authenticator {
	return &Authenticator{keys: keys, ttl: ttl, now: time.Now, cache: map[string]cachedKey{}}
}

// Authenticate resolves the key sent with r. It returns ErrMissingKey, ErrInvalidKey, or a
// wrapped store error when the key table cannot be read.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (Principal, error) {
	secret := RequestKey(r)
	if secret == "" {
		return Principal{}, ErrMissingKey
	}
	hash := HashKey(secret)
	if p, ok := a.cached(string(hash)); ok {
		return p, nil
	}

	k, err := a.keys.KeyByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrInvalidKey
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up key: %w", err)
	}
	if !k.RevokedAt.IsZero() {
		return Principal{}, ErrInvalidKey
	}
	p := Principal{KeyID: k.ID, ProjectID: k.ProjectID, Scope: k.Scope}
	a.remember(string(hash), p)
	return p, nil
}

// Forget drops every cached key, so a revocation in this process takes effect at once.
func (a *Authenticator) Forget() {
	a.mu.Lock()
	a.cache = map[string]cachedKey{}
	a.mu.Unlock()
}

func (a *Authenticator) cached(hash string) (Principal, bool) {
	if a.ttl <= 0 {
		return Principal{}, false
	}
	a.mu.RLock()
	c, ok := a.cache[hash]
	a.mu.RUnlock()
	if !ok || a.now().After(c.expires) {
		return Principal{}, false
	}
	return c.principal, true
}

func (a *Authenticator) remember(hash string, p Principal) {
	if a.ttl <= 0 {
		return
	}
	a.mu.Lock()
	if len(a.cache) >= maxCachedKeys {
		a.cache = map[string]cachedKey{}
	}
	a.cache[hash] = cachedKey{principal: p, expires: a.now().Add(a.ttl)}
	a.mu.Unlock()
}

// RequestKey extracts the key from Helicone-Auth or Authorization, preferring Helicone-Auth as
// Helicone's own server does. A "Bearer " prefix is optional and case-insensitive; "Bearer"
// alone carries no key.
func RequestKey(r *http.Request) string {
	v := r.Header.Get("Helicone-Auth")
	if v == "" {
		v = r.Header.Get("Authorization")
	}
	v = strings.TrimSpace(v)
	const scheme = "bearer"
	if len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) &&
		(len(v) == len(scheme) || v[len(scheme)] == ' ' || v[len(scheme)] == '\t') {
		v = strings.TrimSpace(v[len(scheme):])
	}
	return v
}
