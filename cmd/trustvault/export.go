package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

func (a *app) exportCmd() *cobra.Command {
	var public, private bool
	var out string
	cmd := &cobra.Command{
		Use:   "export --public|--private KEYID... [-o FILE]",
		Short: "Export public keys, or private key files as a notary bundle",
		Long: `--public writes a PUBLIC KEY block with a role header for each key (the key is
unlocked when its file does not show the public part, so a passphrase may be
asked for).

--private writes the key files' blocks unchanged, still under their
passphrases, each with a path header, as 'notary key export' does; 'notary key
import' and 'trustvault import' read the bundle.

Output goes to standard output, or with -o to FILE, written atomically (mode
0600 for private keys, 0644 for public keys). A FILE that exists and is not a
regular file is never replaced: a terminal or /dev/null is written into, a
named pipe only when a program reads it, anything else is refused.`,
		Args: keyIDArgs(minArgs(1, "at least one key ID")),
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			return exactlyOne(cmd, "public", "private")
		},
		RunE: func(_ *cobra.Command, args []string) error {
			const op = "export"
			s, err := a.openStore()
			if err != nil {
				return fail(op, err)
			}
			ids := make([]string, 0, len(args))
			for _, arg := range args {
				k, err := s.Key(arg)
				if err != nil {
					return fail(op, err)
				}
				ids = append(ids, k.ID)
			}
			var data []byte
			perm := os.FileMode(0o644)
			if public {
				p := a.passphrases()
				for _, id := range ids {
					b, err := s.ExportPublic(id, p.get)
					if err != nil {
						return fail(op, err)
					}
					data = append(data, b...)
				}
			} else {
				perm = 0o600
				if data, err = s.ExportPrivate(ids); err != nil {
					return fail(op, err)
				}
			}
			if out == "" {
				_, err = a.rawStdout.Write(data) // the key file's bytes, as they are
			} else {
				err = vault.WriteFile(out, data, perm)
			}
			if err != nil {
				return fail(op, err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&public, "public", false, "export public keys")
	cmd.Flags().BoolVar(&private, "private", false, "export the encrypted private key files")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to `FILE` instead of standard output")
	return cmd
}
