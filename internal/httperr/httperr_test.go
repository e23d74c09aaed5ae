package httperr_test

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/httperr"
)

func TestWriteJSONEncodes(t *testing.T) {
	rec := httptest.NewRecorder()
	httperr.WriteJSON(rec, http.StatusCreated, map[string]any{"cost": 1.5, "html": "<b>"})
	if rec.Code != http.StatusCreated {
		t.Errorf("status %d, want 201", rec.Code)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got["cost"] != 1.5 {
		t.Errorf("body %q: %v; want the encoded value", rec.Body, err)
	}
	if strings.Contains(rec.Body.String(), "<b>") {
		t.Errorf("body %q contains raw HTML, want it escaped", rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestWriteJSONUnencodableValue(t *testing.T) {
	rec := httptest.NewRecorder()
	httperr.WriteJSON(rec, http.StatusOK, map[string]float64{"cost": math.Inf(1)})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500 for a value JSON cannot hold", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), "could not be encoded") {
		t.Errorf("body %q, want an error that says the response could not be encoded",
			rec.Body)
	}
}
