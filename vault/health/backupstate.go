package health

import (
	"slices"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// BackupState is how well one key file is backed up, weakest first, so
// that the weakest of several keys is their minimum.
type BackupState int

const (
	// BackupNone: no verified copy of the key anywhere.
	BackupNone BackupState = iota
	// BackupOlder: verified copies exist, but every one holds an older
	// version of the key file (it changed since: a new passphrase).
	BackupOlder
	// BackupOne: verified copies of the current version on one drive.
	BackupOne
	// BackupTwo: verified copies of the current version on two or more
	// drives.
	BackupTwo
)

func (s BackupState) String() string {
	switch s {
	case BackupOlder:
		return "older than the key"
	case BackupOne:
		return "one verified"
	case BackupTwo:
		return "two verified"
	default:
		return "none"
	}
}

// KeyBackup is one key's backup state and the copies behind it.
type KeyBackup struct {
	State BackupState
	// Copies are the key's verified copies, one per drive, newest
	// first; Current says which of them hold the key as it is now.
	Copies  []vault.BackupRecord
	Current []bool
}

// Drives counts the drives that hold a verified copy of the current
// version.
func (b KeyBackup) Drives() int {
	seen := map[string]bool{}
	for i, c := range b.Copies {
		if b.Current[i] {
			seen[c.Drive] = true
		}
	}
	return len(seen)
}

// Verified is when the newest copy of the current version was verified;
// zero when there is none.
func (b KeyBackup) Verified() time.Time {
	for i, c := range b.Copies {
		if b.Current[i] {
			return c.VerifiedAt
		}
	}
	return time.Time{}
}

// KeyBackupState works out k's backup state from the records, as
// BackupLedger.BackupRecords returns them (one per key and drive). Copies
// never verified do not count, and copies on one drive count once.
func KeyBackupState(k vault.Key, records []vault.BackupRecord) KeyBackup {
	var b KeyBackup
	for _, r := range records {
		if r.KeyID == k.ID && !r.VerifiedAt.IsZero() {
			b.Copies = append(b.Copies, r)
		}
	}
	slices.SortStableFunc(b.Copies, func(x, y vault.BackupRecord) int { return y.VerifiedAt.Compare(x.VerifiedAt) })
	b.Current = make([]bool, len(b.Copies))
	for i, r := range b.Copies {
		b.Current[i] = !r.OlderThan(k)
	}
	switch n := b.Drives(); {
	case n >= 2:
		b.State = BackupTwo
	case n == 1:
		b.State = BackupOne
	case len(b.Copies) > 0:
		b.State = BackupOlder
	}
	return b
}
