package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// Files keeps export files in a local folder. A file is written under a
// temporary name and renamed into place only after it is whole, so a
// reader never sees a partial file.
type Files struct {
	Dir string
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func (f Files) path(id string) (string, error) {
	if !safeID.MatchString(id) {
		return "", fmt.Errorf("bad export id %q", id)
	}
	return filepath.Join(f.Dir, id), nil
}

// Create opens a temporary file for an export.
func (f Files) Create(id string) (*os.File, error) {
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("create export folder: %w", err)
	}
	p, err := f.path(id)
	if err != nil {
		return nil, err
	}
	return os.OpenFile(p+".part", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
}

// Publish checks that the temporary file holds the size the writer
// wrote, then renames it into place. (Its checksum was taken as it was
// written; reading it back would only read the page cache again.)
func (f Files) Publish(id string, size int64) error {
	p, err := f.path(id)
	if err != nil {
		return err
	}
	st, err := os.Stat(p + ".part")
	if err != nil {
		return err
	}
	if st.Size() != size {
		return fmt.Errorf("export file check failed: wrote %d bytes, found %d", size, st.Size())
	}
	return os.Rename(p+".part", p)
}

// Open opens a published export file.
func (f Files) Open(id string) (*os.File, error) {
	p, err := f.path(id)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Remove deletes an export file and any temporary file of it.
func (f Files) Remove(id string) error {
	p, err := f.path(id)
	if err != nil {
		return err
	}
	os.Remove(p + ".part")
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// countingWriter counts and hashes the bytes that pass through it.
type countingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newCountingWriter(w io.Writer) *countingWriter {
	return &countingWriter{w: w, h: sha256.New()}
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }
