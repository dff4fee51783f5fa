// Package browsertest runs Debian's Chromium headless for tests that need
// a real browser, and records what its pages say on their console.
package browsertest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is where Debian's chromium package installs the browser.
const Path = "/usr/bin/chromium"

// New starts a fresh Chromium with its own profile and returns the
// browser's context; open tabs in it with Tab. The browser stops when the
// test ends. New skips the test when Chromium is not installed:
// `apt-get install chromium` makes it run.
func New(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(Path); err != nil {
		t.Skipf("browser test needs Chromium at %s (apt-get install chromium): %v", Path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1200, 900),
	)
	base, cancelBase := context.WithTimeout(context.Background(), 4*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelBase()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Tab opens a new tab in the browser of ctx, with its console recorded.
// Close it with chromedp.Cancel to run the page's unload handlers.
func Tab(t testing.TB, browser context.Context) (context.Context, *Console) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	c := &Console{}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			c.add(m)
		}
	}()
	return ctx, c
}

// Console is what a tab reported: calls of the console API, uncaught
// exceptions and rejections, and the browser's own log entries (such as a
// request that failed).
type Console struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (c *Console) add(m chromedp.ConsoleMessage) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

// Messages returns everything recorded so far.
func (c *Console) Messages() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), c.msgs...)
}

// Do runs chromedp actions and fails the test on error, naming the step.
func Do(t testing.TB, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// Eval evaluates a JavaScript expression in the tab and returns its value.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// WaitFor checks cond every 25 ms until it holds or the timeout passes,
// and reports whether it held. The browser's work gives a Go test no
// signal to wait on, so a bounded poll is the honest way to wait for it.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Clicks clicks the centre of the first element matching the CSS
// selector n times in a row with the mouse, as a person would.
func Clicks(sel string, n int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		nodes, err := chromedp.Nodes(chromedp.CSS(sel), chromedp.NodeVisible)(ctx, t)
		if err != nil {
			return err
		}
		for range n {
			if _, err := chromedp.MouseClickNode(nodes[0])(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
}
