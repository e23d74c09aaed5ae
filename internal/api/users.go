package api

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/store"
)

// User query limits. POST /v1/user/query returns at most 100 users, as Helicone does. A sort
// other than the store's order (most requests first) is applied in memory, so it is allowed
// only when at most maxSortedUsers users match.
const (
	userQueryLimit     = 100
	defaultUserLimit   = 100
	maxUserIDs         = 1000
	maxSortedUsers     = 10_000
	userSortPageLength = 1000
)

// userQuery is the body of POST /v1/user/query. filter is an addition to Helicone's body.
type userQuery struct {
	UserIDs    []string        `json:"userIds"`
	TimeFilter *timeFilter     `json:"timeFilter"`
	Filter     json.RawMessage `json:"filter"`
}

// userRow is one user of POST /v1/user/query.
type userRow struct {
	UserID           string  `json:"user_id"`
	Count            int64   `json:"count"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"`
}

// queryUsers serves POST /v1/user/query: up to 100 users, most requests first.
func (h *Handler) queryUsers(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body userQuery
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	if len(body.UserIDs) > maxUserIDs {
		return nil, httperr.New(http.StatusBadRequest, "userIds: %d ids, the limit is %d",
			len(body.UserIDs), maxUserIDs)
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}

	users, _, err := agg.Users(r.Context(), p.ProjectID, store.UserQuery{Scope: scope,
		UserIDs: body.UserIDs, Limit: userQueryLimit})
	if err != nil {
		return nil, storeError(err, "user")
	}
	rows := make([]userRow, len(users))
	for i, u := range users {
		rows[i] = userRow{UserID: u.UserID, Count: u.Requests, PromptTokens: u.PromptTokens,
			CompletionTokens: u.CompletionTokens, Cost: u.Cost}
	}
	return rows, nil
}

// userMetricsQuery is the body of POST /v1/user/metrics/query. Helicone's
// timeZoneDifferenceMinutes is accepted and ignored.
type userMetricsQuery struct {
	Filter     json.RawMessage `json:"filter"`
	Offset     *int            `json:"offset"`
	Limit      *int            `json:"limit"`
	TimeFilter *timeFilter     `json:"timeFilter"`
	Sort       json.RawMessage `json:"sort"`
}

// userMetricsRow is one user of POST /v1/user/metrics/query and GET /v1/users. ActiveFor is
// the number of calendar days from the first to the last activity, counting both, in UTC.
type userMetricsRow struct {
	UserID                      string  `json:"user_id"`
	ActiveFor                   int64   `json:"active_for"`
	FirstActive                 string  `json:"first_active"`
	LastActive                  string  `json:"last_active"`
	TotalRequests               int64   `json:"total_requests"`
	TotalErrors                 int64   `json:"total_errors"`
	AverageRequestsPerDayActive float64 `json:"average_requests_per_day_active"`
	AverageTokensPerRequest     float64 `json:"average_tokens_per_request"`
	TotalCompletionTokens       int64   `json:"total_completion_tokens"`
	TotalPromptTokens           int64   `json:"total_prompt_tokens"`
	Cost                        float64 `json:"cost"`
	AvgLatency                  float64 `json:"avg_latency"`
}

// userMetrics is the data of POST /v1/user/metrics/query. Count is the number of users that
// match before paging; HasUsers reports whether the project has any user at all.
type userMetrics struct {
	Users    []userMetricsRow `json:"users"`
	Count    int              `json:"count"`
	HasUsers bool             `json:"hasUsers"`
}

func newUserMetricsRow(u store.UserSummary) userMetricsRow {
	// Whole days since the epoch, not time.Duration, which saturates at about 292 years.
	dayMs := (24 * time.Hour).Milliseconds()
	day := func(t time.Time) int64 {
		ms := t.UnixMilli()
		if ms < 0 {
			return (ms+1)/dayMs - 1 // rounds down before 1970 too
		}
		return ms / dayMs
	}
	active := day(u.LastAt) - day(u.FirstAt) + 1
	row := userMetricsRow{
		UserID:                u.UserID,
		ActiveFor:             max(active, 1),
		FirstActive:           formatTime(u.FirstAt),
		LastActive:            formatTime(u.LastAt),
		TotalRequests:         u.Requests,
		TotalErrors:           u.Errors,
		TotalCompletionTokens: u.CompletionTokens,
		TotalPromptTokens:     u.PromptTokens,
		Cost:                  u.Cost,
		AvgLatency:            u.AvgLatencyMs,
	}
	row.AverageRequestsPerDayActive = float64(u.Requests) / float64(row.ActiveFor)
	if u.Requests > 0 {
		row.AverageTokensPerRequest = float64(u.TotalTokens) / float64(u.Requests)
	}
	return row
}

// queryUserMetrics serves POST /v1/user/metrics/query.
func (h *Handler) queryUserMetrics(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body userMetricsQuery
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}
	limit, offset, err := pageBounds(body.Limit, body.Offset, defaultUserLimit, maxLimit)
	if err != nil {
		return nil, err
	}
	sort, err := parseUserSort(body.Sort)
	if err != nil {
		return nil, err
	}

	q := store.UserQuery{Scope: scope, Limit: limit, Offset: offset}
	var out userMetrics
	if sort.isDefault() {
		out.Users, out.Count, err = userPage(r.Context(), agg, p.ProjectID, q)
	} else {
		out.Users, out.Count, err = sortedUserPage(r.Context(), agg, p.ProjectID, q, sort)
	}
	if err != nil {
		return nil, err
	}
	if out.HasUsers, err = hasUsers(r.Context(), agg, p.ProjectID, out.Count); err != nil {
		return nil, err
	}
	return out, nil
}

// hasUsers reports whether the project has any user, given that count users matched a query.
func hasUsers(ctx context.Context, agg Aggregates, projectID string, count int) (bool, error) {
	if count > 0 {
		return true, nil
	}
	_, all, err := agg.Users(ctx, projectID, store.UserQuery{Limit: 1})
	if err != nil {
		return false, storeError(err, "user")
	}
	return all > 0, nil
}

// listUsers serves GET /v1/users?q=&search=&limit=&offset=: users of the logs that match the
// filter-language expression q, most requests first.
func (h *Handler) listUsers(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	lp, err := parseListParams(r, defaultUserLimit, maxLimit)
	if err != nil {
		return nil, err
	}
	users, count, err := userPage(r.Context(), agg, p.ProjectID, store.UserQuery{
		Scope: store.Scope{Filter: lp.filter}, Search: r.URL.Query().Get("search"),
		Limit: lp.limit, Offset: lp.offset})
	if err != nil {
		return nil, err
	}
	has, err := hasUsers(r.Context(), agg, p.ProjectID, count)
	if err != nil {
		return nil, err
	}
	return userMetrics{Users: users, Count: count, HasUsers: has}, nil
}

func userPage(ctx context.Context, agg Aggregates, projectID string, q store.UserQuery) (
	[]userMetricsRow, int, error) {
	users, count, err := agg.Users(ctx, projectID, q)
	if err != nil {
		return nil, 0, storeError(err, "user")
	}
	rows := make([]userMetricsRow, len(users))
	for i, u := range users {
		rows[i] = newUserMetricsRow(u)
	}
	return rows, count, nil
}

// sortedUserPage reads every matching user, sorts them and returns the page of q.
func sortedUserPage(ctx context.Context, agg Aggregates, projectID string, q store.UserQuery,
	sort userSort) ([]userMetricsRow, int, error) {
	var all []userMetricsRow
	scan := store.UserQuery{Scope: q.Scope, UserIDs: q.UserIDs, Search: q.Search,
		Limit: userSortPageLength}
	for {
		page, count, err := userPage(ctx, agg, projectID, scan)
		if err != nil {
			return nil, 0, err
		}
		if count > maxSortedUsers {
			return nil, 0, httperr.New(http.StatusBadRequest,
				"sort: %d users match, and a sort other than total_requests descending is "+
					"supported for at most %d; narrow the filter or drop the sort",
				count, maxSortedUsers)
		}
		all = append(all, page...)
		if len(page) < userSortPageLength {
			break
		}
		scan.Offset += len(page)
	}
	slices.SortStableFunc(all, sort.compare)
	lo := min(q.Offset, len(all))
	hi := min(lo+q.Limit, len(all))
	return all[lo:hi], len(all), nil
}

// userSort is the order of a user metrics query.
type userSort struct {
	key  string
	desc bool
}

func (s userSort) isDefault() bool { return s.key == "total_requests" && s.desc }

// userSortKeys maps each sortable column to a comparison of two rows in ascending order.
var userSortKeys = map[string]func(a, b userMetricsRow) int{
	"user_id": func(a, b userMetricsRow) int { return strings.Compare(a.UserID, b.UserID) },
	"active_for": func(a, b userMetricsRow) int {
		return cmp.Compare(a.ActiveFor, b.ActiveFor)
	},
	"first_active": func(a, b userMetricsRow) int {
		return strings.Compare(a.FirstActive, b.FirstActive)
	},
	"last_active": func(a, b userMetricsRow) int {
		return strings.Compare(a.LastActive, b.LastActive)
	},
	"total_requests": func(a, b userMetricsRow) int {
		return cmp.Compare(a.TotalRequests, b.TotalRequests)
	},
	"average_requests_per_day_active": func(a, b userMetricsRow) int {
		return cmp.Compare(a.AverageRequestsPerDayActive, b.AverageRequestsPerDayActive)
	},
	"average_tokens_per_request": func(a, b userMetricsRow) int {
		return cmp.Compare(a.AverageTokensPerRequest, b.AverageTokensPerRequest)
	},
	"total_completion_tokens": func(a, b userMetricsRow) int {
		return cmp.Compare(a.TotalCompletionTokens, b.TotalCompletionTokens)
	},
	"total_prompt_tokens": func(a, b userMetricsRow) int {
		return cmp.Compare(a.TotalPromptTokens, b.TotalPromptTokens)
	},
	"cost": func(a, b userMetricsRow) int { return cmp.Compare(a.Cost, b.Cost) },
}

// compare orders two rows by the sort key, ties broken by user id ascending.
func (s userSort) compare(a, b userMetricsRow) int {
	c := userSortKeys[s.key](a, b)
	if s.desc {
		c = -c
	}
	if c == 0 {
		c = strings.Compare(a.UserID, b.UserID)
	}
	return c
}

// parseUserSort reads a Helicone sort object such as {"cost": "desc"}; absent means
// total_requests descending.
func parseUserSort(raw json.RawMessage) (userSort, error) {
	def := userSort{key: "total_requests", desc: true}
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return def, httperr.New(http.StatusBadRequest,
			`sort: must be an object such as {"cost": "desc"}`)
	}
	if len(m) == 0 {
		return def, nil
	}
	if len(m) > 1 {
		return def, httperr.New(http.StatusBadRequest, "sort: must name exactly one column")
	}
	for key, dir := range m {
		if _, ok := userSortKeys[key]; !ok {
			return def, httperr.New(http.StatusBadRequest, "sort: unknown column %q", key)
		}
		if dir != "asc" && dir != "desc" {
			return def, httperr.New(http.StatusBadRequest,
				"sort.%s: %q must be asc or desc", key, dir)
		}
		return userSort{key: key, desc: dir == "desc"}, nil
	}
	return def, nil
}
