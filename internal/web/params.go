package web

import (
	"net/http"
	"strconv"
	"strings"
)

// maxOffset bounds the offset parameter of the paged tables.
const maxOffset = 1_000_000

// rangeParam returns the range parameter of a chart page. An absent or empty parameter is
// "all". A value outside rangeLinks gives ok false and the message to show.
func rangeParam(r *http.Request) (name string, msg string, ok bool) {
	name = r.URL.Query().Get("range")
	if name == "" {
		return "all", "", true
	}
	for _, choice := range rangeLinks {
		if name == choice {
			return name, "", true
		}
	}
	return "", "Invalid range " + strconv.Quote(name) + ": use one of " +
		strings.Join(rangeLinks, ", ") + ".", false
}

// offsetParam returns the offset parameter of a paged table. An absent or empty parameter is
// 0. Anything but a whole number from 0 to maxOffset gives ok false and the message to show.
func offsetParam(r *http.Request) (offset int, msg string, ok bool) {
	s := r.URL.Query().Get("offset")
	if s == "" {
		return 0, "", true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxOffset {
		return 0, "Invalid offset " + strconv.Quote(s) + ": use a whole number from 0 to " +
			formatInt(maxOffset) + ".", false
	}
	return n, "", true
}
