package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

func (a *app) importCmd() *cobra.Command {
	var opts vault.ImportOptions
	var removePlain bool
	cmd := &cobra.Command{
		Use:   "import FILE... [--role ROLE] [--gun GUN] [--remove-plain]",
		Short: "Import private keys from PEM files",
		Long: `Import the keys in PEM files: PKCS#8 (encrypted or not), SEC1 and PKCS#1 keys,
legacy PEM-encrypted keys, and notary key export bundles with path headers.
FILE "-" reads standard input. Each stored key is encrypted under a new
passphrase; an encrypted input is first decrypted with its own.

--role and --gun apply to blocks without those headers (the role defaults to
"delegation", as in notary). Prints the ID of each key imported. Every file is
tried; the exit status is non-zero when any failed. A file's keys are all checked
and decrypted before any of them is written.

An input that holds unencrypted keys is left in place, with a warning: it is a
private key in plaintext. --remove-plain removes such a file after its import,
once every key written from it has been read back and decrypted to the same
key (a plain unlink: on SSDs and copy-on-write filesystems the old blocks may
survive).`,
		Args: minArgs(1, "at least one FILE (- for standard input)"),
		RunE: func(_ *cobra.Command, files []string) error {
			if err := checkHeader("--gun", opts.GUN); err != nil {
				return err
			}
			if opts.Role != "" {
				if err := checkHeader("--role", opts.Role); err != nil {
					return err
				}
			}
			s, err := a.openStore()
			if err != nil {
				return failAtomic("import", err)
			}
			p := a.passphrases()
			var failed []error
			for _, file := range files {
				data, err := a.readInput(file)
				if err != nil {
					var pe *fs.PathError
					if errors.As(err, &pe) {
						err = pe.Err
					}
					failed = append(failed, fmt.Errorf("import %s: %w", file, err))
					continue
				}
				o := opts
				o.Verify = removePlain
				keys, err := s.Import(data, file, o, p.get)
				zero(data)
				for _, k := range keys {
					fmt.Fprintln(a.stdout, k.Key.ID)
					if k.Existing {
						fmt.Fprintf(a.stderr, "trustvault: import %s: key %s is already in the store; its file was left as it was\n", file, k.Key.ShortID())
					}
				}
				a.plainInput(file, keys, err == nil && removePlain)
				if err != nil {
					failed = append(failed, err) // the engine names the file
				}
			}
			switch len(failed) {
			case 0:
				return nil
			case 1:
				return fail("", failed[0])
			default:
				for _, err := range failed[:len(failed)-1] {
					fmt.Fprintln(a.stderr, "trustvault: "+(&opError{err: err}).explain(a))
				}
				return fail("", failed[len(failed)-1])
			}
		},
	}
	cmd.Flags().StringVar(&opts.Role, "role", "", "`ROLE` for blocks without a role header (default delegation)")
	cmd.Flags().StringVar(&opts.GUN, "gun", "", "`GUN` for blocks without a gun header")
	cmd.Flags().BoolVar(&removePlain, "remove-plain", false, "remove an input holding unencrypted keys once each stored key decrypts to the same key")
	return cmd
}

// plainInput warns about an input that held unencrypted keys, and with
// remove removes it when every key from it was verified in the store.
func (a *app) plainInput(file string, keys []vault.Imported, remove bool) {
	plain, unverified := 0, 0
	for _, k := range keys {
		if k.Plain {
			plain++
		}
		if !k.Verified {
			unverified++
		}
	}
	if plain == 0 || file == "-" {
		return
	}
	switch {
	case remove && unverified == 0:
		if err := os.Remove(file); err != nil {
			fmt.Fprintf(a.stderr, "trustvault: WARNING: %s holds %s UNENCRYPTED and could not be removed: %v; delete it yourself\n", file, plural(plain, "private key", "private keys"), err)
			return
		}
		fmt.Fprintf(a.stderr, "trustvault: %s held %s unencrypted: each stored key decrypts to the same key, so %s was removed\n", file, plural(plain, "private key", "private keys"), file)
	case remove:
		fmt.Fprintf(a.stderr, "trustvault: WARNING: %s holds %s UNENCRYPTED; it was NOT removed: %d of its keys were already in the store or not verified; check them, then delete it yourself\n", file, plural(plain, "private key", "private keys"), unverified)
	default:
		fmt.Fprintf(a.stderr, "trustvault: WARNING: %s holds %s UNENCRYPTED and is still there: the keys are now stored encrypted; delete it (or import again with --remove-plain)\n", file, plural(plain, "private key", "private keys"))
	}
}

// readInput reads a file, or standard input for "-".
func (a *app) readInput(name string) ([]byte, error) {
	if name == "-" {
		if a.stdin == nil {
			return nil, errors.New("-: no standard input")
		}
		data, err := io.ReadAll(io.LimitReader(a.stdin, vault.MaxImportSize+1))
		if err == nil && len(data) > vault.MaxImportSize {
			return nil, fmt.Errorf("-: more than the %d bytes an import input may be", vault.MaxImportSize)
		}
		return data, err
	}
	return vault.ReadInput(name)
}
