package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/backstory-dev/backstory/internal/demo"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/httpapi"
	"github.com/backstory-dev/backstory/internal/store"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// architectKey may sign in to the UI; it is added by newUIEnv.
const architectKey = "bsk_test_architect_key"

// newUIEnv starts a server with the demo fruit shop loaded (a few hundred
// people over the 30 days before the server's clock) and an architect
// key besides the harness's admin and standard keys.
func newUIEnv(t *testing.T, people int) *env {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	err := e.db.CreateKey(ctx, event.APIKey{ID: httpapi.KeyID(architectKey), OrgID: testOrg,
		Role: event.RoleArchitect, Name: "architect for tests", Hash: httpapi.HashKey(architectKey),
		LastFour: "_key", Created: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}

	var persons []event.Person
	var devices []store.Device
	err = demo.Generate(demo.Options{Seed: 7, People: people, Now: e.clock.Now(), Org: testOrg},
		func(p event.Person, devs []demo.DeviceOf) error {
			persons = append(persons, p)
			for _, d := range devs {
				devices = append(devices, store.Device{OrgID: testOrg, UserID: d.UserID,
					Key: d.DeviceKey, IndvID: p.IndvID})
			}
			return nil
		},
		func(recs []event.Record) error {
			_, err := e.db.AppendEvents(ctx, testOrg, recs)
			return err
		})
	if err == nil {
		err = e.db.SavePeople(ctx, persons)
	}
	if err == nil {
		err = e.db.SaveDevices(ctx, devices)
	}
	if err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	for i, s := range demo.Segments() {
		err := e.db.SaveSegment(ctx, event.Segment{ID: fmt.Sprintf("demo-%d", i+1),
			OrgID: testOrg, Name: s.Name, Creator: "demo", Definition: s.Definition,
			Created: e.clock.Now(), Updated: e.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// browser is one headless Chromium tab on the test server.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	console *consoleLog
}

// consoleLog keeps the exceptions and CSP violations a page reported.
type consoleLog struct {
	mu       sync.Mutex
	problems []string
}

// in is the browser for a subtest, so that failures stop the subtest.
func (b *browser) in(t *testing.T) *browser {
	c := *b
	c.t = t
	return &c
}

// newBrowser starts a fresh headless Chromium with its own profile. It
// skips the test when Chromium is not installed.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("this browser test needs Chromium at %s; install it with "+
			"`apt-get install chromium` to run it", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: base, console: &consoleLog{}}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			bad := m.IsException() || m.Type == chromedp.ConsoleError && m.Source == "security"
			if bad {
				b.console.mu.Lock()
				b.console.problems = append(b.console.problems, m.String())
				b.console.mu.Unlock()
			}
		}
	}()
	t.Cleanup(b.checkConsole)
	return b
}

// checkConsole fails the test on an uncaught exception or a blocked
// resource: the pages must run cleanly under their own CSP.
func (b *browser) checkConsole() {
	b.console.mu.Lock()
	defer b.console.mu.Unlock()
	for _, p := range b.console.problems {
		b.t.Errorf("browser console: %s", p)
	}
}

// run runs actions with a time limit, failing the test with what the
// page showed on error.
func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v\npage: %s", err, b.pageText())
	}
}

// open navigates to a path of the server.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base + path))
}

// eval evaluates JavaScript and decodes its result into out.
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v\npage: %s", expr, err, b.pageText())
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("evaluate %s: decode %s: %v", expr, raw, err)
		}
	}
}

// wait polls a JavaScript condition until it holds. An evaluation that
// fails because the page is navigating counts as not yet.
func (b *browser) wait(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s: timed out (last error: %v)\npage: %s", what, last, b.pageText())
}

// text is an element's visible text.
func (b *browser) text(css string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`document.querySelector(%q)?.innerText ?? ""`, css), &s)
	return strings.TrimSpace(s)
}

// choose picks an option of a select as a person would, so that the
// page's change handler runs.
func (b *browser) choose(css, value string) {
	b.t.Helper()
	var ok bool
	b.eval(fmt.Sprintf(`(() => { const s = document.querySelector(%q); if (!s) return false;
		s.focus(); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true}));
		return s.value === %q; })()`, css, value, value), &ok)
	if !ok {
		b.t.Fatalf("choose %q in %s: no such option\npage: %s", value, css, b.pageText())
	}
}

// pageText is the page's text, for failure messages.
func (b *browser) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`location.href + "\n" + (document.body?.innerText ?? "").slice(0, 3000)`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

// screenshotDir is ./screenshots at the repository root, git-ignored.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	out := filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}
