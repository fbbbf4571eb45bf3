package main

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/migrate"
)

// notationFlags are migrate notation's options.
type notationFlags struct {
	out, subject, name, scope, configDir string
	caKey, caCert                        string
	plainKey                             bool
}

func (a *app) migrateNotationCmd() *cobra.Command {
	var f notationFlags
	cmd := &cobra.Command{
		Use:   `notation KEYID [-o DIR] --subject "C=..,ST=..,O=..,CN=.." [--ca-key ID --ca-cert FILE] --plain-key`,
		Short: "Lay out a key, a code-signing certificate, signingkeys.json, trust store and trust policy for Notation",
		Long: `Unlock the key and write, into a new directory DIR (default ./notation), the
files to copy into Notation's configuration directory:
  localkeys/NAME.key               the key, UNENCRYPTED (0600): only with --plain-key
  localkeys/NAME.crt               a new code-signing certificate for the key
  truststore/x509/ca/NAME/NAME.crt the certificate that verifiers trust
  signingkeys.json                 Notation's file, with this key added (and the
                                   keys already in --config-dir's file kept)
  trustpolicy.json                 one strict statement trusting exactly this
                                   certificate's subject, for --scope
Then it prints the commands that finish the move.

Notation reads local keys only unencrypted (it has no passphrase support), so
the key is written only when --plain-key says so; use a KMS or signing plugin
where you can. The certificate has key usage digitalSignature (critical),
extended key usage codeSigning and is not a CA, as Notation requires; it is
self-signed, or signed by --ca-key (a key in this vault) with its certificate
--ca-cert. --subject needs C, ST and O (Notation's trust policy names signers
by them).`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.migrateNotation(args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "notation", "write into the new directory `DIR`")
	fl.StringVar(&f.subject, "subject", "", `the certificate's subject, "C=US, ST=WA, O=Example, CN=release signer"`)
	fl.StringVar(&f.name, "name", "", "the key's name in Notation (default trustvault-<short key ID>)")
	fl.StringVar(&f.scope, "scope", "*", "the trust policy's registry scope (a repository such as registry.example/team/app, or *)")
	fl.StringVar(&f.configDir, "config-dir", "", "Notation's configuration directory (default $NOTATION_CONFIG, else the user's config dir/notation)")
	fl.StringVar(&f.caKey, "ca-key", "", "sign the certificate with this vault key `ID`")
	fl.StringVar(&f.caCert, "ca-cert", "", "the CA certificate `FILE` (PEM) of --ca-key")
	fl.BoolVar(&f.plainKey, "plain-key", false, "write the key unencrypted, as Notation requires (mode 0600)")
	_ = cmd.MarkFlagRequired("subject")
	cmd.MarkFlagsRequiredTogether("ca-key", "ca-cert")
	return cmd
}

func (a *app) migrateNotation(id string, f notationFlags) error {
	const op = "migrate notation"
	if !f.plainKey {
		return failAtomic(op, errors.New("Notation reads a local key only unencrypted (it has no passphrase support), "+
			"so trustvault writes it only with --plain-key (mode 0600); add --plain-key to accept that, or sign with a KMS or Notation plugin instead"))
	}
	subject, err := migrate.ParseSubject(f.subject)
	if err != nil {
		return failAtomic(op, fmt.Errorf("--subject: %w", err))
	}
	configDir, err := a.notationConfigDir(f.configDir)
	if err != nil {
		return failAtomic(op, err)
	}
	if err := migrate.CheckOutputDir(f.out); err != nil {
		return failAtomic(op, err)
	}
	s, err := a.openStore()
	if err != nil {
		return fail(op, err)
	}
	k, err := s.Key(id)
	if err != nil {
		return failAtomic(op, err)
	}
	if k.Algorithm == "ed25519" {
		return failAtomic(op, fmt.Errorf("key %s is Ed25519: Notation signs only with ECDSA P-256/384/521 and RSA 2048/3072/4096", k.ShortID()))
	}
	name := f.name
	if name == "" {
		name = "trustvault-" + k.ShortID()
	}
	opts := migrate.CertOptions{Subject: subject}
	p := a.passphrases()
	if f.caKey != "" {
		if opts.Issuer, err = readCACert(f.caCert); err != nil {
			return failAtomic(op, err)
		}
		ca, err := s.Unlock(f.caKey, p.get)
		if err != nil {
			return failAtomic(op, fmt.Errorf("--ca-key %s: %w", f.caKey, err))
		}
		opts.IssuerSigner = ca.Signer
		// A certificate cannot outlive its issuer: end it with the CA's.
		if opts.Issuer.NotAfter.Before(time.Now().Add(migrate.DefaultCertValidity)) {
			opts.NotAfter = opts.Issuer.NotAfter
			fmt.Fprintf(a.stderr, "trustvault: migrate notation: the certificate ends with the CA's, on %s\n", opts.NotAfter.UTC().Format(time.DateOnly))
		}
	}
	pk, err := s.Unlock(k.ID, p.get)
	if err != nil {
		return failAtomic(op, err)
	}
	files, err := notationFiles(pk.Signer, opts, name, f.scope, configDir)
	if err != nil {
		return failAtomic(op, fmt.Errorf("key %s: %w", k.ShortID(), err))
	}
	defer clear(files[0].Data) // the plaintext key
	if err := migrate.WriteExport(f.out, files); err != nil {
		return fail(op, err)
	}
	keyRel, _, _ := migrate.LocalKeyPaths(name)
	fmt.Fprintf(a.stderr, "trustvault: WARNING: %s holds the private key of %s UNENCRYPTED (mode 0600), because Notation cannot read an encrypted key; keep it only in Notation's configuration directory and delete every other copy\n",
		filepath.Join(f.out, filepath.FromSlash(keyRel)), k.ShortID())
	a.printNotationNext(f.out, configDir, name)
	return nil
}

// notationFiles computes every file of the layout, the plaintext key first.
func notationFiles(signer crypto.Signer, opts migrate.CertOptions, name, scope, configDir string) ([]migrate.File, error) {
	keyRel, certRel, err := migrate.LocalKeyPaths(name)
	if err != nil {
		return nil, err
	}
	chain, err := migrate.NotationCertificate(signer, opts)
	if err != nil {
		return nil, err
	}
	leafBlock, _ := pem.Decode(chain)
	leaf, err := x509.ParseCertificate(leafBlock.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	store, err := migrate.TrustStoreFiles(migrate.StoreCA, name, chain)
	if err != nil {
		return nil, err
	}
	existing, err := readOptional(filepath.Join(configDir, "signingkeys.json"), migrate.MaxSigningKeysSize)
	if err != nil {
		return nil, err
	}
	keys, err := migrate.AddSigningKey(existing, name,
		filepath.Join(configDir, filepath.FromSlash(keyRel)), filepath.Join(configDir, filepath.FromSlash(certRel)), len(existing) == 0)
	if err != nil {
		return nil, err
	}
	policy, err := migrate.TrustPolicy(migrate.TrustPolicyOptions{
		Name: name, RegistryScopes: []string{scope}, StoreType: migrate.StoreCA, StoreName: name,
		Identities: []string{migrate.TrustedIdentity(leaf)},
	})
	if err != nil {
		return nil, err
	}
	plain, err := migrate.PlainKeyPEM(signer)
	if err != nil {
		return nil, err
	}
	files := []migrate.File{
		{Path: keyRel, Data: plain, Mode: 0o600},
		{Path: certRel, Data: chain, Mode: 0o644},
	}
	files = append(files, store...)
	return append(files,
		migrate.File{Path: "signingkeys.json", Data: keys, Mode: 0o644},
		migrate.File{Path: "trustpolicy.json", Data: policy, Mode: 0o644}), nil
}

// notationConfigDir is where Notation reads its configuration: --config-dir,
// else NOTATION_CONFIG, else the user's configuration directory + notation.
func (a *app) notationConfigDir(flag string) (string, error) {
	dir := flag
	if dir == "" {
		dir = a.getenv("NOTATION_CONFIG")
	}
	if dir == "" {
		base := a.getenv("XDG_CONFIG_HOME")
		if base == "" && a.getenv("HOME") != "" {
			base = filepath.Join(a.getenv("HOME"), ".config")
		}
		if base == "" {
			return "", errors.New("cannot tell Notation's configuration directory: set --config-dir or NOTATION_CONFIG")
		}
		dir = filepath.Join(base, "notation")
	}
	return filepath.Abs(dir)
}

// readCACert reads --ca-cert: one PEM CERTIFICATE, at most 1 MiB.
func readCACert(name string) (*x509.Certificate, error) {
	data, err := readOptional(name, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	if data == nil {
		return nil, fmt.Errorf("--ca-cert %s: no such file", name)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("--ca-cert %s: no PEM CERTIFICATE block; give the CA's certificate in PEM", name)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert %s: %w", name, err)
	}
	return cert, nil
}

// readOptional reads a file of at most limit bytes; a missing file is nil.
func readOptional(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes; is this the right file?", name, limit)
	}
	return data, nil
}

func (a *app) printNotationNext(out, configDir, name string) {
	policyNote := "  cp " + filepath.Join(out, "trustpolicy.json") + " " + configDir + "/"
	if _, err := os.Stat(filepath.Join(configDir, "trustpolicy.json")); err == nil {
		policyNote = "  " + filepath.Join(configDir, "trustpolicy.json") + " exists: add the statement from " +
			filepath.Join(out, "trustpolicy.json") + " to its trustPolicies by hand"
	}
	fmt.Fprintf(a.stdout, `Wrote Notation's files for key %q into %s.
Finish (Notation's configuration directory is %s):
  mkdir -p -m 0700 %s
  cp -R %s %s %s %s/
%s
  notation key ls
  notation cert ls
Sign and verify:
  notation sign --key %s REGISTRY/REPOSITORY@DIGEST
  notation verify REGISTRY/REPOSITORY@DIGEST
Then delete %s: it holds the key unencrypted.
`, name, out, configDir, configDir,
		filepath.Join(out, "localkeys"), filepath.Join(out, "truststore"), filepath.Join(out, "signingkeys.json"), configDir,
		policyNote, name, filepath.Join(out, "localkeys", name+".key"))
}
