package agent

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/heliograph/heliograph/sdk"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// Orders summarises a customer's orders.
type Orders struct {
	Customer string
	Count    int
	// Total is the sum of the order totals in euros.
	Total float64
	// LatestStatus is the status of the most recent order, or "none".
	LatestStatus string
}

// sampleOrders are the rows OpenOrders loads: id, customer, item, total in cents, status
// and creation date.
var sampleOrders = [][]any{
	{1, "alice", "kettle", 3450, "delivered", "2025-03-02"},
	{2, "alice", "teapot", 1899, "delivered", "2025-04-11"},
	{3, "alice", "tea sampler", 2400, "shipped", "2025-05-20"},
	{4, "bob", "mug", 1250, "processing", "2025-05-21"},
}

// OpenOrders opens the SQLite database file at path, creating it if needed, and loads the
// sample orders. Loading again replaces the same rows, so a file can be reused.
func OpenOrders(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, fmt.Errorf("open orders database %s: %w", path, err)
	}
	if err := loadOrders(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("load orders into %s: %w", path, err)
	}
	return db, nil
}

func loadOrders(ctx context.Context, db *sql.DB) error {
	const schema = `CREATE TABLE IF NOT EXISTS orders (
		id INTEGER PRIMARY KEY,
		customer TEXT NOT NULL,
		item TEXT NOT NULL,
		total_cents INTEGER NOT NULL,
		status TEXT NOT NULL,
		created_at TEXT NOT NULL)`
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	for _, row := range sampleOrders {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO orders
			(id, customer, item, total_cents, status, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			row...)
		if err != nil {
			return fmt.Errorf("insert order %v: %w", row[0], err)
		}
	}
	return tx.Commit()
}

// ordersQuery selects a customer's orders, newest first.
const ordersQuery = `SELECT total_cents, status FROM orders WHERE customer = ? ` +
	`ORDER BY created_at DESC`

// QueryOrders reads the orders of customer, logged as the data step "orders_query" with the
// query, its argument and the summary.
func (a *Agent) QueryOrders(ctx context.Context, customer string) (Orders, error) {
	req := sdk.Data{
		Name:   "orders_query",
		Meta:   map[string]any{"driver": "sqlite"},
		Fields: map[string]any{"query": ordersQuery, "args": []any{customer}},
	}
	return sdk.Wrap(ctx, a.cfg.Logger, req,
		func(ctx context.Context, rec *sdk.Recorder) (Orders, error) {
			if err := a.pause(ctx); err != nil {
				return Orders{}, err
			}
			o, err := a.queryOrders(ctx, customer)
			if err != nil {
				return o, err
			}
			rec.AppendResults(map[string]any{
				"row_count":     o.Count,
				"total_eur":     o.Total,
				"latest_status": o.LatestStatus,
			})
			return o, nil
		})
}

func (a *Agent) queryOrders(ctx context.Context, customer string) (Orders, error) {
	o := Orders{Customer: customer, LatestStatus: "none"}
	rows, err := a.cfg.DB.QueryContext(ctx, ordersQuery, customer)
	if err != nil {
		return o, fmt.Errorf("query orders of %q: %w", customer, err)
	}
	defer rows.Close()

	var cents int64
	for rows.Next() {
		var total int64
		var status string
		if err := rows.Scan(&total, &status); err != nil {
			return o, fmt.Errorf("scan order of %q: %w", customer, err)
		}
		if o.Count == 0 {
			o.LatestStatus = status
		}
		o.Count++
		cents += total
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("read orders of %q: %w", customer, err)
	}
	o.Total = float64(cents) / 100
	return o, nil
}
