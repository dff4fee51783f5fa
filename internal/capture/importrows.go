package capture

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// ImportRow is one row of an imported export file.
type ImportRow struct {
	Record      event.Record
	UID         *string
	DisplayName *string
	Email       *string
	Created     *time.Time
	UserProps   event.Props
}

// Importer loads rows of export files, which already carry their people,
// devices, sessions and pages. Rows without an EventId get one derived
// from their content and their rank among identical rows, so importing a
// file twice stores it once.
type Importer struct {
	s     *Service
	org   event.OrgID
	seen  map[string]int
	known map[event.IndvID]bool
	dev   map[int64]bool
}

// NewImporter starts an import for org.
func (s *Service) NewImporter(org event.OrgID) *Importer {
	return &Importer{s: s, org: org, seen: map[string]int{},
		known: map[event.IndvID]bool{}, dev: map[int64]bool{}}
}

// Add stores a batch of rows and reports how many events were new.
func (im *Importer) Add(ctx context.Context, rows []ImportRow) (int, error) {
	recs := make([]event.Record, 0, len(rows))
	now := im.s.now()
	for i := range rows {
		r := &rows[i]
		v := r.Record.Values
		indv, _ := v["IndvId"].(int64)
		user, _ := v["UserId"].(int64)
		if indv <= 0 {
			return 0, event.Invalid("row without IndvId: imports need the person's id")
		}
		if user == 0 {
			user = indv
			v["UserId"] = user
		}
		if err := im.person(ctx, event.IndvID(indv), r, now); err != nil {
			return 0, err
		}
		if !im.dev[user] {
			im.dev[user] = true
			_, err := im.s.People.Device(ctx, im.org, user, "")
			if errors.Is(err, store.ErrNotFound) {
				err = im.s.People.SaveDevice(ctx, store.Device{OrgID: im.org,
					UserID: user, IndvID: event.IndvID(indv)})
			}
			if err != nil {
				return 0, err
			}
		}
		if _, ok := v["EventId"]; !ok {
			v["EventId"] = im.derivedID(r.Record)
		}
		if _, ok := v["EventReceivedAt"]; !ok {
			v["EventReceivedAt"] = now
		}
		recs = append(recs, r.Record)
	}
	return im.s.Events.AppendEvents(ctx, im.org, recs)
}

// person creates the row's person the first time it is seen, filling in
// fields the stored person lacks.
func (im *Importer) person(ctx context.Context, id event.IndvID, r *ImportRow, now time.Time) error {
	if im.known[id] {
		return nil
	}
	im.known[id] = true
	p, err := im.s.People.Person(ctx, im.org, id)
	if errors.Is(err, store.ErrNotFound) {
		// Created stays unknown unless the file says: a made-up date
		// would not round-trip.
		p = event.Person{OrgID: im.org, IndvID: id, Props: event.Props{}}
		if r.Created != nil {
			p.Created = *r.Created
		}
	} else if err != nil {
		return err
	}
	if p.UID == nil {
		p.UID = r.UID
	}
	if p.DisplayName == nil {
		p.DisplayName = r.DisplayName
	}
	if p.Email == nil {
		p.Email = r.Email
	}
	if p.Props == nil {
		p.Props = event.Props{}
	}
	for k, v := range r.UserProps {
		if _, ok := p.Props[k]; !ok {
			p.Props[k] = v
		}
	}
	p.Updated = now
	return im.s.People.SavePerson(ctx, p)
}

// derivedID hashes a row's content; identical rows get their rank too.
func (im *Importer) derivedID(r event.Record) string {
	h := sha256.New()
	names := make([]string, 0, len(r.Values))
	for k := range r.Values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(h, "%s=%v\x00", k, r.Values[k])
	}
	ep, _ := json.Marshal(r.EventProps)
	pp, _ := json.Marshal(r.PageProps)
	h.Write(ep)
	h.Write(pp)
	sum := hex.EncodeToString(h.Sum(nil)[:12])
	n := im.seen[sum]
	im.seen[sum] = n + 1
	return fmt.Sprintf("imp-%s-%d", sum, n)
}
