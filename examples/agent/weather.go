package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/heliograph/heliograph/sdk"
)

// ErrUnknownCity is returned by [Agent.FetchWeather] when the weather API has no data for
// the city.
var ErrUnknownCity = errors.New("unknown city")

// Weather is the current weather of a city.
type Weather struct {
	City       string  `json:"city"`
	TempC      float64 `json:"temp_c"`
	Conditions string  `json:"conditions"`
	// Status is the HTTP status of the API response.
	Status int `json:"-"`
}

// weatherByCity is the data NewWeatherServer serves.
var weatherByCity = map[string]Weather{
	"Paris":  {City: "Paris", TempC: 21.5, Conditions: "sunny"},
	"Oslo":   {City: "Oslo", TempC: 9, Conditions: "rain"},
	"Lisbon": {City: "Lisbon", TempC: 26, Conditions: "clear"},
}

// NewWeatherServer starts a weather API on 127.0.0.1 that serves
// GET /v1/current?city=<name> with {"city":...,"temp_c":...,"conditions":...}, or 404 with
// {"error":...} for a city it does not know. The caller closes the server.
func NewWeatherServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/current", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		city := r.URL.Query().Get("city")
		weather, ok := weatherByCity[city]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"error": "no data for " + city})
			return
		}
		json.NewEncoder(w).Encode(weather)
	})
	return httptest.NewServer(mux)
}

// maxWeatherBody caps how much of a weather API response is read.
const maxWeatherBody = 1 << 20

// FetchWeather calls the weather API for city, logged as the data step "weather_api" with
// the method and URL as the request, and the HTTP status and the weather fields as the
// response. A status other than 200 is logged as the log's status and returned as an error,
// wrapping [ErrUnknownCity] for 404.
func (a *Agent) FetchWeather(ctx context.Context, city string) (Weather, error) {
	u := a.cfg.WeatherURL + "/v1/current?city=" + url.QueryEscape(city)
	req := sdk.Data{
		Name:   "weather_api",
		Meta:   map[string]any{"service": "weather"},
		Fields: map[string]any{"method": http.MethodGet, "url": u},
	}
	return sdk.Wrap(ctx, a.cfg.Logger, req,
		func(ctx context.Context, rec *sdk.Recorder) (Weather, error) {
			if err := a.pause(ctx); err != nil {
				return Weather{}, err
			}
			w, err := a.getWeather(ctx, u)
			if w.Status != 0 && w.Status != http.StatusOK {
				rec.SetStatus(w.Status)
			}
			if errors.Is(err, ErrUnknownCity) {
				err = fmt.Errorf("weather for %q: %w", city, err)
			}
			if err != nil {
				return w, err
			}
			rec.AppendResults(map[string]any{
				"status":     w.Status,
				"city":       w.City,
				"temp_c":     w.TempC,
				"conditions": w.Conditions,
			})
			return w, nil
		})
}

// getWeather sends the request and decodes the response.
func (a *Agent) getWeather(ctx context.Context, u string) (Weather, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Weather{}, fmt.Errorf("build weather request: %w", err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return Weather{}, fmt.Errorf("call weather API: %w", err)
	}
	defer resp.Body.Close()

	w := Weather{Status: resp.StatusCode}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxWeatherBody))
	if err != nil {
		return w, fmt.Errorf("read weather response: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return w, ErrUnknownCity
	case resp.StatusCode != http.StatusOK:
		return w, fmt.Errorf("weather API returned status %d", resp.StatusCode)
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return w, fmt.Errorf("decode weather response: %w", err)
	}
	return w, nil
}
