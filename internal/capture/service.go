package capture

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// SessionIdle is how long a device may be idle before its next event
// starts a new session.
const SessionIdle = 30 * time.Minute

// Service writes captured data to the stores.
type Service struct {
	People store.People
	Events store.Events
	Log    *slog.Logger
	// Now is the server clock, injectable so tests can pin receipt times.
	Now func() time.Time
	// NewID makes a fresh positive id below 2^53; random by default.
	NewID func() int64
	// Geo places browser visitors by IP address; nil leaves the place
	// columns empty.
	Geo Locator
	// IPMode says how much of a browser visitor's address is stored;
	// the zero value stores all of it.
	IPMode IPMode

	// mu serialises identity and session decisions, which read, then
	// write, device and person rows.
	mu sync.Mutex
	// appending is held for reading by appends made after mu was
	// released (see AddServerEvents), and for writing by a merge of two
	// people, which must not move a person's events while some of them
	// are still on their way in. Readers take it while holding mu.
	appending sync.RWMutex
	ua        uaParser
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) newID() int64 {
	if s.NewID != nil {
		return s.NewID()
	}
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])&event.MaxSafeID) | 1
}

// UserInput is a person's fields as clients send them; nil means "leave
// unchanged".
type UserInput struct {
	UID         *string
	DisplayName *string
	Email       *string
	Props       event.Props
}

// personByUID finds the person with this uid, or ErrNotFound.
func (s *Service) personByUID(ctx context.Context, org event.OrgID, uid string) (event.Person, error) {
	ps, err := s.People.FindPeople(ctx, org, store.PeopleFilter{UID: uid, Limit: 1})
	if err != nil {
		return event.Person{}, err
	}
	if len(ps) == 0 {
		return event.Person{}, store.ErrNotFound
	}
	return ps[0], nil
}

// UpsertUser creates or updates the person with in.UID (a new anonymous
// person when UID is nil), as POST /v2/users does.
func (s *Service) UpsertUser(ctx context.Context, org event.OrgID, in UserInput) (event.Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p event.Person
	var err error
	if in.UID != nil {
		p, err = s.personByUID(ctx, org, *in.UID)
	}
	if in.UID == nil || errors.Is(err, store.ErrNotFound) {
		now := s.now()
		p = event.Person{OrgID: org, IndvID: event.IndvID(s.newID()),
			Created: now, Props: event.Props{}}
	} else if err != nil {
		return p, fmt.Errorf("upsert user: %w", err)
	}
	return s.applyUser(ctx, p, in)
}

// UpdateUser changes the person with this id.
func (s *Service) UpdateUser(ctx context.Context, org event.OrgID, id event.IndvID, in UserInput) (event.Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.People.Person(ctx, org, id)
	if err != nil {
		return p, err
	}
	if in.UID != nil && (p.UID == nil || *p.UID != *in.UID) {
		if _, err := s.personByUID(ctx, org, *in.UID); err == nil {
			return p, event.Errorf(event.CodeConflict,
				"another user already has this uid")
		}
	}
	return s.applyUser(ctx, p, in)
}

func (s *Service) applyUser(ctx context.Context, p event.Person, in UserInput) (event.Person, error) {
	if in.UID != nil {
		p.UID = in.UID
	}
	if in.DisplayName != nil {
		p.DisplayName = in.DisplayName
	}
	if in.Email != nil {
		p.Email = in.Email
	}
	if p.Props == nil {
		p.Props = event.Props{}
	}
	for k, v := range in.Props {
		p.Props[k] = v
	}
	if len(p.Props) > MaxUserProps {
		return p, event.Invalid("a user may have at most %d properties", MaxUserProps)
	}
	p.Updated = s.now()
	if err := s.People.SavePerson(ctx, p); err != nil {
		return p, err
	}
	return p, nil
}

// device finds the device with this key, creating it (and an anonymous
// person) when new.
func (s *Service) device(ctx context.Context, org event.OrgID, key string) (store.Device, error) {
	d, err := s.People.Device(ctx, org, 0, key)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return d, err
	}
	now := s.now()
	p := event.Person{OrgID: org, IndvID: event.IndvID(s.newID()),
		Created: now, Updated: now, Props: event.Props{}}
	if err := s.People.SavePerson(ctx, p); err != nil {
		return d, err
	}
	d = store.Device{OrgID: org, UserID: s.newID(), Key: key, IndvID: p.IndvID}
	return d, s.People.SaveDevice(ctx, d)
}

// identify ties a device to the person with uid. An anonymous person's
// whole history moves to the identified one, so events sent before the
// identify carry the person too.
func (s *Service) identify(ctx context.Context, d *store.Device, uid string) error {
	cur, err := s.People.Person(ctx, d.OrgID, d.IndvID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil && cur.UID != nil && *cur.UID == uid {
		return nil
	}
	known, err := s.personByUID(ctx, d.OrgID, uid)
	switch {
	case errors.Is(err, store.ErrNotFound) && cur.UID == nil && cur.IndvID != 0:
		// The anonymous person becomes the identified one.
		cur.UID, cur.Updated = &uid, s.now()
		return s.People.SavePerson(ctx, cur)
	case errors.Is(err, store.ErrNotFound):
		now := s.now()
		known = event.Person{OrgID: d.OrgID, IndvID: event.IndvID(s.newID()),
			UID: &uid, Created: now, Updated: now, Props: event.Props{}}
		if err := s.People.SavePerson(ctx, known); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if cur.IndvID != 0 && cur.UID == nil {
		s.appending.Lock()
		err := s.People.MergePeople(ctx, d.OrgID, cur.IndvID, known.IndvID)
		s.appending.Unlock()
		if err != nil {
			return err
		}
	}
	d.IndvID = known.IndvID
	return s.People.SaveDevice(ctx, *d)
}

// place puts an event at t on the device's current session and page, or
// starts new ones: a session after SessionIdle without events, a page on
// a navigation or a new URL.
func (s *Service) place(d *store.Device, t time.Time, url string, navigate bool) {
	if d.SessionID == 0 || t.Sub(d.LastEvent) > SessionIdle || t.Before(d.SessionStart) {
		d.SessionID, d.SessionStart = s.newID(), t
		d.PageID = 0
	}
	if d.PageID == 0 || navigate || (url != "" && url != d.PageURL) {
		d.PageID, d.PageStart = s.newID(), t
		if url != "" {
			d.PageURL = url
		}
	}
	if t.After(d.LastEvent) {
		d.LastEvent = t
	}
}
