package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/backstory-dev/backstory/internal/client"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// defaultServer is where the client commands look for `backstory serve`.
const defaultServer = "http://127.0.0.1:8080"

// addServerFlag adds --server, defaulting to $BACKSTORY_SERVER.
func addServerFlag(cmd *cobra.Command, server *string) {
	cmd.Flags().StringVar(server, "server",
		envOr("BACKSTORY_SERVER", defaultServer),
		"base URL of the Backstory server (env BACKSTORY_SERVER)")
}

// retrySleep, when set, replaces the client's waits between tries, so
// tests of the commands need not wait out real backoff.
var retrySleep func(time.Duration)

// newAPIClient makes a client of server with the key from the
// environment. Retries are reported on the command's stderr, each on a
// line of its own when progress bars are drawn there.
func newAPIClient(cmd *cobra.Command, server string, bars bool) (*client.Client, error) {
	key, err := requireKey()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q is not an http:// or https:// URL", server)
	}

	w := cmd.ErrOrStderr()
	if bars {
		w = lineBreaker{w}
	}
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // a person watching needs no clock
			}
			return a
		},
	}))
	return &client.Client{BaseURL: server, Key: key, Logger: logger,
		Sleep: retrySleep}, nil
}

// explain turns the errors people meet most often into advice. Others
// pass through with the server's own message.
func explain(server string, err error) error {
	if errors.Is(err, context.Canceled) {
		return exitError{code: 130, err: errors.New("interrupted")}
	}

	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case http.StatusUnauthorized:
			return fmt.Errorf("%s refused the API key: %s; "+
				"check BACKSTORY_API_KEY", server, apiErr.Message)
		case http.StatusForbidden:
			return fmt.Errorf("the API key may not do this: %s",
				apiErr.Message)
		}
		return err
	}

	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) && opErr.Op == "dial" || errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot reach %s: is `backstory serve` running?", server)
	}
	return err
}

// showBars reports whether progress bars belong on w: a terminal, and
// the person did not ask for quiet.
func showBars(w io.Writer, quiet bool) bool {
	f, ok := w.(*os.File)
	return !quiet && ok && term.IsTerminal(int(f.Fd()))
}

// lineBreaker starts each write on a new line, below a progress bar.
type lineBreaker struct{ w io.Writer }

func (l lineBreaker) Write(p []byte) (int, error) {
	if _, err := l.w.Write(append([]byte{'\n'}, p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// barOptions are the settings every progress bar shares.
func barOptions(w io.Writer, show bool, desc string) []progressbar.Option {
	return []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(show),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
	}
}

// newBytesBar is a bar counting bytes toward total, or a spinner while
// total is -1.
func newBytesBar(w io.Writer, show bool, desc string, total int64) *progressbar.ProgressBar {
	opts := append(barOptions(w, show, desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetRenderBlankState(true))
	return progressbar.NewOptions64(total, opts...)
}
