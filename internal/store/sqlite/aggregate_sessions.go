package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/heliograph/heliograph/internal/store"
)

// sessionGroupSQL aggregates the logs within a scope by session id. The caller appends the
// scope condition and " GROUP BY session_id".
const sessionGroupSQL = "SELECT session_id, MIN(created_at) AS first_at, " +
	"MAX(ended_at) AS last_at, COUNT(*) AS requests, SUM(status <> 200) AS errors, " +
	"TOTAL(cost) AS cost, SUM(prompt_tokens) AS prompt_tokens, " +
	"SUM(completion_tokens) AS completion_tokens, SUM(total_tokens) AS total_tokens, " +
	"TOTAL(latency_ms) AS latency_sum FROM logs WHERE logs.session_id <> '' AND "

// sessionRollupSQL reads the rows of session_rollup of the project given as the argument, with
// the columns of sessionGroupSQL. It replaces sessionGroupSQL for a scope that selects every
// log, where it reads one row per session instead of every log.
const sessionRollupSQL = "SELECT session_id, first_at, last_at, requests, errors, cost, " +
	"prompt_tokens, completion_tokens, total_tokens, latency_sum FROM session_rollup " +
	"WHERE project_pk = ?"

// sessionNameSQL selects the name of session s.session_id of the project given as the
// argument: the session_name of its earliest log that has one, whatever the scope. The
// (project_pk, session_id, created_at) index finds that log.
const sessionNameSQL = "(SELECT n.session_name FROM logs AS n WHERE n.project_pk = ? " +
	"AND n.session_id = s.session_id AND n.session_name <> '' " +
	"ORDER BY n.created_at, n.seq LIMIT 1)"

// Sessions returns the sessions with at least one log in q.Scope, latest activity (LastAt)
// first, then by session id. The totals count only the logs within the scope. The name of a
// session comes from all its logs: see [store.SessionSummary]. Search and NameEquals apply to
// that name, so they need the name of every session in the scope, and the query then takes
// one index lookup per session. A scope that selects every log reads session_rollup, one row
// per session, instead of grouping the logs.
func (db *DB) Sessions(ctx context.Context, projectID string, q store.SessionQuery) (
	[]store.SessionSummary, error) {
	if err := checkPage(q.Limit, q.Offset); err != nil {
		return nil, err
	}
	out := []store.SessionSummary{}
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		query, args, err := buildSessionsQuery(pk, q)
		if err != nil {
			return err
		}
		out, err = scanSessions(ctx, tx, query, args)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return out, nil
}

// sessionGroups returns the statement that totals the logs of scope s by session, one row
// per session with the columns of sessionGroupSQL, and its arguments.
func sessionGroups(pk int64, s store.Scope) (string, []any, error) {
	if s.SelectsAll() {
		return sessionRollupSQL, []any{pk}, nil
	}
	where, args, err := compileScope(pk, s)
	if err != nil {
		return "", nil, err
	}
	return sessionGroupSQL + where + " GROUP BY session_id", args, nil
}

// buildSessionsQuery returns the statement of [DB.Sessions]. Without a name condition it
// pages the groups first and looks up the names of that page only.
func buildSessionsQuery(pk int64, q store.SessionQuery) (string, []any, error) {
	groups, args, err := sessionGroups(pk, q.Scope)
	if err != nil {
		return "", nil, err
	}
	const order = " ORDER BY last_at DESC, session_id"
	limit := orDefault(q.Limit, defaultSessionLimit)

	if q.Search == "" && q.NameEquals == "" {
		query := "SELECT s.*, " + sessionNameSQL + " AS name FROM (" + groups + order +
			" LIMIT ? OFFSET ?) AS s" + order
		args = append([]any{pk}, args...)
		return query, append(args, limit, q.Offset), nil
	}

	named := "SELECT s.*, " + sessionNameSQL + " AS name FROM (" + groups + ") AS s"
	args = append([]any{pk}, args...)
	query := "SELECT * FROM (" + named + ") WHERE TRUE"
	if q.Search != "" {
		query += " AND (" + containsSQL("session_id") + " OR " + containsSQL("name") + ")"
		args = append(args, q.Search, q.Search)
	}
	if q.NameEquals != "" {
		query += " AND name = ?"
		args = append(args, q.NameEquals)
	}
	query += order + " LIMIT ? OFFSET ?"
	return query, append(args, limit, q.Offset), nil
}

func scanSessions(ctx context.Context, tx *sql.Tx, query string, args []any) (
	[]store.SessionSummary, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	out := []store.SessionSummary{}
	for rows.Next() {
		var s store.SessionSummary
		var first, last int64
		var latencySum float64
		var name sql.NullString
		if err := rows.Scan(&s.SessionID, &first, &last, &s.Requests, &s.Errors, &s.Cost,
			&s.PromptTokens, &s.CompletionTokens, &s.TotalTokens, &latencySum,
			&name); err != nil {
			return nil, err
		}
		s.SessionName = name.String
		s.FirstAt, s.LastAt = fromMilli(first), fromMilli(last)
		s.AvgLatencyMs = latencySum / float64(s.Requests)
		out = append(out, s)
	}
	return out, rows.Err()
}

// SessionNames returns one summary per session name, over the sessions with at least one log
// in s, latest activity first, then by name. A session's name is the one [DB.Sessions]
// reports, and sessions without a name are left out. nameContains keeps the names that
// contain it, ignoring case for ASCII letters.
func (db *DB) SessionNames(ctx context.Context, projectID string, nameContains string,
	s store.Scope) ([]store.SessionNameSummary, error) {
	out := []store.SessionNameSummary{}
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		groups, args, err := sessionGroups(pk, s)
		if err != nil {
			return err
		}
		named := "SELECT s.*, " + sessionNameSQL + " AS name FROM (" + groups + ") AS s"
		query := "SELECT name, MIN(first_at), MAX(last_at), COUNT(*), SUM(requests), " +
			"TOTAL(latency_sum), TOTAL(cost) FROM (" + named + ") WHERE name <> ''"
		args = append([]any{pk}, args...)
		if nameContains != "" {
			query += " AND " + containsSQL("name")
			args = append(args, nameContains)
		}
		query += " GROUP BY name ORDER BY MAX(last_at) DESC, name"
		out, err = scanSessionNames(ctx, tx, query, args)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("session names: %w", err)
	}
	return out, nil
}

func scanSessionNames(ctx context.Context, tx *sql.Tx, query string, args []any) (
	[]store.SessionNameSummary, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	out := []store.SessionNameSummary{}
	for rows.Next() {
		var n store.SessionNameSummary
		var first, last int64
		var latencySum float64
		if err := rows.Scan(&n.Name, &first, &last, &n.Sessions, &n.Requests, &latencySum,
			&n.Cost); err != nil {
			return nil, err
		}
		n.FirstAt, n.LastAt = fromMilli(first), fromMilli(last)
		n.AvgLatencyMs = latencySum / float64(n.Requests)
		out = append(out, n)
	}
	return out, rows.Err()
}
