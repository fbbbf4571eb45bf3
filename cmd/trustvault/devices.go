package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

type driveJSON struct {
	Mount      string   `json:"mount"`
	Label      string   `json:"label"`
	Identity   string   `json:"identity"`
	Device     string   `json:"device"`
	Filesystem string   `json:"filesystem"`
	Encrypted  bool     `json:"encrypted"`
	FreeBytes  uint64   `json:"free_bytes"`
	SizeBytes  uint64   `json:"size_bytes"`
	Transport  string   `json:"transport"`
	Eligible   bool     `json:"eligible"`
	Reason     string   `json:"reason"`
	Warnings   []string `json:"warnings"`
}

func (a *app) devicesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "devices [--json]",
		Short: "List the drives a backup can go to (and why the others cannot), and hardware tokens",
		Long: `devices lists every mounted drive with its physical device: a USB stick's
partitions, or a card reader's slots, are one device; two sticks are two,
even with the same serial. A drive is eligible for a backup when it is on
USB or MMC (or removable), writable, identified, and not the device of the
trust directory; otherwise the reason is given.

--json prints {"drives": [{"mount", "label", "identity", "device",
"filesystem", "encrypted", "free_bytes", "size_bytes", "transport",
"eligible", "reason", "warnings"}], "tokens": [{"serial", "firmware",
"pin_retries", "slots"}], "tokens_unreachable"}; tokens_unreachable, present
only when tokens cannot be reached at all, says why (pcscd not running, a
build without Yubikey support) and what to do.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "devices"
			dir, err := vault.ResolveDir(a.trustDir)
			if err != nil {
				return fail(op, err)
			}
			d, err := a.drives()
			if err != nil {
				return fail(op, err)
			}
			ds, err := d.List(dir)
			if err != nil {
				return fail(op, err)
			}
			tokens, unreachable, err := listTokens()
			if err != nil {
				return fail(op, err)
			}
			if asJSON {
				out := struct {
					Drives      []driveJSON `json:"drives"`
					Tokens      []tokenJSON `json:"tokens"`
					Unreachable string      `json:"tokens_unreachable,omitempty"`
				}{Drives: []driveJSON{}, Tokens: tokens, Unreachable: unreachable}
				for _, dr := range ds {
					out.Drives = append(out.Drives, driveJSON{
						Mount: dr.Mount, Label: dr.Label, Identity: dr.Identity.Key, Device: dr.Identity.String(),
						Filesystem: dr.Filesystem, Encrypted: dr.Encrypted, FreeBytes: dr.FreeBytes, SizeBytes: dr.SizeBytes,
						Transport: dr.Transport, Eligible: dr.Eligible, Reason: dr.Reason, Warnings: append([]string{}, dr.Warnings...),
					})
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return fail(op, err)
				}
				return nil
			}
			var b strings.Builder
			if len(ds) == 0 {
				b.WriteString("No drives are mounted.\n")
			}
			for _, dr := range ds {
				mark := "no "
				if dr.Eligible {
					mark = "yes"
				}
				enc := ""
				if dr.Encrypted {
					enc = ", encrypted"
				}
				fmt.Fprintf(&b, "%s  %-24s %s\n", mark, dr.Mount, dr.Label)
				fmt.Fprintf(&b, "     %s · %s%s · %s free\n", dr.Identity, orDash(dr.Filesystem), enc, vault.SizeString(dr.FreeBytes))
				if !dr.Eligible {
					fmt.Fprintf(&b, "     not offered: %s\n", dr.Reason)
				}
				for _, w := range dr.Warnings {
					fmt.Fprintf(&b, "     warning: %s\n", w)
				}
			}
			switch {
			case unreachable != "":
				fmt.Fprintf(&b, "\nHardware tokens cannot be seen: %s.\n", unreachable)
			case len(tokens) == 0:
				b.WriteString("\nNo hardware tokens are plugged in.\n")
			}
			for _, t := range tokens {
				fmt.Fprintf(&b, "\nToken %d, firmware %s, %d PIN retries\n", t.Serial, t.Firmware, t.PINRetries)
			}
			_, err = fmt.Fprint(a.stdout, b.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
