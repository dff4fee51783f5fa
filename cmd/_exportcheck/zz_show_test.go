package main

import (
	"path/filepath"
	"testing"
)

func TestShowOutput(t *testing.T) {
	srv := newExportServer(t)
	srv.CutAfter = len(srv.File) / 2
	out := filepath.Join(t.TempDir(), "may.csv.gz")
	stdout, stderr, err := runCLI(t, "export", "--server", srv.URL, "--split", "day", "--from", "2024-05-01", "--to", "2024-05-03", "-o", out)
	t.Logf("err=%v\nstdout:\n%s\nstderr:\n%q", err, stdout, stderr)
	_, _, err = runCLI(t, "export", "--server", srv.URL, "--type", "x")
	t.Logf("err=%v", err)
	root := newRootCmd()
	root.SetArgs([]string{"export", "--help"})
	root.Execute()
}
