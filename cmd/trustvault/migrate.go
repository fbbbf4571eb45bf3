package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/migrate"
)

// envCosignPassword is cosign's own variable for a key file's passphrase:
// migrate cosign takes the new passphrase from it, so the same value then
// unlocks cosign.key in cosign.
const envCosignPassword = "COSIGN_PASSWORD"

func (a *app) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate cosign|notation|report",
		Short: "Leave Docker Content Trust: export keys to cosign or Notation, and report what is left",
		Long: `migrate moves a Docker Content Trust key to the tools that follow DCT, without
ever writing it unencrypted (except where Notation requires it, and only with
--plain-key), and reports, for each repository, what still depends on DCT.

  migrate cosign KEYID     cosign.key (cosign's encrypted format) and cosign.pub
  migrate notation KEYID   a Notation key, certificate, signingkeys.json entry,
                           trust store and trust policy
  migrate report           keys, servers and next steps for every repository`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.migrateCosignCmd(), a.migrateNotationCmd(), a.migrateReportCmd())
	return cmd
}

func (a *app) migrateCosignCmd() *cobra.Command {
	var out, label string
	var logN int
	cmd := &cobra.Command{
		Use:   "cosign KEYID [-o DIR] [--label cosign] [--scrypt-n 15|16|17]",
		Short: "Write a key as cosign.key (encrypted, cosign's format) and cosign.pub",
		Long: `Unlock the key (its passphrase as every command takes it: the role's variable,
or a prompt) and write, into a new directory DIR (default ./cosign):
  cosign.key  mode 0600, cosign's own encrypted format (PEM "ENCRYPTED SIGSTORE
              PRIVATE KEY": scrypt and NaCl secretbox), under a new passphrase
              from COSIGN_PASSWORD, else asked twice at the terminal
  cosign.pub  mode 0644, the same public key (same canonical key ID)
cosign reads cosign.key with COSIGN_PASSWORD set; no 'cosign import-key-pair'
and no unencrypted file is needed. DIR must not exist or be empty.

--label cosign writes "ENCRYPTED COSIGN PRIVATE KEY" for cosign 2.0.0 and
older. --scrypt-n sets scrypt's N to 2^15 (default; every cosign reads it),
2^16 or 2^17 (cosign 2.2.0 and later only).

Only ECDSA P-256 keys are exported (every key docker and notary generate is
one): cosign v3 cannot sign with an Ed25519 key under its defaults.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.migrateCosign(args[0], out, label, logN)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "cosign", "write into the new directory `DIR`")
	cmd.Flags().StringVar(&label, "label", "sigstore", "PEM label: sigstore (cosign 2.0.1 and later) or cosign (2.0.0 and older)")
	cmd.Flags().IntVar(&logN, "scrypt-n", 15, "log2 of scrypt's N: 15, 16 or 17")
	return cmd
}

func (a *app) migrateCosign(id, out, label string, logN int) error {
	const op = "migrate cosign"
	if logN < 15 || logN > 17 {
		return failAtomic(op, fmt.Errorf("--scrypt-n %d: cosign reads only 15, 16 or 17 (and cosign before 2.2.0 only 15)", logN))
	}
	if l := strings.ToLower(label); l != "sigstore" && l != "cosign" {
		return failAtomic(op, fmt.Errorf("--label %q: use sigstore (cosign 2.0.1 and later) or cosign (cosign 2.0.0 and older)", label))
	}
	opts := migrate.CosignOptions{Label: label, LogN: logN}
	s, err := a.openStore()
	if err != nil {
		return fail(op, err)
	}
	k, err := s.Key(id)
	if err != nil {
		return failAtomic(op, err)
	}
	if err := migrate.CheckCosignAlgorithm(k.Algorithm); err != nil {
		return failAtomic(op, fmt.Errorf("key %s: %w", k.ShortID(), err))
	}
	if err := migrate.CheckOutputDir(out); err != nil {
		return failAtomic(op, err)
	}
	p := a.passphrases()
	pk, err := s.Unlock(k.ID, p.get)
	if err != nil {
		return failAtomic(op, err)
	}
	// Refuse the key type before asking for a new passphrase.
	if _, err := migrate.EncodeCosignPublicKey(pk.Public()); err != nil {
		return failAtomic(op, fmt.Errorf("key %s: %w", k.ShortID(), err))
	}
	newPass, err := p.lookup([]string{envCosignPassword}, vault.PassphraseRequest{
		Role: "cosign", KeyID: k.ID, New: true, Attempt: 1,
	})
	if err != nil {
		return failAtomic(op, err)
	}
	ex, err := migrate.ExportCosign(out, pk.Signer, newPass, opts)
	zero(newPass)
	if errors.Is(err, migrate.ErrUnsupportedKey) || errors.Is(err, migrate.ErrEmptyPassphrase) {
		return failAtomic(op, fmt.Errorf("key %s: %w", k.ShortID(), err))
	}
	if err != nil {
		return fail(op, err)
	}
	fmt.Fprintf(a.stdout, "Wrote %s (0600, encrypted under the new passphrase) and %s (0644).\n%s is the same public key as DCT key %s (%s).\n\n%s",
		ex.KeyPath, ex.PubPath, ex.PubPath, k.ShortID(), roleLabel(k), strings.Join(migrate.CosignUsage(ex.KeyPath, ex.PubPath), "\n")+"\n")
	return nil
}

func roleLabel(k vault.Key) string {
	if k.GUN == "" {
		return "role " + k.Role
	}
	return "role " + k.Role + ", " + k.GUN
}
