package httpapi

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
)

// RecLimiter rate-limits the browser endpoint per client IP.
type RecLimiter struct {
	mu    sync.Mutex
	per   map[string]*rate.Limiter
	reset time.Time
	// Rate and Burst are events per second and burst per IP.
	Rate  rate.Limit
	Burst int
}

func (l *RecLimiter) allow(ip string, now time.Time) bool {
	if l == nil || l.Rate == 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget idle clients now and then so the map stays small.
	if l.per == nil || now.After(l.reset) {
		l.per, l.reset = map[string]*rate.Limiter{}, now.Add(10*time.Minute)
	}
	lim := l.per[ip]
	if lim == nil {
		lim = rate.NewLimiter(l.Rate, l.Burst)
		l.per[ip] = lim
	}
	return lim.AllowN(now, 1)
}

// recEvents is the recorder's endpoint. It needs only the org's public
// id, answers CORS for any site, rejects bad input with a cheap 4xx, and
// answers a storage problem with 503 and Retry-After (never a 500), so
// the recorder keeps the batch and sends it again.
func (s *Server) recEvents(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	if !s.RecLimit.allow(ip, s.now()) {
		h.Set("Retry-After", "1")
		writeError(w, event.Errorf(event.CodeRateLimited, "too many batches from this address; retry later"))
		return
	}
	body, err := readBody(w, r, capture.MaxRecBodySize)
	if err != nil {
		writeError(w, err)
		return
	}
	var b capture.RecBatch
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&b); err != nil {
		writeError(w, jsonError(err))
		return
	}
	if err := b.Validate(); err != nil {
		writeError(w, err)
		return
	}
	if !s.knownOrg(r, event.OrgID(b.Org)) {
		writeError(w, event.NotFound("org %q is not known to this server; check the snippet's org id", b.Org))
		return
	}
	if b.UserAgent == "" {
		b.UserAgent = r.UserAgent()
	}
	// TODO(proxy): behind a load balancer this is the balancer's address;
	// trusting X-Forwarded-For needs a setting naming the trusted proxies.
	b.IP, _ = netip.ParseAddr(ip)
	n, err := s.Capture.Record(r.Context(), event.OrgID(b.Org), b)
	if err != nil {
		if code := event.ErrorCode(err); code != event.CodeInternal {
			writeError(w, err)
			return
		}
		s.Log.ErrorContext(r.Context(), "store browser batch", "err", err)
		h.Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"message": "the server could not store this batch now; send it again",
			"code":    string(event.CodeUnavailable)})
		return
	}
	EventsIngested.WithLabelValues("browser").Add(float64(n))
	writeJSON(w, http.StatusOK, map[string]int{"stored": n, "received": len(b.Events)})
}

// knownOrg reports whether org exists.
func (s *Server) knownOrg(r *http.Request, org event.OrgID) bool {
	orgs, err := s.Meta.Orgs(r.Context())
	if err != nil {
		return false
	}
	for _, o := range orgs {
		if o == org {
			return true
		}
	}
	return false
}
