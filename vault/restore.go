package vault

// Restore, restore drills and verifying an archive on a drive.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trustvault/trustvault/archive"
)

// RestoreOptions shape Restore.
type RestoreOptions struct {
	// Passphrase is asked for only when the archive is encrypted.
	Passphrase ArchivePassphraseFunc
	// Conflict says what to do with a key that exists here with other
	// content (default: refuse, writing nothing).
	Conflict ConflictPolicy
	Now      time.Time
}

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

// openArchive validates an archive and every key file in it: each parses
// as a key file, and each name is a key ID.
func openArchive(data []byte, pass ArchivePassphraseFunc) (*archive.Archive, error) {
	a, err := archive.Open(data, pass.archive(), archive.DefaultLimits())
	if err != nil {
		if errors.Is(err, archive.ErrDamaged) {
			return nil, fmt.Errorf("%w; try the other drive's copy", err)
		}
		return nil, fmt.Errorf("%w", err)
	}
	for _, f := range a.Files {
		if !strings.HasPrefix(f.Name, privateDir+"/") || !strings.HasSuffix(f.Name, keyExt) {
			continue
		}
		k := placeKey(strings.TrimPrefix(f.Name, privateDir+"/"))
		if !IsKeyID(k.ID) {
			return nil, fmt.Errorf("the backup's %s is not named by a key ID", f.Name)
		}
		if _, err := decodeKeyFile(f.Data); err != nil {
			return nil, fmt.Errorf("the backup's %s is not a key file: %w", f.Name, err)
		}
	}
	return a, nil
}

// Restore validates the whole archive, then writes its keys into
// private/ and the metadata files this directory does not have into tuf/
// (cached metadata that differs is kept: the local copy is the newer).
// Nothing is written when the archive is unsafe or damaged, or when a key
// differs and the policy is to refuse.
func (s *Store) Restore(data []byte, opts RestoreOptions) (*RestoreResult, error) {
	a, err := openArchive(data, opts.Passphrase)
	if err != nil {
		return nil, err
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
		return nil, restoreError(err)
	}
	return &RestoreResult{Archive: archiveInfo(a), Written: res.Written, Identical: res.Identical,
		Conflicts: conflicts(res.Conflicts), KeptLocal: res.KeptLocal, Skipped: res.Skipped}, nil
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
	a, err := openArchive(data, pass)
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
		if !strings.HasSuffix(f.Name, keyExt) {
			continue
		}
		k := placeKey(strings.TrimPrefix(f.Name, privateDir+"/"))
		dk := DrillKey{ID: k.ID, Role: k.Role, GUN: k.GUN, Entry: f.Name}
		if kf, err := decodeKeyFile(f.Data); err == nil && (k.Layout == LayoutFlat || dk.Role == "") {
			dk.Role, dk.GUN = kf.block.Headers[headerRole], kf.block.Headers[headerGUN]
		}
		inBackup[k.ID] = true
		local, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(f.Name)))
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
	a, err := openArchive(data, pass)
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
