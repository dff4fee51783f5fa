package httpapi

import (
	"net/http"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstory_http_requests_total",
		Help: "HTTP requests answered, by status code.",
	}, []string{"status"})
	requestSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "backstory_http_request_seconds",
		Help:    "Time to answer HTTP requests.",
		Buckets: prometheus.DefBuckets,
	})
	// EventsIngested counts events stored, by the path they came in by.
	EventsIngested = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstory_events_ingested_total",
		Help: "Events stored (duplicates excluded), by source.",
	}, []string{"source"})
	registry = prometheus.NewRegistry()
)

func init() {
	registry.MustRegister(requestsTotal, requestSeconds, EventsIngested,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.Events.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"message": "the event store does not answer", "code": string(event.CodeUnavailable)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	promhttp.HandlerFor(registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"orgId": string(c.Org), "role": string(c.Role)})
}
