package auth

import (
	"context"
	"errors"
	"net/http"

	"github.com/heliograph/heliograph/internal/httperr"
)

type principalKey struct{}

// FromContext returns the principal stored by [Authenticator.Require].
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// Require wraps next so that it runs only for a request whose key is valid and allows scope.
// Missing or invalid keys get 401, a key of the wrong scope 403, an unreadable key table 503,
// each with the body {"error": "<message>"}.
func (a *Authenticator) Require(scope string, next http.Handler) http.Handler {
	return a.RequireWith(scope, writeError, next)
}

// RequireWith is [Authenticator.Require] with writeErr writing the 401, 403 and 503
// responses, for routes whose error bodies have a shape of their own.
func (a *Authenticator) RequireWith(scope string,
	writeErr func(http.ResponseWriter, *http.Request, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Authenticate(r.Context(), r)
		if err != nil {
			writeErr(w, r, statusError(err))
			return
		}
		if !Allows(p.Scope, scope) {
			writeErr(w, r, httperr.New(http.StatusForbidden,
				"API key scope %q does not allow this route: it needs %q or %q",
				p.Scope, scope, "all"))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

func writeError(w http.ResponseWriter, _ *http.Request, err error) {
	httperr.WriteError(w, err)
}

func statusError(err error) error {
	switch {
	case errors.Is(err, ErrMissingKey), errors.Is(err, ErrInvalidKey):
		return httperr.New(http.StatusUnauthorized, "%s", err.Error())
	default:
		return httperr.Wrap(http.StatusServiceUnavailable, "key store unavailable", err)
	}
}
