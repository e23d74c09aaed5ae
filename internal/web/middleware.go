package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
)

// contentSecurityPolicy allows only the dashboard's own scripts, styles and connections. The
// pages carry no inline script, style or event handler, so nothing else is needed.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
	"base-uri 'none'"

// sessionCookie names the cookie that carries the dashboard session id.
const sessionCookie = "hg_session"

// secure sets the security headers on every dashboard response.
func (h *Handler) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// sessionHandler serves a page for a signed-in session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, ws webSession)

// signedIn runs next for a request with a live session whose key is still valid and may read.
// Other requests are sent to the sign-in page, or get 401 on the live stream, which a browser
// cannot follow through a redirect.
func (h *Handler) signedIn(next sessionHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, ok := h.session(r)
		if !ok {
			h.signInRequired(w, r)
			return
		}
		valid, err := h.keyStillValid(r, ws)
		if err != nil {
			h.log.Warn("dashboard key check failed", "error", err)
			h.renderError(w, r, http.StatusServiceUnavailable,
				"The store is unavailable; retry later.")
			return
		}
		if !valid {
			h.sessions.remove(ws.id)
			h.signInRequired(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next(w, r.WithContext(auth.WithPrincipal(r.Context(), ws.principal)), ws)
	})
}

func (h *Handler) session(r *http.Request) (webSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return webSession{}, false
	}
	return h.sessions.get(c.Value)
}

// keyStillValid reads the session's key again, so that revoking a key ends its sessions at
// the next request. The error is a store failure, not an invalid key.
func (h *Handler) keyStillValid(r *http.Request, ws webSession) (bool, error) {
	k, err := h.store.KeyByHash(r.Context(), ws.keyHash)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return k.RevokedAt.IsZero() && auth.Allows(k.Scope, store.ScopeRead), nil
}

func (h *Handler) signInRequired(w http.ResponseWriter, r *http.Request) {
	// Signing out of a session that has ended, such as in a second tab or after the key was
	// revoked, is done already.
	if r.URL.Path == "/logout" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if r.URL.Path == "/live" || r.Method != http.MethodGet {
		http.Error(w, "sign in required", http.StatusUnauthorized)
		return
	}
	target := "/login"
	if r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns next when it is a path on this server, else "/". It keeps the sign-in
// redirect from sending a user to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, isUnsafeInPath) {
		return "/"
	}
	return next
}

// isUnsafeInPath reports the characters that make a path leave this server in a browser:
// browsers read a backslash as a slash and drop tabs and line breaks from URLs, so "/\t/x"
// becomes the other site "//x". Every control character is rejected.
func isUnsafeInPath(r rune) bool {
	return r == '\\' || r < 0x20 || r == 0x7f
}
