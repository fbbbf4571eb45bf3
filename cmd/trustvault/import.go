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
	cmd := &cobra.Command{
		Use:   "import FILE... [--role ROLE] [--gun GUN]",
		Short: "Import private keys from PEM files",
		Long: `Import the keys in PEM files: PKCS#8 (encrypted or not), SEC1 and PKCS#1 keys,
legacy PEM-encrypted keys, and notary key export bundles with path headers.
FILE "-" reads standard input. Each stored key is encrypted under a new
passphrase; an encrypted input is first decrypted with its own.

--role and --gun apply to blocks without those headers (the role defaults to
"delegation", as in notary). Prints the ID of each key imported. Every file is
tried; the exit status is non-zero when any failed. A file's keys are all checked
and decrypted before any of them is written.`,
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
				keys, err := s.Import(data, file, opts, p.get)
				zero(data)
				for _, k := range keys {
					fmt.Fprintln(a.stdout, k.Key.ID)
					if k.Existing {
						fmt.Fprintf(a.stderr, "trustvault: import %s: key %s is already in the store; its file was left as it was\n", file, k.Key.ShortID())
					}
				}
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
	return cmd
}

// readInput reads a file, or standard input for "-".
func (a *app) readInput(name string) ([]byte, error) {
	if name == "-" {
		if a.stdin == nil {
			return nil, errors.New("-: no standard input")
		}
		return io.ReadAll(a.stdin)
	}
	return os.ReadFile(name)
}
