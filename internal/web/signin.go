package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
)

const (
	// loginCookie carries a random nonce, and the sign-in form carries the nonce's HMAC under
	// a key of this process. A site that can set the cookie, such as another port of the same
	// host, still cannot make a matching form, so it cannot sign a browser in with its key.
	loginCookie = "hg_login"
	// maxFormBytes bounds the sign-in and sign-out form bodies.
	maxFormBytes = 16 << 10
)

type loginView struct {
	Token   string
	Next    string
	Message string
}

// loginPage serves GET /login: the sign-in form, or a redirect when already signed in.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := h.session(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, next, "")
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, next,
	msg string) {
	nonce := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: nonce, Path: "/login",
		MaxAge: 3600, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, status, "login", page{Title: "Sign in",
		Data: loginView{Token: h.loginToken(nonce), Next: next, Message: msg}})
}

func newLoginKey() []byte {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never returns an error since Go 1.24.
	return key
}

// loginToken returns the form token that belongs to the login cookie's nonce.
func (h *Handler) loginToken(nonce string) string {
	mac := hmac.New(sha256.New, h.loginKey)
	mac.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// login serves POST /login: it checks the key of the form and starts a session. The key is
// read from the form body only, and only its hash is kept.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.renderLogin(w, r, http.StatusBadRequest, "/", "The form could not be read.")
		return
	}
	next := localPath(r.PostForm.Get("next"))
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" ||
		!tokensEqual(h.loginToken(c.Value), r.PostForm.Get("token")) {
		h.renderLogin(w, r, http.StatusForbidden, next,
			"The sign-in form expired; enter the key again.")
		return
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	if key == "" {
		h.renderLogin(w, r, http.StatusBadRequest, next, "Enter an API key.")
		return
	}

	hash := auth.HashKey(key)
	k, err := h.store.KeyByHash(r.Context(), hash)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && !k.RevokedAt.IsZero()):
		h.renderLogin(w, r, http.StatusUnauthorized, next, "Invalid or revoked API key.")
		return
	case err != nil:
		h.log.Warn("dashboard sign-in failed", "error", err)
		h.renderLogin(w, r, http.StatusServiceUnavailable, next,
			"The key store is unavailable; retry later.")
		return
	case !auth.Allows(k.Scope, store.ScopeRead):
		h.renderLogin(w, r, http.StatusForbidden, next, "This key has scope \""+k.Scope+
			"\", which may only send logs. Sign in with a key of scope \"read\" or \"all\".")
		return
	}

	ws := h.sessions.create(auth.Principal{KeyID: k.ID, ProjectID: k.ProjectID, Scope: k.Scope},
		hash)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: ws.id, Path: "/",
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/login", MaxAge: -1,
		Expires: time.Unix(0, 0)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout serves POST /logout. The form must carry the session's CSRF token.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, ws webSession) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || !tokensEqual(ws.csrf, r.PostForm.Get("csrf")) {
		h.renderError(w, r, http.StatusForbidden,
			"Sign-out was rejected because the form did not carry this session's token.")
		return
	}
	h.sessions.remove(ws.id)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
