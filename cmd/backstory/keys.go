package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
)

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage API keys (through the server's API, with an admin key)",
	}
	var server, role, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API key and print it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, err := requireKey()
			if err != nil {
				return err
			}
			body, _ := json.Marshal(map[string]string{"role": role, "name": name})
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost,
				strings.TrimRight(server, "/")+"/keys/v1", strings.NewReader(string(body)))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Basic "+key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("cannot reach %s: is `backstory serve` running? (%v)", server, err)
			}
			defer resp.Body.Close()
			var out struct {
				Key, ID, Role, Message string
			}
			json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("create key: %s (HTTP %d)", out.Message, resp.StatusCode)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created %s key %s; it is shown once:\n", out.Role, out.ID)
			fmt.Fprintln(cmd.OutOrStdout(), out.Key)
			return nil
		},
	}
	create.Flags().StringVar(&server, "server", envOr("BACKSTORY_SERVER", "http://127.0.0.1:8080"), "server URL (env BACKSTORY_SERVER)")
	create.Flags().StringVar(&role, "role", "architect", "admin, architect or standard")
	create.Flags().StringVar(&name, "name", "", "a label to tell keys apart")
	cmd.AddCommand(create)
	return cmd
}
