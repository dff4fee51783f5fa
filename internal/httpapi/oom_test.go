package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/backstory-dev/backstory/internal/store"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// TestStoreOutOfMemoryIsRetryLater runs DuckDB out of memory for real and
// checks that the API answers 503 with Retry-After, which clients retry,
// not a 500 that reads as a fault in their request.
func TestStoreOutOfMemoryIsRetryLater(t *testing.T) {
	ctx := context.Background()
	db, err := duckdb.Open(ctx, duckdb.Options{MemoryLimit: "16MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// An ordered string_agg keeps every value in memory: it cannot spill.
	_, err = db.SQL().ExecContext(ctx,
		"SELECT string_agg(i::VARCHAR, ',' ORDER BY i DESC) FROM range(5000000) t(i)")
	if !store.IsOutOfMemory(err) {
		t.Fatalf("query error = %v, want DuckDB's out of memory", err)
	}

	w := httptest.NewRecorder()
	writeError(w, fmt.Errorf("read operation: %w", err))
	var body struct{ Code, Message string }
	json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || body.Code != "unavailable" {
		t.Errorf("answer = %d, Retry-After %q, %+v; want 503 unavailable with Retry-After",
			w.Code, w.Header().Get("Retry-After"), body)
	}
	if strings.Contains(body.Message, "Out of Memory") || !strings.Contains(body.Message, "again") {
		t.Errorf("message = %q, want a plain request to send it again", body.Message)
	}
	if store.IsOutOfMemory(nil) || store.IsOutOfMemory(fmt.Errorf("disk full")) {
		t.Error("IsOutOfMemory holds for other errors")
	}

	// DuckDB's words when a commit runs short, and after a fatal error,
	// as seen from a server at a 16MB limit under load: the first is
	// worth a retry, the others never are.
	for msg, want := range map[string]bool{
		"create operation: TransactionContext Error: Failed to commit: failed to pin " +
			"block of size 256.0 KiB (15.2 MiB/15.2 MiB used)": true,
		"create operation: FATAL Error: Failed to rollback transaction. Cannot continue " +
			"operation. Original Error: Out of Memory Error: failed to pin block": false,
		"list segments: FATAL Error: database has been invalidated because of a " +
			"previous fatal error. The database must be restarted prior to being used " +
			"again. Original error: \"Out of Memory Error\"": false,
	} {
		if got := store.IsOutOfMemory(fmt.Errorf("%s", msg)); got != want {
			t.Errorf("IsOutOfMemory(%q) = %v, want %v", msg, got, want)
		}
	}
}
