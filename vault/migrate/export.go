package migrate

// Writing an export: a new output directory (or an empty one), each file
// written whole through a temporary file and linked to its name, which
// never replaces a file, and every file removed again when one fails. The
// command line and the interactive view both write through here.

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Cosign's file names in an export directory.
const (
	CosignKeyFile = "cosign.key"
	CosignPubFile = "cosign.pub"
)

// CheckOutputDir reports whether WriteExport would accept dir, without
// creating it: a directory that does not exist yet, or an empty one. A
// directory that already holds files is refused, so that no earlier export
// is overwritten or mixed with this one. Callers check before asking for a
// passphrase; WriteExport checks again.
func CheckOutputDir(dir string) error {
	if dir == "" {
		return errors.New("no output directory: name a new directory")
	}
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("output directory %s is a file; name a new directory with -o", dir)
	}
	if _, err := f.Readdirnames(1); !errors.Is(err, io.EOF) {
		if err != nil {
			return fmt.Errorf("output directory %s: %w", dir, err)
		}
		return fmt.Errorf("output directory %s is not empty; trustvault never writes over files: name a new directory with -o", dir)
	}
	return nil
}

// WriteExport makes dir (0700) when CheckOutputDir accepts it and writes
// every file into it (File.Path relative and slash-separated, with
// File.Mode), each as a new file. When one fails, the files already
// written are removed again, so an export is there whole or not at all.
func WriteExport(dir string, files []File) error {
	if err := CheckOutputDir(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	var done []string
	for _, f := range files {
		name := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := writeNewFile(name, f.Data, f.Mode); err != nil {
			for _, d := range done {
				os.Remove(d)
			}
			return fmt.Errorf("%w (the files written before it were removed)", err)
		}
		done = append(done, name)
	}
	return nil
}

// writeNewFile writes data to name, which must not exist: through a
// temporary file in the same directory (written, synced, given perm), then
// hard-linked to name, which fails rather than replace a file that appeared
// meanwhile. name holds either nothing or all of data.
func writeNewFile(name string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
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
	if err = os.Link(tmp, name); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; trustvault does not write over it", name)
		}
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// CosignExport is what ExportCosign wrote.
type CosignExport struct {
	Dir     string
	KeyPath string // cosign.key, mode 0600, encrypted
	PubPath string // cosign.pub, mode 0644
}

// CheckCosignAlgorithm refuses, before any passphrase is asked, a key whose
// algorithm ("ecdsa", "ed25519", "rsa", or "" when not known yet) is not
// exported to cosign, with the reason.
func CheckCosignAlgorithm(alg string) error {
	switch alg {
	case "", "ecdsa":
		return nil
	case "ed25519":
		return fmt.Errorf("%w: Ed25519 keys are not exported to cosign: cosign v3 loads Ed25519 keys as Ed25519ph by default and then cannot sign or verify with them (sigstore/cosign#5074); make a P-256 key for cosign (cosign generate-key-pair)", ErrUnsupportedKey)
	default:
		return fmt.Errorf("%w: %s keys are not exported to cosign; only ECDSA P-256", ErrUnsupportedKey, alg)
	}
}

// ExportCosign writes key into the new directory dir as cosign.key
// (cosign's encrypted format under passphrase, mode 0600) and cosign.pub
// (mode 0644): both or neither. The passphrase is the caller's to zero.
func ExportCosign(dir string, key crypto.Signer, passphrase []byte, opts CosignOptions) (*CosignExport, error) {
	pub, err := EncodeCosignPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	priv, err := EncodeCosignKey(key, passphrase, opts)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: CosignKeyFile, Data: priv, Mode: 0o600}, {Path: CosignPubFile, Data: pub, Mode: 0o644}}
	if err := WriteExport(dir, files); err != nil {
		return nil, err
	}
	return &CosignExport{Dir: dir, KeyPath: filepath.Join(dir, CosignKeyFile), PubPath: filepath.Join(dir, CosignPubFile)}, nil
}

// CosignUsage says what cosign does with an exported pair: how to sign and
// verify, and that cosign's default puts the signature and the public key
// on the public Rekor log. One line each, without trailing newline.
func CosignUsage(keyPath, pubPath string) []string {
	return []string{
		"Sign with cosign (COSIGN_PASSWORD set to the new passphrase):",
		"  cosign sign --key " + keyPath + " IMAGE",
		"    uploads the signature and your public key to the PUBLIC Rekor",
		"    transparency log (the default); add --tlog-upload=false to keep them",
		"    private, and verifiers then add --insecure-ignore-tlog.",
		"  cosign sign-blob --key " + keyPath + " --tlog-upload=false --use-signing-config=false --bundle FILE.bundle FILE",
		"Verify:",
		"  cosign verify --key " + pubPath + " IMAGE",
		"  cosign verify-blob --key " + pubPath + " --insecure-ignore-tlog --bundle FILE.bundle FILE",
		"Old DCT signatures stay DCT signatures: give consumers " + pubPath + " and sign your images again with cosign.",
	}
}
