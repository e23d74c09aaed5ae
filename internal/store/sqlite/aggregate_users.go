package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/heliograph/heliograph/internal/store"
)

// userColumns aggregates the logs of one user; COUNT(*) OVER () counts the groups before
// LIMIT applies.
const userColumns = "user_id, MIN(created_at), MAX(ended_at), COUNT(*), SUM(status <> 200), " +
	"SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), TOTAL(cost), " +
	"TOTAL(latency_ms), COUNT(*) OVER ()"

// userRollupColumns are the values of userColumns as user_rollup stores them.
const userRollupColumns = "user_id, first_at, last_at, requests, errors, prompt_tokens, " +
	"completion_tokens, total_tokens, cost, latency_sum, COUNT(*) OVER ()"

// Users returns one page of user summaries, most requests first, then by user id, and the
// number of users that match q before paging. Only logs with a user id within q.Scope count.
// A scope that selects every log reads user_rollup, one row per user, instead of the logs.
func (db *DB) Users(ctx context.Context, projectID string, q store.UserQuery) (
	[]store.UserSummary, int, error) {
	if err := checkPage(q.Limit, q.Offset); err != nil {
		return nil, 0, err
	}
	out, total := []store.UserSummary{}, 0
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		query, count, args, err := buildUsersQueries(pk, q)
		if err != nil {
			return err
		}
		page := append(args[:len(args):len(args)], orDefault(q.Limit, defaultUserLimit), q.Offset)
		out, total, err = scanUsers(ctx, tx, query, page)
		if err != nil || len(out) > 0 || q.Offset == 0 {
			return err
		}
		// A page past the end has no row to carry the count, so count separately.
		return tx.QueryRowContext(ctx, count, args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("users: %w", err)
	}
	return out, total, nil
}

// buildUsersQueries returns the page statement of q, which takes the arguments args followed
// by the limit and the offset, and the statement that counts the users of q, which takes args.
func buildUsersQueries(pk int64, q store.UserQuery) (page, count string, args []any,
	err error) {
	if q.Scope.SelectsAll() {
		where, args, err := userCondition("project_pk = ?", []any{pk}, "user_id", q)
		if err != nil {
			return "", "", nil, err
		}
		page = "SELECT " + userRollupColumns + " FROM user_rollup WHERE " + where +
			" ORDER BY requests DESC, user_id LIMIT ? OFFSET ?"
		return page, "SELECT COUNT(*) FROM user_rollup WHERE " + where, args, nil
	}
	scope, scopeArgs, err := compileScope(pk, q.Scope)
	if err != nil {
		return "", "", nil, err
	}
	where, args, err := userCondition(scope+" AND logs.user_id <> ''", scopeArgs,
		"logs.user_id", q)
	if err != nil {
		return "", "", nil, err
	}
	page = "SELECT " + userColumns + " FROM logs WHERE " + where +
		" GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT ? OFFSET ?"
	return page, "SELECT COUNT(DISTINCT user_id) FROM logs WHERE " + where, args, nil
}

// userCondition appends to the condition where, with its arguments args, the user id
// conditions of q on column.
func userCondition(where string, args []any, column string, q store.UserQuery) (string, []any,
	error) {
	if len(q.UserIDs) > 0 {
		// One JSON argument holds the whole list, so its length is not bound by SQLite's
		// limit on parameters.
		ids, err := json.Marshal(q.UserIDs)
		if err != nil {
			return "", nil, fmt.Errorf("encode user ids: %w", err)
		}
		where += " AND " + column + " IN (SELECT value FROM json_each(?))"
		args = append(args, string(ids))
	}
	if q.Search != "" {
		where += " AND " + containsSQL(column)
		args = append(args, q.Search)
	}
	return where, args, nil
}

func scanUsers(ctx context.Context, tx *sql.Tx, query string, args []any) (
	[]store.UserSummary, int, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()

	out, total := []store.UserSummary{}, 0
	for rows.Next() {
		var u store.UserSummary
		var first, last int64
		var latencySum float64
		if err := rows.Scan(&u.UserID, &first, &last, &u.Requests, &u.Errors, &u.PromptTokens,
			&u.CompletionTokens, &u.TotalTokens, &u.Cost, &latencySum, &total); err != nil {
			return nil, 0, err
		}
		u.FirstAt, u.LastAt = fromMilli(first), fromMilli(last)
		u.AvgLatencyMs = latencySum / float64(u.Requests)
		out = append(out, u)
	}
	return out, total, rows.Err()
}
