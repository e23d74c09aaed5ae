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
	// source returns the flag or environment variable that set a flag, for error messages.
	source func(flagName string) string
}

// register adds the flags to fs. getenv is the environment that [parseFlags] reads.
func (c *connFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.URL, "url", defaultServerURL, "base URL of the heliograph server")
	fs.StringVar(&c.APIKey, "api-key", "", "API key sent as a bearer token (required)")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Minute,
		"how long one HTTP request may take, 0 for no limit; the streams of export and "+
			"tail have no limit")
	c.source = func(name string) string { return flagSource(fs, name, getenv) }
}

// validate checks the server URL and the API key before any request is sent, and names the
// flag or environment variable of each invalid value. Every command that talks to a server
// runs it through [connFlags.client].
func (c *connFlags) validate() error {
	// Spaces around a URL come from copying it; no URL starts or ends with one.
	c.URL = strings.TrimSpace(c.URL)
	if c.APIKey == "" {
		return errors.New("missing API key: set --api-key or HELIOGRAPH_API_KEY")
	}
	var errs []error
	if err := checkServerURL(c.URL); err != nil {
		errs = append(errs, fmt.Errorf("invalid server URL %q in %s: %w", redactURL(c.URL),
			c.source("url"), err))
	}
	if err := checkAPIKey(c.APIKey); err != nil {
		errs = append(errs, fmt.Errorf("invalid API key in %s: %w", c.source("api-key"), err))
	}
	return errors.Join(errs...)
}

// checkServerURL checks that raw is an http or https URL that request paths can be appended
// to: a path prefix is allowed, a query or a fragment is not. The error does not repeat the
// URL.
func checkServerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // The *url.Error repeats the URL.
		}
		return fmt.Errorf("%w (expected an http or https URL such as %s)", err,
			defaultServerURL)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("expected an http or https URL with a host, such as %s",
			defaultServerURL)
	// An empty fragment ("#") leaves u.Fragment empty, so the text is checked too.
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#"):
		return errors.New("remove the query or fragment, because request paths are appended " +
			"to the URL")
	}
	return nil
}

// redactURL returns raw with the password of its user information replaced by "xxxxx", and
// otherwise as typed.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return raw
}

// checkAPIKey checks that key can be sent in an Authorization header and could be a key at
// all: generated keys and bootstrap keys are printable ASCII and neither start nor end with a
// space. The message never shows the key.
func checkAPIKey(key string) error {
	for i := 0; i < len(key); i++ {
		b := key[i]
		switch {
		case b < 0x20 || b == 0x7f:
			return fmt.Errorf("byte %d (counting from 1) is the control character %s, but "+
				"an API key is printable ASCII. Check for a line break or tab copied with the "+
				"key", i+1, escapeControls(string(rune(b))))
		case b >= 0x80:
			return fmt.Errorf("byte %d (counting from 1) is not ASCII, but an API key is "+
				"printable ASCII", i+1)
		}
	}
	if strings.TrimSpace(key) != key {
		return errors.New("it starts or ends with a space, which no key does. Check for " +
			"spaces copied with the key")
	}
	return nil
}

// client validates the flags and returns an API client for them. conns is the number of
// connections it keeps open for concurrent requests.
func (c *connFlags) client(conns int) (*apiClient, error) {
	if err := c.validate(); err != nil {
		return nil, err
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

// requestError is a request that cannot be sent as built, because of its own URL or header
// values. Sending it again cannot succeed.
type requestError struct {
	Method, Path string
	Err          error
}

func (e *requestError) Error() string {
	return fmt.Sprintf("cannot send %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *requestError) Unwrap() error { return e.Err }

// newRequest builds a request to path with the API key.
func (c *apiClient) newRequest(ctx context.Context, method, path string, body io.Reader) (
	*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, &requestError{Method: method, Path: path, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	return req, nil
}

// checkRequest returns a [*requestError] for a request that net/http would refuse to send:
// a scheme other than http or https, no host, or a header value with a control character
// other than tab. Header values are not shown, because the Authorization header contains
// the key.
func checkRequest(req *http.Request) error {
	fail := func(err error) error {
		return &requestError{Method: req.Method, Path: req.URL.Path, Err: err}
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fail(fmt.Errorf("unsupported URL scheme %q", req.URL.Scheme))
	}
	if req.URL.Host == "" {
		return fail(errors.New("the URL has no host"))
	}
	for name, values := range req.Header {
		for _, v := range values {
			// net/http rejects a field value with a control character other than tab.
			i := strings.IndexFunc(v, func(r rune) bool {
				return r < 0x20 && r != '\t' || r == 0x7f
			})
			if i >= 0 {
				return fail(fmt.Errorf("the %s header contains the control character %s",
					name, escapeControls(v[i:i+1])))
			}
		}
	}
	return nil
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
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		msg += " (the key comes from --api-key or HELIOGRAPH_API_KEY)"
	case http.StatusForbidden:
		msg += " (the key's scope does not allow this route; keys have scope read, write or " +
			"all)"
	}
	return &statusError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode,
		Message: msg}
}
