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

// AddServerEvent stores one custom event; see AddServerEvents.
func (s *Service) AddServerEvent(ctx context.Context, org event.OrgID, e ServerEvent) error {
	errs, err := s.AddServerEvents(ctx, org, []ServerEvent{e})
	if err != nil {
		return err
	}
	return errs[0]
}

// AddServerEvents stores custom events for people: by uid (created when
// new) or by id (which must exist). Server events go on a device of their
// own per person, with its own sessions. It answers one error per event
// (nil when stored) and an error for the whole batch when storing fails;
// the events that passed are stored with one append.
func (s *Service) AddServerEvents(ctx context.Context, org event.OrgID, evs []ServerEvent) ([]error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := make([]error, len(evs))
	b := serverBatch{s: s, org: org, byUID: map[string]event.IndvID{},
		known: map[event.IndvID]bool{}, devices: map[event.IndvID]*store.Device{}}
	received := s.now()
	var recs []event.Record
	for i, e := range evs {
		r, err := b.record(ctx, e, received)
		switch {
		case err == nil:
			recs = append(recs, r)
		case event.ErrorCode(err) != event.CodeInternal:
			errs[i] = err
		default:
			return nil, err
		}
	}
	for _, d := range b.devices {
		if err := s.People.SaveDevice(ctx, *d); err != nil {
			return nil, err
		}
	}
	if _, err := s.Events.AppendEvents(ctx, org, recs); err != nil {
		return nil, err
	}
	return errs, nil
}

// serverBatch caches people and devices while a batch is placed.
type serverBatch struct {
	s       *Service
	org     event.OrgID
	byUID   map[string]event.IndvID
	known   map[event.IndvID]bool
	devices map[event.IndvID]*store.Device
}

func (b *serverBatch) person(ctx context.Context, e ServerEvent) (event.IndvID, error) {
	if e.UserUID == "" {
		if b.known[e.UserID] {
			return e.UserID, nil
		}
		_, err := b.s.People.Person(ctx, b.org, e.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return 0, event.NotFound("user %d does not exist", e.UserID)
		}
		b.known[e.UserID] = err == nil
		return e.UserID, err
	}
	if id, ok := b.byUID[e.UserUID]; ok {
		return id, nil
	}
	p, err := b.s.personByUID(ctx, b.org, e.UserUID)
	if errors.Is(err, store.ErrNotFound) {
		now := b.s.now()
		uid := e.UserUID
		p = event.Person{OrgID: b.org, IndvID: event.IndvID(b.s.newID()),
			UID: &uid, Created: now, Updated: now, Props: event.Props{}}
		err = b.s.People.SavePerson(ctx, p)
	}
	if err != nil {
		return 0, err
	}
	b.byUID[e.UserUID] = p.IndvID
	return p.IndvID, nil
}

func (b *serverBatch) device(ctx context.Context, id event.IndvID) (*store.Device, error) {
	if d, ok := b.devices[id]; ok {
		return d, nil
	}
	key := "server:" + strconv.FormatInt(int64(id), 10)
	d, err := b.s.People.Device(ctx, b.org, 0, key)
	if errors.Is(err, store.ErrNotFound) {
		d = store.Device{OrgID: b.org, UserID: b.s.newID(), Key: key, IndvID: id}
	} else if err != nil {
		return nil, err
	}
	b.devices[id] = &d
	return &d, nil
}

func (b *serverBatch) record(ctx context.Context, e ServerEvent, received time.Time) (event.Record, error) {
	if e.Name == "" {
		return event.Record{}, event.Errorf(event.CodeRequired, "name: an event name is required")
	}
	id, err := b.person(ctx, e)
	if err != nil {
		return event.Record{}, err
	}
	d, err := b.device(ctx, id)
	if err != nil {
		return event.Record{}, err
	}
	t := e.Timestamp.UTC()
	if e.Timestamp.IsZero() {
		t = received
	}
	b.s.place(d, t, e.URL, false)
	ag := b.s.ua.parse(e.UserAgent)
	v := map[string]any{
		"EventId": randomEventID(b.s.newID()), "EventStart": t,
		"EventType": "custom", "EventCustomName": e.Name,
		"EventReceivedAt": received, "IndvId": int64(id),
		"UserId": d.UserID, "SessionId": d.SessionID, "PageId": d.PageID,
		"SessionStart": d.SessionStart, "PageStart": d.PageStart,
		"DeviceKey": d.Key,
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
	return event.Record{Values: v, EventProps: e.Props}, nil
}

func randomEventID(n int64) string {
	var b [8]byte
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	return "srv-" + hex.EncodeToString(b[:])
}
