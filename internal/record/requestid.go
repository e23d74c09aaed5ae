package record

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// ValidRequestID reports whether s is an RFC 9562 UUID in canonical 36-character form
// (8-4-4-4-12 hexadecimal digits, either case) with version 1 to 8 and variant 8, 9, a or b.
// Versions 6 to 8 include the time-ordered UUIDv7 that many clients generate.
func ValidRequestID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	if s[14] < '1' || s[14] > '8' {
		return false
	}
	return strings.IndexByte("89abAB", s[19]) >= 0
}

// NewRequestID returns a random version 4 UUID in lower case, read from crypto/rand.
func NewRequestID() string {
	var u [16]byte
	// crypto/rand.Read never returns an error: the runtime aborts the program instead.
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0F | 0x40
	u[8] = u[8]&0x3F | 0x80

	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:], u[10:])
	return string(out[:])
}
