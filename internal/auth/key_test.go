package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/auth"
)

func TestDisplayPrefix(t *testing.T) {
	gen, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if got := auth.DisplayPrefix(gen); got != gen[:10] {
		t.Errorf("DisplayPrefix(generated key) = %q, want %q", got, gen[:10])
	}
	// Keys chosen by an operator show nothing, even when they look almost generated.
	for _, secret := range []string{"Abcdefghijklmnop", gen[:len(gen)-1], gen + "x",
		"hg_" + strings.Repeat("-", 40), "xx" + gen[2:]} {
		if got := auth.DisplayPrefix(secret); got != "" {
			t.Errorf("DisplayPrefix(%q) = %q, want nothing", secret, got)
		}
	}
}

func TestRequestKey(t *testing.T) {
	for _, c := range []struct{ header, value, want string }{
		{"Authorization", "Bearer hg_abc", "hg_abc"},
		{"Authorization", "bearer   hg_abc ", "hg_abc"},
		{"Authorization", "hg_abc", "hg_abc"},
		{"Authorization", "Bearer", ""},
		{"Authorization", "Bearer ", ""},
		{"Authorization", "BEARER\thg_abc", "hg_abc"},
		{"Authorization", "Bearerhg_abc", "Bearerhg_abc"},
		{"Helicone-Auth", "Bearer hg_helicone", "hg_helicone"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set(c.header, c.value)
		if got := auth.RequestKey(r); got != c.want {
			t.Errorf("RequestKey(%s: %q) = %q, want %q", c.header, c.value, got, c.want)
		}
	}
}
