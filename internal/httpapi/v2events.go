package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
)

// eventBody is a v2 event body.
type eventBody struct {
	User *struct {
		UID string `json:"uid"`
		ID  string `json:"id"`
	} `json:"user"`
	Session *struct {
		ID            string `json:"id"`
		UseMostRecent bool   `json:"use_most_recent"`
	} `json:"session"`
	Context struct {
		// Web is the older spelling of Browser.
		Web     *browserContext `json:"web"`
		Browser struct {
			URL             string `json:"url"`
			UserAgent       string `json:"user_agent"`
			InitialReferrer string `json:"initial_referrer"`
		} `json:"browser"`
		Location struct {
			Country   string   `json:"country"`
			Region    string   `json:"region"`
			City      string   `json:"city"`
			Latitude  *float64 `json:"latitude"`
			Longitude *float64 `json:"longitude"`
			IPAddress string   `json:"ip_address"`
		} `json:"location"`
	} `json:"context"`
	Name       string                     `json:"name"`
	Timestamp  string                     `json:"timestamp"`
	Properties map[string]json.RawMessage `json:"properties"`
	Schema     struct {
		Properties map[string]string `json:"properties"`
	} `json:"schema"`
}

type browserContext struct {
	URL             string `json:"url"`
	UserAgent       string `json:"user_agent"`
	InitialReferrer string `json:"initial_referrer"`
}

func (b eventBody) serverEvent() (capture.ServerEvent, error) {
	var e capture.ServerEvent
	if (b.User == nil || b.User.UID == "" && b.User.ID == "") && b.Session != nil && b.Session.ID != "" {
		// A session id is "<user id>:<session id>"; it names the user.
		uid, _, _ := strings.Cut(b.Session.ID, ":")
		b.User = &struct {
			UID string `json:"uid"`
			ID  string `json:"id"`
		}{ID: uid}
	}
	if b.User == nil || (b.User.UID == "" && b.User.ID == "") {
		return e, event.Errorf(event.CodeRequired, "user: user.uid, user.id or session.id is required")
	}
	if w := b.Context.Web; w != nil && b.Context.Browser.URL == "" {
		b.Context.Browser.URL, b.Context.Browser.UserAgent = w.URL, w.UserAgent
		b.Context.Browser.InitialReferrer = w.InitialReferrer
	}
	if b.Name == "" {
		return e, event.Errorf(event.CodeRequired, "name: an event name is required")
	}
	e.UserUID, e.Name = b.User.UID, b.Name
	if b.User.ID != "" && b.User.UID == "" {
		id, err := strconv.ParseInt(b.User.ID, 10, 64)
		if err != nil {
			return e, event.NotFound("user %q does not exist", b.User.ID)
		}
		e.UserID = event.IndvID(id)
	}
	if b.Timestamp != "" {
		t, err := event.ParseTime(b.Timestamp)
		if err != nil {
			return e, event.Invalid("timestamp: want an RFC 3339 time")
		}
		e.Timestamp = t
	}
	props, err := capture.TypeProps(b.Properties, b.Schema.Properties)
	if err != nil {
		return e, err
	}
	br, loc := b.Context.Browser, b.Context.Location
	e.Props, e.URL, e.UserAgent, e.Referrer = props, br.URL, br.UserAgent, br.InitialReferrer
	e.Country, e.Region, e.City, e.IP = loc.Country, loc.Region, loc.City, loc.IPAddress
	if loc.Latitude != nil && loc.Longitude != nil {
		e.LatLong = strconv.FormatFloat(*loc.Latitude, 'f', -1, 64) + "," +
			strconv.FormatFloat(*loc.Longitude, 'f', -1, 64)
	}
	return e, nil
}

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request) {
	s.idempotent(w, r, func(body []byte) (int, any, error) {
		var b eventBody
		if err := unmarshal(body, &b); err != nil {
			return 0, nil, err
		}
		e, err := b.serverEvent()
		if err != nil {
			return 0, nil, err
		}
		if err := s.Capture.AddServerEvent(r.Context(), callerOf(r.Context()).Org, e); err != nil {
			return 0, nil, err
		}
		EventsIngested.WithLabelValues("v2").Inc()
		return http.StatusOK, map[string]any{}, nil
	})
}
