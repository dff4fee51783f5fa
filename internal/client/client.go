// Package client calls the export and import API that Backstory shares
// with the hosted product it replaces, so the same code drives either.
//
// Calls retry what is worth retrying: a 429 waits for its Retry-After,
// a 5xx or a broken connection backs off exponentially with jitter. Any
// other 4xx fails at once with an *APIError carrying the server's words.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Default settings used when the matching Client field is zero.
const (
	DefaultMaxTries       = 5
	DefaultRequestTimeout = time.Minute
	defaultBaseDelay      = 500 * time.Millisecond
	maxDelay              = 30 * time.Second
)

// Client calls one server with one key. The zero value of every field
// but BaseURL and Key is usable; set fields before the first call and do
// not change them while calls run.
type Client struct {
	// BaseURL is the server's root, such as http://127.0.0.1:8080.
	BaseURL string

	// Key is the API key, sent raw as `Authorization: Basic <key>`. It is
	// never logged and never sent to a download location.
	Key string

	// HTTP sends the requests. Nil means a client whose transport has
	// DisableCompression set, so a download keeps the server's compressed
	// bytes; a caller's own client should do the same.
	HTTP *http.Client

	// Sleep waits between tries and polls. Nil means a timer that stops
	// early when the call's context ends. Tests inject one that records.
	Sleep func(time.Duration)

	// Logger receives a warning per retry. Nil discards.
	Logger *slog.Logger

	// MaxTries bounds the tries of one call; 0 means DefaultMaxTries.
	MaxTries int

	// RequestTimeout bounds one try of a small API call (not uploads or
	// downloads); 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// StallTimeout ends a download try that receives nothing for this
	// long, so it resumes on a fresh connection; 0 means one minute.
	StallTimeout time.Duration
}

// APIError is an answer of 4xx or 5xx, with the server's explanation.
type APIError struct {
	Status  int    // HTTP status
	Code    string // snake_case code such as invalid_argument; may be empty
	Message string // the server's message, or the status text

	retryAfter time.Duration // a 429's Retry-After; 0 when absent
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("server answered %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("server answered %d %s: %s",
		e.Status, e.Code, e.Message)
}

// call is one API request. Body, when set, makes a fresh body for each
// try; a nil Body with Method POST sends an empty body.
type call struct {
	Method      string
	Path        string
	Body        func() (io.Reader, error)
	ContentType string
	Size        int64 // body length, or -1 when unknown
	Header      http.Header
	NoTimeout   bool // uploads run as long as they need
	Single      bool // the body cannot be replayed: one try only
}

// jsonCall makes a call whose body is v encoded as JSON.
func jsonCall(method, path string, v any) (call, error) {
	c := call{Method: method, Path: path, Size: -1}
	if v == nil {
		return c, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return c, fmt.Errorf("encode %s body: %w", path, err)
	}
	c.Body = func() (io.Reader, error) { return bytes.NewReader(b), nil }
	c.ContentType = "application/json"
	c.Size = int64(len(b))
	return c, nil
}

// do sends the call, retrying as the package comment says, and decodes
// a 200 answer into out when out is not nil.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	tries := c.maxTries()
	if cl.Single {
		tries = 1
	}

	for try := 1; ; try++ {
		err := c.try(ctx, cl, out)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := retryWait(err)
		if wait < 0 || try >= tries {
			return err
		}
		if wait == 0 {
			wait = backoff(try)
		}

		c.logger().WarnContext(ctx, "retrying",
			"method", cl.Method, "path", cl.Path, "try", try,
			"wait", wait.String(), "error", err.Error())
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// try sends the call once.
func (c *Client) try(ctx context.Context, cl call, out any) error {
	if !cl.NoTimeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.requestTimeout())
		defer cancel()
	}

	req, err := c.newRequest(ctx, cl)
	if err != nil {
		return permanent{err}
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return readAPIError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	// A connection cut mid-answer is as transient as one cut earlier, so
	// a decode error is retried like any other network error.
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("read %s answer: %w", cl.Path, err)
	}
	return nil
}

// permanent marks an error that no retry can fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

func (c *Client) newRequest(ctx context.Context, cl call) (*http.Request, error) {
	var body io.Reader
	if cl.Body != nil {
		b, err := cl.Body()
		if err != nil {
			return nil, fmt.Errorf("prepare %s body: %w", cl.Path, err)
		}
		body = b
	}

	u := strings.TrimRight(c.BaseURL, "/") + cl.Path
	req, err := http.NewRequestWithContext(ctx, cl.Method, u, body)
	if err != nil {
		return nil, fmt.Errorf("make %s request: %w", cl.Path, err)
	}
	if body != nil && cl.Size >= 0 {
		req.ContentLength = cl.Size
	}
	for name, vals := range cl.Header {
		req.Header[name] = vals
	}
	if cl.ContentType != "" {
		req.Header.Set("Content-Type", cl.ContentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Basic "+c.Key)
	return req, nil
}

// readAPIError turns a non-200 answer into an *APIError, keeping the
// server's message when the body is the documented JSON error.
func readAPIError(resp *http.Response) *APIError {
	e := &APIError{Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))

	var body struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	}
	if json.Unmarshal(b, &body) == nil {
		e.Code, e.Message = body.Code, body.Message
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}

	if e.Status == http.StatusTooManyRequests {
		h := strings.TrimSpace(resp.Header.Get("Retry-After"))
		if s, err := strconv.Atoi(h); err == nil && s >= 0 {
			e.retryAfter = max(time.Duration(s)*time.Second, time.Millisecond)
		}
	}
	return e
}

// retryWait says how long to wait after err before trying again: the
// server's Retry-After for a 429 that has one, 0 (the usual backoff) for
// other 429s, 5xx answers and network errors, and -1 (never) otherwise.
func retryWait(err error) time.Duration {
	var apiErr *APIError
	var perm permanent
	switch {
	case errors.As(err, &perm):
		return -1
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusTooManyRequests:
		return apiErr.retryAfter
	case apiErr != nil && apiErr.Status >= 500:
		return 0
	case apiErr != nil:
		return -1
	case errors.Is(err, context.Canceled):
		return -1
	default:
		return 0
	}
}

// backoff is the wait after failed try number try (from 1): exponential,
// capped, and jittered between half and the whole so that many clients
// do not retry in step.
func backoff(try int) time.Duration {
	d := defaultBaseDelay << min(try-1, 10)
	d = min(d, maxDelay)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d, or until ctx ends.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		c.Sleep(d)
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return discard
}

func (c *Client) maxTries() int {
	if c.MaxTries > 0 {
		return c.MaxTries
	}
	return DefaultMaxTries
}

func (c *Client) requestTimeout() time.Duration {
	if c.RequestTimeout > 0 {
		return c.RequestTimeout
	}
	return DefaultRequestTimeout
}

var (
	defaultHTTP = newHTTPClient()
	discard     = slog.New(slog.DiscardHandler)
)

// newHTTPClient is the default client. Compression stays off: with it
// on, Go would ask for gzip and silently inflate a gzip-encoded answer,
// and an export file must arrive as the server stored it.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	return &http.Client{Transport: t}
}
