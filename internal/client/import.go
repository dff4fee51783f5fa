package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
)

// ImportResult is the server's account of one imported file.
type ImportResult struct {
	Imported       int64    `json:"imported"`
	Duplicates     int64    `json:"duplicates"`
	IgnoredColumns []string `json:"ignoredColumns"`
}

// Import uploads one file of events (a JSON array, NDJSON or CSV, gzipped
// or not; the server tells them apart) as the raw body of
// POST /import/v1/events. Size is the body's length, or -1 if unknown;
// name is the file's base name, sent in Content-Disposition for the
// server's messages. When r is also an io.Seeker the upload is retried
// from r's current offset like any other call; otherwise it is tried
// once. The server drops events it already has, so a retry after a lost
// answer stores nothing twice.
func (c *Client) Import(ctx context.Context, r io.Reader, size int64,
	name string) (ImportResult, error) {
	cl := call{
		Method:      http.MethodPost,
		Path:        "/import/v1/events",
		ContentType: "application/octet-stream",
		Size:        size,
		NoTimeout:   true,
		Header:      http.Header{"Idempotency-Key": {newIdempotencyKey()}},
	}
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if name != "" && cd != "" {
		cl.Header.Set("Content-Disposition", cd)
	}

	if seeker, ok := r.(io.ReadSeeker); ok {
		start, err := seeker.Seek(0, io.SeekCurrent)
		if err != nil {
			return ImportResult{}, fmt.Errorf("import %s: %w", name, err)
		}
		rp := &replay{r: seeker, start: start}
		cl.Body = rp.next
	} else {
		// The body hides r's Close, so the transport cannot close the
		// caller's file.
		cl.Single = true
		cl.Body = func() (io.Reader, error) { return struct{ io.Reader }{r}, nil }
	}

	var out ImportResult
	if err := c.do(ctx, cl, &out); err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", name, err)
	}
	return out, nil
}

// replay hands out one body per try, each reading r from start. The
// transport may go on reading a failed try's body from its own goroutine
// after the call returns, so starting a try detaches the previous body:
// two tries never read r at once, nor across a seek.
type replay struct {
	mu    sync.Mutex
	r     io.ReadSeeker
	start int64
	cur   *tryBody
}

var errDetached = errors.New("upload body replaced by a newer try")

func (p *replay) next() (io.Reader, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur != nil {
		p.cur.detached = true
	}
	if _, err := p.r.Seek(p.start, io.SeekStart); err != nil {
		return nil, err
	}
	p.cur = &tryBody{p: p}
	return p.cur, nil
}

// tryBody is the body of one try; its Close leaves the reader open.
type tryBody struct {
	p        *replay
	detached bool
}

func (b *tryBody) Read(buf []byte) (int, error) {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	if b.detached {
		return 0, errDetached
	}
	return b.p.r.Read(buf)
}

func (b *tryBody) Close() error {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	b.detached = true
	return nil
}
