package main

import "github.com/spf13/cobra"

func newServeCmd() *cobra.Command { return &cobra.Command{Use: "serve"} }
func newKeysCmd() *cobra.Command  { return &cobra.Command{Use: "keys"} }
