package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/httperr"
)

// cursorToken is the content of an opaque page cursor: the last row of the previous page.
type cursorToken struct {
	CreatedAtMs int64  `json:"t"`
	RequestID   string `json:"id"`
}

func encodeCursor(c filter.Cursor) string {
	b, _ := json.Marshal(cursorToken{CreatedAtMs: c.CreatedAt.UnixMilli(), RequestID: c.RequestID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*filter.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var tok cursorToken
	if err == nil {
		err = json.Unmarshal(b, &tok)
	}
	if err != nil || tok.RequestID == "" {
		return nil, httperr.New(http.StatusBadRequest,
			"cursor: invalid; pass the next_cursor of the previous page unchanged")
	}
	return &filter.Cursor{CreatedAt: time.UnixMilli(tok.CreatedAtMs).UTC(),
		RequestID: tok.RequestID}, nil
}
