package record

import "strconv"

// jsonPathAt returns the dotted path, such as "providerRequest.json.messages[0].content", of
// the innermost value of data that contains the byte at offset. It returns "" when that value
// is the top-level one or data is too malformed to walk. It allocates and is meant for error
// messages only.
func jsonPathAt(data []byte, offset int) string {
	top := trimASCIISpace(data)
	return pathIn(data, top, offset, "")
}

// pathIn descends from val, a subslice of data at path, into the member or element that
// contains offset.
func pathIn(data, val []byte, offset int, path string) string {
	switch kindOf(val) {
	case kindObject:
		m := newMembers(val)
		for key, v, ok := m.next(); ok; key, v, ok = m.next() {
			if contains(data, v, offset) {
				return pathIn(data, v, offset, joinPath(path, keyString(key)))
			}
		}
	case kindArray:
		e := newElements(val)
		for i := 0; ; i++ {
			v, ok := e.next()
			if !ok {
				break
			}
			if contains(data, v, offset) {
				return pathIn(data, v, offset, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	return path
}

// contains reports whether sub, a subslice of data, covers data[offset]. Both share one
// backing array, so the start of sub is the difference of their capacities.
func contains(data, sub []byte, offset int) bool {
	start := cap(data) - cap(sub)
	return offset >= start && offset < start+len(sub)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
