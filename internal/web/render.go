package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/store"
)

//go:embed assets/templates/*.html
var templateFS embed.FS

//go:embed assets/static
var staticFS embed.FS

// sharedTemplates are parsed into every page.
var sharedTemplates = []string{"layout.html", "parts.html"}

// pageNames lists the page templates; each is parsed with the shared templates on its own, so
// every page may define its own "content".
var pageNames = []string{"login", "error", "requests", "log", "sessions", "session",
	"properties", "users", "stats"}

// pageSet holds one parsed template per page. Safe for concurrent use after parsing.
type pageSet struct {
	byName map[string]*template.Template
}

// mustParsePages parses the embedded templates. They are part of the binary, so a parse
// error is a bug, caught by every test.
func mustParsePages() *pageSet {
	ps := &pageSet{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		files := append([]string{}, sharedTemplates...)
		files = append(files, name+".html")
		for i, f := range files {
			files[i] = "assets/templates/" + f
		}
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFS, files...)
		if err != nil {
			panic(fmt.Sprintf("BUG: parse dashboard template %s: %v", name, err))
		}
		ps.byName[name] = t
	}
	return ps
}

// page is the data of every template. Data is the page's own view.
type page struct {
	Title string
	// Nav is the path of the active navigation entry.
	Nav string
	// Q is the filter-language text of the search bar, carried by every navigation link.
	Q string
	// SearchPath is the form action of the search bar. Empty hides the bar.
	SearchPath  string
	FilterError *filterError
	SignedIn    bool
	CSRF        string
	Data        any
}

// newPage starts the page of a signed-in session.
func newPage(ws webSession, title, nav, q string) page {
	return page{Title: title, Nav: nav, Q: q, SearchPath: nav, SignedIn: true, CSRF: ws.csrf}
}

// startListPage starts the page of a list route with its view and parses the page's filter
// q. On an invalid filter it renders the page with the error, status 400, and returns ok
// false.
func (h *Handler) startListPage(w http.ResponseWriter, r *http.Request, ws webSession,
	title, nav, tmpl string, view any) (p page, f filter.Expr, ok bool) {
	p = newPage(ws, title, nav, r.URL.Query().Get("q"))
	p.Data = view
	f, fe := parseFilter(p.Q, h.now())
	if fe != nil {
		p.FilterError = fe
		h.render(w, r, http.StatusBadRequest, tmpl, p)
		return p, nil, false
	}
	return p, f, true
}

// newDetailPage starts the page of one log or one session. Such a page always shows the
// whole log or session and takes no filter: its q parameter is ignored and not echoed, and its
// search bar starts a new search on /requests.
func newDetailPage(ws webSession, title, nav string) page {
	return page{Title: title, Nav: nav, SearchPath: "/requests", SignedIn: true, CSRF: ws.csrf}
}

// render writes a page. Templates execute into a buffer, so a failure sends a clean error page
// instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string,
	p page) {
	t, ok := h.pages.byName[name]
	if !ok {
		panic("BUG: no dashboard template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("render dashboard page", "page", name, "path", r.URL.Path, "error", err)
		if name != "error" {
			h.renderError(w, r, http.StatusInternalServerError, "The page could not be shown.")
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError writes the error page with a message meant for the user.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := page{Title: http.StatusText(status), Data: errorView{Status: status, Message: msg}}
	if ws, ok := h.session(r); ok {
		p.SignedIn, p.CSRF = true, ws.csrf
	}
	h.render(w, r, status, "error", p)
}

type errorView struct {
	Status  int
	Message string
}

// staticHandler serves the embedded CSS, script and icon.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "assets")
	if err != nil {
		panic("BUG: static assets: " + err.Error())
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

// pathSegment escapes s as one segment of a URL path. It also escapes the dots of "." and
// "..", which url.PathEscape keeps and which a browser would resolve as the current or the
// parent directory, so that a session with such an id keeps a link of its own.
func pathSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

var templateFuncs = template.FuncMap{
	"pathEscape": pathSegment,
	"fmtTime":    formatTime,
	"fmtMs":      formatMs,
	"fmtCost":    formatCost,
	"fmtInt":     formatInt,
	"statusText": statusText,
	"isOK":       func(s int64) bool { return s == 200 },
	"navItems":   func() []navItem { return navigation },
	"durMs":      query.SpanMs,
	"plural":     plural,
}

// plural returns n followed by one when n is 1 and by many otherwise: "1 log", "2 logs".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return formatInt(int64(n)) + " " + many
}

type navItem struct {
	Path  string
	Label string
}

// navigation is the top menu. Every entry carries the current filter.
var navigation = []navItem{{"/requests", "Requests"}, {"/sessions", "Sessions"},
	{"/properties", "Properties"}, {"/users", "Users"}, {"/stats", "Metrics"}}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000")
}

// formatMs shows a duration in milliseconds as ms below a second and as seconds above.
func formatMs(ms any) string {
	var v float64
	switch x := ms.(type) {
	case int64:
		v = float64(x)
	case *int64:
		if x == nil {
			return "–"
		}
		v = float64(*x)
	case float64:
		v = x
	case int:
		v = float64(x)
	}
	return formatDuration(v)
}

// formatDuration writes milliseconds as ms below a second, as seconds below a minute, and in
// larger units beyond: 420 ms, 12.35 s, 4 min 5 s, 3 h 20 min, 703 d 4 h.
func formatDuration(ms float64) string {
	const (
		second = 1000.0
		minute = 60 * second
		hour   = 60 * minute
		day    = 24 * hour
	)
	whole := func(v float64) string { return strconv.FormatFloat(math.Floor(v), 'f', 0, 64) }
	sign := ""
	if ms < 0 {
		sign = "-"
	}
	switch a := math.Abs(ms); {
	case a < second:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	case a < minute:
		return strconv.FormatFloat(ms/second, 'f', 2, 64) + " s"
	case a < hour:
		return sign + whole(a/minute) + " min " + whole(math.Mod(a, minute)/second) + " s"
	case a < day:
		return sign + whole(a/hour) + " h " + whole(math.Mod(a, hour)/minute) + " min"
	default:
		return sign + whole(a/day) + " d " + whole(math.Mod(a, day)/hour) + " h"
	}
}

func formatCost(c float64) string {
	if c == 0 {
		return "$0"
	}
	if c < 0.01 {
		return "$" + strconv.FormatFloat(c, 'f', 6, 64)
	}
	return "$" + strconv.FormatFloat(c, 'f', 4, 64)
}

// formatInt writes n with thousands separators.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// statusText names Helicone's special status codes.
func statusText(s int64) string {
	switch s {
	case -1:
		return "-1 timeout"
	case -2:
		return "-2 pending"
	case -3:
		return "-3 cancelled"
	case -4:
		return "-4 threat"
	}
	return strconv.FormatInt(s, 10)
}

// storeFailed writes the error page of a failed store call: an unknown id is 404, a filter the
// store cannot run is 400 with the store's reason, and anything else is logged and is 503.
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.renderError(w, r, http.StatusNotFound, "Not found.")
	case errors.Is(err, store.ErrInvalidQuery):
		h.renderError(w, r, http.StatusBadRequest, err.Error())
	default:
		if r.Context().Err() == nil {
			h.log.Error("dashboard store call failed", "path", r.URL.Path, "error", err)
		}
		h.renderError(w, r, http.StatusServiceUnavailable,
			"The store is unavailable; retry later.")
	}
}
