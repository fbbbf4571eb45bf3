package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

func (a *app) hardenCmd() *cobra.Command {
	var dryRun, newPassphrase, asJSON bool
	cmd := &cobra.Command{
		Use:   "harden [--dry-run] [--new-passphrase] [--json]",
		Short: "Re-encrypt weakly protected keys with the hardened setting",
		Long: fmt.Sprintf(`Re-encrypt every key file protected less well than trustvault protects new
keys: notary's and docker's %d PBKDF2 iterations (any count below %d), the
legacy PEM encryption of notary before v0.6, or none. Each key keeps its
passphrase, or with --new-passphrase gets a new one (TRUSTVAULT_NEW_PASSPHRASE
or a prompt, held to the passphrase policy). docker and notary read the
hardened files as before.

Passphrases come from the role's variable (see trustvault --help) or a
prompt, one per key; the passphrase that opened the previous key of the same
role is tried first, so keys sharing a passphrase are asked for once. Each
key is rewritten atomically in place; a key that fails is left as it was and
the others go on. Cancelling a prompt (Ctrl-D) stops, leaving the remaining
keys as they were.

Progress goes to standard error; the outcome of every key file and a summary
go to standard output (--json: {"hardened", "already_hardened", "failed",
"cancelled", "keys": [{"id", "role", "gun", "path", "status", "before",
"after", "error", "weak_passphrase"}]}). The exit status is 1 if any key
failed or was not tried. --dry-run lists what would be done, asking for
nothing.`, vault.CompatIterations, vault.HardenedIterations),
		Args: noArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			return atMostOne(cmd, "dry-run", "new-passphrase")
		},
		RunE: func(*cobra.Command, []string) error {
			const op = "harden"
			s, err := a.openStore()
			if err != nil {
				return failAtomic(op, err)
			}
			if dryRun {
				return a.hardenDryRun(s, asJSON)
			}
			p := a.passphrases()
			opts := vault.HardenOptions{Pass: p.get, Policy: a.policy()}
			if newPassphrase {
				opts.NewPass = p.newFromVar
			}
			return a.harden(s, opts, asJSON)
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list the keys that would be re-encrypted; change nothing")
	cmd.Flags().BoolVar(&newPassphrase, "new-passphrase", false, "give every re-encrypted key a new passphrase (TRUSTVAULT_NEW_PASSPHRASE or a prompt)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the outcome as JSON")
	return cmd
}

// harden runs the engine's Harden with progress on standard error and
// reports every key on standard output.
func (a *app) harden(s *vault.Store, opts vault.HardenOptions, asJSON bool) error {
	opts.Start = func(i, total int, k vault.Key) {
		fmt.Fprintf(a.stderr, "[%d/%d] %s: %s\n", i, total, describeKey(k), k.Encryption.Summary())
	}
	opts.Done = func(i, total int, r vault.HardenResult) {
		switch r.Status {
		case vault.Hardened:
			fmt.Fprintf(a.stderr, "[%d/%d] %s: hardened (%s)\n", i, total, describeKey(r.Key), r.Key.Encryption.Summary())
		default:
			fmt.Fprintf(a.stderr, "[%d/%d] %s: %s: %s\n", i, total, describeKey(r.Key), r.Status, reason(r.Err))
		}
	}
	report, err := s.Harden(opts)
	if err != nil {
		return failAtomic("harden", err)
	}
	if asJSON {
		err = writeHardenJSON(a.stdout, report)
	} else {
		err = writeHardenTable(a.stdout, a.command, report)
	}
	if err != nil {
		return fail("harden", err)
	}
	failed, cancelled := report.Count(vault.HardenFailed), report.Count(vault.HardenCancelled)
	switch {
	case cancelled > 0:
		return fail("harden", fmt.Errorf("%w: %d key(s) not tried and left as they were", vault.ErrAborted, cancelled))
	case failed > 0:
		return fail("harden", fmt.Errorf("%d key(s) failed and were left as they were (see above)", failed))
	}
	return nil
}

// hardenDryRun lists what harden would do.
func (a *app) hardenDryRun(s *vault.Store, asJSON bool) error {
	keys, err := s.HardenPlan()
	if err != nil {
		return fail("harden", err)
	}
	var report vault.HardenReport
	for _, k := range keys {
		r := vault.HardenResult{Key: k, Before: k.Encryption}
		switch {
		case k.Err != nil:
			r.Status, r.Err = vault.HardenFailed, k.Err
		case vault.NeedsHardening(k):
			r.Status = vault.HardenCancelled // "not tried"; shown as "would harden"
		default:
			r.Status = vault.AlreadyHardened
		}
		report.Results = append(report.Results, r)
	}
	if asJSON {
		return writeHardenJSON(a.stdout, report, "would harden")
	}
	return writeHardenTable(a.stdout, a.command, report, "would harden")
}

// describeKey is e.g. "targets key 1a2b3c4 (docker.io/acme/app)".
func describeKey(k vault.Key) string {
	d := fmt.Sprintf("%s key %s", orDash(k.Role), k.ShortID())
	if k.GUN != "" {
		d += " (" + k.GUN + ")"
	}
	return d
}

// reason is an engine error as the command line shows it.
func reason(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// statusText names a status; in a dry run, keys not tried are the ones that
// would be hardened.
func statusText(st vault.HardenStatus, notTried []string) string {
	if st == vault.HardenCancelled && len(notTried) > 0 {
		return notTried[0]
	}
	if st == vault.HardenCancelled {
		return "not tried"
	}
	return st.String()
}

// writeHardenTable prints the outcome; cmdline makes the commands it
// suggests.
func writeHardenTable(w io.Writer, cmdline func(...string) string, r vault.HardenReport, notTried ...string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tROLE\tGUN\tKEY ID\tENCRYPTION\tNOTE")
	for _, res := range r.Results {
		enc := res.Before.Summary()
		if res.Status == vault.Hardened {
			enc = res.Before.Summary() + " -> " + res.Key.Encryption.Summary()
		}
		note := reason(res.Err)
		if res.Status == vault.HardenCancelled {
			note = ""
		}
		if res.Weak != nil {
			note = fmt.Sprintf("kept a weak passphrase (%s, the minimum is %d): change it with `%s`", res.Weak.Strength, res.Weak.Min, cmdline("passwd", res.Key.ShortID()))
		}
		if res.Key.Err != nil {
			enc = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", statusText(res.Status, notTried), orDash(res.Key.Role), orDash(res.Key.GUN), res.Key.ShortID(), enc, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(notTried) > 0 {
		_, err := fmt.Fprintf(w, "Would harden %d, already hardened %d, unusable %d.\n",
			r.Count(vault.HardenCancelled), r.Count(vault.AlreadyHardened), r.Count(vault.HardenFailed))
		return err
	}
	summary := fmt.Sprintf("Hardened %d, already hardened %d, failed %d", r.Count(vault.Hardened), r.Count(vault.AlreadyHardened), r.Count(vault.HardenFailed))
	if n := r.Count(vault.HardenCancelled); n > 0 {
		summary += fmt.Sprintf(", not tried %d (cancelled)", n)
	}
	_, err := fmt.Fprintln(w, summary+".")
	return err
}

type hardenKeyJSON struct {
	ID             string `json:"id"`
	Role           string `json:"role"`
	GUN            string `json:"gun"`
	Path           string `json:"path"`
	Status         string `json:"status"`
	Before         string `json:"before"`
	After          string `json:"after,omitempty"`
	Error          string `json:"error,omitempty"`
	WeakPassphrase string `json:"weak_passphrase,omitempty"`
}

type hardenJSON struct {
	Hardened        int             `json:"hardened"`
	AlreadyHardened int             `json:"already_hardened"`
	Failed          int             `json:"failed"`
	Cancelled       int             `json:"cancelled"`
	WouldHarden     int             `json:"would_harden,omitempty"`
	Keys            []hardenKeyJSON `json:"keys"`
}

func writeHardenJSON(w io.Writer, r vault.HardenReport, notTried ...string) error {
	out := hardenJSON{
		Hardened:        r.Count(vault.Hardened),
		AlreadyHardened: r.Count(vault.AlreadyHardened),
		Failed:          r.Count(vault.HardenFailed),
		Cancelled:       r.Count(vault.HardenCancelled),
		Keys:            []hardenKeyJSON{},
	}
	if len(notTried) > 0 { // a dry run
		out.WouldHarden, out.Cancelled = out.Cancelled, 0
	}
	for _, res := range r.Results {
		k := hardenKeyJSON{
			ID: res.Key.ID, Role: res.Key.Role, GUN: res.Key.GUN, Path: res.Key.Path,
			Status: statusText(res.Status, notTried), Before: res.Before.Summary(),
		}
		if res.Status == vault.Hardened {
			k.After = res.Key.Encryption.Summary()
		}
		if res.Err != nil && !errors.Is(res.Err, vault.ErrAborted) || res.Status == vault.HardenFailed {
			k.Error = reason(res.Err)
		}
		if res.Weak != nil {
			k.WeakPassphrase = res.Weak.Error()
		}
		out.Keys = append(out.Keys, k)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
