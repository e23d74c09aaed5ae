package cli

import (
	"context"
	"net/url"
	"strconv"
)

// maxPageSize is the largest page GET /v1/requests returns.
const maxPageSize = 1000

// rowsPage is the data of GET /v1/requests with its rows decoded as T.
type rowsPage[T any] struct {
	Rows       []T    `json:"rows"`
	NextCursor string `json:"next_cursor"`
}

// pageResult is a page read by fetchPages, or the error that ended the reading.
type pageResult[T any] struct {
	rows []T
	err  error
}

// pageRequests calls fn with every row of GET /v1/requests for filter, following cursors
// until limit rows (0: all) were read. raw requests the stored bodies byte for byte. The next
// page is requested while fn handles the rows of the current one, so the server and this
// process work at the same time.
func pageRequests[T any](ctx context.Context, c *apiClient, filter string, limit int, raw bool,
	fn func(T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // Stops fetchPages when fn fails.
	pages := make(chan pageResult[T], 1)
	go fetchPages(ctx, c, pageParams{filter: filter, limit: limit, raw: raw}, pages)
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		for _, row := range p.rows {
			if err := fn(row); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// pageParams selects the rows pageRequests reads.
type pageParams struct {
	filter string
	limit  int
	raw    bool
}

// fetchPages sends the pages of p to out in order and closes out after the last one, after
// an error, or when ctx ends.
func fetchPages[T any](ctx context.Context, c *apiClient, p pageParams,
	out chan<- pageResult[T]) {
	defer close(out)
	cursor, seen := "", 0
	for {
		v := url.Values{"q": {p.filter}}
		size := maxPageSize
		if p.limit > 0 {
			size = min(size, p.limit-seen)
		}
		v.Set("limit", strconv.Itoa(size))
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		if p.raw {
			v.Set("raw", "1")
		}
		var page rowsPage[T]
		err := c.getData(ctx, "/v1/requests?"+v.Encode(), &page)
		select {
		case out <- pageResult[T]{rows: page.Rows, err: err}:
		case <-ctx.Done():
			return
		}
		seen += len(page.Rows)
		cursor = page.NextCursor
		if err != nil || cursor == "" || (p.limit > 0 && seen >= p.limit) {
			return
		}
	}
}
