package vault

// Restore, restore drills and verifying an archive on a drive.

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/vault/internal/fsread"
	"github.com/trustvault/trustvault/vault/tuf"
)

// RestoreOptions shape Restore.
type RestoreOptions struct {
	// Passphrase is asked for only when the archive is encrypted.
	Passphrase ArchivePassphraseFunc
	// Conflict says what to do with a key that exists here with other
	// content (default: refuse, writing nothing).
	Conflict ConflictPolicy
	// A key stored unencrypted in the backup is refused (ErrPlainKeys,
	// nothing written) unless EncryptPlain is set, which encrypts each
	// on the way in under a new passphrase it asks for (New set, as an
	// import does), or AllowPlain, which restores them as they are
	// (RestoreResult.Plain lists them, for a loud warning).
	EncryptPlain PassphraseFunc
	AllowPlain   bool
	Now          time.Time
}

// ErrPlainKeys: the backup holds unencrypted private keys and the restore
// was not told what to do with them.
var ErrPlainKeys = errors.New("the backup holds unencrypted private keys")

// RestoreResult is what Restore did.
type RestoreResult struct {
	Archive ArchiveInfo
	// Written are the files written (new), Identical those already here
	// with the same bytes.
	Written, Identical []string
	// Conflicts are the keys that differed, resolved by the policy.
	Conflicts []Conflict
	// KeptLocal are cached metadata files kept because they differ here.
	KeptLocal []string
	Skipped   []string
	// Dirs are the directories made; Copies the copies of keys kept in
	// trustvault/pre-restore-<UTC>/ before they were replaced.
	Dirs, Copies []string
	// Plain are the backup's unencrypted keys restored as they are
	// (AllowPlain); Encrypted those encrypted on the way in.
	Plain, Encrypted []string
}

func restoreResult(a *archive.Archive, r archive.Result) *RestoreResult {
	return &RestoreResult{Archive: archiveInfo(a), Written: r.Written, Identical: r.Identical,
		Conflicts: conflicts(r.Conflicts), KeptLocal: r.KeptLocal, Skipped: r.Skipped, Dirs: r.Dirs, Copies: r.Copies}
}

// ReadArchive reads an archive file (at most the archive limit), from the
// device rather than the page cache.
func ReadArchive(path string) ([]byte, error) {
	data, err := archive.ReadFileUncached(path, archive.DefaultLimits().Archive)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

// openArchive validates an archive against what a trust directory holds:
// every entry in one of its layouts (layout.go: bounded depth and name
// length), every file below private/ at most MaxKeyFileSize and a key
// file named by its key ID, every metadata file at most
// tuf.MaxMetadataSize. It returns the names of the unencrypted keys.
func openArchive(data []byte, pass ArchivePassphraseFunc) (*archive.Archive, []string, error) {
	a, err := archive.Open(data, pass.archive(), archive.DefaultLimits())
	if err != nil {
		if errors.Is(err, archive.ErrDamaged) {
			return nil, nil, fmt.Errorf("%w; try the other drive's copy", err)
		}
		return nil, nil, fmt.Errorf("%w", err)
	}
	for _, d := range a.Dirs {
		if err := checkLayout(d, true); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrArchiveUnsafe, err)
		}
	}
	var plain []string
	for _, f := range a.Files {
		if err := checkLayout(f.Name, false); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrArchiveUnsafe, err)
		}
		if strings.HasPrefix(f.Name, tufDir+"/") {
			if len(f.Data) > tuf.MaxMetadataSize {
				return nil, nil, fmt.Errorf("%w: the backup's %s is %d bytes, more than the %d a metadata file may be", ErrArchiveUnsafe, f.Name, len(f.Data), tuf.MaxMetadataSize)
			}
			continue
		}
		if len(f.Data) > MaxKeyFileSize {
			return nil, nil, fmt.Errorf("%w: the backup's %s is %d bytes, more than the %d a key file may be", ErrArchiveUnsafe, f.Name, len(f.Data), MaxKeyFileSize)
		}
		kf, err := decodeKeyFile(f.Data)
		if err != nil {
			return nil, nil, fmt.Errorf("the backup's %s is not a key file: %w", f.Name, err)
		}
		if !kf.encrypted() {
			plain = append(plain, f.Name)
		}
	}
	return a, plain, nil
}

// Restore validates the whole archive, then writes its keys into
// private/ and the metadata files this directory does not have into tuf/
// (cached metadata that differs is kept: the local copy is the newer).
// Nothing is written when the archive is unsafe or damaged, when a key
// differs and the policy is to refuse, or when it holds unencrypted keys
// and the options do not say what to do with them. A failure after
// writing began is a *RestoreError that says what was written.
func (s *Store) Restore(data []byte, opts RestoreOptions) (*RestoreResult, error) {
	a, plain, err := openArchive(data, opts.Passphrase)
	if err != nil {
		return nil, err
	}
	var encrypted []string
	switch {
	case len(plain) == 0 || opts.AllowPlain:
	case opts.EncryptPlain != nil:
		if encrypted, err = s.encryptPlain(a, plain, opts.EncryptPlain); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w (%s): restoring them would put private keys on this disk in plaintext; nothing was written. Restore with --encrypt-plain to encrypt each on the way in under a new passphrase, or --allow-plain to restore them unencrypted", ErrPlainKeys, strings.Join(plain, ", "))
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	res, err := archive.Extract(s.dir, a, archive.ExtractOptions{
		Conflict:  opts.Conflict.archive(),
		Now:       opts.Now,
		KeepLocal: func(name string) bool { return strings.HasPrefix(name, tufDir+"/") },
	})
	if err != nil {
		return nil, restoreError(err, a)
	}
	r := restoreResult(a, res)
	r.Encrypted = encrypted
	if opts.AllowPlain {
		r.Plain = plain
	}
	return r, nil
}

// encryptPlain encrypts the archive's unencrypted keys in memory, each
// under a new passphrase asked of pass, keeping their role and gun
// headers. Nothing is written.
func (s *Store) encryptPlain(a *archive.Archive, plain []string, pass PassphraseFunc) ([]string, error) {
	for i := range a.Files {
		f := &a.Files[i]
		if !slices.Contains(plain, f.Name) {
			continue
		}
		kf, err := decodeKeyFile(f.Data)
		if err != nil {
			return nil, err
		}
		signer, err := kf.decrypt(nil)
		if err != nil {
			return nil, fmt.Errorf("the backup's %s: %w; nothing was written", f.Name, err)
		}
		pk, err := newPrivateKey(signer)
		if err != nil {
			return nil, err
		}
		role, gun := kf.block.Headers[headerRole], kf.block.Headers[headerGUN]
		if k := placeKey(keyEntryRel(f.Name)); role == "" {
			role = k.Role
		}
		p, err := pass(PassphraseRequest{KeyID: pk.ID, Role: role, New: true, Attempt: 1, Source: f.Name})
		if err != nil {
			return nil, fmt.Errorf("passphrase for %s: %w; nothing was written", f.Name, err)
		}
		block, err := encryptKeyBlock(signer, kf.block.Headers[headerRole], gun, p, s.iterations, s.rand)
		zero(p)
		if err != nil {
			return nil, fmt.Errorf("encrypt %s: %w; nothing was written", f.Name, err)
		}
		f.Data = pem.EncodeToMemory(block)
	}
	return plain, nil
}

// DrillState is how a key in a backup compares with the store.
type DrillState int

const (
	// DrillSame: the key file here has the same bytes.
	DrillSame DrillState = iota
	// DrillDiffers: the key is here with other bytes (a new passphrase or
	// a re-encryption since the backup): restoring it needs the
	// passphrase it had then.
	DrillDiffers
	// DrillOnlyInBackup: the key is not here; a restore brings it back.
	DrillOnlyInBackup
)

func (d DrillState) String() string {
	return [...]string{"same as here", "differs from the file here (changed since the backup)", "only in the backup"}[d]
}

// DrillKey is one key of a drill.
type DrillKey struct {
	ID, Role, GUN, Entry string
	State                DrillState
}

// DrillReport is a restore drill: the archive opened and checked, and
// compared key by key with the store, without writing anything.
type DrillReport struct {
	Archive ArchiveInfo
	Keys    []DrillKey
	// NotCovered are keys here that the backup does not hold.
	NotCovered []Key
	Metadata   int
}

// OK reports whether the backup holds every key here as it is now.
func (r *DrillReport) OK() bool {
	if len(r.NotCovered) > 0 {
		return false
	}
	for _, k := range r.Keys {
		if k.State == DrillDiffers {
			return false
		}
	}
	return true
}

// Drill decrypts and validates an archive (every digest, every key file
// parsed) and compares it with the store. It writes nothing.
func (s *Store) Drill(data []byte, pass ArchivePassphraseFunc) (*DrillReport, error) {
	a, _, err := openArchive(data, pass)
	if err != nil {
		return nil, err
	}
	live, err := s.Keys()
	if err != nil {
		return nil, err
	}
	r := &DrillReport{Archive: archiveInfo(a)}
	inBackup := map[string]bool{}
	for _, f := range a.Files {
		if strings.HasPrefix(f.Name, tufDir+"/") {
			r.Metadata++
			continue
		}
		if !IsKeyEntry(f.Name) {
			continue
		}
		k := placeKey(keyEntryRel(f.Name))
		dk := DrillKey{ID: k.ID, Role: k.Role, GUN: k.GUN, Entry: f.Name}
		if kf, err := decodeKeyFile(f.Data); err == nil && (k.Layout == LayoutFlat || dk.Role == "") {
			dk.Role, dk.GUN = kf.block.Headers[headerRole], kf.block.Headers[headerGUN]
		}
		inBackup[k.ID] = true
		_, local, err := fsread.NoFollow(filepath.Join(s.dir, filepath.FromSlash(f.Name)), maxKeyFile)
		switch {
		case err != nil:
			dk.State = DrillOnlyInBackup
			if slicesContainsID(live, k.ID) {
				dk.State = DrillDiffers // here under another layout
			}
		case bytes.Equal(local, f.Data):
			dk.State = DrillSame
		default:
			dk.State = DrillDiffers
		}
		r.Keys = append(r.Keys, dk)
	}
	for _, k := range live {
		if k.Err == nil && !inBackup[k.ID] {
			r.NotCovered = append(r.NotCovered, k)
		}
	}
	return r, nil
}

func slicesContainsID(keys []Key, id string) bool {
	for _, k := range keys {
		if k.ID == id {
			return true
		}
	}
	return false
}

// VerifyReport is an archive on a drive read back and checked.
type VerifyReport struct {
	Path    string
	Archive ArchiveInfo
	// Sidecar: the .sha256 file beside it matched ("" when there is none).
	Sidecar string
	// Recorded: the copy is in the records; its verification time was
	// renewed.
	Recorded bool
}

// VerifyArchive reads an archive back from its drive (not the page
// cache), checks its .sha256 sidecar if there is one, validates it whole
// (every digest), and renews the record of that copy.
func (s *Store) VerifyArchive(path string, d *Drives, pass ArchivePassphraseFunc, now time.Time) (*VerifyReport, error) {
	data, err := ReadArchive(path)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Path: path}
	sum := archive.SHA256(data)
	if side, err := archive.ReadFile(path+".sha256", archive.MaxSidecarSize); err == nil {
		want, _, _ := strings.Cut(strings.TrimSpace(string(side)), " ")
		if want != sum {
			return nil, fmt.Errorf("verify %s: %w: its SHA-256 is %s, the sidecar %s.sha256 says %s; try the other drive's copy",
				path, archive.ErrDamaged, sum[:12], filepath.Base(path), want[:min(12, len(want))])
		}
		rep.Sidecar = path + ".sha256"
	}
	a, _, err := openArchive(data, pass)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	rep.Archive = archiveInfo(a)
	var identity string
	if d != nil {
		if dr, err := d.Locate(path); err == nil {
			identity = dr.Identity.Key
		}
	}
	name := filepath.Base(path)
	r, err := s.ReadRecords()
	if err != nil {
		return rep, nil
	}
	found := false
	for _, b := range r.Backups {
		for _, c := range b.Copies {
			if b.SHA256 == sum && b.Archive == name && (identity == "" || c.Identity == identity) {
				found = true
			}
		}
	}
	if !found {
		return rep, nil
	}
	err = s.updateRecords(func(r *Records) {
		for i, b := range r.Backups {
			for j, c := range b.Copies {
				if b.SHA256 == sum && b.Archive == name && (identity == "" || c.Identity == identity) {
					r.Backups[i].Copies[j].ReverifiedAt = now.UTC()
				}
			}
		}
	})
	rep.Recorded = err == nil
	return rep, nil
}
