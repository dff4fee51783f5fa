package export

import (
	"context"

	"github.com/backstory-dev/backstory/internal/store"
)

// pipeRows is how many rows travel between the reader and the encoder at
// a time; pipeDepth how many such batches may wait. Together they bound
// the rows in flight.
const (
	pipeRows  = 1024
	pipeDepth = 4
)

// pipelined runs scan (the store reading rows) and write (the encoder) on
// two goroutines, so reading and encoding use both cores. Rows are copied
// into batches that are handed over and recycled; memory stays bounded by
// pipeRows*pipeDepth rows. The first error from either side stops both.
func pipelined(ctx context.Context, width int, scan func(store.RowFunc) error, write store.RowFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan [][]any, pipeDepth)
	free := make(chan [][]any, pipeDepth+1)
	for range pipeDepth + 1 {
		b := make([][]any, 0, pipeRows)
		free <- b
	}

	writeErr := make(chan error, 1)
	go func() {
		var err error
		for b := range full {
			for _, row := range b {
				if err == nil {
					err = write(row)
				}
			}
			if err != nil {
				cancel()
			}
			free <- b[:0]
		}
		writeErr <- err
	}()

	batch := <-free
	err := scan(func(row []any) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(batch) == cap(batch) {
			select {
			case full <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = <-free
		}
		n := len(batch)
		batch = batch[:n+1]
		if batch[n] == nil {
			batch[n] = make([]any, width)
		}
		copy(batch[n], row)
		return nil
	})
	if err == nil && len(batch) > 0 {
		full <- batch
	}
	close(full)
	if werr := <-writeErr; werr != nil {
		return werr
	}
	return err
}
