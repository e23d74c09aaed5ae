package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Names written by the feedback endpoints. Helicone stores request feedback as this score and
// session feedback as the property Helicone-Session-Feedback; the property key is lower-cased
// here like every property key, so that filters find it as property.helicone-session-feedback.
const (
	feedbackScore           = "helicone-score-feedback"
	sessionFeedbackProperty = record.SessionFeedbackProperty
)

// Limits on mutation input.
const (
	maxKeyLength      = record.MaxPropertyKeyBytes
	maxValueLength    = record.MaxPropertyValueBytes
	maxScoresPerCall  = 100
	maxScoreNameBytes = 256
)

type propertyBody struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

// putProperty serves PUT /v1/request/{id}/property: it adds or replaces one property.
func (h *Handler) putProperty(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body propertyBody
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Key == nil || body.Value == nil {
		return nil, httperr.New(http.StatusBadRequest, "key and value: both are required")
	}
	key, err := propertyKey(*body.Key, "key")
	if err != nil {
		return nil, err
	}
	if len(*body.Value) > maxValueLength {
		return nil, httperr.New(http.StatusBadRequest, "value: %d bytes, the limit is %d",
			len(*body.Value), maxValueLength)
	}
	err = agg.SetProperty(r.Context(), p.ProjectID, requestIDParam(r), key, *body.Value)
	if errors.Is(err, store.ErrPropertyLimit) {
		return nil, httperr.New(http.StatusBadRequest, "key: %q is new, and the log has %d "+
			"properties, the most a log may have", key, record.MaxProperties)
	}
	if err != nil {
		return nil, storeError(err, "request")
	}
	return nil, nil
}

// propertyKey lower-cases a property key, as ingest does, and checks it.
func propertyKey(raw, field string) (string, error) {
	key := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case key == "":
		return "", httperr.New(http.StatusBadRequest, "%s: must not be empty", field)
	case len(key) > maxKeyLength:
		return "", httperr.New(http.StatusBadRequest, "%s: %d bytes, the limit is %d", field,
			len(key), maxKeyLength)
	case !utf8.ValidString(key):
		return "", httperr.New(http.StatusBadRequest, "%s: invalid UTF-8", field)
	}
	for _, reserved := range record.ReservedPropertyKeys {
		if key == reserved {
			return "", httperr.New(http.StatusBadRequest,
				"%s: %q is stored in its own field and cannot be set as a property",
				field, raw)
		}
	}
	return key, nil
}

type scoreBody struct {
	Scores map[string]json.RawMessage `json:"scores"`
}

// postScore serves POST /v1/request/{id}/score: it adds or replaces named scores. Booleans
// are stored as 1 and 0. Every score is checked before the first is written.
func (h *Handler) postScore(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body scoreBody
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if len(body.Scores) == 0 {
		return nil, httperr.New(http.StatusBadRequest, "scores: must hold at least one score")
	}
	if len(body.Scores) > maxScoresPerCall {
		return nil, httperr.New(http.StatusBadRequest, "scores: %d scores, the limit is %d",
			len(body.Scores), maxScoresPerCall)
	}
	values := make(map[string]float64, len(body.Scores))
	for name, raw := range body.Scores {
		v, err := scoreValue(name, raw)
		if err != nil {
			return nil, err
		}
		values[name] = v
	}

	id := requestIDParam(r)
	for name, v := range values {
		if err := agg.SetScore(r.Context(), p.ProjectID, id, name, v); err != nil {
			return nil, storeError(err, "request")
		}
	}
	return nil, nil
}

// scoreValue reads one score: a finite number, or a boolean as 1 or 0.
func scoreValue(name string, raw json.RawMessage) (float64, error) {
	if name == "" || len(name) > maxScoreNameBytes {
		return 0, httperr.New(http.StatusBadRequest,
			"scores: a name must be 1 to %d bytes long", maxScoreNameBytes)
	}
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	case "null":
		return 0, httperr.New(http.StatusBadRequest,
			"scores.%s: must be a number or a boolean, not null", name)
	}
	// A number beyond the float64 range fails to decode, so every value read is finite.
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, httperr.New(http.StatusBadRequest,
			"scores.%s: must be a number or a boolean", name)
	}
	return v, nil
}

type feedbackBody struct {
	Rating *bool `json:"rating"`
}

func (b feedbackBody) value() (float64, error) {
	if b.Rating == nil {
		return 0, httperr.New(http.StatusBadRequest, "rating: required, true or false")
	}
	if *b.Rating {
		return 1, nil
	}
	return 0, nil
}

// postFeedback serves POST /v1/request/{id}/feedback: the rating becomes the score
// helicone-score-feedback, 1 for true and 0 for false.
func (h *Handler) postFeedback(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body feedbackBody
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	v, err := body.value()
	if err != nil {
		return nil, err
	}
	if err := agg.SetScore(r.Context(), p.ProjectID, requestIDParam(r), feedbackScore,
		v); err != nil {
		return nil, storeError(err, "request")
	}
	return nil, nil
}

// postSessionFeedback serves POST /v1/session/{id}/feedback: the rating becomes the property
// helicone-session-feedback, "1" or "0", of the session's earliest log.
func (h *Handler) postSessionFeedback(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body feedbackBody
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	v, err := body.value()
	if err != nil {
		return nil, err
	}

	recs, err := h.store.QueryLogs(r.Context(), p.ProjectID, store.LogQuery{
		Filter: filter.Cond{Field: filter.Field{Name: filter.FieldSessionID}, Op: filter.OpEq,
			Value: r.PathValue("id")},
		Sort:  filter.Sort{Field: filter.Field{Name: filter.FieldCreatedAt}},
		Limit: 1,
	})
	if err != nil {
		return nil, storeError(err, "session")
	}
	if len(recs) == 0 {
		return nil, httperr.New(http.StatusNotFound, "session not found")
	}
	value := "0"
	if v == 1 {
		value = "1"
	}
	if err := agg.SetProperty(r.Context(), p.ProjectID, recs[0].RequestID,
		sessionFeedbackProperty, value); err != nil {
		return nil, storeError(err, "session")
	}
	return nil, nil
}
