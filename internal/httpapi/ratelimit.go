package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/backstory-dev/backstory/internal/event"
)

// KeyLimiter rate-limits API calls per key, answering 429 with an
// integer Retry-After when a key goes over.
type KeyLimiter struct {
	// Rate is requests per second per key; Burst how many may come at
	// once. A zero Rate means no limit.
	Rate  rate.Limit
	Burst int

	mu  sync.Mutex
	per map[string]*rate.Limiter
}

func (l *KeyLimiter) limiter(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.per == nil {
		l.per = map[string]*rate.Limiter{}
	}
	lim := l.per[key]
	if lim == nil {
		lim = rate.NewLimiter(l.Rate, l.Burst)
		l.per[key] = lim
	}
	return lim
}

// retryAfter is how long until key may call again, or 0 when it may now.
func (l *KeyLimiter) retryAfter(key string, now time.Time) time.Duration {
	if l == nil || l.Rate == 0 {
		return 0
	}
	r := l.limiter(key).ReserveN(now, 1)
	if !r.OK() {
		return time.Second
	}
	d := r.DelayFrom(now)
	if d > 0 {
		r.CancelAt(now)
	}
	return d
}

// limitKeys applies the per-key limit after authentication.
func (s *Server) limitKeys(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := s.KeyLimit.retryAfter(callerOf(r.Context()).KeyID, s.now())
		if wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			writeError(w, event.Errorf(event.CodeRateLimited,
				"this key is over its rate limit; retry after %d s", max(secs, 1)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
