package vault

// The backup archive as the engine's callers see it: vault's own types, so
// that ui and cmd need not know the archive package.

import (
	"errors"
	"fmt"
	"time"

	"github.com/trustvault/trustvault/archive"
)

// ArchivePassphraseFunc gives an encrypted archive's passphrase; it is
// asked only when the archive is encrypted, and the engine zeroes what it
// returns.
type ArchivePassphraseFunc func() ([]byte, error)

func (f ArchivePassphraseFunc) archive() archive.PassphraseFunc {
	if f == nil {
		return nil
	}
	return archive.PassphraseFunc(f)
}

// Archive errors a caller may branch on.
var (
	ErrArchiveWrongPassphrase = archive.ErrWrongPassphrase
	ErrArchiveNeedPassphrase  = archive.ErrNeedPassphrase
	ErrArchiveDamaged         = archive.ErrDamaged
	ErrArchiveUnsafe          = archive.ErrUnsafe
	ErrArchiveTooLarge        = archive.ErrTooLarge
	ErrArchiveManifest        = archive.ErrManifest

	ErrDriveFull         = archive.ErrDriveFull
	ErrDriveReadOnly     = archive.ErrReadOnly
	ErrDriveFailed       = archive.ErrDriveFailed
	ErrDriveDisconnected = archive.ErrDisconnected
	ErrReadBackFailed    = archive.ErrVerify
)

// IsEncryptedArchive reports whether data is an age-encrypted archive.
func IsEncryptedArchive(data []byte) bool { return archive.IsEncrypted(data) }

// ArchiveInfo describes a validated archive.
type ArchiveInfo struct {
	// Trustvault is true for trustvault's own archives (with a manifest);
	// false for a plain tar of private/ such as docker documents.
	Trustvault bool
	Encrypted  bool
	// SHA256 and Size are those of the file as it is on the drive.
	SHA256 string
	Size   int64
	// Files counts the file entries, KeyFiles those below private/ that
	// end in .key.
	Files, KeyFiles int
	// Created and Version come from the manifest (zero without one).
	Created time.Time
	Version string
}

func archiveInfo(a *archive.Archive) ArchiveInfo {
	info := ArchiveInfo{Encrypted: a.Encrypted, SHA256: a.SHA256, Size: a.Size, Files: len(a.Files)}
	for _, f := range a.Files {
		if IsKeyEntry(f.Name) {
			info.KeyFiles++
		}
	}
	if m := a.Manifest; m != nil {
		info.Trustvault, info.Created, info.Version = true, m.Created, m.Version
	}
	return info
}

// ConflictPolicy says what Restore does with a key that is here with
// other content.
type ConflictPolicy int

const (
	// ConflictRefuse writes nothing and returns a *ConflictError.
	ConflictRefuse ConflictPolicy = iota
	// ConflictKeepBoth keeps the key here and writes the backup's copy
	// beside it as <name>.restored-<UTC>.
	ConflictKeepBoth
	// ConflictOverwrite replaces the key here with the backup's copy,
	// keeping a copy of the old file in trustvault/pre-restore-<UTC>/.
	ConflictOverwrite
)

func (p ConflictPolicy) archive() archive.ConflictPolicy {
	switch p {
	case ConflictKeepBoth:
		return archive.ConflictKeepBoth
	case ConflictOverwrite:
		return archive.ConflictOverwrite
	default:
		return archive.ConflictRefuse
	}
}

// Conflict is a file that is here with other content than the backup's.
type Conflict struct {
	Name                   string
	LocalSize, ArchiveSize int64
	LocalTime, ArchiveTime time.Time
	// RestoredAs is where the backup's copy went (ConflictKeepBoth);
	// CopiedLocalTo where the old file was kept (ConflictOverwrite).
	RestoredAs, CopiedLocalTo string
}

func conflicts(in []archive.Conflict) []Conflict {
	out := make([]Conflict, len(in))
	for i, c := range in {
		out[i] = Conflict(c)
	}
	return out
}

// ConflictError lists the files that differ; nothing was written.
type ConflictError struct {
	Conflicts []Conflict
	err       error
}

func (e *ConflictError) Error() string { return e.err.Error() }

// RestoreError is a restore that failed after it had begun to write:
// Done says exactly what it wrote (new files, keys replaced and where
// their old bytes were copied, directories made); every other file is as
// it was, and every key is at its path with its old bytes or the
// backup's. Error() says all of it, with how to undo it.
type RestoreError struct {
	Done *RestoreResult
	err  error
}

func (e *RestoreError) Error() string { return e.err.Error() }
func (e *RestoreError) Unwrap() error { return e.err }

// restoreError gives archive's errors vault's types: a conflict (nothing
// written), a partial restore (what was written), or another failure
// before anything was written (whose message says so).
func restoreError(err error, a *archive.Archive) error {
	var ce *archive.ConflictError
	if errors.As(err, &ce) {
		return &ConflictError{Conflicts: conflicts(ce.Conflicts), err: err}
	}
	var pe *archive.PartialError
	if errors.As(err, &pe) {
		return &RestoreError{Done: restoreResult(a, pe.Done), err: fmt.Errorf("restore stopped part-way: %w", err)}
	}
	return fmt.Errorf("restore: %w", err)
}

// CopyStage is where one copy of a backup is.
type CopyStage int

const (
	StageWrite CopyStage = iota
	StageSync
	StageVerify
	StageDone
)

func (s CopyStage) String() string {
	return [...]string{"writing", "syncing", "verifying", "done"}[s]
}

func copyStage(s archive.Stage) CopyStage {
	switch s {
	case archive.StageSync:
		return StageSync
	case archive.StageVerify:
		return StageVerify
	case archive.StageDone:
		return StageDone
	default:
		return StageWrite
	}
}

// CopyWritten is one copy written to a drive and read back.
type CopyWritten struct {
	Path, Sidecar string
	SHA256        string
	Size          int64
	VerifiedAt    time.Time
}
