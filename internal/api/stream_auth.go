package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
)

// keyCheck returns the check that a stream runs before every poll: the key of r must still
// resolve, through the authenticator and its cache, to p's project with the read scope. A key
// revoked in this or another process therefore ends its streams within the key-cache TTL
// plus one poll. The key stays in r's headers and is never copied or logged.
func (h *Handler) keyCheck(r *http.Request, p auth.Principal) func(context.Context) error {
	return func(ctx context.Context) error {
		if h.keys == nil {
			return nil
		}
		q, err := h.keys.Authenticate(ctx, r)
		if err != nil {
			return err
		}
		if q.ProjectID != p.ProjectID || !auth.Allows(q.Scope, store.ScopeRead) {
			return auth.ErrInvalidKey
		}
		return nil
	}
}

// endForKey ends a stream whose key check failed. A revoked key gets an "error" event naming
// the revocation, and a key store that cannot be read gets the store failure event. Only the
// store failure is returned as an error.
func (s *tailStream) endForKey(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	msg := "store unavailable"
	if errors.Is(err, auth.ErrInvalidKey) || errors.Is(err, auth.ErrMissingKey) {
		msg = "invalid or revoked API key: the stream is closed"
		err = nil
	}
	data, _ := json.Marshal(map[string]string{"error": msg})
	_ = s.send("event: error\ndata: " + string(data) + "\n\n")
	return err
}
