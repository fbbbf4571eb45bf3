package main

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
)

func (a *app) generateCmd() *cobra.Command {
	var role, gun, algorithm string
	var compat bool
	cmd := &cobra.Command{
		Use:   "generate --role ROLE [--gun GUN] [--algorithm ecdsa|ed25519] [--compat]",
		Short: "Generate a new key and print its ID",
		Long: `Generate a new key, encrypt it under a new passphrase and store it as
private/<ID>.key. Standard output gets only the key ID, so scripts can capture it.

ROLE is root, targets or snapshot (these two need --gun), a delegation
targets/<name>, or a docker signer name such as alice. Timestamp keys belong to
the notary server. The gun header is kept for targets and snapshot keys only,
as notary does. New keys use PBKDF2 with ` + fmt.Sprint(vault.HardenedIterations) + ` iterations; --compat writes notary's
own ` + fmt.Sprint(vault.CompatIterations) + ` (docker and notary read both).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			const op = "generate"
			if err := required(cmd, "role", "ROLE: root, targets, snapshot, a delegation such as targets/releases, or a docker signer name"); err != nil {
				return err
			}
			if err := checkHeader("--role", role); err != nil {
				return err
			}
			if err := checkHeader("--gun", gun); err != nil {
				return err
			}
			if algorithm != vault.AlgorithmECDSA && algorithm != vault.AlgorithmED25519 {
				return usage("--algorithm %q: use ecdsa or ed25519", algorithm)
			}
			var opts []vault.Option
			if compat {
				opts = append(opts, vault.WithIterations(vault.CompatIterations))
			}
			s, err := a.openStore(opts...)
			if err != nil {
				return failAtomic(op, err)
			}
			a.warnGUN(role, gun)
			k, err := s.Generate(role, gun, algorithm, a.passphrases().get)
			if err != nil {
				return failAtomic(op, err)
			}
			fmt.Fprintln(a.stdout, k.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the key's `ROLE`: root, targets, snapshot, a delegation such as targets/releases, or a docker signer name")
	cmd.Flags().StringVar(&gun, "gun", "", "the repository (`GUN`) of a targets or snapshot key")
	cmd.Flags().StringVar(&algorithm, "algorithm", vault.AlgorithmECDSA, "ecdsa (P-256, what docker and notary make) or ed25519")
	cmd.Flags().BoolVar(&compat, "compat", false, "encrypt with notary's 2048 PBKDF2 iterations instead of the hardened count")
	return cmd
}

// warnGUN says on standard error when --gun will not be written: notary
// keeps the gun header only for targets, snapshot and timestamp keys.
func (a *app) warnGUN(role, gun string) {
	if kind := keyrole.KindOf(role); gun != "" && (kind == keyrole.Root || kind == keyrole.Delegation) {
		fmt.Fprintf(a.stderr, "trustvault: note: %s keys carry no gun header (notary drops it); --gun %s is not written\n", role, gun)
	}
}

// checkHeader refuses a role or GUN that cannot be a PEM header value.
func checkHeader(flag, v string) error {
	if flag == "--role" && v == "" {
		return usage("%s must not be empty", flag)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return usage("%s %q: spaces and control characters are not allowed", flag, v)
	}
	return nil
}
