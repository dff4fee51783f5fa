// Package export runs segment exports: it validates a request, keeps it as
// a durable operation, and has a worker stream the rows from the event
// store through an encoder and a compressor into a file that is published
// only once it is whole.
package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export/encode"
	"github.com/backstory-dev/backstory/internal/segment"
)

// Export types.
const (
	TypeEvent      = "TYPE_EVENT"
	TypeIndividual = "TYPE_INDIVIDUAL"
)

// Scopes of an event export.
const (
	ScopeEvent      = "SCOPE_EVENT"
	ScopePages      = "SCOPE_PAGES"
	ScopeSessions   = "SCOPE_SESSIONS"
	ScopeIndividual = "SCOPE_INDIVIDUAL"
)

// Request is a validated export request, as stored with its operation.
// Bounds are resolved to instants when the request is accepted, so a
// retried or resumed export writes the same rows.
type Request struct {
	SegmentID      string             `json:"segmentId"`
	Type           string             `json:"type"`
	Format         encode.Format      `json:"format"`
	Compression    encode.Compression `json:"compression"`
	Start          time.Time          `json:"start,omitzero"`
	End            time.Time          `json:"end,omitzero"`
	SegmentWindow  *segment.TimeRange `json:"segmentTimeRange,omitempty"`
	Timezone       string             `json:"timezone"`
	RenderTimezone string             `json:"renderTimezone,omitempty"`
	Fields         []string           `json:"fields,omitempty"`
	Scope          string             `json:"scope"`
	BOM            bool               `json:"bom,omitempty"`
	EscapeFormulas bool               `json:"escapeFormulas"`
	WebhookURL     string             `json:"webhookUrl,omitempty"`
	// Now is the clock reading relative segment windows are judged at.
	Now time.Time `json:"now"`
}

// normKey folds lowerCamel and snake_case spellings together.
func normKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(k, "_", ""))
}

// fieldsOf decodes a JSON object into a map keyed by normalised name.
func fieldsOf(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, event.Invalid("%s: want a JSON object", path)
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[normKey(k)] = v
	}
	return out, nil
}

func str(m map[string]json.RawMessage, key, path string) (string, error) {
	raw, ok := m[normKey(key)]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", event.Invalid("%s: want a string", path)
	}
	return s, nil
}

func boolean(m map[string]json.RawMessage, key, path string, def bool) (bool, error) {
	raw, ok := m[normKey(key)]
	if !ok || string(raw) == "null" {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return def, event.Invalid("%s: want true or false", path)
	}
	return b, nil
}

// ParseRequest reads the body of POST /segments/v1/exports. It checks
// everything that can be checked without the store; now is the server's
// clock.
func ParseRequest(body []byte, now time.Time) (Request, error) {
	var r Request
	if !json.Valid(body) {
		return r, event.Invalid("the body is not valid JSON")
	}
	m, err := fieldsOf(bytes.TrimSpace(body), "body")
	if err != nil {
		return r, err
	}
	r.Now = now.UTC()
	if r.SegmentID, err = str(m, "segmentId", "segmentId"); err != nil {
		return r, err
	}
	if r.SegmentID == "" {
		return r, event.Errorf(event.CodeRequired, "segmentId: required; "+
			"use a segment id or a built-in such as everyone")
	}
	if err := r.parseShape(m); err != nil {
		return r, err
	}
	if err := r.parseTimes(m); err != nil {
		return r, err
	}
	if err := r.parseOptions(m); err != nil {
		return r, err
	}
	return r, nil
}

func (r *Request) parseShape(m map[string]json.RawMessage) error {
	var err error
	if r.Type, err = str(m, "type", "type"); err != nil {
		return err
	}
	switch r.Type {
	case TypeEvent, TypeIndividual:
	case "":
		return event.Errorf(event.CodeRequired, "type: required; TYPE_EVENT or TYPE_INDIVIDUAL")
	default:
		return event.Invalid("type: %q is not TYPE_EVENT or TYPE_INDIVIDUAL", r.Type)
	}
	f, err := str(m, "format", "format")
	if err != nil {
		return err
	}
	r.Format = encode.Format(f)
	switch r.Format {
	case encode.FormatCSV, encode.FormatJSON, encode.FormatNDJSON, encode.FormatParquet:
	case "":
		return event.Errorf(event.CodeRequired, "format: required; "+
			"FORMAT_CSV, FORMAT_JSON, FORMAT_NDJSON or FORMAT_PARQUET")
	default:
		return event.Invalid("format: %q is not FORMAT_CSV, FORMAT_JSON, "+
			"FORMAT_NDJSON or FORMAT_PARQUET", f)
	}
	c, err := str(m, "compression", "compression")
	if err != nil {
		return err
	}
	r.Compression = encode.Compression(c)
	switch r.Compression {
	case encode.CompressionGzip, encode.CompressionZstd, encode.CompressionNone:
	case "":
		if r.Format != encode.FormatParquet {
			r.Compression = encode.CompressionGzip
		}
	default:
		return event.Invalid("compression: %q is not COMPRESSION_GZIP, "+
			"COMPRESSION_ZSTD or COMPRESSION_NONE", c)
	}
	r.Scope = ScopeIndividual
	if raw, ok := m["eventdetails"]; ok && string(raw) != "null" {
		d, err := fieldsOf(raw, "eventDetails")
		if err != nil {
			return err
		}
		s, err := str(d, "scope", "eventDetails.scope")
		if err != nil {
			return err
		}
		if s != "" {
			if r.Scope, err = parseScope(s); err != nil {
				return err
			}
		}
	}
	if raw, ok := m["fields"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &r.Fields); err != nil {
			return event.Invalid("fields: want a list of column names")
		}
	}
	return nil
}

func parseScope(s string) (string, error) {
	switch strings.TrimSuffix(s, "S") {
	case ScopeEvent:
		return ScopeEvent, nil
	case strings.TrimSuffix(ScopePages, "S"):
		return ScopePages, nil
	case strings.TrimSuffix(ScopeSessions, "S"):
		return ScopeSessions, nil
	case ScopeIndividual:
		return ScopeIndividual, nil
	}
	return "", event.Invalid("eventDetails.scope: %q is not SCOPE_EVENT, "+
		"SCOPE_PAGES, SCOPE_SESSIONS or SCOPE_INDIVIDUAL", s)
}

func (r *Request) parseTimes(m map[string]json.RawMessage) error {
	var err error
	if r.Timezone, err = str(m, "timezone", "timezone"); err != nil {
		return err
	}
	loc, err := segment.LoadLocation(r.Timezone)
	if err != nil {
		return event.Invalid("timezone: %v", err)
	}
	if r.RenderTimezone, err = str(m, "renderTimezone", "renderTimezone"); err != nil {
		return err
	}
	if _, err := segment.LoadLocation(r.RenderTimezone); err != nil {
		return event.Invalid("renderTimezone: %v", err)
	}
	if raw, ok := m["timerange"]; ok && string(raw) != "null" {
		tr, err := fieldsOf(raw, "timeRange")
		if err != nil {
			return err
		}
		for _, b := range []struct {
			key string
			dst *time.Time
		}{{"start", &r.Start}, {"end", &r.End}} {
			s, err := str(tr, b.key, "timeRange."+b.key)
			if err != nil || s == "" {
				if err != nil {
					return err
				}
				continue
			}
			if *b.dst, err = segment.ParseBound(s, loc); err != nil {
				return event.Invalid("timeRange.%s: %v", b.key, err)
			}
		}
		if !r.Start.IsZero() && !r.End.IsZero() && r.End.Before(r.Start) {
			return event.Invalid("timeRange: end is before start")
		}
	}
	if raw, ok := m["segmenttimerange"]; ok && string(raw) != "null" {
		var w segment.TimeRange
		if err := json.Unmarshal(raw, &w); err != nil {
			return event.Invalid("segmentTimeRange: want {\"start\": ..., \"end\": ...}")
		}
		r.SegmentWindow = &w
	}
	return nil
}

func (r *Request) parseOptions(m map[string]json.RawMessage) error {
	r.EscapeFormulas = true
	if raw, ok := m["csv"]; ok && string(raw) != "null" {
		c, err := fieldsOf(raw, "csv")
		if err != nil {
			return err
		}
		if r.BOM, err = boolean(c, "bom", "csv.bom", false); err != nil {
			return err
		}
		if r.EscapeFormulas, err = boolean(c, "escapeFormulas", "csv.escapeFormulas", true); err != nil {
			return err
		}
	}
	var err error
	r.WebhookURL, err = str(m, "webhookUrl", "webhookUrl")
	if err == nil && r.WebhookURL != "" &&
		!strings.HasPrefix(r.WebhookURL, "http://") && !strings.HasPrefix(r.WebhookURL, "https://") {
		return event.Invalid("webhookUrl: want an http or https URL")
	}
	return err
}

// String describes the request for logs, without personal data.
func (r Request) String() string {
	return fmt.Sprintf("%s %s %s segment=%s", r.Type, r.Format, r.Compression, r.SegmentID)
}
