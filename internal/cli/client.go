package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultServerURL is the server the HTTP commands talk to without --url.
const defaultServerURL = "http://127.0.0.1:8585"

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// connFlags are the flags of every command that talks to a server.
type connFlags struct {
	URL     string
	APIKey  string
	Timeout time.Duration
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.URL, "url", defaultServerURL, "base URL of the heliograph server")
	fs.StringVar(&c.APIKey, "api-key", "", "API key sent as a bearer token (required)")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Minute,
		"how long one HTTP request may take, 0 for no limit; the streams of export and "+
			"tail have no limit")
}

// client returns an API client for the flags; conns is the number of connections it keeps
// open for concurrent requests.
func (c *connFlags) client(conns int) (*apiClient, error) {
	if c.APIKey == "" {
		return nil, errors.New("missing API key: set --api-key or HELIOGRAPH_API_KEY")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want an http or https URL such as %s", c.URL,
			defaultServerURL)
	}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: max(conns, 2),
		IdleConnTimeout:     90 * time.Second,
	}
	return &apiClient{
		base:   strings.TrimRight(c.URL, "/"),
		key:    c.APIKey,
		http:   &http.Client{Transport: transport, Timeout: c.Timeout},
		stream: &http.Client{Transport: transport},
	}, nil
}

// apiClient calls the heliograph HTTP API. Safe for concurrent use.
type apiClient struct {
	base string
	key  string
	http *http.Client
	// stream has no overall timeout, for responses that last as long as the command.
	stream *http.Client
}

// statusError is a response with an unexpected status.
type statusError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status,
		http.StatusText(e.Status), e.Message)
}

// newRequest builds a request to path with the API key.
func (c *apiClient) newRequest(ctx context.Context, method, path string, body io.Reader) (
	*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	return req, nil
}

// getData sends GET path and decodes the data of the {"data", "error"} envelope into v.
func (c *apiClient) getData(ctx context.Context, path string, v any) error {
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	return c.doData(req, v)
}

// postData sends body as JSON to path and decodes the envelope's data into v, if v is not nil.
func (c *apiClient) postData(ctx context.Context, path string, body any, v any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request to %s: %w", path, err)
	}
	req, err := c.newRequest(ctx, http.MethodPost, path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return c.doData(req, v)
}

func (c *apiClient) doData(req *http.Request, v any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err // The *url.Error names the method and the URL.
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return responseError(req, resp)
	}
	// The data member is decoded straight into v, which a page of a thousand rows with their
	// bodies makes worth one pass less over the response.
	if v == nil {
		v = new(json.RawMessage)
	}
	env := struct {
		Data any `json:"data"`
	}{Data: v}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// responseError reads the error message of a failed response: the "error" member of a JSON
// body, or the start of any other body.
func responseError(req *http.Request, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Error string `json:"error"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &body) == nil && body.Error != "" {
		msg = body.Error
	}
	return &statusError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode,
		Message: msg}
}
