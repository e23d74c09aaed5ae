package sdk

import "crypto/rand"

// requestID is a UUID in its 36-character text form.
type requestID [36]byte

// newRequestID returns a random (version 4) UUID.
func newRequestID() requestID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var id requestID
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			id[j] = '-'
			j++
		}
		id[j] = hexDigits[c>>4]
		id[j+1] = hexDigits[c&0xF]
		j += 2
	}
	return id
}

// parseRequestID accepts what the server accepts as a request id: an RFC 9562 UUID of
// version 1 to 8 with the 8, 9, a or b variant, in any letter case. It returns the id in
// lower case.
func parseRequestID(s string) (requestID, bool) {
	var id requestID
	if len(s) != len(id) {
		return id, false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return id, false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			return id, false
		}
		id[i] = c
	}
	if id[14] < '1' || id[14] > '8' {
		return id, false
	}
	switch id[19] {
	case '8', '9', 'a', 'b':
		return id, true
	}
	return id, false
}
