// Command backstory captures what people do on a website, keeps it in a
// columnar store, and exports the events or people of a segment.
//
// One binary: `backstory serve` runs the server; the other subcommands are
// clients of its HTTP API (only the server process opens the database).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		os.Exit(1)
	}
}

// exitError carries a specific process exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "backstory",
		Short: "Capture, segment and export what people do on a website",
		// Errors are printed once, by cobra, with the usage hidden: a
		// failed export should read as a message, not a manual.
		SilenceUsage: true,
	}
	root.SetErrPrefix("backstory: error:")
	root.AddCommand(
		newServeCmd(),
		newKeysCmd(),
		newExportCmd(),
		newImportCmd(),
		newBenchCmd(),
	)
	return root
}

// envOr returns the environment variable's value, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envFloat reads a number from the environment, or def when unset or
// not a number.
func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

// requireKey reads the API key for client commands from the environment.
func requireKey() (string, error) {
	key := os.Getenv("BACKSTORY_API_KEY")
	if key == "" {
		return "", fmt.Errorf("no API key: set BACKSTORY_API_KEY " +
			"(an admin or architect key; `backstory keys create` makes one)")
	}
	return key, nil
}
