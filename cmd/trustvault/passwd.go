package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

func (a *app) passwdCmd() *cobra.Command {
	var compat bool
	cmd := &cobra.Command{
		Use:   "passwd KEYID",
		Short: "Change the passphrase of a key",
		Long: `Decrypt a key with its passphrase and rewrite it, same headers, under a new
one. KEYID is the full ID or an unambiguous prefix of at least 7 characters.

The old passphrase comes from the role's variable (see trustvault --help) or a
prompt; the new one from TRUSTVAULT_NEW_PASSPHRASE or a prompt. The file is
replaced atomically: it holds the old key or the new one, never neither.
The rewritten file uses the hardened iteration count; --compat writes
notary's own.`,
		Args: keyIDArgs(exactArgs(1, "one key ID")),
		RunE: func(_ *cobra.Command, args []string) error {
			const op = "passwd"
			var opts []vault.Option
			if compat {
				opts = append(opts, vault.WithIterations(vault.CompatIterations))
			}
			s, err := a.openStore(opts...)
			if err != nil {
				return failAtomic(op, err)
			}
			k, err := s.Key(args[0])
			if err != nil {
				return failAtomic(op, err)
			}
			p := a.passphrases()
			k, err = s.ChangePassphrase(k.ID, p.get, p.newFromVar)
			if err != nil {
				return failAtomic(op, err)
			}
			fmt.Fprintf(a.stdout, "Changed the passphrase of %s key %s (%s).\n", orDash(k.Role), k.ID, k.Encryption.Summary())
			return nil
		},
	}
	cmd.Flags().BoolVar(&compat, "compat", false, "encrypt with notary's 2048 PBKDF2 iterations instead of the hardened count")
	return cmd
}
