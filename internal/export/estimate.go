package export

import (
	"context"
	"io"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export/encode"
)

// estimateSample is how many rows are encoded to estimate a file's size.
const estimateSample = 2000

// Estimate says how many rows an export would write and about how many
// bytes its file would take: it counts the rows, encodes a sample of them
// exactly as the export would, and scales the sample's size.
func (s *Service) Estimate(ctx context.Context, org event.OrgID, req Request) (rows, bytes int64, err error) {
	q, err := s.query(ctx, org, req)
	if err != nil {
		return 0, 0, err
	}
	rows, err = s.Events.CountExport(ctx, q, req.Type == TypeIndividual)
	if err != nil || rows == 0 {
		return rows, 0, err
	}
	counter := newCountingWriter(io.Discard)
	zw, err := encode.Compress(counter, encode.OuterCompression(req.Format, req.Compression))
	if err != nil {
		return rows, 0, err
	}
	w, err := encode.NewWriter(zw, req.Format, encodeFields(q.Columns),
		encode.Options{EscapeFormulas: req.EscapeFormulas, Compression: req.Compression})
	if err != nil {
		return rows, 0, err
	}
	q.Limit = estimateSample
	var sampled int64
	write := func(row []any) error { sampled++; return w.Write(row) }
	if req.Type == TypeIndividual {
		err = s.Events.ExportIndividuals(ctx, q, write)
	} else {
		err = s.Events.ExportEvents(ctx, q, write)
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil || sampled == 0 {
		return rows, 0, err
	}
	return rows, counter.n * rows / sampled, nil
}
