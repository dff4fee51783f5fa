package export

import (
	"context"
	"errors"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/segment"
	"github.com/backstory-dev/backstory/internal/store"
)

// SegmentSource finds segments, built-in or saved, and compiles them.
type SegmentSource struct {
	Meta store.Meta
}

// Definition returns the definition of a segment id.
func (s *SegmentSource) Definition(ctx context.Context, org event.OrgID, id string) (*segment.Definition, error) {
	if def, ok := segment.Builtin(id); ok {
		return def, nil
	}
	seg, err := s.Meta.Segment(ctx, org, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, event.NotFound("segment %q does not exist; GET /segments/v1 "+
			"lists the segments, and everyone exports all people", id)
	}
	if err != nil {
		return nil, err
	}
	def, err := segment.Parse(seg.Definition)
	if err != nil {
		return nil, event.Invalid("segment %q has a definition that no longer "+
			"validates: %v", id, err)
	}
	return def, nil
}

// Compile compiles the request's segment with the request's clock, zone
// and segment window.
func (s *SegmentSource) Compile(ctx context.Context, org event.OrgID, req Request) (segment.Compiled, error) {
	def, err := s.Definition(ctx, org, req.SegmentID)
	if err != nil {
		return segment.Compiled{}, err
	}
	opt := segment.CompileOptions{Org: org, Now: req.Now, Window: req.SegmentWindow}
	if req.Timezone != "" {
		if opt.Location, err = segment.LoadLocation(req.Timezone); err != nil {
			return segment.Compiled{}, err
		}
	}
	return segment.Compile(def, opt)
}
