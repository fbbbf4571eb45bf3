package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
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
0600 for private keys, 0644 for public keys).`,
		Args: cobra.MinimumNArgs(1),
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
				_, err = a.stdout.Write(data)
			} else {
				err = writeFileAtomic(out, data, perm)
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
	cmd.MarkFlagsMutuallyExclusive("public", "private")
	cmd.MarkFlagsOneRequired("public", "private")
	return cmd
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory: written, synced, renamed over name, and the directory synced, so
// name holds either its old content or all of data.
func writeFileAtomic(name string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes the file 0600; widen it only for public keys.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), name); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
