package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/store"
)

func TestScratchStream(t *testing.T) {
	dir := os.Getenv("SCRATCH_DIR")
	if dir == "" {
		t.Skip("set SCRATCH_DIR")
	}
	ctx := context.Background()
	srv, err := startServer(ctx, Config{Dir: dir, MemoryLimit: os.Getenv("MEMLIMIT")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	cols, err := exportColumns(ctx, srv.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d columns", len(cols))
	people, err := srv.people(ctx, "everyone")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("NOPEOPLE") != "" {
		people = store.Query{}
	}
	q := store.ExportQuery{Org: dataOrg, People: people, Columns: cols}
	if os.Getenv("FEWCOLS") != "" {
		q.Columns = cols[:20]
	}
	for i := 0; i < 2; i++ {
		var rows int64
		use := watchUsage()
		start := time.Now()
		err = srv.db.ExportEvents(ctx, q, func([]any) error { rows++; return nil })
		took := time.Since(start)
		u := use.stop()
		t.Logf("rows %d took %v cpu %.1fs rss %d->%d MiB", rows, took, u.CPUSeconds, u.RSSBefore>>20, u.PeakRSS>>20)
		if err != nil {
			t.Fatal(err)
		}
	}
	if sel := os.Getenv("SQL"); sel != "" {
		s, _ := copySelect(cols, people)
		use := watchUsage()
		start := time.Now()
		rows, err := srv.db.SQL().QueryContext(ctx, "SELECT count(*) FROM ("+s+")")
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		u := use.stop()
		t.Logf("count over select: %v cpu %.1f rss %d", time.Since(start), u.CPUSeconds, u.PeakRSS>>20)
	}
}
