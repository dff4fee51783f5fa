// Package demo generates the data of a made-up fruit shop, "Backstory
// Fruit Shop": people, their devices, and the events of their sessions
// over the last days, so that a fresh install has something to segment
// and export. The output is a pure function of the options: the same
// seed and end time give the same people, ids and events, byte for byte.
package demo

import (
	"errors"
	"fmt"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// Options says what to generate.
type Options struct {
	// Seed picks the data set. Ids and EventIds derive from it, so
	// generating the same seed into one org twice stores nothing new.
	Seed int64
	// People is how many people to generate; 0 means 3000.
	People int
	// Days is how far back the sessions go; 0 means 30.
	Days int
	// Now is the end of the range: every event starts before it. It is
	// required; Generate never reads the clock.
	Now time.Time
	// Org is the org of the generated people.
	Org event.OrgID
}

// DeviceOf is one device (UserId) of a generated person, with the key
// its cookie holds.
type DeviceOf struct {
	UserID    int64
	DeviceKey string
}

// batchSize is how many events Generate hands over at a time.
const batchSize = 5000

// Generate calls emitPerson for each person in turn, with the devices
// the person used, and emitEvents with batches of about 5000 events. A
// person is always emitted before any of their events; each batch is a
// fresh slice the callee may keep. Events of one session come in time
// order. The first error from a callback stops generation and is
// returned, wrapped.
func Generate(opt Options, emitPerson func(event.Person, []DeviceOf) error,
	emitEvents func([]event.Record) error) error {
	opt, err := opt.withDefaults()
	if err != nil {
		return err
	}

	g := newGenerator(opt, emitEvents)
	for i := range opt.People {
		if err := g.person(i, emitPerson); err != nil {
			return err
		}
	}
	return g.flush()
}

func (o Options) withDefaults() (Options, error) {
	if o.Now.IsZero() {
		return o, errors.New("demo: Now is required")
	}
	if o.People < 0 || o.Days < 0 {
		return o, errors.New("demo: People and Days must not be negative")
	}
	if o.People == 0 {
		o.People = 3000
	}
	if o.Days == 0 {
		o.Days = 30
	}
	return o, nil
}

// generator holds what outlives one person: the range, the id counters
// and the batch being filled.
type generator struct {
	opt      Options
	start    time.Time // the first instant of the range
	end      time.Time // Now, to the millisecond
	firstDay time.Time // midnight UTC of the range's first day
	ids      *idSource
	events   int64
	batch    []event.Record
	emit     func([]event.Record) error
}

func newGenerator(opt Options, emit func([]event.Record) error) *generator {
	end := opt.Now.UTC().Truncate(time.Millisecond)
	start := end.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	return &generator{
		opt:      opt,
		start:    start,
		end:      end,
		firstDay: start.Truncate(24 * time.Hour),
		ids:      newIDSource(opt.Seed),
		batch:    make([]event.Record, 0, batchSize),
		emit:     emit,
	}
}

// person generates one person: plans their sessions, places them in
// time, then emits the person and their events.
func (g *generator) person(i int, emitPerson func(event.Person, []DeviceOf) error) error {
	s := g.newShopper(i)
	plans := s.planSessions()
	starts := g.place(s.rng, plans)
	plans = plans[:len(starts)]

	p, devices := g.toPerson(s, plans, starts)
	if err := emitPerson(p, devices); err != nil {
		return fmt.Errorf("emit person: %w", err)
	}
	for k, plan := range plans {
		if err := g.materialize(s, plan, starts[k]); err != nil {
			return err
		}
	}
	return nil
}

// push adds a record to the batch and hands the batch over when full.
func (g *generator) push(r event.Record) error {
	g.batch = append(g.batch, r)
	if len(g.batch) < batchSize {
		return nil
	}
	return g.flush()
}

func (g *generator) flush() error {
	if len(g.batch) == 0 {
		return nil
	}
	batch := g.batch
	g.batch = make([]event.Record, 0, batchSize)
	if err := g.emit(batch); err != nil {
		return fmt.Errorf("emit events: %w", err)
	}
	return nil
}
