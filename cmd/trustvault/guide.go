package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
)

func (a *app) guideCmd() *cobra.Command {
	var gun string
	cmd := &cobra.Command{
		Use:   "guide ROLE|KEYID [--gun GUN]",
		Short: "Print the lost-key guide for a key type or a key, with your repository and key IDs filled in",
		Long: `guide prints what to do when a key is lost: for root (not recoverable:
what it means, what the registry's operator must do, how to start over),
targets and delegations (rotate with the root or targets key, sign again),
snapshot and timestamp (held by the notary server; rotate there).

Give a key type (root, targets, snapshot, timestamp, delegation), a
delegation role (targets/releases) or a key ID (7 digits or more); the
guide is filled with the repository (--gun, or the one whose metadata names
the key) and the key's ID.`,
		Args: exactArgs(1, "one key type or key ID"),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkGuideSubject(args[0]); err != nil {
				return err
			}
			s, err := a.openStore()
			if err != nil {
				return fail("guide", err)
			}
			d, err := health.StoreGuide(s, args[0], gun, a.command())
			if err != nil {
				return fail("guide", err)
			}
			text, err := health.LostKeyGuide(d)
			if err != nil {
				return fail("guide", err)
			}
			_, err = io.WriteString(a.stdout, text)
			return err
		},
	}
	cmd.Flags().StringVar(&gun, "gun", "", "the repository (GUN) the guide is for")
	return cmd
}

// checkGuideSubject refuses, as a usage error, a subject that is neither a
// key type, a delegation role nor a key ID.
func checkGuideSubject(subject string) error {
	subject = strings.TrimSpace(subject)
	if _, err := keyrole.ParseKind(subject); err == nil || strings.HasPrefix(subject, "targets/") {
		return nil
	}
	if vault.CheckKeyIDPrefix(subject) == nil {
		return nil
	}
	return usage("%q is neither a key type (root, targets, snapshot, timestamp, delegation), a delegation role (targets/NAME) nor a key ID (at least 7 hex digits)", subject)
}
