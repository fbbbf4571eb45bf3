package main

import (
	"errors"
	"fmt"
	"path/filepath"
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
	if k.Algorithm != "" && k.Algorithm != "ecdsa" {
		return failAtomic(op, fmt.Errorf("key %s: %w", k.ShortID(), cosignRefusalFor(k.Algorithm)))
	}
	if err := checkOutputDir(out); err != nil {
		return failAtomic(op, err)
	}
	p := a.passphrases()
	pk, err := s.Unlock(k.ID, p.get)
	if err != nil {
		return failAtomic(op, err)
	}
	// Refuse the key type before asking for a new passphrase.
	pub, err := migrate.EncodeCosignPublicKey(pk.Public())
	if err != nil {
		return failAtomic(op, fmt.Errorf("key %s: %w", k.ShortID(), err))
	}
	newPass, err := p.lookup([]string{envCosignPassword}, vault.PassphraseRequest{
		Role: "cosign", KeyID: k.ID, New: true, Attempt: 1,
	})
	if err != nil {
		return failAtomic(op, err)
	}
	priv, err := migrate.EncodeCosignKey(pk.Signer, newPass, opts)
	zero(newPass)
	if err != nil {
		return failAtomic(op, fmt.Errorf("key %s: %w", k.ShortID(), err))
	}
	keyPath, pubPath := filepath.Join(out, "cosign.key"), filepath.Join(out, "cosign.pub")
	if err := writeExport(out, []outFile{{"cosign.key", priv, 0o600}, {"cosign.pub", pub, 0o644}}); err != nil {
		return fail(op, err)
	}
	a.printCosignNext(k, keyPath, pubPath)
	return nil
}

// checkOutputDir refuses an output directory that holds files before any
// passphrase is asked; newOutputDir checks again when it creates it.
func checkOutputDir(dir string) error {
	if dir == "" {
		return errors.New("-o: name a directory")
	}
	return probeOutputDir(dir)
}

func cosignRefusalFor(alg string) error {
	switch alg {
	case "ed25519":
		return fmt.Errorf("%w: Ed25519 keys are not exported to cosign: cosign v3 loads Ed25519 keys as Ed25519ph by default and then cannot sign or verify with them (sigstore/cosign#5074); make a P-256 key for cosign (cosign generate-key-pair)", migrate.ErrUnsupportedKey)
	default:
		return fmt.Errorf("%w: %s keys are not exported to cosign; only ECDSA P-256", migrate.ErrUnsupportedKey, alg)
	}
}

func (a *app) printCosignNext(k vault.Key, keyPath, pubPath string) {
	fmt.Fprintf(a.stdout, `Wrote %s (0600, encrypted under the new passphrase) and %s (0644).
%s is the same public key as DCT key %s (%s).

Sign with cosign (COSIGN_PASSWORD set to the new passphrase):
  cosign sign --key %s IMAGE
    uploads the signature and your public key to the PUBLIC Rekor
    transparency log (the default); add --tlog-upload=false to keep them
    private, and verifiers then add --insecure-ignore-tlog.
  cosign sign-blob --key %s --tlog-upload=false --use-signing-config=false --bundle FILE.bundle FILE
Verify:
  cosign verify --key %s IMAGE
  cosign verify-blob --key %s --insecure-ignore-tlog --bundle FILE.bundle FILE
Old DCT signatures stay DCT signatures: give consumers %s and sign your
images again with cosign.
`, keyPath, pubPath, pubPath, k.ShortID(), roleLabel(k), keyPath, keyPath, pubPath, pubPath, pubPath)
}

func roleLabel(k vault.Key) string {
	if k.GUN == "" {
		return "role " + k.Role
	}
	return "role " + k.Role + ", " + k.GUN
}
