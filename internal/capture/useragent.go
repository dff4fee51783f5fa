package capture

import (
	"strings"
	"sync"

	"github.com/medama-io/go-useragent"
)

// uaParser parses user agents with a maintained library, built once.
type uaParser struct {
	once sync.Once
	p    *useragent.Parser
}

// agent is what a user agent says about the browser and device.
type agent struct {
	Browser, Version, OS, Device string
	Bot                          bool
}

func (u *uaParser) parse(s string) agent {
	if s == "" {
		return agent{}
	}
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
