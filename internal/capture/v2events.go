package capture

import (
	"context"
	"encoding/hex"
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
// the events that passed are stored with one append. Only the identity
// and session decisions are serialised; the rows are built and appended
// outside that lock, so one batch's append overlaps the next one's
// decisions; a merge of two people waits for appends in flight.
func (s *Service) AddServerEvents(ctx context.Context, org event.OrgID, evs []ServerEvent) ([]error, error) {
	received := s.now()
	spots, errs, appended, err := s.placeServerEvents(ctx, org, evs, received)
	if err != nil {
		return nil, err
	}
	defer appended()
	recs := make([]event.Record, 0, len(evs))
	for i, e := range evs {
		if errs[i] == nil {
			recs = append(recs, s.serverRecord(e, spots[i], received))
		}
	}
	if _, err := s.Events.AppendEvents(ctx, org, recs); err != nil {
		return nil, err
	}
	return errs, nil
}

// spot is where a server event goes: its person, device, session and
// page, and its time.
type spot struct {
	indv   event.IndvID
	device store.Device
	at     time.Time
}

// placeServerEvents decides each event's person, device, session and
// page, and saves the people and devices that changed. The caller
// appends the events, then calls appended, which lets merges of people
// (waiting on s.appending) go ahead.
func (s *Service) placeServerEvents(ctx context.Context, org event.OrgID, evs []ServerEvent, received time.Time) (_ []spot, _ []error, appended func(), _ error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := serverBatch{s: s, org: org, devices: map[event.IndvID]*store.Device{}}
	if err := b.prefetch(ctx, evs); err != nil {
		return nil, nil, nil, err
	}
	errs := make([]error, len(evs))
	spots := make([]spot, len(evs))
	for i, e := range evs {
		sp, err := b.place(e, received)
		switch {
		case err == nil:
			spots[i] = sp
		case event.ErrorCode(err) != event.CodeInternal:
			errs[i] = err
		default:
			return nil, nil, nil, err
		}
	}
	if err := s.People.SavePeople(ctx, b.newPeople); err != nil {
		return nil, nil, nil, err
	}
	devs := make([]store.Device, 0, len(b.devices))
	for _, d := range b.devices {
		devs = append(devs, *d)
	}
	if err := s.People.SaveDevices(ctx, devs); err != nil {
		return nil, nil, nil, err
	}
	s.appending.RLock()
	return spots, errs, s.appending.RUnlock, nil
}

// serverBatch holds the people and devices of a batch, read in bulk
// before its events are placed and written in bulk after.
type serverBatch struct {
	s         *Service
	org       event.OrgID
	byUID     map[string]event.IndvID
	known     map[event.IndvID]bool
	devices   map[event.IndvID]*store.Device
	stored    map[string]store.Device
	newPeople []event.Person
}

// prefetch reads the batch's people (by uid and by id) and their server
// devices with a few queries.
func (b *serverBatch) prefetch(ctx context.Context, evs []ServerEvent) error {
	var uids []string
	var ids []event.IndvID
	for _, e := range evs {
		if e.UserUID != "" {
			uids = append(uids, e.UserUID)
		} else {
			ids = append(ids, e.UserID)
		}
	}
	people, err := b.s.People.PeopleByUID(ctx, b.org, uniq(uids))
	if err != nil {
		return err
	}
	b.byUID = make(map[string]event.IndvID, len(people))
	for uid, p := range people {
		b.byUID[uid] = p.IndvID
		ids = append(ids, p.IndvID)
	}
	if b.known, err = b.s.People.PeopleExist(ctx, b.org, uniq(ids)); err != nil {
		return err
	}
	keys := make([]string, 0, len(b.known))
	for id := range b.known {
		keys = append(keys, serverDeviceKey(id))
	}
	b.stored, err = b.s.People.DevicesByKey(ctx, b.org, keys)
	return err
}

func uniq[K comparable](xs []K) []K {
	seen := make(map[K]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func serverDeviceKey(id event.IndvID) string {
	return "server:" + strconv.FormatInt(int64(id), 10)
}

func (b *serverBatch) person(e ServerEvent) (event.IndvID, error) {
	if e.UserUID == "" {
		if !b.known[e.UserID] {
			return 0, event.NotFound("user %d does not exist", e.UserID)
		}
		return e.UserID, nil
	}
	if id, ok := b.byUID[e.UserUID]; ok {
		return id, nil
	}
	now := b.s.now()
	uid := e.UserUID
	p := event.Person{OrgID: b.org, IndvID: event.IndvID(b.s.newID()),
		UID: &uid, Created: now, Updated: now, Props: event.Props{}}
	b.newPeople = append(b.newPeople, p)
	b.byUID[uid], b.known[p.IndvID] = p.IndvID, true
	return p.IndvID, nil
}

func (b *serverBatch) device(id event.IndvID) *store.Device {
	if d, ok := b.devices[id]; ok {
		return d
	}
	key := serverDeviceKey(id)
	d, ok := b.stored[key]
	if !ok {
		d = store.Device{OrgID: b.org, UserID: b.s.newID(), Key: key, IndvID: id}
	}
	b.devices[id] = &d
	return &d
}

// place puts one event on its person's server device.
func (b *serverBatch) place(e ServerEvent, received time.Time) (spot, error) {
	if e.Name == "" {
		return spot{}, event.Errorf(event.CodeRequired, "name: an event name is required")
	}
	id, err := b.person(e)
	if err != nil {
		return spot{}, err
	}
	d := b.device(id)
	t := e.Timestamp.UTC()
	if e.Timestamp.IsZero() {
		t = received
	}
	b.s.place(d, t, e.URL, false)
	return spot{indv: id, device: *d, at: t}, nil
}

// serverRecord is the stored row of a placed server event.
func (s *Service) serverRecord(e ServerEvent, sp spot, received time.Time) event.Record {
	d := sp.device
	ag := s.ua.parse(e.UserAgent)
	v := make(map[string]any, 24)
	v["EventId"], v["EventStart"] = randomEventID(s.newID()), sp.at
	v["EventType"], v["EventCustomName"] = "custom", e.Name
	v["EventReceivedAt"], v["IndvId"] = received, int64(sp.indv)
	v["UserId"], v["SessionId"], v["PageId"] = d.UserID, d.SessionID, d.PageID
	v["SessionStart"], v["PageStart"], v["DeviceKey"] = d.SessionStart, d.PageStart, d.Key
	for _, f := range [...]struct{ name, val string }{
		{"PageUrl", e.URL}, {"PageUserAgent", e.UserAgent},
		{"PageRefererUrl", e.Referrer}, {"PageCountry", e.Country},
		{"PageRegion", e.Region}, {"PageCity", e.City}, {"PageIp", e.IP},
		{"PageLatLong", e.LatLong}, {"PageBrowser", ag.Browser},
		{"PageBrowserVersion", ag.Version}, {"PageOperatingSystem", ag.OS},
		{"PageDevice", ag.Device},
	} {
		if f.val != "" {
			v[f.name] = f.val
		}
	}
	return event.Record{Values: v, EventProps: e.Props}
}

func randomEventID(n int64) string {
	var b [8]byte
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	return "srv-" + hex.EncodeToString(b[:])
}
