package export

import (
	"context"
	"errors"
	"testing"

	"github.com/backstory-dev/backstory/internal/store"
)

func scanN(n int, fail error) func(store.RowFunc) error {
	return func(fn store.RowFunc) error {
		row := make([]any, 2)
		for i := range n {
			row[0], row[1] = int64(i), "x"
			if err := fn(row); err != nil {
				return err
			}
		}
		return fail
	}
}

func TestPipelinedKeepsOrder(t *testing.T) {
	const n = 10*pipeRows + 7
	next := int64(0)
	err := pipelined(context.Background(), 2, scanN(n, nil), func(row []any) error {
		if row[0] != next {
			t.Fatalf("row %v arrived when %d was due", row[0], next)
		}
		next++
		return nil
	})
	if err != nil || next != n {
		t.Fatalf("err = %v, rows = %d, want nil and %d", err, next, n)
	}
}

func TestPipelinedStopsOnErrors(t *testing.T) {
	boom := errors.New("disk full")
	seen := 0
	err := pipelined(context.Background(), 2, scanN(1_000_000, nil), func([]any) error {
		seen++
		if seen == 3000 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("writer error: got %v, want %v", err, boom)
	}
	if seen > 3000+pipeRows*(pipeDepth+2) {
		t.Errorf("writer saw %d rows after failing at 3000", seen)
	}
	bad := errors.New("query failed")
	if err := pipelined(context.Background(), 2, scanN(5, bad), func([]any) error { return nil }); !errors.Is(err, bad) {
		t.Errorf("scan error: got %v, want %v", err, bad)
	}
}
