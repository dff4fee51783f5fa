package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// DownloadParams says which file to fetch and where to put it.
type DownloadParams struct {
	// Location is the signed URL from ExportResults. It gets no API key.
	Location string

	// ExportID, when set, lets a download whose location has expired
	// (a 403) mint a fresh one and go on from where it stopped.
	ExportID string

	// Dst receives the bytes at their offsets in the file, so a resumed
	// try writes where the broken one stopped. When it also has a
	// Truncate method (as *os.File does), it is cut to the final size.
	Dst io.WriterAt

	// OnProgress, when set, is called as bytes arrive with the bytes
	// written so far and the file's size, or -1 while that is unknown.
	OnProgress func(done, total int64)
}

// DownloadInfo describes a finished download.
type DownloadInfo struct {
	Size        int64
	Filename    string // from Content-Disposition, a base name; may be ""
	ContentType string
}

// errStalled ends a download try that stopped receiving bytes.
var errStalled = errors.New("download stalled")

// maxRemints bounds fresh locations minted in a row without progress, so
// a location refused for a reason other than age fails instead of looping.
const maxRemints = 2

// Download fetches the file at p.Location into p.Dst. It keeps the bytes
// exactly as served (compressed) and, when a connection breaks, resumes
// with a Range request from the last byte written.
func (c *Client) Download(ctx context.Context, p DownloadParams) (DownloadInfo, error) {
	if p.Dst == nil {
		return DownloadInfo{}, errors.New("download: no destination")
	}
	d := &download{c: c, p: p, location: p.Location, total: -1}
	failures, remints := 0, 0
	for {
		before := d.done
		err := d.fetch(ctx)
		if err == nil {
			return d.finish()
		}
		if ctx.Err() != nil {
			return DownloadInfo{}, ctx.Err()
		}
		if d.done > before {
			failures, remints = 0, 0
		}

		if isExpired(err) && p.ExportID != "" && remints < maxRemints {
			remints++
			loc, _, rerr := c.ExportResults(ctx, p.ExportID)
			if rerr != nil {
				return DownloadInfo{}, fmt.Errorf("download: %w", rerr)
			}
			d.location = loc
			continue
		}

		failures++
		wait := retryWait(err)
		if wait < 0 || failures >= c.maxTries() {
			return DownloadInfo{}, fmt.Errorf("download: %w", err)
		}
		if wait == 0 {
			wait = backoff(failures)
		}
		c.logger().WarnContext(ctx, "resuming download",
			"bytes", d.done, "try", failures, "wait", wait.String(),
			"error", err.Error())
		if err := c.sleep(ctx, wait); err != nil {
			return DownloadInfo{}, err
		}
	}
}

// download is the state of one Download across its tries.
type download struct {
	c        *Client
	p        DownloadParams
	location string
	done     int64 // bytes written to Dst, all from offset 0
	total    int64 // the file's size, -1 while unknown
	etag     string
	info     DownloadInfo
}

// fetch makes one try, starting at d.done.
func (d *download) fetch(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.location, nil)
	if err != nil {
		return permanent{fmt.Errorf("make request: %w", redact(err))}
	}
	if d.done > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(d.done, 10)+"-")
		if d.etag != "" && !strings.HasPrefix(d.etag, "W/") {
			// Should the file differ from the one begun, send all of it.
			req.Header.Set("If-Range", d.etag)
		}
	}

	resp, err := d.c.httpClient().Do(req)
	if err != nil {
		return redact(err)
	}
	defer resp.Body.Close()
	if err := d.start(resp); err != nil {
		return err
	}
	if resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		return nil // start saw that every byte is here already
	}

	// A watchdog ends a try that goes quiet, so it resumes on a fresh
	// connection rather than waiting on a dead one.
	stall := d.c.stallTimeout()
	dog := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer dog.Stop()

	buf := make([]byte, 64<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		dog.Reset(stall)
		if n > 0 {
			if _, err := d.p.Dst.WriteAt(buf[:n], d.done); err != nil {
				return permanent{fmt.Errorf("write: %w", err)}
			}
			d.done += int64(n)
			d.progress()
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if errors.Is(context.Cause(ctx), errStalled) {
				return errStalled
			}
			return redact(rerr)
		}
	}

	if d.total >= 0 && d.done != d.total {
		return fmt.Errorf("got %d of %d bytes: %w",
			d.done, d.total, io.ErrUnexpectedEOF)
	}
	return nil
}

// start checks the answer's status and headers before its body is read.
func (d *download) start(resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusOK:
		// The whole file: a first try, or a server that ignored Range.
		d.done = 0
		d.total = resp.ContentLength
		d.etag = resp.Header.Get("ETag")
		d.info.Filename = dispositionName(resp.Header.Get("Content-Disposition"))
		d.info.ContentType = resp.Header.Get("Content-Type")
		d.progress()
	case http.StatusPartialContent:
		first, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil {
			return permanent{err}
		}
		if first != d.done {
			return permanent{fmt.Errorf(
				"asked for bytes from %d, got bytes from %d", d.done, first)}
		}
		if total >= 0 {
			d.total = total
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if d.total >= 0 && d.done == d.total {
			return nil
		}
		return permanent{fmt.Errorf("server refused to resume at byte %d", d.done)}
	default:
		return readAPIError(resp)
	}

	if resp.Uncompressed {
		return permanent{errors.New("the HTTP transport inflated the file; " +
			"use one with DisableCompression set")}
	}
	return nil
}

func (d *download) progress() {
	if d.p.OnProgress != nil {
		d.p.OnProgress(d.done, d.total)
	}
}

// finish trims Dst to the final size and reports the download.
func (d *download) finish() (DownloadInfo, error) {
	if t, ok := d.p.Dst.(interface{ Truncate(int64) error }); ok {
		if err := t.Truncate(d.done); err != nil {
			return DownloadInfo{}, fmt.Errorf("download: truncate: %w", err)
		}
	}
	d.info.Size = d.done
	return d.info, nil
}

// isExpired reports whether err is the 403 of a location whose signature
// has run out.
func isExpired(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden
}

// parseContentRange reads "bytes first-last/total"; total is -1 for "*".
func parseContentRange(h string) (first, total int64, err error) {
	bad := fmt.Errorf("bad Content-Range %q", h)
	spec, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, 0, bad
	}
	rng, size, ok := strings.Cut(spec, "/")
	if !ok {
		return 0, 0, bad
	}
	firstStr, _, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, bad
	}
	if first, err = strconv.ParseInt(firstStr, 10, 64); err != nil {
		return 0, 0, bad
	}
	if size == "*" {
		return first, -1, nil
	}
	if total, err = strconv.ParseInt(size, 10, 64); err != nil {
		return 0, 0, bad
	}
	return first, total, nil
}

// dispositionName is the file name a Content-Disposition header offers,
// reduced to a base name so that it cannot point outside the folder.
func dispositionName(h string) string {
	_, params, err := mime.ParseMediaType(h)
	if err != nil {
		return ""
	}
	name := path.Base(strings.ReplaceAll(params["filename"], `\`, "/"))
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}

// redact drops the query from the URL inside err: a signed location's
// signature is a credential while it lasts, and errors get printed.
func redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	if u, perr := url.Parse(ue.URL); perr == nil && u.RawQuery != "" {
		u.RawQuery = ""
		ue.URL = u.String() + "?..."
	}
	return err
}

func (c *Client) stallTimeout() time.Duration {
	if c.StallTimeout > 0 {
		return c.StallTimeout
	}
	return time.Minute
}
