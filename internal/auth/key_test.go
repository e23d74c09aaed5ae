package auth_test

import (
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
