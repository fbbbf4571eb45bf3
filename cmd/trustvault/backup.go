package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

// envArchivePassphrase holds the passphrase of an encrypted backup
// archive, for backup --encrypt and for verify, restore and drill.
const envArchivePassphrase = "TRUSTVAULT_ARCHIVE_PASSPHRASE"

// envScryptWorkFactor lowers age's scrypt work factor for tests (the
// default, 18, takes about a second per encryption and decryption).
const envScryptWorkFactor = "TRUSTVAULT_TEST_SCRYPT_WORK_FACTOR"

func (a *app) backupCmd() *cobra.Command {
	var to []string
	var encrypt bool
	cmd := &cobra.Command{
		Use:   "backup --to DIR --to DIR [--encrypt]",
		Short: "Back up the keys to two drives, each read back and verified",
		Long: `backup writes one archive of private/ (every key file, 0600 and 0700 in the
archive's headers) and the cached metadata to two drives, and checks that
they are two physical devices and not the device of the trust directory:
two partitions of one stick, or two slots of one card reader, are refused.

Each copy is written to a partial file, synced, renamed to
keys-backup-<UTC>.tar.gz (never over an older backup), the directory
synced, then read back from the drive (not the page cache) and every
digest checked. A failure on one drive (full, read-only, an I/O error)
leaves no partial archive there and the other drive's copy verified. Each
verified copy is recorded in <trust dir>/trustvault/backups.json; doctor
and the interactive view count them.

Without --encrypt the archive is a plain tar.gz, restorable without
trustvault as docker documents it:
  umask 077; tar -xzf keys-backup-<UTC>.tar.gz -C ~/.docker/trust
With --encrypt it is encrypted with age under a passphrase (from
TRUSTVAULT_ARCHIVE_PASSPHRASE, else asked twice) that must reach the root
key minimum of the passphrase policy; 'age -d' decrypts it.

Eject the drives before unplugging them.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "backup"
			if len(to) < 2 {
				return usage("give two drives, --to DIR --to DIR: one copy is lost with its drive")
			}
			s, err := a.openStore()
			if err != nil {
				return fail(op, err)
			}
			d, err := a.drives()
			if err != nil {
				return fail(op, err)
			}
			plan, err := s.PlanBackup(d, to)
			if err != nil {
				return failAtomic(op, err)
			}
			fmt.Fprintf(a.stdout, "Backing up %s to %d drives:\n", s.Dir(), len(plan.Targets))
			for _, t := range plan.Targets {
				fmt.Fprintf(a.stdout, "  %s · %s\n", t.Name(), t.Drive.Identity)
			}
			for _, w := range plan.Warnings {
				fmt.Fprintf(a.stderr, "trustvault: warning: %s\n", w)
			}
			var pass []byte
			if encrypt {
				if pass, err = a.newArchivePassphrase(); err != nil {
					return failAtomic(op, err)
				}
				defer zero(pass)
			}
			wf, _ := strconv.Atoi(a.getenv(envScryptWorkFactor))
			// The archive is held in memory a few times over (the files,
			// the archive, each copy read back: tens of MB at 10,000
			// keys), all of it live to the end: collecting at every
			// doubling of the heap is work for nothing.
			debug.SetGCPercent(400)
			res, err := s.Backup(plan, vault.BackupOptions{Passphrase: pass, WorkFactor: wf})
			if res == nil {
				return failAtomic(op, err)
			}
			fmt.Fprintf(a.stdout, "%s in %s (%s)\n", plural(len(res.Keys), "key", "keys"), res.Archive, vault.SizeString(uint64(res.Size)))
			for _, c := range res.Copies {
				if c.Err != nil {
					fmt.Fprintf(a.stdout, "  FAILED   %s\n", c.Err)
					continue
				}
				fmt.Fprintf(a.stdout, "  verified %s (%s, SHA-256 %s…, read back from the drive)\n", c.Written.Path, vault.SizeString(uint64(c.Written.Size)), c.Written.SHA256[:12])
			}
			ok := len(res.Copies) - res.Failed()
			fmt.Fprintf(a.stdout, "%d of %d copies verified.\n", ok, len(res.Copies))
			if ok > 0 {
				first := ""
				for _, c := range res.Copies {
					if c.Err == nil {
						first = c.Written.Path
						break
					}
				}
				fmt.Fprintf(a.stdout, "Restore with: %s\n", a.command("restore", first))
				if res.Encrypted {
					fmt.Fprintf(a.stdout, "  or without trustvault: age -d %s | (umask 077; tar -xz -C %s)\n", shellQuote(first), shellQuote(s.Dir()))
				} else {
					fmt.Fprintf(a.stdout, "  or without trustvault: umask 077; tar -xzf %s -C %s\n", shellQuote(first), shellQuote(s.Dir()))
				}
				fmt.Fprintln(a.stdout, "Eject the drives before unplugging them, and keep them in two places.")
			}
			if err != nil {
				return fail(op, err)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&to, "to", nil, "a directory on a backup drive (give two)")
	cmd.Flags().BoolVar(&encrypt, "encrypt", false, "encrypt the archive with age under a passphrase")
	return cmd
}

// newArchivePassphrase is the passphrase for a new encrypted archive:
// from TRUSTVAULT_ARCHIVE_PASSPHRASE, else typed twice. It must reach the
// policy's root minimum: the archive holds the root keys.
func (a *app) newArchivePassphrase() ([]byte, error) {
	req := vault.PassphraseRequest{Role: "root", New: true, Attempt: 1}
	return a.passphrases().newSecret([]string{envArchivePassphrase}, "the backup archive", req)
}

// archivePassphrase gives an encrypted archive's passphrase: from
// TRUSTVAULT_ARCHIVE_PASSPHRASE, else asked once.
func (a *app) archivePassphrase(path string) func() ([]byte, error) {
	return func() ([]byte, error) {
		return a.passphrases().secret([]string{envArchivePassphrase}, "passphrase", "passphrase for "+filepath.Base(path))
	}
}

// archiveHint says what to do after an archive error.
func archiveHint(err error) error {
	switch {
	case errors.Is(err, vault.ErrArchiveWrongPassphrase):
		return fmt.Errorf("%w (check %s or what you typed)", err, envArchivePassphrase)
	case errors.Is(err, vault.ErrArchiveUnsafe), errors.Is(err, vault.ErrArchiveManifest), errors.Is(err, vault.ErrArchiveTooLarge):
		return fmt.Errorf("%w; nothing was written", err)
	}
	return err
}

func (a *app) verifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify ARCHIVE",
		Short: "Read a backup archive back from its drive and check every digest",
		Long: `verify reads a backup archive from its drive (not from the page cache),
checks it against its .sha256 sidecar, decrypts it if it is encrypted
(TRUSTVAULT_ARCHIVE_PASSPHRASE, else asked), and checks every entry against
the manifest. A copy trustvault recorded gets its verification renewed.
Re-plug a drive before verifying it: only then does the read come from the
stick itself and not its cache.`,
		Args: exactArgs(1, "one backup archive"),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "verify " + args[0]
			if err := a.checkArchiveArg("verify", args[0]); err != nil {
				return err
			}
			s, err := a.openStore()
			if err != nil {
				return fail(op, err)
			}
			d, _ := a.drives()
			rep, err := s.VerifyArchive(args[0], d, a.archivePassphrase(args[0]), timeNow())
			if err != nil {
				return fail(op, archiveHint(err))
			}
			ar := rep.Archive
			fmt.Fprintf(a.stdout, "%s: verified: %s, %s, SHA-256 %s…\n", args[0], plural(ar.Files, "file", "files"), plural(ar.KeyFiles, "key", "keys"), ar.SHA256[:12])
			if rep.Sidecar != "" {
				fmt.Fprintf(a.stdout, "  matches %s\n", filepath.Base(rep.Sidecar))
			}
			if rep.Recorded {
				fmt.Fprintln(a.stdout, "  the record of this copy is renewed")
			}
			return nil
		},
	}
}

func (a *app) restoreCmd() *cobra.Command {
	var keepBoth, overwrite, encryptPlain, allowPlain bool
	cmd := &cobra.Command{
		Use:   "restore ARCHIVE [--keep-both|--overwrite] [--encrypt-plain|--allow-plain]",
		Short: "Restore keys from a backup archive into the trust directory",
		Long: `restore validates the whole archive before writing anything: only regular
files and directories in the layouts a trust directory has (private/<id>.key,
private/root_keys/<id>_<role>.key, private/tuf_keys/<GUN>/<id>_<role>.key,
tuf/<GUN>/metadata/..., tuf/<GUN>/changelist/...), within size, depth and
count limits, every digest matching the manifest. It reads trustvault's
archives (plain or age-encrypted: TRUSTVAULT_ARCHIVE_PASSPHRASE, else asked)
and plain tar archives of a private/ directory, such as the one docker
documents (tar -zcvf private_keys_backup.tar.gz ~/.docker/trust/private).

Key files are written 0600 and directories 0700, whatever the archive says.
A key that is here with the same bytes is skipped. A key that is here with
other bytes (its passphrase changed since the backup, say) stops the restore
and nothing is written, unless --keep-both writes the backup's copy beside
it as <name>.restored-<UTC>, or --overwrite first copies the file here to
<trust dir>/trustvault/pre-restore-<UTC>/ and then replaces it atomically
(the key is at its path at every instant). Cached metadata is restored only
where there is none.

An unencrypted key in the backup stops the restore (nothing is written)
unless --encrypt-plain encrypts each on the way in under a new passphrase
(NOTARY_<ROLE>_PASSPHRASE, else asked, as import does) or --allow-plain
restores it unencrypted. A restore that fails part-way says what it wrote,
which keys it replaced, where their old bytes are, and how to undo it.`,
		Args: exactArgs(1, "one backup archive"),
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := atMostOne(cmd, "keep-both", "overwrite"); err != nil {
				return err
			}
			return atMostOne(cmd, "encrypt-plain", "allow-plain")
		},
		RunE: func(_ *cobra.Command, args []string) error {
			op := "restore " + args[0]
			if err := a.checkArchiveArg("restore", args[0]); err != nil {
				return err
			}
			s, err := a.openStore()
			if err != nil {
				return fail(op, err)
			}
			data, err := vault.ReadArchive(args[0])
			if err != nil {
				return failAtomic(op, err)
			}
			ro := vault.RestoreOptions{Passphrase: a.archivePassphrase(args[0]), AllowPlain: allowPlain, Now: timeNow()}
			switch {
			case keepBoth:
				ro.Conflict = vault.ConflictKeepBoth
			case overwrite:
				ro.Conflict = vault.ConflictOverwrite
			}
			if encryptPlain {
				ro.EncryptPlain = a.passphrases().get
			}
			res, err := s.Restore(data, ro)
			if err != nil {
				return a.restoreFailed(op, err)
			}
			a.printRestored(s.Dir(), res)
			return nil
		},
	}
	cmd.Flags().BoolVar(&keepBoth, "keep-both", false, "restore a differing key beside the one here, as <name>.restored-<UTC>")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace a differing key, first copying the one here to trustvault/pre-restore-<UTC>/")
	cmd.Flags().BoolVar(&encryptPlain, "encrypt-plain", false, "encrypt the backup's unencrypted keys on the way in, under new passphrases")
	cmd.Flags().BoolVar(&allowPlain, "allow-plain", false, "restore the backup's unencrypted keys unencrypted")
	return cmd
}

// restoreFailed words a failed restore: only a failure before anything
// was written may say that nothing was changed.
func (a *app) restoreFailed(op string, err error) error {
	var ce *vault.ConflictError
	var re *vault.RestoreError
	switch {
	case errors.As(err, &ce):
		for _, c := range ce.Conflicts {
			fmt.Fprintf(a.stderr, "trustvault: %s differs: here %d bytes of %s, in the backup %d bytes of %s\n", c.Name, c.LocalSize,
				c.LocalTime.UTC().Format("2006-01-02 15:04"), c.ArchiveSize, c.ArchiveTime.UTC().Format("2006-01-02 15:04"))
		}
		return fail(op, fmt.Errorf("%w; give --keep-both to restore the backup's copies beside them, or --overwrite", err))
	case errors.As(err, &re):
		return fail(op, err) // the error says what was written
	case errors.Is(err, vault.ErrPlainKeys):
		return fail(op, err) // the error says nothing was written
	}
	return failAtomic(op, archiveHint(err))
}

func (a *app) printRestored(dir string, res *vault.RestoreResult) {
	keys := 0
	for _, w := range res.Written {
		if strings.HasSuffix(w, ".key") {
			keys++
		}
	}
	fmt.Fprintf(a.stdout, "Restored %s into %s (%s written, %d already here).\n", plural(keys, "key", "keys"), dir,
		plural(len(res.Written), "file", "files"), len(res.Identical))
	for _, c := range res.Conflicts {
		switch {
		case c.RestoredAs != "":
			fmt.Fprintf(a.stdout, "  %s differs here: the backup's copy is %s\n", c.Name, c.RestoredAs)
		case c.CopiedLocalTo != "":
			fmt.Fprintf(a.stdout, "  %s replaced: a copy of the file that was here is %s\n", c.Name, c.CopiedLocalTo)
		}
	}
	for _, e := range res.Encrypted {
		fmt.Fprintf(a.stdout, "  %s was unencrypted in the backup: encrypted on the way in\n", e)
	}
	for _, p := range res.Plain {
		fmt.Fprintf(a.stderr, "trustvault: WARNING: %s is an UNENCRYPTED private key (as it was in the backup): encrypt it now with 'trustvault harden --new-passphrase'\n", p)
	}
	if len(res.KeptLocal) > 0 {
		fmt.Fprintf(a.stdout, "  %s of cached metadata kept as they are here (newer than the backup's)\n", plural(len(res.KeptLocal), "file", "files"))
	}
}

func (a *app) drillCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "drill ARCHIVE",
		Short: "Rehearse a restore: open and check an archive, compare it with the keys here, write nothing",
		Long: `drill decrypts the archive (TRUSTVAULT_ARCHIVE_PASSPHRASE, else asked),
validates it whole as restore would, parses every key file in it and
compares it with the trust directory: keys the same as here, keys changed
here since the backup, keys only in the backup, and keys here that the
backup lacks. It writes nothing. Exit status 0 when the backup holds every
key here as it is now, 1 otherwise.`,
		Args: exactArgs(1, "one backup archive"),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "drill " + args[0]
			if err := a.checkArchiveArg("drill", args[0]); err != nil {
				return err
			}
			s, err := a.openStore()
			if err != nil {
				return fail(op, err)
			}
			data, err := vault.ReadArchive(args[0])
			if err != nil {
				return fail(op, err)
			}
			rep, err := s.Drill(data, a.archivePassphrase(args[0]))
			if err != nil {
				return fail(op, archiveHint(err))
			}
			ar := rep.Archive
			var b strings.Builder
			fmt.Fprintf(&b, "%s opens", args[0])
			if ar.Encrypted {
				b.WriteString(" with the passphrase")
			}
			fmt.Fprintf(&b, " and every digest matches: %s, %s of metadata", plural(ar.KeyFiles, "key", "keys"), plural(rep.Metadata, "file", "files"))
			if ar.Trustvault {
				fmt.Fprintf(&b, ", made %s by trustvault %s", ar.Created.UTC().Format("2006-01-02 15:04 UTC"), ar.Version)
			}
			b.WriteString(".\n")
			counts := map[vault.DrillState]int{}
			for _, k := range rep.Keys {
				counts[k.State]++
				if k.State != vault.DrillSame {
					fmt.Fprintf(&b, "  %s %s key %s: %s\n", stateMark(k.State), orDash(k.Role), vault.ShortID(k.ID), k.State)
				}
			}
			for _, k := range rep.NotCovered {
				fmt.Fprintf(&b, "  ✗ %s key %s: here, not in the backup\n", orDash(k.Role), k.ShortID())
			}
			fmt.Fprintf(&b, "%d the same as here, %d changed here since, %d only in the backup, %d here but not in it.\n",
				counts[vault.DrillSame], counts[vault.DrillDiffers], counts[vault.DrillOnlyInBackup], len(rep.NotCovered))
			if rep.OK() {
				b.WriteString("The backup holds every key here as it is now: a restore would bring them all back.\n")
			} else {
				b.WriteString("Back up again: this backup does not hold every key as it is now.\n")
			}
			if _, err := fmt.Fprint(a.stdout, b.String()); err != nil {
				return err
			}
			if !rep.OK() {
				return &exitStatus{code: exitFailure}
			}
			return nil
		},
	}
}

func stateMark(s vault.DrillState) string {
	if s == vault.DrillOnlyInBackup {
		return "+"
	}
	return "!"
}
