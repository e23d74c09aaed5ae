package record

import "strconv"

// Helpers that append JSON to a byte slice. An object or array under construction is open
// (its last written byte is '{' or '[' while it is still empty), which is how appendKey and
// appendElementSep know whether a comma is needed.

// appendKey starts a member of the open object at the end of dst. name must need no escaping.
func appendKey(dst []byte, name string) []byte {
	dst = appendElementSep(dst)
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

// appendElementSep adds the comma before an element unless the open container is empty.
func appendElementSep(dst []byte) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' && dst[n-1] != '[' {
		dst = append(dst, ',')
	}
	return dst
}

// appendRawMember appends a member whose value is raw JSON, unless raw is nil.
func appendRawMember(dst []byte, name string, raw []byte) []byte {
	if raw == nil {
		return dst
	}
	return append(appendKey(dst, name), raw...)
}

// appendRawOrNull appends raw JSON, or null when raw is nil.
func appendRawOrNull(dst, raw []byte) []byte {
	if raw == nil {
		return append(dst, "null"...)
	}
	return append(dst, raw...)
}

// appendTextMember appends a member whose value is the string text (decoded, possibly with
// WTF-8 surrogates).
func appendTextMember(dst []byte, name string, text []byte) []byte {
	return appendJSONString(appendKey(dst, name), text)
}

func appendInt(dst []byte, n int64) []byte {
	return strconv.AppendInt(dst, n, 10)
}

// orDefault returns raw, or the JSON text def when raw is absent or null.
func orDefault(raw []byte, def string) []byte {
	if isAbsent(raw) {
		return []byte(def)
	}
	return raw
}
