package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/backstory-dev/backstory/internal/segment"
	"github.com/backstory-dev/backstory/internal/store"
)

// previewCase is a representative segment with the SQL a person would
// write by hand to count its members ($1 is the org).
type previewCase struct {
	Name       string
	Definition string
	Hand       string
}

// previewCases are the five segments the issue names, over all time.
var previewCases = []previewCase{
	{
		Name: "user filter",
		Definition: `{"timeRange": {"all": true}, "criteria": [
  {"user": {"field": "email", "op": "ends_with", "value": "@example.org"}}]}`,
		Hand: `SELECT count(*) FROM people p
WHERE p.org_id = $1 AND ends_with(p.email, '@example.org')
  AND p.indv_id IN (SELECT indv_id FROM events WHERE org_id = $1)`,
	},
	{
		Name: "event count",
		Definition: `{"timeRange": {"all": true}, "criteria": [
  {"did": {"type": "custom",
           "where": [{"field": "name", "op": "eq", "value": "Product Added"}]},
   "count": {"op": "gte", "value": 3}}]}`,
		Hand: `SELECT count(*) FROM (
  SELECT indv_id FROM events
  WHERE org_id = $1 AND event_type = 'custom'
    AND custom_name = 'Product Added' AND indv_id IS NOT NULL
  GROUP BY indv_id HAVING count(*) >= 3)`,
	},
	{
		Name: "did not",
		Definition: `{"timeRange": {"all": true}, "criteria": [
  {"did": {"type": "custom",
           "where": [{"field": "name", "op": "eq", "value": "Product Added"}]}},
  {"didNot": {"type": "custom",
              "where": [{"field": "name", "op": "eq", "value": "Order Completed"}]}}]}`,
		Hand: `SELECT count(*) FROM (
  SELECT indv_id FROM events
  WHERE org_id = $1 AND indv_id IS NOT NULL
  GROUP BY indv_id
  HAVING count(*) FILTER (WHERE event_type = 'custom'
                            AND custom_name = 'Product Added') > 0
     AND count(*) FILTER (WHERE event_type = 'custom'
                            AND custom_name = 'Order Completed') = 0)`,
	},
	{
		Name: "sequence in session",
		Definition: `{"timeRange": {"all": true}, "criteria": [
  {"sequence": [
     {"type": "navigate",
      "where": [{"field": "path", "op": "starts_with", "value": "/product/"}]},
     {"type": "custom",
      "where": [{"field": "name", "op": "eq", "value": "Product Added"}]},
     {"type": "custom",
      "where": [{"field": "name", "op": "eq", "value": "Checkout Started"}]}],
   "sameSession": true}]}`,
		// Each session's matching events spelled as letters in time
		// order; the sequence holds when a, b, c appear in that order.
		Hand: `SELECT count(DISTINCT indv_id) FROM (
  SELECT indv_id, string_agg(
      CASE WHEN event_type = 'navigate' THEN 'a'
           WHEN custom_name = 'Product Added' THEN 'b' ELSE 'c' END,
      '' ORDER BY event_start, event_id) AS steps
  FROM events
  WHERE org_id = $1 AND indv_id IS NOT NULL AND session_id IS NOT NULL
    AND (event_type = 'navigate'
         AND starts_with(page_url, 'https://shop.backstory.test/product/')
      OR event_type = 'custom'
         AND custom_name IN ('Product Added', 'Checkout Started'))
  GROUP BY indv_id, session_id)
WHERE steps LIKE '%a%b%c%'`,
	},
	{
		Name: "nested any/all",
		Definition: `{"timeRange": {"all": true}, "match": "any", "criteria": [
  {"match": "all", "criteria": [
     {"user": {"field": "device", "op": "eq", "value": "Mobile"}},
     {"did": {"type": "click",
              "where": [{"field": "rage", "op": "eq", "value": true}]}}]},
  {"match": "all", "criteria": [
     {"user": {"field": "user_plan_str", "op": "eq", "value": "team"}},
     {"did": {"type": "custom",
              "where": [{"field": "name", "op": "eq",
                         "value": "Order Completed"}]}}]}]}`,
		Hand: `SELECT count(*) FROM (
  SELECT indv_id FROM events
  WHERE org_id = $1 AND indv_id IS NOT NULL
  GROUP BY indv_id
  HAVING bool_or(device = 'Mobile')
         AND bool_or(event_type = 'click' AND mod_frustrated = 1)
      OR bool_or(event_type = 'custom' AND custom_name = 'Order Completed')
         AND indv_id IN (SELECT indv_id FROM people
                         WHERE org_id = $1
                           AND json_extract_string(props, '$.plan_str') = 'team'))`,
	},
}

// PreviewResult is the latency of one segment's preview.
type PreviewResult struct {
	Segment string `json:"segment"`
	// People is the members the preview counted; Events their events.
	People int64 `json:"people"`
	Events int64 `json:"events"`
	// HTTPMs is POST /segments/v1/preview: compile, the store's
	// Preview (members, sessions, events, per day) and, for more than
	// one criterion, the funnel's counts.
	HTTPMs float64 `json:"httpMs"`
	// StoreMs is segment.Compile and the store's Preview, called
	// directly: the preview's queries without HTTP and the funnel.
	StoreMs float64 `json:"storeMs"`
	// CompiledMs is segment.Compile and the store's CountPeople: the
	// compiled members query alone.
	CompiledMs float64 `json:"compiledMs"`
	// HandMs is the hand-written count of the same members.
	HandMs float64 `json:"handMs"`
	// HandPeople is what the hand-written SQL counted; it must equal
	// People.
	HandPeople int64 `json:"handPeople"`
	// The 95th percentiles of the same three times, by nearest rank.
	HTTPP95Ms     float64 `json:"httpP95Ms"`
	CompiledP95Ms float64 `json:"compiledP95Ms"`
	HandP95Ms     float64 `json:"handP95Ms"`
}

// measurePreview times each segment three ways, runs times, after one
// untimed round that warms DuckDB's buffers.
func measurePreview(ctx context.Context, srv *server, cfg Config) ([]PreviewResult, error) {
	out := make([]PreviewResult, len(previewCases))
	times := make([][4][]float64, len(previewCases))
	for run := -1; run < cfg.Runs; run++ {
		for i, pc := range previewCases {
			var err error
			var http, comp, hand, direct time.Duration
			stop, perr := startProfile(profileName(cfg, run, "preview-"+pc.Name))
			if perr != nil {
				return nil, perr
			}
			phase := "HTTP preview"
			if http, err = srv.previewHTTP(ctx, pc, &out[i]); err == nil {
				phase = "compiled count"
				if comp, err = srv.previewCompiled(ctx, pc, &out[i]); err == nil {
					phase = "hand-written SQL"
					if hand, err = srv.previewHand(ctx, pc, &out[i]); err == nil {
						phase = "store Preview"
						direct, err = srv.previewStore(ctx, pc)
					}
				}
			}
			stop()
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", pc.Name, phase, err)
			}
			if run >= 0 {
				times[i][0] = append(times[i][0], ms(http))
				times[i][1] = append(times[i][1], ms(comp))
				times[i][2] = append(times[i][2], ms(hand))
				times[i][3] = append(times[i][3], ms(direct))
			}
		}
		if run >= 0 {
			progress(cfg, "preview", "run", run+1)
		}
	}
	for i, pc := range previewCases {
		out[i].Segment = pc.Name
		out[i].HTTPMs = median(times[i][0])
		out[i].CompiledMs = median(times[i][1])
		out[i].HandMs = median(times[i][2])
		out[i].StoreMs = median(times[i][3])
		out[i].HTTPP95Ms = p95(times[i][0])
		out[i].CompiledP95Ms = p95(times[i][1])
		out[i].HandP95Ms = p95(times[i][2])
	}
	return out, nil
}

func (s *server) previewHTTP(ctx context.Context, pc previewCase,
	res *PreviewResult) (time.Duration, error) {
	body := map[string]json.RawMessage{"definition": json.RawMessage(pc.Definition)}
	var ans struct{ People, Events int64 }
	start := time.Now()
	err := s.call(ctx, s.adminKey, "POST", "/segments/v1/preview", body, &ans)
	took := time.Since(start)
	res.People, res.Events = ans.People, ans.Events
	return took, err
}

func (s *server) previewCompiled(ctx context.Context, pc previewCase,
	res *PreviewResult) (time.Duration, error) {
	start := time.Now()
	def, err := segment.Parse([]byte(pc.Definition))
	if err != nil {
		return 0, err
	}
	c, err := segment.Compile(def, segment.CompileOptions{Org: dataOrg, Now: dataEnd})
	if err != nil {
		return 0, err
	}
	n, err := s.db.CountPeople(ctx, string(dataOrg), c.People)
	took := time.Since(start)
	if err == nil && n != res.People {
		err = fmt.Errorf("compiled query counted %d people, the preview %d", n, res.People)
	}
	return took, err
}

func (s *server) previewStore(ctx context.Context, pc previewCase) (time.Duration, error) {
	start := time.Now()
	def, err := segment.Parse([]byte(pc.Definition))
	if err != nil {
		return 0, err
	}
	c, err := segment.Compile(def, segment.CompileOptions{Org: dataOrg, Now: dataEnd})
	if err != nil {
		return 0, err
	}
	_, err = s.db.Preview(ctx, store.PreviewQuery{Org: dataOrg, People: c.People,
		Start: c.Start, End: c.End, Location: c.Location, Funnel: c.Funnel})
	return time.Since(start), err
}

func (s *server) previewHand(ctx context.Context, pc previewCase,
	res *PreviewResult) (time.Duration, error) {
	start := time.Now()
	err := s.db.SQL().QueryRowContext(ctx, pc.Hand, string(dataOrg)).Scan(&res.HandPeople)
	return time.Since(start), err
}
