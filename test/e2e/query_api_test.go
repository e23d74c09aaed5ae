package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

type pageData struct {
	Data struct {
		Rows       []row  `json:"rows"`
		NextCursor string `json:"next_cursor"`
	} `json:"data"`
	Error *string `json:"error"`
}

// postAt stores a log with the given id, start second and extra headers.
func (s *testServer) postAt(t *testing.T, id string, startSec int64, headers map[string]string) {
	t.Helper()
	body := fmt.Sprintf(`{"providerRequest":{"url":"u","json":{"model":"m"},"meta":{}},`+
		`"providerResponse":{"json":{},"status":200,"headers":{}},`+
		`"timing":{"startTime":{"seconds":%d,"milliseconds":0},`+
		`"endTime":{"seconds":%d,"milliseconds":500}}}`, startSec, startSec)
	h := map[string]string{"Helicone-Request-Id": id}
	for k, v := range headers {
		h[k] = v
	}
	if resp := s.do(t, http.MethodPost, "/custom/v1/log", s.Key, []byte(body), h); resp.Status !=
		http.StatusOK {
		t.Fatalf("POST %s: %d %s", id, resp.Status, resp.Body)
	}
}

func idN(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func TestPaginationWithEqualTimestamps(t *testing.T) {
	srv := startServer(t)
	for i := range 25 {
		srv.postAt(t, idN(i), baseSeconds, nil)
	}
	for i := 25; i < 30; i++ {
		srv.postAt(t, idN(i), baseSeconds+int64(i), nil)
	}

	t.Run("offset", func(t *testing.T) {
		for _, sort := range []string{`{"created_at":"desc"}`, `{"latency":"asc"}`} {
			seen := map[string]bool{}
			var order []string
			for offset := 0; offset <= 30; offset += 10 {
				rows, status := srv.queryRows(t, srv.Key, fmt.Sprintf(
					`{"filter":"all","limit":10,"offset":%d,"sort":%s}`, offset, sort))
				if status != http.StatusOK {
					t.Fatalf("offset %d sort %s: status %d", offset, sort, status)
				}
				for _, r := range rows {
					if seen[r.RequestID] {
						t.Errorf("sort %s: %s returned twice", sort, r.RequestID)
					}
					seen[r.RequestID] = true
					order = append(order, r.RequestID)
				}
			}
			if len(seen) != 30 {
				t.Errorf("sort %s: pages hold %d distinct rows, want 30", sort, len(seen))
			}
			again, _ := srv.queryRows(t, srv.Key, `{"filter":"all","limit":30,"sort":`+sort+`}`)
			for i := range again {
				if i < len(order) && again[i].RequestID != order[i] {
					t.Errorf("sort %s: order differs on repeat at %d", sort, i)
					break
				}
			}
		}
	})

	t.Run("cursor with insert between pages", func(t *testing.T) {
		get := func(cursor string) pageData {
			v := url.Values{"limit": {"10"}}
			if cursor != "" {
				v.Set("cursor", cursor)
			}
			var p pageData
			resp := srv.do(t, http.MethodGet, "/v1/requests?"+v.Encode(), srv.Key, nil, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("GET /v1/requests: %d %s", resp.Status, resp.Body)
			}
			resp.json(t, &p)
			return p
		}
		seen := map[string]int{}
		page := get("")
		for _, r := range page.Data.Rows {
			seen[r.RequestID]++
		}
		// A newer log arrives after the first page; it must not shift later pages.
		srv.postAt(t, idN(99), baseSeconds+1000, nil)
		for page.Data.NextCursor != "" {
			page = get(page.Data.NextCursor)
			for _, r := range page.Data.Rows {
				seen[r.RequestID]++
			}
		}
		for i := range 30 {
			if seen[idN(i)] != 1 {
				t.Errorf("row %s seen %d times, want once", idN(i), seen[idN(i)])
			}
		}
	})
}

func TestSessionTreeWithMissingParents(t *testing.T) {
	srv := startServer(t)
	h := func(path string, set bool) map[string]string {
		m := map[string]string{"Helicone-Session-Id": "S1", "Helicone-Session-Name": "agent"}
		if set {
			m["Helicone-Session-Path"] = path
		}
		return m
	}
	srv.postAt(t, idN(1), baseSeconds+1, h("/run/tool_a", true))
	srv.postAt(t, idN(2), baseSeconds+2, h("/run/tool_b", true))
	srv.postAt(t, idN(3), baseSeconds+3, h("/run/llm/retry", true))
	srv.postAt(t, idN(4), baseSeconds+4, h("", false))
	srv.postAt(t, idN(5), baseSeconds+5, h("", true))

	resp := srv.do(t, http.MethodGet, "/v1/sessions/S1/tree", srv.Key, nil, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET tree: %d %s", resp.Status, resp.Body)
	}
	type node struct {
		Type      string `json:"type"`
		Path      string `json:"path"`
		Synthetic bool   `json:"synthetic"`
		Logs      int    `json:"logs"`
		Children  []node `json:"children"`
	}
	var env struct {
		Data struct {
			SessionName   string `json:"session_name"`
			TotalRequests int    `json:"total_requests"`
			Tree          node   `json:"tree"`
		} `json:"data"`
	}
	resp.json(t, &env)
	d := env.Data
	if d.TotalRequests != 5 || d.Tree.Logs != 5 || d.SessionName != "agent" {
		t.Errorf("session: %d requests, tree %d logs, name %q; want 5, 5, agent",
			d.TotalRequests, d.Tree.Logs, d.SessionName)
	}
	var paths []string
	var walk func(n node)
	walk = func(n node) {
		if n.Type == "folder" && n.Synthetic {
			paths = append(paths, n.Path)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(d.Tree)
	if fmt.Sprint(paths) != "[/run /run/llm]" {
		t.Errorf("synthetic folders = %v, want [/run /run/llm]", paths)
	}
	rootLogs := 0
	for _, c := range d.Tree.Children {
		if c.Type == "log" {
			rootLogs++
		}
	}
	if rootLogs != 2 {
		t.Errorf("root holds %d logs, want the 2 without a path", rootLogs)
	}

	other := srv.newProjectKey(t, "other", "all")
	if resp := srv.do(t, http.MethodGet, "/v1/sessions/S1/tree", other, nil,
		nil); resp.Status != http.StatusNotFound {
		t.Errorf("another project's key: status %d, want 404", resp.Status)
	}
}

func TestRequestsFilterLanguage(t *testing.T) {
	srv := startServer(t)
	srv.postAt(t, idN(1), baseSeconds, map[string]string{"Helicone-Property-Env": "prod",
		"Helicone-User-Id": "u-1"})
	srv.postAt(t, idN(2), baseSeconds, map[string]string{"Helicone-Property-Env": "dev"})
	for q, want := range map[string]int{
		`property.env = "prod"`:               1,
		`property.env in ("prod", "dev")`:     2,
		`user = "u-1" and latency >= 500ms`:   1,
		`not property.env = prod or user = x`: 1,
		``:                                    2,
	} {
		var p pageData
		resp := srv.do(t, http.MethodGet, "/v1/requests?q="+url.QueryEscape(q), srv.Key, nil, nil)
		resp.json(t, &p)
		if resp.Status != http.StatusOK || len(p.Data.Rows) != want {
			t.Errorf("q=%q: status %d, %d rows, want %d", q, resp.Status, len(p.Data.Rows), want)
		}
	}
	resp := srv.do(t, http.MethodGet, "/v1/requests?q="+url.QueryEscape("latency > fast"),
		srv.Key, nil, nil)
	if resp.Status != http.StatusBadRequest {
		t.Errorf("invalid filter: status %d, want 400", resp.Status)
	}
}
