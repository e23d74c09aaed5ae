package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
)

const (
	propertyValueRows = 20
	propertyTrendRows = 5
	usersPageSize     = 100
)

// rangeLinks are the range choices shown on the chart pages.
var rangeLinks = []string{"1h", "24h", "7d", "30d", "all"}

type rangeLink struct {
	Name   string
	Href   string
	Active bool
}

func rangeNav(path, q, extra, active string) []rangeLink {
	out := make([]rangeLink, len(rangeLinks))
	for i, name := range rangeLinks {
		out[i] = rangeLink{Name: name, Active: name == active,
			Href: path + "?q=" + url.QueryEscape(q) + extra + "&range=" + name}
	}
	return out
}

type propertiesView struct {
	Keys []facetLink
	Key  string
	// Filtered reports that a filter narrows the page, which words the empty states.
	Filtered bool
	// UnknownKey reports that no matching log has the requested key, so nothing is charted.
	UnknownKey bool
	Values     []propertyValue
	Trend      chart
	Ranges     []rangeLink
}

type propertyValue struct {
	Value    string
	Requests int64
	Cost     float64
	Href     string
}

// propertiesPage serves /properties: the property keys, and for the chosen key its values by
// request count and their trend, within the filter.
func (h *Handler) propertiesPage(w http.ResponseWriter, r *http.Request, ws webSession) {
	q := r.URL.Query().Get("q")
	view := &propertiesView{Filtered: isFiltered(q)}
	p, f, ok := h.startListPage(w, r, ws, "Properties", "/properties", "properties", view)
	if !ok {
		return
	}
	rangeName, msg, ok := rangeParam(r)
	if !ok {
		h.renderError(w, r, http.StatusBadRequest, msg)
		return
	}
	ctx, project := r.Context(), ws.principal.ProjectID
	keys, err := h.store.PropertyKeys(ctx, project, store.Scope{Filter: f})
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	view.Key = r.URL.Query().Get("key")
	if view.Key == "" && len(keys) > 0 {
		view.Key = keys[0]
	}
	for _, k := range keys {
		view.Keys = append(view.Keys, facetLink{Label: k, Href: "/properties?q=" +
			url.QueryEscape(q) + "&key=" + url.QueryEscape(k)})
	}
	view.UnknownKey = view.Key != "" && !slices.Contains(keys, view.Key)
	if view.Key == "" || view.UnknownKey {
		h.render(w, r, http.StatusOK, "properties", p)
		return
	}

	tr, err := h.resolveRange(ctx, project, rangeName, f)
	if err == nil {
		err = h.fillProperty(r, project, f, tr, q, view)
	}
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	view.Ranges = rangeNav("/properties", q, "&key="+url.QueryEscape(view.Key), tr.Name)
	h.render(w, r, http.StatusOK, "properties", p)
}

func (h *Handler) fillProperty(r *http.Request, project string, f filter.Expr, tr timeRange,
	q string, view *propertiesView) error {
	ctx := r.Context()
	field := filter.Field{Name: filter.FieldProperty, Key: view.Key}
	top, err := h.store.PropertyTop(ctx, project, view.Key, store.Scope{Filter: f}, false,
		propertyValueRows)
	if err != nil {
		return err
	}
	for _, v := range top {
		view.Values = append(view.Values, propertyValue{Value: v.Value, Requests: v.Requests,
			Cost: v.Cost, Href: facet("/requests", q, "", field, v.Value).Href})
	}
	if tr.Empty {
		view.Trend = chart{Title: "Requests per value", Empty: true}
		return nil
	}
	times := tr.bucketTimes()
	var ss []series
	index := map[string]int{}
	values := []any{}
	for _, v := range top[:min(len(top), propertyTrendRows)] {
		index[v.Value] = len(ss)
		ss = append(ss, series{Label: v.Value, Values: make([]float64, len(times))})
		values = append(values, v.Value)
	}
	if len(values) == 0 {
		view.Trend = lineChart("Requests per value", times, nil, formatCount)
		return nil
	}
	// Only the charted values are counted: a key such as a customer id can have thousands.
	trendFilter := filter.And{Exprs: []filter.Expr{f,
		filter.Cond{Field: field, Op: filter.OpIn, Value: values}}}
	points, err := h.store.PropertyOverTime(ctx, project, view.Key, store.MetricsQuery{
		Scope: store.Scope{Filter: trendFilter, From: tr.From, To: tr.To}, Bucket: tr.Bucket})
	if err != nil {
		return err
	}
	counted := false
	for _, pt := range points {
		si, ok := index[pt.Value]
		if bi := tr.index(pt.Start); ok && bi >= 0 && bi < len(times) {
			ss[si].Values[bi] += float64(pt.Requests)
			counted = true
		}
	}
	view.Trend = lineChart("Requests per value", times, ss, formatCount)
	// A range with none of the charted values shows the empty state, not flat lines at 0.
	view.Trend.Empty = !counted
	return nil
}

type usersView struct {
	Users      []userRow
	Total      int
	Next, Prev string
}

type userRow struct {
	store.UserSummary
	Href string
}

// usersPage serves /users: per-user totals within the filter, most requests first.
func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, ws webSession) {
	view := &usersView{}
	p, f, ok := h.startListPage(w, r, ws, "Users", "/users", "users", view)
	if !ok {
		return
	}
	q := p.Q
	offset, msg, ok := offsetParam(r)
	if !ok {
		h.renderError(w, r, http.StatusBadRequest, msg)
		return
	}

	users, total, err := h.store.Users(r.Context(), ws.principal.ProjectID, store.UserQuery{
		Scope: store.Scope{Filter: f}, Limit: usersPageSize, Offset: offset})
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	view.Total = total

	link := func(off int) string {
		return "/users?q=" + url.QueryEscape(q) + "&offset=" + strconv.Itoa(off)
	}
	if offset+usersPageSize < total {
		view.Next = link(offset + usersPageSize)
	}
	if offset > 0 {
		view.Prev = link(max(offset-usersPageSize, 0))
	}
	field := filter.Field{Name: filter.FieldUser}
	for _, u := range users {
		view.Users = append(view.Users, userRow{UserSummary: u,
			Href: facet("/requests", q, "", field, u.UserID).Href})
	}
	h.render(w, r, http.StatusOK, "users", p)
}

type statsView struct {
	Ranges []rangeLink
	Bucket string
	Charts []chart
	Empty  bool
}

// statsPage serves /stats: requests, errors, latency, time to first token, tokens and cost
// over time, within the filter.
func (h *Handler) statsPage(w http.ResponseWriter, r *http.Request, ws webSession) {
	view := &statsView{}
	p, f, ok := h.startListPage(w, r, ws, "Metrics", "/stats", "stats", view)
	if !ok {
		return
	}
	q := p.Q
	rangeName, msg, ok := rangeParam(r)
	if !ok {
		h.renderError(w, r, http.StatusBadRequest, msg)
		return
	}

	ctx, project := r.Context(), ws.principal.ProjectID
	tr, err := h.resolveRange(ctx, project, rangeName, f)
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	view.Ranges = rangeNav("/stats", q, "", tr.Name)
	view.Empty = tr.Empty
	if !tr.Empty {
		buckets, err := h.store.Metrics(ctx, project, store.MetricsQuery{
			Scope: store.Scope{Filter: f, From: tr.From, To: tr.To}, Bucket: tr.Bucket})
		if err != nil {
			h.storeFailed(w, r, err)
			return
		}
		view.Bucket = formatBucket(tr.Bucket)
		view.Charts = metricsCharts(tr, buckets)
	}
	h.render(w, r, http.StatusOK, "stats", p)
}

// metricsCharts lays the store's buckets on every bucket of the range, zero where none.
func metricsCharts(tr timeRange, buckets []store.MetricsBucket) []chart {
	times := tr.bucketTimes()
	n := len(times)
	col := func() []float64 { return make([]float64, n) }
	req, errs, p50, p95, t50, t95, tok, cost := col(), col(), col(), col(), col(), col(),
		col(), col()
	hasLogs, hasTTFT := make([]bool, n), make([]bool, n)
	for _, b := range buckets {
		i := tr.index(b.Start)
		if i < 0 || i >= n {
			continue
		}
		req[i], errs[i] = float64(b.Requests), float64(b.Errors)
		p50[i], p95[i], t50[i], t95[i] = b.LatencyP50, b.LatencyP95, b.TTFTP50, b.TTFTP95
		tok[i], cost[i] = float64(b.TotalTokens), b.Cost
		hasLogs[i], hasTTFT[i] = b.Requests > 0, b.TTFTP50 > 0 || b.TTFTP95 > 0
	}
	return []chart{
		barChart("Requests", times, req, formatCount),
		barChart("Errors", times, errs, formatCount),
		lineChart("Latency", times, []series{{Label: "p50", Values: p50, Present: hasLogs},
			{Label: "p95", Values: p95, Present: hasLogs}}, formatMsValue),
		lineChart("Time to first token", times, []series{
			{Label: "p50", Values: t50, Present: hasTTFT},
			{Label: "p95", Values: t95, Present: hasTTFT}}, formatMsValue),
		barChart("Tokens", times, tok, formatCount),
		barChart("Cost", times, cost, formatCost),
	}
}

// formatBucket names a bucket width the short way: 5m, 3h, 1d.
func formatBucket(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}
