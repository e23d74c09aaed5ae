// Package auth creates API keys, stores only their hashes, and resolves the key of an HTTP
// request to its project and scope.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"strings"

	"github.com/heliograph/heliograph/internal/store"
)

// KeyPrefix starts every generated key, so a leaked key is easy to recognise in a scan.
const KeyPrefix = "hg_"

// prefixLength is how many characters of a generated key are stored in clear to tell keys
// apart in listings; 3 of them are [KeyPrefix], and the other 7 leave about 196 random bits
// unknown.
const prefixLength = 10

// generatedLength is the length of a key made by [GenerateKey].
const generatedLength = len(KeyPrefix) + 40

const keyAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// GenerateKey returns a new random key: [KeyPrefix] and 40 base-62 characters (about 238 bits).
func GenerateKey() (string, error) {
	buf := make([]byte, 0, generatedLength)
	buf = append(buf, KeyPrefix...)
	limit := big.NewInt(int64(len(keyAlphabet)))
	for range 40 {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", fmt.Errorf("generate key: %w", err)
		}
		buf = append(buf, keyAlphabet[n.Int64()])
	}
	return string(buf), nil
}

// HashKey returns the SHA-256 digest under which a key is stored. A fast hash is enough
// because generated keys carry over 200 bits of entropy; a low-entropy bootstrap key chosen by
// an operator is as weak as its value.
func HashKey(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// DisplayPrefix returns the part of a key that may be shown in listings: the first
// characters of a generated key, and nothing of a key chosen by an operator. A chosen key can
// be short, and then its first characters give most of it away.
func DisplayPrefix(secret string) string {
	if !isGenerated(secret) {
		return ""
	}
	return secret[:prefixLength]
}

// isGenerated reports whether secret has the form of a key made by [GenerateKey].
func isGenerated(secret string) bool {
	if len(secret) != generatedLength || secret[:len(KeyPrefix)] != KeyPrefix {
		return false
	}
	for i := len(KeyPrefix); i < len(secret); i++ {
		if !strings.ContainsRune(keyAlphabet, rune(secret[i])) {
			return false
		}
	}
	return true
}

// ValidScope reports whether s is one of the store's scopes.
func ValidScope(s string) bool {
	switch s {
	case store.ScopeRead, store.ScopeWrite, store.ScopeAll:
		return true
	}
	return false
}

// Allows reports whether a key of scope may perform an action that needs scope need.
func Allows(scope, need string) bool {
	return scope == store.ScopeAll || scope == need
}
