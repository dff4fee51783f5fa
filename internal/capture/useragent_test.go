package capture

import (
	"fmt"
	"strings"
	"testing"
)

// TestUserAgentCache checks that a remembered answer is the parser's
// own, and that the cache starts over instead of growing past its size.
func TestUserAgentCache(t *testing.T) {
	const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
		"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	var u uaParser
	fresh := u.parseNew(chrome)
	if fresh.Browser != "Chrome" || fresh.Device != "Desktop" {
		t.Fatalf("parse = %+v, want Chrome on a desktop", fresh)
	}
	for range 2 {
		if got := u.parse(chrome); got != fresh {
			t.Fatalf("parse = %+v, want %+v", got, fresh)
		}
	}
	for i := range uaCacheSize + 10 {
		u.parse(fmt.Sprintf("agent/%d", i))
	}
	if n := len(u.seen); n > uaCacheSize {
		t.Fatalf("cache holds %d agents, want at most %d", n, uaCacheSize)
	}
	if got := u.parse(chrome); got != fresh {
		t.Fatalf("after the cache started over: parse = %+v, want %+v", got, fresh)
	}

	long := chrome + strings.Repeat(" x", uaCacheMaxLen)
	u.seen = nil
	if got := u.parse(long); got.Browser != "Chrome" {
		t.Fatalf("long agent parsed as %+v, want Chrome", got)
	}
	if _, ok := u.seen[long]; ok {
		t.Fatalf("an agent of %d bytes was remembered; the limit is %d", len(long), uaCacheMaxLen)
	}
}
