package vault

import "time"

// Backup records are trustvault's own account of the verified copies of each
// key: which key, where, and when the copy was last read back and checked.
// They will live in <trust dir>/trustvault/, beside the keys and never inside
// private/.
//
// NOT BUILT YET: the backup flow (issue 5) writes them. Until it lands,
// Store.BackupLedger reads no records, and the health check reports every
// key as having no verified backup. The interface is here so that health
// needs no change when the records arrive.

// BackupRecord is one verified copy of a key outside the trust directory.
type BackupRecord struct {
	// KeyID is the canonical ID of the key the copy holds.
	KeyID string
	// Where names the copy for a person: a drive's label and serial, say.
	Where string
	// VerifiedAt is when the copy was last read back and checked; zero
	// means never, and such a copy does not count.
	VerifiedAt time.Time
}

// BackupLedger reads backup records.
type BackupLedger interface {
	// BackupRecords returns every record. No records is (nil, nil).
	BackupRecords() ([]BackupRecord, error)
}

// noBackupLedger is the ledger until issue 5: there are no records yet.
type noBackupLedger struct{}

var _ BackupLedger = noBackupLedger{}

func (noBackupLedger) BackupRecords() ([]BackupRecord, error) { return nil, nil }

// BackupLedger returns the store's backup records. Today there are none:
// the backup flow that writes them to <trust dir>/trustvault/ is issue 5.
func (s *Store) BackupLedger() BackupLedger { return noBackupLedger{} }
