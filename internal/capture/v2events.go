package capture

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// ServerEvent is an event sent by a server through POST /v2/events.
type ServerEvent struct {
	UserUID   string // user.uid
	UserID    event.IndvID
	Name      string
	Timestamp time.Time // zero: the server's clock
	URL       string
	UserAgent string
	Referrer  string
	Country   string
	Region    string
	City      string
	IP        string
	LatLong   string
	Props     event.Props
}

// AddServerEvent stores a custom event for a person: by uid (created when
// new) or by id (which must exist). Server events go on a device of their
// own per person, with its own sessions.
func (s *Service) AddServerEvent(ctx context.Context, org event.OrgID, e ServerEvent) error {
	if e.Name == "" {
		return event.Errorf(event.CodeRequired, "name: an event name is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := e.UserID
	if e.UserUID != "" {
		p, err := s.personByUID(ctx, org, e.UserUID)
		if errors.Is(err, store.ErrNotFound) {
			now := s.now()
			uid := e.UserUID
			p = event.Person{OrgID: org, IndvID: event.IndvID(s.newID()),
				UID: &uid, Created: now, Updated: now, Props: event.Props{}}
			err = s.People.SavePerson(ctx, p)
		}
		if err != nil {
			return err
		}
		id = p.IndvID
	} else if _, err := s.People.Person(ctx, org, id); errors.Is(err, store.ErrNotFound) {
		return event.NotFound("user %d does not exist", id)
	} else if err != nil {
		return err
	}

	key := "server:" + strconv.FormatInt(int64(id), 10)
	d, err := s.People.Device(ctx, org, 0, key)
	if errors.Is(err, store.ErrNotFound) {
		d = store.Device{OrgID: org, UserID: s.newID(), Key: key, IndvID: id}
	} else if err != nil {
		return err
	}
	received := s.now()
	t := e.Timestamp.UTC()
	if e.Timestamp.IsZero() {
		t = received
	}
	s.place(&d, t, e.URL, false)
	ag := s.ua.parse(e.UserAgent)
	v := map[string]any{
		"EventId": randomEventID(s.newID()), "EventStart": t,
		"EventType": "custom", "EventCustomName": e.Name,
		"EventReceivedAt": received, "IndvId": int64(id),
		"UserId": d.UserID, "SessionId": d.SessionID, "PageId": d.PageID,
		"SessionStart": d.SessionStart, "PageStart": d.PageStart,
		"DeviceKey": key,
	}
	for name, val := range map[string]string{
		"PageUrl": e.URL, "PageUserAgent": e.UserAgent,
		"PageRefererUrl": e.Referrer, "PageCountry": e.Country,
		"PageRegion": e.Region, "PageCity": e.City, "PageIp": e.IP,
		"PageLatLong": e.LatLong, "PageBrowser": ag.Browser,
		"PageBrowserVersion": ag.Version, "PageOperatingSystem": ag.OS,
		"PageDevice": ag.Device,
	} {
		if val != "" {
			v[name] = val
		}
	}
	if err := s.People.SaveDevice(ctx, d); err != nil {
		return err
	}
	_, err = s.Events.AppendEvents(ctx, org,
		[]event.Record{{Values: v, EventProps: e.Props}})
	return err
}

func randomEventID(n int64) string {
	var b [8]byte
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	return "srv-" + hex.EncodeToString(b[:])
}
