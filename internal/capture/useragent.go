package capture

import (
	"strings"
	"sync"

	"github.com/medama-io/go-useragent"
)

// uaParser parses user agents with a maintained library, built once,
// and remembers the answers: a site's traffic repeats a few thousand
// user agents, and parsing one cost more than storing its event.
type uaParser struct {
	once sync.Once
	p    *useragent.Parser

	mu   sync.Mutex
	seen map[string]agent
}

// uaCacheSize bounds the remembered user agents; the cache starts over
// when it fills. Only agents up to uaCacheMaxLen bytes are remembered
// (real ones are a few hundred), so the cache stays small whatever a
// client sends.
const (
	uaCacheSize   = 4096
	uaCacheMaxLen = 512
)

// agent is what a user agent says about the browser and device.
type agent struct {
	Browser, Version, OS, Device string
	Bot                          bool
}

func (u *uaParser) parse(s string) agent {
	if s == "" {
		return agent{}
	}
	u.mu.Lock()
	a, ok := u.seen[s]
	u.mu.Unlock()
	if ok {
		return a
	}
	a = u.parseNew(s)
	if len(s) > uaCacheMaxLen {
		return a
	}
	u.mu.Lock()
	if len(u.seen) >= uaCacheSize || u.seen == nil {
		u.seen = make(map[string]agent, uaCacheSize)
	}
	u.seen[strings.Clone(s)] = a
	u.mu.Unlock()
	return a
}

func (u *uaParser) parseNew(s string) agent {
	u.once.Do(func() { u.p = useragent.NewParser() })
	ua := u.p.Parse(s)
	a := agent{
		Browser: string(ua.Browser()),
		Version: ua.BrowserVersion(),
		OS:      string(ua.OS()),
		Bot:     ua.IsBot() || strings.Contains(s, "HeadlessChrome"),
	}
	switch {
	case ua.IsMobile():
		a.Device = "Mobile"
	case ua.IsTablet():
		a.Device = "Tablet"
	case ua.IsDesktop():
		a.Device = "Desktop"
	}
	return a
}
