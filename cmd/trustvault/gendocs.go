//go:build gendocs

package main

// The man page generator, built only with -tags gendocs (make package runs
// `go run -tags gendocs ./cmd/trustvault gen-man DIR`): the released binary
// links neither cobra/doc nor its Markdown renderer.

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/trustvault/trustvault/vault"
)

func init() {
	extraCommands = append(extraCommands, func(a *app) *cobra.Command {
		return &cobra.Command{
			Use:    "gen-man DIR",
			Short:  "Write the man pages of every command into DIR",
			Hidden: true,
			Args:   cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := os.MkdirAll(args[0], 0o755); err != nil {
					return err
				}
				root := cmd.Root()
				root.DisableAutoGenTag = true
				// A fixed date keeps the package reproducible:
				// SOURCE_DATE_EPOCH when set, else the Unix epoch.
				date := time.Unix(0, 0).UTC()
				if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
					var sec int64
					if _, err := fmt.Sscan(s, &sec); err == nil {
						date = time.Unix(sec, 0).UTC()
					}
				}
				header := &doc.GenManHeader{Title: "TRUSTVAULT", Section: "1", Source: "trustvault " + vault.Version(),
					Manual: "trustvault manual", Date: &date}
				return doc.GenManTree(root, header, args[0])
			},
		}
	})
}
