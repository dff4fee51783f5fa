package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/backstory-dev/backstory/internal/client"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func newImportCmd() *cobra.Command {
	var (
		server string
		quiet  bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Upload files of events to the server",
		Long: `Import uploads each file to the server, which reads it as a JSON
array, NDJSON or CSV, gzipped or not, and stores the events it does not
have yet. For each file it prints how many events were new, how many
were already stored, and which columns it did not recognise.

The API key comes from BACKSTORY_API_KEY.`,
		Example: `  backstory import export.csv.gz more-events.ndjson`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			return runImport(cmd, server, quiet, paths)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bars")
	return cmd
}

func runImport(cmd *cobra.Command, server string, quiet bool, paths []string) error {
	bars := showBars(cmd.ErrOrStderr(), quiet)
	c, err := newAPIClient(cmd, server, bars)
	if err != nil {
		return err
	}

	// A file the server rejects does not stop the others; anything that
	// would fail every file does.
	var failed []string
	for _, path := range paths {
		err := importFile(cmd, c, path, bars)
		if err == nil {
			continue
		}
		err = explain(server, err)
		if len(paths) == 1 || !fileFault(err) {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "error: %v\n", err)
		failed = append(failed, path)
	}

	if len(failed) > 0 {
		return fmt.Errorf("%d of %d files failed: %s", len(failed),
			len(paths), strings.Join(failed, ", "))
	}
	return nil
}

// importFile uploads one file and prints the server's account of it.
func importFile(cmd *cobra.Command, c *client.Client, path string, bars bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s: %w", path, errFolder)
	}

	stderr := cmd.ErrOrStderr()
	bar := newBytesBar(stderr, bars, filepath.Base(path), st.Size())
	res, err := c.Import(cmd.Context(), &countingFile{f: f, bar: bar},
		st.Size(), filepath.Base(path))
	endLine(stderr, bars)
	if err != nil {
		return err
	}

	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s: %d imported, %d duplicates\n",
		path, res.Imported, res.Duplicates)
	if len(res.IgnoredColumns) > 0 {
		fmt.Fprintf(out, "%s: ignored columns: %s\n",
			path, strings.Join(res.IgnoredColumns, ", "))
	}
	return nil
}

// fileFault reports whether err concerns only the file at hand, so the
// next file may still go through.
func fileFault(err error) bool {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
			return true
		}
		return false
	}
	var pathErr *os.PathError
	return errors.As(err, &pathErr) || errors.Is(err, errFolder)
}

var errFolder = errors.New("is a folder, not a file")

// countingFile moves a progress bar as the upload reads the file, and
// back when a retry starts over.
type countingFile struct {
	f   *os.File
	bar *progressbar.ProgressBar
	pos int64
}

func (r *countingFile) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.pos += int64(n)
	_ = r.bar.Set64(r.pos)
	return n, err
}

func (r *countingFile) Seek(offset int64, whence int) (int64, error) {
	pos, err := r.f.Seek(offset, whence)
	if err == nil {
		r.pos = pos
		_ = r.bar.Set64(pos)
	}
	return pos, err
}

var _ io.ReadSeeker = (*countingFile)(nil)
