package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/importer"
)

// maxImport caps one imported file.
const maxImport = 4 << 30

const importBatch = 5000

// importEvents loads an export file (JSON array, NDJSON or CSV, gzipped
// or not) sent as the body. The file is spooled to disk and checked whole
// first, so a bad row rejects the file before anything is stored.
func (s *Server) importEvents(w http.ResponseWriter, r *http.Request) {
	tmp, err := os.CreateTemp("", "backstory-import-*")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	body := http.MaxBytesReader(w, r.Body, maxImport)
	if _, err := io.Copy(tmp, body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, event.Errorf(event.CodeTooLarge, "the file is over %d bytes", int64(maxImport)))
			return
		}
		writeError(w, event.Invalid("read the file: %v", err))
		return
	}

	// Pass 1: every row must parse.
	rows := 0
	unknown, err := s.scanImport(tmp, func([]importer.Row) error { return nil }, &rows)
	if err != nil {
		writeError(w, err)
		return
	}
	// Pass 2: store.
	im := s.Capture.NewImporter(callerOf(r.Context()).Org)
	stored := 0
	_, err = s.scanImport(tmp, func(batch []importer.Row) error {
		n, err := im.Add(r.Context(), toImportRows(batch))
		stored += n
		return err
	}, new(int))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	EventsIngested.WithLabelValues("import").Add(float64(stored))
	if unknown == nil {
		unknown = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": stored,
		"duplicates": rows - stored, "rows": rows, "ignoredColumns": unknown})
}

func (s *Server) scanImport(f *os.File, each func([]importer.Row) error, rows *int) ([]string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	rd, err := importer.NewReader(f)
	if err != nil {
		return nil, event.Invalid("the file is not a readable export: %v", err)
	}
	var batch []importer.Row
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, event.Invalid("%v", err)
		}
		*rows++
		batch = append(batch, row)
		if len(batch) == importBatch {
			if err := each(batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if err := each(batch); err != nil {
			return nil, err
		}
	}
	return rd.Unknown(), nil
}

func toImportRows(rows []importer.Row) []capture.ImportRow {
	out := make([]capture.ImportRow, len(rows))
	for i, r := range rows {
		p := r.Person
		out[i] = capture.ImportRow{Record: r.Record, UID: p.UserAppKey,
			DisplayName: p.UserDisplayName, Email: p.UserEmail,
			Created: p.UserCreated, UserProps: p.Props}
	}
	return out
}
